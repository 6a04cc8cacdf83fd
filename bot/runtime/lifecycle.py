"""Build the services from the settings, run the bot, shut down cleanly on SIGINT/SIGTERM.

`python -m bot run` calls `run(settings)`. Shutdown order: stop reading the gateway,
stop the scheduler, flush the batched writer, dispose the database engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.cli.failures import discord_unreachable, login_refused, opening_database
from bot.conversation.clock import Clock, SystemClock
from bot.runtime.bot import DEFAULT_EXTENSIONS, HearthBot, RuntimeOptions
from bot.settings.config import Settings
from bot.settings.guild import ServerDefaults

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def runtime_options(settings: Settings, *, message_content: bool | None = None) -> RuntimeOptions:
    discord_settings = settings.discord
    return RuntimeOptions(
        message_content=discord_settings.message_content if message_content is None else message_content,
        shard_count=discord_settings.shard_count,
        shard_ids=list(discord_settings.shard_ids) or None,
        extensions=DEFAULT_EXTENSIONS,
        poll_seconds=float(settings.scheduler.poll_seconds),
        flush_seconds=float(settings.database.flush_seconds),
        backfill_days=discord_settings.backfill_days_on_join or 30,
        backfill_on_join=discord_settings.backfill_days_on_join > 0,
        misfire_grace_seconds=settings.scheduler.misfire_grace_seconds,
    )


async def build_services(settings: Settings, clock: Clock, *, same_thread: bool = False) -> Services:
    """Open (and migrate) the database and assemble every service around one pipeline.
    `same_thread`: SQLite runs on this thread (a replay, with no gateway to keep answering)."""
    from bot.conversation.engine import Engine, GuildRules
    from bot.services import Services
    from bot.sources.pipeline import EventPipeline, RulesBook
    from bot.store.migrate import migrate
    from bot.store.session import create_engine, make_sessionmaker
    from bot.store.writer import BatchedWriter

    url = settings.database.url
    with opening_database(url):
        db_engine = create_engine(url, same_thread=same_thread)
    try:
        with opening_database(url):
            await migrate(db_engine)
    except BaseException:
        await db_engine.dispose()
        raise
    sessionmaker = make_sessionmaker(db_engine)
    writer = BatchedWriter(db_engine, batch_size=settings.database.batch_size)
    defaults = settings.defaults.server_defaults()
    rules = RulesBook(GuildRules(snippet_chars=defaults.snippet_chars))
    pipeline = EventPipeline(Engine(clock, rules.get), writer, sessionmaker, rules, defaults)
    services = Services(db_engine=db_engine, sessionmaker=sessionmaker, clock=clock, pipeline=pipeline)
    attach_feature_services(services, defaults)
    return services


def attach_feature_services(services: Services, defaults: ServerDefaults | None = None) -> None:
    """Every feature service around one settings service, the only door for settings changes."""
    from bot.digest.service import DigestService
    from bot.interests.service import InterestService
    from bot.intros.service import IntroService
    from bot.members.service import MemberService
    from bot.nudges.board_service import BoardService
    from bot.nudges.service import NudgeService
    from bot.privacy.service import PrivacyService
    from bot.questions.service import QuestionService
    from bot.settings.service import SettingsService
    from bot.sources.backfill import BackfillService, SqlProgressStore

    sm, clock, pipeline = services.sessionmaker, services.clock, services.pipeline
    settings = SettingsService(sm, clock, defaults=defaults, on_change=pipeline.refresh_rules)
    services.settings = settings
    services.questions = QuestionService(sm, clock, pipeline)
    services.privacy = PrivacyService(sm, clock, on_change=pipeline.refresh_rules, pipeline=pipeline)
    services.interests = InterestService(sm, clock)
    services.nudges = NudgeService(sm, clock, settings=settings)
    services.boards = BoardService(sm, clock, settings)
    services.intros = IntroService(sm, clock, settings=settings)
    services.digests = DigestService(sm, clock, settings=settings)
    services.members = MemberService(sm, clock)
    services.backfill = BackfillService(pipeline, SqlProgressStore(sm), clock)


def install_signal_handlers(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> list[int]:
    """Ask the bot to stop on SIGINT/SIGTERM; returns the signals installed (none on Windows)."""
    installed: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
            installed.append(sig)
    return installed


async def log_in(bot: discord.Client, token: str) -> None:
    """`bot.login`, with the two ways it fails at start-up worded for the terminal: Discord
    refused the token, or Discord cannot be reached (after login, discord.py reconnects itself)."""
    try:
        await bot.login(token)
    except discord.LoginFailure as exc:
        raise login_refused() from exc
    except discord.DiscordServerError as exc:
        raise discord_unreachable(exc) from exc
    except (aiohttp.ClientConnectionError, OSError, TimeoutError) as exc:
        raise discord_unreachable(exc) from exc


async def run_once(settings: Settings, *, message_content: bool, clock: Clock) -> None:
    services = await build_services(settings, clock)
    bot = HearthBot(
        services=services, clock=clock, settings=runtime_options(settings, message_content=message_content)
    )
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def stop() -> None:
        log.info("shutting down")
        if not stopping:
            stopping.append(loop.create_task(bot.close()))

    installed = install_signal_handlers(loop, stop)
    try:
        async with bot:
            await log_in(bot, settings.discord.token)
            await bot.connect()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if stopping:
            await stopping[0]
        else:
            await bot.close()


async def run(settings: Settings, *, clock: Clock | None = None) -> int:
    """Run until stopped. If the gateway refuses the message content intent, run without it."""
    if not settings.discord.token:
        raise ValueError("no Discord token: set DISCORD_TOKEN or discord.token in the config")
    clock = clock or SystemClock()
    try:
        await run_once(settings, message_content=settings.discord.message_content, clock=clock)
    except discord.PrivilegedIntentsRequired:
        if not settings.discord.message_content:
            raise
        log.warning("Discord refused the message content intent; starting again without it")
        await run_once(settings, message_content=False, clock=clock)
    return 0
