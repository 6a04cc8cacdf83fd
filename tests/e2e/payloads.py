"""Discord API objects (JSON dicts) for the fake Discord server: users, members, guild, messages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DISCORD_EPOCH_MS = 1420070400000


class Snowflakes:
    """Increasing ids that encode a time (so `created_at` of messages is meaningful)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._base = start or datetime.now(UTC) - timedelta(minutes=5)
        self._counter = itertools.count(1)

    def next(self, at: datetime | None = None) -> int:
        when = at or self._base
        ms = int(when.timestamp() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """An id Discord would put on `shard_id`: `(id >> 22) % shard_count` reads the time bits,
        so the time is moved forward a few milliseconds until it fits."""
        snowflake = self.next()
        millis = snowflake >> 22
        millis += (shard_id - millis % shard_count) % shard_count
        return (millis << 22) | (snowflake & 0x3FFFFF)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = 0  # 0 text, 11 public thread, 15 forum
    parent_id: int | None = None
    owner_id: int | None = None
    position: int = 0

    def payload(self, guild_id: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "guild_id": str(guild_id),
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": str(self.parent_id) if self.parent_id else None,
        }
        if self.type in (11, 12):
            data["owner_id"] = str(self.owner_id)
            data["thread_metadata"] = {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso(datetime.now(UTC)),
                "locked": False,
            }
            data["message_count"] = 0
            data["member_count"] = 1
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeUser] = field(default_factory=dict)
    member_roles: dict[int, list[int]] = field(default_factory=dict)
    roles: list[dict[str, Any]] = field(default_factory=list)

    def member_payload(self, user: FakeUser, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.member_roles.get(user.id, [])],
            "joined_at": iso(datetime.now(UTC) - timedelta(days=10)),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }
        if with_user:
            data["user"] = user.payload()
        return data

    def permissions_of(self, user_id: int) -> int:
        value = 0
        wanted = {str(r) for r in self.member_roles.get(user_id, [])} | {str(self.id)}
        for role in self.roles:
            if role["id"] in wanted:
                value |= int(role["permissions"])
        if user_id == self.owner_id:
            value |= 8
        return value

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [c.payload(self.id) for c in self.channels if c.type not in (11, 12)],
            "threads": [c.payload(self.id) for c in self.channels if c.type in (11, 12)],
            "members": [self.member_payload(u) for u in self.members.values()],
            "member_count": len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "nsfw_level": 0,
            "joined_at": iso(datetime.now(UTC) - timedelta(days=30)),
        }


def role(role_id: int, name: str, permissions: int, position: int = 0) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    guild: FakeGuild | None,
    author: FakeUser,
    content: str,
    at: datetime,
    reference: dict[str, Any] | None = None,
    mentions: list[FakeUser] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    flags: int = 0,
    message_type: int = 0,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author.payload(),
        "content": content,
        "timestamp": iso(at),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [u.payload() for u in mentions or []],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
    }
    if guild is not None:
        data["guild_id"] = str(guild.id)
        if author.id in guild.members:
            data["member"] = guild.member_payload(author, with_user=False)
    if reference is not None:
        data["message_reference"] = {
            "type": 0,
            "message_id": reference["id"],
            "channel_id": reference["channel_id"],
            "guild_id": reference.get("guild_id"),
        }
        data["referenced_message"] = reference
        data["type"] = 19
    return data
