"""Accuracy benchmark: replay the annotated IRC exports through the Engine and score them.

usage: python -m bench.accuracy [--logs all|dev|held|NAME[,NAME...]] [--data DIR] [--keep DIR] [--json]
                                [--path engine|cli|both]

`--path engine` (default): each export is read into `MessageCreated` events, replayed through
the Engine under a FakeClock, and the facts are turned into an analysis report (schema
community-analysis/1) in memory. `--path cli`: the real command's code path,
`bot.cli.analyze.analyze` (export reader, pipeline, database in a temporary SQLite file,
report read back from the database), one log at a time. `--path both` runs both and says
whether the scores agree. The benchmark's own `score.py` scores the reports, over the chosen
logs and per log.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.conversation.clock import FakeClock
from bot.conversation.continuations import Continuations, Line
from bot.conversation.engine import Engine
from bot.conversation.events import MessageCreated
from bot.conversation.facts import Fact, InteractionFact, MessageFact, MessageGone, QuestionFact
from bot.sources.report import continuation, reported_status

DEFAULT_DATA = Path("/work/shared/benchmarks/ubuntu-irc-dev")
# Development logs (used to choose the rules) and held-out logs (checked only), spread over the years.
DEV_LOGS = ("2004-11-15_03", "2005-08-08_01", "2008-12-11_11", "2009-03-03_10", "2011-05-29_19", "2016-12-19_20")
HELD_LOGS = ("2005-06-27_12", "2009-02-23_10", "2009-10-01_17", "2011-11-13_02")
SUMMARY_KEYS = (
    "reply_target_f1",
    "member_pair_f1",
    "question_status_accuracy",
    "open_precision",
    "open_recall",
    "first_response_exact",
    "graph_link_f1",
)


def _read_text(path: Path) -> str:
    if not path.exists() and path.with_name(path.name + ".gz").exists():
        path = path.with_name(path.name + ".gz")
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def _plain_gold(data: Path, name: str, out_dir: Path) -> Path:
    """The gold file as plain JSON (the training logs ship gzip-compressed)."""
    gold = data / f"{name}.gold.json"
    if gold.exists():
        return gold
    plain = out_dir / f"{name}.gold.json"
    plain.write_text(_read_text(gold), encoding="utf-8")
    return plain


def read_export(path: Path) -> Iterator[MessageCreated]:
    """DiscordChatExporter JSON to events (only what the benchmark exports carry)."""
    data = json.loads(_read_text(path))
    guild_id = int(data["guild"]["id"])
    channel_id = int(data["channel"]["id"])
    authors: dict[str, int] = {}
    for m in data["messages"]:
        ref = m.get("reference") or {}
        ref_id = int(ref["messageId"]) if ref.get("messageId") else None
        author = m["author"]
        authors[m["id"]] = int(author["id"])
        yield MessageCreated(
            guild_id=guild_id,
            channel_id=channel_id,
            message_id=int(m["id"]),
            author_id=int(author["id"]),
            author_is_bot=bool(author.get("isBot")),
            created_at=datetime.fromisoformat(m["timestamp"]),
            content=m.get("content") or "",
            mentions=tuple(int(x["id"]) for x in m.get("mentions", [])),
            reference_message_id=ref_id,
            reference_author_id=authors.get(str(ref_id)) if ref_id is not None else None,
            author_name=author.get("nickname") or author.get("name"),
        )


def build_report(facts: list[Fact], joined: Continuations | None = None) -> dict[str, Any]:
    """The analysis report of a replay's facts, as `python -m bot analyze` writes it (with
    `joined`: continuations read with those settings, as `bench/fit_continuations.py` tries)."""
    questions: dict[int, QuestionFact] = {}
    interactions: list[InteractionFact] = []
    messages: dict[int, MessageFact] = {}
    gone: set[int] = set()
    for fact in facts:
        if isinstance(fact, QuestionFact):
            questions[fact.message_id] = fact
        elif isinstance(fact, InteractionFact):
            interactions.append(fact)
        elif isinstance(fact, MessageGone):
            gone.add(fact.message_id)
        elif isinstance(fact, MessageFact):
            messages.setdefault(fact.message_id, fact)
    responding = {i.message_id for i in interactions if i.target_message_id is not None and i.message_id not in gone}
    joined = joined or Continuations()
    continued = []
    for m in sorted(messages.values(), key=lambda m: (m.created_at, m.message_id)):
        if m.message_id in gone:
            continue
        line = Line(m.message_id, m.channel_id, m.author_id, m.created_at, m.is_bot, m.message_id in responding)
        parent = joined.continues(line)
        if parent is not None:
            continued.append(continuation(line, parent))
    return {
        "schema": "community-analysis/1",
        "questions": [
            {
                "message_id": str(q.message_id),
                "channel_id": str(q.channel_id),
                "asker_id": str(q.asker_id),
                "asked_at": q.asked_at.isoformat(),
                "status": reported_status(q.status, bool(q.responder_ids)),
                "first_response_message_id": str(q.first_response_message_id)
                if q.first_response_message_id is not None
                else None,
                "first_response_at": q.first_response_at.isoformat() if q.first_response_at else None,
                "responder_ids": [str(u) for u in q.responder_ids],
            }
            for q in questions.values()
            if q.message_id not in gone
        ],
        "interactions": [
            {
                "message_id": str(i.message_id),
                "source_user_id": str(i.source_user_id),
                "target_user_id": str(i.target_user_id),
                "target_message_id": str(i.target_message_id) if i.target_message_id is not None else None,
                "kind": i.kind,
                "at": i.at.isoformat(),
            }
            for i in interactions
            if i.message_id not in gone
        ]
        + continued,
    }


def replay(path: Path) -> tuple[list[Fact], int]:
    clock = FakeClock()
    engine = Engine(clock)
    facts: list[Fact] = []
    count = 0
    for event in read_export(path):
        clock.set(event.created_at)
        facts.extend(engine.handle(event))
        count += 1
    facts.extend(engine.finish())
    return facts, count


def cli_report(export: Path, report: Path, work: Path) -> None:
    """The report `python -m bot analyze EXPORT --report R --db D` writes, through the same code."""
    from bot.cli.analyze import analyze

    db = work / f"{export.name}.db"
    db.unlink(missing_ok=True)
    asyncio.run(analyze([export], report, str(db), progress=False))


def score(data: Path, pairs: list[tuple[Path, Path]]) -> dict[str, float]:
    args = [sys.executable, str(data.parent / "score.py")]
    for gold, report in pairs:
        args += [str(gold), str(report)]
    out = subprocess.run([*args, "--json"], capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def pick_logs(choice: str, data: Path = DEFAULT_DATA) -> tuple[str, ...]:
    if choice.startswith("first:"):  # the first N logs of --data (e.g. the training logs)
        found = sorted(p.name.split(".export.json")[0] for p in data.glob("*.export.json*"))
        return tuple(found[: int(choice.split(":", 1)[1])])
    if choice == "all":
        return DEV_LOGS + HELD_LOGS
    if choice == "dev":
        return DEV_LOGS
    if choice == "held":
        return HELD_LOGS
    return tuple(name.strip() for name in choice.split(",") if name.strip())


def line(name: str, result: dict[str, float]) -> str:
    return f"{name:16s} " + " ".join(f"{result[k]:.3f}" for k in SUMMARY_KEYS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", default="all", help="all, dev, held, or comma-separated log names")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, default=None, help="write the reports here instead of a temp dir")
    parser.add_argument("--json", action="store_true", help="print the overall scores as JSON")
    parser.add_argument("--path", choices=("engine", "cli", "both"), default="engine",
                        help="engine replay in memory, the real analyze command's path, or both")
    args = parser.parse_args(argv)
    names = pick_logs(args.logs, args.data)
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = ("engine", "cli") if args.path == "both" else (args.path,)
        results: dict[str, dict[str, float]] = {}
        for path in paths:
            pairs: list[tuple[Path, Path]] = []
            started = time.perf_counter()
            total = 0
            for name in names:
                export = args.data / f"{name}.export.json"
                report = out_dir / f"{name}.{path}.report.json"
                if path == "cli":
                    cli_report(export, report, Path(tmp))
                else:
                    facts, count = replay(export)
                    total += count
                    report.write_text(json.dumps(build_report(facts)), encoding="utf-8")
                pairs.append((_plain_gold(args.data, name, out_dir), report))
            elapsed = time.perf_counter() - started
            overall = results[path] = score(args.data, pairs)
            if args.json:
                print(json.dumps(overall, indent=1))
                continue
            if len(paths) > 1:
                print(f"== {path}")
            print(f"{'log':16s} " + " ".join(k[:12].rjust(5) for k in ("reply_f1", "pair_f1", "status", "open_p", "open_r", "first", "graph")))
            for name, pair in zip(names, pairs, strict=True):
                print(line(name, score(args.data, [pair])))
            print(line("ALL", overall))
            print(f"{path}: {len(names)} logs in {elapsed:.2f}s" + (f" ({total} messages replayed)" if total else ""))
        if len(results) == 2:
            same = all(abs(results["engine"][k] - results["cli"][k]) < 1e-9 for k in SUMMARY_KEYS)
            print("engine and cli paths agree" if same else "engine and cli paths DISAGREE")
            return 0 if same else 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
