"""Privacy through the real services after a full replay (questions, nudges, introductions,
digests all wrote their rows), checked by value rather than by column name.

- `/privacy delete` (`PrivacyService.delete`) leaves no row in any table of the metadata whose
  value, or JSON text, holds the member's id, in that server; other members' rows stay.
- A member who opted out is not tracked: what they post, and replies to them, leave no row
  naming them.
- After a deletion, later activity around the member's old messages (a new reply or a thanks
  in a question they answered, a reply to their old message) does not bring their old rows
  back. (New activity of their own, or a reaction Discord reports on their message, is new
  data and is tracked unless they opted out.)
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.demo_seed import load_community, seed_community
from bot.conversation.clock import FakeClock
from bot.conversation.events import MessageCreated, ReactionAdded
from bot.sample.generator import GeneratorConfig, write_community
from bot.services import Services
from bot.sources.exports import ExportReader, merged_events
from bot.sources.replay import Replay, Source, event_time
from bot.sources.replay_features import digest_source, intro_source, nudge_source
from bot.store.models import Base
from tests.reliability.conftest import Figures, services_on

CONFIG = GeneratorConfig(seed=8, members=24, weeks=2, messages_per_week=350, thread_share=0.3)
TICK = timedelta(hours=2)


def _holds(value: Any, user_id: int) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == user_id
    if isinstance(value, dict | list):
        return str(user_id) in json.dumps(value)
    return isinstance(value, str) and str(user_id) in value


async def rows_holding(engine: AsyncEngine, guild_id: int, user_id: int) -> dict[str, int]:
    """Rows of every table (from the metadata) with the id in any column, JSON included."""
    found: dict[str, int] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            stmt = select(table)
            if "guild_id" in table.c:
                stmt = stmt.where(table.c.guild_id == guild_id)
            rows = (await conn.execute(stmt)).all()
            count = sum(1 for row in rows if any(_holds(v, user_id) for v in row))
            if count:
                found[table.name] = count
    return found


async def _replayed(tmp: Path, clock: FakeClock, services: Services) -> tuple[int, datetime]:
    exports = write_community(CONFIG, tmp / "community")
    readers = [ExportReader(p) for p in exports]
    events = merged_events(readers)
    first = next(events)
    clock.set(event_time(first) - timedelta(hours=1))
    await seed_community(services, load_community(tmp / "community" / "community.json"))
    sources: list[Source] = [nudge_source(services, TICK), intro_source(services, TICK), digest_source(services, TICK)]
    replay = Replay(services.pipeline, clock, sources, tick=TICK)
    await replay.run(itertools.chain([first], events))
    return readers[0].header.guild_id, clock.now()


@pytest.mark.timeout(300)
async def test_delete_after_a_full_replay_leaves_nothing(tmp_path: Path, figures: Figures) -> None:
    clock = FakeClock()
    async with services_on(tmp_path / "hearth.db", clock) as services:
        guild, _ = await _replayed(tmp_path, clock, services)
        members = [int(m["id"]) for m in load_community(tmp_path / "community" / "community.json").members]
        reach = {uid: await rows_holding(services.db_engine, guild, uid) for uid in members}
        me = max(members, key=lambda uid: (len(reach[uid]), sum(reach[uid].values())))
        before = reach[me]
        feature_tables = {"nudge_targets", "introduction_members", "helpers", "intro_members"}
        assert len(before) >= 8 and feature_tables & set(before), before
        others_before = {uid: reach[uid] for uid in members if uid != me}

        assert services.privacy is not None
        report = await services.privacy.delete(guild, me)
        after = await rows_holding(services.db_engine, guild, me)
        figures.add("privacy: tables that held the deleted member", len(before))
        figures.add("privacy: rows that held the deleted member", sum(before.values()))
        figures.add("privacy: rows left holding the deleted member", sum(after.values()))
        assert after == {}, f"rows still hold the member: {after}"
        assert sum(report.rows_by_table.values()) > 0
        # everyone else keeps their rows, except those that were about the deleted member
        for uid, tables in others_before.items():
            now = await rows_holding(services.db_engine, guild, uid)
            assert set(now) >= {t for t in tables if t not in ("introduction_members", "introductions")} - {
                "interactions",
                "question_responders",
                "questions",
                "nudge_targets",
                "nudges",
            } or now, f"member {uid} lost everything"
            assert "members" in now


async def test_opted_out_member_is_not_tracked(tmp_path: Path, figures: Figures) -> None:
    guild, channel, me, other = 1144420879564800001, 1144480270909440007, 811871256700780569, 836123492486217779
    t0 = datetime.fromisoformat("2025-01-06T12:00:00+00:00")
    clock = FakeClock(t0)
    async with services_on(tmp_path / "hearth.db", clock) as services:
        assert services.privacy is not None
        await services.pipeline.refresh_rules(guild)
        assert await services.privacy.set_opt_out(guild, me, True)
        ids = itertools.count(1325626103305339126, 4096)
        mine = next(ids)
        events: list[Any] = [
            MessageCreated(guild, channel, mine, me, t0, "How do I flash the firmware?"),
            MessageCreated(guild, channel, next(ids), other, t0 + timedelta(minutes=2), "hold the boot button", reference_message_id=mine),
            MessageCreated(guild, channel, next(ids), me, t0 + timedelta(minutes=3), f"thanks <@{other}>!", mentions=(other,)),
            ReactionAdded(guild, channel, mine, other, "👍", t0 + timedelta(minutes=4), message_author_id=me),
            MessageCreated(guild, channel, next(ids), other, t0 + timedelta(minutes=5), f"<@{me}> did it work?", mentions=(me,)),
        ]  # fmt: skip
        for event in events:
            clock.set(event_time(event))
            await services.pipeline.handle(event)
        await services.pipeline.finish()
        held = await rows_holding(services.db_engine, guild, me)
        figures.add("privacy: events by or about an opted-out member", len(events))
        assert held == {"members": 1}, held  # the opt-out flag itself, nothing else
        assert "messages" in await rows_holding(services.db_engine, guild, other)


async def test_deleted_member_is_not_brought_back_by_later_events(tmp_path: Path, figures: Figures) -> None:
    guild, channel = 1144420879564800001, 1144480270909440007
    asker, me, later = 811871256700780569, 836123492486217779, 845000000000000001
    t0 = datetime.fromisoformat("2025-01-06T12:00:00+00:00")
    clock = FakeClock(t0)
    async with services_on(tmp_path / "hearth.db", clock) as services:
        assert services.privacy is not None
        await services.pipeline.refresh_rules(guild)
        ids = itertools.count(1325626103305339126, 4096)
        question, answer = next(ids), next(ids)
        for event in (
            MessageCreated(guild, channel, question, asker, t0, "How do I flash the firmware?"),
            MessageCreated(guild, channel, answer, me, t0 + timedelta(minutes=2), "hold the boot button", reference_message_id=question),
        ):  # fmt: skip
            clock.set(event_time(event))
            await services.pipeline.handle(event)
        await services.pipeline.flush()
        assert await rows_holding(services.db_engine, guild, me)
        await services.privacy.delete(guild, me)
        assert await rows_holding(services.db_engine, guild, me) == {}
        t1 = t0 + timedelta(minutes=10)
        later_events: list[Any] = [

            MessageCreated(guild, channel, next(ids), later, t1, "also try a shorter cable", reference_message_id=question),
            MessageCreated(guild, channel, next(ids), asker, t1 + timedelta(minutes=1), "that worked, thanks all!"),
            MessageCreated(guild, channel, next(ids), later, t1 + timedelta(minutes=2), "+1, the boot button", reference_message_id=answer),
        ]  # fmt: skip
        for event in later_events:
            clock.set(event_time(event))
            await services.pipeline.handle(event)
        await services.pipeline.finish()
        back = await rows_holding(services.db_engine, guild, me)
        figures.add("privacy: later events around a deleted member", 3)
        assert back == {}, f"old rows came back after deletion: {back}"
