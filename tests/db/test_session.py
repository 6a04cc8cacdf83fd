from __future__ import annotations

from pathlib import Path

from bot.questions.store import restore_state
from bot.store.migrate import migrate
from bot.store.session import create_engine, database_url, make_sessionmaker
from bot.store.writer import BatchedWriter
from tests.db.factories import at, message


def test_database_url_forms(tmp_path: Path) -> None:
    assert database_url(str(tmp_path / "h.db")) == f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    assert database_url("relative.db").startswith("sqlite+aiosqlite:////")
    assert database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert database_url("postgresql://u:p@h:5432/d") == "postgresql+asyncpg://u:p@h:5432/d"
    assert database_url("postgres://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert database_url("postgresql+asyncpg://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert database_url(":memory:") == "sqlite+aiosqlite:///:memory:"


async def test_engines_and_sessions(tmp_path: Path) -> None:
    sqlite = create_engine(str(tmp_path / "h.db"))
    postgres = create_engine("postgresql://u:p@127.0.0.1:1/d")  # not connected: only configured
    try:
        assert sqlite.dialect.name == "sqlite" and sqlite.dialect.driver == "aiosqlite"
        assert postgres.dialect.driver == "asyncpg"
        assert postgres.pool.size() == 10  # type: ignore[attr-defined]
        maker = make_sessionmaker(sqlite)
        assert maker.kw["expire_on_commit"] is False
    finally:
        await sqlite.dispose()
        await postgres.dispose()


async def test_in_memory_database_is_one_shared_database() -> None:
    engine = create_engine(":memory:")
    try:
        await migrate(engine)
        writer = BatchedWriter(engine)
        await writer.write([message(1, 5, 0)])
        await writer.close()
        async with make_sessionmaker(engine)() as session:
            _, recent = await restore_state(session, since=at(-1))
        assert [m.message_id for m in recent] == [1]
    finally:
        await engine.dispose()
