"""PostgreSQL bulk upserts fed by one array per column: `INSERT ... SELECT * FROM unnest(...)
ON CONFLICT ...`. One statement per batch instead of one execution per row; measured on the
writer's fact mix (messages, interactions, responders) about 1.4-2x the rows per second of
the driver's executemany, fresh rows and re-written rows alike.

The statements have the same ON CONFLICT rules as the writer's row-by-row upserts: update
every non-key column of a row whose values changed, or do nothing. Rows of one statement
must have distinct keys (the writer reduces a batch by key first). Tables with JSON columns
are left to executemany (arrays of json need their own codec).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Table, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection


def array_param(column: str) -> str:
    return f"arr_{column}"


def supports(table: Table) -> bool:
    """Whether every column of `table` can travel as a PostgreSQL array."""
    return not any(isinstance(c.type, JSON) for c in table.columns)


def array_upsert(table: Table, *, update: bool = True) -> Any:
    """The upsert of `table` from one array per column (bind names from `array_param`)."""
    names = [c.name for c in table.columns]
    arrays = [bindparam(array_param(n), type_=ARRAY(table.c[n].type)) for n in names]
    source = func.unnest(*arrays).table_valued(*names).render_derived()
    ins = postgresql.insert(table).from_select(names, select(*(source.c[n] for n in names)))
    if not update:
        return ins.on_conflict_do_nothing()
    keys = [c.name for c in table.primary_key.columns]
    updates = {n: ins.excluded[n] for n in names if n not in keys}
    changed = or_(*(table.c[n].is_distinct_from(ins.excluded[n]) for n in updates))
    return ins.on_conflict_do_update(index_elements=keys, set_=updates, where=changed)


def array_params(table: Table, rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """`rows` (dicts holding every column of `table`) as one list per column."""
    return {array_param(c.name): [row[c.name] for row in rows] for c in table.columns}


class ArrayUpserts:
    """Runs a Core upsert (`INSERT ... ON CONFLICT DO UPDATE/NOTHING` of whole rows) in its
    array-fed form; the forms are built once per statement."""

    def __init__(self) -> None:
        self._forms: dict[int, Any] = {}

    async def execute(
        self, conn: AsyncConnection, stmt: Any, rows: list[dict[str, Any]], *, update: bool
    ) -> bool:
        """True when done; False when `stmt` cannot go as arrays (JSON columns, partial rows)."""
        table = stmt.table
        if id(stmt) not in self._forms:
            self._forms[id(stmt)] = array_upsert(table, update=update) if supports(table) else None
        form = self._forms[id(stmt)]
        if form is None or set(rows[0]) != set(table.c.keys()):
            return False
        await conn.execute(form, array_params(table, rows))
        return True


__all__ = ["ArrayUpserts", "array_param", "array_params", "array_upsert", "supports"]
