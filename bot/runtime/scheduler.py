"""A thin wrapper over APScheduler 3.x: it only triggers work; what to do comes from the database.

Jobs coalesce (a backlog of missed runs becomes one run), tolerate being late by a
few minutes, and never overlap themselves. Errors in a job are logged, never raised
into the scheduler, and counted so a test can assert there were none.

A scheduled run waits for `ready()` (the bot's shards are connected and their guilds
cached): a poll before that would claim a digest or a nudge and then find no channel to
post it in, and a claimed action is never posted again. A run skipped this way simply
happens at the next interval; `run_now` is not gated.

`stop()` lets a run in progress finish (within a time limit) instead of leaving it to be
cancelled when the loop closes: a poll cancelled between its claim and its post would
leave a claimed action that is never posted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

JobFn = Callable[[], Awaitable[object]]

DEFAULT_MISFIRE_GRACE_SECONDS = 300


class Scheduler:
    """Named interval jobs on the running event loop. Start it inside the loop (`setup_hook`)."""

    def __init__(
        self,
        *,
        misfire_grace_seconds: int = DEFAULT_MISFIRE_GRACE_SECONDS,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": misfire_grace_seconds,
                "max_instances": 1,
            },
        )
        self._jobs: dict[str, JobFn] = {}
        self._ready = ready
        self.errors: list[BaseException] = []
        self.skipped_not_ready = 0
        self._running: set[asyncio.Task[object]] = set()
        self._started = False
        self._stopped = False

    @property
    def running(self) -> bool:
        """Started and not shut down (APScheduler applies a shutdown on the next loop turn)."""
        return self._started and not self._stopped

    @property
    def job_names(self) -> list[str]:
        return sorted(self._jobs)

    def add_interval(
        self,
        name: str,
        coro_fn: JobFn,
        seconds: float,
        *,
        first_run_in: float | None = None,
    ) -> None:
        """Run `coro_fn()` every `seconds`; a second call with the same name replaces the job.

        The first run happens after `first_run_in` seconds (default: one interval).
        """
        if seconds <= 0:
            raise ValueError("interval must be positive")
        self._jobs[name] = coro_fn
        delay = seconds if first_run_in is None else max(first_run_in, 0.0)
        next_run = datetime.now(self._scheduler.timezone) + timedelta(seconds=delay)
        self._scheduler.add_job(
            self._run_scheduled,
            trigger="interval",
            seconds=seconds,
            args=(name,),
            id=name,
            name=name,
            replace_existing=True,
            next_run_time=next_run,
        )

    def remove(self, name: str) -> None:
        if self._jobs.pop(name, None) is not None and self._scheduler.get_job(name) is not None:
            self._scheduler.remove_job(name)

    async def run_now(self, name: str) -> None:
        """Run one job immediately (outside its schedule); used by commands and tests."""
        await self._run_named(name)

    async def _run_scheduled(self, name: str) -> None:
        if self._ready is not None and not self._ready():
            self.skipped_not_ready += 1
            log.info("job %s skipped: not connected and ready yet", name)
            return
        await self._run_named(name)

    async def _run_named(self, name: str) -> None:
        fn = self._jobs.get(name)
        if fn is None:
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await fn()
        except Exception as error:
            self.errors.append(error)
            log.exception("scheduled job %s failed", name)
        finally:
            if task is not None:
                self._running.discard(task)

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._started and not self._stopped:
            self._stopped = True
            self._scheduler.shutdown(wait=False)

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Start no more runs, wait up to `grace_seconds` for the runs in progress, then shut
        down (APScheduler's shutdown cancels coroutine jobs still running)."""
        if self.running:
            self._scheduler.pause()
            current = asyncio.current_task()
            running = [t for t in self._running if t is not current and not t.done()]
            if running:
                log.info("waiting for %d scheduled job(s) to finish", len(running))
                _, pending = await asyncio.wait(running, timeout=grace_seconds)
                if pending:
                    log.warning("%d scheduled job(s) still running after %.0f s", len(pending), grace_seconds)
        self.shutdown()
