"""Several bot processes starting at once against an empty PostgreSQL database each migrate it
on start: they must not trip over each other (one migrates, the others wait and find it done).
Separate OS processes, as in production (Alembic's context is per process)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from bot.store.session import create_engine
from tests.scale.conftest import REPO_ROOT

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.timeout(120),
    # the two-shard test starts its processes on an empty database, which covers this in CI
    pytest.mark.skipif(os.environ.get("HEARTH_LONG_TESTS") != "1", reason="long variant: make test-long"),
]

PROCESSES = 3


def _upgrade(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.store.migrate", "upgrade", url],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


async def test_processes_migrating_an_empty_database_at_once_all_succeed(pg_url: str) -> None:
    runs = await asyncio.gather(*(asyncio.to_thread(_upgrade, pg_url) for _ in range(PROCESSES)))
    assert [(r.returncode, r.stderr[-2000:]) for r in runs] == [(0, "")] * PROCESSES
    engine = create_engine(pg_url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            tables = await conn.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            )
    finally:
        await engine.dispose()
    assert len(versions) == 1
    assert tables is not None and tables > 10
