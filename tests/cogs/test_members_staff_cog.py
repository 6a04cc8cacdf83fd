"""Staff flags follow Discord in simcord: moderators at join, role changes, and the staff roles
set with `/hearth setup` (real services on a migrated SQLite file)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.runtime.bot import HearthBot
from bot.store.models.core import Member
from tests.cogs.commands_support import open_command_services, reply_text
from tests.cogs.simworld import HearthWorld, SimcordClock


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.hearth", "cogs.members"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield services


async def staff_ids(hearth: HearthWorld, bot: HearthBot) -> set[int]:
    await hearth.env.settle()
    for _ in range(5):  # start-up and setting changes run in a background task
        await asyncio.sleep(0.01)
    async with bot.services.sessionmaker() as session:
        found = await session.scalars(
            select(Member.user_id).where(Member.guild_id == hearth.guild.id, Member.is_staff.is_(True))
        )
        return set(found)


def owner_id(hearth: HearthWorld, bot: HearthBot) -> int:
    guild = bot.get_guild(hearth.guild.id)
    assert guild is not None and guild.owner_id is not None
    return guild.owner_id


async def test_staff_flags_follow_permissions_roles_and_the_setting(
    hearth: HearthWorld, hearth_bot: HearthBot
) -> None:
    assert hearth_bot.get_cog("StaffCog") is not None
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id}  # Manage Server, at join
    owner = owner_id(hearth, hearth_bot)

    team = hearth.guild.create_role("Team")
    backend = hearth.env.backend
    backend.add_member_role(hearth.guild.id, hearth.alice.id, team.id)
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id}  # not a staff role yet

    saved = await hearth.moderator.slash(hearth.general, "hearth setup", staff_role_add=team)
    assert "Settings saved" in reply_text(saved)
    # the setting change checks every member, the server's owner (never a speaker here) included
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, hearth.alice.id, owner}

    backend.add_member_role(hearth.guild.id, hearth.bob.id, team.id)
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, hearth.alice.id, hearth.bob.id, owner}
    backend.remove_member_role(hearth.guild.id, hearth.bob.id, team.id)
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, hearth.alice.id, owner}

    await hearth.moderator.slash(hearth.general, "hearth setup", staff_role_remove=team)
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, owner}
    backend.remove_member_role(hearth.guild.id, hearth.moderator.id, hearth.mod_role.id)
    assert await staff_ids(hearth, hearth_bot) == {owner}
    assert hearth.env.errors == []


async def test_start_up_checks_every_member(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    """Flags left stale while the bot was away are put right when it is ready again."""
    async with hearth_bot.services.sessionmaker.begin() as session:
        session.add(Member(guild_id=hearth.guild.id, user_id=hearth.carol.id, is_staff=True))
        moderator = await session.get(Member, (hearth.guild.id, hearth.moderator.id))
        assert moderator is not None and moderator.is_staff
        moderator.is_staff = False
    assert await staff_ids(hearth, hearth_bot) == {hearth.carol.id}
    hearth_bot.dispatch("ready")
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, owner_id(hearth, hearth_bot)}


async def test_start_up_pages_members_the_cache_does_not_hold(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    """Without start-up chunking the cache may hold only some members: the rest are paged in."""
    guild = hearth_bot.get_guild(hearth.guild.id)
    assert guild is not None
    async with hearth_bot.services.sessionmaker.begin() as session:
        moderator = await session.get(Member, (hearth.guild.id, hearth.moderator.id))
        assert moderator is not None
        moderator.is_staff = False
    guild._remove_member(guild.get_member(hearth.moderator.id))  # type: ignore[arg-type]
    assert not guild.chunked and guild.get_member(hearth.moderator.id) is None
    hearth_bot.dispatch("ready")
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, owner_id(hearth, hearth_bot)}


async def test_a_role_given_manage_server_makes_its_members_staff(
    hearth: HearthWorld, hearth_bot: HearthBot
) -> None:
    crew = hearth.guild.create_role("Crew")
    backend = hearth.env.backend
    backend.add_member_role(hearth.guild.id, hearth.carol.id, crew.id)
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id}
    manage = discord.Permissions(manage_guild=True).value
    backend.edit_role(hearth.guild.id, crew.id, {"permissions": manage})
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id, hearth.carol.id}
    backend.edit_role(hearth.guild.id, crew.id, {"permissions": 0})
    assert await staff_ids(hearth, hearth_bot) == {hearth.moderator.id}
