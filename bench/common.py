"""Shared pieces of the benchmarks: machine facts, timing of child processes, cached inputs."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.sample.generator import GeneratorConfig, write_community

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass(frozen=True, slots=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float
    returncode: int
    cpu_seconds: float
    stdout: str
    stderr: str


def child_env() -> dict[str, str]:
    """The environment of measured children: with a bytecode cache, as any installed Python has.

    Where PYTHONDONTWRITEBYTECODE is set and the packages were installed without compiled
    bytecode, every child start-up would otherwise compile ~1,100 modules (3 to 4 s of CPU
    that no deployed bot or CLI pays). The cache lives beside the inputs, outside the checkout.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONPYCACHEPREFIX", str(cache_dir() / "pycache"))
    return env


def warm_bytecode() -> float:
    """Compile what the measured children import, once, before anything is timed; seconds taken."""
    started = time.perf_counter()
    for cmd in ([PYTHON, "-m", "bot", "--help"], [PYTHON, "-m", "bench.floor_ingest", "--help"]):
        subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, check=False)
    return time.perf_counter() - started


def run_child(cmd: Sequence[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> ChildRun:
    """Run a command; wall time and the peak RSS of that one child (from its own rusage, taken
    by `bench/child_rusage.py` so the bench's own size never counts)."""
    launcher = Path(__file__).resolve().parent / "child_rusage.py"
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "rusage.json"
        proc = subprocess.run(
            [sys.executable, "-I", str(launcher), str(figures), *cmd],
            cwd=cwd, stdout=out, stderr=err, env=env or child_env(), check=False,
        )  # fmt: skip
        out.seek(0)
        err.seek(0)
        measured = json.loads(figures.read_text(encoding="utf-8")) if figures.exists() else {}
        return ChildRun(
            seconds=float(measured.get("seconds", float("nan"))),
            peak_rss_mb=float(measured.get("peak_rss_kb", float("nan"))) / 1024,
            returncode=proc.returncode,
            cpu_seconds=float(measured.get("cpu_seconds", float("nan"))),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def cache_dir() -> Path:
    base = Path(os.environ.get("HEARTH_BENCH_CACHE", Path(tempfile.gettempdir()) / "hearth-bench"))
    base.mkdir(parents=True, exist_ok=True)
    return base


def dataset(config: GeneratorConfig) -> tuple[Path, list[Path]]:
    """Generate (once, cached by config) a sample community; returns its folder and export files."""
    key = hashlib.sha256(repr(config).encode()).hexdigest()[:12]
    folder = cache_dir() / f"community-{config.seed}-{key}"
    done = folder / "community.json"
    if not done.exists():
        write_community(config, folder)
    files = [folder / name for name in json.loads(done.read_text(encoding="utf-8"))["files"]]
    return folder, files


def message_count(folder: Path) -> int:
    return int(json.loads((folder / "community.json").read_text(encoding="utf-8"))["message_count"])


@dataclass(slots=True)
class Row:
    """One line of BENCHMARKS.md: a figure, its floor from the same run, the ratio and the target."""

    what: str
    value: str
    floor: str = "—"
    ratio: str = "—"
    target: str = "—"
    verdict: str = "—"
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def args_file(paths: Sequence[Path]) -> list[str]:
    """Export paths as command arguments (the benchmark inputs keep the file count small)."""
    return [str(path) for path in paths]
