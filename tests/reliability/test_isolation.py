"""Two servers with overlapping activity (the same members, the same weeks) share one database,
one engine and one scheduler: nothing of one ever shows in the other.

Server A is replayed alone, then A and B together (events merged in time order, every
feature's `due()` asked across both servers at each tick, as the live bot does). For server A
everything must be exactly what it was alone: the actions (nudges, help-wanted listings, checks,
introductions and follow-ups, digests), the digest figures of every week
(`DigestService.build`), the open questions (`/questions open`'s page) and the analysis report.
Every action of either server names only its own channels.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli.demo_seed import load_community, seed_community
from bot.conversation.clock import FakeClock
from bot.digest.weeks import week_key_of
from bot.sources.exports import ExportReader, merged_events
from bot.sources.replay import Replay, Source, event_time
from bot.sources.replay_features import digest_source, intro_source, nudge_source
from bot.sources.report import write_report
from tests.reliability.conftest import Figures, services_on
from tests.reliability.two_servers import B_GUILD, make_servers

TICK = timedelta(hours=2)  # how often the simulated scheduler asks every feature what is due


@dataclass
class Run:
    records: list[dict[str, Any]]
    digests: dict[str, dict[str, Any]]
    open_questions: list[tuple[int, int, str]]
    report: bytes


async def _replay(tmp: Path, name: str, servers: list[tuple[list[Path], Path]], guild_a: int) -> Run:
    readers = [ExportReader(p) for exports, _ in servers for p in exports]
    events = merged_events(readers)
    first = next(events)
    clock = FakeClock(event_time(first) - timedelta(hours=1))
    async with services_on(tmp / f"{name}.db", clock) as services:
        for _, sidecar in servers:
            await seed_community(services, load_community(sidecar))
        sources: list[Source] = [nudge_source(services, TICK), intro_source(services, TICK), digest_source(services, TICK)]
        replay = Replay(services.pipeline, clock, sources, tick=TICK)
        records = await replay.run(itertools.chain([first], events))
        assert services.digests is not None and services.questions is not None
        a_readers = [r for r in readers if r.header.guild_id == guild_a]
        weeks = sorted({week_key_of(event_time(e)) for r in a_readers for e in r.events()})
        digests = {w: (await services.digests.build(guild_a, w)).figures() for w in weeks}
        page = await services.questions.open_page(guild_a, 0)
        opened = [(q.channel_id, q.message_id, str(q.status)) for q in page.items]
        channels_a = {r.header.channel_id for r in a_readers}
        report = tmp / f"{name}-report.json"
        await write_report(services.sessionmaker, guild_a, channels_a, report, summary={"server": "A"})
    return Run([_comparable(r) for r in records], digests, opened, report.read_bytes())


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """Without the row ids the database hands out (one sequence shared by every server)."""
    return {k: v for k, v in record.items() if k not in ("introduction_id", "digest_id")}


@pytest.mark.timeout(300)
async def test_two_servers_never_mix(tmp_path: Path, figures: Figures) -> None:
    a_exports, a_side, b_exports, b_side = make_servers(tmp_path / "servers")
    guild_a = ExportReader(a_exports[0]).header.guild_id
    assert guild_a != B_GUILD
    channels = {
        guild_a: {ExportReader(p).header.channel_id for p in a_exports},
        B_GUILD: {ExportReader(p).header.channel_id for p in b_exports},
    }
    a_members = {m["id"] for m in load_community(a_side).members}
    b_members = {m["id"] for m in load_community(b_side).members}
    assert len(a_members & b_members) >= 20  # the same people are active in both

    alone = await _replay(tmp_path, "alone", [(a_exports, a_side)], guild_a)
    both = await _replay(tmp_path, "both", [(a_exports, a_side), (b_exports, b_side)], guild_a)

    a_records = [r for r in both.records if r["guild_id"] == str(guild_a)]
    b_records = [r for r in both.records if r["guild_id"] == str(B_GUILD)]
    assert len(a_records) + len(b_records) == len(both.records)
    assert a_records == alone.records, "server A's actions changed when server B was active"
    assert b_records, "server B did nothing: the test would prove little"
    kinds = {r["kind"] for r in a_records}
    assert {"nudge", "digest"} <= kinds, kinds
    for record in both.records:
        own = channels[int(record["guild_id"])]
        other = set().union(*(c for g, c in channels.items() if g != int(record["guild_id"])))
        text = repr(record)
        assert not any(str(c) in text for c in other), f"a record names the other server's channel: {record}"
        if record.get("channel_id") and record["kind"] not in ("digest", "help_wanted", "intro", "intro_follow_up"):
            assert int(record["channel_id"]) in own
    assert both.digests == alone.digests
    assert both.open_questions == alone.open_questions and alone.open_questions
    assert both.report == alone.report
    figures.add("two-server actions compared", len(both.records))
    figures.add("two-server digest weeks compared", len(alone.digests))
    figures.add("two-server open questions compared", len(alone.open_questions))
