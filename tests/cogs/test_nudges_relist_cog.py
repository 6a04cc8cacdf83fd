"""The "Still stuck" button in simcord: the question goes back to the top of the open-questions
board, helpers not yet invited are invited, the asker is told what happened, a double click posts
nothing more, and the board drops the question once it is answered; listings posted before the
board existed are marked answered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.conversation.facts import QuestionFact
from bot.nudges.relist import Relist
from bot.nudges.service import PostedListing
from bot.runtime.bot import HearthBot
from bot.store.models.core import GuildSettings
from cogs.common.nudge_render import closed_listing_embed, relist_reply
from tests.cogs.simworld import HearthWorld
from tests.cogs.test_nudges_cog import (  # noqa: F401  (fixtures)
    MINUTE,
    bot_messages,
    hearth_extensions,
    hearth_services,
    help_wanted_in_general,
    helper_awake_now,
    poll,
    quick_ladder,
    set_status,
    store_message,
    store_question,
    text_of,
)


async def test_still_need_help_relists_once_and_listings_close_when_answered(
    hearth: HearthWorld,
    hearth_bot: HearthBot,
    hearth_services: Any,  # noqa: F811  (fixture imported above)
) -> None:
    await quick_ladder(hearth)
    saved = await hearth.moderator.slash(
        hearth.help, "nudges set", helpers_per_nudge=1, relist_every_hours=12
    )
    assert "relist_every_hours" in text_of(saved) and "12" in text_of(saved)
    await help_wanted_in_general(hearth, hearth_services)
    await helper_awake_now(hearth, hearth.bob)
    await helper_awake_now(hearth, hearth.carol)
    question = await hearth.alice.send(hearth.help, "How do I rotate the API keys?")
    await store_question(hearth_services, question)
    for minutes in (3, 3):  # the nudge, the board
        await hearth.env.advance_time(minutes * MINUTE)
        await poll(hearth, hearth_bot)
    await store_message(hearth_services, await hearth.alice.send(hearth.general, "still looking into it"))
    await hearth.env.advance_time(4 * MINUTE)
    await poll(hearth, hearth_bot)  # the still-needed check: she has been around since
    nudge, check = bot_messages(hearth.help, hearth_bot)
    [first_invited] = [u.id for u in nudge.mentions]
    [board] = bot_messages(hearth.general, hearth_bot)
    assert str(question.id) in (board.embeds[0].description or "")

    kept = await hearth.alice.click(check, label="Still stuck")
    assert kept.ephemeral
    reply = text_of(kept)
    assert "stays open" in reply and "back at the top of the open-questions board" in reply
    assert "1 more helper invited" in reply
    [edited] = bot_messages(hearth.general, hearth_bot)  # the board is edited, nothing new posted
    assert edited.id == board.id and edited.mentions == []
    renudge = bot_messages(hearth.help, hearth_bot)[-1]
    assert renudge.reference is not None and renudge.reference.message_id == question.id
    assert [u.id for u in renudge.mentions] == list({hearth.bob.id, hearth.carol.id} - {first_invited})

    again = await hearth.alice.click(check, label="Still stuck")
    assert again.ephemeral and "recently" in text_of(again)
    assert len(bot_messages(hearth.general, hearth_bot)) == 1
    assert len(bot_messages(hearth.help, hearth_bot)) == 3

    await set_status(hearth_services.sessionmaker, question.id, "answered", responder=hearth.bob.id)
    await poll(hearth, hearth_bot)
    [after] = bot_messages(hearth.general, hearth_bot)
    assert after.id == board.id and "No question is waiting" in (after.embeds[0].description or "")
    late = await hearth.alice.click(check, label="Still stuck")
    assert "already has an answer" in text_of(late)
    assert hearth.env.errors == []


async def test_still_need_help_without_a_channel_or_free_helper_says_so(
    hearth: HearthWorld,
    hearth_bot: HearthBot,
    hearth_services: Any,  # noqa: F811  (fixture imported above)
) -> None:
    await quick_ladder(hearth)
    question = await hearth.alice.send(hearth.help, "Why is my build so slow?")
    await store_question(hearth_services, question)
    await hearth.env.advance_time(5 * MINUTE)
    await store_message(hearth_services, await hearth.alice.send(hearth.general, "anyone?"))
    await hearth.env.advance_time(5 * MINUTE)
    await poll(hearth, hearth_bot)
    [check] = bot_messages(hearth.help, hearth_bot)
    refused = await hearth.bob.click(check, label="Still stuck")
    assert "Only the member who asked" in text_of(refused)
    kept = await hearth.alice.click(check, label="Still stuck")
    assert kept.ephemeral and "No new helper is free" in text_of(kept) and "No help-wanted channel" in text_of(kept)
    assert len(bot_messages(hearth.help, hearth_bot)) == 1


def test_closed_listing_says_how_the_question_ended() -> None:
    resolved = closed_listing_embed(PostedListing(1, 50, 9, 70, 8, "resolved"))
    assert resolved.title == "Help wanted: resolved"
    assert resolved.description is not None and "/1/8/50" in resolved.description
    removed = closed_listing_embed(PostedListing(1, 50, 9, 70, 0, "removed"))
    assert removed.title == "Help wanted: removed" and "/50" not in (removed.description or "")


def test_the_reply_says_what_was_done_and_what_was_not() -> None:
    question = QuestionFact(1, 8, 50, 3, datetime(2025, 1, 6, tzinfo=UTC), "open")
    both = Relist(question, question.asked_at, 1, (4, 5), listing_channel_id=9)
    assert relist_reply(both, listed=True, invited=2) == (
        "Got it: the question stays open, back at the top of the open-questions board in <#9> "
        "and 2 more helpers invited."
    )
    failed = relist_reply(both, listed=False, invited=0)
    assert "could not update the board in <#9>" in failed and "No new helper" in failed
    assert "back at the top" not in failed


async def test_a_listing_that_cannot_be_posted_leaves_the_relist_free_to_retry(
    hearth: HearthWorld,
    hearth_bot: HearthBot,
    hearth_services: Any,  # noqa: F811  (fixture imported above)
) -> None:
    await quick_ladder(hearth)
    await helper_awake_now(hearth, hearth.bob)
    question = await hearth.alice.send(hearth.help, "Where do the logs go?")
    await store_question(hearth_services, question)
    await hearth.env.advance_time(5 * MINUTE)
    await store_message(hearth_services, await hearth.alice.send(hearth.general, "hmm"))
    await hearth.env.advance_time(5 * MINUTE)
    await poll(hearth, hearth_bot)
    nudge_and_check = bot_messages(hearth.help, hearth_bot)
    await help_wanted_in_general(hearth, hearth_services)
    async with hearth_services.sessionmaker.begin() as session:  # a channel that was deleted since
        settings = await session.get(GuildSettings, hearth.guild.id)
        assert settings is not None
        settings.help_wanted_channel_id = 4242
    kept = await hearth.alice.click(nudge_and_check[-1], label="Still stuck")
    assert "could not update the board in <#4242>" in text_of(kept)
    assert bot_messages(hearth.help, hearth_bot) == nudge_and_check  # nobody invited either
    retried = await hearth_services.nudges.relist(
        await hearth_services.questions.get(hearth.guild.id, question.id), hearth_bot.clock.now()
    )
    assert retried.number == 1  # the claim was given back
    assert hearth.env.errors == []
