"""`python -m bot report` on the bundled sample: the sections are there and the week's figures
are those `python -m bot digest` writes for the same week."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli.demo import SAMPLE_DIR
from bot.report.render import _number, _percent

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = sorted((SAMPLE_DIR / "exports").glob("*.json"))
SECTIONS = ("This week", "Who helped whom", "Week by week", "Open questions", "Helpers' load", "Newcomers")
COUNTS = ("new_connections", "active_members", "questions_asked", "questions_open")
SHARES = ("connected_member_share", "top3_answer_share")
# what the exports do not say about the server, from the sample's sidecar (as the demo seeds it)
COMMUNITY = json.loads((SAMPLE_DIR / "community.json").read_text(encoding="utf-8"))
SERVER = COMMUNITY["settings"]
STAFF = [m["id"] for m in COMMUNITY["members"] if m.get("staff")]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    """The digest of the sample (its default week), then the report from the same analysis."""
    from bot.cli.digest import write_digest

    tmp = tmp_path_factory.mktemp("report-sample")
    db = str(tmp / "analysis.db")
    written = asyncio.run(
        write_digest(
            EXPORTS, tmp / "digest", None, db,
            staff=STAFF, timezone=SERVER["timezone"], help_channels=SERVER["help_channel_ids"],
        )
    )
    figures = json.loads(written["json"].read_text(encoding="utf-8"))
    out = tmp / "out" / "report.html"
    options = [f"--staff={s}" for s in STAFF] + ["--timezone", SERVER["timezone"]]
    options += [f"--help-channel={c}" for c in SERVER["help_channel_ids"]]
    proc = _cli("report", str(SAMPLE_DIR / "exports"), "-o", str(out), "--db", db, *options)
    assert proc.returncode == 0, proc.stderr
    assert f"report written to {out}" in proc.stdout
    return figures, out.read_text(encoding="utf-8"), out


def test_report_has_every_section(sample: tuple[dict[str, Any], str, Path]) -> None:
    _, html, _ = sample
    for heading in SECTIONS:
        assert f"<h2>{heading}" in html.replace("&#39;", "'"), heading
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert html.count('class="plotly-graph-div"') == 3
    assert "Hearth Makers" in html and "member …" not in html  # names come from the exports


def test_report_is_self_contained(sample: tuple[dict[str, Any], str, Path]) -> None:
    """No script, style, font or image is fetched: the only URLs are the jump links to Discord."""
    import re

    _, html, _ = sample
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert "@import" not in html
    assert "Plotly.newPlot" in html and "plotly.js (basic - minified)" in html  # plotly.js inlined
    assert len(html) < 2_500_000  # the basic bundle, not the full 4.8 MB one


def test_week_figures_agree_with_the_digest(sample: tuple[dict[str, Any], str, Path]) -> None:
    figures, html, _ = sample
    assert f"({figures['week']})</h2>" in html
    for name in COUNTS:
        assert f'data-figure="{name}"><b>{_number(figures[name])}</b>' in html, name
    for name in SHARES:
        assert f'data-figure="{name}"><b>{_percent(figures[name])}</b>' in html, name
    assert (
        f'data-figure="newcomers_replied"><b>{_number(figures["newcomers_replied"])} of '
        f'{_number(figures["newcomers"])}</b>' in html
    )


def test_weekly_series_agree_with_the_digest_history(sample: tuple[dict[str, Any], str, Path]) -> None:
    """Every week the digest's chart shows (with data) is a row of the report's weekly table."""
    figures, html, _ = sample
    shown = [h for h in figures["history"] if h["active_connections"] or h["new_connections"]]
    assert shown and shown[-1]["week"] == figures["week"]
    for h in shown:
        row = (
            f'<tr><td>{h["week"]}</td><td class="num">{h["new_connections"]}</td>'
            f'<td class="num">{h["active_connections"]}</td>'
            f'<td class="num">{_number(h["median_first_response_minutes"])}</td></tr>'
        )
        assert row in html, h["week"]


def test_report_of_a_missing_export_says_so(tmp_path: Path) -> None:
    proc = _cli("report", str(tmp_path / "nothing.json"), "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert "nothing.json: no such file or folder" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = _cli("report", str(tmp_path / "empty"), "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and "a folder with no *.json exports in it" in proc.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_of_an_export_without_messages_says_so(tmp_path: Path) -> None:
    empty = next(p for p in EXPORTS if not json.loads(p.read_text(encoding="utf-8"))["messages"])
    proc = _cli("report", str(empty), "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and "no messages stored" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_of_a_broken_export_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"guild": {"id": "1", "name": "x"}, "channel": ', encoding="utf-8")
    out = tmp_path / "r.html"
    out.write_text("the previous report", encoding="utf-8")
    proc = _cli("report", str(broken), "-o", str(out))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert out.read_text(encoding="utf-8") == "the previous report"


def test_the_demo_posts_the_same_figures_for_the_week(sample: tuple[dict[str, Any], str, Path]) -> None:
    """`digest` and `report` with the server's staff, time zone and help channels, and the digest
    the demo posts for the same week, give one set of figures."""
    from bot.cli.demo import demo

    figures, html, _ = sample
    replay = asyncio.run(demo(None, None))
    [posted] = [r["figures"] for r in replay.records if r["kind"] == "digest" and r["week"] == figures["week"]]
    for name in (*COUNTS, "interactions", "newcomers", "newcomers_replied"):
        assert posted[name] == figures[name], name
    for name in SHARES:
        assert abs(posted[name] - figures[name]) < 1e-3, name
    for name in COUNTS:
        assert f'data-figure="{name}"><b>{_number(posted[name])}</b>' in html, name
