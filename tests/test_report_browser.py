"""The sample report in headless Chromium: it renders offline, without console errors, with every
section and chart, and fits a phone's width.

Needs Debian's `chromium` (`.ci/chromium.sh` installs it). Skipped when it is missing, unless
CI=true. `make report-screenshot` writes the screenshot to docs/report.png
(HEARTH_REPORT_SCREENSHOT names the file; otherwise it goes to a temporary folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from bot.cli.demo import SAMPLE_DIR

SECTIONS = ("This week", "Who helped whom", "Week by week", "Open questions", "Helpers' load", "Newcomers")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 1700}


def _chromium() -> str:
    found = os.environ.get("HEARTH_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but chromium is not installed: the browser test must run in CI (.ci/chromium.sh)")
    pytest.skip("chromium is not installed (apt-get install -y chromium); set CI=true to require it")


@pytest.fixture(scope="module")
def chromium() -> str:
    return _chromium()


@pytest.fixture(scope="module")
def report(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bot.cli.report import write_report

    out = tmp_path_factory.mktemp("report-browser") / "report.html"
    return write_report([SAMPLE_DIR / "exports"], out)


def test_chromium_screenshots_the_report(chromium: str, report: Path, tmp_path: Path) -> None:
    """The plain command line: `chromium --headless --screenshot=...` of the page."""
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
            f"--screenshot={shot}",
            "--window-size=1200,1700",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page with charts, not a blank


def test_report_renders_offline_without_errors(chromium: str, report: Path, tmp_path: Path) -> None:
    from playwright.sync_api import Route, sync_playwright

    errors: list[str] = []
    fetched: list[str] = []

    def only_the_file(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            fetched.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS[1:])
        try:
            for viewport in (DESKTOP, PHONE):
                page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.route("**/*", only_the_file)
                started = time.perf_counter()
                page.goto(report.as_uri(), wait_until="load")
                page.wait_for_selector(".js-plotly-plot .main-svg")
                seconds = time.perf_counter() - started
                headings = page.locator("h2").all_inner_texts()
                assert [h.split(" (")[0] for h in headings] == list(SECTIONS)
                assert page.locator(".js-plotly-plot").count() == 3
                assert page.locator(".js-plotly-plot .main-svg").count() >= 3
                assert page.locator("#chart-network .scatterlayer .point").count() > 10
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= viewport["width"], f"the page is {wide}px wide in a {viewport['width']}px window"
                assert seconds < 60
                shot = tmp_path / f"report-{viewport['width']}.png"
                page.screenshot(path=str(shot))
                assert shot.stat().st_size > 20_000
                if viewport is DESKTOP and os.environ.get("HEARTH_REPORT_SCREENSHOT"):
                    target = Path(os.environ["HEARTH_REPORT_SCREENSHOT"])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shot, target)
                page.close()
        finally:
            browser.close()
    assert errors == []
    assert fetched == []
