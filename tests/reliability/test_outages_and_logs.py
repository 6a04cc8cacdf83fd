"""Outages and logs through the real gateway and HTTP code against the fake Discord.

- The weekly digest meets two 429s when it is posted, and the scheduler's poll runs twice at
  once and again after a restart: the digest is posted exactly once, with no mentions allowed.
  (The gateway dropping and resuming mid-stream, and backfill after a long outage, are covered
  by tests/e2e/test_end_to_end.py, test_gateway_recording.py and test_outages.py.)
- At DEBUG level, with a recognisable token and message text, no log record (message or
  arguments, exception text included) contains the token or the text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.conversation.clock import FakeClock, SystemClock
from bot.runtime.bot import HearthBot, RuntimeOptions
from bot.settings.service import SettingsChange
from tests.cogs.real_services import open_real_services
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import run_bot
from tests.reliability.conftest import Figures

TOKEN = "MTE0NDQyMDg3OTU2NDgwMDAwMQ.HeArTh.SeCrEt-T0k3n-For-Log-Checks_zz"
SECRET_TEXT = "PURPLE-ELEPHANT-7731"


def _digest_posts(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    stored = fake.messages.get(channel_id, {}).values()
    return [m for m in stored if any("digest" in (e.get("title") or "").lower() for e in m.get("embeds") or [])]


@pytest.mark.timeout(90)
async def test_rate_limited_digest_is_posted_exactly_once(fake: FakeDiscord, tmp_path: Path, figures: Figures) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    digest_channel = fake.add_channel("digest")
    clock = FakeClock(SystemClock().now())
    db = tmp_path / "hearth.db"
    extensions = ("cogs.listeners", "cogs.digest")
    async with open_real_services(db, clock) as services, run_bot(fake, services, clock, extensions=extensions) as running:
        assert services.settings is not None
        await services.settings.update(fake.guild.id, SettingsChange(digest_channel_id=digest_channel.id))
        question = await fake.member_says(alice, fake.help, "How do I enable slow mode?")
        await fake.member_says(bob, fake.help, "Channel settings, overview tab", reply_to=question)
        await asyncio.sleep(0.3)
        await services.pipeline.flush()
        clock.set(clock.now() + timedelta(days=8))  # the week is over and its digest is due
        cog: Any = running.bot.get_cog("DigestCog")  # the extension's own module: no isinstance
        assert cog is not None and hasattr(cog, "poll")
        fake.rate_limit_next_posts = 2
        posted = await asyncio.gather(cog.poll(), cog.poll())  # a job that fired twice at once
        assert sorted(posted) == [0, 1]
        assert fake.rate_limited == 2
        assert await cog.poll() == 0
        assert running.errors == []
    # a restart on the same database: the week was claimed and sent, nothing is posted again
    async with open_real_services(db, clock) as services, run_bot(fake, services, clock, extensions=extensions) as running:
        cog = running.bot.get_cog("DigestCog")
        assert cog is not None
        assert await cog.poll() == 0
    posts = _digest_posts(fake, digest_channel.id)
    assert len(posts) == 1, f"{len(posts)} digests posted"
    attempts = [
        c for c in fake.calls if c.method == "POST" and c.path.endswith(f"/channels/{digest_channel.id}/messages")
    ]
    assert len(attempts) == 3  # two refused with 429, one accepted
    for call in attempts:
        assert (call.body or {}).get("allowed_mentions") == {"parse": []}
    figures.add("digest posts meeting 429s", len(attempts))
    figures.add("digest polls run (2 at once, 1 after, 1 after a restart)", 4)
    figures.add("duplicate digest posts", len(posts) - 1)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _all_logs_at_debug() -> Iterator[_Capture]:
    root = logging.getLogger()
    handler = _Capture()
    old_level = root.level
    # every logger at DEBUG except SQLAlchemy's statement echo, which is an explicit opt-in
    loggers = [logging.getLogger(n) for n in ("discord", "bot", "cogs", "aiosqlite", "apscheduler")]
    old = [lg.level for lg in loggers]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for lg, level in zip(loggers, old, strict=True):
            lg.setLevel(level)


def _rendered(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text + repr(record.args)


@pytest.mark.timeout(90)
async def test_logs_never_hold_the_token_or_message_text(fake: FakeDiscord, tmp_path: Path, figures: Figures) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    clock = SystemClock()
    options = RuntimeOptions(
        message_content=True,
        shard_count=1,
        extensions=("cogs.listeners", "cogs.questions", "cogs.digest"),
        backfill_on_join=False,
    )
    with _all_logs_at_debug() as captured:
        async with open_real_services(tmp_path / "hearth.db", clock) as services:
            bot = HearthBot(services=services, clock=clock, settings=options, guild_ready_timeout=0.05)
            task = asyncio.create_task(bot.start(TOKEN))
            try:
                for _ in range(500):
                    if bot.is_ready():
                        break
                    await asyncio.sleep(0.02)
                assert bot.is_ready()
                question = await fake.member_says(alice, fake.help, f"How do I fix {SECRET_TEXT} on my router?")
                await fake.member_says(bob, fake.help, f"Restart it, {SECRET_TEXT} clears then", reply_to=question)
                await fake.gateway.drop()  # a reconnect logs too
                await asyncio.sleep(0.5)
                await fake.member_says(alice, fake.help, f"thanks! {SECRET_TEXT} is gone")
                await asyncio.sleep(0.3)
                await services.pipeline.flush()
            finally:
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 10)
    assert any(c.token == TOKEN for c in fake.calls), "the bot did not use the token"
    records = captured.records
    assert len(records) > 20
    leaks = [r for r in records if TOKEN in _rendered(r) or SECRET_TEXT in _rendered(r)]
    figures.add("log records checked for the token and message text", len(records))
    figures.add("log records leaking the token or message text", len(leaks))
    assert not leaks, "\n".join(f"{r.name}: {_rendered(r)[:300]}" for r in leaks[:5])
