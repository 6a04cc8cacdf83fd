"""One server's settings: one typed object, one set of defaults, and the limits every door checks.

A server's settings are the process-wide defaults (`[defaults]` in the config, `ServerDefaults`)
overlaid with what its moderators stored (the `guild_settings` row). Every feature reads the
same `ServerSettings`; the nudge, introduction and digest settings are views of it, so a change
of the response target reaches the nudge ladder and the digest alike. Only values a moderator
set are stored: a nudge delay nobody set follows the response target wherever it moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.digest.week_digest import DigestSettings
from bot.intros.rounds import IntroSettings
from bot.nudges.ladder import NudgeSettings

MIN_RESPONSE_MINUTES = 1
MAX_RESPONSE_MINUTES = 10080  # one week
MAX_SNIPPET_CHARS = 300
DEFAULT_TIMEZONE = "UTC"
DEFAULT_RESPONSE_TARGET_MINUTES = 30
DEFAULT_SNIPPET_CHARS = 140


@dataclass(frozen=True, slots=True)
class ServerDefaults:
    """What a server has before its moderators change anything (`[defaults]` in the config)."""

    timezone: str = DEFAULT_TIMEZONE
    response_target_minutes: int = DEFAULT_RESPONSE_TARGET_MINUTES
    snippet_chars: int = DEFAULT_SNIPPET_CHARS
    nudges: Mapping[str, Any] = field(default_factory=dict)  # `[defaults.nudges]`: under what moderators set


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything one server is configured with; `stored` is False while it has no row yet."""

    guild_id: int
    timezone: str = DEFAULT_TIMEZONE
    response_target_minutes: int = DEFAULT_RESPONSE_TARGET_MINUTES
    digest_channel_id: int | None = None
    help_wanted_channel_id: int | None = None
    intro_channel_id: int | None = None
    help_channel_ids: tuple[int, ...] = ()
    excluded_channel_ids: tuple[int, ...] = ()
    staff_role_ids: tuple[int, ...] = ()
    snippet_chars: int = DEFAULT_SNIPPET_CHARS
    tracking_enabled: bool = True
    nudges: Mapping[str, Any] = field(default_factory=dict)  # only the nudge values a moderator set
    intros: Mapping[str, Any] = field(default_factory=dict)
    digest: Mapping[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    stored: bool = False
    nudge_defaults: Mapping[str, Any] = field(default_factory=dict)  # the process-wide `[defaults.nudges]`

    @classmethod
    def default(cls, guild_id: int, defaults: ServerDefaults) -> ServerSettings:
        return cls(
            guild_id=guild_id,
            timezone=defaults.timezone,
            response_target_minutes=defaults.response_target_minutes,
            snippet_chars=defaults.snippet_chars,
            nudge_defaults=dict(defaults.nudges),
        )

    @property
    def nudge_settings(self) -> NudgeSettings:
        """The config's `[defaults.nudges]`, overlaid with what the server's moderators set."""
        merged = {**self.nudge_defaults, **self.nudges}
        return NudgeSettings.from_dict(merged, response_target_minutes=self.response_target_minutes)

    @property
    def intro_settings(self) -> IntroSettings:
        return IntroSettings.from_json(self.intros)

    @property
    def digest_settings(self) -> DigestSettings:
        return DigestSettings.from_json(self.digest)


SETTING_NAMES = frozenset(
    {
        "timezone",
        "response_target_minutes",
        "digest_channel_id",
        "help_wanted_channel_id",
        "intro_channel_id",
        "help_channel_ids",
        "excluded_channel_ids",
        "staff_role_ids",
        "snippet_chars",
        "tracking_enabled",
        "nudges",
        "intros",
        "digest",
    }
)

__all__ = [
    "DEFAULT_RESPONSE_TARGET_MINUTES",
    "DEFAULT_SNIPPET_CHARS",
    "DEFAULT_TIMEZONE",
    "MAX_RESPONSE_MINUTES",
    "MAX_SNIPPET_CHARS",
    "MIN_RESPONSE_MINUTES",
    "SETTING_NAMES",
    "ServerDefaults",
    "ServerSettings",
]
