"""Two bot processes as the two shards of one application, each its own OS process running the
real entry, against the fake Discord and ONE PostgreSQL database: every guild gets its weekly
digest and its open-questions board exactly once, from the process that runs its shard. When
both processes are misconfigured to run both shards, the database claim still lets exactly
one of them post each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.store.models.digests import Digest
from bot.store.models.nudges import HelpBoard, Nudge
from bot.store.session import create_engine
from tests.e2e.fake_discord import FakeDiscord
from tests.scale.sharded_world import (
    POLL_SECONDS,
    SHARD_COUNT,
    BotProcess,
    GuildPlan,
    build_world,
    posts_to,
    seed,
    start_bot,
    wait_for_posts,
    wait_for_schema,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


async def _run_two(
    fake: FakeDiscord, pg_url: str, tmp_path: Path, shard_ids: tuple[list[int], list[int]]
) -> tuple[list[GuildPlan], list[BotProcess]]:
    plans = build_world(fake)
    # both processes start on an empty database and migrate it at once (one waits for the other)
    bots = [
        start_bot(tmp_path, name, fake.port, pg_url, ids)
        for name, ids in zip(("first", "second"), shard_ids, strict=True)
    ]
    try:
        await wait_for_schema(pg_url, bots)
        await seed(pg_url, fake, plans)
        await wait_for_posts(fake, plans, bots)
        await asyncio.sleep(POLL_SECONDS + 1.5)  # one more poll of each: nothing is posted twice
    finally:
        stopped = await asyncio.gather(*(bot.stop() for bot in bots), return_exceptions=True)
    for result in stopped:
        if isinstance(result, BaseException):
            raise result
    assert stopped == [0, 0], [b.log() for b in bots]
    for bot in bots:
        assert bot.problems() == [], bot.log()
    return plans, bots


Stored = tuple[dict[int, list[int | None]], dict[int, list[tuple[str, int | None]]], dict[int, list[int]]]


async def _stored(pg_url: str) -> Stored:
    engine = create_engine(pg_url)
    try:
        async with engine.connect() as conn:
            digests: dict[int, list[int | None]] = {}
            for guild_id, message_id in await conn.execute(select(Digest.guild_id, Digest.message_id)):
                digests.setdefault(int(guild_id), []).append(message_id)
            nudges: dict[int, list[tuple[str, int | None]]] = {}
            rows = await conn.execute(select(Nudge.question_message_id, Nudge.step, Nudge.posted_message_id))
            for question_id, step, posted in rows:
                nudges.setdefault(int(question_id), []).append((str(step), posted))
            boards = {
                int(guild_id): [int(m) for m in message_ids]
                for guild_id, message_ids in await conn.execute(select(HelpBoard.guild_id, HelpBoard.message_ids))
            }
    finally:
        await engine.dispose()
    return digests, nudges, boards


def _assert_once_each(
    fake: FakeDiscord,
    plans: list[GuildPlan],
    stored: Stored,
) -> None:
    digests, nudges, boards = stored
    for plan in plans:
        [digest_post] = posts_to(fake, plan.digest.id)
        [listing_post] = posts_to(fake, plan.wanted.id)
        assert digest_post.body.get("embeds"), "the digest is posted as an embed"
        assert digest_post.body.get("allowed_mentions") == {"parse": []}
        assert str(plan.question_id) in str(listing_post.body)
        # the database row of each claim holds the id of the one message that was posted
        [message_id] = digests[plan.guild.id]
        assert message_id is not None
        # the listing step posts nothing of its own: the question is on the board, one message
        assert nudges[plan.question_id] == [("listing", None)]
        assert len(boards[plan.guild.id]) == 1


async def test_two_shard_processes_post_each_digest_and_listing_once_from_the_right_process(
    fake: FakeDiscord, pg_url: str, tmp_path: Path
) -> None:
    plans, bots = await _run_two(fake, pg_url, tmp_path, ([0], [1]))
    _assert_once_each(fake, plans, await _stored(pg_url))
    token_of_shard = {shard: bots[shard].token for shard in range(SHARD_COUNT)}
    assert {shard for shard in token_of_shard} == {p.shard for p in plans}  # guilds on both shards
    for plan in plans:
        [digest_post] = posts_to(fake, plan.digest.id)
        [listing_post] = posts_to(fake, plan.wanted.id)
        assert digest_post.token == token_of_shard[plan.shard]
        assert listing_post.token == token_of_shard[plan.shard]
    # each process identified only its own shard, and got only that shard's guilds
    identified = sorted((s.token, s.shard) for s in fake.gateway.sessions.values())
    assert identified == [("token-first", (0, SHARD_COUNT)), ("token-second", (1, SHARD_COUNT))]


async def test_overlapping_processes_still_post_each_digest_and_listing_once(
    fake: FakeDiscord, pg_url: str, tmp_path: Path
) -> None:
    """Misconfigured: both processes run both shards, so both think they own every guild."""
    plans, bots = await _run_two(fake, pg_url, tmp_path, ([0, 1], [0, 1]))
    _assert_once_each(fake, plans, await _stored(pg_url))
    identified = sorted((s.token, s.shard) for s in fake.gateway.sessions.values())
    assert identified == sorted((b.token, (i, SHARD_COUNT)) for b in bots for i in range(SHARD_COUNT))
