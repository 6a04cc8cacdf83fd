"""Read whole tables back for comparisons in the storage tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.models import Base


async def table_rows(engine: AsyncEngine, name: str) -> list[tuple[Any, ...]]:
    table: Table = Base.metadata.tables[name]
    async with engine.connect() as conn:
        result = await conn.execute(select(table).order_by(*table.primary_key.columns))
        return [tuple(row) for row in result]


async def snapshot(engine: AsyncEngine, names: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    return {name: await table_rows(engine, name) for name in names}


FACT_TABLES = ("messages", "interactions", "questions", "question_responders", "members")
