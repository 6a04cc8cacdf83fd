"""Re-listing a question ("Still need help") and closing listings, on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import FakeClock
from bot.conversation.facts import QuestionFact
from bot.nudges.ladder import HelpWantedListing, NudgeAction
from bot.nudges.relist import Relist, RelistRefused
from bot.nudges.service import NudgeService
from bot.store.models.core import Question
from bot.store.models.nudges import Nudge, NudgeTarget
from tests.db.test_nudges_repo import (
    ASKER,
    GUILD,
    HELP,
    HELP_WANTED,
    T0,
    add_question,
    set_status,
    with_help_wanted,
)

DAY_LATER = T0 + timedelta(hours=25)


def fact(mid: int, status: str = "open") -> QuestionFact:
    return QuestionFact(
        guild_id=GUILD,
        channel_id=HELP,
        message_id=mid,
        asker_id=ASKER,
        asked_at=T0,
        status=status,  # type: ignore[arg-type]
        topics=("python",),
    )


async def awake_helper(service: NudgeService, user_id: int) -> None:
    await service.join(GUILD, user_id, "python")
    await service.update_helper(GUILD, user_id, active_start_hour=0, active_end_hour=0)


async def nudged_once(
    sm: async_sessionmaker[AsyncSession], question_id: int
) -> tuple[NudgeService, NudgeAction]:
    """Two awake helpers, one invited per nudge, and the question's first nudge taken."""
    await with_help_wanted(sm)
    service = NudgeService(sm, FakeClock(T0))
    for uid in (7, 8):
        await awake_helper(service, uid)
    await service.update_settings(GUILD, helpers_per_nudge=1)
    await add_question(sm, question_id)
    [nudge] = await service.take_due(T0 + timedelta(minutes=30))
    assert isinstance(nudge, NudgeAction)
    return service, nudge


async def test_relist_skips_helpers_already_invited_and_is_claimed_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sm = sessionmaker
    service, nudge = await nudged_once(sm, 800)
    first_invited = nudge.helper_ids
    assert len(first_invited) == 1

    first, second = await asyncio.gather(
        service.relist(fact(800), DAY_LATER), service.relist(fact(800), DAY_LATER)
    )
    relists = [r for r in (first, second) if isinstance(r, Relist)]
    refusals = [r for r in (first, second) if isinstance(r, RelistRefused)]
    assert len(relists) == 1 and len(refusals) == 1  # a double click posts once
    [relist] = relists
    assert relist.number == 1 and relist.listing_channel_id == HELP_WANTED
    assert set(relist.helper_ids) == {7, 8} - set(first_invited)
    assert refusals[0].reason == "too_soon"

    restarted = NudgeService(sm, FakeClock(DAY_LATER))
    again = await restarted.relist(fact(800), DAY_LATER + timedelta(hours=23))
    assert again == RelistRefused("too_soon", DAY_LATER + timedelta(hours=24))
    third = await restarted.relist(fact(800), DAY_LATER + timedelta(hours=24))
    assert isinstance(third, Relist) and third.number == 2 and third.helper_ids == ()  # everyone was invited

    async with sm() as s:
        rows = (await s.execute(select(Nudge.step, Nudge.channel_id).order_by(Nudge.id))).all()
        targets = (await s.execute(select(NudgeTarget.user_id))).scalars().all()
    assert [tuple(r) for r in rows] == [("nudge", HELP), ("relist:1", HELP_WANTED), ("relist:2", HELP_WANTED)]
    assert sorted(targets) == [7, 8]


async def test_relist_refused_for_a_closed_question_and_released_after_a_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sm = sessionmaker
    service = NudgeService(sm, FakeClock(T0))
    await add_question(sm, 810, status="answered")
    assert await service.relist(fact(810, "answered"), DAY_LATER) == RelistRefused("not_open")
    await add_question(sm, 811)
    relist = await service.relist(fact(811), DAY_LATER)
    assert isinstance(relist, Relist) and relist.listing_channel_id is None  # no help-wanted channel set
    await service.release(relist)
    retried = await service.relist(fact(811), DAY_LATER)
    assert isinstance(retried, Relist) and retried.number == 1


async def test_listings_of_an_answered_question_are_handed_out_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sm = sessionmaker
    await with_help_wanted(sm)
    clock = FakeClock(T0)
    service = NudgeService(sm, clock)
    await add_question(sm, 820)
    await add_question(sm, 821)
    listings = await service.take_due(T0 + timedelta(hours=2))
    assert {type(a) for a in listings} == {HelpWantedListing}
    for action in listings:
        await service.mark_sent(action, 9000 + action.question_message_id)
    relist = await service.relist(fact(820), DAY_LATER)
    assert isinstance(relist, Relist)
    await service.mark_sent(relist, 5555)
    assert await service.take_listings_to_close(DAY_LATER) == []  # both still open
    assert await service.posted_listings(820) == [(HELP_WANTED, 9820), (HELP_WANTED, 5555)]

    await set_status(sm, 820, "answered", responder=7)
    [closing] = await service.take_listings_to_close(DAY_LATER)
    assert [(p.channel_id, p.message_id, p.status) for p in closing] == [
        (HELP_WANTED, 9820, "answered"),
        (HELP_WANTED, 5555, "answered"),
    ]
    assert closing[0].question_channel_id == HELP
    assert await service.take_listings_to_close(DAY_LATER) == []  # claimed
    assert await service.take_listings_to_close(DAY_LATER, lambda guild: False) == []

    await set_status(sm, 821, "resolved", responder=8)
    [other] = await service.take_listings_to_close(DAY_LATER)
    await service.release_closed(821)  # a passing failure: handed out again
    [again] = await service.take_listings_to_close(DAY_LATER)
    assert other == again and again[0].status == "resolved"
    await service.closed_listings_done(821)
    await service.release_closed(821)  # done claims are kept
    assert await service.take_listings_to_close(DAY_LATER) == []


async def test_listings_of_a_deleted_question_are_handed_out_as_removed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sm = sessionmaker
    await with_help_wanted(sm)
    service = NudgeService(sm, FakeClock(T0))
    await add_question(sm, 830)
    [listing] = await service.take_due(T0 + timedelta(hours=2))
    await service.mark_sent(listing, 7777)
    async with sm.begin() as s:
        question = await s.get(Question, 830)
        assert question is not None
        await s.delete(question)
    [closing] = await service.take_listings_to_close(DAY_LATER)
    assert [(p.message_id, p.status, p.question_channel_id) for p in closing] == [(7777, "removed", 0)]


async def test_digest_counts_a_relisting_that_invited_helpers_as_a_nudge(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    sm = sessionmaker
    service, nudge = await nudged_once(sm, 820)
    await service.mark_sent(nudge, 9001)
    relist = await service.relist(fact(820), DAY_LATER)
    assert isinstance(relist, Relist) and len(relist.helper_ids) == 1
    await service.mark_sent(relist, 9002)
    nobody_left = await service.relist(fact(820), DAY_LATER + timedelta(hours=24))
    assert isinstance(nobody_left, Relist) and nobody_left.helper_ids == ()
    await service.mark_sent(nobody_left, 9003)
    week = (T0 - timedelta(days=1), T0 + timedelta(days=7))
    assert await service.stats(GUILD, *week) == (2, 0)  # the ladder's nudge and the re-listing that invited
    await set_status(sm, 820, "answered", responder=relist.helper_ids[0])
    assert await service.stats(GUILD, *week) == (2, 1)
