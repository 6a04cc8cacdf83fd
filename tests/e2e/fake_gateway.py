"""The websocket half of the fake Discord: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME.

Every dispatched event gets a sequence number and is kept, so a client that drops and
RESUMEs gets what it missed, as real Discord does. Sharding as Discord does it: IDENTIFY
carries `shard: [id, count]`, READY and GUILD_CREATE hold only the guilds on that shard
(`(guild_id >> 22) % count == id`), and a guild's events go to the session running its shard.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HELLO, HEARTBEAT, IDENTIFY, RESUME, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 11, 0


@dataclass
class GatewaySession:
    session_id: str
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    shard: tuple[int, int] = (0, 1)  # (shard id, shard count) from IDENTIFY
    token: str = ""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries `guild_id` (Discord's formula)."""
    return (guild_id >> 22) % shard_count


def on_shard(guild_id: int, shard: tuple[int, int]) -> bool:
    return shard_of(guild_id, shard[1]) == shard[0]


class FakeGateway:
    def __init__(
        self, ready_payload: Callable[[str], dict[str, Any]], guilds: Callable[[], list[dict[str, Any]]]
    ):
        self._ready_payload = ready_payload
        self._guilds = guilds
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.identifies = 0
        self.resumes = 0
        self.received: list[dict[str, Any]] = []
        self._connected = asyncio.Event()
        self._counter = 0
        self.refuse_intents = 0  # IDENTIFY asking for any of these bits is closed with 4014

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": HELLO, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        session: GatewaySession | None = None
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            self.received.append(data)
            op = data.get("op")
            if op == HEARTBEAT:
                await ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
            elif op == IDENTIFY:
                if int(data["d"].get("intents", 0)) & self.refuse_intents:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                session = await self._identify(ws, data["d"])
            elif op == RESUME:
                session = await self._resume(ws, data["d"])
        if session is not None and session.ws is ws:
            session.ws = None
            self._connected.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession:
        self.identifies += 1
        self._counter += 1
        raw_shard = data.get("shard") or (0, 1)
        shard = (int(raw_shard[0]), int(raw_shard[1]))
        session = GatewaySession(
            session_id=f"session-{self._counter}", shard=shard, token=str(data.get("token", ""))
        )
        self.sessions[session.session_id] = session
        self.current = session
        session.ws = ws
        guilds = [g for g in self._guilds() if on_shard(int(g["id"]), shard)]
        ready = self._ready_payload(session.session_id)
        ready["shard"] = list(shard)
        ready["guilds"] = [{"id": g["id"], "unavailable": True} for g in guilds]
        await self._send(session, "READY", ready)
        for guild in guilds:
            await self._send(session, "GUILD_CREATE", guild)
        session.identified.set()
        self._connected.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None:
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return None
        self.resumes += 1
        session.ws = ws
        self.current = session
        last = int(data.get("seq") or 0)
        for frame in session.log:
            if frame["s"] > last:
                await ws.send_str(json.dumps(frame))
        await self._send(session, "RESUMED", {})
        self._connected.set()
        return session

    async def _send(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_str(json.dumps(frame))

    def session_for(self, guild_id: int | None) -> GatewaySession | None:
        """The session that receives `guild_id`'s events: the current one when it runs the
        guild's shard, else the newest session that does (None: no session runs that shard)."""
        current = self.current
        if guild_id is None or current is None or on_shard(guild_id, current.shard):
            return current
        for session in reversed(list(self.sessions.values())):
            if on_shard(guild_id, session.shard):
                return session
        return None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the session running its guild's shard (kept for RESUME if the
        socket is down)."""
        if self.current is None:
            raise RuntimeError("no client has identified yet")
        guild_id = data.get("guild_id")
        session = self.session_for(int(guild_id) if guild_id is not None else None)
        if session is None:
            raise RuntimeError(f"no client runs the shard of guild {guild_id}")
        await self._send(session, event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close the client's socket; discord.py reconnects and RESUMEs."""
        session = self.current
        if session is not None and session.ws is not None:
            ws = session.ws
            session.ws = None
            self._connected.clear()
            await ws.close(code=code, message=b"dropped by test")

    async def wait_connected(self, within: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), within)

    async def close_all(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1000)
