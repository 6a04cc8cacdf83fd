"""The fake Discord server every end-to-end test runs against (also used by tests/reliability)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.e2e.fake_discord import FakeDiscord, patch_discord


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A started fake Discord, with discord.py's HTTP and gateway URLs pointed at it."""
    server = FakeDiscord()
    await server.start()
    with patch_discord(server.port):
        yield server
    await server.stop()
