"""`python -m bench.bench_live` on tiny inputs: the live rows alone, with CPU-time rates and the
heap frozen as a ready bot has it (figures are not checked here)."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from bench import bench_live


@pytest.fixture(autouse=True)
def _bench_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_BENCH_CACHE", str(tmp_path_factory.getbasetemp() / "bench-cache"))


def test_live_rows_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gc.unfreeze()  # a bot of an earlier test that was never closed may have frozen it
    assert bench_live.main(["--quick", "--runs", "1", "--messages", "60", "--paced", "20"]) == 0
    raw = json.loads(capsys.readouterr().out)
    assert raw["messages"] == 60 and raw["paced_messages"] == 20 and raw["paced_runs"] == 1
    assert len(raw["hearth_cpu_rates"]) == len(raw["floor_cpu_rates"]) == 1
    assert raw["hearth_cpu_rates"][0] > 0 and raw["cpu_ratio"] > 0
    assert raw["hearth_p99_ms"] >= raw["hearth_p50_ms"] >= 0
    assert gc.get_freeze_count() == 0  # the bench's bot froze the heap and released it on close
