"""The websocket half of the fake Discord: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME.

Every dispatched event gets a sequence number and is kept, so a client that drops and
RESUMEs gets what it missed, as real Discord does.
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
                session = await self._identify(ws)
            elif op == RESUME:
                session = await self._resume(ws, data["d"])
        if session is not None and session.ws is ws:
            session.ws = None
            self._connected.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse) -> GatewaySession:
        self.identifies += 1
        self._counter += 1
        session = GatewaySession(session_id=f"session-{self._counter}")
        self.sessions[session.session_id] = session
        self.current = session
        session.ws = ws
        await self._send(session, "READY", self._ready_payload(session.session_id))
        for guild in self._guilds():
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

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the current session (kept for RESUME if the socket is down)."""
        if self.current is None:
            raise RuntimeError("no client has identified yet")
        await self._send(self.current, event, data)

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
