"""A fresh PostgreSQL database per test, on the server named by HEARTH_TEST_PG_URL.

Without that variable the tests skip with a reason locally, and fail when CI=true: a
PostgreSQL test is never silently skipped in CI.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.store.session import database_url

PG_ENV = "HEARTH_TEST_PG_URL"


def postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return database_url(url)
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL tests must run in CI")
    pytest.skip(f'{PG_ENV} not set (run `eval "$(bash .ci/postgres.sh start)"` first)')


@asynccontextmanager
async def fresh_database(prefix: str = "hearth_s") -> AsyncIterator[str]:
    """Create an empty database, yield its URL (password included), drop it afterwards."""
    base = make_url(postgres_base_url())
    name = f"{prefix}_{uuid4().hex[:12]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
