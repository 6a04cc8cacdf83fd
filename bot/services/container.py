"""Every application service, built once at start-up and handed to the bot and the cogs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.services.pipeline import EventPipeline

if TYPE_CHECKING:
    from bot.services.backfill import BackfillService
    from bot.services.digests import DigestService
    from bot.services.interests import InterestService
    from bot.services.intros import IntroService
    from bot.services.members import MemberService
    from bot.services.nudges import NudgeService
    from bot.services.privacy import PrivacyService
    from bot.services.questions import QuestionService
    from bot.services.settings import SettingsService


@dataclass
class Services:
    db_engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    pipeline: EventPipeline
    questions: QuestionService | None = None
    settings: SettingsService | None = None
    interests: InterestService | None = None
    privacy: PrivacyService | None = None
    nudges: NudgeService | None = None
    intros: IntroService | None = None
    digests: DigestService | None = None
    members: MemberService | None = None
    backfill: BackfillService | None = None

    async def close(self) -> None:
        """Flush what is buffered and release the database."""
        await self.pipeline.close()
        await self.db_engine.dispose()
