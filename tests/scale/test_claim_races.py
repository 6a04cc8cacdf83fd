"""The database guard under true simultaneity: several schedulers (each with its own engine, as
separate processes have) find the same due digests and nudge steps and claim them all at
once; each is claimed exactly once."""

from __future__ import annotations

import asyncio

import pytest

from bot.conversation.clock import SystemClock
from bot.digest.service import DigestService
from bot.nudges.service import NudgeService
from bot.store.session import create_engine, make_sessionmaker
from tests.e2e.fake_discord import FakeDiscord
from tests.scale.sharded_world import build_world, seed

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

SCHEDULERS = 4


async def test_every_due_digest_and_nudge_is_claimed_once_by_racing_schedulers(pg_url: str) -> None:
    fake = FakeDiscord()  # only its ids and guild plans; the server is not started
    plans = build_world(fake, per_shard=3)
    await seed(pg_url, fake, plans)
    engines = [create_engine(pg_url) for _ in range(SCHEDULERS)]
    try:
        clock = SystemClock()
        digests = [DigestService(make_sessionmaker(e), clock) for e in engines]
        nudges = [NudgeService(make_sessionmaker(e), clock) for e in engines]
        now = clock.now()

        digest_dues = await asyncio.gather(*(s.due(now) for s in digests))
        assert all(
            sorted(a.guild_id for a in due) == sorted(p.guild.id for p in plans) for due in digest_dues
        )
        claimed = await asyncio.gather(
            *(s.claim(action, now) for s, due in zip(digests, digest_dues, strict=True) for action in due)
        )
        winners = sorted(a.guild_id for a in claimed if a is not None)
        assert winners == sorted(p.guild.id for p in plans)
        assert await asyncio.gather(*(s.due(now) for s in digests)) == [[]] * SCHEDULERS

        nudge_dues = await asyncio.gather(*(s.due(now) for s in nudges))
        questions = sorted(p.question_id for p in plans)
        assert all(sorted(a.question_message_id for a in due) == questions for due in nudge_dues)
        took = await asyncio.gather(
            *(s.claim(action, now) for s, due in zip(nudges, nudge_dues, strict=True) for action in due)
        )
        assert sum(took) == len(questions)  # one winner per question, the others refused
        actions = [a for due in nudge_dues for a in due]
        won = sorted(a.question_message_id for a, ok in zip(actions, took, strict=True) if ok)
        assert won == questions
        fresh = NudgeService(make_sessionmaker(engines[0]), clock)  # no in-memory quiet period
        assert await fresh.take_due(now) == []
    finally:
        for engine in engines:
            await engine.dispose()
