"""Which members are staff, kept current from what Discord says about them.

A member is staff when they hold one of the server's staff roles (`/hearth setup
staff_role_add:`) or may manage the server (Manage Server or Administrator). The digest
counts member-to-member ties apart from staff, so the flag has to follow role changes.
Only changes are written, in batches: a member who never was staff gets no row from this.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.members import store as members_repo
from bot.settings import store as settings_repo

STAFF_BATCH = 500  # members per transaction when a whole server is checked


@dataclass(frozen=True, slots=True)
class MemberRoles:
    """What decides staff, read from a Discord member by the caller."""

    user_id: int
    role_ids: frozenset[int] = frozenset()
    manages_server: bool = False  # Manage Server or Administrator
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class StaffChange:
    marked: tuple[int, ...] = ()
    unmarked: tuple[int, ...] = ()

    def __add__(self, other: StaffChange) -> StaffChange:
        return StaffChange(self.marked + other.marked, self.unmarked + other.unmarked)


def is_staff(member: MemberRoles, staff_role_ids: Collection[int]) -> bool:
    """Bots are never staff: they are left out of the digest on their own."""
    if member.is_bot:
        return False
    return member.manages_server or not member.role_ids.isdisjoint(staff_role_ids)


class MemberService:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock

    async def staff_role_ids(self, guild_id: int) -> frozenset[int]:
        async with self._sessionmaker() as session:
            settings = await settings_repo.get_settings(session, guild_id)
        return frozenset(settings.staff_role_ids)

    async def sync_staff(
        self,
        guild_id: int,
        members: Iterable[MemberRoles],
        *,
        staff_role_ids: Collection[int] | None = None,
    ) -> StaffChange:
        """Mark or unmark these members as staff where that changed; returns who changed.

        Members not given are left as they are. Written in batches of `STAFF_BATCH`, one
        transaction each.
        """
        roles = await self.staff_role_ids(guild_id) if staff_role_ids is None else frozenset(staff_role_ids)
        batch: list[MemberRoles] = []
        change = StaffChange()
        for member in members:
            batch.append(member)
            if len(batch) >= STAFF_BATCH:
                change += await self._write(guild_id, batch, roles)
                batch = []
        if batch:
            change += await self._write(guild_id, batch, roles)
        return change

    async def _write(self, guild_id: int, batch: list[MemberRoles], roles: frozenset[int]) -> StaffChange:
        wanted = {m.user_id for m in batch if is_staff(m, roles)}
        async with self._sessionmaker.begin() as session:
            current = await members_repo.staff_among(session, guild_id, [m.user_id for m in batch])
            marked = sorted(wanted - current)
            unmarked = sorted(current - wanted)
            await members_repo.mark_staff(session, guild_id, marked, staff=True)
            await members_repo.mark_staff(session, guild_id, unmarked, staff=False)
        return StaffChange(tuple(marked), tuple(unmarked))


__all__ = ["STAFF_BATCH", "MemberRoles", "MemberService", "StaffChange", "is_staff"]
