"""Introductions matching at community scale: median time to group 10,000 opted-in members.

Run: `.venv/bin/python bench/bench_intros.py [N] [REPEATS]`
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.intros.matching import pair_key
from bot.intros.rounds import Candidate, IntroSettings, match_round

NOW = datetime(2025, 3, 10, 17, tzinfo=UTC)
ZONES = (-8.0, -7.0, -5.0, -3.0, 0.0, 1.0, 2.0, 3.0, 5.5, 8.0, 9.0, 10.0)


def synthetic_pool(
    n: int, seed: int = 42
) -> tuple[list[Candidate], dict[tuple[int, int], datetime], set[tuple[int, int]]]:
    """Members with 0-8 interests from a Zipf-like vocabulary of 500, spread over time zones,
    with earlier introductions (to be avoided) and existing interactions (preferred less)."""
    rng = random.Random(seed)
    vocab = [f"topic-{i}" for i in range(500)]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    pool = [
        Candidate(
            user_id=10**17 + i,
            interests=frozenset(rng.choices(vocab, weights, k=rng.randint(0, 8))),
            tz_offset_hours=rng.choice(ZONES),
            frequency=rng.choice(("weekly", "weekly", "weekly", "biweekly", "monthly")),
            last_intro_at=None if rng.random() < 0.5 else NOW - timedelta(days=rng.randint(7, 40)),
            paused_until=NOW + timedelta(days=7) if rng.random() < 0.03 else None,
            in_guild=rng.random() > 0.02,
        )
        for i in range(n)
    ]
    ids = [c.user_id for c in pool]
    history = {pair_key(*rng.sample(ids, 2)): NOW - timedelta(weeks=rng.randint(1, 20)) for _ in range(n * 3)}
    connected = {pair_key(*rng.sample(ids, 2)) for _ in range(n * 5)}
    return pool, history, connected


MAX_PER_ROUND = 10_000


def run(n: int = 10000, repeats: int = 5) -> dict[str, Any]:
    pool, history, connected = synthetic_pool(n)
    settings = IntroSettings(max_per_round=MAX_PER_ROUND)  # the whole pool matched, as on a big server
    times: list[float] = []
    groups = shared = 0
    for r in range(repeats):
        start = time.perf_counter()
        result = match_round(pool, history, connected, NOW, settings, seed=r)
        times.append(time.perf_counter() - start)
        groups = len(result.groups)
        shared = sum(1 for g in result.groups if g.shared_interests)
    median = statistics.median(times)
    return {
        "name": "intros_match",
        "candidates": n,
        "repeats": repeats,
        "median_seconds": round(median, 4),
        "min_seconds": round(min(times), 4),
        "groups": groups,
        "groups_sharing_an_interest": shared,
        "target_seconds": 2.0,
        "ok": median < 2.0,
    }


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 10000
    repeats = int(argv[2]) if len(argv) > 2 else 5
    result = run(n, repeats)
    print(
        f"intros: matched {result['candidates']} candidates into {result['groups']} groups "
        f"({result['groups_sharing_an_interest']} sharing an interest), median of {repeats}: "
        f"{result['median_seconds']:.3f} s (target < 2 s)"
    )
    print(result["median_seconds"])
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
