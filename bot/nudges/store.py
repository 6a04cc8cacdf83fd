"""Storage for helper nudges: helpers, claimed ladder steps, and the data helper choice needs.

Plain async functions over an `AsyncSession`; they return core dataclasses or small
frozen rows, never ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.conversation.facts import QuestionFact
from bot.nudges.helper_choice import HelperProfile
from bot.nudges.ladder import NudgeAction, NudgeLadderAction, StillNeededCheck
from bot.nudges.relist import CLOSED_STEP, RELIST_PREFIX
from bot.questions.store import question_fact
from bot.store.dialect import IN_CHUNK
from bot.store.models.core import Interest, Member, Message, Question, QuestionResponder
from bot.store.models.intros import Introduction, IntroductionMember
from bot.store.models.nudges import Helper, Nudge, NudgeTarget


@dataclass(frozen=True, slots=True)
class HelperRow:
    guild_id: int
    user_id: int
    topics: tuple[str, ...]
    timezone: str | None
    active_start_hour: int | None
    active_end_hour: int | None
    paused_until: datetime | None
    joined_at: datetime
    active: bool


def _helper_row(h: Helper) -> HelperRow:
    return HelperRow(
        guild_id=h.guild_id,
        user_id=h.user_id,
        topics=tuple(h.topics or ()),
        timezone=h.timezone,
        active_start_hour=h.active_start_hour,
        active_end_hour=h.active_end_hour,
        paused_until=h.paused_until,
        joined_at=h.joined_at,
        active=h.active,
    )


# --- helpers ------------------------------------------------------------------


async def get_helper(session: AsyncSession, guild_id: int, user_id: int) -> HelperRow | None:
    h = await session.get(Helper, (guild_id, user_id))
    return None if h is None else _helper_row(h)


async def upsert_helper(
    session: AsyncSession, guild_id: int, user_id: int, *, now: datetime, **changes: Any
) -> HelperRow:
    """Create or update a helper row; `changes` are column values (topics, timezone, active, ...)."""
    h = await session.get(Helper, (guild_id, user_id))
    if h is None:
        h = Helper(guild_id=guild_id, user_id=user_id, joined_at=now, topics=[], active=True)
        session.add(h)
    for key, value in changes.items():
        if not hasattr(Helper, key) or key in {"guild_id", "user_id"}:
            raise ValueError(f"unknown helper field {key!r}")
        setattr(h, key, value)
    await session.flush()
    return _helper_row(h)


# --- the ladder -----------------------------------------------------------------


async def guilds_with_open_questions(session: AsyncSession, since: datetime) -> list[int]:
    stmt = (
        select(Question.guild_id)
        .where(Question.status == "open", Question.asked_at >= since)
        .group_by(Question.guild_id)
    )
    return list((await session.execute(stmt)).scalars())


# The ladder's poll runs these every few minutes (a replay, thousands of times): built once,
# with their values bound at each run.
_IN_LADDER = and_(
    Question.guild_id == bindparam("guild_id"),
    Question.status == "open",
    Question.asked_at >= bindparam("start", type_=Question.asked_at.type),
    Question.asked_at <= bindparam("end", type_=Question.asked_at.type),
)
_OPEN_BETWEEN = select(*Question.__table__.columns).where(_IN_LADDER)
_THEIR_RESPONDERS = (
    select(QuestionResponder.question_id, QuestionResponder.user_id)
    .join(Question, Question.message_id == QuestionResponder.question_id)
    .where(_IN_LADDER)
)
_SENT_STEPS = select(Nudge.question_message_id, Nudge.step).where(
    Nudge.question_message_id.in_(bindparam("ids", expanding=True))
)


async def open_questions_between(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> list[QuestionFact]:
    """Open questions of a guild asked in [start, end], with their responders (read as plain
    rows: a poll reads them every few minutes and keeps none)."""
    values = {"guild_id": guild_id, "start": start, "end": end}
    questions = list((await session.execute(_OPEN_BETWEEN, values)).all())
    if not questions:
        return []
    responders: dict[int, list[int]] = defaultdict(list)
    for qid, uid in (await session.execute(_THEIR_RESPONDERS, values)).all():
        responders[qid].append(uid)
    return [question_fact(q, responders[q.message_id]) for q in questions]


async def sent_steps(session: AsyncSession, question_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = list(question_ids)
    steps: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), IN_CHUNK):
        rows = await session.execute(_SENT_STEPS, {"ids": ids[start : start + IN_CHUNK]})
        for qid, step in rows.all():
            steps[qid].add(step)
    return dict(steps)


async def nudge_history(session: AsyncSession, guild_id: int, since: datetime) -> dict[int, list[datetime]]:
    """When each member of the guild was pinged since `since`: nudged as a helper, asked "still
    need help?", or introduced. The helper caps count them all."""
    nudged = (
        select(NudgeTarget.user_id, Nudge.created_at)
        .join(Nudge, Nudge.id == NudgeTarget.nudge_id)
        .where(NudgeTarget.guild_id == guild_id, Nudge.created_at >= since)
    )
    introduced = (
        select(IntroductionMember.user_id, Introduction.created_at)
        .join(Introduction, Introduction.id == IntroductionMember.introduction_id)
        .where(Introduction.guild_id == guild_id, Introduction.created_at >= since)
    )
    history: dict[int, list[datetime]] = defaultdict(list)
    for stmt in (nudged, introduced):
        for uid, at in (await session.execute(stmt)).all():
            history[uid].append(at)
    return dict(history)


_DAY_PINGED = and_(
    Nudge.guild_id == bindparam("guild_id"), Nudge.created_at >= bindparam("day", type_=Nudge.created_at.type)
)
_BUDGET_INPUTS = select(
    select(func.count())
    .where(
        Message.guild_id == bindparam("guild_id"),
        Message.created_at >= bindparam("week", type_=Message.created_at.type),
        Message.is_bot.is_(False),
    )
    .scalar_subquery(),
    select(func.count()).where(_DAY_PINGED, Nudge.step.in_(("nudge", "check"))).scalar_subquery(),
    select(func.count()).where(_DAY_PINGED, Nudge.step == "check").scalar_subquery(),
)


async def budget_inputs(session: AsyncSession, guild_id: int, now: datetime) -> tuple[int, int, int]:
    """What the daily budget reads, in one statement: (messages members posted in the last 7
    days, nudges and checks claimed in the last day, of which checks)."""
    values = {"guild_id": guild_id, "week": now - timedelta(days=7), "day": now - timedelta(days=1)}
    row = (await session.execute(_BUDGET_INPUTS, values)).one()
    return int(row[0]), int(row[1]), int(row[2])


async def last_seen(session: AsyncSession, guild_id: int, user_ids: Iterable[int]) -> dict[int, datetime]:
    """Each member's latest message in the guild (members with none are left out)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    stmt = (
        select(Message.author_id, func.max(Message.created_at))
        .where(Message.guild_id == guild_id, Message.author_id.in_(ids))
        .group_by(Message.author_id)
    )
    seen: dict[int, datetime] = {}
    for uid, at in (await session.execute(stmt)).all():
        if at is not None:
            seen[int(uid)] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return seen


async def nudged_at(session: AsyncSession, question_ids: Iterable[int]) -> dict[int, datetime]:
    """When each question's ladder nudge was claimed."""
    ids = list(question_ids)
    if not ids:
        return {}
    stmt = select(Nudge.question_message_id, Nudge.created_at).where(
        Nudge.question_message_id.in_(ids), Nudge.step == "nudge"
    )
    return {int(q): at for q, at in (await session.execute(stmt)).all()}


async def record_check_answer(
    session: AsyncSession, guild_id: int, question_message_id: int, answer: str, now: datetime
) -> bool:
    """The asker's answer to "still need help?" ("solved" or "stuck"), kept once per question:
    False when an answer was already recorded."""
    earlier = await session.execute(
        select(Nudge.id).where(Nudge.question_message_id == question_message_id, Nudge.step.like("check:%"))
    )
    if earlier.first() is not None:
        return False
    return await claim_step(
        session,
        guild_id=guild_id,
        question_message_id=question_message_id,
        step=f"check:{answer}",
        channel_id=None,
        now=now,
    )


def _insert_for(session: AsyncSession) -> Any:
    name = session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert


async def claim(session: AsyncSession, action: NudgeLadderAction, now: datetime, *, sent: bool = False) -> bool:
    """Record the step before it is posted (`sent`: as sent already). False when it was already
    claimed (by anyone)."""
    helper_ids: tuple[int, ...] = ()
    if isinstance(action, NudgeAction):
        helper_ids = action.helper_ids
    elif isinstance(action, StillNeededCheck):
        helper_ids = (action.asker_id,)  # a ping too: it counts against the asker's weekly cap
    return await claim_step(
        session,
        guild_id=action.guild_id,
        question_message_id=action.question_message_id,
        step=action.step,
        channel_id=action.channel_id,
        now=now,
        helper_ids=helper_ids,
        sent_at=now if sent else None,
    )


async def claim_step(
    session: AsyncSession,
    *,
    guild_id: int,
    question_message_id: int,
    step: str,
    channel_id: int | None,
    now: datetime,
    helper_ids: Iterable[int] = (),
    sent_at: datetime | None = None,
) -> bool:
    """Insert the (question, step) row and its targets; False when the row already exists.
    `sent_at`: it is recorded as sent already (the replay, which posts nothing)."""
    insert = _insert_for(session)
    stmt = (
        insert(Nudge)
        .values(
            guild_id=guild_id,
            question_message_id=question_message_id,
            step=step,
            channel_id=channel_id,
            created_at=now,
            sent_at=sent_at,
        )
        .on_conflict_do_nothing(index_elements=["question_message_id", "step"])
        .returning(Nudge.id)
    )
    nudge_id = (await session.execute(stmt)).scalar_one_or_none()
    if nudge_id is None:
        return False
    targets = [{"nudge_id": nudge_id, "user_id": uid, "guild_id": guild_id} for uid in helper_ids]
    if targets:
        await session.execute(insert(NudgeTarget), targets)
    return True


async def mark_sent(
    session: AsyncSession, question_message_id: int, step: str, posted_message_id: int | None, now: datetime
) -> bool:
    result = await session.execute(
        update(Nudge)
        .where(Nudge.question_message_id == question_message_id, Nudge.step == step)
        .values(sent_at=now, posted_message_id=posted_message_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(session: AsyncSession, question_message_id: int, step: str) -> None:
    """Forget a claim whose post failed for a passing reason, so a later poll retries it."""
    nudge = (
        await session.execute(
            select(Nudge).where(Nudge.question_message_id == question_message_id, Nudge.step == step)
        )
    ).scalar_one_or_none()
    if nudge is not None and nudge.sent_at is None:
        await session.delete(nudge)
        await session.flush()


async def nudge_stats(
    session: AsyncSession, guild_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    """(nudges sent in [start, end), of which a nudged helper later answered the question). A nudge is
    the ladder's invitation or a "Still need help" re-listing that invited helpers."""
    answered_by_target = exists().where(
        QuestionResponder.question_id == Nudge.question_message_id,
        QuestionResponder.user_id == NudgeTarget.user_id,
    )
    invitee = aliased(NudgeTarget)
    invited = exists().where(invitee.nudge_id == Nudge.id)
    window = and_(
        Nudge.guild_id == guild_id,
        or_(Nudge.step == "nudge", and_(Nudge.step.like(f"{RELIST_PREFIX}%"), invited)),
        Nudge.sent_at.is_not(None),
        Nudge.sent_at >= start,
        Nudge.sent_at < end,
    )
    sent = (await session.execute(select(func.count()).select_from(Nudge).where(window))).scalar_one()
    answered = (
        await session.execute(
            select(func.count(func.distinct(Nudge.id)))
            .select_from(Nudge)
            .join(NudgeTarget, NudgeTarget.nudge_id == Nudge.id)
            .where(window, (NudgeTarget.answered.is_(True)) | answered_by_target)
        )
    ).scalar_one()
    return int(sent), int(answered)


async def refresh_answered(session: AsyncSession, guild_id: int, since: datetime) -> int:
    """Set `answered` on targets of recent nudges who have since answered; returns how many."""
    pairs = (
        await session.execute(
            select(NudgeTarget.nudge_id, NudgeTarget.user_id)
            .join(Nudge, Nudge.id == NudgeTarget.nudge_id)
            .join(
                QuestionResponder,
                and_(
                    QuestionResponder.question_id == Nudge.question_message_id,
                    QuestionResponder.user_id == NudgeTarget.user_id,
                ),
            )
            .where(Nudge.guild_id == guild_id, Nudge.created_at >= since, NudgeTarget.answered.is_(False))
        )
    ).all()
    for nudge_id, user_id in pairs:
        await session.execute(
            update(NudgeTarget)
            .where(NudgeTarget.nudge_id == nudge_id, NudgeTarget.user_id == user_id)
            .values(answered=True)
        )
    return len(pairs)


# --- re-listing and closing listings ----------------------------------------------


async def relist_history(session: AsyncSession, question_message_id: int) -> tuple[list[datetime], set[int]]:
    """(claim times of the question's re-listings, every helper ever invited to it)."""
    times = list(
        (
            await session.execute(
                select(Nudge.created_at).where(
                    Nudge.question_message_id == question_message_id, Nudge.step.like(f"{RELIST_PREFIX}%")
                )
            )
        ).scalars()
    )
    invited = set(
        (
            await session.execute(
                select(NudgeTarget.user_id)
                .join(Nudge, Nudge.id == NudgeTarget.nudge_id)
                .where(Nudge.question_message_id == question_message_id)
            )
        ).scalars()
    )
    return times, invited


@dataclass(frozen=True, slots=True)
class PostedListing:
    guild_id: int
    question_message_id: int
    channel_id: int  # where the listing is
    message_id: int  # the listing message
    question_channel_id: int  # 0 when the question was deleted
    status: str  # the question's status now, or "removed"


async def posted_listings(session: AsyncSession, question_message_id: int) -> list[tuple[int, int]]:
    """(channel id, message id) of every help-wanted post of the question, oldest first."""
    rows = await session.execute(
        select(Nudge.channel_id, Nudge.posted_message_id)
        .where(
            Nudge.question_message_id == question_message_id,
            Nudge.posted_message_id.is_not(None),
            Nudge.channel_id.is_not(None),
            (Nudge.step == "listing") | Nudge.step.like(f"{RELIST_PREFIX}%"),
        )
        .order_by(Nudge.id)
    )
    return [(int(c or 0), int(m or 0)) for c, m in rows.all()]


async def listings_to_close(session: AsyncSession, since: datetime, limit: int = 200) -> list[PostedListing]:
    """Posted listings (claimed since `since`) of questions no longer open (or deleted: status
    "removed") whose listings were not yet marked closed."""
    closed = aliased(Nudge)
    already = exists().where(
        closed.question_message_id == Nudge.question_message_id, closed.step == CLOSED_STEP
    )
    stmt = (
        select(
            Nudge.guild_id,
            Nudge.question_message_id,
            Nudge.channel_id,
            Nudge.posted_message_id,
            Question.channel_id,
            Question.status,
        )
        .outerjoin(Question, Question.message_id == Nudge.question_message_id)
        .where(
            Nudge.created_at >= since,
            Nudge.posted_message_id.is_not(None),
            Nudge.channel_id.is_not(None),
            (Nudge.step == "listing") | Nudge.step.like(f"{RELIST_PREFIX}%"),
            (Question.status != "open") | Question.message_id.is_(None),
            ~already,
        )
        .order_by(Nudge.question_message_id, Nudge.id)
        .limit(limit)
    )
    return [
        PostedListing(int(g), int(q), int(c or 0), int(m or 0), int(qc or 0), str(status or "removed"))
        for g, q, c, m, qc, status in (await session.execute(stmt)).all()
    ]


async def helper_profiles(
    session: AsyncSession,
    guild_id: int,
    *,
    default_timezone: str,
    history_since: datetime,
    assume_opt_in: bool = False,
) -> list[HelperProfile]:
    """Every possible helper of a guild with what they answered since `history_since`.

    Opted-in helpers come from `helpers`; with `assume_opt_in`, everyone who answered a
    question is a helper too, with topics taken from what they answered. Members who
    opted out of tracking, left, or are bots are never candidates.
    """
    helpers = {
        h.user_id: h
        for h in (
            await session.execute(select(Helper).where(Helper.guild_id == guild_id, Helper.active.is_(True)))
        ).scalars()
    }
    if not helpers and not assume_opt_in:
        return []
    answers_stmt = (
        select(QuestionResponder.user_id, Question.channel_id, Question.parent_channel_id, Question.topics)
        .join(Question, Question.message_id == QuestionResponder.question_id)
        .where(QuestionResponder.guild_id == guild_id, Question.asked_at >= history_since)
    )
    if not assume_opt_in:
        answers_stmt = answers_stmt.where(QuestionResponder.user_id.in_(list(helpers)))
    answers = await session.execute(answers_stmt)
    by_channel: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_topic: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for uid, channel_id, parent_id, topics in answers.all():
        by_channel[uid][channel_id] += 1
        if parent_id is not None:
            by_channel[uid][parent_id] += 1
        for topic in topics or ():
            by_topic[uid][str(topic).lower()] += 1
    user_ids = set(helpers)
    if assume_opt_in:
        user_ids |= set(by_channel)
    if not user_ids:
        return []
    members = {
        m.user_id: m
        for m in (
            await session.execute(
                select(Member).where(Member.guild_id == guild_id, Member.user_id.in_(user_ids))
            )
        ).scalars()
    }
    interests: dict[int, set[str]] = defaultdict(set)
    for uid, interest in (
        await session.execute(
            select(Interest.user_id, Interest.interest).where(
                Interest.guild_id == guild_id, Interest.user_id.in_(user_ids)
            )
        )
    ).all():
        interests[uid].add(interest.lower())
    profiles: list[HelperProfile] = []
    for uid in sorted(user_ids):
        member = members.get(uid)
        if member is not None and (member.opted_out or member.is_bot or _has_left(member)):
            continue
        h = helpers.get(uid)
        declared = {t.lower() for t in (h.topics if h is not None else ()) or ()} | interests[uid]
        timezone = (h.timezone if h is not None else None) or (member.timezone if member else None)
        profiles.append(
            HelperProfile(
                user_id=uid,
                topics=frozenset(declared),
                timezone=timezone or default_timezone,
                opted_in=True,
                paused_until=h.paused_until if h is not None else None,
                active_start_hour=h.active_start_hour if h is not None else None,
                active_end_hour=h.active_end_hour if h is not None else None,
                answers_by_channel=dict(by_channel.get(uid, {})),
                answers_by_topic=dict(by_topic.get(uid, {})),
                last_active_at=member.last_seen_at if member is not None else None,
            )
        )
    return profiles


def _has_left(member: Member) -> bool:
    if member.left_at is None:
        return False
    return member.joined_at is None or member.left_at >= member.joined_at
