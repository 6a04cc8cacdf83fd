"""The figures of a weekly digest, computed from plain per-week inputs (pure, no I/O).

Definitions (a "member" is a human account that is not staff or owner):
- interactions: responses between two different human accounts (staff included).
- community_ratio: interactions between members (no staff/owner on either side) / interactions.
- a connection is an unordered pair of members; active if they interacted this week, new if
  their first interaction ever was this week.
- active members: members who posted, responded or asked this week; connected_member_share:
  the share of them with at least one active connection.
- questions are counted in the week they were asked; answered by members: answered or resolved
  with at least one member (not the asker) among the responders.
- newcomers: members who joined this week; replied: a member responded to them this week.
- helpers: members ranked by how many of the week's questions (not their own) they responded
  to; members who opted out are never listed, only counted in anonymous totals.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from bot.core.digest import (
    HISTORY_WEEKS,
    INPUT_WEEKS,
    NUMERIC_FIGURES,
    ActivityStats,
    Helper,
    HistoryPoint,
    Number,
    OpenQuestion,
    PairCount,
    QuestionInfo,
    WeekDigest,
    WeekInputs,
    WeekWindow,
    week_index,
    week_windows,
)
from bot.core.digest_graph import find_bridges
from bot.core.digest_text import headline_for
from bot.core.safety import jump_url

OPEN_QUESTIONS_LISTED = 10
BRIDGES_LISTED = 3


@dataclass
class _Week:
    pairs: list[PairCount] = field(default_factory=list)
    questions: list[QuestionInfo] = field(default_factory=list)
    joins: set[int] = field(default_factory=set)
    new_pairs: set[tuple[int, int]] = field(default_factory=set)


class _People:
    def __init__(self, staff: Collection[int], bots: Collection[int], opted_out: Collection[int]) -> None:
        self.staff = frozenset(staff)
        self.bots = frozenset(bots)
        self.opted_out = frozenset(opted_out)

    def human(self, user_id: int) -> bool:
        return user_id not in self.bots

    def member(self, user_id: int) -> bool:
        return user_id not in self.bots and user_id not in self.staff


def _bucket(inputs: WeekInputs, windows: Sequence[WeekWindow], people: _People) -> list[_Week]:
    weeks = [_Week() for _ in windows]
    for pair in inputs.pair_counts:
        if 0 <= pair.week < len(weeks) and pair.source != pair.target:
            weeks[pair.week].pairs.append(pair)
    for question in inputs.questions:
        index = week_index(windows, question.asked_at)
        if index is not None and people.human(question.asker_id):
            weeks[index].questions.append(question)
    for join in inputs.joins:
        index = week_index(windows, join.at)
        if index is not None and people.member(join.user_id):
            weeks[index].joins.add(join.user_id)
    for contact in inputs.first_contacts:
        if contact.a == contact.b or not (people.member(contact.a) and people.member(contact.b)):
            continue
        index = week_index(windows, contact.at)
        if index is not None:
            weeks[index].new_pairs.add((min(contact.a, contact.b), max(contact.a, contact.b)))
    return weeks


@dataclass
class _Figures:
    numbers: dict[str, Number | None]
    ranking: list[tuple[int, int]]  # (user_id, answers), best first, opted-out members included
    connections: set[tuple[int, int]]
    open_questions: list[QuestionInfo]
    helped: dict[tuple[int, int], int]  # (helper, asker) -> answers


def _week_figures(inputs: WeekInputs, week: _Week, index: int, people: _People) -> _Figures:
    total = member_total = 0
    connections: set[tuple[int, int]] = set()
    active: set[int] = set()
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
            connections.add((source, target) if source < target else (target, source))
            if target in week.joins:
                replied.add(target)
    if index < len(inputs.active_members):
        active.update(u for u in inputs.active_members[index] if people.member(u))

    asked = len(week.questions)
    by_members = 0
    open_questions: list[QuestionInfo] = []
    delays: list[float] = []
    judged = within = 0
    answers: dict[int, int] = defaultdict(int)
    helped: dict[tuple[int, int], int] = defaultdict(int)
    target_seconds = inputs.response_target_minutes * 60
    for q in week.questions:
        if people.member(q.asker_id):
            active.add(q.asker_id)
        responders = set(q.responder_ids)
        if q.first_responder_id is not None:
            responders.add(q.first_responder_id)
        members = {r for r in responders if r != q.asker_id and people.member(r)}
        if q.status in ("answered", "resolved") and members:
            by_members += 1
        if q.status == "open":
            open_questions.append(q)
        for helper in members:
            answers[helper] += 1
            helped[(helper, q.asker_id)] += 1
        delay = None
        if q.first_response_at is not None:
            delay = (q.first_response_at - q.asked_at).total_seconds()
            delays.append(delay / 60.0)
        deadline_passed = (
            inputs.as_of is None or (q.asked_at.timestamp() + target_seconds) <= inputs.as_of.timestamp()
        )
        if delay is not None and delay <= target_seconds:
            judged += 1
            within += 1
        elif deadline_passed:
            judged += 1

    ranking = sorted(answers.items(), key=lambda item: (-item[1], item[0]))
    all_answers = sum(answers.values())
    connected = {u for pair in connections for u in pair}
    activity = inputs.activity[index] if index < len(inputs.activity) else ActivityStats()
    numbers: dict[str, Number | None] = {
        "interactions": total,
        "new_connections": len(week.new_pairs),
        "active_connections": len(connections),
        "active_members": len(active),
        "connected_members": len(active & connected),
        "connected_member_share": len(active & connected) / len(active) if active else None,
        "community_ratio": member_total / total if total else None,
        "questions_asked": asked,
        "questions_answered_by_members": by_members,
        "questions_open": len(open_questions),
        "median_first_response_minutes": statistics.median(delays) if delays else None,
        "answered_within_target_share": within / judged if judged else None,
        "newcomers": len(week.joins),
        "newcomers_replied": len(replied),
        "top3_answer_share": sum(n for _, n in ranking[:3]) / all_answers if all_answers else None,
        "intros_made": activity.intros_made,
        "intros_took": activity.intros_took,
        "nudges_sent": activity.nudges_sent,
        "nudges_answered": activity.nudges_answered,
    }
    return _Figures(numbers, ranking, connections, open_questions, helped)


def _delta(now: Number | None, before: Number | None) -> Number | None:
    if now is None or before is None:
        return None
    return now - before


def compute_week(inputs: WeekInputs) -> WeekDigest:
    """Every figure of the digest week `inputs.week_key`, with deltas, headline and history."""
    windows = week_windows(inputs.week_key, inputs.timezone, INPUT_WEEKS)
    people = _People(inputs.staff_ids, inputs.bot_ids, inputs.opted_out_ids)
    weeks = _bucket(inputs, windows, people)
    figures = [_week_figures(inputs, weeks[i], i, people) for i in range(len(windows))]
    this, before = figures[0], figures[1]
    deltas = {name: _delta(this.numbers[name], before.numbers[name]) for name in NUMERIC_FIGURES}

    shown = [(u, n) for u, n in this.ranking if u not in people.opted_out][: inputs.settings.top_helpers]
    top_helpers = tuple(Helper(u, n) for u, n in shown)
    shown_ids = {u for u, _ in shown}
    helped = tuple(
        (helper, asker, n)
        for (helper, asker), n in sorted(this.helped.items())
        if helper in shown_ids and asker not in people.opted_out
    )
    bridges = tuple(find_bridges(this.connections, hide=people.opted_out, limit=BRIDGES_LISTED))
    open_questions = tuple(
        OpenQuestion(
            q.channel_id, q.message_id, q.asked_at, jump_url(inputs.guild_id, q.channel_id, q.message_id)
        )
        for q in sorted(this.open_questions, key=lambda q: (q.asked_at, q.message_id))[:OPEN_QUESTIONS_LISTED]
    )
    history = tuple(
        HistoryPoint(
            week_key=windows[i].key,
            new_connections=int(figures[i].numbers["new_connections"] or 0),
            active_connections=int(figures[i].numbers["active_connections"] or 0),
            community_ratio=figures[i].numbers["community_ratio"],
            median_first_response_minutes=figures[i].numbers["median_first_response_minutes"],
        )
        for i in reversed(range(min(HISTORY_WEEKS, len(windows))))
    )
    interactions = int(this.numbers["interactions"] or 0)
    quiet = interactions < inputs.settings.quiet_threshold
    has_history = any(
        int(f.numbers["interactions"] or 0) or int(f.numbers["questions_asked"] or 0) for f in figures[1:]
    )
    headline = headline_for(this.numbers, before.numbers if has_history else None, quiet=quiet)
    return WeekDigest(
        guild_id=inputs.guild_id,
        week_key=inputs.week_key,
        timezone=inputs.timezone,
        start=windows[0].start,
        end=windows[0].end,
        numbers=this.numbers,
        previous=before.numbers,
        deltas=deltas,
        open_questions=open_questions,
        top_helpers=top_helpers,
        bridges=bridges,
        helped=helped,
        history=history,
        headline=headline,
        quiet=quiet,
        response_target_minutes=inputs.response_target_minutes,
        partial=inputs.partial,
    )
