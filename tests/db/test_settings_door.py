"""One door for settings changes: a change reaches every feature of a running bot, and the
nudge ladder keeps following the response target after a moderator tuned other nudge values."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import FakeClock
from bot.digest.service import DigestService
from bot.intros.service import IntroService
from bot.nudges.ladder import NudgeAction
from bot.nudges.service import NudgeService
from bot.settings.guild import ServerDefaults
from bot.settings.service import SettingsChange, SettingsService
from tests.db.test_nudges_repo import GUILD, HELP_WANTED, T0, add_question, sm  # noqa: F401  (fixture)

SM = async_sessionmaker[AsyncSession]


async def test_lowering_the_target_reaches_a_running_ladder(sm: SM) -> None:  # noqa: F811
    clock = FakeClock(T0)
    settings = SettingsService(sm, clock)
    nudges = NudgeService(sm, clock, settings=settings)
    await settings.update(GUILD, SettingsChange(response_target_minutes=60, help_wanted_channel_id=HELP_WANTED))
    await nudges.join(GUILD, 7, "python")
    await add_question(sm, 500)

    assert await nudges.take_due(T0 + timedelta(minutes=11)) == []  # waits the hour, and remembers it
    await settings.update(GUILD, SettingsChange(response_target_minutes=10))
    due = await nudges.take_due(T0 + timedelta(minutes=11))
    assert [type(a) for a in due] == [NudgeAction]
    assert due[0].helper_ids == (7,)


async def test_nudge_delay_follows_the_target_after_other_nudge_changes(sm: SM) -> None:  # noqa: F811
    clock = FakeClock(T0)
    settings = SettingsService(sm, clock)
    nudges = NudgeService(sm, clock, settings=settings)
    digests = DigestService(sm, clock, settings=settings)
    await settings.update(GUILD, SettingsChange(response_target_minutes=45))
    await nudges.update_settings(GUILD, daily_cap=3)  # `/nudges set daily_cap:3`

    await settings.update(GUILD, SettingsChange(response_target_minutes=20))  # `/hearth setup`
    ladder = await nudges.settings(GUILD)
    assert (ladder.first_after_minutes, ladder.daily_cap) == (20, 3)
    assert (await digests.config(GUILD)).response_target_minutes == 20
    stored = await settings.get(GUILD)
    assert dict(stored.nudges) == {"daily_cap": 3}  # only what the moderator set

    await nudges.update_settings(GUILD, first_after_minutes=15)  # set explicitly: it stays put
    await settings.update(GUILD, SettingsChange(response_target_minutes=90))
    assert (await nudges.settings(GUILD)).first_after_minutes == 15


async def test_config_defaults_are_what_a_new_server_has(sm: SM) -> None:  # noqa: F811
    clock = FakeClock(T0)
    defaults = ServerDefaults(timezone="Europe/Berlin", response_target_minutes=25, snippet_chars=80)
    settings = SettingsService(sm, clock, defaults=defaults)
    nudges = NudgeService(sm, clock, settings=settings)
    intros = IntroService(sm, clock, settings=settings)
    fresh = await settings.get(GUILD)
    assert (fresh.timezone, fresh.response_target_minutes, fresh.snippet_chars, fresh.stored) == (
        "Europe/Berlin",
        25,
        80,
        False,
    )
    assert (await nudges.settings(GUILD)).first_after_minutes == 25
    # a row created by any feature's settings starts from the same defaults
    await intros.update_settings(GUILD, hour=18)
    stored = await settings.get(GUILD)
    assert (stored.stored, stored.timezone, stored.response_target_minutes, stored.intro_settings.hour) == (
        True,
        "Europe/Berlin",
        25,
        18,
    )


async def test_every_change_is_told_to_every_subscriber(sm: SM) -> None:  # noqa: F811
    clock = FakeClock(T0)
    settings = SettingsService(sm, clock)
    nudges = NudgeService(sm, clock, settings=settings)
    intros = IntroService(sm, clock, settings=settings)
    digests = DigestService(sm, clock, settings=settings)
    told: list[int] = []

    async def record(guild_id: int) -> None:
        told.append(guild_id)

    settings.subscribe(record)
    await settings.update(GUILD, SettingsChange(timezone="Asia/Tokyo"))
    await nudges.update_settings(GUILD, daily_cap=4)
    await intros.update_settings(GUILD, weekday=3)
    await digests.update_settings(GUILD, hour=7)
    assert told == [GUILD] * 4
    await settings.update(GUILD, SettingsChange())  # nothing to change: nobody is told
    assert told == [GUILD] * 4
