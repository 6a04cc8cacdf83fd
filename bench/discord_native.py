"""Discord-native accuracy: a generated community replayed through `analyze`, scored against
what the generator meant.

usage: python -m bench.discord_native [--seed S] [--members N] [--weeks W] [--messages M] [--keep DIR] [--json]

The sample generator (`bot.sample.generator`) writes DiscordChatExporter exports with the
signals IRC lacks: reply references, threads, forum posts, mentions and reactions. A
`TruthGenerator` runs the same generator with the same seed (so the same messages, byte for
byte) and keeps what it knows while generating: every posted message object, which episode
it belongs to (a question and its answers, a forum post, a chat), who asked, who answered.

Two kinds of figures:

- **explicit**: every reply reference, thread reply, forum-post answer, mention and
  reaction must come out of `python -m bot analyze`'s path as exactly one interaction of
  the right kind between the right members (and, for replies, threads and reactions, the
  right target message). Precision and recall must both be 1.0.
- **inferred** (reported, not required): in question and forum episodes, an answer with no
  explicit signal ("plain" answers, "+1 to that", an asker's thanks that names nobody) is
  meant for the asker (or, from the asker, for the last helper); and the state of each
  generated question (open, answered, resolved) with its first response.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.accuracy import build_report
from bot.conversation.clock import FakeClock
from bot.conversation.engine import Engine
from bot.conversation.facts import Fact
from bot.sample import phrases as P
from bot.sample.community import Channel
from bot.sample.episodes import Episodes, Posted
from bot.sample.generator import CommunityGenerator, GeneratorConfig, write_community
from bot.sources.exports import ExportReader, merged_events

EXPLICIT_KINDS = ("reply", "thread", "mention", "reaction")
CHAT_TYPES = ("Default", "Reply")
SMALL = GeneratorConfig(seed=31, members=24, weeks=1, messages_per_week=420)
_PROBLEMS = tuple(problem for topic in P.TOPICS for problem in topic.problems)
Link = tuple[int, int, int, str, int | None]  # message, source member, target member, kind, target message


@dataclass(frozen=True, slots=True)
class QuestionTruth:
    message_id: int
    asker_id: int
    status: str  # open, answered or resolved, as the generator played it out
    first_response_id: int | None
    forum: bool


@dataclass
class Truth:
    message_ids: set[int] = field(default_factory=set)  # chat messages (joins and thread notices excluded)
    explicit: set[Link] = field(default_factory=set)
    intended: dict[int, int | None] = field(default_factory=dict)  # message -> member it answers (None: nobody)
    questions: list[QuestionTruth] = field(default_factory=list)


class TruthGenerator(CommunityGenerator):
    """The sample generator, unchanged, keeping each message object and its episode."""

    def __init__(self, config: GeneratorConfig) -> None:
        super().__init__(config)
        self.posted: list[Posted] = []
        self.episodes: list[list[Posted]] = []

    def _episode(self, episodes: Episodes, day_start: datetime) -> None:
        before = len(episodes.out)
        super()._episode(episodes, day_start)
        if len(episodes.out) > before:
            self.episodes.append(list(episodes.out[before:]))

    def _emit(self, posted: Posted) -> tuple[Channel, dict[str, Any]]:
        self.posted.append(posted)
        return super()._emit(posted)



def _is_chat(p: Posted) -> bool:
    return p.data["type"] in CHAT_TYPES


def _explicit_links(posted: list[Posted]) -> set[Link]:
    """What a careful reader of the exports must find: the generator's own reply targets,
    thread owners, mentions and reactions."""
    by_id = {p.id: p for p in posted}
    bots = {p.author.id for p in posted if p.author.bot}
    first_in: dict[int, int] = {}
    for p in posted:
        if p.channel.is_thread and _is_chat(p):
            first_in[p.channel.id] = min(first_in.get(p.channel.id, p.id), p.id)
    links: set[Link] = set()
    for p in posted:
        if not _is_chat(p):
            continue
        author = p.author
        if not author.bot:
            targets: set[int] = set()
            ref = (p.data.get("reference") or {}).get("messageId")
            replied = by_id.get(int(ref)) if ref else None
            if replied is not None and replied.author.id != author.id and not replied.author.bot:
                links.add((p.id, author.id, replied.author.id, "reply", replied.id))
                targets.add(replied.author.id)
            mentioned = [int(m["id"]) for m in p.data["mentions"]]
            owner = p.channel.owner_id
            if (
                p.channel.is_thread
                and owner is not None
                and owner != author.id
                and replied is None
                and all(m == owner for m in mentioned)
            ):
                root = p.channel.id if p.channel.id in by_id else first_in[p.channel.id]
                links.add((p.id, author.id, owner, "thread", root))
                targets.add(owner)
            for member_id in dict.fromkeys(mentioned):
                if member_id != author.id and member_id not in targets and member_id not in bots:
                    links.add((p.id, author.id, member_id, "mention", None))
        for reaction in p.data["reactions"]:
            for user in reaction["users"]:
                uid = int(user["id"])
                if uid != author.id and not author.bot and not user["isBot"]:
                    links.add((p.id, uid, author.id, "reaction", p.id))
    return links


def _question_episode(episode: list[Posted]) -> bool:
    first = episode[0]
    if first.channel.role == "post":
        return True
    return first.data["type"] == "Default" and any(problem in first.data["content"] for problem in _PROBLEMS)


def _episode_truth(episode: list[Posted], explicit_ids: set[int], truth: Truth) -> None:
    """A question or forum episode: who each unaddressed line is meant for, and how it ended."""
    asked = episode[0]
    asker = asked.author.id
    helper: int | None = None
    first_response: int | None = None
    resolved = False
    for p in sorted(episode, key=lambda q: q.id):
        if not _is_chat(p) or p.author.bot:
            continue
        if p is not asked and p.id not in explicit_ids:
            if p.author.id != asker:
                truth.intended[p.id] = asker
            else:
                truth.intended[p.id] = helper  # the asker's follow-up or thanks goes to the one who answered
        if p.author.id != asker:
            helper = helper or p.author.id
            first_response = first_response or p.id
        elif helper is not None and any(p.data["content"] == t.format(name=n) for t in P.THANKS_TEMPLATES
                                        for n in _names(episode, helper)):
            resolved = True
        for reaction in p.data["reactions"]:
            if reaction["emoji"]["name"] == "✅" and any(int(u["id"]) == asker for u in reaction["users"]):
                resolved = resolved or p.author.id != asker
    status = "resolved" if resolved and first_response else "answered" if first_response else "open"
    truth.questions.append(QuestionTruth(asked.id, asker, status, first_response, asked.channel.role == "post"))


def _names(episode: list[Posted], member_id: int) -> tuple[str, ...]:
    for p in episode:
        if p.author.id == member_id:
            return (p.author.name, "@" + p.author.name)
    return ()


def build_truth(config: GeneratorConfig) -> Truth:
    """Everything the generator meant for `config`'s community (same seed, same messages)."""
    gen = TruthGenerator(config)
    for _ in gen.messages():
        pass
    truth = Truth()
    truth.message_ids = {p.id for p in gen.posted if _is_chat(p)}
    truth.explicit = _explicit_links(gen.posted)
    explicit_ids = {link[0] for link in truth.explicit if link[3] != "reaction"}
    for episode in gen.episodes:
        if _question_episode(episode):
            _episode_truth(episode, explicit_ids, truth)
    return truth


def _report_links(report: dict[str, Any]) -> Iterator[Link]:
    for row in report["interactions"]:
        target_mid = row["target_message_id"]
        yield (int(row["message_id"]), int(row["source_user_id"]), int(row["target_user_id"]), row["kind"],
               int(target_mid) if target_mid is not None else None)


def _pr(found: int, predicted: int, gold: int) -> dict[str, float]:
    p = found / predicted if predicted else 1.0
    r = found / gold if gold else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def score(truth: Truth, report: dict[str, Any]) -> dict[str, Any]:
    """Explicit signals exactly (kind, members and target message), inferred ones separately."""
    links = list(_report_links(report))
    explicit = [link for link in links if link[3] in EXPLICIT_KINDS]
    # A mention's target message is the engine's guess at what was meant: members and kind must match.
    def key(link: Link) -> Link:
        return (*link[:4], None) if link[3] == "mention" else link
    predicted = Counter(key(link) for link in explicit)
    gold = {key(link) for link in truth.explicit}
    hits = sum(1 for link in predicted if link in gold)
    out: dict[str, Any] = {
        "messages": len(truth.message_ids),
        "explicit": {"gold": len(gold), "reported": sum(predicted.values()), **_pr(hits, sum(predicted.values()), len(gold))},
        "explicit_by_kind": {},
    }
    for kind in EXPLICIT_KINDS:
        g = {link for link in gold if link[3] == kind}
        pk = Counter({link: n for link, n in predicted.items() if link[3] == kind})
        found = sum(1 for link in pk if link in g)
        out["explicit_by_kind"][kind] = {"gold": len(g), **_pr(found, sum(pk.values()), len(g))}
    out["explicit_errors"] = {
        "missed": sorted(str(link) for link in gold - set(predicted))[:10],
        "extra": sorted(str(link) for link in set(predicted) - gold)[:10],
        "duplicated": sorted(str(link) for link, n in predicted.items() if n > 1)[:10],
    }
    # Inferred: lines of question and forum episodes with no explicit signal.
    by_message: dict[int, set[int]] = {}
    for link in links:
        if link[3] == "inferred":
            by_message.setdefault(link[0], set()).add(link[2])
    meant = {mid: who for mid, who in truth.intended.items() if who is not None}
    inferred_hits = sum(1 for mid, who in meant.items() if who in by_message.get(mid, set()))
    inferred_pred = sum(len(by_message.get(mid, set())) for mid in truth.intended)
    out["inferred"] = {"gold": len(meant), "reported": inferred_pred, **_pr(inferred_hits, inferred_pred, len(meant))}
    reported_q = {int(q["message_id"]): q for q in report["questions"]}
    qs = truth.questions
    found_q = [q for q in qs if q.message_id in reported_q]
    answered = [q for q in found_q if q.status != "open"]
    out["questions"] = {
        "generated": len(qs),
        "detected": round(len(found_q) / len(qs), 4) if qs else 1.0,
        "open_vs_answered_accuracy": round(
            sum(1 for q in found_q if (reported_q[q.message_id]["status"] == "open") == (q.status == "open"))
            / len(found_q), 4) if found_q else 1.0,
        "status_accuracy": round(
            sum(1 for q in found_q if reported_q[q.message_id]["status"] == q.status) / len(found_q), 4
        ) if found_q else 1.0,
        "first_response_exact": round(
            sum(1 for q in answered
                if reported_q[q.message_id]["first_response_message_id"] == str(q.first_response_id))
            / len(answered), 4) if answered else 1.0,
        "other_questions_reported": len(set(reported_q) - {q.message_id for q in qs}),
    }
    return out


def engine_report(exports: list[Path]) -> dict[str, Any]:
    """The report of the exports replayed in memory: the export reader, the time-ordered merge
    and the Engine exactly as `analyze` uses them, without the database."""
    clock = FakeClock()
    engine = Engine(clock)
    facts: list[Fact] = []
    for event in merged_events([ExportReader(path) for path in exports]):
        when = getattr(event, "created_at", None) or getattr(event, "at", None)
        if when is not None:
            clock.set(when)
        facts.extend(engine.handle(event))
    facts.extend(engine.finish())
    return build_report(facts)


def analyze_report(exports: list[Path], work: Path) -> dict[str, Any]:
    """The report `python -m bot analyze EXPORTS --report R --db D` writes (SQLite under `work`)."""
    from bot.cli.analyze import analyze

    report_path = work / "report.json"
    db = work / "analyze.db"
    db.unlink(missing_ok=True)
    asyncio.run(analyze(exports, report_path, str(db), progress=False))
    report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8"))
    return report


def run(config: GeneratorConfig, work: Path, paths: tuple[str, ...] = ("engine", "analyze")) -> dict[str, Any]:
    """Generate `config`'s community under `work`, read it back through each path, and score it."""
    exports = write_community(config, work / "community")
    truth = build_truth(config)
    exported = {int(m["id"]) for path in exports
                for m in json.loads(path.read_text(encoding="utf-8"))["messages"] if m["type"] in CHAT_TYPES}
    if exported != truth.message_ids:
        raise RuntimeError("the truth generator did not reproduce the exported messages")
    results: dict[str, Any] = {}
    for path in paths:
        report = engine_report(exports) if path == "engine" else analyze_report(exports, work)
        results[path] = score(truth, report)
    return results


def _print(result: dict[str, Any]) -> None:
    e = result["explicit"]
    print(f"messages: {result['messages']}")
    print(f"explicit signals: {e['gold']} expected, {e['reported']} reported, "
          f"precision {e['precision']:.4f} recall {e['recall']:.4f}")
    for kind, row in result["explicit_by_kind"].items():
        print(f"  {kind:9s} {row['gold']:6d}  precision {row['precision']:.4f} recall {row['recall']:.4f}")
    for what, rows in result["explicit_errors"].items():
        for row in rows:
            print(f"  {what}: {row}")
    i = result["inferred"]
    print(f"inferred (question and forum episodes, unaddressed lines): {i['gold']} meant, {i['reported']} reported, "
          f"precision {i['precision']:.4f} recall {i['recall']:.4f} f1 {i['f1']:.4f}")
    q = result["questions"]
    print(f"questions: {q['generated']} generated, detected {q['detected']:.4f}, open-vs-answered "
          f"{q['open_vs_answered_accuracy']:.4f}, status {q['status_accuracy']:.4f}, first response exact "
          f"{q['first_response_exact']:.4f}, {q['other_questions_reported']} other messages reported as questions")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--members", type=int, default=80)
    parser.add_argument("--weeks", type=int, default=2)
    parser.add_argument("--messages", type=int, default=None, help="total messages (default: 1000 a week)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the exports, database and report here")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--path", choices=("engine", "analyze", "both"), default="both",
                        help="in-memory replay, the analyze command (with its database), or both")
    args = parser.parse_args(argv)
    total = args.messages if args.messages is not None else 1000 * args.weeks
    config = GeneratorConfig(seed=args.seed, members=args.members, weeks=args.weeks,
                             messages_per_week=max(1, round(total / args.weeks)))
    paths = ("engine", "analyze") if args.path == "both" else (args.path,)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = run(config, work, paths)
    if args.json:
        print(json.dumps(results, indent=1))
    ok = True
    for path, result in results.items():
        if not args.json:
            print(f"== {path}")
            _print(result)
        e = result["explicit"]
        ok = ok and e["precision"] == 1.0 and e["recall"] == 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
