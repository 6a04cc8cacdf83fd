"""Profiles (pyinstrument) of `analyze` and of the live path, trimmed for BENCHMARKS.md."""

from __future__ import annotations

import asyncio
import importlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

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
    for module in ("bot.db.migrate", "bot.runtime.bot", "bot.services.container"):
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
