"""`python -m bot analyze` on a generated export beside the stdlib json + sqlite3 floor.

Both run as child processes (fresh interpreter, fresh database file) so wall time and
peak memory (the child's own rusage) are measured the same way for both.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import PYTHON, ChildRun, args_file, median, run_child


@dataclass(slots=True)
class IngestResult:
    messages: int
    analyze: list[ChildRun] = field(default_factory=list)
    floor: list[ChildRun] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        for run in self.analyze:
            if run.returncode != 0:
                tail = (run.stderr.strip() or run.stdout.strip()).splitlines()[-3:]
                return " / ".join(tail)[-400:] or f"exit code {run.returncode}"
        return None

    def _ok(self, runs: list[ChildRun]) -> list[ChildRun]:
        return [run for run in runs if run.returncode == 0]

    @property
    def analyze_seconds(self) -> float:
        return median([run.seconds for run in self._ok(self.analyze)])

    @property
    def analyze_peak_mb(self) -> float:
        return max((run.peak_rss_mb for run in self._ok(self.analyze)), default=float("nan"))

    @property
    def analyze_cpu(self) -> float:
        return median([run.cpu_seconds for run in self._ok(self.analyze)])

    @property
    def floor_cpu(self) -> float:
        return median([run.cpu_seconds for run in self._ok(self.floor)])

    @property
    def floor_seconds(self) -> float:
        return median([run.seconds for run in self._ok(self.floor)])

    @property
    def floor_peak_mb(self) -> float:
        return max((run.peak_rss_mb for run in self._ok(self.floor)), default=float("nan"))

    def rate(self, seconds: float) -> float:
        return self.messages / seconds if seconds > 0 else float("nan")


def analyze_once(files: list[Path], workdir: Path) -> ChildRun:
    db = workdir / "analyze.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    cmd = [
        PYTHON,
        "-m",
        "bot",
        "analyze",
        *args_file(files),
        "--report",
        str(workdir / "report.json"),
        "--db",
        str(db),
        "--no-progress",
    ]
    return run_child(cmd)


def floor_once(files: list[Path], workdir: Path) -> ChildRun:
    db = workdir / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return run_child([PYTHON, "-m", "bench.floor_ingest", str(db), *args_file(files)])


def measure(files: list[Path], messages: int, workdir: Path, runs: int) -> IngestResult:
    """Alternate floor and `analyze` runs so a noisy machine hits both alike."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = IngestResult(messages)
    for _ in range(runs):
        result.floor.append(floor_once(files, workdir))
        result.analyze.append(analyze_once(files, workdir))
        if result.analyze[-1].returncode != 0:
            break  # a broken analyze fails the same way every time
    shutil.rmtree(workdir, ignore_errors=True)
    return result
