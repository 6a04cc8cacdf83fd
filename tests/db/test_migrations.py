from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.migrate import alembic_config, downgrade, migrate, migrations_dir
from bot.store.models import Base
from bot.store.session import create_engine


async def schema_diff(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_head_matches_the_models(bare_engine: AsyncEngine) -> None:
    await migrate(bare_engine)
    assert await schema_diff(bare_engine) == []
    assert set(Base.metadata.tables) <= await table_names(bare_engine)


async def test_downgrade_to_base_and_up_again(bare_engine: AsyncEngine) -> None:
    await migrate(bare_engine)
    await downgrade(bare_engine, "base")
    assert await table_names(bare_engine) <= {"alembic_version"}
    await migrate(bare_engine)
    await migrate(bare_engine)  # already at head: nothing to do
    assert await schema_diff(bare_engine) == []


def test_the_config_finds_one_linear_history_from_any_directory() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.dir == str(migrations_dir())
    heads = script.get_heads()
    assert len(heads) == 1
    assert script.get_base() == "0001"


async def test_sqlite_connections_keep_their_pragmas_after_migrating(tmp_path: Path) -> None:
    engine = create_engine(str(tmp_path / "pragmas.db"))
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "synchronous": 1, "busy_timeout": 30000}
