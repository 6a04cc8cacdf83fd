"""The array-fed upserts store exactly what row-by-row upserts store: new rows, changed rows
updated, unchanged rows left alone, NULLs and non-UTC times kept as the same instants."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import pg_bulk
from bot.store.migrate import migrate
from bot.store.models.core import Interaction, Message, Question, QuestionResponder
from bot.store.session import create_engine
from tests.db.factories import at
from tests.db.snapshots import table_rows
from tests.scale.pg import fresh_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
INTERACTIONS: Table = Interaction.__table__  # type: ignore[assignment]
RESPONDERS: Table = QuestionResponder.__table__  # type: ignore[assignment]
QUESTIONS: Table = Question.__table__  # type: ignore[assignment]
ELSEWHERE = timezone(timedelta(hours=5, minutes=30))


def _messages(start: int, count: int, *, flip: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "message_id": mid,
            "guild_id": 1000,
            "channel_id": 10 + mid % 3,
            "parent_channel_id": None if mid % 2 else 77,
            "author_id": 1 + mid % 9,
            "created_at": at(mid).astimezone(ELSEWHERE) if mid % 5 == 0 else at(mid),
            "is_bot": False,
            "is_question": (mid % 4 == 0) != flip,
        }
        for mid in range(start, start + count)
    ]


def _interactions(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "message_id": mid,
            "guild_id": 1000,
            "channel_id": 10,
            "source_user_id": 1 + mid % 9,
            "target_user_id": 2 + mid % 7,
            "target_message_id": None if mid % 3 == 0 else mid - 1,
            "kind": "reply",
            "at": at(mid),
        }
        for mid in range(start, start + count)
    ]


def _responders(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"question_id": mid, "user_id": 5 + mid % 4, "guild_id": 1000} for mid in range(start, start + count)
    ]


def _questions(start: int, count: int) -> list[dict[str, Any]]:
    """Rows the responders point at (written the plain way in both runs: JSON columns)."""
    return [
        {
            "message_id": mid,
            "guild_id": 1000,
            "channel_id": 10,
            "asker_id": 1,
            "asked_at": at(mid),
            "status": "open",
            "topics": [],
            "source": "auto",
        }
        for mid in range(start, start + count)
    ]


def _row_by_row(table: Table, *, update: bool = True) -> Any:
    ins = postgresql.insert(table)
    if not update:
        return ins.on_conflict_do_nothing()
    keys = [c.name for c in table.primary_key.columns]
    updates = {c.name: ins.excluded[c.name] for c in table.columns if c.name not in keys}
    changed = or_(*(table.c[n].is_distinct_from(ins.excluded[n]) for n in updates))
    return ins.on_conflict_do_update(index_elements=keys, set_=updates, where=changed)


async def _write(
    engine: AsyncEngine, arrays: bool, rounds: list[list[tuple[Table, list[dict[str, Any]]]]]
) -> None:
    for batch in rounds:
        async with engine.begin() as conn:
            for table, rows in batch:
                update = table is not RESPONDERS
                if table is QUESTIONS:
                    await conn.execute(postgresql.insert(table).on_conflict_do_nothing(), rows)
                elif arrays:
                    assert pg_bulk.supports(table)
                    await conn.execute(
                        pg_bulk.array_upsert(table, update=update), pg_bulk.array_params(table, rows)
                    )
                else:
                    await conn.execute(_row_by_row(table, update=update), rows)


async def test_array_upserts_store_what_row_by_row_upserts_store() -> None:
    rounds = [
        [
            (MESSAGES, _messages(1, 600)),
            (QUESTIONS, _questions(1, 600)),
            (INTERACTIONS, _interactions(1, 400)),
            (RESPONDERS, _responders(1, 300)),
        ],
        # overlapping: half new, half existing (some changed, some the same)
        [
            (MESSAGES, _messages(301, 600, flip=True)),
            (INTERACTIONS, _interactions(201, 400)),
            (RESPONDERS, _responders(151, 300)),
        ],
    ]
    results = []
    for arrays in (False, True):
        async with fresh_database("hearth_bulk") as url:
            engine = create_engine(url)
            try:
                await migrate(engine)
                await _write(engine, arrays, rounds)
                results.append(
                    {t.name: await table_rows(engine, t.name) for t in (MESSAGES, INTERACTIONS, RESPONDERS)}
                )
            finally:
                await engine.dispose()
    row_by_row, arrays_result = results
    assert len(row_by_row["messages"]) == 900 and len(row_by_row["question_responders"]) == 450
    assert arrays_result == row_by_row
