"""`lifecycle.run`: the whole process path, SIGTERM shutdown that flushes, message-content fallback."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

import bot.digest.service  # noqa: F401  (slow first import: charts; keep it out of the timed waits)
from bot.runtime import lifecycle
from bot.settings.config import Settings
from bot.store.models.core import Message
from bot.store.session import create_engine
from tests.e2e.fake_discord import FakeDiscord

MESSAGE_CONTENT_INTENT = 1 << 15


def _settings(db: Path) -> Settings:
    return Settings.model_validate(
        {
            "discord": {"token": "fake-token", "backfill_days_on_join": 0},
            # a long flush interval: only the shutdown flush can have written the message
            "database": {"url": str(db), "flush_seconds": 60},
        }
    )


async def _stored_ids(db: Path) -> set[int]:
    engine = create_engine(str(db))
    try:
        async with engine.connect() as conn:
            return set((await conn.scalars(select(Message.message_id))).all())
    finally:
        await engine.dispose()


async def _wait(predicate: object, within: float = 30.0) -> None:
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


@pytest.mark.timeout(60)
async def test_sigterm_flushes_and_exits(fake: FakeDiscord, tmp_path: Path) -> None:
    alice = fake.add_member("alice")
    db = tmp_path / "hearth.db"
    task = asyncio.create_task(lifecycle.run(_settings(db)))
    await _wait(lambda: fake.gateway.identifies == 1 and fake.gateway.current is not None)
    await asyncio.sleep(0.1)  # READY and GUILD_CREATE processed
    sent = await fake.member_says(alice, fake.help, "Can someone explain roles?")
    await asyncio.sleep(0.2)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 15) == 0
    assert int(sent["id"]) in await _stored_ids(db)


@pytest.mark.timeout(60)
async def test_refused_message_content_runs_without_it(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.gateway.refuse_intents = MESSAGE_CONTENT_INTENT
    task = asyncio.create_task(lifecycle.run(_settings(tmp_path / "hearth.db")))
    await _wait(lambda: fake.gateway.identifies == 1)
    identify = [m for m in fake.gateway.received if m.get("op") == 2]
    assert int(identify[-1]["d"]["intents"]) & MESSAGE_CONTENT_INTENT == 0
    assert len(identify) == 2  # refused once with the intent, accepted without it
    assert "WITHOUT the message content intent" in caplog.text
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 15) == 0
