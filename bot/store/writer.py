"""Batched fact writer: buffers facts and writes them in one transaction per batch.

Facts are reduced in order inside a batch (the latest state per key wins, `MessageGone`
removes what came before it), then written with Core `insert()` upserts, so writing the
same facts twice leaves the same rows.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, String, Table, case, cast, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.conversation.facts import Fact, InteractionFact, MemberFact, MessageFact, MessageGone, QuestionFact
from bot.store import pg_bulk
from bot.store.base import UTCDateTime
from bot.store.dialect import sql_earlier, sql_later
from bot.store.models.core import Interaction, Member, Message, Question, QuestionResponder

log = logging.getLogger(__name__)

OnCommit = Callable[[int], Awaitable[None] | None]

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
INTERACTIONS: Table = Interaction.__table__  # type: ignore[assignment]
QUESTIONS: Table = Question.__table__  # type: ignore[assignment]
RESPONDERS: Table = QuestionResponder.__table__  # type: ignore[assignment]
MEMBERS: Table = Member.__table__  # type: ignore[assignment]

_RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
_IN_CHUNK = 500
_STEP = 50  # facts reduced, or rows built, between two returns to the event loop


def _chunks(values: Sequence[int], size: int = _IN_CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class BatchedWriter:
    """Buffers facts; writes them in batches (one transaction each) on size, on a timer and on close."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        batch_size: int = 2000,
        on_commit: OnCommit | None = None,
        max_retries: int = 5,
        max_pending: int | None = None,
    ) -> None:
        self._engine = engine
        self._batch_size = batch_size
        self._on_commit = on_commit
        self._max_retries = max_retries
        self._buffer: list[Fact] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._background: asyncio.Task[None] | None = None
        self._max_pending = max_pending if max_pending is not None else 4 * batch_size
        self._closed = False
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[str, list[tuple[str, Any]], Any]] = {}
        self._statements: dict[str, Any] = {}
        self._arrays = pg_bulk.ArrayUpserts()
        self.facts_written = 0

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def write(self, facts: Iterable[Fact]) -> None:
        """Buffer `facts`; a full batch is written before this returns (replays, backfill)."""
        if self._closed:
            raise RuntimeError("writer is closed")
        self._buffer.extend(facts)
        if len(self._buffer) >= self._batch_size:
            await self.flush()

    def append(self, facts: Iterable[Fact]) -> None:
        """Buffer `facts` without waiting for the database (the live path: a message handler
        never waits for a write). A full batch starts a flush in a background task; the
        periodic `flush()` writes the rest."""
        if self._closed:
            raise RuntimeError("writer is closed")
        self._buffer.extend(facts)
        if len(self._buffer) >= self._batch_size:
            self._flush_soon()

    async def write_behind(self, facts: Iterable[Fact]) -> None:
        """Buffer `facts` and let full batches be written in the background while the caller
        goes on producing (a bulk replay overlaps its CPU work with the database's). Waits only
        when `max_pending` facts are buffered, so memory stays bounded."""
        self.append(facts)
        if len(self._buffer) >= self._max_pending:
            await self.flush()
        else:
            await asyncio.sleep(0)  # let a running background flush take its next step

    def _flush_soon(self) -> None:
        if self._background is None or self._background.done():
            self._background = asyncio.create_task(self._flush_logged(), name="hearth-writer-flush")

    async def _flush_logged(self) -> None:
        try:
            await self.flush(full_batches_only=True)
        except Exception:
            log.exception("background write failed; %d facts kept for the next flush", self.pending)

    async def flush(self, *, full_batches_only: bool = False) -> None:
        """Write what is buffered when the flush begins (with `full_batches_only`, leave a last
        partial batch buffered). Facts appended while it writes wait for the next flush: a flush
        that chased them would, on a live bot, run one small transaction after another."""
        least = self._batch_size if full_batches_only else 1
        async with self._lock:
            remaining = len(self._buffer)
            while remaining >= least:
                batch = self._buffer[: min(self._batch_size, remaining)]
                del self._buffer[: len(batch)]
                remaining -= len(batch)
                try:
                    await self._write_isolating(batch)
                except BaseException:
                    self._buffer[:0] = batch  # keep them for the next attempt
                    raise
                self.facts_written += len(batch)
                if self._on_commit is not None:
                    result = self._on_commit(len(batch))
                    if inspect.isawaitable(result):
                        await result

    async def start(self, interval: float = 0.5) -> None:
        if self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._run_timer(interval), name="hearth-batched-writer")

    async def close(self) -> None:
        self._closed = True
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            try:
                await timer
            except asyncio.CancelledError:
                if not timer.cancelled():
                    raise
        background, self._background = self._background, None
        if background is not None:
            await background  # it logs its own failure; the flush below retries what it kept
        await self.flush()

    async def _run_timer(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.flush()
            except Exception:
                log.exception("batched write failed; %d facts kept for the next flush", self.pending)

    async def _write_isolating(self, facts: Sequence[Fact]) -> None:
        """Write `facts`; when the database refuses a batch (not an outage: bad data), split it
        in order-keeping halves to find and drop the refused facts, so one bad fact never
        blocks the writer. Outages propagate and the batch is kept."""
        try:
            await self._write_batch(facts)
        except Exception as exc:
            if not _refused(exc):
                raise
            if len(facts) == 1:
                # never the fact itself or the error text: both can hold a snippet of a message
                fact = facts[0]
                log.error(
                    "dropping a %s (message %s) the database refuses: %s",
                    type(fact).__name__,
                    getattr(fact, "message_id", "-"),
                    type(exc).__name__,
                )
                return
            half = len(facts) // 2
            await self._write_isolating(facts[:half])
            await self._write_isolating(facts[half:])

    async def _write_batch(self, facts: Sequence[Fact]) -> None:
        reduced = Batch()
        add = reduced.add
        for start in range(0, len(facts), _STEP):
            for fact in facts[start : start + _STEP]:
                add(fact)
            await asyncio.sleep(0)  # a live bot handles its messages between the steps
        attempt = 0
        while True:
            try:
                async with self._engine.begin() as conn:
                    await self._apply(conn, reduced)
                return
            except DBAPIError as exc:
                attempt += 1
                if attempt > self._max_retries or not _is_retryable(exc):
                    raise
                log.warning("batch write retry %d after %s", attempt, type(exc.orig).__name__)
                await asyncio.sleep(0.05 * attempt)

    async def _executemany(self, conn: AsyncConnection, stmt: Any, rows: list[dict[str, Any]]) -> None:
        """Run `stmt` for every row. On SQLite the Core statement is compiled once and run through
        the driver's executemany with each column's own bind processor (the same values
        SQLAlchemy would send), which is about twice as fast as the per-row parameter pipeline.
        On PostgreSQL the same upsert is fed one array per column (`pg_bulk`): one statement per
        batch, 1.4-2x the rows per second of executemany."""
        update = stmt is not self._statements.get("responders")  # the one do-nothing insert
        if self._engine.dialect.name == "postgresql" and await self._arrays.execute(
            conn, stmt, rows, update=update
        ):
            return
        if self._engine.dialect.name != "sqlite":
            await conn.execute(stmt, rows)
            return
        keys = tuple(rows[0])
        cache_key = (id(stmt), keys)
        plan = self._compiled.get(cache_key)
        if plan is None:
            compiled = stmt.compile(dialect=self._engine.dialect, column_keys=list(keys))
            order = compiled.positiontup or []
            if not set(order) <= set(keys):  # a statement with constants of its own
                await conn.execute(stmt, rows)
                return
            table = stmt.table
            dialect = self._engine.dialect
            processors = [_sqlite_processor(table.c[name], dialect) for name in order]
            plan = (compiled.string, list(zip(order, processors, strict=True)), stmt)
            self._compiled[cache_key] = plan
        sql, columns, _ = plan
        # built and sent in steps: the event loop runs other work while SQLite writes a step
        for start in range(0, len(rows), _STEP):
            params = [
                tuple([row[name] if proc is None else proc(row[name]) for name, proc in columns])
                for row in rows[start : start + _STEP]
            ]
            await conn.exec_driver_sql(sql, params)

    def _insert(self, table: Table) -> Any:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def _apply(self, conn: AsyncConnection, batch: Batch) -> None:
        if batch.gone:
            await self._delete_gone(conn, sorted(batch.gone))
        if batch.members:
            await self._upsert_members(conn, [batch.members[k] for k in sorted(batch.members)])
        if batch.messages:
            await self._upsert(conn, MESSAGES, [batch.messages[k] for k in sorted(batch.messages)])
        if batch.questions:
            await self._write_questions(conn, [batch.questions[k] for k in sorted(batch.questions)])
        if batch.interactions:
            rows = [batch.interactions[k] for k in sorted(batch.interactions)]
            await self._upsert(conn, INTERACTIONS, rows)

    async def _upsert(self, conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
        stmt = self._statements.get(table.name)
        if stmt is None:
            ins = self._insert(table)
            keys = [c.name for c in table.primary_key.columns]
            updates = {c.name: ins.excluded[c.name] for c in table.columns if c.name not in keys}
            changed = or_(
                *(
                    _comparable(table.c[name]).is_distinct_from(_comparable(ins.excluded[name]))
                    for name in updates
                )
            )
            # rows already holding these values are left alone: re-ingesting writes nothing
            stmt = ins.on_conflict_do_update(index_elements=keys, set_=updates, where=changed)
            self._statements[table.name] = stmt
        await self._executemany(conn, stmt, rows)

    async def _upsert_members(self, conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        stmt = self._statements.get(MEMBERS.name)
        if stmt is None:
            ins = self._insert(MEMBERS)
            old, new = MEMBERS.c, ins.excluded
            joined = sql_later(old.joined_at, new.joined_at)
            left = sql_later(old.left_at, new.left_at)
            stmt = self._statements[MEMBERS.name] = ins.on_conflict_do_update(
                index_elements=["guild_id", "user_id"],
                set_={
                    "is_bot": old.is_bot | new.is_bot,
                    "joined_at": joined,
                    "left_at": case(
                        (joined.is_not(None) & left.is_not(None) & (joined > left), None), else_=left
                    ),
                    "first_seen_at": sql_earlier(old.first_seen_at, new.first_seen_at),
                    "last_seen_at": sql_later(old.last_seen_at, new.last_seen_at),
                },
            )
        await conn.execute(stmt, rows)

    async def _write_questions(self, conn: AsyncConnection, facts: list[QuestionFact]) -> None:
        await self._upsert(conn, QUESTIONS, [question_row(f) for f in facts])
        ids = [f.message_id for f in facts]
        for chunk in _chunks(ids):
            await conn.execute(delete(RESPONDERS).where(RESPONDERS.c.question_id.in_(chunk)))
        responders = [
            {"question_id": f.message_id, "user_id": user_id, "guild_id": f.guild_id}
            for f in facts
            for user_id in sorted(set(f.responder_ids))
        ]
        if responders:
            stmt = self._statements.get("responders")
            if stmt is None:
                stmt = self._statements["responders"] = self._insert(RESPONDERS).on_conflict_do_nothing()
            await self._executemany(conn, stmt, responders)

    async def _delete_gone(self, conn: AsyncConnection, ids: list[int]) -> None:
        for chunk in _chunks(ids):
            await conn.execute(delete(INTERACTIONS).where(INTERACTIONS.c.message_id.in_(chunk)))
            await conn.execute(delete(RESPONDERS).where(RESPONDERS.c.question_id.in_(chunk)))
            await conn.execute(delete(QUESTIONS).where(QUESTIONS.c.message_id.in_(chunk)))
            await conn.execute(delete(MESSAGES).where(MESSAGES.c.message_id.in_(chunk)))


def _comparable(column: Any) -> Any:
    """JSON has no equality operator on PostgreSQL: compare its text."""
    return cast(column, String) if isinstance(column.type, JSON) else column


def _utc_text(value: datetime | None) -> str | None:
    """The text SQLAlchemy stores for a UTCDateTime on SQLite ("YYYY-MM-DD HH:MM:SS.ffffff", UTC)."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is not UTC:
        if zone is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        if value.utcoffset():
            value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _sqlite_processor(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    if isinstance(column.type, UTCDateTime):
        return _utc_text
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _refused(exc: Exception) -> bool:
    """Bad data (a constraint, a value the column or the driver rejects), not an outage or a bug."""
    if isinstance(exc, IntegrityError | DataError | ValueError | TypeError):
        return True
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


def _is_retryable(exc: DBAPIError) -> bool:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RETRY_SQLSTATES:
        return True
    return "database is locked" in str(orig)


# these facts' fields are exactly their table's columns
_MESSAGE_FIELDS = tuple(f.name for f in fields(MessageFact))
_INTERACTION_FIELDS = tuple(f.name for f in fields(InteractionFact))


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _left_after_join(joined: datetime | None, left: datetime | None) -> datetime | None:
    """A join later than the last leave means the member is back: no `left_at`."""
    if joined is not None and left is not None and joined > left:
        return None
    return left


@dataclass
class Batch:
    """The reduced effect of a sequence of facts, ready to be written."""

    gone: set[int] = field(default_factory=set)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    interactions: dict[tuple[int, int, int], dict[str, Any]] = field(default_factory=dict)
    interactions_by_message: dict[int, set[tuple[int, int]]] = field(default_factory=dict)
    questions: dict[int, QuestionFact] = field(default_factory=dict)
    members: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def add(self, fact: Fact) -> None:
        if isinstance(fact, MessageFact):
            self.messages[fact.message_id] = {name: getattr(fact, name) for name in _MESSAGE_FIELDS}
        elif isinstance(fact, InteractionFact):
            key = (fact.message_id, fact.source_user_id, fact.target_user_id)
            self.interactions[key] = {name: getattr(fact, name) for name in _INTERACTION_FIELDS}
            self.interactions_by_message.setdefault(fact.message_id, set()).add(key[1:])
        elif isinstance(fact, QuestionFact):
            self.questions[fact.message_id] = fact
        elif isinstance(fact, MessageGone):
            self._gone(fact.message_id)
        elif isinstance(fact, MemberFact):
            self._member(fact)
        else:  # pragma: no cover - the Fact union is closed
            raise TypeError(f"not a fact: {fact!r}")

    def _gone(self, message_id: int) -> None:
        self.gone.add(message_id)
        self.messages.pop(message_id, None)
        self.questions.pop(message_id, None)
        for source, target in self.interactions_by_message.pop(message_id, ()):
            self.interactions.pop((message_id, source, target), None)

    def _member(self, fact: MemberFact) -> None:
        key = (fact.guild_id, fact.user_id)
        row = self.members.get(key)
        if row is None:
            self.members[key] = {
                "guild_id": fact.guild_id,
                "user_id": fact.user_id,
                "is_bot": fact.is_bot,
                "joined_at": fact.joined_at,
                "left_at": _left_after_join(fact.joined_at, fact.left_at),
                "first_seen_at": fact.seen_at,
                "last_seen_at": fact.seen_at,
            }
            return
        row["is_bot"] = row["is_bot"] or fact.is_bot
        row["joined_at"] = _later(row["joined_at"], fact.joined_at)
        # keep the latest leave seen so far; a later join clears it when written
        row["left_at"] = _left_after_join(row["joined_at"], _later(row["left_at"], fact.left_at))
        row["first_seen_at"] = _earlier(row["first_seen_at"], fact.seen_at)
        row["last_seen_at"] = _later(row["last_seen_at"], fact.seen_at)


def question_row(fact: QuestionFact) -> dict[str, Any]:
    return {
        "message_id": fact.message_id,
        "guild_id": fact.guild_id,
        "channel_id": fact.channel_id,
        "parent_channel_id": fact.parent_channel_id,
        "asker_id": fact.asker_id,
        "asked_at": fact.asked_at,
        "status": fact.status,
        "snippet": fact.snippet,
        "topics": list(fact.topics),
        "first_response_message_id": fact.first_response_message_id,
        "first_response_at": fact.first_response_at,
        "resolved_at": fact.resolved_at,
        "resolved_by": fact.resolved_by,
        "resolved_on_message_id": fact.resolved_on,
        "source": fact.source,
        "confidence": fact.confidence,
    }


__all__ = [
    "BatchedWriter",
    "OnCommit",
]
