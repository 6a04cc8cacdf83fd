"""Backfill reads channel history through discord.py's real HTTP code and resumes where it stopped."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation.events import MessageCreated, ReactionAdded, ThreadCreated
from bot.runtime.bot import HearthBot
from bot.sources.backfill import BackfillReport, BackfillService, ChannelProgress
from bot.sources.history import DiscordHistory, run_guild_backfill
from tests.cogs.simworld import HearthWorld, RecordingPipeline, RecordingServices, SimcordClock, recorder


class MemoryProgress:
    """An in-memory `ProgressStore` (the SQL one is tested against a real database elsewhere)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], ChannelProgress] = {}
        self.saves = 0

    async def load(self, guild_id: int) -> dict[int, ChannelProgress]:
        return {cid: row for (gid, cid), row in self.rows.items() if gid == guild_id}

    async def save(self, progress: ChannelProgress, at: datetime) -> None:
        self.saves += 1
        self.rows[(progress.guild_id, progress.channel_id)] = progress


@pytest.fixture
def store() -> MemoryProgress:
    return MemoryProgress()


@pytest.fixture
def hearth_services(hearth_clock: SimcordClock, store: MemoryProgress) -> RecordingServices:
    services = RecordingServices()
    services.backfill = BackfillService(services.pipeline, store, hearth_clock)
    return services


def _created(pipeline: RecordingPipeline) -> list[int]:
    return [e.message_id for e in pipeline.events if isinstance(e, MessageCreated)]


async def test_backfill_reads_channels_threads_and_resumes(
    hearth: HearthWorld, hearth_bot: HearthBot, store: MemoryProgress
) -> None:
    pipeline = recorder(hearth_bot)
    question = await hearth.alice.send(hearth.help, "How do I reset my password?")
    answer = await hearth.bob.send(hearth.help, "Settings > Account", reply_to=question)
    await hearth.alice.react(answer, "✅")
    await hearth.carol.send(hearth.general, "hello all")
    post, starter = await hearth.forum_post(hearth.alice, "Crash", "Why does it crash?", tags=["python"])
    await hearth.bob.send(post, "Which version?")
    guild = hearth_bot.get_guild(hearth.guild.id)
    assert guild is not None
    pipeline.events.clear()

    reports: list[BackfillReport] = []

    async def progress(report: BackfillReport) -> None:
        reports.append(BackfillReport(**vars(report)))

    report = await run_guild_backfill(hearth_bot, guild, days=30, progress=progress, pause_seconds=0)
    ids = _created(pipeline)
    assert set(ids) >= {question.id, answer.id, starter.id}
    assert len(ids) == len(set(ids)) == 5
    reply = next(e for e in pipeline.events if isinstance(e, MessageCreated) and e.message_id == answer.id)
    assert reply.reference_message_id == question.id
    check = [e for e in pipeline.events if isinstance(e, ReactionAdded)]
    assert [(c.message_id, c.user_id, c.emoji) for c in check] == [(answer.id, hearth.alice.id, "✅")]
    forum = [e for e in pipeline.events if isinstance(e, ThreadCreated)]
    assert [(t.thread_id, t.is_forum_post) for t in forum] == [(post.id, True)]
    assert report.finished and report.messages >= 5
    assert report.channels_done == report.channels_total == 3  # general, help, forum post
    assert reports[0].channels_done == 0 and reports[-1].finished
    assert pipeline.flushes >= 3

    # a second run finds nothing new
    pipeline.events.clear()
    again = await run_guild_backfill(hearth_bot, guild, days=30, pause_seconds=0)
    assert _created(pipeline) == []
    assert again.resumed_channels == 3

    # a message missed while away is picked up by the next run, alone
    late = await hearth.carol.send(hearth.help, "Is the server down?")
    pipeline.events.clear()
    await run_guild_backfill(hearth_bot, guild, days=30, pause_seconds=0)
    assert _created(pipeline) == [late.id]


async def test_pages_are_bounded(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    for n in range(7):
        await hearth.alice.send(hearth.general, f"message {n}")
    guild = hearth_bot.get_guild(hearth.guild.id)
    assert guild is not None
    source = DiscordHistory(guild, page_size=3, pause_seconds=0)
    [general] = [ref for ref in await source.channels() if ref.channel_id == hearth.general.id]
    sizes = [page.messages async for page in source.pages(general, 0)]
    assert sizes == [3, 3, 1]


async def test_one_backfill_per_guild_at_a_time(hearth: HearthWorld, hearth_bot: HearthBot) -> None:
    service = hearth_bot.services.backfill
    assert isinstance(service, BackfillService)
    service._running.add(hearth.guild.id)
    guild = hearth_bot.get_guild(hearth.guild.id)
    assert guild is not None
    from bot.sources.backfill import BackfillBusyError

    with pytest.raises(BackfillBusyError):
        await run_guild_backfill(hearth_bot, guild, days=5, pause_seconds=0)
