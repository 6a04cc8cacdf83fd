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
- every figure of a week stands at the week's end (its "cut"; a preview's `as_of` when that
  is earlier): what happened later does not change it, so a digest computed at posting time
  and one computed long after from an export agree.
- questions count in the week they were asked (askers that are bots are ignored); a question
  is settled when it was answered or resolved before the cut (`first_response_at` or
  `resolved_at` before it), open otherwise; answered by members: settled with a member other
  than the asker among the responders; a responder counts once they had responded before the
  cut (their interaction with the asker, at or after the question).
- target: a question is judged once its first response came before the cut within the target,
  or the target time had passed by the cut; the median first response is over the questions
  with a response before the cut.
- newcomers: members who joined in the week; replied: a member responded to them in the week.
- member answers: (question, responder) pairs with a member responder who is not the asker;
  top1/top2/top3: of those, by the one, two or three members with the most.
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

UNANSWERED_LISTED = 10  # newcomers nobody answered, listed at most (the SQL path's limit)


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
    resolved_at: datetime | None = None
    snippet: str | None = None
    parent_channel_id: int | None = None
    # when each responder first responded to the asker after the question (their interaction);
    # empty: unknown, every responder counts
    responded_at: tuple[tuple[int, datetime], ...] = ()

    def responders_by(self, cut: datetime) -> set[int]:
        """The responders who had responded before `cut`."""
        if not self.responded_at:
            return set(self.responder_ids)
        first = dict(self.responded_at)
        return {r for r in self.responder_ids if r in first and first[r] < cut}

    def settled_by(self, cut: datetime) -> bool:
        """Answered or resolved before `cut` (a row with neither time stays as its status says)."""
        if self.status not in ("answered", "resolved"):
            return False
        if self.first_response_at is None and self.resolved_at is None:
            return True
        return any(t is not None and t < cut for t in (self.first_response_at, self.resolved_at))


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
    joins: dict[int, datetime] = field(default_factory=dict)
    new_pairs: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class _Detail:
    counts: WeekCounts
    ranking: list[tuple[int, int]]
    helped: dict[tuple[int, int], int]
    connections: set[tuple[int, int]]
    open_questions: list[QuestionInfo]
    unanswered: list[int]


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
            weeks[index].joins[join.user_id] = join.at
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
            windows[i].end if as_of is None else min(windows[i].end, as_of),
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
                q.channel_id, q.message_id, q.asked_at, jump_url(guild_id, q.channel_id, q.message_id),
                q.asker_id, q.snippet, q.parent_channel_id,
            )
            for q in sorted(this.open_questions, key=lambda q: (q.asked_at, q.message_id))
        ],
        unanswered_newcomers=this.unanswered,
        opted_out_ids=opted,
        response_target_minutes=response_target_minutes,
        settings=settings or DigestSettings(),
        partial=partial,
        as_of=as_of,
    )


def _detail(
    week: _Week,
    people: _People,
    posted: Collection[int],
    activity: ActivityStats,
    target_seconds: int,
    cut: datetime,
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
        helpers = {r for r in q.responders_by(cut) if r != q.asker_id and people.member(r)}
        settled = q.settled_by(cut)
        if settled and helpers:
            by_members += 1
        if not settled:
            open_questions.append(q)
        for helper in helpers:
            answers[helper] += 1
            helped[(helper, q.asker_id)] += 1
        first = q.first_response_at
        delay = (first - q.asked_at).total_seconds() if first is not None and first < cut else None
        if delay is not None:
            delays.append(delay / 60.0)
        if delay is not None and delay <= target_seconds:
            judged += 1
            within += 1
        elif q.asked_at.timestamp() + target_seconds <= cut.timestamp():
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
        top1_answers=sum(n for _, n in ranking[:1]),
        top2_answers=sum(n for _, n in ranking[:2]),
        activity=activity,
    )
    unanswered = sorted((u for u in week.joins if u not in replied), key=lambda u: (week.joins[u], u))
    return _Detail(counts, ranking, helped, connections, open_questions, unanswered[:UNANSWERED_LISTED])
