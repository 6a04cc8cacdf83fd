from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from bot.store.migrate import migrate
from bot.store.models.core import Message
from bot.store.session import create_engine
from bot.store.writer import BatchedWriter
from tests.db.factories import at, conversation, message


async def test_sqlite_fast_path_stores_exactly_what_core_would(tmp_path: Path) -> None:
    engine = create_engine(str(tmp_path / "same.db"))
    try:
        await migrate(engine)
        writer = BatchedWriter(engine)
        await writer.write([message(1, 5, 0)])
        await writer.close()
        async with engine.begin() as conn:
            await conn.execute(
                insert(Message),
                [
                    {
                        "message_id": 2,
                        "guild_id": 1000,
                        "channel_id": 10,
                        "author_id": 5,
                        "created_at": at(0),
                        "is_bot": False,
                        "is_question": False,
                    }
                ],
            )
            raw: list[tuple[object, ...]] = [
                tuple(row)
                for row in await conn.exec_driver_sql(
                    "SELECT message_id, guild_id, channel_id, parent_channel_id, author_id, created_at,"
                    " typeof(created_at), is_bot, is_question FROM messages ORDER BY message_id"
                )
            ]
        assert raw[0][1:] == raw[1][1:]
        assert raw[0][5] == "2025-01-06 12:00:00.000000"

        # a non-UTC aware time is stored as its UTC instant
        writer = BatchedWriter(engine)
        in_kolkata = at(0).astimezone(ZoneInfo("Asia/Kolkata"))
        await writer.write([replace(message(3, 5, 0), created_at=in_kolkata)])
        await writer.close()
        async with engine.connect() as conn:
            assert (await conn.scalar(select(Message.created_at).where(Message.message_id == 3))) == at(0)
    finally:
        await engine.dispose()


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("HEARTH_LONG_TESTS") != "1", reason="long variant: make test-long")
async def test_sqlite_sustains_60k_facts_per_second(tmp_path: Path) -> None:
    """Measured in CPU seconds of the process (both threads), so a busy machine does not make
    it flaky; on an idle machine wall time is within a few percent of it."""
    engine = create_engine(str(tmp_path / "speed.db"))
    try:
        await migrate(engine)
        facts = conversation(60_000)
        for _round in ("fresh", "again"):
            writer = BatchedWriter(engine)
            started = time.process_time()
            await writer.write(facts)
            await writer.close()
            rate = len(facts) / (time.process_time() - started)
            assert rate > 60_000, f"{_round}: {rate:.0f} facts per CPU second"
    finally:
        await engine.dispose()
