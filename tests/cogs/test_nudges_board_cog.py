"""The open-questions board in simcord: one message in the help-wanted channel, edited in
place as questions join and leave it, kept across a restart, posted again once when deleted."""

from __future__ import annotations

from typing import Any

from bot.nudges.board_service import BoardService
from bot.runtime.bot import HearthBot
from bot.settings.service import SettingsService
from tests.cogs.simworld import HearthWorld
from tests.cogs.test_nudges_cog import (  # noqa: F401  (fixtures)
    MINUTE,
    bot_messages,
    hearth_extensions,
    hearth_services,
    help_wanted_in_general,
    poll,
    quick_ladder,
    set_status,
    store_question,
)


def board_text(message: Any) -> str:
    return "\n".join((e.description or "") + (e.footer.text or "") for e in message.embeds)


async def ask(hearth: HearthWorld, services: Any, text: str) -> Any:
    question = await hearth.alice.send(hearth.help, text)
    await store_question(services, question)
    return question


async def test_the_board_is_edited_in_place_and_survives_a_restart(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any  # noqa: F811  (fixture imported above)
) -> None:
    await quick_ladder(hearth)
    await help_wanted_in_general(hearth, hearth_services)
    first = await ask(hearth, hearth_services, "How do I pin a Python version with uv?")
    await hearth.env.advance_time(2 * MINUTE)
    second = await ask(hearth, hearth_services, "Why does my webhook return 401?")
    await hearth.env.advance_time(6 * MINUTE)  # both past the listing delay; nobody to nudge
    await poll(hearth, hearth_bot)
    [board] = bot_messages(hearth.general, hearth_bot)
    text = board_text(board)
    assert text.index(str(second.id)) < text.index(str(first.id))  # newest need first
    assert board.mentions == [] and not board.mention_everyone
    assert f"<@{hearth.alice.id}>" in text and f"<#{hearth.help.id}>" in text  # asker and channel

    await set_status(hearth_services.sessionmaker, first.id, "answered", hearth.bob.id)
    await poll(hearth, hearth_bot)
    [edited] = bot_messages(hearth.general, hearth_bot)  # no new post
    assert edited.id == board.id
    assert str(first.id) not in board_text(edited) and str(second.id) in board_text(edited)
    await poll(hearth, hearth_bot)  # nothing changed: nothing to do
    assert (await hearth_services.boards.board(hearth.guild.id)).message_ids == (board.id,)

    # a restart: a fresh service on the same database edits the same message
    hearth_services.boards = BoardService(
        hearth_services.sessionmaker, hearth_bot.clock, SettingsService(hearth_services.sessionmaker, hearth_bot.clock)
    )
    await hearth_bot.reload_extension("cogs.nudges")
    await set_status(hearth_services.sessionmaker, second.id, "resolved")
    await poll(hearth, hearth_bot)
    [after] = bot_messages(hearth.general, hearth_bot)
    assert after.id == board.id
    assert "No question is waiting" in board_text(after)


async def test_a_deleted_board_is_posted_again_once(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Any  # noqa: F811  (fixture imported above)
) -> None:
    await quick_ladder(hearth)
    await help_wanted_in_general(hearth, hearth_services)
    await ask(hearth, hearth_services, "Which soldering iron tip for SMD work?")
    await hearth.env.advance_time(6 * MINUTE)
    await poll(hearth, hearth_bot)
    [board] = bot_messages(hearth.general, hearth_bot)

    await hearth.moderator.delete(board)
    await ask(hearth, hearth_services, "How do I flash the bootloader again?")
    await hearth.env.advance_time(6 * MINUTE)
    await poll(hearth, hearth_bot)
    [again] = bot_messages(hearth.general, hearth_bot)
    assert again.id != board.id and "bootloader" in board_text(again)

    await hearth.moderator.delete(again)
    await ask(hearth, hearth_services, "What flux is safe for a PCB?")
    await hearth.env.advance_time(6 * MINUTE)
    await poll(hearth, hearth_bot)
    assert bot_messages(hearth.general, hearth_bot) == []  # deleted twice: the moderators do not want it
    state = await hearth_services.boards.board(hearth.guild.id)
    assert state is not None and state.retired
    await poll(hearth, hearth_bot)
    assert bot_messages(hearth.general, hearth_bot) == []
