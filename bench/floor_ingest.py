"""The `analyze` floor: stdlib `json` reads the exports, sqlite3 `executemany` inserts the message
rows in one transaction (WAL). Nothing Hearth does is in here.

    python -m bench.floor_ingest DB EXPORT.json [EXPORT.json ...]

Prints one JSON line: {"messages": N, "seconds": S}.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    message_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    parent_channel_id INTEGER,
    author_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    is_bot INTEGER NOT NULL
)
"""
THREAD_TYPES = {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"}


def rows(path: Path) -> Iterator[tuple[int, int, int, int | None, int, str, int]]:
    with path.open("rb") as handle:
        export = json.load(handle)
    guild_id = int(export["guild"]["id"])
    channel = export["channel"]
    channel_id = int(channel["id"])
    parent = (
        int(channel["categoryId"])
        if channel.get("type") in THREAD_TYPES and channel.get("categoryId")
        else None
    )
    for message in export["messages"]:
        author = message["author"]
        yield (
            int(message["id"]),
            guild_id,
            channel_id,
            parent,
            int(author["id"]),
            message["timestamp"],
            1 if author.get("isBot") else 0,
        )


def ingest(db: Path, paths: Sequence[Path]) -> int:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(SCHEMA)
        total = 0
        conn.execute("BEGIN")
        for path in paths:
            batch = list(rows(path))
            conn.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
            total += len(batch)
        conn.execute("COMMIT")
        return total
    finally:
        conn.close()


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.perf_counter()
    count = ingest(Path(argv[0]), [Path(arg) for arg in argv[1:]])
    print(json.dumps({"messages": count, "seconds": round(time.perf_counter() - started, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
