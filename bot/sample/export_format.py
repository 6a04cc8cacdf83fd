"""DiscordChatExporter JSON objects and a streaming writer for one export file.

The shapes follow the exporter's JSON writer: `guild`, `channel` (`categoryId`/`category`
name the parent channel for threads and forum posts), `dateRange`, `exportedAt`,
`messages[]`, `messageCount`. One extension: a forum post's `channel` carries the post's
`tags` (names), which the exporter itself does not write.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.sample.community import Channel, Member

EMOJI_CODES: dict[str, str] = {
    "✅": "white_check_mark",
    "👍": "thumbsup",
    "❤️": "heart",
    "😂": "joy",
    "👋": "wave",
    "🎉": "tada",
    "🔥": "fire",
}


@dataclass(frozen=True, slots=True)
class Roles:
    staff_role_id: int
    bot_role_id: int


def user_object(member: Member, roles: Roles | None = None) -> dict[str, Any]:
    """An author or mention object; `roles` lists the member's roles when given."""
    user: dict[str, Any] = {
        "id": str(member.id),
        "name": member.name,
        "discriminator": "0000",
        "nickname": member.name,
        "color": None,
        "isBot": member.bot,
    }
    if roles is not None:
        listed = []
        if member.staff:
            listed.append(
                {"id": str(roles.staff_role_id), "name": "Staff", "color": "#E67E22", "position": 2}
            )
        if member.bot:
            listed.append({"id": str(roles.bot_role_id), "name": "Bots", "color": None, "position": 1})
        user["roles"] = listed
    user["avatarUrl"] = ""
    return user


def reaction_object(emoji: str, users: list[Member]) -> dict[str, Any]:
    return {
        "emoji": {
            "id": "",
            "name": emoji,
            "code": EMOJI_CODES.get(emoji, "emoji"),
            "isAnimated": False,
            "imageUrl": "",
        },
        "count": len(users),
        "users": [user_object(user) for user in users],
    }


def add_reaction(message: dict[str, Any], emoji: str, user: Member) -> None:
    """Add `user`'s `emoji` reaction to a message object (once per user and emoji)."""
    for reaction in message["reactions"]:
        if reaction["emoji"]["name"] == emoji:
            if all(existing["id"] != str(user.id) for existing in reaction["users"]):
                reaction["users"].append(user_object(user))
                reaction["count"] = len(reaction["users"])
            return
    message["reactions"].append(reaction_object(emoji, [user]))


def channel_object(channel: Channel) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": str(channel.id),
        "type": channel.kind,
        "categoryId": str(channel.category_id) if channel.category_id is not None else None,
        "category": channel.category,
        "name": channel.name,
        "topic": channel.topic,
    }
    if channel.role == "post":
        obj["tags"] = list(channel.tags)
    return obj


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "channel"


def file_name(channel: Channel) -> str:
    prefix = _slug(channel.category or "")
    return f"{prefix}--{_slug(channel.name)}--{channel.id}.json"


class ExportFileWriter:
    """Writes one export incrementally: header, then messages one by one, then the count."""

    def __init__(self, path: Path, guild: dict[str, Any], channel: Channel, exported_at: str) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        head = {
            "guild": guild,
            "channel": channel_object(channel),
            "dateRange": {"after": None, "before": None},
            "exportedAt": exported_at,
        }
        self._handle.write(_dumps(head)[:-1] + ',"messages":[')

    def write(self, message: dict[str, Any]) -> None:
        if self.count:
            self._handle.write(",")
        self._handle.write("\n" + _dumps(message))
        self.count += 1

    def close(self) -> None:
        self._handle.write(f'\n],"messageCount":{self.count}}}\n')
        self._handle.close()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def guild_object(guild_id: int, name: str) -> dict[str, Any]:
    return {"id": str(guild_id), "name": name, "iconUrl": ""}
