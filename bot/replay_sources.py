"""The features as the replay's scheduler sees them: claim what is due, record it as posted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.replay import TakeDue
from bot.services.container import Services


def nudge_source(services: Services) -> TakeDue:
    nudges = services.nudges
    assert nudges is not None

    async def take(now: datetime) -> list[dict[str, Any]]:
        records = []
        for action in await nudges.take_due(now):
            await nudges.mark_sent(action, None)
            records.append(action.to_record())
        return records

    return take


def intro_source(services: Services) -> TakeDue:
    intros = services.intros
    assert intros is not None

    async def take(now: datetime) -> list[dict[str, Any]]:
        records = []
        for action in await intros.due(now):
            if await intros.claim(action):
                await intros.mark_sent(action, None)
                records.append(action.to_record())
        return records

    return take


def digest_source(services: Services) -> TakeDue:
    digests = services.digests
    assert digests is not None

    async def take(now: datetime) -> list[dict[str, Any]]:
        records = []
        for action in await digests.due(now):
            claimed = await digests.claim(action, now)
            if claimed is not None:
                await digests.mark_sent(claimed, None)
                records.append(claimed.to_record())
        return records

    return take
