"""Per-server settings with validation: nothing is stored unless every change is valid."""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.errors import InvalidInput
from bot.settings import store as settings_repo
from bot.settings.guild import (
    MAX_RESPONSE_MINUTES,
    MAX_SNIPPET_CHARS,
    MIN_RESPONSE_MINUTES,
    ServerDefaults,
    ServerSettings,
)

MAX_CHANNEL_LIST = 50

OnChange = Callable[[int], Awaitable[Any]]


@lru_cache(maxsize=1)
def known_timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_timezone(name: str) -> str:
    name = name.strip()
    if name.upper() == "UTC":
        return "UTC"
    if name not in known_timezones():
        raise InvalidInput(
            f"`{name[:60]}` is not a time zone I know. Use an IANA name such as `Europe/Berlin` "
            "or `America/New_York` (the option suggests them as you type)."
        )
    zoneinfo.ZoneInfo(name)
    return name


def timezone_choices(prefix: str, limit: int = 25) -> list[str]:
    needle = prefix.strip().lower()
    names = known_timezones()
    starts = [n for n in names if n.lower().startswith(needle)]
    contains = [n for n in names if needle in n.lower() and n not in starts]
    return (starts + contains)[:limit]


def validate_minutes(minutes: int) -> int:
    if not MIN_RESPONSE_MINUTES <= minutes <= MAX_RESPONSE_MINUTES:
        raise InvalidInput(
            f"The response target must be between {MIN_RESPONSE_MINUTES} and {MAX_RESPONSE_MINUTES} minutes "
            f"(one week); {minutes} is out of range."
        )
    return minutes


def validate_snippet_chars(chars: int) -> int:
    if not 0 <= chars <= MAX_SNIPPET_CHARS:
        raise InvalidInput(f"The snippet length must be between 0 (store none) and {MAX_SNIPPET_CHARS} characters.")
    return chars


@dataclass
class SettingsChange:
    """What `/hearth setup` asks to change; None leaves a value as it is."""

    timezone: str | None = None
    response_target_minutes: int | None = None
    digest_channel_id: int | None = None
    help_wanted_channel_id: int | None = None
    intro_channel_id: int | None = None
    snippet_chars: int | None = None
    tracking_enabled: bool | None = None
    add_help_channels: list[int] = field(default_factory=list)
    remove_help_channels: list[int] = field(default_factory=list)
    add_excluded_channels: list[int] = field(default_factory=list)
    remove_excluded_channels: list[int] = field(default_factory=list)
    add_staff_roles: list[int] = field(default_factory=list)
    remove_staff_roles: list[int] = field(default_factory=list)

    def is_empty(self) -> bool:
        return self == SettingsChange()


def _edit_list(current: list[int], add: list[int], remove: list[int], what: str) -> list[int]:
    out = [c for c in current if c not in remove]
    for channel_id in add:
        if channel_id not in out:
            out.append(channel_id)
    if len(out) > MAX_CHANNEL_LIST:
        raise InvalidInput(f"At most {MAX_CHANNEL_LIST} {what} entries.")
    return out


class SettingsService:
    """The only door through which a server's settings change; every change is told to the
    subscribers (the pipeline's rules, the nudge ladder's cache, staff roles...)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        defaults: ServerDefaults | None = None,
        on_change: OnChange | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self.defaults = defaults or ServerDefaults()
        self._subscribers: list[OnChange] = []
        if on_change is not None:
            self.subscribe(on_change)

    def subscribe(self, callback: OnChange) -> None:
        """Call `callback(guild_id)` after every change of that server's settings."""
        if callback not in self._subscribers:
            self._subscribers.append(callback)

    async def get(self, guild_id: int) -> ServerSettings:
        async with self._sessionmaker() as session:
            return await settings_repo.get_settings(session, guild_id, self.defaults)

    async def read(self, session: AsyncSession, guild_id: int) -> ServerSettings:
        """The settings read inside a caller's unit of work."""
        return await settings_repo.get_settings(session, guild_id, self.defaults)

    async def read_many(self, session: AsyncSession, guild_ids: Iterable[int]) -> dict[int, ServerSettings]:
        return await settings_repo.settings_for(session, guild_ids, self.defaults)

    async def with_digest_channel(self) -> list[ServerSettings]:
        async with self._sessionmaker() as session:
            return await settings_repo.with_digest_channel(session, self.defaults)

    def validate(self, current: ServerSettings, change: SettingsChange) -> dict[str, Any]:
        """The column updates for `change`, or InvalidInput (raised before anything is stored)."""
        updates: dict[str, Any] = {}
        if change.timezone is not None:
            updates["timezone"] = validate_timezone(change.timezone)
        if change.response_target_minutes is not None:
            updates["response_target_minutes"] = validate_minutes(change.response_target_minutes)
        if change.snippet_chars is not None:
            updates["snippet_chars"] = validate_snippet_chars(change.snippet_chars)
        if change.tracking_enabled is not None:
            updates["tracking_enabled"] = bool(change.tracking_enabled)
        for name in ("digest_channel_id", "help_wanted_channel_id", "intro_channel_id"):
            value = getattr(change, name)
            if value is not None:
                updates[name] = int(value)
        both = set(change.add_help_channels) & set(change.remove_help_channels)
        both |= set(change.add_excluded_channels) & set(change.remove_excluded_channels)
        both |= set(change.add_staff_roles) & set(change.remove_staff_roles)
        if both:
            raise InvalidInput("A channel or role cannot be added and removed in the same change.")
        if change.add_help_channels or change.remove_help_channels:
            updates["help_channel_ids"] = _edit_list(
                list(current.help_channel_ids), change.add_help_channels, change.remove_help_channels, "help"
            )
        if change.add_excluded_channels or change.remove_excluded_channels:
            updates["excluded_channel_ids"] = _edit_list(
                list(current.excluded_channel_ids),
                change.add_excluded_channels,
                change.remove_excluded_channels,
                "excluded",
            )
        if change.add_staff_roles or change.remove_staff_roles:
            updates["staff_role_ids"] = _edit_list(
                list(current.staff_role_ids), change.add_staff_roles, change.remove_staff_roles, "staff role"
            )
        return updates

    async def update(self, guild_id: int, change: SettingsChange) -> ServerSettings:
        """`/hearth setup`: validate every change first, then store them together."""
        current = await self.get(guild_id)
        updates = self.validate(current, change)
        if not updates:
            return current
        return await self.store(guild_id, **updates)

    async def store(self, guild_id: int, **values: Any) -> ServerSettings:
        """Store already validated values (the feature services validate their own settings)
        and tell every subscriber. The nudge, intro and digest dicts hold only what was set."""
        async with self._sessionmaker.begin() as session:
            fresh = await settings_repo.update_settings(
                session, guild_id, self.defaults, updated_at=self._clock.now(), **values
            )
        for callback in self._subscribers:
            await callback(guild_id)
        return fresh


