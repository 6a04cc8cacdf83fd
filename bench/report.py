"""BENCHMARKS.md: the machine, each figure beside its floor, the ratio, the target, the profile."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import Row

ANALYSIS = Path(__file__).with_name("analysis.md")
SECONDS_KEYS = ("seconds", "median_seconds", "elapsed_s", "time_s", "median_s")
PEAK_KEYS = ("peak_mb", "peak_rss_mb", "memory_mb", "rss_mb")


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = item.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def rows_from_result(what: str, result: Any, target_s: float) -> list[Row]:
    """Rows from another benchmark's `run()` result: a dict (or list of dicts) with seconds/peak."""
    items = result if isinstance(result, list) else [result]
    rows: list[Row] = []
    for item in items:
        if isinstance(item, Row):
            rows.append(item)
            continue
        if not isinstance(item, dict):
            rows.append(Row(what, str(item)[:200]))
            continue
        label = str(item.get("what", what))
        seconds = _first(item, SECONDS_KEYS)
        peak = _first(item, PEAK_KEYS)
        limit = float(item.get("target_seconds", target_s))
        value = (
            " / ".join(
                part
                for part in (
                    f"{seconds:.2f} s" if seconds is not None else "",
                    f"{peak:,.0f} MB peak" if peak is not None else "",
                )
                if part
            )
            or "see notes"
        )
        target = f"< {limit:g} s" + (", < 1024 MB" if peak is not None else "")
        verdict = "—"
        if seconds is not None:
            ok = seconds < limit and (peak is None or peak < 1024)
            verdict = "meets" if ok else "misses"
        used = {"what", "name", "ok", "target", "target_seconds", "growth", *SECONDS_KEYS, *PEAK_KEYS}
        notes = [f"{key}: {value}" for key, value in item.items() if key not in used]
        rows.append(Row(label, value, target=target, verdict=verdict, notes=notes[:8]))
        growth = item.get("growth")
        if isinstance(growth, int | float):
            rows.append(
                Row(
                    f"growth: {label}",
                    f"{growth:.1f}×",
                    target="≤ 11×",
                    verdict="meets" if growth <= 11 else "misses",
                )
            )
    return rows


def _conditions(raw: dict[str, Any]) -> list[str]:
    """How many runs, and how busy the machine was (a one-minute load above the core count
    means other work competed for the CPU, which moves wall times but less the ratios)."""
    parts = []
    if "runs" in raw:
        parts.append(
            f"{raw['runs']} runs per figure, {raw.get('big_runs', raw['runs'])} of the 1M-message `analyze`"
        )
    if "load_start" in raw and "load_end" in raw:
        parts.append(
            f"load average {raw['load_start']:.1f} at the start and {raw['load_end']:.1f} at the end"
        )
    return [f"Conditions: {'; '.join(parts)}.", ""] if parts else []


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(rows: list[Row], raw: dict[str, Any], profiles: dict[str, str], *, quick: bool) -> str:
    machine = raw["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Reproduce with `make bench` (`python -m bench.run`). Every figure is the median of several",
        "runs and sits beside its floor, measured in the same run on the same machine, so the ratio",
        "holds on a noisy machine even when the absolute numbers move.",
        "",
    ]
    if quick:
        lines += ["**Quick smoke run on tiny inputs: these figures say nothing about performance.**", ""]
    lines += [
        f"Measured {raw.get('finished_at') or time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; the whole run took {raw['seconds']} s"
        + (
            f" ({raw['measure_seconds']} s without the profiles)."
            if raw.get("measure_seconds") != raw["seconds"] and raw.get("measure_seconds")
            else "."
        ),
        "",
        *_conditions(raw),
        "## Machine",
        "",
        "| cpu | cores | memory | os | python |",
        "| --- | --- | --- | --- | --- |",
        f"| {machine['cpu']} | {machine['cores']} | {machine['memory']} | {machine['os']} | {machine['python']} |",
        "",
        "## Results",
        "",
        "| what | Hearth | floor (same run) | ratio | target | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {_cell(row.what)} | {_cell(row.value)} | {_cell(row.floor)} | {_cell(row.ratio)} "
            f"| {_cell(row.target)} | {_cell(row.verdict)} |"
        )
    noted = [row for row in rows if row.notes]
    if noted:
        lines += ["", "Notes:", ""]
        for row in noted:
            lines.append(f"- {row.what}: " + "; ".join(_cell(note) for note in row.notes))
    lines += [
        "",
        "## How each figure is measured",
        "",
        "- **`analyze`**: `python -m bot analyze FILES --report R --db D` in a child process on a fresh",
        "  SQLite file, wall time including start-up, migration, validation, replay and report. Floor:",
        "  `python -m bench.floor_ingest` in a child process: stdlib `json.load` of the same files and",
        "  sqlite3 `executemany` of one row per message in one transaction (WAL). Peak memory is the",
        "  child's own maximum resident set (`os.wait4` rusage). Floor and `analyze` runs alternate.",
        "- **Peer**: chat-analytics (npm, installed by the bench into `$HEARTH_BENCH_CACHE`; the row",
        "  says so when npm is missing), `chat-analytics -p discord -i 'DIR/*.json' -o out.html` on the",
        "  same 200,000-message export as `analyze` (the files holding messages: it cannot parse an",
        "  empty one), alternating with `analyze` runs; wall time and the child's peak memory.",
        "- **Live path**: `MESSAGE_CREATE` payloads (built from a generated community) decoded with",
        "  discord.py's JSON decoder and handed to `ConnectionState.parse_message_create`. Floor: a",
        "  `discord.Client` whose `on_message` does nothing. Hearth: `HearthBot` with `cogs.listeners`",
        "  (command processing, `bot/sources/gateway.py`, `EventPipeline.handle`, the batched writer on a 0.5 s",
        "  timer into SQLite); the final flush is inside the time. Latency: payloads paced at 1,000/s,",
        "  from a message's arrival (or from when it was due, if the bot was still busy) until its",
        "  handlers are done; the writer's timer flushes run in between, as they would live.",
        "- **Digest** and **introductions**: `bench/bench_digest.py` and `bench/bench_intros.py`.",
        "- **Demo**: `bench/bench_demo.py` runs `make -s run` (no token: the demo) as a user would,",
        "  after one unmeasured run; the replay figure is the one the demo prints (its 4,282 messages",
        "  and its scheduled work, without setting up the database).",
        "- **Restraint**: `bench/bench_restraint.py` replays the demo community and each annotated",
        "  dev log (every member opted in as a helper) with `bot.cli.demo.demo` and counts with",
        "  `bot.cli.restraint`: posts are new messages (edits of the open-questions board are not).",
        "- Inputs come from `bot.sample` with fixed seeds and are cached in `$HEARTH_BENCH_CACHE`.",
        "- Children run with a bytecode cache (`PYTHONPYCACHEPREFIX` in the bench cache, compiled",
        "  once before timing), as any installed Python has: where `PYTHONDONTWRITEBYTECODE` is set",
        "  and the packages carry no `.pyc`, each start-up would compile ~1,100 modules (3.7 s CPU).",
        "",
        "## Where the time goes",
        "",
    ]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text(encoding="utf-8").strip(), ""]
    for name, text in profiles.items():
        lines += [f"### Profile: {name}", "", "```", text.rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"
