"""The offline digest: `digest.md`, `digest.png` and `digest.json` for one server and week,
from a database filled by an export replay (the `python -m bot digest ...` command)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.clock import SystemClock
from bot.digest import store as repo
from bot.digest.chart import render_chart
from bot.digest.markdown import render_markdown
from bot.digest.service import DigestService
from bot.digest.week_digest import WeekDigest, last_complete_week, week_bounds, week_key_of
from bot.settings import store as settings_repo
from bot.settings.service import SettingsChange, SettingsService
from bot.store.session import make_sessionmaker


class WeekOutsideData(ValueError):
    """The asked week holds none of the stored data (the message names the weeks it covers)."""


def weeks_covered(span: tuple[datetime, datetime], tz: str) -> tuple[str, str]:
    """The first and last week (in time zone `tz`) that hold stored messages."""
    return week_key_of(span[0], tz), week_key_of(span[1], tz)


def check_week_in_data(week_key: str, span: tuple[datetime, datetime] | None, tz: str) -> None:
    """Refuse a week outside the stored data (it would read as a quiet week, not as no data)."""
    if span is None:
        raise WeekOutsideData("no messages are stored for this server")
    first, last = weeks_covered(span, tz)
    start, end = week_bounds(week_key, tz)
    if end <= span[0] or start > span[1]:
        covered = first if first == last else f"{first} to {last}"
        raise WeekOutsideData(f"week {week_key} is outside the data, which covers {covered} ({tz})")


async def configure_offline(
    target: async_sessionmaker[AsyncSession] | AsyncEngine,
    guild_id: int,
    *,
    timezone: str | None = None,
    response_target_minutes: int | None = None,
) -> None:
    """Store the server settings an offline digest needs to match the live one (time zone,
    response target), validated as `/hearth setup` validates them (InvalidInput if not)."""
    sessionmaker = target if isinstance(target, async_sessionmaker) else make_sessionmaker(target)
    change = SettingsChange(timezone=timezone, response_target_minutes=response_target_minutes)
    if not change.is_empty():
        await SettingsService(sessionmaker, SystemClock()).update(guild_id, change)


async def build_offline_digest(
    target: async_sessionmaker[AsyncSession] | AsyncEngine,
    guild_id: int | None,
    week_key: str | None,
    *,
    staff_ids: Collection[int] = (),
) -> WeekDigest:
    """The digest of one server and week from a database filled by an export replay.

    The same `DigestService.build` the live digest uses, with the same definitions
    (`bot.digest.definitions`): `staff_ids` are counted as staff besides the members stored as
    staff. Without `guild_id` the first server with messages; without `week_key` the last
    complete week of the data (or the only, partial, week when the data is shorter than that).
    A week outside the data raises `WeekOutsideData`.
    """
    sessionmaker = target if isinstance(target, async_sessionmaker) else make_sessionmaker(target)
    async with sessionmaker() as session:
        if guild_id is None:
            guilds = await repo.guilds_with_data(session)
            if not guilds:
                raise ValueError("the database holds no messages to build a digest from")
            guild_id = guilds[0]
        cfg = await settings_repo.get_settings(session, guild_id)
        span = await repo.activity_span(session, guild_id)
    if span is None:
        raise ValueError(f"no messages stored for server {guild_id}")
    if week_key is None:
        oldest, newest = span
        week_key = last_complete_week(newest, cfg.timezone)
        if week_bounds(week_key, cfg.timezone)[1] <= oldest:
            week_key = week_key_of(newest, cfg.timezone)
    check_week_in_data(week_key, span, cfg.timezone)
    partial = span[1] < week_bounds(week_key, cfg.timezone)[1] and week_key == week_key_of(span[1], cfg.timezone)
    staff = frozenset(staff_ids)
    service = DigestService(sessionmaker, SystemClock(), staff_source=(lambda _guild: staff) if staff else None)
    return await service.build(guild_id, week_key, partial=partial)


async def awrite_offline_digest(
    target: async_sessionmaker[AsyncSession] | AsyncEngine,
    guild_id: int | None,
    week_key: str | None,
    out_dir: str | Path,
    *,
    names: Mapping[int, str] | None = None,
    staff_ids: Collection[int] = (),
    channel_names: Mapping[int, str] | None = None,
) -> dict[str, Path]:
    """Write `digest.md`, `digest.png` and `digest.json` for one server and week into `out_dir`
    (the digest of `build_offline_digest`)."""
    digest = await build_offline_digest(target, guild_id, week_key, staff_ids=staff_ids)
    return await asyncio.to_thread(_write_files, Path(out_dir), digest, names, channel_names)


def _write_files(
    out: Path, digest: WeekDigest, names: Mapping[int, str] | None, channel_names: Mapping[int, str] | None
) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"md": out / "digest.md", "png": out / "digest.png", "json": out / "digest.json"}
    paths["md"].write_text(render_markdown(digest, names, channel_names), encoding="utf-8")
    paths["png"].write_bytes(render_chart(digest, names))
    paths["json"].write_text(json.dumps(digest.figures(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return paths


def write_offline_digest(
    target: async_sessionmaker[AsyncSession] | AsyncEngine,
    guild_id: int | None,
    week_key: str | None,
    out_dir: str | Path,
    *,
    names: Mapping[int, str] | None = None,
    staff_ids: Collection[int] = (),
    channel_names: Mapping[int, str] | None = None,
) -> dict[str, Path]:
    """Blocking form of `awrite_offline_digest` (for a command line; not inside a running loop)."""
    return asyncio.run(
        awrite_offline_digest(
            target, guild_id, week_key, out_dir, names=names, staff_ids=staff_ids, channel_names=channel_names
        )
    )

