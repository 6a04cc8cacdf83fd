"""The pollers schedule only for guilds on this process's shards that are cached and available:
a guild not seen yet (or in an outage) is left for a later poll rather than claimed unpostable."""

from __future__ import annotations

from bot.conversation.clock import FakeClock
from bot.runtime.bot import HearthBot, RuntimeOptions
from tests.cogs.simworld import RecordingServices


async def test_a_guild_on_our_shard_is_served_only_once_it_is_cached() -> None:
    bot = HearthBot(
        services=RecordingServices(),  # type: ignore[arg-type]
        clock=FakeClock(),
        settings=RuntimeOptions(shard_count=2, shard_ids=[1]),
    )
    ours, theirs = (1 << 22) | 5, (2 << 22) | 5  # shards 1 and 0
    assert bot.owns_guild(ours) and not bot.owns_guild(theirs)
    assert not bot.serves_guild(ours)  # not connected: nothing in the cache yet
    assert not bot.serves_guild(theirs)
