"""Run the shipped message-link model over annotated exports and score it with the benchmark's scorer.

usage: python -m bench.eval_reply_model [--data DIR] [--keep DIR] [--members-only] [--busy RATE]

For every `*.export.json(.gz)` in DIR (default: the dev logs) a `reply_model.ReplyReader`
reads the messages in order; each message whose chosen parent exists becomes an interaction
(kind "inferred", target = the parent's author and message). With `--members-only` only links
to another human's message are written (the member-to-member interactions a digest counts);
by default links to one's own earlier line and to bots are written too, so that score.py's
graph_link_f1 sees the whole reading (reply and pair figures ignore those links anyway).
Prints graph_link_f1, reply_target_f1 and member_pair_f1 overall, reply_target_f1 per log,
the same figures for quiet and busy moments (messages per minute over the previous ten
minutes, below or above `--busy`), and the model's cost in microseconds per message.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

from bench.fit_reply_model import SCORER, log_pairs, raw_lines, read_json
from bot.conversation.reply_model import ReplyModel, ReplyReader, shipped_model

DEV = Path("/work/shared/benchmarks/ubuntu-irc-dev")
KEYS = ("graph_link_f1", "reply_target_f1", "member_pair_f1")
RATE_WINDOW = 600.0  # seconds looked back for the activity rate


def read_log(model: ReplyModel, lines: list[tuple[Any, ...]], members_only: bool,
             ) -> tuple[dict[str, Any], list[int]]:
    """The report for one log and the cost of each message in nanoseconds."""
    reader = ReplyReader(model)
    author_of: dict[int, int] = {}
    bots: set[int] = set()
    interactions = []
    costs = []
    clock = time.perf_counter_ns
    for mid, author, ts, text, mentions, name, bot in lines:
        start = clock()
        d = reader.read(reader.line(mid, author, ts, text, mentions, name, bot))
        costs.append(clock() - start)
        author_of[mid] = author
        if bot:
            bots.add(author)
        if d.parent_id is None or d.parent_author_id is None:
            continue
        if members_only and (d.parent_author_id == author or bot or d.parent_author_id in bots):
            continue
        interactions.append({
            "message_id": str(mid), "source_user_id": str(author),
            "target_user_id": str(d.parent_author_id), "target_message_id": str(d.parent_id),
            "kind": "inferred", "at": str(ts),
        })
    return {"schema": "community-analysis/1", "questions": [], "interactions": interactions}, costs


def score(pairs: list[tuple[Path, Path]]) -> dict[str, float]:
    args = [sys.executable, str(SCORER)]
    for gold, report in pairs:
        args += [str(gold), str(report)]
    out = subprocess.run([*args, "--json"], capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def split_gold(gold: dict[str, Any], lines: list[tuple[Any, ...]], busy: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """The gold file twice: annotated messages of quiet moments only, and of busy ones."""
    times = [ln[2] for ln in lines]
    rate = {}
    for i, ln in enumerate(lines):
        j = bisect_left(times, ln[2] - RATE_WINDOW, 0, i)
        rate[str(ln[0])] = (i - j) / (RATE_WINDOW / 60.0)
    ann = gold["annotated_message_ids"]
    quiet = dict(gold, annotated_message_ids=[m for m in ann if rate.get(m, 0.0) < busy])
    loud = dict(gold, annotated_message_ids=[m for m in ann if rate.get(m, 0.0) >= busy])
    return quiet, loud


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEV)
    ap.add_argument("--keep", type=Path, default=None, help="write the reports here")
    ap.add_argument("--members-only", action="store_true")
    ap.add_argument("--busy", type=float, default=2.0, help="messages per minute from which a moment is busy")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    model = shipped_model()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        pairs: list[tuple[Path, Path]] = []
        quiet_pairs: list[tuple[Path, Path]] = []
        busy_pairs: list[tuple[Path, Path]] = []
        per_log: dict[str, dict[str, float]] = {}
        costs: list[int] = []
        n_quiet = n_busy = 0
        for name, export, gold_path in log_pairs(args.data):
            lines = raw_lines(read_json(export))
            report, c = read_log(model, lines, args.members_only)
            costs += c
            rp = out / f"{name}.reply_model.report.json"
            rp.write_text(json.dumps(report), encoding="utf-8")
            gold = read_json(gold_path)
            gp = Path(tmp) / f"{name}.gold.json"
            gp.write_text(json.dumps(gold), encoding="utf-8")
            pairs.append((gp, rp))
            per_log[name] = score([(gp, rp)])
            quiet, loud = split_gold(gold, lines, args.busy)
            n_quiet += len(quiet["annotated_message_ids"])
            n_busy += len(loud["annotated_message_ids"])
            for part, bucket, tag in ((quiet, quiet_pairs, "quiet"), (loud, busy_pairs, "busy")):
                if part["annotated_message_ids"]:
                    p = Path(tmp) / f"{name}.{tag}.gold.json"
                    p.write_text(json.dumps(part), encoding="utf-8")
                    bucket.append((p, rp))
        overall = score(pairs)
        quiet_s = score(quiet_pairs) if quiet_pairs else {}
        busy_s = score(busy_pairs) if busy_pairs else {}
    us = [c / 1000.0 for c in costs]
    reply = [r["reply_target_f1"] for r in per_log.values()]
    mean = statistics.fmean(reply)
    summary = {
        **{k: overall[k] for k in KEYS},
        "per_log_reply_target_f1": {k: v["reply_target_f1"] for k, v in per_log.items()},
        "per_log_max_deviation": max(abs(r - mean) for r in reply),
        "quiet": {**{k: quiet_s.get(k, 0.0) for k in KEYS}, "annotated": n_quiet},
        "busy": {**{k: busy_s.get(k, 0.0) for k in KEYS}, "annotated": n_busy},
        "messages": len(us),
        "us_per_message_median": statistics.median(us),
        "us_per_message_mean": statistics.fmean(us),
    }
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(" ".join(f"{k}={overall[k]:.3f}" for k in KEYS))
    for name, r in per_log.items():
        print(f"  {name:28s} reply_target_f1={r['reply_target_f1']:.3f} graph_link_f1={r['graph_link_f1']:.3f}")
    print(f"per-log reply_target_f1: mean {mean:.3f}, largest deviation {summary['per_log_max_deviation']:.3f}")
    for tag, s, n in (("quiet", quiet_s, n_quiet), ("busy", busy_s, n_busy)):
        print(f"{tag} (< or >= {args.busy}/min, {n} annotated): "
              + " ".join(f"{k}={s.get(k, 0.0):.3f}" for k in KEYS))
    print(f"{len(us)} messages: {summary['us_per_message_median']:.1f} us median, "
          f"{summary['us_per_message_mean']:.1f} us mean per message")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
