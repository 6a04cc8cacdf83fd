"""Per-server settings (`guild_settings`): read as `ServerSettings` over the given defaults, and
written in one place (the settings service is the only caller that writes)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings.guild import SETTING_NAMES, ServerDefaults, ServerSettings
from bot.store.dialect import dialect_insert
from bot.store.models.core import GuildSettings

_ID_LISTS = ("help_channel_ids", "excluded_channel_ids", "staff_role_ids")
_DICTS = ("nudges", "intros", "digest")


def _settings(row: GuildSettings, defaults: ServerDefaults) -> ServerSettings:
    values: dict[str, Any] = {name: getattr(row, name) for name in SETTING_NAMES}
    for name in _ID_LISTS:
        values[name] = tuple(int(v) for v in values[name] or ())
    for name in _DICTS:
        values[name] = dict(values[name] or {})
    if not values["timezone"]:
        values["timezone"] = defaults.timezone
    if not values["response_target_minutes"]:
        values["response_target_minutes"] = defaults.response_target_minutes
    if values["snippet_chars"] is None:
        values["snippet_chars"] = defaults.snippet_chars
    if values["tracking_enabled"] is None:
        values["tracking_enabled"] = True
    return ServerSettings(
        guild_id=row.guild_id, updated_at=row.updated_at, stored=True, nudge_defaults=dict(defaults.nudges), **values
    )


async def get_settings(
    session: AsyncSession, guild_id: int, defaults: ServerDefaults | None = None
) -> ServerSettings:
    defaults = defaults or ServerDefaults()
    row = await session.get(GuildSettings, guild_id, populate_existing=True)
    return ServerSettings.default(guild_id, defaults) if row is None else _settings(row, defaults)


async def settings_for(
    session: AsyncSession, guild_ids: Iterable[int], defaults: ServerDefaults | None = None
) -> dict[int, ServerSettings]:
    """Each of these servers' settings (the defaults for one with no row)."""
    defaults = defaults or ServerDefaults()
    ids = list(guild_ids)
    found = {gid: ServerSettings.default(gid, defaults) for gid in ids}
    if ids:
        rows = await session.execute(select(GuildSettings).where(GuildSettings.guild_id.in_(ids)))
        for row in rows.scalars():
            found[row.guild_id] = _settings(row, defaults)
    return found


async def with_digest_channel(session: AsyncSession, defaults: ServerDefaults | None = None) -> list[ServerSettings]:
    """Every server with a digest channel set (enabled or not: the caller filters)."""
    defaults = defaults or ServerDefaults()
    rows = await session.execute(
        select(GuildSettings).where(GuildSettings.digest_channel_id.is_not(None)).order_by(GuildSettings.guild_id)
    )
    return [_settings(row, defaults) for row in rows.scalars()]


async def update_settings(
    session: AsyncSession,
    guild_id: int,
    defaults: ServerDefaults | None = None,
    *,
    updated_at: datetime | None = None,
    **changes: Any,
) -> ServerSettings:
    """Set the given settings (creating the row from the defaults if needed) and return the result.
    Unknown names raise ValueError; id lists are stored as lists of ints."""
    defaults = defaults or ServerDefaults()
    unknown = set(changes) - SETTING_NAMES
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    values = dict(changes)
    for name in _ID_LISTS:
        if name in values:
            values[name] = [int(v) for v in values[name]]
    for name in _DICTS:
        if name in values:
            values[name] = dict(values[name])
    if updated_at is not None:
        values["updated_at"] = updated_at
    start = ServerSettings.default(guild_id, defaults)
    insert_values: dict[str, Any] = {name: getattr(start, name) for name in SETTING_NAMES}
    for name in _ID_LISTS:
        insert_values[name] = list(insert_values[name])
    for name in _DICTS:
        insert_values[name] = dict(insert_values[name])
    insert_values.update(values)
    ins = dialect_insert(session, GuildSettings).values(guild_id=guild_id, **insert_values)
    if values:
        stmt = ins.on_conflict_do_update(
            index_elements=["guild_id"], set_={name: ins.excluded[name] for name in values}
        )
    else:
        stmt = ins.on_conflict_do_nothing(index_elements=["guild_id"])
    await session.execute(stmt)
    return await get_settings(session, guild_id, defaults)


__all__ = ["get_settings", "settings_for", "update_settings", "with_digest_channel"]
