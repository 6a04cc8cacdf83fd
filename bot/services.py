"""Every application service, built once at start-up and handed to the bot and the cogs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.sources.pipeline import EventPipeline

if TYPE_CHECKING:
    from bot.digest.service import DigestService
    from bot.interests.service import InterestService
    from bot.intros.service import IntroService
    from bot.members.service import MemberService
    from bot.nudges.board_service import BoardService
    from bot.nudges.service import NudgeService
    from bot.privacy.service import PrivacyService
    from bot.questions.service import QuestionService
    from bot.settings.service import SettingsService
    from bot.sources.backfill import BackfillService


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
    boards: BoardService | None = None
    intros: IntroService | None = None
    digests: DigestService | None = None
    members: MemberService | None = None
    backfill: BackfillService | None = None

    async def close(self) -> None:
        """Flush what is buffered and release the database."""
        await self.pipeline.close()
        await self.db_engine.dispose()
