"""Weekly digest at scale: one week with 1,000,000 messages (each one interaction) among 50,000
members, on top of 8 earlier weeks of history, in SQLite. Reports the median wall time of
`DigestService.build` (database queries + figures) and the peak RSS of the process doing it.

Run: `.venv/bin/python bench/bench_digest.py [MESSAGES] [MEMBERS] [REPEATS]`

One cold run (nothing kept from earlier digests: every history week scanned) then REPEATS
warm runs (the weeks before were kept by the previous digest, as every week after the first).

The database is synthesised directly (numpy + sqlite3 executemany, no Discord parsing) and
cached under the temp folder, keyed by its parameters: this benchmark measures the digest,
not ingestion (the ingest benchmarks cover that).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GUILD = 424242
WEEK = "2025-W10"
WEEK_START = datetime(2025, 3, 3, tzinfo=UTC)
HISTORY_SHARE = 0.25  # each earlier week has this share of the digest week's volume
GROUP_SIZE = 40  # members mostly talk within groups of this size
ID_BASE = 10**17


def _fmt(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build_database(path: Path, messages: int, members: int, seed: int = 7) -> None:
    """Create the schema and fill one guild: members, messages, interactions, questions."""
    import numpy as np
    from sqlalchemy import create_engine

    import bot.store.models
    import bot.store.models.digests  # noqa: F401
    from bot.store.base import Base

    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()

    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(
        "INSERT INTO guild_settings (guild_id, timezone, response_target_minutes, digest_channel_id,"
        " help_channel_ids, excluded_channel_ids, staff_role_ids, snippet_chars, tracking_enabled,"
        " nudges, intros, digest) VALUES (?, 'UTC', 30, 1, '[]', '[]', '[]', 140, 1, '{}', '{}', '{}')",
        (GUILD,),
    )
    member_ids = ID_BASE + np.arange(members, dtype=np.int64)
    joined = WEEK_START.timestamp() - rng.uniform(0, 120 * 86400, members)
    joined[: members // 50] = WEEK_START.timestamp() + rng.uniform(0, 7 * 86400, members // 50)  # newcomers
    staff = set(range(0, members, max(members // 20, 1)))  # 20 staff accounts
    opted = set(range(7, members, 997))
    con.executemany(
        "INSERT INTO members (guild_id, user_id, is_bot, is_staff, joined_at, opted_out) VALUES (?, ?, 0, ?, ?, ?)",
        (
            (GUILD, int(member_ids[i]), int(i in staff), _fmt(float(joined[i])), int(i in opted))
            for i in range(members)
        ),
    )
    # Activity is heavy-tailed: a few members post most messages.
    weights = 1.0 / np.arange(1, members + 1) ** 0.8
    weights /= weights.sum()
    next_id = 1
    for week in range(9):
        count = messages if week == 0 else int(messages * HISTORY_SHARE)
        start = WEEK_START.timestamp() - week * 7 * 86400
        sources = rng.choice(members, size=count, p=weights)
        local = rng.random(count) < 0.8
        same_group = (sources // GROUP_SIZE) * GROUP_SIZE + rng.integers(0, GROUP_SIZE, count)
        anywhere = rng.choice(members, size=count, p=weights)
        targets = np.where(local, np.minimum(same_group, members - 1), anywhere)
        times = np.sort(start + rng.uniform(0, 7 * 86400, count))
        ids = np.arange(next_id, next_id + count, dtype=np.int64)
        next_id += count
        stamps = [_fmt(float(t)) for t in times]
        con.executemany(
            "INSERT INTO messages (message_id, guild_id, channel_id, author_id, created_at, is_bot, is_question)"
            " VALUES (?, ?, 10, ?, ?, 0, 0)",
            zip(ids.tolist(), [GUILD] * count, member_ids[sources].tolist(), stamps, strict=True),
        )
        keep = sources != targets
        con.executemany(
            "INSERT INTO interactions (message_id, target_user_id, guild_id, channel_id, source_user_id, kind, at)"
            " VALUES (?, ?, ?, 10, ?, 'reply', ?)",
            (
                (int(ids[i]), int(member_ids[targets[i]]), GUILD, int(member_ids[sources[i]]), stamps[i])
                for i in np.flatnonzero(keep)
            ),
        )
        # Every 20th message is a question; 75% get 1-3 responders, the first within ~45 minutes.
        q_idx = np.arange(0, count, 20)
        answered = rng.random(len(q_idx)) < 0.75
        delays = rng.exponential(45 * 60, len(q_idx))
        helper_picks = rng.choice(members, size=(len(q_idx), 3), p=weights)
        helper_counts = rng.integers(1, 4, len(q_idx))
        rows = []
        responders = []
        for j, i in enumerate(q_idx.tolist()):
            mid = int(ids[i])
            first_at = _fmt(float(times[i] + delays[j])) if answered[j] else None
            first_mid = int(ids[min(i + 1, count - 1)]) if answered[j] else None
            status = "answered" if answered[j] else "open"
            rows.append((mid, GUILD, 10, int(member_ids[sources[i]]), stamps[i], status, first_mid, first_at))
            if answered[j]:
                for r in set(helper_picks[j, : helper_counts[j]].tolist()):
                    responders.append((mid, int(member_ids[r]), GUILD))
        con.executemany(
            "INSERT INTO questions (message_id, guild_id, channel_id, asker_id, asked_at, status, topics,"
            " first_response_message_id, first_response_at, source) VALUES (?, ?, ?, ?, ?, ?, '[]', ?, ?, 'auto')",
            rows,
        )
        con.executemany(
            "INSERT OR IGNORE INTO question_responders (question_id, user_id, guild_id) VALUES (?, ?, ?)",
            responders,
        )
        con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def database_for(messages: int, members: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"hearth-bench-digest-{messages}-{members}-v2.db"  # v2: interactions indexed by (guild, source, target, at)
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")  # concurrent builders never share a file
        build_database(partial, messages, members)
        partial.replace(path)
    return path


async def _timed(coro: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = await coro
    return result, time.perf_counter() - wall, time.process_time() - cpu


async def _build_once(path: Path, cold: bool) -> dict[str, Any]:
    """Cold: nothing kept from earlier digests (first-contact table and week counts emptied).
    Then: the history's first contacts, the week's first contacts, and the digest build."""
    from sqlalchemy import delete

    import bot.store.models  # noqa: F401  (every table on Base.metadata)
    from bot.conversation.clock import FakeClock
    from bot.digest.service import DigestService
    from bot.store.base import Base
    from bot.store.models.digests import DigestPairFirst, DigestPairProgress, DigestWeekCounts
    from bot.store.session import create_engine, make_sessionmaker

    engine = create_engine(str(path))
    out: dict[str, Any] = {}
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)  # tables added since the file was made
        sessionmaker = make_sessionmaker(engine)
        if cold:
            async with sessionmaker.begin() as session:
                for table in (DigestWeekCounts, DigestPairFirst, DigestPairProgress):
                    await session.execute(delete(table).where(table.guild_id == GUILD))
        service = DigestService(sessionmaker, FakeClock(WEEK_START + timedelta(days=8)))
        _, wall, cpu = await _timed(service.refresh_pairs(GUILD, WEEK_START))
        out["history_refresh_seconds"], out["history_refresh_cpu_seconds"] = wall, cpu
        async with sessionmaker.begin() as session:  # as if the poller had not run during the week
            await session.execute(delete(DigestPairFirst).where(DigestPairFirst.first_at >= WEEK_START))
            progress = await session.get(DigestPairProgress, GUILD)
            assert progress is not None
            progress.through_at = WEEK_START
        _, wall, cpu = await _timed(service.refresh_pairs(GUILD, WEEK_START + timedelta(days=7)))
        out["week_refresh_seconds"], out["week_refresh_cpu_seconds"] = wall, cpu
        digest, wall, cpu = await _timed(service.build(GUILD, WEEK))
        out["seconds"], out["cpu_seconds"] = wall, cpu
    finally:
        await engine.dispose()
    n = digest.numbers
    out.update(
        {
            "interactions": n["interactions"],
            "active_members": n["active_members"],
            "new_connections": n["new_connections"],
            "active_connections": n["active_connections"],
            "questions_asked": n["questions_asked"],
            "bridges": len(digest.bridges),
        }
    )
    return out


def _child(path: Path, cold: bool) -> None:
    import resource

    result = asyncio.run(_build_once(path, cold))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run(messages: int = 1_000_000, members: int = 50_000, repeats: int = 3) -> dict[str, Any]:
    """Median seconds and peak RSS of computing the digest week (each repeat in a fresh process)."""
    from bench.common import run_child

    started = time.perf_counter()
    path = database_for(messages, members)
    setup_seconds = time.perf_counter() - started
    results = []
    for i in range(repeats + 1):  # the first run is cold, the others read what it kept
        flag = ["--cold"] if i == 0 else []
        child = run_child([sys.executable, str(Path(__file__).resolve()), "--child", str(path), *flag])
        if child.returncode != 0:
            raise RuntimeError(f"digest benchmark child failed:\n{child.stderr[-2000:]}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["process_peak_rss_mb"] = child.peak_rss_mb
        results.append(result)

    cold, results = results[0], results[1:]

    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in results), 3)

    seconds = med("seconds")
    peak = max(r["process_peak_rss_mb"] for r in results)
    return {
        "name": "digest_week",
        "messages_in_week": messages,
        "members": members,
        "history_weeks": 8,
        "repeats": repeats,
        "median_seconds": seconds,  # the digest build, first-contact table current (the poller keeps it so)
        "median_cpu_seconds": med("cpu_seconds"),
        "week_refresh_seconds": med("week_refresh_seconds"),  # worst case: the whole week's contacts at once
        "week_refresh_cpu_seconds": med("week_refresh_cpu_seconds"),
        "cold_seconds": round(cold["seconds"], 3),  # first digest ever: all 8 history weeks scanned
        "cold_cpu_seconds": round(cold["cpu_seconds"], 3),
        "cold_history_refresh_seconds": round(cold["history_refresh_seconds"], 3),  # one-off
        "peak_rss_mb": round(max(peak, cold["process_peak_rss_mb"]), 1),
        "target": "< 10 s and < 1024 MB",
        "ok": seconds < 10 and peak < 1024,
        "database_setup_seconds": round(setup_seconds, 1),
        "figures": {k: v for k, v in results[0].items() if not k.endswith(("seconds", "rss_mb"))},
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]), cold="--cold" in sys.argv[3:])
    else:
        args = [int(a) for a in sys.argv[1:4]]
        print(json.dumps(run(*args), indent=2))
