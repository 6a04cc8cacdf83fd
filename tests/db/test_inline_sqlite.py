"""SQLite on the caller's thread (`create_engine(..., same_thread=True)`): the same database
behaviour as aiosqlite's thread, without the thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.store.session import create_engine

META = MetaData()
ITEMS = Table("items", META, Column("id", Integer, primary_key=True), Column("name", String, nullable=False))


@pytest.mark.parametrize("same_thread", [True, False], ids=["same-thread", "aiosqlite"])
async def test_commits_rollbacks_and_errors_behave_alike(tmp_path: Path, same_thread: bool) -> None:
    threads_before = threading.active_count()
    engine = create_engine(str(tmp_path / "x.db"), same_thread=same_thread)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(META.create_all)
            await conn.execute(insert(ITEMS), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
            if same_thread:  # nothing runs on a thread of its own
                assert threading.active_count() == threads_before
        with pytest.raises(IntegrityError):  # a refused row rolls its whole transaction back
            async with engine.begin() as conn:
                await conn.execute(insert(ITEMS).values(id=3, name="c"))
                await conn.execute(insert(ITEMS).values(id=1, name="again"))
        with pytest.raises(RuntimeError):
            async with engine.begin() as conn:
                await conn.execute(insert(ITEMS).values(id=4, name="d"))
                raise RuntimeError("the caller fails mid-transaction")
        async with engine.connect() as conn:
            rows = (await conn.execute(select(ITEMS.c.id, ITEMS.c.name).order_by(ITEMS.c.id))).all()
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            count = (await conn.execute(select(func.count()).select_from(ITEMS))).scalar_one()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")]
        assert count == 2
        assert journal == "wal"  # the connect-time pragmas apply to it too
    finally:
        await engine.dispose()


async def test_a_memory_database_keeps_its_rows_across_sessions() -> None:
    engine = create_engine(":memory:", same_thread=True)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(META.create_all)
            await conn.execute(insert(ITEMS).values(id=1, name="kept"))
        async with engine.connect() as conn:
            assert (await conn.execute(select(ITEMS.c.name))).scalar_one() == "kept"
    finally:
        await engine.dispose()
