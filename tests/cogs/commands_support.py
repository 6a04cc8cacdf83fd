"""Real services on a migrated SQLite file, for the command tests (no fakes between cog and store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from discord import app_commands
from simcord import Env, InteractionResult, MemberActor

from bot.conversation.clock import Clock
from bot.conversation.engine import Engine
from bot.interests.service import InterestService
from bot.privacy.service import PrivacyService
from bot.questions.service import QuestionService
from bot.services import Services
from bot.settings.service import SettingsService
from bot.sources.backfill import BackfillService, ChannelProgress
from bot.sources.pipeline import EventPipeline, RulesBook
from bot.store.base import Base
from bot.store.migrate import migrate
from bot.store.session import create_engine, database_url, make_sessionmaker
from bot.store.writer import BatchedWriter


class MemoryProgress:
    """A `ProgressStore` kept in memory (the backfill progress table is not under test here)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], ChannelProgress] = {}

    async def load(self, guild_id: int) -> dict[int, ChannelProgress]:
        return {cid: p for (gid, cid), p in self.rows.items() if gid == guild_id}

    async def save(self, progress: ChannelProgress, at: datetime) -> None:
        self.rows[(progress.guild_id, progress.channel_id)] = progress


@asynccontextmanager
async def open_command_services(path: Path, clock: Clock, *, features: bool = False) -> AsyncIterator[Services]:
    """The command services; `features=True` adds the feature cogs' services (nudges, intros, digests)."""
    db = create_engine(database_url(str(path)))
    await migrate(db)
    # Feature tables whose models landed after the initial revision was generated: create what
    # the migration does not have yet (no-op once the revision is regenerated with every model).
    async with db.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessionmaker = make_sessionmaker(db)
    rules = RulesBook()
    pipeline = EventPipeline(Engine(clock, rules.get), BatchedWriter(db), sessionmaker, rules)
    services = Services(db_engine=db, sessionmaker=sessionmaker, clock=clock, pipeline=pipeline)
    services.questions = QuestionService(sessionmaker, clock, pipeline)
    services.settings = SettingsService(sessionmaker, clock, on_change=pipeline.refresh_rules)
    services.interests = InterestService(sessionmaker, clock)
    # as the lifecycle builds it (no pipeline given): the privacy cog wires the pipeline in itself
    services.privacy = PrivacyService(sessionmaker, clock, on_change=pipeline.refresh_rules)
    if features:  # so that every extension in cogs/ can load
        from bot.digest.service import DigestService
        from bot.intros.service import IntroService
        from bot.nudges.board_service import BoardService
        from bot.nudges.service import NudgeService

        services.nudges = NudgeService(sessionmaker, clock, settings=services.settings)
        services.boards = BoardService(sessionmaker, clock, services.settings)
        services.intros = IntroService(sessionmaker, clock, settings=services.settings)
        services.digests = DigestService(sessionmaker, clock, settings=services.settings)
    services.backfill = BackfillService(pipeline, MemoryProgress(), clock)
    try:
        yield services
    finally:
        await services.close()


@dataclass(frozen=True)
class CommandServices:
    """The services the command cogs use, typed as present (the container allows None)."""

    questions: QuestionService
    settings: SettingsService
    interests: InterestService
    privacy: PrivacyService
    pipeline: EventPipeline


def services_of(bot: Any) -> CommandServices:
    s = bot.services
    assert s.questions and s.settings and s.interests and s.privacy
    return CommandServices(s.questions, s.settings, s.interests, s.privacy, s.pipeline)


def command_id(env: Env, name: str, guild_id: int, *, type: int = 1) -> int:
    root = env.backend.find_command(name, guild_id, type=type)
    assert root is not None, f"command {name!r} was not synced"
    return int(root["id"])


def allow_for(env: Env, guild: Any, name: str, member: MemberActor, *, type: int = 1) -> None:
    """A server admin overrides the command's default permissions for `member` (what Discord allows)."""
    guild.set_command_permissions(command_id(env, name, guild.id, type=type), {member: True})


def reply_text(result: InteractionResult) -> str:
    response = result.response
    assert response is not None, f"no response: {result!r}"
    parts = [response.content]
    for embed in response.embeds:
        parts.append(embed.title or "")
        parts.append(embed.description or "")
        parts.extend(f"{f.name}: {f.value}" for f in embed.fields)
        if embed.footer and embed.footer.text:
            parts.append(embed.footer.text)
    return "\n".join(parts)


def take_errors(env: Env) -> list[BaseException]:
    """Errors the tree reported (expected refusals included when the tree records them)."""
    return list(env.errors)


def expected_only(errors: list[BaseException]) -> bool:
    from bot.runtime.command_errors import describe_error

    return all(isinstance(e, app_commands.AppCommandError) and describe_error(e) is not None for e in errors)


__all__ = [
    "CommandServices",
    "MemoryProgress",
    "allow_for",
    "command_id",
    "expected_only",
    "open_command_services",
    "reply_text",
    "services_of",
    "take_errors",
]
