"""The benchmark scripts on tiny inputs, so they do not rot (figures are not checked here)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bench import bench_live, floor_ingest, report, run
from bench.common import dataset, message_count
from bot.sample.generator import GeneratorConfig

TINY = GeneratorConfig(seed=4, members=20, weeks=1, messages_per_week=300, thread_share=0.2)


@pytest.fixture(autouse=True)
def _bench_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "bench-cache"))


def test_floor_inserts_one_row_per_message(tmp_path: Path) -> None:
    folder, files = dataset(TINY)
    count = floor_ingest.ingest(tmp_path / "floor.db", files)
    assert count == message_count(folder)
    with sqlite3.connect(tmp_path / "floor.db") as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == count
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_gateway_payloads_parse_through_discord_py() -> None:
    folder, _ = dataset(TINY)
    guild, payloads = bench_live.load_payloads(folder, 80)
    assert len(payloads) == 80
    first = json.loads(payloads[0])
    assert first["guild_id"] == guild["id"] and first["type"] in (0, 19)
    result = asyncio.run(bench_live.run_floor(guild, payloads))
    assert result.messages == 80 and result.rate > 0
    paced = asyncio.run(bench_live.run_floor(guild, payloads[:20], rate=1000.0))
    assert len(paced.latencies_ms) == 20 and paced.percentile(0.99) >= 0


def test_rows_from_another_benchmark_result() -> None:
    rows = report.rows_from_result(
        "digest", {"seconds": 12.5, "peak_mb": 300, "growth": 9.0, "weeks": 1}, 10.0
    )
    assert [row.verdict for row in rows] == ["misses", "meets"]
    assert rows[0].value == "12.50 s / 300 MB peak" and rows[0].notes == ["weeks: 1"]


def test_quick_run_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    raw = tmp_path / "raw.json"
    assert run.main(["--quick", "--out", str(out), "--json", str(raw)]) == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## Machine", "## Results", "## Where the time goes"):
        assert heading in text
    for label in ("`analyze` ingest", "live path", "weekly digest", "introductions round", "bot posts per 100"):
        assert label in text
    figures = json.loads(raw.read_text(encoding="utf-8"))
    assert figures["quick"] is True
    assert figures["ingest"]["big"]["floor_s"] and all(s > 0 for s in figures["ingest"]["big"]["floor_s"])


def test_component_timings_count_what_each_stage_reads() -> None:
    from bench import profiling
    from bot.sources.exports import ExportReader

    _, files = dataset(TINY)
    result = profiling.components(files, ["check", "read", "merge", "engine"], tuned_gc=True)
    chat = sum(
        1 for path in files for e in ExportReader(path).events() if type(e).__name__ == "MessageCreated"
    )
    assert result["check"]["items"] == chat > 0
    assert result["read"]["items"] == result["merge"]["items"] > chat  # reactions and joins too
    assert result["engine"]["items"] > 0  # facts decided
    assert all(stage["cpu_s"] >= 0 and stage["gc_s"] >= 0 for stage in result.values())
