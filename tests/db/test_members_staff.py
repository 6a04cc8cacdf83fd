"""Staff flags: only changes are written, non-staff members get no rows, bots are never staff."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import FakeClock
from bot.members.service import STAFF_BATCH, MemberRoles, MemberService, StaffChange, is_staff
from bot.members.store import upsert_member
from bot.settings.store import update_settings
from bot.store.models.core import Member

GUILD = 5
STAFF_ROLE = 900
T0 = datetime(2025, 1, 6, tzinfo=UTC)


async def rows(sm: async_sessionmaker[AsyncSession]) -> dict[int, bool]:
    async with sm() as s:
        found = (await s.execute(select(Member.user_id, Member.is_staff).where(Member.guild_id == GUILD))).all()
    return {uid: staff for uid, staff in found}


def test_who_is_staff() -> None:
    assert is_staff(MemberRoles(1, frozenset({STAFF_ROLE})), {STAFF_ROLE})
    assert is_staff(MemberRoles(1, manages_server=True), set())
    assert not is_staff(MemberRoles(1, frozenset({1, 2})), {STAFF_ROLE})
    assert not is_staff(MemberRoles(1, frozenset({STAFF_ROLE}), manages_server=True, is_bot=True), {STAFF_ROLE})


async def test_sync_marks_and_unmarks_only_what_changed(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    sm = sessionmaker
    service = MemberService(sm, FakeClock(T0))
    async with sm.begin() as s:
        await update_settings(s, GUILD, staff_role_ids=[STAFF_ROLE])
        await upsert_member(s, GUILD, 3, seen_at=T0)  # a member who spoke: has a row, not staff
    members = [
        MemberRoles(1, frozenset({STAFF_ROLE})),
        MemberRoles(2, manages_server=True),
        MemberRoles(3),
        MemberRoles(4, frozenset({77})),
        MemberRoles(5, frozenset({STAFF_ROLE}), is_bot=True),
    ]
    change = await service.sync_staff(GUILD, members)
    assert change == StaffChange(marked=(1, 2), unmarked=())
    assert await rows(sm) == {1: True, 2: True, 3: False}  # 4 and the bot get no row

    assert await service.sync_staff(GUILD, members) == StaffChange()  # nothing changed, nothing written
    demoted = await service.sync_staff(GUILD, [MemberRoles(1), MemberRoles(3, frozenset({STAFF_ROLE}))])
    assert demoted == StaffChange(marked=(3,), unmarked=(1,))
    assert await rows(sm) == {1: False, 2: True, 3: True}
    async with sm() as s:
        kept = await s.get(Member, (GUILD, 3))
    assert kept is not None and kept.first_seen_at is not None  # other columns untouched

    without_role = await service.sync_staff(GUILD, [MemberRoles(3, frozenset({STAFF_ROLE}))], staff_role_ids=())
    assert without_role == StaffChange(unmarked=(3,))


async def test_a_large_server_is_written_in_batches(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    service = MemberService(sessionmaker, FakeClock(T0))
    count = STAFF_BATCH * 2 + 7
    members = [MemberRoles(uid, manages_server=uid % 3 == 0) for uid in range(1, count + 1)]
    change = await service.sync_staff(GUILD, members)
    assert len(change.marked) == count // 3
    stored = await rows(sessionmaker)
    assert len(stored) == count // 3 and all(stored.values())
