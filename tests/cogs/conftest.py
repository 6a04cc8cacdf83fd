"""Shared simcord fixtures for Hearth's cog tests.

Use in a test module::

    @pytest.fixture
    def hearth_extensions() -> list[str]:
        return ["cogs.listeners", "cogs.questions"]

    async def test_something(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
        await hearth.alice.send(hearth.help, "How do I ...?")
        result = await hearth.bob.slash(hearth.help, "questions open")

Fixtures:
- `hearth_extensions`: the extensions to load (override per module). Default: listeners only.
- `hearth_clock`: a `SimcordClock` that follows simcord's virtual time (`env.advance_time`).
- `hearth_services`: the services the bot gets. By default a `RecordingServices` whose
  pipeline records events; `real_hearth_services` (see below) builds the real container
  on a migrated temporary SQLite file. A module opts in with
  `hearth_services = real_hearth_services_fixture` style override::

      @pytest.fixture
      def hearth_services(real_hearth_services):
          return real_hearth_services

- `simcord_bot` / `hearth_bot`: the HearthBot (simcord's `simcord_env` runs it).
- `hearth`: a `HearthWorld` with guild, #general, #help, a forum with tags, a moderator
  (manage_guild) and members alice, bob, carol, with the bot's join events settled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from simcord import Env

from bot.runtime.bot import HearthBot, RuntimeOptions
from tests.cogs.simworld import HearthWorld, RecordingServices, SimcordClock, build_world


@pytest.fixture
def hearth_extensions() -> list[str]:
    return ["cogs.listeners"]


@pytest.fixture
def hearth_clock() -> SimcordClock:
    return SimcordClock()


@pytest.fixture
def hearth_services() -> Any:
    return RecordingServices()


@pytest_asyncio.fixture
async def real_hearth_services(tmp_path: Path, hearth_clock: SimcordClock) -> AsyncIterator[Any]:
    """The real services container on a freshly migrated SQLite file in `tmp_path`."""
    from tests.cogs.real_services import open_real_services

    async with open_real_services(tmp_path / "hearth.db", hearth_clock) as services:
        yield services


def bot_options(extensions: list[str], *, poll_seconds: float = 60.0, flush_seconds: float = 0.5) -> RuntimeOptions:
    """The bot's options in cog tests: one shard, no backfill on join, the given timers."""
    return RuntimeOptions(
        message_content=True,
        shard_count=1,
        extensions=tuple(extensions),
        backfill_on_join=False,
        poll_seconds=poll_seconds,
        flush_seconds=flush_seconds,
    )


@pytest.fixture
def hearth_options(hearth_extensions: list[str]) -> RuntimeOptions:
    return bot_options(hearth_extensions)


@pytest.fixture
def simcord_bot(
    hearth_services: Any, hearth_clock: SimcordClock, hearth_options: RuntimeOptions
) -> HearthBot:
    return HearthBot(services=hearth_services, clock=hearth_clock, settings=hearth_options)


@pytest.fixture
def hearth_bot(simcord_env: Env) -> HearthBot:
    bot = simcord_env.bot
    assert isinstance(bot, HearthBot)
    return bot


@pytest_asyncio.fixture
async def hearth(simcord_env: Env, hearth_clock: SimcordClock) -> HearthWorld:
    hearth_clock.bind(simcord_env)
    world = build_world(simcord_env)
    await simcord_env.settle()
    return world
