"""The HTML report beside chat-analytics' for the same exports: file size and load time in
headless Chromium (not part of `make bench` or the tests).

    python bench/bench_report.py [--exports DIR] [--runs 5] [--chromium /usr/bin/chromium]

chat-analytics (npm) is run with `npx --yes chat-analytics@VERSION -p discord`; it cannot parse
an export whose message list is empty (`"messages":[\\n]`), so those files are left out of its
input (they hold no messages, so nothing is lost). Load time is from navigation to the `load`
event, and until the first charts are drawn (Hearth: its three Plotly charts; chat-analytics:
its "Messages sent over time" chart); the median of `--runs` fresh pages in one browser is
printed (the first, cold page is not counted). Requests leaving the file are refused and listed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/bench_report.py`: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cli.demo import SAMPLE_DIR
from bot.cli.report import write_report

CHAT_ANALYTICS = "1.1.2"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def chat_analytics(exports: Path, out: Path) -> float:
    """Write chat-analytics' report of the non-empty exports in `exports`; seconds taken."""
    npx = shutil.which("npx")
    if npx is None:
        raise SystemExit("npx (Node.js) is needed for the chat-analytics side")
    inputs = out.parent / "chat-analytics-inputs"
    inputs.mkdir(exist_ok=True)
    for path in sorted(exports.glob("*.json")):
        if json.loads(path.read_text(encoding="utf-8")).get("messages"):
            shutil.copy(path, inputs / path.name)
    started = time.perf_counter()
    subprocess.run(
        [npx, "--yes", f"chat-analytics@{CHAT_ANALYTICS}", "-p", "discord", "-i", f"{inputs}/*.json", "-o", str(out)],
        check=True, capture_output=True, timeout=900,
    )  # fmt: skip
    return time.perf_counter() - started


OURS_READY = "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3"
THEIRS_READY = (
    "document.body.innerText.includes('Messages sent over time') && document.querySelectorAll('canvas').length > 0"
)


def load_times(chromium: str, page_path: Path, runs: int, ready: str) -> tuple[float, float, list[str]]:
    """Median seconds to the `load` event and until `ready` (a JS condition) holds, and the
    URLs outside the file the page asked for (they are refused: the measure is offline)."""
    from playwright.sync_api import Route, sync_playwright

    loads: list[float] = []
    readies: list[float] = []
    outside: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            for run in range(runs + 1):
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.route("**/*", offline)
                started = time.perf_counter()
                page.goto(page_path.as_uri(), wait_until="load")
                loaded = time.perf_counter() - started
                page.wait_for_function(ready, polling=20)
                drawn = time.perf_counter() - started
                page.close()
                if run:  # the first page warms the browser up
                    loads.append(loaded)
                    readies.append(drawn)
        finally:
            browser.close()
    return statistics.median(loads), statistics.median(readies), sorted(set(outside))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=Path, default=SAMPLE_DIR / "exports")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hearth-bench-report-") as tmp:
        ours, theirs = Path(tmp) / "hearth.html", Path(tmp) / "chat-analytics.html"
        started = time.perf_counter()
        write_report([args.exports], ours)
        our_build = time.perf_counter() - started
        their_build = chat_analytics(args.exports, theirs)
        our_load, our_drawn, our_urls = load_times(args.chromium, ours, args.runs, OURS_READY)
        their_load, their_drawn, their_urls = load_times(args.chromium, theirs, args.runs, THEIRS_READY)
        print(f"exports: {args.exports} ({len(list(args.exports.glob('*.json')))} files)")
        print("| page | size | build | load event | first charts drawn | requests outside the file |")
        print("|---|---:|---:|---:|---:|---|")
        for name, path, build, load, drawn, urls in (
            ("Hearth `python -m bot report`", ours, our_build, our_load, our_drawn, our_urls),
            (f"chat-analytics {CHAT_ANALYTICS}", theirs, their_build, their_load, their_drawn, their_urls),
        ):
            print(f"| {name} | {path.stat().st_size / 1e6:.2f} MB | {build:.1f} s | {load * 1000:.0f} ms "
                  f"| {drawn * 1000:.0f} ms | {', '.join(urls) or 'none'} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
