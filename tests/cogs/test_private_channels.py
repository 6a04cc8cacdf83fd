"""Nothing leaks from a channel @everyone cannot read.

A question asked in a private channel (only Bob and the moderator may read it) is never listed
in the public help-wanted channel, its nudge invites only helpers who can read it (Bob, not
Carol), a plain member's `/questions open` does not show it while Bob's does, and
`public:True` does not post it even for Bob; Carol's `/digest preview` does not list it, Bob's does. The same question in a public channel is listed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio

import bot.store.models.nudges  # noqa: F401  (registers the nudge tables on Base.metadata)
from bot.digest.service import DigestService
from bot.nudges.board_service import BoardService
from bot.nudges.service import NudgeService
from bot.runtime.bot import HearthBot
from bot.services import Services
from bot.settings.service import SettingsService
from bot.store.base import Base
from tests.cogs.commands_support import open_command_services, reply_text
from tests.cogs.simworld import HearthWorld, SimcordClock
from tests.cogs.test_nudges_live_flow import bot_messages, poll, setup_ladder

MINUTE = 60.0
QUESTION = "How do I install python packages on windows without admin rights?"


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.listeners", "cogs.hearth", "cogs.questions", "cogs.nudges", "cogs.digest"]


@pytest_asyncio.fixture
async def hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Services]:
    async with open_command_services(tmp_path / "hearth.db", hearth_clock) as services:
        async with services.db_engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        services.nudges = NudgeService(services.sessionmaker, hearth_clock)
        services.boards = BoardService(
            services.sessionmaker, hearth_clock, SettingsService(services.sessionmaker, hearth_clock)
        )
        services.digests = DigestService(services.sessionmaker, hearth_clock, settings=services.settings)
        yield services


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


def _preview_text(result: Any) -> str:
    found = ([result.response] if result.response is not None else []) + list(result.followups)
    return " ".join(str(e.to_dict()) for m in found for e in m.embeds)


async def _world(hearth: HearthWorld) -> tuple[object, object]:
    private = hearth.guild.create_text_channel(
        "staff-only",
        overwrites={
            hearth.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            hearth.bob: discord.PermissionOverwrite(view_channel=True),
            hearth.alice: discord.PermissionOverwrite(view_channel=True),
            hearth.guild.me: discord.PermissionOverwrite(view_channel=True),  # type: ignore[dict-item]
        },
    )
    wanted = hearth.guild.create_text_channel("help-wanted")
    await hearth.env.settle()
    saved = await hearth.moderator.slash(hearth.general, "hearth setup", help_wanted_channel=wanted)
    assert "Settings saved" in reply_text(saved), reply_text(saved)
    await setup_ladder(hearth)
    return private, wanted


async def test_a_private_question_stays_private(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Services
) -> None:
    private, wanted = await _world(hearth)
    asked = await hearth.alice.send(private, QUESTION)  # type: ignore[arg-type]
    for _ in range(4):  # past the nudge (3 min) and the help-wanted listing (6 min)
        await hearth.env.advance_time(3 * MINUTE)
        await poll(hearth, hearth_bot, hearth_services)

    assert bot_messages(wanted, hearth_bot) == [], "a private question was listed publicly"
    nudges = [m for m in bot_messages(private, hearth_bot) if m.mentions and hearth.alice.id not in {u.id for u in m.mentions}]
    assert nudges, "nobody who can read the channel was invited"
    invited = {u.id for m in nudges for u in m.mentions}
    assert invited == {hearth.bob.id}, "a helper who cannot read the channel was pinged"

    carol_sees = reply_text(await hearth.carol.slash(hearth.general, "questions open"))
    assert "admin rights" not in carol_sees
    bob_sees = reply_text(await hearth.bob.slash(hearth.general, "questions open"))
    assert "admin rights" in bob_sees
    posted = await hearth.bob.slash(hearth.general, "questions open", public=True)
    assert not posted.ephemeral and "admin rights" not in reply_text(posted)

    link = f"/{private.id}/{asked.id}"  # type: ignore[attr-defined]
    assert link not in _preview_text(await hearth.carol.slash(hearth.general, "digest preview"))
    assert link in _preview_text(await hearth.bob.slash(hearth.general, "digest preview"))


async def test_a_public_question_is_still_listed(
    hearth: HearthWorld, hearth_bot: HearthBot, hearth_services: Services
) -> None:
    _, wanted = await _world(hearth)
    await hearth.alice.send(hearth.help, QUESTION)
    for _ in range(4):
        await hearth.env.advance_time(3 * MINUTE)
        await poll(hearth, hearth_bot, hearth_services)
    assert len(bot_messages(wanted, hearth_bot)) == 1
    assert "admin rights" in reply_text(await hearth.carol.slash(hearth.general, "questions open"))
