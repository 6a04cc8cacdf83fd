"""How often Hearth speaks, replayed: the demo community, and each shared annotated log with
every member opted in as a helper. Part of `make bench`; alone:

    .venv/bin/python -m bench.bench_restraint [--quick]

Each replay is `python -m bot demo`'s own (`bot.cli.demo.demo`), and the figures are
`bot.cli.restraint`'s: bot posts (new messages, not edits) per 100 member messages, the
busiest day, pings per member per week, nudges and checks for questions already answered when
sent, and (in the demo) whether every introduction shares an interest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/bench_restraint.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Row, dataset
from bot.cli.demo import DemoResult, demo
from bot.cli.restraint import Restraint, restraint
from bot.sample.generator import GeneratorConfig

DEV_LOGS = ROOT.parent / "shared" / "benchmarks" / "ubuntu-irc-dev"
MAX_PER_100 = 3.0
MAX_PER_DAY = 10
MAX_PINGS_PER_WEEK = 3


def _figures(result: DemoResult) -> Restraint:
    return restraint(result.records, result.messages, target_minutes=result.target_minutes)


QUICK_COMMUNITY = GeneratorConfig(seed=4, members=20, weeks=1, messages_per_week=300, thread_share=0.2)


def run(quick: bool = False) -> dict[str, Any]:
    """The figures of the demo (`quick`: a tiny generated community instead) and of each
    annotated dev log (`quick`: one)."""
    started = time.perf_counter()
    if quick:
        folder, files = dataset(QUICK_COMMUNITY)
        sample = asyncio.run(demo(files, folder / "community.json"))
    else:
        sample = asyncio.run(demo(None, None))
    figures = _figures(sample)
    intros = [r for r in sample.records if r["kind"] == "intro"]
    out: dict[str, Any] = {
        "demo": {
            **figures.as_dict(),
            "replay_seconds": round(sample.seconds, 1),
            "introductions": len(intros),
            "introductions_sharing_an_interest": sum(1 for r in intros if r.get("shared_interests")),
        },
        "logs": {},
    }
    logs = sorted(DEV_LOGS.glob("*.export.json"))[: 1 if quick else None]
    for path in logs:
        replay = asyncio.run(demo([path], None, assume_opt_in=True))
        out["logs"][path.name.removesuffix(".export.json")] = {
            **_figures(replay).as_dict(),
            "replay_seconds": round(replay.seconds, 1),
        }
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def rows(result: dict[str, Any]) -> list[Row]:
    d = result["demo"]
    logs: dict[str, dict[str, Any]] = result["logs"]
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(d["posts_by_kind"].items(), key=lambda kv: -kv[1]))
    out = [
        Row(
            f"demo: bot posts per 100 member messages ({d['member_messages']:,} messages, {d['days']} days)",
            f"{d['posts_per_100_member_messages']:.2f}",
            target=f"≤ {MAX_PER_100:g}",
            verdict=_verdict(d["posts_per_100_member_messages"] <= MAX_PER_100),
            notes=[
                f"{d['posts']} posts: {kinds}; {d['board_entries']} questions went on the open-questions "
                "board (edits of one message)",
            ],
        ),
        Row(
            "demo: bot posts on the busiest day",
            str(d["busiest_day_posts"]),
            target=f"≤ {MAX_PER_DAY}",
            verdict=_verdict(d["busiest_day_posts"] <= MAX_PER_DAY),
        ),
        Row(
            "demo: pings per member per week (max, p95)",
            f"{d['pings_per_member_week_max']}, {d['pings_per_member_week_p95']}",
            target=f"max ≤ {MAX_PINGS_PER_WEEK}",
            verdict=_verdict(d["pings_per_member_week_max"] <= MAX_PINGS_PER_WEEK),
        ),
        Row(
            "demo: nudges and checks for questions already answered when sent",
            str(d["nudges_for_questions_already_answered"] + d["checks_for_questions_already_answered"]),
            target="0",
            verdict=_verdict(
                d["nudges_for_questions_already_answered"] + d["checks_for_questions_already_answered"] == 0
            ),
            notes=[
                f"{d['nudges']} nudges; {d['nudges_answered_within_target_anyway']} answered within the "
                "response target after it by someone not invited",
                "as read at the end of the replay",
            ],
        ),
        Row(
            "demo: introductions sharing an interest",
            f"{d['introductions_sharing_an_interest']} of {d['introductions']}",
            target="all",
            verdict=_verdict(d["introductions_sharing_an_interest"] == d["introductions"]),
        ),
        Row(
            "demo: questions with a first response",
            f"{d['questions_with_a_first_response']} of {d['questions']}",
            target="does not fall",
            verdict="—",
            notes=[
                "the replay's answers come from the export, so nudges cannot change this share in a "
                "replay; it is shown so that a reading change that lowers it is seen"
            ],
        ),
    ]
    if logs:
        worst_100 = max(f["posts_per_100_member_messages"] for f in logs.values())
        worst_pings = max(f["pings_per_member_week_max"] for f in logs.values())
        answered = sum(
            f["nudges_for_questions_already_answered"] + f["checks_for_questions_already_answered"]
            for f in logs.values()
        )
        messages = sum(f["member_messages"] for f in logs.values())
        posts = sum(f["posts"] for f in logs.values())
        nudges = sum(f["nudges"] for f in logs.values())
        out += [
            Row(
                f"{len(logs)} annotated logs, every member a helper: bot posts per 100 member messages (worst log)",
                f"{worst_100:.2f}",
                target=f"≤ {MAX_PER_100:g}",
                verdict=_verdict(worst_100 <= MAX_PER_100),
                notes=[f"{posts} posts ({nudges} nudges) over {messages:,} messages in all"],
            ),
            Row(
                "annotated logs: pings per member per week (worst log's max)",
                str(worst_pings),
                target=f"≤ {MAX_PINGS_PER_WEEK}",
                verdict=_verdict(worst_pings <= MAX_PINGS_PER_WEEK),
            ),
            Row(
                "annotated logs: nudges and checks for questions already answered when sent",
                str(answered),
                target="0",
                verdict=_verdict(answered == 0),
                notes=["as read at the end of each replay"],
            ),
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_restraint", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny community and one log")
    args = parser.parse_args(argv)
    result = run(args.quick)
    for row in rows(result):
        print(f"{row.what}: {row.value} (target {row.target}: {row.verdict})")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
