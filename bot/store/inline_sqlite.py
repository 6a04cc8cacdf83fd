"""SQLite on the event loop's own thread, for the commands that have nothing else to wait for.

aiosqlite runs every call on a thread of its own and hands the result back through the event
loop: about 0.7 ms a statement on a 2-core machine, four times the statement itself. A replay,
`analyze` or the demo has no gateway to keep answering while a statement runs, so they may run
each one where they are: `InlineConnection` is an aiosqlite connection whose calls run at once
on the caller's thread (SQLAlchemy's aiosqlite dialect drives it unchanged). The live bot keeps
the thread: a busy database must never hold its heartbeat back.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its thread: what is put in runs immediately."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to whoever awaits the future, as the thread would
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection without its thread: each call runs when it is awaited."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return partial(fn, *args, **kwargs)()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_creator(database: str, **kwargs: Any) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine`: connections to `database` on this thread."""

    async def connect() -> InlineConnection:
        return await InlineConnection(partial(sqlite3.connect, database, **kwargs))

    return connect
