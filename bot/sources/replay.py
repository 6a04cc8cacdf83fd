"""Replay events under a simulated clock, running scheduled work as the live bot would.

The clock advances on a grid of ticks; at each tick the features (nudges, introductions,
digests) whose interval has come round are asked what is due, as the live scheduler asks
them. Each action is claimed exactly as before a real post, then recorded instead of being
posted to Discord.

Most of those polls find nothing. A source that can tell when it may have something to do
(`Source.may_be_due`, from the facts it observed and the actions it took) is polled only at
those ticks: the same ticks, the same actions, without the empty rounds of queries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.conversation.clock import FakeClock
from bot.conversation.events import Event
from bot.conversation.facts import Fact
from bot.sources.pipeline import EventPipeline

TakeDue = Callable[[datetime], Awaitable[list[dict[str, Any]]]]
"""A feature's scheduler hook: claim what is due at `now`, return one record per posted action."""


_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday midnight: hourly hooks run on the hour


@runtime_checkable
class Source(Protocol):
    """A feature as the replay's scheduler sees it."""

    every: timedelta  # how often the live scheduler would poll it (a multiple of the tick)

    async def take(self, now: datetime) -> list[dict[str, Any]]:
        """Claim what is due at `now`, mark it sent, return one record per action."""
        ...

    async def may_be_due(self, now: datetime) -> bool:
        """False only when `take(now)` certainly finds nothing (then the poll is skipped)."""
        ...

    def observe(self, facts: Sequence[Fact]) -> None:
        """The facts one replayed event produced (they are written before the next poll)."""
        ...


@dataclass
class EveryTick:
    """A plain hook, polled at every one of its instants."""

    every: timedelta
    hook: TakeDue

    async def take(self, now: datetime) -> list[dict[str, Any]]:
        return await self.hook(now)

    async def may_be_due(self, now: datetime) -> bool:
        return True

    def observe(self, facts: Sequence[Fact]) -> None:
        return None


def event_time(event: Event) -> datetime:
    for name in ("created_at", "at", "edited_at", "deleted_at"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value
    raise TypeError(f"event without a time: {event!r}")


def _as_source(source: Source | tuple[timedelta, TakeDue]) -> Source:
    if isinstance(source, tuple):
        every, hook = source
        return EveryTick(every, hook)
    return source


@dataclass
class Replay:
    pipeline: EventPipeline
    clock: FakeClock
    sources: Sequence[Source | tuple[timedelta, TakeDue]]  # each interval a multiple of `tick`
    tick: timedelta = timedelta(minutes=10)
    skip_idle: bool = True  # False: poll every source at each of its instants, idle or not
    records: list[dict[str, Any]] = field(default_factory=list)
    events_seen: int = 0
    polls: int = 0  # polls made
    polls_skipped: int = 0  # polls a source said would find nothing

    def __post_init__(self) -> None:
        self._sources = [_as_source(s) for s in self.sources]

    async def _run_tick(self, now: datetime) -> None:
        ready = False
        for source in self._sources:
            if (now - _EPOCH) % source.every >= self.tick:
                continue
            if self.skip_idle and not await source.may_be_due(now):
                self.polls_skipped += 1
                continue
            if not ready:  # what a poll reads must be in the database
                await self.pipeline.flush()
                ready = True
            self.clock.set(now)
            self.polls += 1
            self.records.extend(await source.take(now))
        self.clock.set(now)

    async def run(
        self, events: Iterable[Event], *, tail: timedelta = timedelta(days=2)
    ) -> list[dict[str, Any]]:
        next_tick: datetime | None = None
        last: datetime | None = None
        for event in events:
            when = event_time(event)
            if next_tick is None:
                next_tick = _EPOCH + ((when - _EPOCH) // self.tick + 1) * self.tick
            while next_tick <= when:
                await self._run_tick(next_tick)
                next_tick += self.tick
            self.clock.set(when)
            facts = await self.pipeline.handle(event)
            if facts:
                for source in self._sources:
                    source.observe(facts)
            self.events_seen += 1
            last = when
        await self.pipeline.finish()
        if last is not None and next_tick is not None:
            end = last + tail
            while next_tick <= end:
                await self._run_tick(next_tick)
                next_tick += self.tick
        return self.records
