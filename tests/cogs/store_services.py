"""Services for cog tests that write straight into a store: a `RecordingServices` with a
session factory on a fresh SQLite file holding every model's table (no migration run)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.store.base import Base
from bot.store.session import create_engine, database_url, make_sessionmaker
from tests.cogs.simworld import RecordingServices


@asynccontextmanager
async def open_store_services(path: Path) -> AsyncIterator[Any]:
    """Yields the services (typed loosely: tests add the feature services they need)."""
    import bot.store.models  # noqa: F401  (every model module registers its tables)

    engine = create_engine(database_url(str(path)))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    services: Any = RecordingServices()
    services.sessionmaker = make_sessionmaker(engine)
    try:
        yield services
    finally:
        await engine.dispose()
