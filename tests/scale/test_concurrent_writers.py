"""Several batched writers (each with its own engine, as separate bot processes have) write
overlapping fact streams into one PostgreSQL database at once: no row is lost or duplicated,
and the tables end up exactly as one writer given the union would leave them."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select, text

from bot.conversation.facts import Fact, QuestionFact
from bot.store.migrate import migrate
from bot.store.models import Base
from bot.store.session import create_engine
from bot.store.writer import BatchedWriter
from tests.db.factories import conversation
from tests.db.snapshots import FACT_TABLES, snapshot
from tests.scale.pg import fresh_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

WRITERS = 4
PER_WRITER = 8000
STEP = 4000  # writer i covers messages i*STEP+1 .. i*STEP+PER_WRITER: each message is written twice


def stream(start: int, count: int) -> list[Fact]:
    """A conversation where every question is first written open, then answered later in
    the same stream (so whatever the interleaving, each writer ends on the final state)."""
    facts = conversation(count, start_id=start)
    answered = [
        dataclasses.replace(
            f,
            status="answered",
            responder_ids=(f.asker_id % 50 + 1, f.asker_id % 50 + 2),
            first_response_message_id=f.message_id + 1,
            first_response_at=f.asked_at,
        )
        for f in facts
        if isinstance(f, QuestionFact)
    ]
    return facts + answered


async def feed(url: str, facts: Sequence[Fact], batch_size: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        writer = BatchedWriter(engine, batch_size=batch_size)
        for i in range(0, len(facts), 500):
            await writer.write(facts[i : i + 500])
            await asyncio.sleep(0)  # let the other writers in between
        await writer.close()
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()


async def test_concurrent_writers_on_postgres_lose_and_duplicate_nothing(pg_url: str) -> None:
    streams = [stream(1 + i * STEP, PER_WRITER) for i in range(WRITERS)]
    total_messages = (WRITERS - 1) * STEP + PER_WRITER
    await migrated(pg_url)
    await asyncio.gather(*(feed(pg_url, facts, batch_size=700 + 150 * i) for i, facts in enumerate(streams)))

    async with fresh_database("hearth_ref") as reference_url:
        await migrated(reference_url)
        await feed(reference_url, stream(1, total_messages), batch_size=2000)
        engine, reference = create_engine(pg_url), create_engine(reference_url)
        try:
            together = await snapshot(engine, FACT_TABLES)
            alone = await snapshot(reference, FACT_TABLES)
            async with engine.connect() as conn:
                dupes = await conn.scalar(text("SELECT count(*) - count(DISTINCT message_id) FROM messages"))
                answered = await conn.scalar(
                    select(func.count())
                    .select_from(Base.metadata.tables["questions"])
                    .where(text("status = 'answered'"))
                )
        finally:
            await engine.dispose()
            await reference.dispose()

    assert dupes == 0
    assert [r[0] for r in together["messages"]] == list(range(1, total_messages + 1))
    assert answered == total_messages // 10
    assert len(together["question_responders"]) == 2 * (total_messages // 10)
    for name in FACT_TABLES:
        assert together[name] == alone[name], f"{name} differs from a single writer's result"
