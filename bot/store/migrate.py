"""Schema migrations through Alembic, callable from inside a running event loop.

Command line (from the repository root)::

    python -m bot.store.migrate upgrade DATABASE_URL_OR_PATH
    python -m bot.store.migrate regenerate-initial   # rewrite versions/0001_initial.py from all models
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.session import create_engine, database_url

INITIAL_REVISION = "0001"
# PostgreSQL advisory lock held while migrating: bot processes starting together against one
# database take turns (the first migrates, the others then find nothing to do).
MIGRATION_LOCK_KEY = 0x4865_6172_7468  # "Hearth"


def migrations_dir() -> Path:
    """`migrations/` next to the `bot` package (the repository root of a checkout)."""
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config that works from any working directory, without alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def _run(connection: Connection, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


async def _run_on(engine: AsyncEngine, action: str, revision: str) -> None:
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        if sqlite:
            # Batch mode rebuilds a table by copy + DROP; with foreign keys on, the DROP would
            # cascade into child rows. The pragma only applies outside a transaction.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # Outside an explicit transaction the driver runs DDL in autocommit mode, so a process
            # killed mid-migration left half a schema that the next start could not migrate
            # ("table ... already exists"). In one transaction the migration is all or nothing.
            await conn.exec_driver_sql("BEGIN")
        try:
            if engine.dialect.name == "postgresql":  # held until this transaction commits
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            await conn.run_sync(_run, action, revision)
            await conn.commit()
            if sqlite:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left rows breaking foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                await conn.rollback()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind `engine` to `revision` (default: head)."""
    await _run_on(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    await _run_on(engine, "downgrade", revision)


def regenerate_initial() -> Path:
    """Rewrite the single initial revision from the current models (autogenerate on an empty DB)."""
    versions = migrations_dir() / "versions"
    for old in versions.glob(f"{INITIAL_REVISION}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(str(Path(tmp) / "empty.db"))
        command.revision(cfg, message="initial", autogenerate=True, rev_id=INITIAL_REVISION)
    created = next(versions.glob(f"{INITIAL_REVISION}_*.py"))
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():
        subprocess.run([str(ruff), "format", "--quiet", str(created)], check=False)
        subprocess.run([str(ruff), "check", "--fix", "--quiet", str(created)], check=False)
    return created


async def _upgrade_url(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.store.migrate")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("upgrade", help="upgrade a database to head")
    up.add_argument("database", help="a database URL or a path to a SQLite file")
    sub.add_parser("regenerate-initial", help="rewrite migrations/versions/0001_initial.py")
    args = parser.parse_args(argv)
    if args.cmd == "upgrade":
        asyncio.run(_upgrade_url(args.database))
    else:
        print(regenerate_initial())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
