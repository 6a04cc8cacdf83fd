"""The database URL alone chooses the backend, and both backends give the same results:
`analyze` writes a byte-identical report and `demo` the same action log on SQLite and on
PostgreSQL, with PostgreSQL chosen through HEARTH_DATABASE_URL (no --db)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli.analyze import analyze
from bot.cli.demo import demo
from bot.store.models.core import Interaction, Question
from bot.store.session import create_engine
from tests.scale.conftest import REPO_ROOT, SHARED

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]

UBUNTU = SHARED / "benchmarks" / "ubuntu-irc-dev"
SAMPLE_EXPORTS = REPO_ROOT / "bot" / "sample" / "data" / "exports"


def _ubuntu_exports(count: int) -> list[Path]:
    found = sorted(UBUNTU.glob("*.export.json"))[:count]
    if len(found) < count:
        pytest.skip(f"the shared benchmark exports are not in {UBUNTU.resolve()}")
    return found


def _sample_exports() -> list[Path]:
    found = sorted(SAMPLE_EXPORTS.glob("*.json"))
    assert found, f"the bundled sample is missing from {SAMPLE_EXPORTS}"
    return found


async def _stored_counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            questions = (await conn.execute(select(func.count()).select_from(Question))).scalar_one()
            interactions = (await conn.execute(select(func.count()).select_from(Interaction))).scalar_one()
    finally:
        await engine.dispose()
    return int(questions), int(interactions)


async def _analyze_both(
    runs: list[list[Path]], pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[bytes, bytes, dict[str, object]]]:
    """Analyze each run (one server's exports) into one SQLite file, then through
    HEARTH_DATABASE_URL into one PostgreSQL database; the two reports of each run."""
    monkeypatch.chdir(tmp_path)  # a default hearth.db would appear here if the URL were ignored
    out = []
    for i, exports in enumerate(runs):
        monkeypatch.delenv("HEARTH_DATABASE_URL", raising=False)
        sqlite_report, pg_report = tmp_path / f"sqlite-{i}.json", tmp_path / f"pg-{i}.json"
        await analyze(exports, sqlite_report, str(tmp_path / "analyze.db"))
        monkeypatch.setenv("HEARTH_DATABASE_URL", pg_url)
        counts = await analyze(exports, pg_report, None)
        out.append((sqlite_report.read_bytes(), pg_report.read_bytes(), counts))
    assert not (tmp_path / "hearth.db").exists()
    return out


async def test_analyze_report_is_byte_identical_on_both_backends_ubuntu(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two servers (each export is its own), analyzed one after the other into the same database."""
    runs = await _analyze_both([[p] for p in _ubuntu_exports(2)], pg_url, tmp_path, monkeypatch)
    for sqlite_bytes, pg_bytes, counts in runs:
        assert counts["questions"] and counts["interactions"]  # a report with something in it
        assert pg_bytes == sqlite_bytes
    # HEARTH_DATABASE_URL really chose PostgreSQL: both servers' rows are there
    questions = sum(int(str(c["questions"])) for _, _, c in runs)
    interactions = sum(int(str(c["interactions"])) for _, _, c in runs)
    assert await _stored_counts(pg_url) == (questions, interactions)


async def test_analyze_report_is_byte_identical_on_both_backends_sample(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [(sqlite_bytes, pg_bytes, counts)] = await _analyze_both(
        [_sample_exports()], pg_url, tmp_path, monkeypatch
    )
    assert int(str(counts["questions"])) > 50 and int(str(counts["interactions"])) > 500
    assert pg_bytes == sqlite_bytes
    assert await _stored_counts(pg_url) == (counts["questions"], counts["interactions"])


async def test_demo_on_postgresql_logs_the_same_actions(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = _ubuntu_exports(1)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HEARTH_DATABASE_URL", raising=False)
    on_sqlite = await demo(exports, None, db=str(tmp_path / "demo.db"))
    on_pg = await demo(exports, None, db=pg_url)  # offline commands take the database from --db only
    assert on_sqlite.records, "the replay logged nothing"
    assert on_pg.records == on_sqlite.records
    questions, _ = await _stored_counts(pg_url)
    assert questions == sum(1 for r in on_pg.records if r["kind"] == "question")
