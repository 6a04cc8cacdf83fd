"""`make bench`: measure Hearth beside its floors and write BENCHMARKS.md.

    python -m bench.run [--quick] [--runs N] [--big-runs N] [--out BENCHMARKS.md] [--profile]
    python bench/run.py ...   (the same, as a script)

Inputs come from the sample-community generator (fixed seeds), cached under
$HEARTH_BENCH_CACHE (default: the temp folder) so a second run skips generation.
`--quick` uses tiny inputs and one run (the smoke test); it writes to --out only.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import math
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/run.py`: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_analyze, bench_demo, bench_restraint, report
from bench import peer_chat_analytics as peer
from bench.common import (
    PYTHON,
    ROOT,
    ChildRun,
    Row,
    cache_dir,
    dataset,
    machine,
    median,
    message_count,
    run_child,
    warm_bytecode,
)
from bot.sample.generator import GeneratorConfig


@dataclass(frozen=True, slots=True)
class Sizes:
    big: GeneratorConfig  # the 1,000,000-message export
    small: GeneratorConfig  # one tenth of it, for the growth row
    peer: GeneratorConfig  # the 200,000-message export `analyze` and chat-analytics both read
    live: GeneratorConfig
    live_messages: int
    paced_messages: int
    runs: int
    big_runs: int  # runs of the 1M-message `analyze` (the longest figure)
    peer_runs: int = 1  # runs of the 200k `analyze` beside chat-analytics (which runs `runs` times)
    small_runs: int = 2  # runs of the 100k `analyze` of the growth row
    growth: bool = True  # also run the one-tenth inputs (off in --quick)


def full_sizes(runs: int, big_runs: int) -> Sizes:
    shape = {"seed": 8, "members": 5000, "weeks": 8, "thread_share": 0.02}
    return Sizes(
        big=GeneratorConfig(messages_per_week=128_100, **shape),  # type: ignore[arg-type]
        small=GeneratorConfig(messages_per_week=12_500, **shape),  # type: ignore[arg-type]
        peer=GeneratorConfig(messages_per_week=25_000, **shape),  # type: ignore[arg-type]
        live=GeneratorConfig(seed=3, members=500, weeks=2, messages_per_week=12_000, thread_share=0.0),
        live_messages=20_000,
        paced_messages=5_000,
        runs=runs,
        big_runs=big_runs,
    )


def quick_sizes() -> Sizes:
    shape = {"seed": 8, "members": 60, "weeks": 1, "thread_share": 0.05}
    return Sizes(
        big=GeneratorConfig(messages_per_week=2_000, **shape),  # type: ignore[arg-type]
        small=GeneratorConfig(messages_per_week=200, **shape),  # type: ignore[arg-type]
        peer=GeneratorConfig(messages_per_week=1_000, **shape),  # type: ignore[arg-type]
        live=GeneratorConfig(seed=3, members=40, weeks=1, messages_per_week=600, thread_share=0.0),
        live_messages=400,
        paced_messages=200,
        runs=1,
        big_runs=1,
        growth=False,
    )


def _fmt_rate(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.0f} msgs/s"


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def ingest_rows(sizes: Sizes, log: Callable[[str], None]) -> tuple[list[Row], dict[str, Any]]:
    big_dir, big_files = dataset(sizes.big)
    work = cache_dir() / "work"
    log(f"analyze: {message_count(big_dir):,} messages in {len(big_files)} files")
    big = bench_analyze.measure(big_files, message_count(big_dir), work, sizes.big_runs)
    small = bench_analyze.IngestResult(0)
    if sizes.growth:
        small_dir, small_files = dataset(sizes.small)
        log(f"analyze: {message_count(small_dir):,} messages (growth)")
        small = bench_analyze.measure(small_files, message_count(small_dir), work, sizes.small_runs)
    raw = {
        "big": {
            "messages": big.messages,
            "analyze_s": [r.seconds for r in big.analyze],
            "analyze_peak_mb": [r.peak_rss_mb for r in big.analyze],
            "analyze_cpu_s": [r.cpu_seconds for r in big.analyze],
            "floor_s": [r.seconds for r in big.floor],
            "floor_cpu_s": [r.cpu_seconds for r in big.floor],
            "floor_peak_mb": [r.peak_rss_mb for r in big.floor],
            "files": len(big_files),
        },
        "small": {
            "messages": small.messages,
            "analyze_s": [r.seconds for r in small.analyze],
            "analyze_cpu_s": [r.cpu_seconds for r in small.analyze],
            "floor_s": [r.seconds for r in small.floor],
            "floor_cpu_s": [r.cpu_seconds for r in small.floor],
        },
    }
    label = f"`analyze` ingest, {big.messages:,} messages"
    floor_rate = big.rate(big.floor_seconds)
    if big.error:
        rows = [
            Row(
                label,
                "not available",
                _fmt_rate(floor_rate),
                target="≥ 0.5 of the floor",
                verdict="not measured",
                notes=[f"`analyze` failed: {big.error}"],
            )
        ]
        return rows, raw
    rate = big.rate(big.analyze_seconds)
    ratio = rate / floor_rate
    cpu_ratio = big.floor_cpu / big.analyze_cpu
    notes = [
        f"median of {len(big.analyze)} runs: analyze {big.analyze_seconds:.1f} s wall "
        f"({big.analyze_cpu:.1f} s CPU), floor {big.floor_seconds:.1f} s wall ({big.floor_cpu:.1f} s CPU)",
        f"ratio in CPU time (robust to a busy machine): {cpu_ratio:.2f}",
    ]
    if ratio < 0.5:
        notes.append(f"misses: needs {0.5 / ratio:.1f}× the throughput to reach 0.5")
    rows = [
        Row(
            label,
            _fmt_rate(rate),
            _fmt_rate(floor_rate),
            f"{ratio:.2f}",
            "≥ 0.5 of the floor",
            _verdict(ratio >= 0.5),
            notes=notes,
        ),
        Row(
            f"`analyze` peak memory, {big.messages:,} messages",
            f"{big.analyze_peak_mb:,.0f} MB",
            f"{big.floor_peak_mb:,.0f} MB (floor: whole files in memory)",
            "—",
            "< 600 MB",
            _verdict(big.analyze_peak_mb < 600),
        ),
    ]
    if sizes.growth and small.error is None:
        growth = big.analyze_seconds / small.analyze_seconds
        floor_growth = big.floor_seconds / small.floor_seconds
        rows.append(
            Row(
                f"growth: `analyze` {small.messages:,} → {big.messages:,} messages",
                f"{growth:.1f}×",
                f"{floor_growth:.1f}× (floor)",
                "—",
                "≤ 10.5×",
                _verdict(growth <= 10.5),
                notes=[
                    f"{small.analyze_seconds:.1f} s → {big.analyze_seconds:.1f} s wall; CPU "
                    f"{small.analyze_cpu:.1f} s → {big.analyze_cpu:.1f} s "
                    f"({big.analyze_cpu / small.analyze_cpu:.1f}×) for {big.messages / small.messages:.1f}× the messages",
                    *(
                        [f"misses: {growth:.1f}× against ≤ 10.5× ({growth / 10.5:.2f}× the target)"]
                        if growth > 10.5
                        else []
                    ),
                ],
            )
        )
    return rows, raw


def peer_rows(sizes: Sizes, log: Callable[[str], None]) -> tuple[list[Row], dict[str, Any]]:
    """`analyze` beside chat-analytics on the same export (`bench/peer_chat_analytics.py`)."""
    if not sizes.growth:  # --quick: no install from the network in a smoke test
        return [], {"skipped": "--quick"}
    folder, files = dataset(sizes.peer)
    messages = message_count(folder)
    what = f"`analyze` beside chat-analytics {peer.VERSION}, {messages:,} messages"
    try:
        command = peer.install()
    except peer.PeerMissing as exc:
        log(f"peer: {exc}")
        return [Row(what, "not measured", verdict="not measured", notes=[str(exc)])], {"error": str(exc)}
    log(f"peer: analyze and chat-analytics, {messages:,} messages in {len(files)} files")
    inputs = peer.inputs(files, folder.parent / f"{folder.name}-chat-analytics-inputs")
    work = cache_dir() / "work-peer"
    ours = bench_analyze.IngestResult(messages)
    theirs: list[ChildRun] = []
    for run in range(sizes.runs):  # alternated, so a noisy machine hits both alike
        theirs.append(peer.run_once(command, inputs, work))
        if run < sizes.peer_runs:  # a 200k `analyze` takes a minute: fewer runs keep the bench short
            ours.analyze.append(bench_analyze.analyze_once(files, work))
    raw = {
        "messages": messages,
        "files": len(files),
        "analyze_s": [r.seconds for r in ours.analyze],
        "analyze_peak_mb": [r.peak_rss_mb for r in ours.analyze],
        "chat_analytics_s": [r.seconds for r in theirs],
        "chat_analytics_peak_mb": [r.peak_rss_mb for r in theirs],
        "chat_analytics_returncodes": [r.returncode for r in theirs],
    }
    failed = next((r for r in theirs if r.returncode != 0), None)
    if ours.error or failed is not None:
        why = ours.error or f"chat-analytics failed: {(failed.stderr if failed else '').strip()[-300:]}"
        return [Row(what, "not available", verdict="not measured", notes=[why])], raw
    their_s = median([r.seconds for r in theirs])
    their_mb = max(r.peak_rss_mb for r in theirs)
    ratio = their_s / ours.analyze_seconds
    rows = [
        Row(
            f"`analyze` throughput beside chat-analytics {peer.VERSION}, {messages:,} messages ({len(files)} files)",
            _fmt_rate(ours.rate(ours.analyze_seconds)),
            f"{_fmt_rate(messages / their_s)} (chat-analytics)",
            f"{ratio:.2f}",
            "≥ 2× the peer",
            _verdict(ratio >= 2),
            notes=[
                f"alternated: analyze {ours.analyze_seconds:.1f} s (median of {len(ours.analyze)}), "
                f"chat-analytics {their_s:.1f} s (median of {len(theirs)}; `-p discord`, the "
                f"{sum(1 for _ in inputs.iterdir())} files holding messages)"
            ],
        ),
        Row(
            f"`analyze` peak memory beside chat-analytics, {messages:,} messages",
            f"{ours.analyze_peak_mb:,.0f} MB",
            f"{their_mb:,.0f} MB (chat-analytics)",
            f"{ours.analyze_peak_mb / their_mb:.2f}",
            "less than the peer",
            _verdict(ours.analyze_peak_mb < their_mb),
        ),
    ]
    shutil.rmtree(work, ignore_errors=True)
    return rows, raw


def live_rows(sizes: Sizes, log: Callable[[str], None]) -> tuple[list[Row], dict[str, Any]]:
    dataset(sizes.live)
    log("live path")
    try:
        raw = _live_in_child(sizes)
    except Exception as exc:
        note = "".join(traceback.format_exception_only(exc)).strip()[-400:]
        return [
            Row(
                "live path: `MESSAGE_CREATE` → listener → engine → writer",
                "not available",
                verdict="not measured",
                notes=[note],
            )
        ], {"error": note}
    hearth, floor = median(raw["hearth_rates"]), median(raw["floor_rates"])
    ratio = hearth / floor
    p99 = raw["hearth_p99_ms"]
    rows = [
        Row(
            f"live path throughput, {raw['messages']:,} payloads",
            _fmt_rate(hearth),
            _fmt_rate(floor),
            f"{ratio:.2f}",
            "≥ 0.5 of the floor",
            _verdict(ratio >= 0.5),
            notes=_live_throughput_notes(raw, sizes.runs),
        ),
        Row(
            f"live path p99 handling at 1,000 msgs/s ({raw['paced_messages']:,} payloads)",
            f"{p99:.2f} ms",
            f"{raw['floor_p99_ms']:.2f} ms (floor p99)",
            "—",
            "≤ 2 ms",
            _verdict(p99 <= 2),
            notes=[
                f"p50 {raw['hearth_p50_ms']:.2f} ms, max {raw['hearth_max_ms']:.1f} ms",
                "p99 of each paced run: Hearth "
                + ", ".join(f"{v:.1f}" for v in raw.get("hearth_p99s_ms", []))
                + " ms; floor "
                + ", ".join(f"{v:.1f}" for v in raw.get("floor_p99s_ms", []))
                + f" ms; load average before/after {raw.get('load_average')}",
            ],
        ),
    ]
    return rows, raw


def _live_in_child(sizes: Sizes) -> dict[str, Any]:
    """`bench/bench_live.py` in a process of its own: the bench's heap (the generated inputs)
    would otherwise lengthen the collector's pauses that the latency figures measure."""
    cmd = [PYTHON, "-m", "bench.bench_live", "--runs", str(sizes.runs)]
    cmd += ["--messages", str(sizes.live_messages), "--paced", str(sizes.paced_messages)]
    if not sizes.growth:
        cmd.append("--quick")
    child = run_child(cmd)
    if child.returncode != 0:
        raise RuntimeError(f"bench_live failed: {child.stderr.strip()[-400:]}")
    raw: dict[str, Any] = json.loads(child.stdout)
    return raw


def _live_throughput_notes(raw: dict[str, Any], runs: int) -> list[str]:
    notes = [f"median of {runs} runs"]
    cpu_hearth, cpu_floor = raw.get("hearth_cpu_rates"), raw.get("floor_cpu_rates")
    if cpu_hearth and cpu_floor:
        cpu_ratio = median(cpu_hearth) / median(cpu_floor)
        notes.append(
            f"in CPU time (robust to a busy machine): Hearth {_fmt_rate(median(cpu_hearth))}, "
            f"floor {_fmt_rate(median(cpu_floor))}, ratio {cpu_ratio:.2f}"
        )
    ratio = median(raw["hearth_rates"]) / median(raw["floor_rates"])
    if ratio < 0.5:
        notes.append(f"misses: needs {0.5 / ratio:.1f}× the throughput to reach 0.5")
    return notes


def _call_run(module_name: str, kwargs: dict[str, Any]) -> Any:
    """Call `bench/<module>.py: run()` with the keyword arguments it accepts."""
    module = importlib.import_module(f"bench.{module_name}")
    runner = module.run
    accepted = inspect.signature(runner).parameters
    return runner(**{key: value for key, value in kwargs.items() if key in accepted})


def _seconds(result: Any) -> float | None:
    if isinstance(result, dict):
        for key in report.SECONDS_KEYS:
            if isinstance(result.get(key), int | float):
                return float(result[key])
    return None


def helper_rows(
    module_name: str,
    what: str,
    target_s: float,
    kwargs: dict[str, Any],
    log: Callable[[str], None],
    growth_kwargs: dict[str, Any] | None = None,
) -> tuple[list[Row], Any]:
    """Rows from another area's benchmark (`bench/<module>.py: run()`), when it is there.

    With `growth_kwargs`, it runs a second time on the smaller input and adds the growth row.
    """
    if not (ROOT / "bench" / f"{module_name}.py").exists():
        missing = Row(
            what,
            "not available",
            target=f"< {target_s:g} s",
            verdict="not measured",
            notes=[f"`bench/{module_name}.py` is not there yet"],
        )
        return [missing], None
    log(what)
    try:
        result = _call_run(module_name, kwargs)
        small = _call_run(module_name, growth_kwargs) if growth_kwargs is not None else None
    except Exception as exc:
        note = "".join(traceback.format_exception_only(exc)).strip()[-400:]
        failed = Row(
            what,
            "not available",
            target=f"< {target_s:g} s",
            verdict="not measured",
            notes=[f"`bench/{module_name}.py` failed: {note}"],
        )
        return [failed], {"error": note}
    rows = report.rows_from_result(what, result, target_s)
    big_s, small_s = _seconds(result), _seconds(small)
    if growth_kwargs is not None and big_s is not None and small_s:
        growth = big_s / small_s
        label = ", ".join(f"{key}={value:,}" for key, value in growth_kwargs.items() if key != "repeats")
        rows.append(
            Row(
                f"growth: {what.split(',')[0]} ({label} → ten times the messages)",
                f"{growth:.1f}×",
                target="≤ 11×",
                verdict=_verdict(growth <= 11),
                notes=[f"{small_s:.2f} s → {big_s:.2f} s"],
            )
        )
    return rows, {"result": result, "growth_input": small}


def restraint_rows(quick: bool, log: Callable[[str], None]) -> tuple[list[Row], dict[str, Any]]:
    """How often Hearth speaks in the demo and in the annotated logs (`bench/bench_restraint.py`)."""
    log("restraint: the demo and the annotated logs replayed")
    try:
        result = bench_restraint.run(quick)
    except Exception as exc:
        note = "".join(traceback.format_exception_only(exc)).strip()[-400:]
        return [Row("restraint", "not available", verdict="not measured", notes=[note])], {"error": note}
    return bench_restraint.rows(result), result


def demo_rows(quick: bool, runs: int, log: Callable[[str], None]) -> tuple[list[Row], dict[str, Any]]:
    """How long `make run` and the demo's replay take (`bench/bench_demo.py`; not in --quick)."""
    if quick:
        return [], {"skipped": "--quick"}
    log("demo: make run, timed")
    try:
        result = bench_demo.run(runs)
    except Exception as exc:
        note = "".join(traceback.format_exception_only(exc)).strip()[-400:]
        return [Row("demo: make run", "not available", verdict="not measured", notes=[note])], {"error": note}
    return bench_demo.rows(result), result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one run (smoke test)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median); default 3")
    parser.add_argument("--big-runs", type=int, default=1, help="runs of the 1M-message analyze; default 1")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--profile", action="store_true", help="also profile analyze and the live path")
    args = parser.parse_args(argv)
    sizes = quick_sizes() if args.quick else full_sizes(args.runs, args.big_runs)
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", flush=True)

    rows: list[Row] = []
    raw: dict[str, Any] = {"machine": machine(), "quick": args.quick, "runs": args.runs}
    raw["big_runs"] = sizes.big_runs
    raw["load_start"] = os.getloadavg()[0]
    log("compiling bytecode for the measured children")
    raw["bytecode_warmup_seconds"] = round(warm_bytecode(), 1)
    part, raw["ingest"] = ingest_rows(sizes, log)
    rows += part
    part, raw["peer"] = peer_rows(sizes, log)
    rows += part
    part, raw["live"] = live_rows(sizes, log)
    rows += part
    digest_size = {"messages": 1_000_000, "members": 50_000, "repeats": args.runs}
    intros_size = {"n": 10_000, "repeats": 5}
    if args.quick:
        digest_size = {"messages": 4_000, "members": 400, "repeats": 1}
        intros_size = {"n": 300, "repeats": 1}
    digest_small = {**digest_size, "messages": digest_size["messages"] // 10} if sizes.growth else None
    digest_what = f"weekly digest, {digest_size['messages']:,} messages, {digest_size['members']:,} members"
    part, raw["digest"] = helper_rows("bench_digest", digest_what, 10.0, digest_size, log, digest_small)
    rows += part
    intros_what = f"introductions round, {intros_size['n']:,} opted-in members"
    part, raw["intros"] = helper_rows("bench_intros", intros_what, 2.0, intros_size, log)
    rows += part
    part, raw["restraint"] = restraint_rows(args.quick, log)
    rows += part
    part, raw["demo"] = demo_rows(args.quick, args.runs, log)
    rows += part
    raw["measure_seconds"] = round(time.perf_counter() - started, 1)  # what `make bench` takes
    profiles: dict[str, str] = {}
    if args.profile:
        from bench import profiling

        log("profiling")
        profiles = profiling.profile_all(sizes)
    raw["seconds"] = round(time.perf_counter() - started, 1)
    raw["load_end"] = os.getloadavg()[0]
    raw["finished_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    args.out.write_text(report.render(rows, raw, profiles, quick=args.quick), encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps({**raw, "rows": [r.to_record() for r in rows]}, indent=1, default=str)
        )
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
