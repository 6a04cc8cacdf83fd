"""The live path: `MESSAGE_CREATE` payloads through discord.py's parser and dispatch.

Floor: a plain `discord.Client` whose `on_message` does nothing. Hearth: the `HearthBot`
with the `cogs.listeners` extension, so each message goes through command processing,
`bot/sources/gateway.py`, `EventPipeline.handle` (engine) and the batched writer into SQLite.
No network: payloads are decoded with discord.py's JSON decoder and handed to
`ConnectionState.parse_message_create`, as the gateway would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import discord

from bot.conversation.clock import FakeClock

MESSAGE_TYPES = {"Default": 0, "Reply": 19}
CHANNEL_TYPES = {"GuildTextChat": 0, "GuildForum": 15}


@dataclass(slots=True)
class LiveResult:
    messages: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = float("nan")  # the process's CPU time (all threads) while driving

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else float("nan")

    @property
    def cpu_rate(self) -> float:
        """Messages per CPU second: what a busy, shared machine disturbs least."""
        return self.messages / self.cpu_seconds if self.cpu_seconds > 0 else float("nan")

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- payloads -------------------------------------------------------------------------------


def _user(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "username": raw["name"],
        "discriminator": "0",
        "global_name": raw.get("nickname"),
        "avatar": None,
        "bot": bool(raw.get("isBot")),
    }


def _member(joined: str, roles: list[str]) -> dict[str, Any]:
    return {"roles": roles, "joined_at": joined, "deaf": False, "mute": False, "flags": 0}


def to_gateway(raw: dict[str, Any], channel_id: str, guild_id: str) -> dict[str, Any]:
    """An exporter message as the `d` of a gateway `MESSAGE_CREATE`."""
    roles = [role["id"] for role in raw["author"].get("roles", [])]
    payload: dict[str, Any] = {
        "id": raw["id"],
        "channel_id": channel_id,
        "guild_id": guild_id,
        "author": _user(raw["author"]),
        "member": _member(raw["timestamp"], roles),
        "content": raw["content"],
        "timestamp": raw["timestamp"],
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [{**_user(m), "member": _member(raw["timestamp"], [])} for m in raw["mentions"]],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": MESSAGE_TYPES[raw["type"]],
        "flags": 0,
    }
    reference = raw.get("reference")
    if raw["type"] == "Reply" and reference:
        payload["message_reference"] = {
            "type": 0,
            "message_id": reference["messageId"],
            "channel_id": channel_id,
            "guild_id": guild_id,
        }
    return payload


def load_payloads(folder: Path, limit: int) -> tuple[dict[str, Any], list[bytes]]:
    """A guild payload and up to `limit` encoded `MESSAGE_CREATE` payloads, in time order."""
    community = json.loads((folder / "community.json").read_text(encoding="utf-8"))
    guild_id = community["guild"]["id"]
    channels = [
        {
            "id": c["id"],
            "type": CHANNEL_TYPES[c["type"]],
            "name": c["name"],
            "position": i,
            "guild_id": guild_id,
            "permission_overwrites": [],
            "parent_id": None,
        }
        for i, c in enumerate(community["channels"])
        if c["type"] in CHANNEL_TYPES
    ]
    guild = {
        "id": guild_id,
        "name": community["guild"]["name"],
        "channels": channels,
        "roles": [
            {
                "id": guild_id,
                "name": "@everyone",
                "permissions": "0",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "members": [],
        "threads": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "member_count": len(community["members"]),
        "large": False,
        "owner_id": community["members"][0]["id"],
    }
    text_ids = {c["id"] for c in community["channels"] if c["type"] == "GuildTextChat"}
    messages: list[tuple[int, dict[str, Any]]] = []
    for name in community["files"]:
        export = json.loads((folder / name).read_text(encoding="utf-8"))
        channel_id = export["channel"]["id"]
        if channel_id not in text_ids:
            continue
        for raw in export["messages"]:
            if raw["type"] in MESSAGE_TYPES:
                messages.append((int(raw["id"]), to_gateway(raw, channel_id, guild_id)))
    messages.sort(key=lambda item: item[0])
    encoded = [json.dumps(payload, ensure_ascii=False).encode() for _, payload in messages[:limit]]
    return guild, encoded


# ---- drivers ---------------------------------------------------------------------------------


def _dispatch_tasks() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if task.get_name().startswith("discord.py")]


async def drive(
    state: Any,
    payloads: list[bytes],
    clock: FakeClock,
    *,
    rate: float | None,
    finish: Callable[[], Awaitable[None]],
) -> LiveResult:
    """Feed payloads and let every handler finish.

    Back to back (`rate` None): one loop turn per message, as a gateway read gives, and the
    throughput is what comes out. Paced at `rate` per second: each message's handlers are
    awaited, and its latency is the time from its arrival to when they are done.
    """
    decode = discord.utils._from_json
    parse = state.parse_message_create
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    cpu_started = time.process_time()
    for index, raw in enumerate(payloads):
        if rate:
            # A message that is due while the bot is busy waits: that backlog counts. The
            # harness's own oversleep when idle does not (a socket read would wake at once).
            due = started + index / rate
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                due = loop.time()
        data = decode(raw)
        clock.set(datetime.fromisoformat(data["timestamp"]))
        parse(data)
        if rate:
            pending = _dispatch_tasks()
            if pending:
                await asyncio.gather(*pending)
            latencies.append((loop.time() - due) * 1000)
        else:
            await asyncio.sleep(0)
    pending = _dispatch_tasks()
    if pending:
        await asyncio.gather(*pending)
    await finish()
    cpu = time.process_time() - cpu_started
    return LiveResult(len(payloads), loop.time() - started, latencies, cpu)


def _client_user(state: Any) -> None:
    state.user = discord.ClientUser(
        state=state,
        data={
            "id": "1",
            "username": "Hearth",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
        },
    )


async def run_floor(guild: dict[str, Any], payloads: list[bytes], rate: float | None = None) -> LiveResult:
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = intents.message_content = True
    client = discord.Client(intents=intents)

    async def on_message(message: discord.Message) -> None:
        return None

    client.event(on_message)
    await client._async_setup_hook()  # what login() does first: bind the running loop
    state: Any = client._connection
    _client_user(state)
    state._add_guild_from_data(guild)

    async def finish() -> None:
        return None

    try:
        return await drive(state, payloads, FakeClock(), rate=rate, finish=finish)
    finally:
        await client.close()


async def run_hearth(guild: dict[str, Any], payloads: list[bytes], rate: float | None = None) -> LiveResult:
    from bot.conversation.engine import Engine
    from bot.runtime.bot import HearthBot, RuntimeOptions
    from bot.services import Services
    from bot.sources.pipeline import EventPipeline, RulesBook
    from bot.store.migrate import migrate
    from bot.store.session import create_engine, make_sessionmaker
    from bot.store.writer import BatchedWriter

    with tempfile.TemporaryDirectory() as tmp:
        db_engine = create_engine(str(Path(tmp) / "live.db"))
        await migrate(db_engine)
        clock = FakeClock()
        rules = RulesBook()
        writer = BatchedWriter(db_engine, batch_size=2000)
        pipeline = EventPipeline(Engine(clock, rules.get), writer, make_sessionmaker(db_engine), rules)
        services = Services(db_engine, make_sessionmaker(db_engine), clock, pipeline)
        bot = HearthBot(
            services=services,
            clock=clock,
            settings=RuntimeOptions(extensions=("cogs.listeners",), sync_commands=False),
        )
        await bot._async_setup_hook()
        state: Any = bot._connection
        _client_user(state)
        state._add_guild_from_data(guild)
        await bot.load_extension("cogs.listeners")
        bot.freeze_heap()  # what the bot does when ready (RuntimeOptions.freeze_heap_when_ready)
        await writer.start(0.5)
        try:
            result = await drive(state, payloads, clock, rate=rate, finish=pipeline.flush)
            if writer.facts_written == 0:
                raise RuntimeError("the Hearth path wrote no facts: the listener did not run")
            return result
        finally:
            await bot.close()


def measure(folder: Path, limit: int, runs: int, paced: int) -> dict[str, Any]:
    """Medians of `runs` back-to-back runs of each path, and of `runs` paced runs at 1,000 msgs/s
    (the latency percentiles of each paced run, then their median). Floor and Hearth alternate."""
    guild, payloads = load_payloads(folder, limit)
    load_before = os.getloadavg()[0]
    floors: list[LiveResult] = []
    hearths: list[LiveResult] = []
    for _ in range(runs):
        floors.append(asyncio.run(run_floor(guild, payloads)))
        hearths.append(asyncio.run(run_hearth(guild, payloads)))
    paced_payloads = payloads[:paced]
    paced_hearths: list[LiveResult] = []
    paced_floors: list[LiveResult] = []
    for _ in range(runs):
        paced_hearths.append(asyncio.run(run_hearth(guild, paced_payloads, rate=1000.0)))
        paced_floors.append(asyncio.run(run_floor(guild, paced_payloads, rate=1000.0)))
    hearth_p99s = [r.percentile(0.99) for r in paced_hearths]
    return {
        "messages": len(payloads),
        "floor_rates": [r.rate for r in floors],
        "hearth_rates": [r.rate for r in hearths],
        "floor_cpu_rates": [r.cpu_rate for r in floors],
        "hearth_cpu_rates": [r.cpu_rate for r in hearths],
        "paced_messages": len(paced_payloads),
        "paced_runs": runs,
        "hearth_p50_ms": statistics.median(r.percentile(0.50) for r in paced_hearths),
        "hearth_p99_ms": statistics.median(hearth_p99s),
        "hearth_p99s_ms": hearth_p99s,
        "hearth_max_ms": max(max(r.latencies_ms, default=float("nan")) for r in paced_hearths),
        "floor_p99_ms": statistics.median(r.percentile(0.99) for r in paced_floors),
        "floor_p99s_ms": [r.percentile(0.99) for r in paced_floors],
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # before, after
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def main(argv: list[str] | None = None) -> int:
    """The live rows alone (the benchmark's inputs), printed as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_live", description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="the tiny inputs of `make bench --quick`")
    parser.add_argument("--runs", type=int, default=3, help="runs of each path, alternating (default 3)")
    parser.add_argument("--messages", type=int, help="payloads back to back (default: the benchmark's)")
    parser.add_argument("--paced", type=int, help="payloads paced at 1,000/s (default: the benchmark's)")
    args = parser.parse_args(argv)
    from bench.common import dataset
    from bench.run import full_sizes, quick_sizes

    sizes = quick_sizes() if args.quick else full_sizes(args.runs, 1)
    folder, _ = dataset(sizes.live)
    raw = measure(folder, args.messages or sizes.live_messages, args.runs, args.paced or sizes.paced_messages)
    floor, hearth = statistics.median(raw["floor_cpu_rates"]), statistics.median(raw["hearth_cpu_rates"])
    raw["cpu_ratio"] = hearth / floor
    print(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
