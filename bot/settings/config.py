"""Hearth's settings: read once at start-up from a TOML file and the environment.

`DISCORD_TOKEN` and `HEARTH_DATABASE_URL` override the file. An invalid value stops
start-up with the key, the value and what was expected (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.nudges.ladder import NudgeSettings
from bot.settings.guild import (
    DEFAULT_RESPONSE_TARGET_MINUTES,
    DEFAULT_SNIPPET_CHARS,
    DEFAULT_TIMEZONE,
    MAX_RESPONSE_MINUTES,
    MAX_SNIPPET_CHARS,
    MIN_RESPONSE_MINUTES,
    ServerDefaults,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///hearth.db"


class ConfigError(Exception):
    """A configuration problem, worded for the person running the bot."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscordSettings(_Section):
    token: str = ""
    message_content: bool = True
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] = Field(default_factory=list)
    backfill_days_on_join: int = Field(default=30, ge=0, le=365)

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordSettings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("shard_ids needs shard_count")
        if self.shard_count is not None:
            bad = [s for s in self.shard_ids if not 0 <= s < self.shard_count]
            if bad:
                raise ValueError(f"shard_ids {bad} are outside 0..{self.shard_count - 1}")
        return self


class DatabaseSettings(_Section):
    url: str = DEFAULT_DATABASE_URL
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    flush_seconds: float = Field(default=0.5, gt=0, le=60)


class DefaultsSettings(_Section):
    """What a server gets before a moderator runs `/hearth setup`."""

    timezone: str = DEFAULT_TIMEZONE
    response_target_minutes: int = Field(
        default=DEFAULT_RESPONSE_TARGET_MINUTES, ge=MIN_RESPONSE_MINUTES, le=MAX_RESPONSE_MINUTES
    )
    snippet_chars: int = Field(default=DEFAULT_SNIPPET_CHARS, ge=0, le=MAX_SNIPPET_CHARS)
    # the nudge ladder, the board and the daily budget (names as in /hearth nudges set)
    nudges: dict[str, int | bool] = Field(default_factory=dict)

    def server_defaults(self) -> ServerDefaults:
        return ServerDefaults(
            timezone=self.timezone,
            response_target_minutes=self.response_target_minutes,
            snippet_chars=self.snippet_chars,
            nudges=dict(self.nudges),
        )

    @field_validator("nudges")
    @classmethod
    def _known_nudge_values(cls, value: dict[str, int | bool]) -> dict[str, int | bool]:
        problems = NudgeSettings.problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from exc
        return value


class SchedulerSettings(_Section):
    poll_seconds: int = Field(default=60, ge=5, le=3600)
    misfire_grace_seconds: int = Field(default=600, ge=1)


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(_Section):
    discord: DiscordSettings = DiscordSettings()
    database: DatabaseSettings = DatabaseSettings()
    defaults: DefaultsSettings = DefaultsSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    logging: LoggingSettings = LoggingSettings()


def _describe(error: Mapping[str, Any]) -> str:
    key = ".".join(str(part) for part in error.get("loc", ())) or "(top level)"
    value = error.get("input")
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        return f"{key}: unknown key (check the spelling against config.example.toml)"
    if error.get("type") == "missing":
        return f"{key}: missing"
    shown = value if not isinstance(value, dict) else "{...}"
    return f"{key} = {shown!r}: {message}"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `path` (optional) and the environment; raise ConfigError when invalid."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist (copy config.example.toml)") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    if env.get("DISCORD_TOKEN"):
        data.setdefault("discord", {})["token"] = env["DISCORD_TOKEN"]
    if env.get("HEARTH_DATABASE_URL"):
        data.setdefault("database", {})["url"] = env["HEARTH_DATABASE_URL"]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_describe(err)}" for err in exc.errors())
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}:\n{problems}") from None
