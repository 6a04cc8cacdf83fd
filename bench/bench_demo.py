"""How long the demo takes: `make run` (no Discord token: the demo) after install, as a new user
starts it, and the replay of its 4,282 messages as the demo reports it. Part of `make bench`;
alone:

    .venv/bin/python -m bench.bench_demo [--runs N]

Each run is a fresh `make -s run` in the checkout (the environment as given, less
DISCORD_TOKEN); the first, which may still install or compile, is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/bench_demo.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Row, median, run_child

REPLAY_TARGET_S = 5.0
MAKE_RUN_TARGET_S = 10.0
_REPLAYED = re.compile(r"replayed ([\d,]+) messages .* in ([\d.]+) s\b")


def run(runs: int = 3) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    walls: list[float] = []
    replays: list[float] = []
    messages = 0
    for attempt in range(runs + 1):
        child = run_child(["make", "-s", "run"], cwd=ROOT, env=env)
        if child.returncode != 0:
            raise RuntimeError(f"make run failed ({child.returncode}): {child.stderr[-400:]}")
        found = _REPLAYED.search(child.stdout)
        if found is None:
            raise RuntimeError("make run did not say how long its replay took")
        if attempt == 0:
            continue  # warms the bytecode and the disk cache, as any second start would have them
        messages = int(found.group(1).replace(",", ""))
        walls.append(child.seconds)
        replays.append(float(found.group(2)))
    return {
        "messages": messages,
        "runs": runs,
        "make_run_seconds": [round(s, 2) for s in walls],
        "replay_seconds": [round(s, 2) for s in replays],
        "seconds": round(median(walls), 2),
    }


def rows(result: dict[str, Any]) -> list[Row]:
    replay, wall = median(result["replay_seconds"]), result["seconds"]
    return [
        Row(
            f"demo: replay of its {result['messages']:,} messages (nudges, introductions, digests)",
            f"{replay:.1f} s",
            target=f"≤ {REPLAY_TARGET_S:g} s",
            verdict="meets" if replay <= REPLAY_TARGET_S else "misses",
            notes=[f"median of {result['runs']}: {', '.join(f'{s:.1f}' for s in result['replay_seconds'])} s"],
        ),
        Row(
            "demo: the whole `make run` after install",
            f"{wall:.1f} s",
            target=f"≤ {MAKE_RUN_TARGET_S:g} s",
            verdict="meets" if wall <= MAKE_RUN_TARGET_S else "misses",
            notes=[f"median of {result['runs']}: {', '.join(f'{s:.1f}' for s in result['make_run_seconds'])} s"],
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.runs), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
