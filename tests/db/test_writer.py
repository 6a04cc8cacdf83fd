from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation.facts import Fact, InteractionFact, MemberFact, MessageGone
from bot.store.migrate import migrate
from bot.store.session import create_engine
from bot.store.writer import BatchedWriter
from tests.db.factories import GUILD, at, conversation, member, message, question, reply
from tests.db.snapshots import FACT_TABLES, snapshot, table_rows


async def write_all(engine: AsyncEngine, facts: list[Fact], batch_size: int = 2000) -> None:
    writer = BatchedWriter(engine, batch_size=batch_size)
    await writer.write(facts)
    await writer.close()


async def test_writing_the_same_facts_twice_changes_nothing(engine: AsyncEngine) -> None:
    facts = conversation(400)
    await write_all(engine, facts, batch_size=97)
    first = await snapshot(engine, FACT_TABLES)
    await write_all(engine, facts, batch_size=1000)
    assert await snapshot(engine, FACT_TABLES) == first
    assert len(first["messages"]) == 400
    assert len(first["questions"]) == 40
    assert len(first["members"]) == 50
    assert len(first["interactions"]) > 100


async def test_latest_question_state_wins_within_and_across_batches(engine: AsyncEngine) -> None:
    await write_all(
        engine,
        [
            message(1, 5, 0, is_question=True),
            question(1, 5, 0, responders=(6,)),
            question(1, 5, 0, status="answered", responders=(6, 7)),
        ],
    )
    rows = await table_rows(engine, "questions")
    assert [(r[0], r[6]) for r in rows] == [(1, "answered")]
    assert await table_rows(engine, "question_responders") == [(1, 6, GUILD), (1, 7, GUILD)]

    # a later state with fewer responders replaces the set (a QuestionFact is the whole state)
    await write_all(engine, [question(1, 5, 0, status="resolved", responders=(7,), snippet=None)])
    rows = await table_rows(engine, "questions")
    assert (rows[0][6], rows[0][7], rows[0][8]) == ("resolved", None, ["python"])
    assert await table_rows(engine, "question_responders") == [(1, 7, GUILD)]


async def test_message_gone_removes_message_interactions_question_and_responders(engine: AsyncEngine) -> None:
    await write_all(
        engine,
        [
            message(1, 5, 0, is_question=True),
            question(1, 5, 0, responders=(6,)),
            message(2, 6, 1),
            reply(2, 6, 5, 1, 1),
            message(3, 7, 2),
            reply(3, 7, 6, 2, 2),
        ],
    )
    gone = at(5)
    await write_all(engine, [MessageGone(GUILD, 1, gone), MessageGone(GUILD, 2, gone)])
    assert [r[0] for r in await table_rows(engine, "messages")] == [3]
    assert [(r[0], r[2]) for r in await table_rows(engine, "interactions")] == [(3, 6)]  # message, target
    assert await table_rows(engine, "questions") == []
    assert await table_rows(engine, "question_responders") == []


async def test_facts_apply_in_order_inside_one_batch(engine: AsyncEngine) -> None:
    gone = at(5)
    await write_all(
        engine,
        [
            message(1, 5, 0),
            reply(1, 5, 6, 99, 0),
            MessageGone(GUILD, 1, gone),  # removes what came before it in the batch
            message(2, 5, 1),
            MessageGone(GUILD, 2, gone),
            message(2, 5, 1),  # ...but not what comes after it
        ],
    )
    assert [r[0] for r in await table_rows(engine, "messages")] == [2]
    assert await table_rows(engine, "interactions") == []


async def test_members_keep_first_and_last_seen_and_join_leave(engine: AsyncEngine) -> None:
    await write_all(engine, [member(5, 10, joined=0), member(5, 3), member(5, 20)])
    await write_all(engine, [member(5, 1), member(5, 15, left=15)])
    row = (await table_rows(engine, "members"))[0]
    # guild_id, user_id, is_bot, is_staff, joined_at, left_at, first_seen_at, last_seen_at, opted_out
    assert row[4:8] == (at(0), at(15), at(1), at(20))
    # a rejoin after the leave clears left_at; re-sending the old leave keeps it cleared
    await write_all(engine, [member(5, 30, joined=30)])
    await write_all(engine, [member(5, 15, left=15), member(5, 2, joined=0)])
    row = (await table_rows(engine, "members"))[0]
    assert row[4:8] == (at(30), None, at(1), at(30))
    await write_all(engine, [member(5, 40, is_bot=True), member(5, 41)])
    assert (await table_rows(engine, "members"))[0][2] is True


async def test_two_writers_with_overlapping_facts_lose_and_duplicate_nothing(engine: AsyncEngine) -> None:
    a = conversation(1500, start_id=1)
    b = conversation(1500, start_id=1001)  # messages 1001..1500 are written by both
    union = conversation(2500, start_id=1)

    async def feed(writer: BatchedWriter, facts: list[Fact]) -> None:
        for i in range(0, len(facts), 100):
            await writer.write(facts[i : i + 100])
            await asyncio.sleep(0)
        await writer.close()

    await asyncio.gather(
        feed(BatchedWriter(engine, batch_size=300), a), feed(BatchedWriter(engine, batch_size=250), b)
    )
    together = await snapshot(engine, FACT_TABLES)

    assert [r[0] for r in together["messages"]] == list(range(1, 2501))
    expected_pairs = sorted(
        {(f.message_id, f.source_user_id, f.target_user_id) for f in union if isinstance(f, InteractionFact)}
    )
    assert [r[:3] for r in together["interactions"]] == expected_pairs
    assert [r[0] for r in together["questions"]] == list(range(10, 2501, 10))
    seen = {f.user_id: (f.seen_at, f.seen_at) for f in union if isinstance(f, MemberFact)}
    for f in union:
        if isinstance(f, MemberFact):
            first, last = seen[f.user_id]
            seen[f.user_id] = (min(first, f.seen_at), max(last, f.seen_at))
    assert {r[1]: (r[6], r[7]) for r in together["members"]} == seen


async def test_on_commit_counts_and_the_timer_flushes(engine: AsyncEngine) -> None:
    committed: list[int] = []
    timer_flushed = asyncio.Event()

    def record(n: int) -> None:
        committed.append(n)
        if n == 4:
            timer_flushed.set()

    writer = BatchedWriter(engine, batch_size=10, on_commit=record)
    await writer.write([message(i, 5, i) for i in range(1, 10)])  # below the batch size: buffered
    assert (committed, writer.pending) == ([], 9)
    await writer.write([message(i, 5, i) for i in range(10, 26)])  # reaching it writes in batches
    assert (committed, writer.pending) == ([10, 10, 5], 0)

    await writer.start(interval=0.01)
    await writer.write([message(i, 5, i) for i in range(26, 30)])
    assert writer.pending == 4
    await asyncio.wait_for(timer_flushed.wait(), timeout=10)
    assert committed == [10, 10, 5, 4]
    await writer.close()
    assert writer.facts_written == 29
    assert len(await table_rows(engine, "messages")) == 29


async def test_async_on_commit_is_awaited(engine: AsyncEngine) -> None:
    seen: list[int] = []

    async def record(n: int) -> None:
        await asyncio.sleep(0)
        seen.append(n)

    writer = BatchedWriter(engine, on_commit=record)
    await writer.write([message(1, 5, 0)])
    await writer.close()
    assert seen == [1]


async def test_a_fact_the_database_refuses_is_dropped_and_the_rest_is_written(engine: AsyncEngine) -> None:
    naive = replace(message(3, 5, 0), created_at=at(0).replace(tzinfo=None))  # refused by UTCDateTime
    writer = BatchedWriter(engine, batch_size=10)
    await writer.write(
        [message(1, 5, 0), message(2, 5, 1), naive, message(4, 5, 2), MessageGone(GUILD, 1, at(3))]
    )
    await writer.close()
    assert [r[0] for r in await table_rows(engine, "messages")] == [2, 4]
    assert writer.pending == 0


async def test_an_outage_keeps_the_facts_for_the_next_flush(tmp_path: Path) -> None:
    engine = create_engine(str(tmp_path / "not-migrated.db"))  # no tables: every write fails
    writer = BatchedWriter(engine, batch_size=10)
    try:
        await writer.write([message(1, 5, 0)])
        with pytest.raises(DBAPIError):
            await writer.flush()
        assert writer.pending == 1
        await migrate(engine)
        await writer.close()
        assert [r[0] for r in await table_rows(engine, "messages")] == [1]
    finally:
        await engine.dispose()
