"""Building blocks for simcord tests of Hearth: a clock that follows simcord's virtual time,
a recording pipeline, and a ready-made server (guild, channels, forum, moderator, members).

The fixtures in `conftest.py` assemble these; tests may also use them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import simcord
from simcord import ChannelHandle, Env, GuildHandle, MemberActor, RoleHandle

from bot.conversation.events import Event


class SimcordClock:
    """A `Clock` that reads simcord's virtual time once bound to an environment."""

    def __init__(self) -> None:
        self._env: Env | None = None
        self._fallback = datetime(2025, 1, 6, tzinfo=UTC)

    def bind(self, env: Env) -> None:
        self._env = env

    def now(self) -> datetime:
        if self._env is None:
            return self._fallback
        return self._env.now()


class RecordingPipeline:
    """Stands in for `EventPipeline` when a test only checks which events the listeners produce."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.restored = False
        self.closed = False
        self.refreshed: list[int] = []
        self.batches = 0
        self.flushes = 0

    async def handle(self, event: Event) -> None:
        self.events.append(event)

    async def handle_many(self, events: Sequence[Event]) -> int:
        self.events.extend(events)
        self.batches += 1
        return len(events)

    async def flush(self) -> None:
        self.flushes += 1

    async def restore(self, now: datetime, guild_ids: object = None, hours: int = 6) -> int:
        self.restored = True
        return 0

    async def refresh_rules(self, guild_id: int) -> None:
        self.refreshed.append(guild_id)

    async def close(self) -> None:
        self.closed = True

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


@dataclass
class RecordingServices:
    """The minimum a HearthBot needs: a pipeline (and optionally more attributes set by a test)."""

    pipeline: RecordingPipeline = field(default_factory=RecordingPipeline)
    backfill: Any = None

    async def close(self) -> None:
        await self.pipeline.close()


def recorder(bot: Any) -> RecordingPipeline:
    """The recording pipeline of a bot built on `RecordingServices`."""
    pipeline = bot.services.pipeline
    assert isinstance(pipeline, RecordingPipeline)
    return pipeline


FORUM_TAGS: tuple[str, ...] = ("python", "discord", "solved")


@dataclass
class HearthWorld:
    """A small server as a moderator and three members see it."""

    env: Env
    guild: GuildHandle
    general: ChannelHandle
    help: ChannelHandle
    forum: ChannelHandle
    mod_role: RoleHandle
    moderator: MemberActor
    alice: MemberActor
    bob: MemberActor
    carol: MemberActor
    tag_ids: dict[str, int]

    @property
    def members(self) -> list[MemberActor]:
        return [self.alice, self.bob, self.carol]

    def add_member(self, name: str) -> MemberActor:
        return self.guild.add_member(self.env.create_user(name))

    async def open_thread(self, channel: ChannelHandle, owner: MemberActor, name: str) -> ChannelHandle:
        """`owner` starts a public thread in a text channel (THREAD_CREATE and the system notice)."""
        thread = self.env.backend.create_thread(channel.id, name, owner.id)
        await self.env.settle()
        return _channel_handle(self, thread.id)

    async def forum_post(
        self,
        author: MemberActor,
        title: str,
        content: str,
        *,
        tags: Sequence[str] = (),
    ) -> tuple[ChannelHandle, discord.Message]:
        """`author` opens a forum post: a thread whose starter message has the thread's id."""
        backend = self.env.backend
        tag_ids = [self.tag_ids[name] for name in tags]
        thread = backend.create_thread(self.forum.id, title, author.id, applied_tags=tag_ids, broadcast=False)
        starter = backend.prepare_message(thread.id, author.id, content)
        starter.id = thread.id
        backend.commit_message(starter, broadcast=False)
        backend.get_channel(self.forum.id).last_message_id = thread.id
        backend.announce_thread_create(thread)
        backend.announce_message_create(starter)
        await self.env.settle()
        handle = _channel_handle(self, thread.id)
        message = next(m for m in handle.history() if m.id == thread.id)
        return handle, message


def _channel_handle(world: HearthWorld, channel_id: int) -> ChannelHandle:
    channel = world.env.backend.get_channel(channel_id)
    return simcord.ChannelHandle(world.env, world.guild, channel)


def build_world(env: Env) -> HearthWorld:
    """Guild "Hearth Test" with #general, #help, a forum with tags, a moderator and three members."""
    guild = env.create_guild(name="Hearth Test")
    general = guild.create_text_channel("general")
    help_channel = guild.create_text_channel("help")
    forum = guild.create_forum_channel("questions-forum")
    tag_ids = {name: env.backend.snowflake() for name in FORUM_TAGS}
    env.backend.edit_channel(
        forum.id,
        {
            "available_tags": [
                {"id": str(tag_id), "name": name, "moderated": False, "emoji_id": None, "emoji_name": None}
                for name, tag_id in tag_ids.items()
            ]
        },
    )
    mod_role = guild.create_role(
        "Moderators",
        permissions=discord.Permissions(manage_guild=True, manage_messages=True, manage_threads=True),
    )
    moderator = guild.add_member(env.create_user("mod"), roles=[mod_role])
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    carol = guild.add_member(env.create_user("carol"))
    return HearthWorld(
        env=env,
        guild=guild,
        general=general,
        help=help_channel,
        forum=forum,
        mod_role=mod_role,
        moderator=moderator,
        alice=alice,
        bob=bob,
        carol=carol,
        tag_ids=tag_ids,
    )
