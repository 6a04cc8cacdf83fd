"""The report's queries give the same page on SQLite and PostgreSQL for the same exports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.analyze import analyze
from bot.report.page import ReportPage
from bot.report.service import build_report
from bot.sample.generator import GeneratorConfig, write_community
from bot.sources.exports import ExportReader
from bot.store.session import create_engine, database_url, make_sessionmaker


async def _page(exports: list[Path], url: str, tmp: Path) -> ReportPage:
    result = await analyze(exports, tmp / "analysis.json", url)
    engine = create_engine(url)
    try:
        return await build_report(
            make_sessionmaker(engine),
            ExportReader(exports[0]).header.guild_id,
            names=result["names"],  # type: ignore[arg-type]
        )
    finally:
        await engine.dispose()


async def test_the_same_page_on_every_database(db_url: str, tmp_path: Path) -> None:
    write_community(GeneratorConfig(seed=5, members=25, weeks=2, messages_per_week=300), tmp_path / "c")
    exports = sorted((tmp_path / "c" / "exports").glob("*.json"))
    reference = await _page(exports, database_url(str(tmp_path / "reference.db")), tmp_path)
    page = await _page(exports, db_url, tmp_path)
    assert page.open_total and page.newcomers and page.network.ties and page.helpers.first_responses
    # the digest's median delay is computed in SQL: SQLite's julianday() differs from
    # PostgreSQL's interval arithmetic in the millisecond, so the medians are compared to 0.01 s
    assert page.week_numbers == pytest.approx(reference.week_numbers, abs=1e-4)
    assert [(w.week_key, w.new_connections, w.active_connections) for w in page.weeks] == [
        (w.week_key, w.new_connections, w.active_connections) for w in reference.weeks
    ]
    assert [w.median_first_response_minutes for w in page.weeks] == pytest.approx(
        [w.median_first_response_minutes for w in reference.weeks], abs=1e-4
    )
    same = {"week_numbers": {}, "weeks": ()}
    assert replace(page, **same) == replace(reference, **same)  # network, lists and load exactly
