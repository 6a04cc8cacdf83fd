"""Questions as members and moderators act on them: list open ones, resolve, mark an answer, track.

Every change goes through the event pipeline (`QuestionResolved`, `AnswerMarked`,
`QuestionMarked`) so the engine's memory and the store never disagree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.conversation.events import AnswerMarked, Event, QuestionMarked, QuestionResolved
from bot.conversation.facts import Fact, QuestionFact
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.questions import store as question_repo

MAX_FILTERED = 5000  # open questions read to filter by channel access (the longest waiting first)

_LINK = re.compile(r"discord(?:app)?\.com/channels/(\d{1,25}|@me)/(\d{1,25})/(\d{1,25})")
_ID = re.compile(r"^\s*(\d{5,20})\s*$")


class EventSink(Protocol):
    """What the service needs from `EventPipeline`."""

    async def handle(self, event: Event) -> Sequence[Fact] | None: ...

    async def flush(self) -> None: ...


@dataclass(frozen=True, slots=True)
class OpenQuestionsPage:
    items: list[QuestionFact]
    total: int
    page: int  # 0-based, clamped into range
    pages: int  # at least 1
    per_page: int


MAX_SNOWFLAKE = 2**63 - 1


def _snowflake(digits: str) -> int:
    value = int(digits)
    if not 0 < value <= MAX_SNOWFLAKE:
        raise InvalidInput("That is not a Discord message id.")
    return value


def parse_message_ref(text: str, guild_id: int) -> int:
    """A message id from a bare id or a message link of this server."""
    match = _LINK.search(text[:300])
    if match:
        if match.group(1) != str(guild_id):
            raise InvalidInput("That link points to a message in another server.")
        return _snowflake(match.group(3))
    bare = _ID.match(text[:300])
    if bare:
        return _snowflake(bare.group(1))
    raise InvalidInput("Give a question from the list, a message link or a message id.")


def _latest(facts: Sequence[Fact] | None, message_id: int) -> QuestionFact | None:
    found: QuestionFact | None = None
    for fact in facts or ():
        if isinstance(fact, QuestionFact) and fact.message_id == message_id:
            found = fact
    return found


class QuestionService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        pipeline: EventSink,
        *,
        page_size: int = 5,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._pipeline = pipeline
        self.page_size = max(1, page_size)

    async def open_page(
        self,
        guild_id: int,
        page: int = 0,
        *,
        channel_id: int | None = None,
        visible: Callable[[QuestionFact], bool] | None = None,
    ) -> OpenQuestionsPage:
        """Open questions (oldest first waiting the longest) one page at a time; with `visible`
        only those it admits (the questions of channels the reader can read), counted so too."""
        await self._pipeline.flush()  # what the engine has decided is visible to the reader
        async with self._sessionmaker() as session:
            if visible is not None:
                every = await question_repo.open_questions(
                    session, guild_id, limit=MAX_FILTERED, offset=0, channel_id=channel_id
                )
                shown = [q for q in every if visible(q)]
                total = len(shown)
            else:
                total = await question_repo.count_open(session, guild_id, channel_id=channel_id)
            pages = max(1, math.ceil(total / self.page_size))
            page = min(max(0, page), pages - 1)
            if visible is not None:
                items = shown[page * self.page_size : (page + 1) * self.page_size]
            else:
                items = await question_repo.open_questions(
                    session, guild_id, limit=self.page_size, offset=page * self.page_size, channel_id=channel_id
                )
        return OpenQuestionsPage(items=list(items), total=total, page=page, pages=pages, per_page=self.page_size)

    async def get(self, guild_id: int, message_id: int) -> QuestionFact:
        await self._pipeline.flush()
        async with self._sessionmaker() as session:
            question = await question_repo.get_question(session, message_id)
        if question is None or question.guild_id != guild_id:
            raise NotFound("I don't know a question with that id in this server.")
        return question

    async def find(self, guild_id: int, message_id: int) -> QuestionFact | None:
        await self._pipeline.flush()
        async with self._sessionmaker() as session:
            question = await question_repo.get_question(session, message_id)
        return question if question is not None and question.guild_id == guild_id else None

    async def choices_for(
        self,
        guild_id: int,
        user_id: int,
        *,
        moderator: bool,
        limit: int = 25,
        visible: Callable[[QuestionFact], bool] | None = None,
    ) -> list[QuestionFact]:
        """Open questions a member may resolve (their own; every one for a moderator, of the
        channels `visible` admits), newest first."""
        await self._pipeline.flush()
        async with self._sessionmaker() as session:
            items = await question_repo.open_questions(session, guild_id, limit=500, offset=0)
        mine = [
            q
            for q in items
            if q.asker_id == user_id or (moderator and (visible is None or visible(q)))
        ]
        mine.sort(key=lambda q: q.asked_at, reverse=True)
        return mine[:limit]

    async def resolve(self, guild_id: int, question_message_id: int, *, by_user_id: int, moderator: bool) -> QuestionFact:
        question = await self.get(guild_id, question_message_id)
        if question.asker_id != by_user_id and not moderator:
            raise NotAllowed("Only the member who asked or a moderator (**Manage Server**) can resolve this question.")
        if question.status == "resolved":
            raise InvalidInput("That question is already resolved.")
        event = QuestionResolved(
            guild_id=guild_id, question_message_id=question.message_id, by_user_id=by_user_id, at=self._clock.now()
        )
        return await self._apply(event, question)

    async def mark_answer(
        self,
        guild_id: int,
        *,
        answer_message_id: int,
        answer_author_id: int,
        candidates: Sequence[int],
        channel_id: int,
        by_user_id: int,
        moderator: bool,
    ) -> QuestionFact:
        """Mark a message as the answer to the first known question among `candidates`.

        `candidates` are message ids the cog read from Discord, best first (the message the
        answer replies to, the thread it sits in). When none is a known question, the invoking
        member's latest open question in the channel is used.
        """
        question = await self._question_for_answer(guild_id, candidates, channel_id, by_user_id, answer_message_id)
        if question.asker_id != by_user_id and not moderator:
            raise NotAllowed("Only the member who asked or a moderator (**Manage Server**) can mark the answer.")
        if answer_message_id == question.message_id:
            raise InvalidInput("A question cannot be its own answer; use `/questions resolve` instead.")
        now = self._clock.now()
        event: Event
        if answer_author_id == question.asker_id:
            event = QuestionResolved(
                guild_id=guild_id, question_message_id=question.message_id, by_user_id=by_user_id, at=now
            )
        else:
            event = AnswerMarked(
                guild_id=guild_id,
                question_message_id=question.message_id,
                answer_message_id=answer_message_id,
                answer_author_id=answer_author_id,
                by_user_id=by_user_id,
                at=now,
            )
        return await self._apply(event, question)

    async def track(
        self, guild_id: int, *, channel_id: int, message_id: int, author_id: int, by_user_id: int, moderator: bool
    ) -> QuestionFact | None:
        """Track a message as a question (its author or a moderator). None if the engine could not."""
        if author_id != by_user_id and not moderator:
            raise NotAllowed("Only the author of the message or a moderator (**Manage Server**) can track it.")
        existing = await self.find(guild_id, message_id)
        if existing is not None:
            raise InvalidInput("That message is already tracked as a question.")
        event = QuestionMarked(
            guild_id=guild_id, channel_id=channel_id, message_id=message_id, by_user_id=by_user_id, at=self._clock.now()
        )
        facts = await self._pipeline.handle(event)
        await self._pipeline.flush()
        return _latest(facts, message_id) or await self.find(guild_id, message_id)

    async def _question_for_answer(
        self, guild_id: int, candidates: Sequence[int], channel_id: int, by_user_id: int, answer_message_id: int
    ) -> QuestionFact:
        for candidate in candidates:
            question = await self.find(guild_id, candidate)
            if question is not None:
                return question
        async with self._sessionmaker() as session:
            in_channel = await question_repo.open_questions(session, guild_id, limit=500, offset=0, channel_id=channel_id)
        mine = [q for q in in_channel if q.asker_id == by_user_id and q.message_id < answer_message_id]
        if mine:
            return max(mine, key=lambda q: q.message_id)
        raise NotFound(
            "I could not tell which question this message answers. Reply to the question with the "
            "answer, or use `/questions resolve`."
        )

    async def _apply(self, event: Event, before: QuestionFact) -> QuestionFact:
        facts = await self._pipeline.handle(event)
        await self._pipeline.flush()
        after = _latest(facts, before.message_id)
        if after is not None:
            return after
        return await self.find(before.guild_id, before.message_id) or before


__all__ = ["EventSink", "OpenQuestionsPage", "QuestionService", "parse_message_ref"]
