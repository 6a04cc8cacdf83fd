"""Engine and session factories. The URL alone chooses SQLite (default) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_PRAGMAS: tuple[tuple[str, str], ...] = (
    ("journal_mode", "WAL"),
    ("foreign_keys", "ON"),
    ("synchronous", "NORMAL"),
    ("cache_size", "-65536"),
    ("busy_timeout", "30000"),
)


def database_url(url_or_path: str) -> str:
    """Normalise a URL or a bare file path into an async SQLAlchemy URL.

    - ``:memory:`` becomes a private in-memory SQLite database (one shared connection)
    - a path (no ``://``) becomes ``sqlite+aiosqlite:///<absolute path>``
    - ``sqlite://`` becomes ``sqlite+aiosqlite://``
    - ``postgres://`` / ``postgresql://`` become ``postgresql+asyncpg://``
    """
    value = url_or_path.strip()
    if value == ":memory:":
        return "sqlite+aiosqlite:///:memory:"
    if "://" not in value:
        return f"sqlite+aiosqlite:///{Path(value).expanduser().resolve()}"
    scheme, rest = value.split("://", 1)
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    return value


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for name, value in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
    finally:
        cursor.close()


def create_engine(url: str, *, echo: bool = False, same_thread: bool = False) -> AsyncEngine:
    """An async engine for `url` (normalised with `database_url`). `same_thread`: SQLite runs
    on the caller's thread (`bot.store.inline_sqlite`), for commands with nothing else to wait
    for; ignored for PostgreSQL."""
    url = database_url(url)
    if is_sqlite(url):
        options: dict[str, Any] = {"echo": echo}
        if url.endswith(":memory:"):  # one connection, or every connection sees its own empty database
            options["poolclass"] = StaticPool
        if same_thread:
            from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
            from sqlalchemy.engine import make_url

            from bot.store.inline_sqlite import inline_creator

            args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
            options["async_creator"] = inline_creator(*args, **kwargs)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


__all__ = ["SQLITE_PRAGMAS", "create_engine", "database_url", "is_sqlite", "make_sessionmaker"]
