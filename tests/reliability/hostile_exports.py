"""Small DiscordChatExporter exports, well formed or broken on purpose, for the hostile-export tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

GUILD = 1144420879564800001
CHANNEL = 1144480270909440007
START = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
MEMBERS = (811871256700780569, 836123492486217779, 845000000000000001)
FIRST_ID = 1325626103305339126


def author(user_id: int, name: str = "member") -> dict[str, Any]:
    return {"id": str(user_id), "name": name, "nickname": name, "isBot": False, "roles": []}


def message(index: int, content: str = "", *, user: int | None = None, **extra: Any) -> dict[str, Any]:
    uid = user if user is not None else MEMBERS[index % len(MEMBERS)]
    raw: dict[str, Any] = {
        "id": str(FIRST_ID + index * 1000),
        "type": "Default",
        "timestamp": (START + timedelta(minutes=3 * index)).isoformat(),
        "content": content or _chat(index),
        "author": author(uid, f"m{uid % 97}"),
        "reactions": [],
        "mentions": [],
    }
    raw.update(extra)
    return raw


def _chat(index: int) -> str:
    lines = (
        "How do I get the sensor to read above 3.3V?",
        "try a voltage divider on the input",
        "that worked, thanks!",
        "anyone know why my build fails on CI?",
        "check the lockfile, it is probably stale",
        "nice one",
    )
    return lines[index % len(lines)]


def messages(count: int = 24) -> list[dict[str, Any]]:
    return [message(i) for i in range(count)]


def document(msgs: list[Any], *, guild_id: Any = None, channel_id: Any = None) -> dict[str, Any]:
    return {
        "guild": {"id": str(GUILD) if guild_id is None else guild_id, "name": "Hearth Makers", "iconUrl": ""},
        "channel": {
            "id": str(CHANNEL) if channel_id is None else channel_id,
            "type": "GuildTextChat",
            "categoryId": "1144442018856960002",
            "category": "Community",
            "name": "general",
        },
        "dateRange": {"after": None, "before": None},
        "messages": msgs,
        "messageCount": len(msgs) if isinstance(msgs, list) else 0,
    }


def write(path: Path, doc: dict[str, Any] | list[Any] | str | bytes) -> Path:
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    elif isinstance(doc, str):
        path.write_text(doc, encoding="utf-8")
    else:
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def with_message(index: int, **changes: Any) -> dict[str, Any]:
    """A good export whose message `index` has `changes` (a value of `...` removes the key)."""
    msgs = messages()
    for key, value in changes.items():
        if value is ...:
            msgs[index].pop(key, None)
        else:
            msgs[index][key] = value
    return document(msgs)
