"""Two generated servers whose activity overlaps: the same members, the same weeks.

Server B is generated with another seed, then rewritten so that its members are server A's
members (the same user ids, active in both), its guild id is its own, and its channel and
message ids are its own (bit 21 of each snowflake set: the worker bits, which the generator
never uses, so the ids stay time-ordered and never collide with A's).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.sample.generator import GeneratorConfig, write_community

B_GUILD = 1144420879564812345
B_BIT = 1 << 21

CONFIG_A = GeneratorConfig(seed=3, members=24, weeks=2, messages_per_week=350, thread_share=0.3)
CONFIG_B = replace(
    CONFIG_A, seed=4, weeks=1, messages_per_week=300, start=CONFIG_A.start + timedelta(days=2), guild_name="Other"
)


def _own(value: Any) -> Any:
    if value in (None, "", "0", 0):
        return value
    return str(int(value) | B_BIT)


def _user(value: Any, members: dict[str, str]) -> Any:
    return members.get(str(value), value)


def _message(raw: dict[str, Any], members: dict[str, str]) -> dict[str, Any]:
    raw["id"] = _own(raw["id"])
    raw["author"]["id"] = _user(raw["author"]["id"], members)
    for mention in raw.get("mentions") or []:
        mention["id"] = _user(mention["id"], members)
    for reaction in raw.get("reactions") or []:
        for user in reaction.get("users") or []:
            user["id"] = _user(user["id"], members)
    reference = raw.get("reference")
    if isinstance(reference, dict):
        reference["messageId"] = _own(reference.get("messageId"))
        reference["channelId"] = _own(reference.get("channelId"))
        reference["guildId"] = str(B_GUILD)
    return raw


def make_servers(root: Path) -> tuple[list[Path], Path, list[Path], Path]:
    """(A's exports, A's sidecar, B's exports, B's sidecar)."""
    a_exports = write_community(CONFIG_A, root / "a")
    b_exports = write_community(CONFIG_B, root / "b-raw")
    a_side = json.loads((root / "a" / "community.json").read_text())
    b_side = json.loads((root / "b-raw" / "community.json").read_text())
    members = {str(b["id"]): str(a["id"]) for a, b in zip(a_side["members"], b_side["members"], strict=False)}

    out = root / "b" / "exports"
    out.mkdir(parents=True)
    rewritten: list[Path] = []
    for path in b_exports:
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["guild"]["id"] = str(B_GUILD)
        doc["channel"]["id"] = _own(doc["channel"]["id"])
        doc["channel"]["categoryId"] = _own(doc["channel"].get("categoryId"))
        doc["messages"] = [_message(m, members) for m in doc["messages"]]
        target = out / path.name
        target.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        rewritten.append(target)

    b_side["guild"]["id"] = str(B_GUILD)
    for channel in b_side.get("channels") or []:
        channel["id"] = _own(channel["id"])
        channel["parent_id"] = _own(channel.get("parent_id"))
    settings = b_side.get("settings") or {}
    for key, value in list(settings.items()):
        if key.endswith("_channel_id"):
            settings[key] = _own(value)
        elif key.endswith("_ids"):  # channels and staff roles
            settings[key] = [_own(v) for v in value or []]
    for member in b_side["members"]:
        member["id"] = _user(member["id"], members)
    b_path = root / "b" / "community.json"
    b_path.write_text(json.dumps(b_side, ensure_ascii=False), encoding="utf-8")
    return a_exports, root / "a" / "community.json", rewritten, b_path
