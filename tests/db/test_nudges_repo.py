"""Nudge storage and the ladder service on a real database (SQLite, and PostgreSQL when given)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.store.models.nudges  # noqa: F401  (registers the nudge tables on Base.metadata)
from bot.conversation.clock import FakeClock
from bot.nudges.ladder import HelpWantedListing, NudgeAction, StillNeededCheck
from bot.nudges.service import NudgeInputError, NudgeService
from bot.store.base import Base
from bot.store.migrate import migrate
from bot.store.models.core import GuildSettings, Member, Message, Question, QuestionResponder
from bot.store.models.nudges import Nudge, NudgeTarget
from bot.store.session import make_sessionmaker

GUILD = 1000
HELP = 10
HELP_WANTED = 99
ASKER = 1
T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # noon UTC


@pytest.fixture
async def sm(bare_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    await migrate(bare_engine)
    async with bare_engine.begin() as conn:  # the nudge tables, until they are in the migration
        await conn.run_sync(Base.metadata.create_all)
    return make_sessionmaker(bare_engine)


async def add_question(
    sm: async_sessionmaker[AsyncSession],
    mid: int,
    *,
    asked_at: datetime = T0,
    asker: int = ASKER,
    channel: int = HELP,
    topics: tuple[str, ...] = ("python",),
    status: str = "open",
    responders: tuple[int, ...] = (),
) -> None:
    async with sm.begin() as s:
        s.add(
            Question(
                message_id=mid,
                guild_id=GUILD,
                channel_id=channel,
                asker_id=asker,
                asked_at=asked_at,
                status=status,
                topics=list(topics),
                snippet="how?",
            )
        )
        await s.flush()
        for uid in responders:
            s.add(QuestionResponder(question_id=mid, user_id=uid, guild_id=GUILD))


async def add_message(sm: async_sessionmaker[AsyncSession], mid: int, author: int, at: datetime) -> None:
    async with sm.begin() as s:
        s.add(Message(message_id=mid, guild_id=GUILD, channel_id=HELP, author_id=author, created_at=at))


async def set_status(sm: async_sessionmaker[AsyncSession], mid: int, status: str, responder: int) -> None:
    async with sm.begin() as s:
        q = await s.get(Question, mid)
        assert q is not None
        q.status = status
        s.add(QuestionResponder(question_id=mid, user_id=responder, guild_id=GUILD))


async def with_help_wanted(sm: async_sessionmaker[AsyncSession]) -> None:
    async with sm.begin() as s:
        s.add(GuildSettings(guild_id=GUILD, help_wanted_channel_id=HELP_WANTED))


async def test_join_leave_pause_and_settings(sm: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock(T0)
    service = NudgeService(sm, clock)
    info = await service.join(GUILD, 7, "Python, asyncio ,python")
    assert info.topics == ("python", "asyncio") and info.active
    until = await service.pause(GUILD, 7, 3)
    assert until == T0 + timedelta(days=3)
    assert (await service.helper(GUILD, 7)).paused_until == until  # type: ignore[union-attr]
    updated = await service.update_helper(
        GUILD, 7, timezone="Europe/Paris", active_start_hour=9, active_end_hour=23
    )
    assert (updated.timezone, updated.active_start_hour, updated.active_end_hour) == ("Europe/Paris", 9, 23)
    with pytest.raises(NudgeInputError):
        await service.update_helper(GUILD, 7, timezone="Mars/Olympus")
    with pytest.raises(NudgeInputError):
        await service.join(GUILD, 7, "x" * 41)
    assert await service.leave(GUILD, 7) is True
    assert await service.leave(GUILD, 7) is False
    assert (await service.helper(GUILD, 7)).active is False  # type: ignore[union-attr]

    assert (await service.settings(GUILD)).daily_cap == 2
    changed = await service.update_settings(GUILD, daily_cap=3, first_after_minutes=15)
    assert (changed.daily_cap, changed.first_after_minutes) == (3, 15)
    assert (await service.settings(GUILD)).daily_cap == 3
    with pytest.raises(NudgeInputError):
        await service.update_settings(GUILD, daily_cap=1000)
    with pytest.raises(NudgeInputError):
        await service.update_settings(GUILD, nonsense=1)
    assert (await service.settings(GUILD)).daily_cap == 3


async def test_ladder_is_claimed_exactly_once_even_after_a_restart(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    await with_help_wanted(sm)
    service = NudgeService(sm, clock)
    await service.update_settings(GUILD, min_nudges_per_day=2)  # one of the two may be a check
    await service.join(GUILD, 7, "python")
    await add_question(sm, 500)
    assert await service.take_due(T0 + timedelta(minutes=29)) == []

    at_target = T0 + timedelta(minutes=30)
    first = await service.take_due(at_target)
    assert len(first) == 1 and isinstance(first[0], NudgeAction)
    assert first[0].helper_ids == (7,)
    assert first[0].to_record()["targets"] == ["7"]
    assert await service.take_due(at_target + timedelta(minutes=1)) == []
    restarted = NudgeService(sm, FakeClock(at_target))
    assert await restarted.take_due(at_target + timedelta(minutes=2)) == []
    await restarted.mark_sent(first[0], 123456)

    listing = await restarted.take_due(T0 + timedelta(hours=2))
    assert len(listing) == 1 and isinstance(listing[0], HelpWantedListing)
    assert listing[0].channel_id == HELP_WANTED
    await add_message(sm, 501, ASKER, T0 + timedelta(hours=3))  # the asker is around since
    check = await NudgeService(sm, clock).take_due(T0 + timedelta(hours=24))
    assert len(check) == 1 and isinstance(check[0], StillNeededCheck)
    assert check[0].to_record()["targets"] == [str(ASKER)]
    assert await service.take_due(T0 + timedelta(hours=30)) == []

    async with sm() as s:
        rows = (await s.execute(select(Nudge.step, Nudge.posted_message_id).order_by(Nudge.id))).all()
    assert [tuple(r) for r in rows] == [("nudge", 123456), ("listing", None), ("check", None)]


async def test_two_processes_polling_together_post_once(sm: async_sessionmaker[AsyncSession]) -> None:
    now = T0 + timedelta(minutes=31)
    await NudgeService(sm, FakeClock(T0)).join(GUILD, 7)
    for mid in range(600, 610):
        await add_question(sm, mid)
    a, b = NudgeService(sm, FakeClock(now)), NudgeService(sm, FakeClock(now))
    got_a, got_b = await asyncio.gather(a.take_due(now), b.take_due(now))
    steps = [(x.question_message_id, x.step) for x in got_a + got_b]
    assert len(steps) == len(set(steps))
    async with sm() as s:
        claimed = (await s.execute(select(func.count()).select_from(Nudge))).scalar_one()
    assert claimed == len(steps) >= 1


async def test_answer_stops_the_ladder_and_counts_for_the_digest(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(T0)
    await with_help_wanted(sm)
    service = NudgeService(sm, clock)
    await service.join(GUILD, 7, "python")
    await add_question(sm, 700)
    [nudge] = await service.take_due(T0 + timedelta(minutes=30))
    clock.set(T0 + timedelta(minutes=31))
    await service.mark_sent(nudge, 42)
    await set_status(sm, 700, "answered", responder=7)
    assert await service.take_due(T0 + timedelta(hours=2)) == []
    assert await service.take_due(T0 + timedelta(hours=24)) == []
    assert await service.stats(GUILD, T0, T0 + timedelta(days=1)) == (1, 1)
    async with sm() as s:
        flagged = (await s.execute(select(NudgeTarget.answered))).scalars().all()
    assert flagged == [True]
    assert await service.stats(GUILD, T0 + timedelta(days=1), T0 + timedelta(days=2)) == (0, 0)


async def test_opted_out_paused_and_asker_are_never_nudged(sm: async_sessionmaker[AsyncSession]) -> None:
    clock = FakeClock(T0)
    service = NudgeService(sm, clock)
    for uid in (ASKER, 7, 8, 9):
        await service.join(GUILD, uid, "python")
    await service.pause(GUILD, 8, 2)
    async with sm.begin() as s:
        s.add(Member(guild_id=GUILD, user_id=9, opted_out=True))
    await add_question(sm, 800)
    [nudge] = await service.take_due(T0 + timedelta(minutes=30))
    assert isinstance(nudge, NudgeAction) and nudge.helper_ids == (7,)


async def test_caps_hold_across_polls(sm: async_sessionmaker[AsyncSession]) -> None:
    service = NudgeService(sm, FakeClock(T0))
    await service.update_settings(GUILD, min_nudges_per_day=10)  # the server budget is not what is tested
    await service.join(GUILD, 7, "python")
    for i in range(6):
        await add_question(sm, 900 + i, asked_at=T0 + timedelta(hours=i))
    nudged: list[datetime] = []
    now = T0
    while now < T0 + timedelta(hours=8):
        for action in await service.take_due(now):
            if isinstance(action, NudgeAction):
                nudged.append(action.at)
        now += timedelta(minutes=5)
    assert len(nudged) == 2  # the daily cap
    assert nudged[1] - nudged[0] >= timedelta(hours=6)  # the rotation gap


async def test_assume_opt_in_uses_history(sm: async_sessionmaker[AsyncSession]) -> None:
    old = T0 - timedelta(days=3)
    await add_question(sm, 1, asked_at=old, status="answered", responders=(21,), topics=("python",))
    await add_question(
        sm, 2, asked_at=old, status="answered", responders=(22,), topics=("cooking",), channel=55
    )
    await add_question(sm, 3)
    now = T0 + timedelta(minutes=30)
    assert await NudgeService(sm, FakeClock(now)).due(now) == []
    assumed = NudgeService(sm, FakeClock(now), assume_opt_in=True)
    [dry] = await assumed.due(now)
    [nudge] = await assumed.take_due(now, owns_guild=lambda gid: gid == GUILD)
    assert dry == nudge
    assert isinstance(nudge, NudgeAction) and nudge.helper_ids == (21,)
    assert await assumed.take_due(now, owns_guild=lambda gid: gid != GUILD) == []


async def test_replay_protocol_due_claim_mark_sent(sm: async_sessionmaker[AsyncSession]) -> None:
    """The demo replay asks `due`, claims each action itself and marks it sent without a message."""
    now = T0 + timedelta(minutes=30)
    service = NudgeService(sm, FakeClock(now))
    await service.join(GUILD, 7)
    await add_question(sm, 1100)
    [action] = await service.due(now)
    assert await service.due(now) == [action]  # nothing is recorded until it is claimed
    assert await service.claim(action) is True
    assert await service.claim(action) is False
    assert await service.due(now) == []
    await service.mark_sent(action, None)
    assert await service.stats(GUILD, T0, T0 + timedelta(days=1)) == (1, 0)


async def test_the_server_budget_follows_its_activity(sm: async_sessionmaker[AsyncSession]) -> None:
    """A quiet server gets one nudge a day however many questions wait; a busy one more, up to the cap."""
    service = NudgeService(sm, FakeClock(T0))
    for uid in range(7, 17):
        await service.join(GUILD, uid, "python")
    for i in range(8):
        await add_question(sm, 1100 + i, asked_at=T0 + timedelta(minutes=i))

    async def nudges_over_a_day() -> int:
        service = NudgeService(sm, FakeClock(T0))  # afresh: no remembered quiet period
        sent, now = 0, T0
        while now < T0 + timedelta(hours=6):
            sent += sum(isinstance(a, NudgeAction) for a in await service.take_due(now))
            now += timedelta(minutes=5)
        return sent

    assert await nudges_over_a_day() == 1  # no member messages in the last week: the minimum
    async with sm.begin() as s:  # undo, then make the server busy: 2,100 messages last week
        await s.execute(Nudge.__table__.delete())
        s.add_all(
            Message(message_id=5_000 + i, guild_id=GUILD, channel_id=HELP, author_id=20 + i % 9,
                    created_at=T0 - timedelta(minutes=4 * i + 1))
            for i in range(2_100)
        )
    assert (await service.settings(GUILD)).daily_budget(2_100) == 3  # 300 a day, 10 per 1,000
    assert await nudges_over_a_day() == 3


async def test_still_need_help_only_when_the_asker_is_around_and_nobody_replied(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    service = NudgeService(sm, FakeClock(T0))
    await service.update_settings(GUILD, min_nudges_per_day=10, helpers_per_nudge=0)
    await add_question(sm, 1200, asker=2)  # this asker is never seen again
    await add_question(sm, 1201)  # the asker posts since
    await add_question(sm, 1202, responders=(9,))  # someone replied, it is still open
    await add_message(sm, 1300, ASKER, T0 + timedelta(hours=5))
    day = T0 + timedelta(hours=24, minutes=5)
    checks = [a for a in await service.take_due(day) if isinstance(a, StillNeededCheck)]
    assert [c.question_message_id for c in checks] == [1201]
    assert [a for a in await service.take_due(day + timedelta(hours=1)) if isinstance(a, StillNeededCheck)] == []

    assert await service.record_check_answer(GUILD, 1201, "stuck")
    assert not await service.record_check_answer(GUILD, 1201, "solved")  # the first answer is kept
    assert await service.check_answers(1201) == {"stuck"}
    with pytest.raises(NudgeInputError):
        await service.record_check_answer(GUILD, 1201, "maybe")


async def test_no_check_while_the_nudge_is_fresh(sm: async_sessionmaker[AsyncSession]) -> None:
    service = NudgeService(sm, FakeClock(T0))
    await service.update_settings(GUILD, min_nudges_per_day=10, still_needed_after_minutes=120, nudge_fresh_hours=6)
    await service.join(GUILD, 7, "python")
    await add_question(sm, 1400)
    await add_message(sm, 1401, ASKER, T0 + timedelta(minutes=45))
    [nudge] = await service.take_due(T0 + timedelta(minutes=30))
    assert isinstance(nudge, NudgeAction)
    assert await service.take_due(T0 + timedelta(hours=3)) == []  # nudged 2.5 h ago: helpers may come
    [check] = await service.take_due(T0 + timedelta(hours=6, minutes=31))
    assert isinstance(check, StillNeededCheck)


async def test_a_spent_budget_comes_back_when_the_days_first_nudge_ages_out(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    service = NudgeService(sm, FakeClock(T0))
    for uid in (7, 8, 9):
        await service.join(GUILD, uid, "python")
    await add_question(sm, 1500, asked_at=T0)
    await add_question(sm, 1501, asked_at=T0 + timedelta(hours=1))
    [first] = await service.take_due(T0 + timedelta(minutes=30))
    assert first.question_message_id == 1500
    assert await service.take_due(T0 + timedelta(hours=1, minutes=40)) == []  # spent: the day's one nudge
    assert await service.take_due(T0 + timedelta(hours=23)) == []
    # 1501's nudge window closed long ago; a question asked now is nudged once the budget is back
    await add_question(sm, 1502, asked_at=T0 + timedelta(hours=24))
    [second] = await service.take_due(T0 + timedelta(hours=24, minutes=31))
    assert second.question_message_id == 1502


async def test_two_processes_never_post_one_board_twice(sm: async_sessionmaker[AsyncSession]) -> None:
    from bot.nudges.board_service import BoardService
    from bot.settings.service import SettingsService

    await with_help_wanted(sm)
    service = NudgeService(sm, FakeClock(T0))
    await service.update_settings(GUILD, helpers_per_nudge=0)
    await add_question(sm, 1600)
    [listing] = await service.take_due(T0 + timedelta(hours=2))
    assert isinstance(listing, HelpWantedListing)
    now = T0 + timedelta(hours=2, minutes=1)
    first, second = (BoardService(sm, FakeClock(now), SettingsService(sm, FakeClock(now))) for _ in range(2))
    [update] = await first.due(now)
    assert await second.due(now) == []  # the first process took it
    await first.release(update)  # a passing failure: the next poll may take it again
    [again] = await second.due(now)
    await second.posted(again, (4242,))
    assert await first.due(now) == [] and await second.due(now) == []  # posted, nothing changed
    state = await first.board(GUILD)
    assert state is not None and state.message_ids == (4242,)
    # a claim abandoned by a crash is taken again once it is old
    await add_question(sm, 1601)
    later = T0 + timedelta(hours=4, minutes=1)
    [listing] = await service.take_due(later)
    [crashed] = await first.due(later)
    assert await second.due(later + timedelta(minutes=1)) == []
    [taken] = await second.due(later + timedelta(minutes=3))
    assert taken.message_ids == (4242,) and taken.fingerprint == crashed.fingerprint
