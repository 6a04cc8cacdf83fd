"""A member's own data: see it, export it, delete it, stop or restart tracking."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.conversation.events import Event, MessageDeleted
from bot.conversation.facts import QuestionFact
from bot.members import store as member_repo
from bot.privacy import store as privacy_repo

OnChange = Callable[[int], Awaitable[Any]]


class EngineLike(Protocol):
    def question(self, message_id: int) -> QuestionFact | None: ...
    def restore(self, questions: Iterable[QuestionFact], recent: Iterable[Any] = ()) -> None: ...


class PipelineLike(Protocol):
    async def handle(self, event: Event) -> Any: ...

    async def flush(self) -> None: ...


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)  # Discord ids: keep them exact for JSON readers
    return value


@dataclass(frozen=True, slots=True)
class DeletionReport:
    rows_by_table: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows_by_table.values())


class PrivacyService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        on_change: OnChange | None = None,
        pipeline: PipelineLike | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._on_change = on_change
        self._pipeline = pipeline

    @property
    def has_pipeline(self) -> bool:
        return self._pipeline is not None

    def use_pipeline(self, pipeline: PipelineLike) -> None:
        """Deletion must flush buffered facts and tell the engine; give it the event pipeline."""
        self._pipeline = pipeline

    async def summary(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about the member in this server (ids, times, counts; no message text)."""
        if self._pipeline is not None:
            await self._pipeline.flush()
        async with self._sessionmaker() as session:
            data = await member_repo.member_summary(session, guild_id, user_id)
        return dict(data)

    async def export_json(self, guild_id: int, user_id: int) -> bytes:
        data = await self.summary(guild_id, user_id)
        document = {
            "exported_at": self._clock.now().isoformat(),
            "guild_id": str(guild_id),
            "user_id": str(user_id),
            "data": _jsonable(data),
        }
        return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")

    async def is_opted_out(self, guild_id: int, user_id: int) -> bool:
        async with self._sessionmaker() as session:
            return user_id in await member_repo.opted_out_ids(session, guild_id)

    async def delete(self, guild_id: int, user_id: int) -> DeletionReport:
        """Remove the member's rows, and rows about their messages, from every table of this
        server (opt-out is kept if set).

        Buffered facts are written first (or they would bring rows back), and the engine is told
        that the member's messages are gone so it does not write them again. What there is to
        remove is counted before anything changes (a rolled-back run of the same deletion), so
        the count includes rows the engine takes away itself.
        """
        if self._pipeline is not None:
            await self._pipeline.flush()
        async with self._sessionmaker() as session:
            message_ids = await privacy_repo.member_message_ids(session, guild_id, user_id)
            planned = await privacy_repo.delete_member_data(session, guild_id, user_id, message_ids)
            await session.rollback()
        if self._pipeline is not None:
            summary = await self.summary(guild_id, user_id)
            now = self._clock.now()
            for question in summary.get("questions_asked") or []:
                await self._pipeline.handle(
                    MessageDeleted(
                        guild_id=guild_id,
                        channel_id=int(question["channel_id"]),
                        message_id=int(question["message_id"]),
                        deleted_at=now,
                    )
                )
            await self._forget_in_engine(guild_id, user_id, now, set(message_ids))
            await self._pipeline.flush()
        async with self._sessionmaker() as session:
            was_opted_out = user_id in await member_repo.opted_out_ids(session, guild_id)
            done = await privacy_repo.delete_member_data(session, guild_id, user_id, message_ids)
            if was_opted_out:
                # Deleting data must not silently restart tracking.
                await member_repo.set_opt_out(session, guild_id, user_id, True)
            await session.commit()
        if self._on_change is not None:
            await self._on_change(guild_id)
        counts = {t: max(planned.get(t, 0), done.get(t, 0)) for t in {*planned, *done}}
        return DeletionReport(rows_by_table={k: v for k, v in counts.items() if v})

    async def _forget_in_engine(self, guild_id: int, user_id: int, now: datetime, mine: set[int]) -> None:
        """The engine remembers recent messages and each question's responders: without this, a
        later reply or thanks in a question the member answered writes their old part back."""
        assert self._pipeline is not None
        async with self._sessionmaker() as session:
            footprint = await privacy_repo.member_footprint(session, guild_id, user_id)
        for channel_id, message_id in footprint.messages:
            await self._pipeline.handle(MessageDeleted(guild_id, channel_id, message_id, now))
        engine: EngineLike | None = getattr(self._pipeline, "engine", None)
        if engine is None:
            return
        for question_id in footprint.responded_question_ids:
            fact = engine.question(question_id)
            if fact is None:
                continue
            if user_id in fact.responder_ids or fact.first_response_message_id in mine:
                kept = tuple(r for r in fact.responder_ids if r != user_id)
                first = None if fact.first_response_message_id in mine else fact.first_response_message_id
                engine.restore([replace(fact, responder_ids=kept, first_response_message_id=first)])

    async def set_opt_out(self, guild_id: int, user_id: int, opted_out: bool) -> bool:
        """Returns True when this changed anything."""
        async with self._sessionmaker() as session:
            before = user_id in await member_repo.opted_out_ids(session, guild_id)
            if before == opted_out:
                return False
            await member_repo.set_opt_out(session, guild_id, user_id, opted_out)
            await session.commit()
        if self._on_change is not None:
            await self._on_change(guild_id)
        return True


__all__ = ["DeletionReport", "PrivacyService"]
