"""Gather the HTML report's inputs from a database filled by an export replay.

The weekly figures are the digest's own (`DigestService.build`), so the report and
`python -m bot digest` never disagree; the rest (the whole period's network, open questions,
first responders, newcomers) comes from `bot.report.store`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import SystemClock
from bot.digest import store as digest_repo
from bot.digest.service import DigestService
from bot.digest.week_digest import (
    HistoryPoint,
    WeekDigest,
    last_complete_week,
    shift_week,
    week_bounds,
    week_key_of,
)
from bot.report import store as repo
from bot.report.page import ReportInputs, ReportPage, build_page
from bot.settings import store as settings_repo


def digest_week(oldest: datetime, newest: datetime, timezone: str) -> str:
    """The week `python -m bot digest` picks without `--week`: the last complete week of the
    data, or the only (partial) week when the data is shorter than that."""
    key = last_complete_week(newest, timezone)
    if week_bounds(key, timezone)[1] <= oldest:
        key = week_key_of(newest, timezone)
    return key


async def weekly_history(
    service: DigestService, guild_id: int, last: WeekDigest, timezone: str, oldest: datetime
) -> list[HistoryPoint]:
    """Every week from the first with data to `last`, oldest first, as the digest counts them."""
    points = list(last.history)
    while points and week_bounds(points[0].week_key, timezone)[0] > oldest:
        earlier = await service.build(guild_id, shift_week(points[0].week_key, -1))
        points = [p for p in earlier.history if p.week_key < points[0].week_key] + points
    first = week_key_of(oldest, timezone)
    return [p for p in points if p.week_key >= first]


async def build_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    guild_id: int,
    *,
    guild_name: str = "",
    names: Mapping[int, str] | None = None,
    channel_names: Mapping[int, str] | None = None,
    staff_ids: Collection[int] = (),
) -> ReportPage:
    """The report page of one server (its digest week is the one `python -m bot digest` picks)."""
    async with sessionmaker() as session:
        cfg = await settings_repo.get_settings(session, guild_id)
        span = await digest_repo.activity_span(session, guild_id)
        who = await digest_repo.people(session, guild_id)
    if span is None:
        raise ValueError(f"no messages stored for server {guild_id}")
    oldest, newest = span
    week_key = digest_week(oldest, newest, cfg.timezone)
    partial = newest < week_bounds(week_key, cfg.timezone)[1] and week_key == week_key_of(newest, cfg.timezone)
    staff = frozenset(staff_ids)  # counted as staff besides the members stored as staff, as in `digest`
    service = DigestService(sessionmaker, SystemClock(), staff_source=(lambda _guild: staff) if staff else None)
    digest = await service.build(guild_id, week_key, partial=partial)
    history = await weekly_history(service, guild_id, digest, cfg.timezone, oldest)
    non_members = who.staff_ids | who.bot_ids | staff
    async with sessionmaker() as session:
        ties = await repo.member_ties(session, guild_id, non_members)
        helped = await repo.helped_pairs(session, guild_id, who.bot_ids)
        first = await repo.first_responders(session, guild_id, who.bot_ids)
        open_questions = await repo.open_questions(session, guild_id)
        newcomers = await repo.newcomers(session, guild_id, non_members)
    inputs = ReportInputs(
        guild_id=guild_id,
        guild_name=guild_name or str(guild_id),
        data_start=oldest,
        data_end=newest,
        week_key=week_key,
        week_numbers=digest.numbers,
        headline=digest.headline,
        weeks=history,
        ties=ties,
        helped=helped,
        first_responses=first,
        open_questions=open_questions,
        newcomers=newcomers,
        names=dict(names or {}),
        channel_names=dict(channel_names or {}),
        staff=who.staff_ids,
        hidden=who.opted_out_ids,
    )
    return await asyncio.to_thread(build_page, inputs)
