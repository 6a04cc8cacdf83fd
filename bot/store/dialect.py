"""Repositories: plain async functions over an `AsyncSession`, returning core dataclasses or
small typed rows (never ORM objects). They never commit; the caller owns the unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """`INSERT` with `on_conflict_do_update` / `do_nothing` for the session's database."""
    target: Table = getattr(table, "__table__", table)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


IN_CHUNK = 500  # ids per `IN (...)` list


def sql_later(a: Any, b: Any) -> ColumnElement[Any]:
    """The later of two nullable values (NULL only when both are), on every database."""
    return case((a.is_(None), b), (b.is_(None), a), (b > a, b), else_=a)


def sql_earlier(a: Any, b: Any) -> ColumnElement[Any]:
    """The earlier of two nullable values (NULL only when both are), on every database."""
    return case((a.is_(None), b), (b.is_(None), a), (b < a, b), else_=a)
