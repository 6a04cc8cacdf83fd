"""Per-server settings (`guild_settings`), with defaults when a server has no row yet."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.dialect import dialect_insert
from bot.store.models.core import GuildSettings


@dataclass(frozen=True, slots=True)
class GuildSettingsRow:
    guild_id: int
    timezone: str = "UTC"
    response_target_minutes: int = 30
    digest_channel_id: int | None = None
    help_wanted_channel_id: int | None = None
    intro_channel_id: int | None = None
    help_channel_ids: tuple[int, ...] = ()
    excluded_channel_ids: tuple[int, ...] = ()
    staff_role_ids: tuple[int, ...] = ()
    snippet_chars: int = 140
    tracking_enabled: bool = True
    nudges: dict[str, Any] = field(default_factory=dict)
    intros: dict[str, Any] = field(default_factory=dict)
    digest: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    stored: bool = False  # False: no row yet, these are the defaults


SETTING_NAMES = frozenset(f.name for f in fields(GuildSettingsRow)) - {"guild_id", "stored", "updated_at"}
_ID_LISTS = ("help_channel_ids", "excluded_channel_ids", "staff_role_ids")
_DICTS = ("nudges", "intros", "digest")


def _row(row: GuildSettings) -> GuildSettingsRow:
    values: dict[str, Any] = {name: getattr(row, name) for name in SETTING_NAMES}
    for name in _ID_LISTS:
        values[name] = tuple(int(v) for v in values[name] or ())
    for name in _DICTS:
        values[name] = dict(values[name] or {})
    return GuildSettingsRow(guild_id=row.guild_id, updated_at=row.updated_at, stored=True, **values)


async def get_settings(session: AsyncSession, guild_id: int) -> GuildSettingsRow:
    row = await session.get(GuildSettings, guild_id, populate_existing=True)
    return GuildSettingsRow(guild_id=guild_id) if row is None else _row(row)


async def update_settings(
    session: AsyncSession, guild_id: int, *, updated_at: datetime | None = None, **changes: Any
) -> GuildSettingsRow:
    """Set the given settings (creating the row with defaults if needed) and return the result.
    Unknown names raise ValueError; id lists are stored as lists of ints."""
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
    defaults = GuildSettingsRow(guild_id=guild_id)
    insert_values = {name: getattr(defaults, name) for name in SETTING_NAMES}
    for name in _ID_LISTS:
        insert_values[name] = list(insert_values[name])
    insert_values.update(values)
    ins = dialect_insert(session, GuildSettings).values(guild_id=guild_id, **insert_values)
    if values:
        stmt = ins.on_conflict_do_update(
            index_elements=["guild_id"], set_={name: ins.excluded[name] for name in values}
        )
    else:
        stmt = ins.on_conflict_do_nothing(index_elements=["guild_id"])
    await session.execute(stmt)
    return await get_settings(session, guild_id)


__all__ = ["SETTING_NAMES", "GuildSettingsRow", "get_settings", "update_settings"]
