"""Log records of the storage path never hold message text, even when a write is refused.

A fact the database refuses is dropped and logged; the record names the kind of fact, its
message id and the kind of error, never the snippet or the statement's parameters.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from bot.conversation.facts import Fact, MessageFact, QuestionFact
from bot.store.migrate import migrate
from bot.store.session import create_engine
from bot.store.writer import BatchedWriter

SECRET = "PURPLE-ELEPHANT-7731 how do I reset it?"


async def test_a_refused_fact_is_logged_without_its_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine(str(tmp_path / "hearth.db"))
    try:
        await migrate(engine)
        writer = BatchedWriter(engine)
        naive = datetime(2025, 1, 6, 12, 0)  # refused: the store keeps aware UTC times only
        good = datetime.fromisoformat("2025-01-06T12:00:00+00:00")
        facts: list[Fact] = [
            MessageFact(1, 2, 3, 4, good, is_question=True),
            QuestionFact(1, 2, 3, 4, naive, "open", snippet=SECRET),
        ]
        with caplog.at_level(logging.DEBUG):
            await writer.write(facts)
            await writer.close()
        dropped = [r for r in caplog.records if "refuse" in r.getMessage()]
        assert dropped, "the refused fact was not logged"
        for record in caplog.records:
            text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
            assert "PURPLE-ELEPHANT" not in text, f"{record.name}: {text[:300]}"
    finally:
        await engine.dispose()
