"""Who could be invited to a question: opted-in helpers (and, for replays of an export,
everyone who answered before) with what they answered, their topics and time zones.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.nudges.helper_choice import HelperProfile
from bot.store.models.core import Interest, Member, Question, QuestionResponder
from bot.store.models.nudges import Helper


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
