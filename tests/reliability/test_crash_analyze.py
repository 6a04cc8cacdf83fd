"""SIGKILL `python -m bot analyze` at random moments, many times, and check nothing is lost.

After every kill the SQLite file passes `PRAGMA integrity_check` and no table holds fewer rows
than after the previous kill (a committed batch is never lost, and re-running never puts an
older state over a newer one). Running analyze again until it finishes gives byte for byte the
report of an uninterrupted run on a fresh database. When a round finishes before the kills are
used up, the next round starts on a fresh database.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli.analyze import analyze
from bot.sample.generator import GeneratorConfig, write_community
from tests.reliability.conftest import LONG, Figures, scaled

ROOT = Path(__file__).resolve().parents[2]
KILLS = scaled(5, 50)
CONFIG = GeneratorConfig(
    seed=29,
    members=50,
    weeks=3 if not LONG else 6,
    messages_per_week=1800 if not LONG else 4000,
    thread_share=0.3,
)
BATCH = "300"


def _tables(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _integrity(db: Path) -> str:
    with sqlite3.connect(db, timeout=30) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def _start(exports: list[Path], db: Path, report: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "bot", "analyze", *map(str, exports)]
    args += ["--report", str(report), "--db", str(db), "--batch-size", BATCH, "--no-progress"]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_a_commit(proc: subprocess.Popen[bytes], db: Path, deadline: float) -> bool:
    """Wait until the run commits anything (`PRAGMA data_version` moves when another connection
    commits), whatever it is, so a kill can land at any point of its work; True while it runs."""
    while not db.exists():
        if proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            raise AssertionError("analyze did not create the database in time")
        time.sleep(0.02)
    with sqlite3.connect(db, timeout=30) as watch:
        start = watch.execute("PRAGMA data_version").fetchone()[0]
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if watch.execute("PRAGMA data_version").fetchone()[0] != start:
                return True
            time.sleep(0.01)
    raise AssertionError("analyze committed nothing in time")


@pytest.mark.timeout(2400 if LONG else 300)
def test_sigkill_during_analyze_loses_nothing(tmp_path: Path, figures: Figures, child_env: dict[str, str]) -> None:
    exports = write_community(CONFIG, tmp_path / "community")
    reference = tmp_path / "reference.json"
    clean = asyncio.run(analyze(exports, reference, str(tmp_path / "clean.db")))
    assert int(str(clean["messages"])) > 3000
    expected = reference.read_bytes()

    rng = random.Random(20261123)
    kills = rounds = runs = 0
    while kills < KILLS:
        rounds += 1
        db = tmp_path / f"round{rounds}.db"
        report = tmp_path / f"round{rounds}.json"
        previous: dict[str, int] = {}
        while True:
            runs += 1
            proc = _start(exports, db, report, {**child_env, "CI": "1"})
            running = _wait_for_a_commit(proc, db, time.monotonic() + 120)
            if running and kills < KILLS:
                time.sleep(rng.uniform(0.0, 1.5))
                proc.send_signal(signal.SIGKILL)
            _out, err = proc.communicate(timeout=120)
            if proc.returncode == -signal.SIGKILL:
                kills += 1
                assert _integrity(db) == "ok"
                now = _tables(db)
                shrunk = {t: (previous[t], n) for t, n in now.items() if n < previous.get(t, 0)}
                figures.add("analyze rows lost", sum(previous[t] - n for t, (_, n) in shrunk.items()))
                assert not shrunk, f"rows went down after kill {kills}: {shrunk}"
                figures.add("analyze rows checked after kills", sum(now.values()))
                previous = now
                if report.exists():  # killed after the report was in place: it is whole, never half
                    assert json.loads(report.read_text(encoding="utf-8"))["schema"] == "community-analysis/1"
                continue
            assert proc.returncode == 0, err.decode(errors="replace")
            assert b"Traceback" not in err
            break
        assert _integrity(db) == "ok"
        assert report.read_bytes() == expected, f"round {rounds}: the finished report differs from a clean run"
        final = _tables(db)
        assert all(final[t] >= n for t, n in previous.items())
    figures.add("analyze SIGKILLs survived", kills)
    figures.add("analyze runs (killed or finished)", runs)
    figures.add("analyze rounds finished identical to a clean run", rounds)
