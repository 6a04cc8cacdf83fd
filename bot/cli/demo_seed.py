"""Seed a replay's database from a sample community's sidecar (`community.json`).

The sidecar says what members would have set with slash commands: interests, helper and
introduction opt-ins, time zones, staff, and the server's channels and settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.cli.common import CliError
from bot.members.store import upsert_member
from bot.services import Services
from bot.settings.service import SettingsChange


@dataclass
class Community:
    guild_id: int
    name: str
    settings: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)
    channel_names: dict[int, str] = field(default_factory=dict)

    def member_names(self) -> dict[int, str]:
        return {int(m["id"]): str(m.get("name") or m["id"]) for m in self.members}


def load_community(path: Path) -> Community:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        guild = data["guild"]
        return Community(
            guild_id=int(guild["id"]),
            name=str(guild.get("name") or ""),
            settings=dict(data.get("settings") or {}),
            members=list(data.get("members") or []),
            channel_names={int(c["id"]): str(c.get("name") or c["id"]) for c in data.get("channels") or []},
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CliError(f"{path}: not a readable community sidecar ({exc})") from exc


def _ids(values: Any) -> list[int]:
    return [int(v) for v in values or []]


async def seed_community(services: Services, community: Community) -> dict[str, int]:
    """Apply the sidecar through the same services the slash commands use."""
    assert services.settings and services.interests and services.nudges and services.intros
    s = community.settings
    gid = community.guild_id

    def opt_id(key: str) -> int | None:
        return int(s[key]) if s.get(key) else None

    await services.settings.update(
        gid,
        SettingsChange(
            timezone=s.get("timezone"),
            response_target_minutes=s.get("response_target_minutes"),
            digest_channel_id=opt_id("digest_channel_id"),
            help_wanted_channel_id=opt_id("help_wanted_channel_id"),
            intro_channel_id=opt_id("intro_channel_id"),
            add_help_channels=_ids(s.get("help_channel_ids")),
            add_excluded_channels=_ids(s.get("excluded_channel_ids")),
            add_staff_roles=_ids(s.get("staff_role_ids")),
        ),
    )
    counts = {"members": 0, "helpers": 0, "intros": 0, "interests": 0}
    async with services.sessionmaker.begin() as session:
        for member in community.members:
            await upsert_member(
                session,
                gid,
                int(member["id"]),
                is_bot=bool(member.get("bot")),
                is_staff=bool(member.get("staff")),
                timezone=member.get("timezone"),
            )
            counts["members"] += 1
    for member in community.members:
        if member.get("bot"):
            continue
        uid = int(member["id"])
        for interest in member.get("interests") or []:
            await services.interests.add(gid, uid, str(interest))
            counts["interests"] += 1
        helper = member.get("helper") or {}
        if helper.get("opt_in"):
            await services.nudges.join(gid, uid, [str(t) for t in helper.get("topics") or []])
            if member.get("timezone"):
                await services.nudges.update_helper(gid, uid, timezone=str(member["timezone"]))
            counts["helpers"] += 1
        intros = member.get("intros") or {}
        if intros.get("opt_in"):
            await services.intros.join(
                gid, uid, frequency=str(intros.get("frequency") or "weekly"), timezone=member.get("timezone")
            )
            counts["intros"] += 1
    await services.pipeline.refresh_rules(gid)
    return counts
