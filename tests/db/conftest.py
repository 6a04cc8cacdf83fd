"""Database fixtures: every test gets a freshly migrated database, SQLite and PostgreSQL.

PostgreSQL comes from HEARTH_TEST_PG_URL (see `.ci/postgres.sh start`). Without it the
postgres variants are skipped locally, and fail when CI=true. Engines are function-scoped:
asyncpg connections are bound to the event loop that opened them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.store.migrate import migrate
from bot.store.models import Base
from bot.store.session import create_engine, database_url, make_sessionmaker

PG_ENV = "HEARTH_TEST_PG_URL"


def postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return database_url(url)
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL tests must run in CI")
    pytest.skip(f"{PG_ENV} not set (run `.ci/postgres.sh start` and export it)")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> AsyncIterator[str]:
    """A URL to an empty database (a temp SQLite file, or a fresh PostgreSQL database)."""
    if request.param == "sqlite":
        yield database_url(os.path.join(tmp_path, "hearth.db"))
        return
    base = make_url(postgres_base_url())
    name = f"hearth_t_{uuid4().hex[:16]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def bare_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty database (not migrated)."""
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(bare_engine: AsyncEngine) -> AsyncEngine:
    """An engine on a database migrated to head (plus any model table the initial revision does
    not hold yet; `test_migrations` is what checks that the revision covers every model)."""
    await migrate(bare_engine)
    async with bare_engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return bare_engine


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
