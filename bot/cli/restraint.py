"""How often Hearth spoke in a replay: posts per 100 member messages by kind, the busiest day,
pings per member per week, and nudges that were not needed. `demo` prints it; `make bench`
checks it against the targets.

Counted from the replay's action records. A post is a new message (a nudge, a "still need
help?", an introduction, a digest); edits are not posts: the open-questions board is one
message per help-wanted channel, edited as questions join and leave it. An introduction's
follow-up posts nothing (its buttons came with it), nor does pausing a member's introductions.
A ping is a member mentioned in a post meant for them (nudged helpers, the asker of a check,
the introduced members).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.plural import plural

POST_KINDS: dict[str, tuple[str, str]] = {
    "nudge": ("helper nudge", "helper nudges"),
    "still_needed": ("'still need help?' check", "'still need help?' checks"),
    "intro": ("introduction", "introductions"),
    "digest": ("weekly digest", "weekly digests"),
    "board": ("open-questions board", "open-questions boards"),
}
PINGING_KINDS = ("nudge", "still_needed", "intro")


@dataclass(frozen=True, slots=True)
class Restraint:
    member_messages: int
    posts_by_kind: Mapping[str, int]
    busiest_day: int  # posts on the day with the most
    days: int  # days the replay covered
    board_entries: int  # questions put on a board (edits, not posts)
    pings_max: int  # the most pings one member got in one ISO week
    pings_p95: int  # 95th percentile over member-weeks with a ping
    nudges: int
    nudges_already_answered: int  # the question had a first response before the nudge went out
    nudges_answered_anyway: int  # answered within the target after it, by nobody it invited
    checks_already_answered: int
    questions: int
    questions_answered: int  # with a first response by the end
    by_member_week: Mapping[tuple[int, str], int] = field(default_factory=dict)

    @property
    def posts(self) -> int:
        return sum(self.posts_by_kind.values())

    @property
    def per_100(self) -> float:
        return 100 * self.posts / self.member_messages if self.member_messages else 0.0

    def kind_per_100(self, kind: str) -> float:
        return 100 * self.posts_by_kind.get(kind, 0) / self.member_messages if self.member_messages else 0.0

    @property
    def answered_share(self) -> float:
        return self.questions_answered / self.questions if self.questions else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "member_messages": self.member_messages,
            "posts": self.posts,
            "posts_per_100_member_messages": round(self.per_100, 2),
            "posts_by_kind": dict(self.posts_by_kind),
            "busiest_day_posts": self.busiest_day,
            "days": self.days,
            "board_entries": self.board_entries,
            "pings_per_member_week_max": self.pings_max,
            "pings_per_member_week_p95": self.pings_p95,
            "nudges": self.nudges,
            "nudges_for_questions_already_answered": self.nudges_already_answered,
            "nudges_answered_within_target_anyway": self.nudges_answered_anyway,
            "checks_for_questions_already_answered": self.checks_already_answered,
            "questions": self.questions,
            "questions_with_a_first_response": self.questions_answered,
        }

    def lines(self) -> list[str]:
        kinds = ", ".join(
            plural(n, *POST_KINDS[kind]) for kind, n in sorted(self.posts_by_kind.items(), key=lambda kv: -kv[1]) if n
        )
        return [
            f"  {self.per_100:.1f} posts per 100 member messages ({plural(self.posts, 'post')}"
            + (f": {kinds}" if kinds else "")
            + f"); the busiest day had {plural(self.busiest_day, 'post')}",
            f"  {plural(self.board_entries, 'question')} went on the open-questions board "
            "(edits of one message, nobody pinged); introduction follow-ups post nothing",
            f"  pings per member per week: at most {self.pings_max}, 95th percentile {self.pings_p95}",
            f"  {plural(self.nudges, 'nudge')}: {self.nudges_already_answered} for a question already answered "
            f"when sent, {self.nudges_answered_anyway} answered within the target anyway by someone not invited",
        ]


def _at(record: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(record["at"]))


def _week(at: datetime) -> str:
    iso = at.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def percentile(values: Sequence[int], share: float) -> int:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def restraint(
    records: Iterable[Mapping[str, Any]], member_messages: int, *, target_minutes: int = 30
) -> Restraint:
    """The figures of one replay (`records`: its actions and its "question" records)."""
    actions: list[Mapping[str, Any]] = []
    questions: dict[str, Mapping[str, Any]] = {}
    for record in records:
        if record["kind"] == "question":
            if record.get("question_message_id") is not None:
                questions[str(record["question_message_id"])] = record
        else:
            actions.append(record)
    posts: Counter[str] = Counter()
    per_day: Counter[date] = Counter()
    boards: set[str] = set()
    board_entries = 0
    pings: Counter[tuple[int, str]] = Counter()
    first: datetime | None = None
    last: datetime | None = None
    for action in actions:
        kind, at = str(action["kind"]), _at(action)
        first = at if first is None or at < first else first
        last = at if last is None or at > last else last
        if kind == "help_wanted":
            board_entries += 1
            channel = str(action.get("channel_id"))
            if channel not in boards:  # the board's first post; every later entry is an edit
                boards.add(channel)
                posts["board"] += 1
                per_day[at.date()] += 1
            continue
        if kind not in POST_KINDS:
            continue
        posts[kind] += 1
        per_day[at.date()] += 1
        if kind in PINGING_KINDS:
            for target in action.get("targets") or ():
                pings[(int(target), _week(at))] += 1
    target = timedelta(minutes=target_minutes)
    nudges = [a for a in actions if a["kind"] == "nudge"]
    already = anyway = 0
    for nudge in nudges:
        question = questions.get(str(nudge.get("question_message_id")))
        answered_at = question.get("first_response_at") if question else None
        if not answered_at:
            continue
        answered = datetime.fromisoformat(str(answered_at))
        sent = _at(nudge)
        if answered <= sent:
            already += 1
            continue
        invited = {str(t) for t in nudge.get("targets") or ()}
        responders = {str(r) for r in (question or {}).get("responder_ids") or ()}
        if answered - sent <= target and not invited & responders:
            anyway += 1
    checks_answered = 0
    for check in (a for a in actions if a["kind"] == "still_needed"):
        question = questions.get(str(check.get("question_message_id")))
        answered_at = question.get("first_response_at") if question else None
        if answered_at and datetime.fromisoformat(str(answered_at)) <= _at(check):
            checks_answered += 1
    days = (last.date() - first.date()).days + 1 if first and last else 0
    return Restraint(
        member_messages=member_messages,
        posts_by_kind=dict(posts),
        busiest_day=max(per_day.values(), default=0),
        days=days,
        board_entries=board_entries,
        pings_max=max(pings.values(), default=0),
        pings_p95=percentile(list(pings.values()), 0.95),
        nudges=len(nudges),
        nudges_already_answered=already,
        nudges_answered_anyway=anyway,
        checks_already_answered=checks_answered,
        questions=len(questions),
        questions_answered=sum(1 for q in questions.values() if q.get("first_response_at")),
        by_member_week=dict(pings),
    )
