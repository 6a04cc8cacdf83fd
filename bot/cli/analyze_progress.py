"""Resuming a killed `analyze` run from the `ingest_progress` table.

The engine is deterministic: replaying the same exports gives the same facts in the same order.
A run records, after each committed batch, how many messages have all their facts committed
(`messages_done`: every fact produced before the next message was handled). A later run over
the same exports and database replays the engine from the start to rebuild its state, but drops
the facts produced before that point, so what was committed is never written again (an older
state of a question never overwrites a newer one) and the rows only grow between runs.

If the process dies after a batch commits but before its mark does, the next run writes that
batch again from the previous mark: the writer's upserts make the same rows, because every
fact after the mark is written again in order and the latest state of each row wins.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.sources.progress_store import get_ingest_progress, set_ingest_progress


def source_key(paths: Sequence[Path], guild_id: int) -> str:
    """Names one set of exports (paths, sizes, modification times): changed files start afresh."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: str(p.resolve())):
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return f"analyze:{guild_id}:{digest.hexdigest()[:40]}"


@dataclass(frozen=True, slots=True)
class Resume:
    messages_done: int = 0
    done: bool = False


async def load_resume(sessionmaker: async_sessionmaker[AsyncSession], key: str) -> Resume:
    async with sessionmaker() as session:
        row = await get_ingest_progress(session, key)
    if row is None:
        return Resume()
    return Resume(messages_done=row.messages_done, done=row.done)


class Checkpoints:
    """Turns "facts committed so far" into "messages whose facts are all committed" and stores it."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        key: str,
        guild_id: int,
        resume: Resume,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._key = key
        self._guild_id = guild_id
        self.resume = resume
        self.messages_seen = 0
        self.facts_seen = 0
        self.facts_skipped = 0
        self._last_message_id: int | None = None
        # (facts produced before message m + 1 was handled, m, id of message m)
        self._marks: deque[tuple[int, int, int | None]] = deque()

    def before_message(self, message_id: int) -> None:
        """Call before handling each message, in stream order."""
        if self.messages_seen > self.resume.messages_done:
            self._marks.append((self.facts_seen, self.messages_seen, self._last_message_id))
        self.messages_seen += 1
        self._last_message_id = message_id

    def keep(self, produced: int) -> bool:
        """Whether the `produced` facts of the event just handled must be written."""
        self.facts_seen += produced
        if self.resume.messages_done and self.messages_seen <= self.resume.messages_done:
            self.facts_skipped += produced
            return False
        return True

    async def committed(self, facts_written: int) -> None:
        """The writer committed a batch; `facts_written` counts every fact it wrote in this run."""
        total = self.facts_skipped + facts_written
        mark: tuple[int, int, int | None] | None = None
        while self._marks and self._marks[0][0] <= total:
            mark = self._marks.popleft()
        if mark is not None:
            await self._store(mark[1], mark[2], done=False)

    async def finished(self) -> None:
        await self._store(self.messages_seen, self._last_message_id, done=True)

    async def _store(self, messages_done: int, last_message_id: int | None, *, done: bool) -> None:
        async with self._sessionmaker() as session:
            await set_ingest_progress(
                session,
                self._key,
                guild_id=self._guild_id,
                last_message_id=last_message_id,
                messages_done=messages_done,
                done=done,
                updated_at=self._clock.now(),
            )
            await session.commit()


__all__ = ["Checkpoints", "Resume", "load_resume", "source_key"]
