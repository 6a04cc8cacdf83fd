"""The offline digest: `digest.md`, `digest.png` and `digest.json` for one server and week,
from a database filled by an export replay (the `python -m bot digest ...` command)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.clock import SystemClock
from bot.digest import store as repo
from bot.digest.chart import render_chart
from bot.digest.markdown import render_markdown
from bot.digest.service import DigestService
from bot.digest.week_digest import WeekDigest, last_complete_week, week_bounds, week_key_of
from bot.settings import store as settings_repo
from bot.store.session import make_sessionmaker


async def awrite_offline_digest(
    target: async_sessionmaker[AsyncSession] | AsyncEngine,
    guild_id: int | None,
    week_key: str | None,
    out_dir: str | Path,
    *,
    names: Mapping[int, str] | None = None,
) -> dict[str, Path]:
    """Write `digest.md`, `digest.png` and `digest.json` for one server and week into `out_dir`.

    Without `guild_id` the first server with messages is used; without `week_key` the last
    complete week of the data (or the only, partial, week when the data is shorter than that).
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
    if week_key is None:
        if span is None:
            raise ValueError(f"no messages stored for server {guild_id}")
        oldest, newest = span
        week_key = last_complete_week(newest, cfg.timezone)
        if week_bounds(week_key, cfg.timezone)[1] <= oldest:
            week_key = week_key_of(newest, cfg.timezone)
    partial = (
        span is not None
        and span[1] < week_bounds(week_key, cfg.timezone)[1]
        and week_key == week_key_of(span[1], cfg.timezone)
    )
    service = DigestService(sessionmaker, SystemClock())
    digest = await service.build(guild_id, week_key, partial=partial)
    return await asyncio.to_thread(_write_files, Path(out_dir), digest, names)


def _write_files(out: Path, digest: WeekDigest, names: Mapping[int, str] | None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"md": out / "digest.md", "png": out / "digest.png", "json": out / "digest.json"}
    paths["md"].write_text(render_markdown(digest, names), encoding="utf-8")
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
) -> dict[str, Path]:
    """Blocking form of `awrite_offline_digest` (for a command line; not inside a running loop)."""
    return asyncio.run(awrite_offline_digest(target, guild_id, week_key, out_dir, names=names))
