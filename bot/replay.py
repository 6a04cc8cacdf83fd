"""Replay events under a simulated clock, running scheduled work as the live bot would.

Between events the clock advances in ticks; at each tick every feature (nudges,
introductions, digests) is asked what is due, as the live scheduler asks it. Each action is
claimed exactly as before a real post, then recorded instead of being posted to Discord.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.clock import FakeClock
from bot.core.events import Event
from bot.services.pipeline import EventPipeline

TakeDue = Callable[[datetime], Awaitable[list[dict[str, Any]]]]
"""A feature's scheduler hook: claim what is due at `now`, return one record per posted action."""


_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday midnight: hourly hooks run on the hour


def event_time(event: Event) -> datetime:
    for name in ("created_at", "at", "edited_at", "deleted_at"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value
    raise TypeError(f"event without a time: {event!r}")


@dataclass
class Replay:
    pipeline: EventPipeline
    clock: FakeClock
    sources: Sequence[tuple[timedelta, TakeDue]]  # (how often, hook), each a multiple of `tick`
    tick: timedelta = timedelta(minutes=10)
    records: list[dict[str, Any]] = field(default_factory=list)
    events_seen: int = 0

    async def _run_tick(self, now: datetime) -> None:
        await self.pipeline.flush()
        self.clock.set(now)
        for every, take_due in self.sources:
            if (now - _EPOCH) % every < self.tick:
                self.records.extend(await take_due(now))

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
            await self.pipeline.handle(event)
            self.events_seen += 1
            last = when
        await self.pipeline.finish()
        if last is not None and next_tick is not None:
            end = last + tail
            while next_tick <= end:
                await self._run_tick(next_tick)
                next_tick += self.tick
        return self.records
