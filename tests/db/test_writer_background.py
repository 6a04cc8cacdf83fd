"""The live path's `append` and the bulk path's `write_behind`: no caller waits for a full batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.writer import BatchedWriter, _utc_text
from tests.db.factories import message
from tests.db.snapshots import table_rows


async def test_append_never_writes_inside_the_call(engine: AsyncEngine) -> None:
    committed: list[int] = []
    writer = BatchedWriter(engine, batch_size=10, on_commit=committed.append)
    writer.append([message(i, 5, i) for i in range(1, 26)])  # past the batch size
    assert (committed, writer.pending) == ([], 25)  # returned before any write
    await writer.flush()
    assert committed == [10, 10, 5]
    await writer.close()
    assert len(await table_rows(engine, "messages")) == 25


async def test_a_full_batch_is_written_by_a_background_task(engine: AsyncEngine) -> None:
    done = asyncio.Event()
    writer = BatchedWriter(engine, batch_size=10, on_commit=lambda n: done.set())
    writer.append([message(i, 5, i) for i in range(1, 11)])
    await asyncio.wait_for(done.wait(), timeout=10)  # nobody called flush
    assert writer.pending == 0
    writer.append([message(i, 5, i) for i in range(11, 26)])  # one full batch and 5 more
    await asyncio.sleep(0.2)
    assert writer.pending == 5  # the background task writes full batches only
    await writer.flush()
    writer.append([message(26, 5, 26)])  # below the batch size: stays buffered
    await asyncio.sleep(0.05)
    assert writer.pending == 1
    await writer.close()
    assert len(await table_rows(engine, "messages")) == 26


async def test_a_flush_writes_what_was_buffered_when_it_began(engine: AsyncEngine) -> None:
    """Facts that arrive while a flush writes wait for the next flush: on a live bot, a flush
    that chased them ran one small transaction after another (hundreds per thousand messages)."""
    committed: list[int] = []
    later = iter(range(100, 104))

    def arrive_during_the_write(count: int) -> None:
        committed.append(count)
        for message_id in later:  # a message handled between two steps of the flush
            writer.append([message(message_id, 5, 1)])
            break

    writer = BatchedWriter(engine, batch_size=10, on_commit=arrive_during_the_write)
    writer.append([message(i, 5, i) for i in range(1, 26)])
    await writer.flush()
    assert committed == [10, 10, 5]  # the 25 buffered when the flush began, in three batches
    assert (writer.facts_written, writer.pending) == (25, 3)  # the 3 that came later wait
    await writer.flush()
    assert (committed[3:], writer.pending) == ([3], 1)
    await writer.close()
    assert committed[4:] == [1]
    assert len(await table_rows(engine, "messages")) == 29


async def test_write_behind_bounds_what_is_buffered(engine: AsyncEngine) -> None:
    writer = BatchedWriter(engine, batch_size=20, max_pending=50)
    most = 0
    for i in range(1, 401):
        await writer.write_behind([message(i, 5, i)])
        most = max(most, writer.pending)
    assert most <= 50
    await writer.close()
    assert writer.facts_written == 400
    assert len(await table_rows(engine, "messages")) == 400


def test_utc_text_matches_the_stored_format_for_every_zone() -> None:
    moment = datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    zero = moment.replace(tzinfo=timezone(timedelta(0)))
    expected = "2025-03-04 05:06:07.000890"
    assert [_utc_text(moment), _utc_text(plus_two), _utc_text(zero)] == [expected] * 3
    assert _utc_text(None) is None
