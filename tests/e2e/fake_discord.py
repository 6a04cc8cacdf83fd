"""A small fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the real bot.

Every REST call is recorded in `calls` with its token (which bot process made it); unknown
routes answer 404 and are kept in `unhandled`. Several guilds (`add_guild`), sharding
(`shard_count`, `fake_gateway`). Point discord.py at it with `patch_discord`."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from aiohttp import web

from tests.e2e.fake_gateway import FakeGateway, shard_of
from tests.e2e.payloads import FakeChannel, FakeGuild, FakeUser, Snowflakes, message_payload, role

JSON = "application/json"
ADMIN_PERMS = 8
MANAGE_GUILD = 1 << 5
MEMBER_PERMS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 6) | (1 << 31) | (1 << 38)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    token: str = ""  # the Authorization header without its "Bot " prefix


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses the body as JSON when the content type is exactly application/json
    response = web.Response(text=json.dumps(data), status=status, headers=headers)
    response.headers["Content-Type"] = JSON
    return response


class FakeDiscord:
    def __init__(self) -> None:
        self.ids = Snowflakes()
        self.app_id = self.ids.next()
        self.bot_user = FakeUser(self.ids.next(), "hearth", bot=True)
        self.owner = FakeUser(self.ids.next(), "owner")
        self.guild = self._new_guild(self.ids.next(), "Fake Server")
        self.mod_role = self.ids.next()
        self.guild.roles.append(role(self.mod_role, "Moderators", MEMBER_PERMS | MANAGE_GUILD, 1))
        self.general = self.add_channel("general")
        self.help = self.add_channel("help")
        self.calls: list[Call] = []
        self.unhandled: list[Call] = []
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}
        self.commands: list[dict[str, Any]] = []
        self.interaction_responses: list[dict[str, Any]] = []
        self.rate_limit_next_posts = 0
        self.rate_limited = 0
        self.shard_count = 1  # what GET /gateway/bot recommends
        self.other_guilds: list[FakeGuild] = []
        self.gateway = FakeGateway(self._ready, lambda: [g.payload() for g in self.guilds])
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- world -----------------------------------------------------------------------------
    @property
    def guilds(self) -> list[FakeGuild]:
        return [self.guild, *self.other_guilds]

    def add_channel(self, name: str, guild: FakeGuild | None = None) -> FakeChannel:
        guild = guild or self.guild
        channel = FakeChannel(self.ids.next(), name, position=len(guild.channels))
        guild.channels.append(channel)
        return channel

    def add_guild(self, name: str, *, shard: tuple[int, int] | None = None) -> FakeGuild:
        """Another guild the bot is in, owned by `owner`; with `shard=(id, count)` its id is
        picked so that Discord would put it on that shard."""
        guild_id = self.ids.next() if shard is None else self.ids.next_on_shard(*shard)
        assert shard is None or shard_of(guild_id, shard[1]) == shard[0]
        guild = self._new_guild(guild_id, name)
        self.other_guilds.append(guild)
        return guild

    def _new_guild(self, guild_id: int, name: str) -> FakeGuild:
        guild = FakeGuild(guild_id, name, self.owner.id, roles=[role(guild_id, "@everyone", MEMBER_PERMS)])
        guild.members.update({u.id: u for u in (self.owner, self.bot_user)})
        return guild

    def guild_of_channel(self, channel_id: int) -> FakeGuild:
        found = (g for g in self.guilds if any(c.id == channel_id for c in g.channels))
        return next(found, self.guild)

    def add_member(self, name: str, *, moderator: bool = False) -> FakeUser:
        user = FakeUser(self.ids.next(), name)
        self.guild.members[user.id] = user
        if moderator:
            self.guild.member_roles[user.id] = [self.mod_role]
        return user

    def _ready(self, session_id: str) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user.payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": session_id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/",
            "application": {"id": str(self.app_id), "flags": (1 << 18) | (1 << 19)},
            "shard": [0, 1],
            "private_channels": [],
            "relationships": [],
        }

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self.gateway.handler)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- pushing events --------------------------------------------------------------------
    async def member_says(
        self,
        user: FakeUser,
        channel: FakeChannel,
        content: str,
        *,
        reply_to: dict[str, Any] | None = None,
        mentions: list[FakeUser] | None = None,
    ) -> dict[str, Any]:
        data = self.store_message(user, channel.id, content, reference=reply_to, mentions=mentions)
        await self.gateway.dispatch("MESSAGE_CREATE", data)
        return data

    async def react(self, user: FakeUser, message: dict[str, Any], emoji: str) -> None:
        await self.gateway.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": str(user.id),
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": str(self.guild.id),
                "member": self.guild.member_payload(user),
                "emoji": {"id": None, "name": emoji},
                "message_author_id": message["author"]["id"],
                "burst": False,
                "type": 0,
            },
        )

    async def open_thread(self, owner: FakeUser, parent: FakeChannel, name: str) -> FakeChannel:
        thread = FakeChannel(self.ids.next(), name, type=11, parent_id=parent.id, owner_id=owner.id)
        self.guild.channels.append(thread)
        data = thread.payload(self.guild.id)
        data["newly_created"] = True
        await self.gateway.dispatch("THREAD_CREATE", data)
        return thread

    async def slash(
        self, user: FakeUser, channel: FakeChannel, name: str, options: list[dict[str, Any]] | None = None
    ) -> str:
        """Push an INTERACTION_CREATE for `/name` (subcommands as nested options); returns its id."""
        words = name.split()
        command = next((c for c in self.commands if c["name"] == words[0]), None)
        opts = options or []
        for word in reversed(words[1:]):
            opts = [{"type": 1, "name": word, "options": opts}]
        interaction_id = self.ids.next(datetime.now(UTC))
        member = self.guild.member_payload(user)
        member["permissions"] = str(self.guild.permissions_of(user.id))
        await self.gateway.dispatch(
            "INTERACTION_CREATE",
            {
                "id": str(interaction_id),
                "application_id": str(self.app_id),
                "type": 2,
                "token": f"token-{interaction_id}",
                "version": 1,
                "guild_id": str(self.guild.id),
                "channel_id": str(channel.id),
                "channel": channel.payload(self.guild.id),
                "member": member,
                "app_permissions": str(ADMIN_PERMS),
                "locale": "en-US",
                "guild_locale": "en-US",
                "entitlements": [],
                "attachment_size_limit": 10 * 1024 * 1024,
                "authorizing_integration_owners": {"0": str(self.guild.id)},
                "context": 0,
                "data": {
                    "id": command["id"] if command else str(self.ids.next()),
                    "name": words[0],
                    "type": 1,
                    "guild_id": str(self.guild.id),
                    "options": opts,
                },
            },
        )
        return str(interaction_id)

    # --- REST ------------------------------------------------------------------------------
    def store_message(
        self,
        author: FakeUser,
        channel_id: int,
        content: str,
        *,
        reference: dict[str, Any] | None = None,
        mentions: list[FakeUser] | None = None,
        embeds: list[dict[str, Any]] | None = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        data = message_payload(
            message_id=self.ids.next(now),
            channel_id=channel_id,
            guild=self.guild_of_channel(channel_id),
            author=author,
            content=content,
            at=now,
            reference=reference,
            mentions=mentions,
            embeds=embeds,
            flags=flags,
        )
        self.messages.setdefault(channel_id, {})[int(data["id"])] = data
        return data

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                body = json.loads(str(form.get("payload_json", "{}")))
            else:
                raw = await request.text()
                body = json.loads(raw) if raw else None
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        call = Call(request.method, path, dict(request.query), body, token)
        self.calls.append(call)
        response = await self._route(call)
        if response is None:
            self.unhandled.append(call)
            return _json({"message": "404: Not Found", "code": 0}, status=404)
        return response

    async def _route(self, call: Call) -> web.StreamResponse | None:
        parts = call.path.strip("/").split("/")
        method = call.method
        if call.path == "/users/@me":
            return _json(self.bot_user.payload())
        if call.path == "/oauth2/applications/@me":
            return _json(self._application())
        if call.path in ("/gateway/bot", "/gateway"):
            url = f"ws://127.0.0.1:{self.port}/"
            shards = {"shards": self.shard_count} if call.path == "/gateway/bot" else {}
            return _json({"url": url, **shards, "session_start_limit": _start_limit()})
        if parts[:1] == ["applications"] and parts[2:3] == ["commands"] and method == "PUT":
            self.commands = [self._registered(c) for c in call.body or []]
            return _json(self.commands)
        if parts[:1] == ["applications"] and parts[2:3] == ["commands"] and method == "GET":
            return _json(self.commands)
        if parts[:1] == ["channels"] and parts[2:3] == ["messages"]:
            return self._channel_messages(call, int(parts[1]), parts[3:])
        if parts[:1] == ["interactions"] and parts[-1] == "callback":
            return self._interaction_callback(call, parts[1])
        if parts[:1] == ["webhooks"]:
            return self._webhook(call, parts[3:])
        if parts[:1] == ["guilds"] and parts[2:] == ["threads", "active"]:
            return _json({"threads": [], "members": []})
        return None

    def _registered(self, command: dict[str, Any]) -> dict[str, Any]:
        defaults: dict[str, Any] = {"description": "", "options": [], "type": 1, "nsfw": False}
        return {
            **defaults,
            **command,
            "id": str(self.ids.next()),
            "application_id": str(self.app_id),
            "version": "1",
        }

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.app_id),
            "name": "Hearth",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": (1 << 18) | (1 << 19),
            "owner": self.owner.payload(),
            "team": None,
        }

    def _channel_messages(self, call: Call, channel_id: int, rest: list[str]) -> web.StreamResponse | None:
        if call.method == "POST" and not rest:
            if self.rate_limit_next_posts > 0:
                self.rate_limit_next_posts -= 1
                self.rate_limited += 1
                headers = {"Via": "1.1 google", "Retry-After": "0.05", "X-RateLimit-Scope": "user"}
                return _json(
                    {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
                    429,
                    headers,
                )
            body = call.body or {}
            data = self.store_message(
                self.bot_user, channel_id, body.get("content") or "", embeds=body.get("embeds")
            )
            return _json(data)
        if call.method == "GET" and not rest:
            stored = sorted(self.messages.get(channel_id, {}).items())
            after = int(call.query.get("after", 0))
            before = int(call.query.get("before", 0)) or None
            limit = int(call.query.get("limit", 50))
            picked = [m for mid, m in stored if mid > after and (before is None or mid < before)]
            picked = picked[:limit] if "after" in call.query else picked[-limit:]
            return _json(list(reversed(picked)))
        if len(rest) >= 2 and rest[1] == "reactions":
            return web.Response(status=204)
        return None

    def _interaction_callback(self, call: Call, interaction_id: str) -> web.StreamResponse:
        body = call.body or {}
        self.interaction_responses.append({"interaction_id": interaction_id, **body})
        data = body.get("data") or {}
        message = message_payload(
            message_id=self.ids.next(),
            channel_id=self.general.id,
            guild=self.guild,
            author=self.bot_user,
            content=data.get("content") or "",
            at=datetime.now(UTC),
            embeds=data.get("embeds"),
            flags=int(data.get("flags") or 0),
        )
        return _json(
            {
                "interaction": {
                    "id": interaction_id,
                    "type": 2,
                    "response_message_id": message["id"],
                    "response_message_loading": body.get("type") == 5,
                    "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
                },
                "resource": {"type": body.get("type", 4), "message": message},
            }
        )

    def _webhook(self, call: Call, rest: list[str]) -> web.StreamResponse:
        body = call.body or {}
        self.interaction_responses.append({"webhook": call.method, "path": call.path, **body})
        message = message_payload(
            message_id=self.ids.next(),
            channel_id=self.general.id,
            guild=self.guild,
            author=self.bot_user,
            content=body.get("content") or "",
            at=datetime.now(UTC),
            embeds=body.get("embeds"),
            flags=int(body.get("flags") or 0),
        )
        if call.method == "DELETE":
            return web.Response(status=204)
        return _json(message)


def _start_limit() -> dict[str, int]:
    return {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}


@contextlib.contextmanager
def patch_discord(port: int) -> Iterator[None]:
    """Point discord.py's HTTP and gateway at the fake server for the duration of the block."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
