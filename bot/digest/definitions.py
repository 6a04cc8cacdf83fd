"""Digest counts from raw rows: the reference definitions of every figure.

The database path (`bot.digest.store`) computes the same counts with SQL aggregation at
scale; this module computes them from plain rows, for tests, small servers and replays.

A "member" is a human account that is not staff or owner.
- interactions: responses between two different human accounts (staff included);
  member_interactions: those with no staff/owner on either side.
- a connection is an unordered pair of members; active if they interacted in the week, new
  if their first interaction ever was in the week.
- active members: members who posted, responded or asked in the week; connected: those of
  them with at least one active connection.
- questions count in the week they were asked (askers that are bots are ignored); answered by
  members: answered or resolved with a member other than the asker among the responders.
- target: a question is judged once its first response came within the target or the target
  time has passed (by `as_of`); the median first response is over questions with one.
- newcomers: members who joined in the week; replied: a member responded to them in the week.
- member answers: (question, responder) pairs with a member responder who is not the asker.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.conversation.safety import jump_url
from bot.digest.bridges import member_pair
from bot.digest.week_digest import (
    INPUT_WEEKS,
    ActivityStats,
    DigestSettings,
    OpenQuestion,
    WeekCounts,
    WeekInputs,
    WeekWindow,
    week_index,
    week_windows,
)


@dataclass(frozen=True, slots=True)
class PairCount:
    """`count` interactions from `source` to `target` during week `week` (0 = digest week)."""

    week: int
    source: int
    target: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class FirstContact:
    """The first interaction ever between two accounts (either direction)."""

    a: int
    b: int
    at: datetime


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    message_id: int
    channel_id: int
    asker_id: int
    asked_at: datetime
    status: str  # "open" | "answered" | "resolved"
    first_response_at: datetime | None = None
    responder_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Join:
    user_id: int
    at: datetime


def pair_counts_from(
    interactions: Sequence[tuple[int, int, datetime]], windows: Sequence[WeekWindow]
) -> list[PairCount]:
    """Aggregate raw (source, target, at) interactions into weekly pair counts."""
    counts: dict[tuple[int, int, int], int] = {}
    for source, target, at in interactions:
        index = week_index(windows, at)
        if index is not None:
            counts[(index, source, target)] = counts.get((index, source, target), 0) + 1
    return [PairCount(w, s, t, n) for (w, s, t), n in sorted(counts.items())]


def first_contacts_from(interactions: Sequence[tuple[int, int, datetime]]) -> list[FirstContact]:
    """The first interaction time of every unordered pair in raw (source, target, at) rows."""
    first: dict[tuple[int, int], datetime] = {}
    for source, target, at in interactions:
        if source == target:
            continue
        pair = member_pair(source, target)
        if pair not in first or at < first[pair]:
            first[pair] = at
    return [FirstContact(a, b, at) for (a, b), at in sorted(first.items())]


@dataclass
class _Week:
    pairs: list[PairCount] = field(default_factory=list)
    questions: list[QuestionInfo] = field(default_factory=list)
    joins: set[int] = field(default_factory=set)
    new_pairs: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class _Detail:
    counts: WeekCounts
    ranking: list[tuple[int, int]]
    helped: dict[tuple[int, int], int]
    connections: set[tuple[int, int]]
    open_questions: list[QuestionInfo]


class _People:
    def __init__(self, staff: Collection[int], bots: Collection[int]) -> None:
        self.staff = frozenset(staff)
        self.bots = frozenset(bots)

    def human(self, user_id: int) -> bool:
        return user_id not in self.bots

    def member(self, user_id: int) -> bool:
        return user_id not in self.bots and user_id not in self.staff


def raw_inputs(
    guild_id: int,
    week_key: str,
    *,
    timezone: str = "UTC",
    pair_counts: Sequence[PairCount] = (),
    first_contacts: Sequence[FirstContact] = (),
    questions: Sequence[QuestionInfo] = (),
    joins: Sequence[Join] = (),
    active_members: Sequence[Collection[int]] = (),
    staff_ids: Collection[int] = (),
    bot_ids: Collection[int] = (),
    opted_out_ids: Collection[int] = (),
    response_target_minutes: int = 30,
    activity: Sequence[ActivityStats] = (),
    settings: DigestSettings | None = None,
    partial: bool = False,
    as_of: datetime | None = None,
) -> WeekInputs:
    """The digest inputs of `week_key` from raw rows covering it and the weeks before."""
    windows = week_windows(week_key, timezone, INPUT_WEEKS)
    people = _People(staff_ids, bot_ids)
    weeks = [_Week() for _ in windows]
    for pair in pair_counts:
        if 0 <= pair.week < len(weeks) and pair.source != pair.target:
            weeks[pair.week].pairs.append(pair)
    for q in questions:
        index = week_index(windows, q.asked_at)
        if index is not None and people.human(q.asker_id):
            weeks[index].questions.append(q)
    for join in joins:
        index = week_index(windows, join.at)
        if index is not None and people.member(join.user_id):
            weeks[index].joins.add(join.user_id)
    for contact in first_contacts:
        if contact.a != contact.b and people.member(contact.a) and people.member(contact.b):
            index = week_index(windows, contact.at)
            if index is not None:
                weeks[index].new_pairs.add(member_pair(contact.a, contact.b))
    details = [
        _detail(
            weeks[i],
            people,
            active_members[i] if i < len(active_members) else (),
            activity[i] if i < len(activity) else ActivityStats(),
            response_target_minutes * 60,
            as_of,
        )
        for i in range(len(windows))
    ]
    this = details[0]
    opted = frozenset(opted_out_ids)
    return WeekInputs(
        guild_id=guild_id,
        week_key=week_key,
        timezone=timezone,
        weeks=[d.counts for d in details],
        helper_ranking=[(u, n) for u, n in this.ranking if u not in opted],
        helped=[(h, a, n) for (h, a), n in sorted(this.helped.items())],
        tie_edges=sorted(this.connections),
        open_questions=[
            OpenQuestion(
                q.channel_id, q.message_id, q.asked_at, jump_url(guild_id, q.channel_id, q.message_id)
            )
            for q in sorted(this.open_questions, key=lambda q: (q.asked_at, q.message_id))
        ],
        opted_out_ids=opted,
        response_target_minutes=response_target_minutes,
        settings=settings or DigestSettings(),
        partial=partial,
    )


def _detail(
    week: _Week,
    people: _People,
    posted: Collection[int],
    activity: ActivityStats,
    target_seconds: int,
    as_of: datetime | None,
) -> _Detail:
    total = member_total = 0
    connections: set[tuple[int, int]] = set()
    active = {u for u in posted if people.member(u)}
    replied: set[int] = set()
    for pair in week.pairs:
        source, target = pair.source, pair.target
        if not (people.human(source) and people.human(target)):
            continue
        total += pair.count
        if people.member(source):
            active.add(source)
        if people.member(source) and people.member(target):
            member_total += pair.count
            connections.add(member_pair(source, target))
            if target in week.joins:
                replied.add(target)

    by_members = judged = within = 0
    open_questions: list[QuestionInfo] = []
    delays: list[float] = []
    answers: dict[int, int] = defaultdict(int)
    helped: dict[tuple[int, int], int] = defaultdict(int)
    for q in week.questions:
        if people.member(q.asker_id):
            active.add(q.asker_id)
        helpers = {r for r in q.responder_ids if r != q.asker_id and people.member(r)}
        if q.status in ("answered", "resolved") and helpers:
            by_members += 1
        if q.status == "open":
            open_questions.append(q)
        for helper in helpers:
            answers[helper] += 1
            helped[(helper, q.asker_id)] += 1
        delay = None if q.first_response_at is None else (q.first_response_at - q.asked_at).total_seconds()
        if delay is not None:
            delays.append(delay / 60.0)
        if delay is not None and delay <= target_seconds:
            judged += 1
            within += 1
        elif as_of is None or q.asked_at.timestamp() + target_seconds <= as_of.timestamp():
            judged += 1

    ranking = sorted(answers.items(), key=lambda item: (-item[1], item[0]))
    connected = {u for pair in connections for u in pair}
    counts = WeekCounts(
        interactions=total,
        member_interactions=member_total,
        new_connections=len(week.new_pairs),
        active_connections=len(connections),
        active_members=len(active),
        connected_members=len(active & connected),
        questions_asked=len(week.questions),
        questions_answered_by_members=by_members,
        questions_open=len(open_questions),
        target_judged=judged,
        answered_within_target=within,
        median_first_response_minutes=statistics.median(delays) if delays else None,
        newcomers=len(week.joins),
        newcomers_replied=len(replied),
        member_answers=sum(answers.values()),
        top3_answers=sum(n for _, n in ranking[:3]),
        activity=activity,
    )
    return _Detail(counts, ranking, helped, connections, open_questions)
