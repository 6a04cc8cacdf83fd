"""Keeps `members.is_staff` current from the gateway: role changes, role permission changes,
the staff roles setting, members joining with roles, and every member when the bot starts or
joins a server (paged from Discord when the cache does not hold them all).

The cog reads roles and permissions off discord.py objects; `MemberService` decides and
stores. `/hearth setup` dispatches `hearth_staff_roles_changed` after it changed the staff roles.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.members.service import STAFF_BATCH, MemberRoles, MemberService

if TYPE_CHECKING:
    from bot.runtime.bot import HearthBot

log = logging.getLogger(__name__)

STAFF_ROLES_CHANGED = "hearth_staff_roles_changed"  # dispatched with the guild id


def member_roles(member: discord.Member) -> MemberRoles:
    perms = member.guild_permissions
    return MemberRoles(
        user_id=member.id,
        role_ids=frozenset(role.id for role in member.roles),
        manages_server=perms.manage_guild or perms.administrator,
        is_bot=member.bot,
    )


def _staff_signature(member: discord.Member) -> tuple[frozenset[int], bool]:
    roles = member_roles(member)
    return roles.role_ids, roles.manages_server


def member_service(bot: Any) -> MemberService | None:
    """`bot.services.members`, or one built on the services' session factory."""
    services = getattr(bot, "services", None)
    existing = getattr(services, "members", None)
    if isinstance(existing, MemberService):
        return existing
    sessionmaker = getattr(services, "sessionmaker", None)
    if sessionmaker is None:
        return None
    return MemberService(sessionmaker, bot.clock)


async def _each(members: Iterable[discord.Member] | AsyncIterator[discord.Member]) -> AsyncIterator[discord.Member]:
    if isinstance(members, AsyncIterator):
        async for member in members:
            yield member
    else:
        for member in members:
            yield member


class StaffCog(commands.Cog):
    def __init__(self, bot: HearthBot, service: MemberService) -> None:
        self.bot = bot
        self.service = service
        self._tasks: set[asyncio.Task[Any]] = set()

    async def cog_unload(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def sync_members(
        self, guild: discord.Guild, members: Iterable[discord.Member] | AsyncIterator[discord.Member]
    ) -> int:
        """Check these members (in batches, yielding between them); returns how many changed."""
        changed = 0
        roles = await self.service.staff_role_ids(guild.id)
        batch: list[MemberRoles] = []
        async for member in _each(members):
            batch.append(member_roles(member))
            if len(batch) >= STAFF_BATCH:
                result = await self.service.sync_staff(guild.id, batch, staff_role_ids=roles)
                changed += len(result.marked) + len(result.unmarked)
                batch = []
                await asyncio.sleep(0)
        if batch:
            result = await self.service.sync_staff(guild.id, batch, staff_role_ids=roles)
            changed += len(result.marked) + len(result.unmarked)
        return changed

    async def sync_everyone(self, guild: discord.Guild) -> int:
        """Every member: from the cache when it holds them all, else paged from Discord (the bot does
        not chunk servers at start-up, so the cache may hold only recent speakers)."""
        if guild.chunked or not self.bot.intents.members:
            return await self.sync_members(guild, list(guild.members))
        return await self.sync_members(guild, guild.fetch_members(limit=None))

    async def sync_guild(self, guild: discord.Guild) -> int:
        if not self.bot.owns_guild(guild.id) or guild.unavailable:
            return 0
        try:
            changed = await self.sync_everyone(guild)
        except Exception:
            log.exception("checking the staff of guild %s failed", guild.id)
            return 0
        log.info("guild %s: %d members' staff flag changed", guild.id, changed)
        return changed

    def _in_background(self, guilds: Iterable[discord.Guild]) -> None:
        async def run() -> None:
            for guild in guilds:
                await self.sync_guild(guild)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        self._in_background(list(self.bot.guilds))

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self._in_background([guild])

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        has_roles = len(member.roles) > 1  # more than @everyone
        if self.bot.owns_guild(member.guild.id) and (has_roles or _staff_signature(member)[1]):
            await self.sync_members(member.guild, [member])

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if _staff_signature(before) != _staff_signature(after) and self.bot.owns_guild(after.guild.id):
            await self.sync_members(after.guild, [after])

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        was = before.permissions.manage_guild or before.permissions.administrator
        now = after.permissions.manage_guild or after.permissions.administrator
        if was != now and self.bot.owns_guild(after.guild.id):
            await self.sync_members(after.guild, list(after.members))

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        self._in_background([role.guild])

    @commands.Cog.listener(name=f"on_{STAFF_ROLES_CHANGED}")
    async def on_staff_roles_changed(self, guild_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is not None:
            await self.sync_guild(guild)


async def add_staff_cog(bot: HearthBot) -> bool:
    """Add the cog once. False without a database."""
    if bot.get_cog("StaffCog") is not None:
        return True
    service = member_service(bot)
    if service is None:
        log.info("no database session factory: staff flags are not kept current")
        return False
    await bot.add_cog(StaffCog(bot, service))
    return True


async def setup(bot: HearthBot) -> None:
    await add_staff_cog(bot)
