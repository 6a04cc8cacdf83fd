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
import re
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
from bot.store.models.core import Message, Question
from bot.store.models.digests import Digest
from bot.store.models.nudges import Nudge
from tests.reliability.conftest import Figures, services_on

CONFIG = GeneratorConfig(seed=8, members=24, weeks=2, messages_per_week=350, thread_share=0.3)
TICK = timedelta(hours=2)


_IDS = re.compile(r"\d{15,21}")


def _holds(value: Any, ids: set[int]) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in ids
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return isinstance(value, str) and any(int(found) in ids for found in _IDS.findall(value))


async def guild_rows(engine: AsyncEngine, guild_id: int) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Every row of every table (from the metadata) of the server, by primary key."""
    out: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            stmt = select(table)
            if "guild_id" in table.c:
                stmt = stmt.where(table.c.guild_id == guild_id)
            key = [table.c.keys().index(c.name) for c in table.primary_key.columns]
            out[table.name] = {tuple(row[i] for i in key): tuple(row) for row in (await conn.execute(stmt)).all()}
    return out


async def rows_holding(engine: AsyncEngine, guild_id: int, user_id: int, message_ids: set[int] | None = None) -> dict[str, int]:
    """Rows of every table (from the metadata) with the member's id, or the id of one of
    `message_ids`, in any column, JSON and links included."""
    ids = {user_id, *(message_ids or ())}
    found: dict[str, int] = {}
    for name, rows in (await guild_rows(engine, guild_id)).items():
        # a thread's id is the id of the message it was started from: a channel, not that message
        wanted = [{user_id} if c.endswith("channel_id") else ids for c in (col.name for col in Base.metadata.tables[name].c)]
        count = sum(1 for row in rows.values() if any(_holds(v, w) for v, w in zip(row, wanted, strict=True)))
        if count:
            found[name] = count
    return found


async def messages_of(engine: AsyncEngine, guild_id: int, user_id: int) -> set[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Message.message_id).where(Message.guild_id == guild_id, Message.author_id == user_id)
        )
        asked = await conn.execute(
            select(Question.message_id).where(Question.guild_id == guild_id, Question.asker_id == user_id)
        )
        return {int(r[0]) for r in rows} | {int(r[0]) for r in asked}


async def pointing_at(engine: AsyncEngine, guild_id: int, user_id: int, mine: set[int]) -> dict[str, int]:
    """What points at the member from others' rows: questions answered first by them, nudges
    about their questions, stored digests linking to their questions."""
    async with engine.connect() as conn:
        firsts = (await conn.execute(
            select(Question.first_response_message_id).where(Question.guild_id == guild_id, Question.asker_id != user_id)
        )).all()
        nudges = (await conn.execute(select(Nudge.question_message_id).where(Nudge.guild_id == guild_id))).all()
        digests = (await conn.execute(select(Digest.figures).where(Digest.guild_id == guild_id))).all()
    return {
        "others' questions answered first by the member": sum(1 for (m,) in firsts if m in mine),
        "nudges about the member's questions": sum(1 for (m,) in nudges if m in mine),
        "stored digests linking to the member's questions": sum(1 for (f,) in digests if _holds(f, mine)),
    }


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
        engine = services.db_engine
        reach = {uid: await rows_holding(engine, guild, uid) for uid in members}
        me = max(members, key=lambda uid: (len(reach[uid]), sum(reach[uid].values())))
        mine = await messages_of(engine, guild, me)
        before = await rows_holding(engine, guild, me, mine)
        feature_tables = {"nudge_targets", "introduction_members", "helpers", "intro_members"}
        assert len(before) >= 8 and feature_tables & set(before), before
        pointers = await pointing_at(engine, guild, me, mine)
        assert pointers["others' questions answered first by the member"] > 0, pointers
        assert pointers["nudges about the member's questions"] > 0, pointers
        others_before = {uid: reach[uid] for uid in members if uid != me}
        rows_before = await guild_rows(engine, guild)

        assert services.privacy is not None
        report = await services.privacy.delete(guild, me)
        after = await rows_holding(engine, guild, me, mine)
        figures.add("privacy: tables that held the deleted member", len(before))
        figures.add("privacy: rows that held the deleted member or one of their messages", sum(before.values()))
        for what, count in pointers.items():
            figures.add(f"privacy: {what} (before)", count)
        figures.add("privacy: rows left holding the deleted member", sum(after.values()))
        assert after == {}, f"rows still hold the member or one of their messages: {after}"
        assert all(n == 0 for n in (await pointing_at(engine, guild, me, mine)).values())
        # the confirmation counts what went: every row deleted or changed, table by table
        rows_after = await guild_rows(engine, guild)
        touched = {
            name: sum(1 for key, row in rows.items() if rows_after[name].get(key) != row)
            for name, rows in rows_before.items()
        }
        assert report.rows_by_table == {name: n for name, n in touched.items() if n}
        figures.add("privacy: rows the deletion reported", report.total)
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
        mine = await messages_of(services.db_engine, guild, me)
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
        back = await rows_holding(services.db_engine, guild, me, mine)
        figures.add("privacy: later events around a deleted member", 3)
        assert back == {}, f"old rows came back after deletion: {back}"
