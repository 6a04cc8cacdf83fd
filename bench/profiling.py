"""Profiles (pyinstrument) of `analyze` and of the live path, trimmed for BENCHMARKS.md, and the
CPU of each part of `analyze` measured in one process:

    python -m bench.profiling components small|big [check,read,merge,engine]
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import PYTHON, args_file, dataset, run_child

if TYPE_CHECKING:
    from bench.run import Sizes

MAX_LINES = 70


def _trim(text: str) -> str:
    lines = [
        line
        for line in text.splitlines()
        if line.strip() and not line.startswith("Program:") and "--load-prev" not in line
    ]
    return "\n".join(lines[:MAX_LINES])


def profile_analyze(files: list[Path]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        cmd = [
            PYTHON,
            "-m",
            "pyinstrument",
            "-r",
            "text",
            "-p",
            "unicode=false",
            "-p",
            "color=false",
            "-p",
            "processor_options.filter_threshold=0.02",
            "--target-description",
            "python -m bot analyze (the growth input)",
            "-o",
            str(out),
            "-m",
            "bot",
            "analyze",
            *args_file(files),
            "--report",
            str(Path(tmp) / "r.json"),
            "--db",
            str(Path(tmp) / "p.db"),
            "--no-progress",
        ]
        run = run_child(cmd)
        if run.returncode != 0 or not out.exists():
            return f"profile failed: {(run.stderr or run.stdout).strip()[-400:]}"
        return _trim(out.read_text(encoding="utf-8"))


def profile_live(folder: Path, limit: int) -> str:
    from pyinstrument import Profiler

    from bench.bench_live import load_payloads, run_hearth

    # Imported before the profiler starts: imports are not what is profiled.
    for module in ("bot.store.migrate", "bot.runtime.bot", "bot.services"):
        importlib.import_module(module)

    guild, payloads = load_payloads(folder, limit)
    profiler = Profiler(async_mode="disabled")
    profiler.start()
    try:
        asyncio.run(run_hearth(guild, payloads))
    except Exception as exc:
        profiler.stop()
        return f"profile failed: {exc}"
    profiler.stop()
    return _trim(profiler.output_text(unicode=False, color=False))


def profile_all(sizes: Sizes) -> dict[str, str]:
    _, small_files = dataset(sizes.small)
    live_dir, _ = dataset(sizes.live)
    return {
        "`analyze` (the growth input)": profile_analyze(small_files),
        "live path (back to back)": profile_live(live_dir, sizes.live_messages),
    }


class _GcTimer:
    """CPU seconds the garbage collector spends, per generation."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
            return
        generation = int(info["generation"])
        self.seconds[generation] += time.process_time() - self._started
        self.count[generation] += 1


def components(files: Sequence[Path], stages: Sequence[str], *, tuned_gc: bool = False) -> dict[str, Any]:
    """CPU seconds of each stage of `analyze` over `files`, each stage from scratch.

    check: `ExportReader.check()` (the check pass); read: every export's events, one file after
    the other; merge: the events of all exports merged in time order; engine: merge plus the
    engine deciding every event. Differences between stages give the cost of each part.
    """
    from bot.cli.analyze import _ticking, batch_collector
    from bot.cli.analyze_check import decisions
    from bot.conversation.clock import FakeClock
    from bot.conversation.engine import Engine
    from bot.sources.exports import ExportReader, merged_events
    from bot.sources.pipeline import RulesBook

    def check() -> int:
        return sum(ExportReader(path).check().messages for path in files)

    def read() -> int:
        return sum(1 for path in files for _ in ExportReader(path).events())

    def merge() -> int:
        return sum(1 for _ in merged_events([ExportReader(path) for path in files]))

    def engine() -> int:
        clock = FakeClock()
        core = Engine(clock, RulesBook().get)
        events = _ticking(merged_events([ExportReader(path) for path in files]), clock, [])
        return sum(len(facts) for _, facts in decisions(core, events))

    runners: dict[str, Callable[[], int]] = {"check": check, "read": read, "merge": merge, "engine": engine}
    timer = _GcTimer()
    gc.callbacks.append(timer)
    results: dict[str, Any] = {}
    try:
        for stage in stages:
            timer.seconds, timer.count = [0.0, 0.0, 0.0], [0, 0, 0]
            started = time.process_time()
            if tuned_gc:
                with batch_collector():
                    items = runners[stage]()
            else:
                items = runners[stage]()
            results[stage] = {
                "cpu_s": round(time.process_time() - started, 2),
                "items": items,
                "gc_s": round(sum(timer.seconds), 2),
                "gc_full": timer.count[2],
            }
    finally:
        gc.callbacks.remove(timer)
    return results


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2 or argv[0] != "components" or argv[1] not in ("small", "big"):
        print(__doc__, file=sys.stderr)
        return 2
    from bench.run import full_sizes

    sizes = full_sizes(1, 1)
    _, files = dataset(sizes.big if argv[1] == "big" else sizes.small)
    stages = argv[2].split(",") if len(argv) > 2 else ["check", "read", "merge", "engine"]
    for tuned in (False, True):
        print(json.dumps({"tuned_gc": tuned, **components(files, stages, tuned_gc=tuned)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
