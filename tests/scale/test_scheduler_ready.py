"""Scheduled polls wait for the bot to be ready (shards connected, guilds cached): a poll
before that would claim actions it cannot post, and a claim is never posted twice."""

from __future__ import annotations

import asyncio

from bot.runtime.scheduler import Scheduler


async def test_scheduled_runs_wait_for_ready_and_run_now_does_not() -> None:
    ready = [False]
    runs: list[str] = []

    async def job() -> None:
        runs.append("ran")

    scheduler = Scheduler(ready=lambda: ready[0])
    scheduler.start()
    try:
        scheduler.add_interval("poll", job, seconds=0.05, first_run_in=0)
        await asyncio.sleep(0.3)
        assert runs == []
        assert scheduler.skipped_not_ready >= 2
        await scheduler.run_now("poll")  # commands and tests may still run a job at once
        assert runs == ["ran"]
        ready[0] = True
        for _ in range(100):
            if len(runs) >= 3:
                break
            await asyncio.sleep(0.02)
        assert len(runs) >= 3
        assert scheduler.errors == []
    finally:
        scheduler.shutdown()


async def test_stop_lets_a_run_in_progress_finish() -> None:
    started, finished = asyncio.Event(), []

    async def slow_poll() -> None:
        started.set()
        await asyncio.sleep(0.3)  # between a claim and its post
        finished.append("posted")

    scheduler = Scheduler()
    scheduler.start()
    scheduler.add_interval("poll", slow_poll, seconds=60, first_run_in=0)
    await asyncio.wait_for(started.wait(), 5)
    await scheduler.stop(grace_seconds=5)
    assert finished == ["posted"]
    assert not scheduler.running
