"""One week's digest inputs by SQL aggregation, with the definitions of `bot.digest.definitions`:
a week of a million interactions comes back as a few hundred rows (lists are capped)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Interval, and_, case, cast, exists, func, literal, or_, select, true, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.safety import jump_url
from bot.digest.week_digest import OpenQuestion, WeekWindow
from bot.store.base import UTCDateTime
from bot.store.dialect import sql_later
from bot.store.models.core import Interaction, Member, Message, Question, QuestionResponder
from bot.store.models.digests import DigestPairFirst, DigestPairProgress

REFRESH_MARGIN = timedelta(minutes=10)
TIE_EDGES_LIMIT = 30_000  # the strongest ties of the week make the bridge graph
OPEN_LIMIT = 10
I = Interaction  # noqa: E741  (short table aliases keep the queries readable)
Q = Question
R = QuestionResponder


@dataclass(frozen=True, slots=True)
class Groups:
    """Who is staff/owner and who is a bot, for the SQL filters (small sets)."""

    staff: frozenset[int]
    bots: frozenset[int]

    @property
    def non_members(self) -> frozenset[int]:
        return self.staff | self.bots


def _dialect_insert(session: AsyncSession, table: Any) -> Any:
    name = session.get_bind().dialect.name
    return postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)


def _not_in(column: Any, ids: Collection[int]) -> Any:
    return column.not_in(sorted(ids)) if ids else true()


def _week_case(column: Any, windows: Sequence[WeekWindow]) -> Any:
    return case(*((column >= w.start, w.index) for w in windows), else_=-1)


def _lo() -> Any:
    return case((I.source_user_id < I.target_user_id, I.source_user_id), else_=I.target_user_id)


def _hi() -> Any:
    return case((I.source_user_id < I.target_user_id, I.target_user_id), else_=I.source_user_id)


def _human_pairs(guild_id: int, since: datetime, until: datetime, g: Groups) -> Any:
    return and_(
        I.guild_id == guild_id,
        I.at >= since,
        I.at < until,
        I.source_user_id != I.target_user_id,
        _not_in(I.source_user_id, g.bots),
        _not_in(I.target_user_id, g.bots),
    )


def _member_pairs(guild_id: int, since: datetime, until: datetime, g: Groups) -> Any:
    return and_(
        _human_pairs(guild_id, since, until, g),
        _not_in(I.source_user_id, g.staff),
        _not_in(I.target_user_id, g.staff),
    )


async def interaction_counts(
    session: AsyncSession, guild_id: int, windows: Sequence[WeekWindow], until: datetime, g: Groups
) -> dict[int, tuple[int, int, int]]:
    """week -> (interactions, member interactions, active connections), in one pass over the rows."""
    week = _week_case(I.at, windows).label("w")
    member = case(
        (and_(_not_in(I.source_user_id, g.staff), _not_in(I.target_user_id, g.staff)), 1), else_=0
    ).label("member")
    lo, hi = _lo(), _hi()
    pairs = (
        select(week, member, func.count().label("n"))
        .where(_human_pairs(guild_id, windows[-1].start, until, g))
        .group_by(week, lo, hi, member)
        .subquery()
    )
    stmt = select(
        pairs.c.w,
        func.sum(pairs.c.n),
        func.sum(pairs.c.n * pairs.c.member),
        func.sum(pairs.c.member),
    ).group_by(pairs.c.w)
    return {int(w): (int(n or 0), int(m or 0), int(c or 0)) for w, n, m, c in await session.execute(stmt)}


async def refresh_pair_firsts(session: AsyncSession, guild_id: int, until: datetime) -> int:
    """Bring `digest_pair_firsts` up to date with the interactions before `until`; rows upserted.

    Only interactions from a little before the last refresh are read (the margin covers rows
    written late by the batched writer), so the cost follows new activity, not all history.
    """
    progress = await session.get(DigestPairProgress, guild_id)
    if progress is not None and progress.through_at >= until:
        return 0
    since = None if progress is None else progress.through_at - REFRESH_MARGIN
    lo, hi = _lo(), _hi()
    conditions = [I.guild_id == guild_id, I.at < until, I.source_user_id != I.target_user_id]
    if since is not None:
        conditions.append(I.at >= since)
    source = (
        select(literal(guild_id).label("guild_id"), lo, hi, func.min(I.at))
        .where(*conditions)
        .group_by(lo, hi)
    )
    table = DigestPairFirst.__table__
    stmt = _dialect_insert(session, table).from_select(
        ["guild_id", "user_id", "other_user_id", "first_at"], source
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["guild_id", "user_id", "other_user_id"],
        set_={
            "first_at": case(
                (stmt.excluded.first_at < table.c.first_at, stmt.excluded.first_at), else_=table.c.first_at
            )
        },
    )
    result = await session.execute(stmt)
    # an upsert, not an ORM add: another bot process may be refreshing the same server now
    mark = _dialect_insert(session, DigestPairProgress.__table__).values(guild_id=guild_id, through_at=until)
    mark = mark.on_conflict_do_update(
        index_elements=["guild_id"],
        set_={"through_at": sql_later(DigestPairProgress.__table__.c.through_at, mark.excluded.through_at)},
    )
    await session.execute(mark)
    return int(getattr(result, "rowcount", 0) or 0)


async def new_connections(
    session: AsyncSession, guild_id: int, windows: Sequence[WeekWindow], until: datetime, g: Groups
) -> dict[int, int]:
    """week -> member pairs whose first interaction ever was in that week (after a refresh)."""
    P = DigestPairFirst
    week = _week_case(P.first_at, windows)
    stmt = (
        select(week, func.count())
        .where(
            P.guild_id == guild_id,
            P.first_at >= windows[-1].start,
            P.first_at < until,
            _not_in(P.user_id, g.non_members),
            _not_in(P.other_user_id, g.non_members),
        )
        .group_by(week)
    )
    return {int(w): int(n) for w, n in await session.execute(stmt)}


async def active_and_connected(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups
) -> tuple[int, int]:
    """(active members, of them with at least one member-to-member interaction) in [since, until)."""
    active = union(
        select(Message.author_id.label("u")).where(
            Message.guild_id == guild_id,
            Message.created_at >= since,
            Message.created_at < until,
            Message.is_bot.is_(False),
            _not_in(Message.author_id, g.non_members),
        ),
        select(I.source_user_id).where(
            _human_pairs(guild_id, since, until, g), _not_in(I.source_user_id, g.staff)
        ),
        select(Q.asker_id).where(
            Q.guild_id == guild_id,
            Q.asked_at >= since,
            Q.asked_at < until,
            _not_in(Q.asker_id, g.non_members),
        ),
    ).subquery()
    connected = union(
        select(I.source_user_id.label("u")).where(_member_pairs(guild_id, since, until, g)),
        select(I.target_user_id).where(_member_pairs(guild_id, since, until, g)),
    ).subquery()
    in_connected = case((active.c.u.in_(select(connected.c.u)), 1), else_=0)
    row = (await session.execute(select(func.count(), func.sum(in_connected)).select_from(active))).one()
    n_active, n_connected = row[0] or 0, row[1] or 0
    return int(n_active), int(n_connected)


def _delay_seconds(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Q.first_response_at - Q.asked_at)
    return (func.julianday(Q.first_response_at) - func.julianday(Q.asked_at)) * literal(86400.0)


def _week_questions(guild_id: int, since: datetime, until: datetime, g: Groups) -> Any:
    return and_(Q.guild_id == guild_id, Q.asked_at >= since, Q.asked_at < until, _not_in(Q.asker_id, g.bots))


def _week_cut(windows: Sequence[WeekWindow], until: datetime) -> Any:
    """The end of the week each question was asked in (or `until`, if earlier): what a week's
    figures know of a question is what had happened by then."""
    return case(*((Q.asked_at >= w.start, literal(min(w.end, until), UTCDateTime())) for w in windows),
                else_=literal(until, UTCDateTime()))  # fmt: skip


def _settled_by(cut: Any) -> Any:
    """Answered or resolved before `cut` (a row with neither time stays as its status says)."""
    return and_(
        Q.status.in_(("answered", "resolved")),
        or_(  # never NULL (a NOT of it must be exact): each comparison guards its NULL
            and_(Q.first_response_at.is_not(None), Q.first_response_at < cut),
            and_(Q.resolved_at.is_not(None), Q.resolved_at < cut),
            and_(Q.first_response_at.is_(None), Q.resolved_at.is_(None)),
        ),
    )


@dataclass(frozen=True, slots=True)
class QuestionCounts:
    asked: int = 0
    open: int = 0
    answered_by_members: int = 0
    with_response: int = 0
    within_target: int = 0
    judged: int = 0
    median_minutes: float | None = None


async def question_counts(
    session: AsyncSession,
    guild_id: int,
    windows: Sequence[WeekWindow],
    until: datetime,
    g: Groups,
    target_minutes: int,
    as_of: datetime | None,
) -> dict[int, QuestionCounts]:
    """week -> question counts and the median minutes to a first response, each week as it
    stood at its end (or at `until`, when that is earlier: `as_of` for a preview)."""
    week = _week_case(Q.asked_at, windows).label("w")
    cut = _week_cut(windows, until)
    delay = _delay_seconds(session)
    target = target_minutes * 60
    responded = and_(Q.first_response_at.is_not(None), Q.first_response_at < cut)
    within = and_(responded, delay <= target)
    passed = _target_passed(session, cut, target)
    helped = exists().where(
        R.question_id == Q.message_id,
        R.user_id != Q.asker_id,
        _not_in(R.user_id, g.non_members),
        _responded_before(cut),
    )
    stmt = (
        select(
            week,
            func.count(),
            func.sum(case((_settled_by(cut), 0), else_=1)),
            func.sum(case((and_(_settled_by(cut), helped), 1), else_=0)),
            func.sum(case((responded, 1), else_=0)),
            func.sum(case((within, 1), else_=0)),
            func.sum(case((within, 1), (passed, 1), else_=0)),
        )
        .where(_week_questions(guild_id, windows[-1].start, until, g))
        .group_by(week)
    )
    out: dict[int, QuestionCounts] = {}
    for w, asked, n_open, by_members, n_responded, n_within, judged in await session.execute(stmt):
        median = None
        if n_responded:
            window = windows[int(w)]
            median = await _median_delay(
                session, guild_id, window.start, min(window.end, until), g, int(n_responded)
            )
        out[int(w)] = QuestionCounts(
            int(asked), int(n_open or 0), int(by_members or 0), int(n_responded or 0), int(n_within or 0),
            int(judged or 0), median,
        )  # fmt: skip
    return out


def _target_passed(session: AsyncSession, cut: Any, target_seconds: int) -> Any:
    """The response target of a question had passed by `cut`."""
    if session.get_bind().dialect.name == "postgresql":
        return Q.asked_at + literal(timedelta(seconds=target_seconds), Interval()) <= cut
    return (func.julianday(cut) - func.julianday(Q.asked_at)) * literal(86400.0) >= target_seconds


async def _median_delay(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups, n: int
) -> float:
    """The median delay of the questions of [since, until) that had a response before `until`."""
    delay = cast(_delay_seconds(session), Float)
    stmt = (
        select(delay)
        .where(
            _week_questions(guild_id, since, until, g),
            Q.first_response_at.is_not(None),
            Q.first_response_at < until,
        )
        .order_by(delay)
        .offset((n - 1) // 2)
        .limit(2 if n % 2 == 0 else 1)
    )
    values = [float(v) for (v,) in await session.execute(stmt)]
    return sum(values) / len(values) / 60.0


def _replied_to_member(guild_id: int, since: datetime, until: datetime, g: Groups) -> Any:
    """Someone who counts as a member responded to `Member` in [since, until)."""
    return exists().where(
        I.guild_id == guild_id,
        I.target_user_id == Member.user_id,
        I.at >= since,
        I.at < until,
        I.source_user_id != I.target_user_id,
        _not_in(I.source_user_id, g.non_members),
    )


async def newcomers(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups
) -> tuple[int, int]:
    """(members who joined in [since, until), of them got a response from a member in it)."""
    replied = _replied_to_member(guild_id, since, until, g)
    stmt = select(func.count(), func.sum(case((replied, 1), else_=0))).where(
        Member.guild_id == guild_id,
        Member.joined_at >= since,
        Member.joined_at < until,
        Member.is_bot.is_(False),
        _not_in(Member.user_id, g.non_members),
    )
    row = (await session.execute(stmt)).one()
    return int(row[0] or 0), int(row[1] or 0)


def _responded_before(cut: Any) -> Any:
    """The responder `R` had responded to the asker of `Q` before `cut` (their interaction
    with the asker since the question was asked: a later responder does not count yet)."""
    return (
        select(I.message_id)
        .where(
            I.guild_id == Q.guild_id,
            I.source_user_id == R.user_id,
            I.target_user_id == Q.asker_id,
            I.at >= Q.asked_at,
            I.at < cut,
        )
        .correlate(Q, R)
        .exists()
    )


def _answers(guild_id: int, since: datetime, until: datetime, g: Groups) -> Any:
    return (
        select(R.user_id.label("u"), Q.asker_id.label("a"))
        .join(Q, Q.message_id == R.question_id)
        .where(
            _week_questions(guild_id, since, until, g),
            R.user_id != Q.asker_id,
            _not_in(R.user_id, g.non_members),
            _responded_before(literal(until, UTCDateTime())),
        )
        .subquery()
    )


async def answer_counts(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups
) -> tuple[int, int]:
    """(member answers, of them by the three members with the most) for questions asked in the week."""
    total, top = await answer_spread(session, guild_id, since, until, g)
    return total, sum(top)


async def answer_spread(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups
) -> tuple[int, list[int]]:
    """(member answers, the answers of the three members with the most, most first)."""
    answers = _answers(guild_id, since, until, g)
    total = (await session.execute(select(func.count()).select_from(answers))).scalar_one()
    per = (
        select(func.count().label("n"))
        .select_from(answers)
        .group_by(answers.c.u)
        .order_by(func.count().desc())
        .limit(3)
    )
    top = [int(n) for (n,) in await session.execute(per)]
    return int(total), top


async def helper_ranking(
    session: AsyncSession,
    guild_id: int,
    since: datetime,
    until: datetime,
    g: Groups,
    hide: Collection[int],
    limit: int,
) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """The top `limit` helpers not in `hide` (member, answers), and whom they helped."""
    answers = _answers(guild_id, since, until, g)
    n = func.count().label("n")
    ranked = (
        select(answers.c.u, n)
        .where(_not_in(answers.c.u, hide))
        .group_by(answers.c.u)
        .order_by(n.desc(), answers.c.u)
        .limit(limit)
    )
    ranking = [(int(u), int(c)) for u, c in await session.execute(ranked)]
    if not ranking:
        return [], []
    pairs = (
        select(answers.c.u, answers.c.a, func.count())
        .where(answers.c.u.in_([u for u, _ in ranking]))
        .group_by(answers.c.u, answers.c.a)
    )
    helped = [(int(u), int(a), int(c)) for u, a, c in await session.execute(pairs)]
    return ranking, helped


async def tie_edges(
    session: AsyncSession,
    guild_id: int,
    since: datetime,
    until: datetime,
    g: Groups,
    limit: int = TIE_EDGES_LIMIT,
) -> list[tuple[int, int]]:
    """The week's member pairs, strongest first, at most `limit`."""
    lo, hi = _lo(), _hi()
    stmt = (
        select(lo, hi)
        .where(_member_pairs(guild_id, since, until, g))
        .group_by(lo, hi)
        .order_by(func.count().desc(), lo, hi)
        .limit(limit)
    )
    return [(int(a), int(b)) for a, b in await session.execute(stmt)]


async def open_questions(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups, limit: int = OPEN_LIMIT
) -> list[OpenQuestion]:
    """The questions of [since, until) still open at `until`, oldest first (with asker and snippet)."""
    cut = literal(until, UTCDateTime())
    stmt = (
        select(Q.channel_id, Q.message_id, Q.asked_at, Q.asker_id, Q.snippet, Q.parent_channel_id)
        .where(_week_questions(guild_id, since, until, g), ~_settled_by(cut))
        .order_by(Q.asked_at, Q.message_id)
        .limit(limit)
    )
    return [
        OpenQuestion(
            int(c), int(m), at, jump_url(guild_id, int(c), int(m)), int(a), snippet,
            None if parent is None else int(parent),
        )
        for c, m, at, a, snippet, parent in await session.execute(stmt)
    ]


async def unanswered_newcomers(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime, g: Groups, limit: int = OPEN_LIMIT
) -> list[int]:
    """Members who joined in [since, until) and got no response from a member in it, first joined first."""
    replied = _replied_to_member(guild_id, since, until, g)
    stmt = (
        select(Member.user_id)
        .where(
            Member.guild_id == guild_id,
            Member.joined_at >= since,
            Member.joined_at < until,
            Member.is_bot.is_(False),
            _not_in(Member.user_id, g.non_members),
            ~replied,
        )
        .order_by(Member.joined_at, Member.user_id)
        .limit(limit)
    )
    return [int(u) for (u,) in await session.execute(stmt)]
