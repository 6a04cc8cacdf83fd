"""Replay events under a simulated clock, running scheduled work as the live bot would.

Between events the clock advances in ticks; at each tick every action source (nudges,
introductions, digests) is asked what is due, exactly as the live scheduler asks it. Each
action is claimed and recorded instead of being posted to Discord.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import FakeClock
from bot.core.events import Event
from bot.services.pipeline import EventPipeline


class Action(Protocol):
    def to_record(self) -> dict[str, Any]: ...


class ActionSource(Protocol):
    """A feature service as the scheduler sees it."""

    async def due(self, now: datetime) -> Sequence[Any]: ...

    async def claim(self, action: Any) -> bool: ...

    async def mark_sent(self, action: Any, message_id: int | None) -> None: ...


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
    sources: Sequence[ActionSource]
    tick: timedelta = timedelta(minutes=10)
    records: list[dict[str, Any]] = field(default_factory=list)
    events_seen: int = 0

    async def _run_tick(self, now: datetime) -> None:
        await self.pipeline.flush()
        self.clock.set(now)
        for source in self.sources:
            for action in await source.due(now):
                if await source.claim(action):
                    self.records.append(action.to_record())
                    await source.mark_sent(action, None)

    async def run(self, events: Iterable[Event], *, tail: timedelta = timedelta(days=2)) -> list[dict[str, Any]]:
        next_tick: datetime | None = None
        last: datetime | None = None
        for event in events:
            when = event_time(event)
            if next_tick is None:
                next_tick = when.replace(second=0, microsecond=0) + self.tick
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
