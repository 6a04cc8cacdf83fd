"""Choose `bot.conversation.continuations`' two settings on the annotated training logs.

    .venv/bin/python -m bench.fit_continuations [--data DIR] [--logs first:N]

Each training log is replayed once through the engine; its report is then built with every
pair of settings in the grid (how old the author's earlier message may be, how many messages
back it may sit) and scored by the benchmark's `score.py`. The pair with the best message-link
F-score (`graph_link_f1`) is printed with the whole grid. Nothing here reads the dev logs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/fit_continuations.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.accuracy import _plain_gold, build_report, pick_logs, replay, score
from bot.conversation.continuations import Continuations
from bot.conversation.facts import Fact

TRAIN = Path("/work/shared/benchmarks/ubuntu-irc-train")
MINUTES = (1, 2, 5, 10)
LOOK_BACKS = (3, 6, 15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fit_continuations", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=TRAIN)
    parser.add_argument("--logs", default="first:1000", help="which logs of --data (default: all)")
    args = parser.parse_args(argv)
    names = pick_logs(args.logs, args.data)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        replayed: list[tuple[str, list[Fact]]] = []
        golds: dict[str, Path] = {}
        for name in names:
            export = next(args.data.glob(f"{name}.export.json*"))
            replayed.append((name, replay(export)[0]))
            golds[name] = _plain_gold(args.data, name, out)

        def graph_f1(within: timedelta, look_back: int) -> float:
            pairs = []
            for name, facts in replayed:
                report = out / f"{name}.report.json"
                joined = Continuations(within, look_back)
                report.write_text(json.dumps(build_report(facts, joined)), encoding="utf-8")
                pairs.append((golds[name], report))
            return score(args.data, pairs)["graph_link_f1"]

        grid = {
            f"{minutes} min, {look_back} back": graph_f1(timedelta(minutes=minutes), look_back)
            for minutes in MINUTES
            for look_back in LOOK_BACKS
        }
        base = graph_f1(timedelta(0), 0)  # looking back at nothing: no continuations
    best = max(grid, key=lambda key: grid[key])
    print(f"{len(names)} training logs; graph_link_f1 without continuations {base:.3f}")
    for key, value in grid.items():
        print(f"  {key:>16}: {value:.3f}{'  <- best' if key == best else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
