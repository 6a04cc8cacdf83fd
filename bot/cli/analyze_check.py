"""Checking big exports in a second process while `analyze` starts its replay.

`analyze` writes nothing until every export has been read through without an error. On a big
input that reading is a fifth of the run, so `python -m bot.sources.exports` does it beside the replay
(on a second core), and what the engine decides meanwhile is held back, in memory and bounded,
until the check has passed. A broken export still leaves the database untouched.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.conversation.engine import Engine
from bot.conversation.events import Event, MessageCreated
from bot.conversation.facts import Fact
from bot.sources.exports import WITH_PARENT, ReadStats

log = logging.getLogger(__name__)

PARALLEL_BYTES = 32 * 1024 * 1024  # smaller inputs are checked in the process, before the replay
HOLD_FACTS = 200_000  # at most this many facts wait for the check (then the replay waits)

Decided = tuple[int | None, list[Fact]]  # (message id when the event is a message, its facts)


def decisions(engine: Engine, events: Iterator[Event]) -> Iterator[Decided]:
    handle = engine.handle
    for event in events:
        yield (event.message_id if isinstance(event, MessageCreated) else None), handle(event)


class SideCheck:
    """`python -m bot.sources.exports FILES` running beside the replay."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc
        self._output = asyncio.ensure_future(self._read(proc))

    @staticmethod
    async def _read(proc: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
        """stdout and stderr to the end (not `communicate()`: it would close the child's stdin,
        which the child reads as this process having ended)."""
        assert proc.stdout is not None and proc.stderr is not None
        out, err, _ = await asyncio.gather(proc.stdout.read(), proc.stderr.read(), proc.wait())
        if proc.stdin is not None:
            proc.stdin.close()
        return out, err

    @classmethod
    async def start(cls, paths: Sequence[Path]) -> SideCheck | None:
        """Start the check, or None when the input is small (or no second process can start)."""
        if sum(path.stat().st_size for path in paths) < PARALLEL_BYTES:
            return None
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.sources.exports",
                WITH_PARENT,
                *map(str, paths),
                stdin=asyncio.subprocess.PIPE,  # never written: it closes when this process ends
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            log.warning("checking the exports in a second process failed to start (%s); checking here", exc)
            return None
        return cls(proc)

    def done(self) -> bool:
        return self._output.done()

    async def outcome(self) -> ReadStats | str | None:
        """What the export reader counted, the error naming the first broken export, or None
        when the check itself failed (then the caller checks in its own process)."""
        out, err = await self._output
        lines = out.decode("utf-8", "replace").strip().splitlines()
        if self._proc.returncode != 0 or not lines:
            log.warning("the export check ended with %s: %s", self._proc.returncode, err.decode()[-400:])
            return None
        try:
            data = json.loads(lines[-1])
            if "error" in data:
                return str(data["error"])
            return ReadStats(
                messages=int(data["messages"]),
                skipped=Counter({str(k): int(v) for k, v in data["skipped"].items()}),
                out_of_order=int(data["out_of_order"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("the export check printed something unexpected (%s)", exc)
            return None

    async def stop(self) -> None:
        if self._proc.returncode is None:
            self._proc.kill()
        await self._output


async def hold(decided: Iterator[Decided], check: SideCheck) -> list[Decided]:
    """Run the engine ahead while the check runs; returns what it decided (nothing is written)."""
    held: list[Decided] = []
    facts = 0
    for item in decided:
        held.append(item)
        facts += len(item[1])
        if len(held) % 256 == 0:
            await asyncio.sleep(0)  # the check's pipe and exit are read by the event loop
            if check.done() or facts >= HOLD_FACTS:
                break
    return held


__all__ = ["HOLD_FACTS", "PARALLEL_BYTES", "Decided", "SideCheck", "decisions", "hold"]
