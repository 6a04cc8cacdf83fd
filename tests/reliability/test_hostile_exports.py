"""Broken and hostile exports through `python -m bot analyze`.

Each broken file gives a clear error naming the file (and the message, when one is to blame),
exit status 2, no traceback, no report, and a database exactly as it was before the run (every
table compared row by row). What the reader can safely pass over (duplicate ids, unknown
message types, malformed reactions) is skipped and counted in the report; out-of-order
timestamps are counted. A property test mutates a good export at random and checks the reader
only ever answers with an `ExportError`.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.sources.exports import ExportError, ExportReader
from tests.reliability.conftest import Figures, scaled
from tests.reliability.hostile_exports import (
    CHANNEL,
    FIRST_ID,
    document,
    message,
    messages,
    with_message,
    write,
)

ROOT = Path(__file__).resolve().parents[2]
Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(db: Path) -> Snapshot:
    """Every row of every table (the schema's own tables included), in a stable order."""
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


def _good_text() -> str:
    return json.dumps(document(messages()), indent=1)


def _truncated() -> str:
    text = _good_text()
    return text[: int(len(text) * 0.6)]


def _other_guild() -> dict[str, Any]:
    doc = document(messages(), guild_id="1144420879564899999", channel_id="1144480270909449999")
    doc["guild"]["name"] = "Evil\x1b[2J\u202e server"  # its name is printed in the error
    return doc


# (name, file content, words the error must contain)
Case = tuple[str, Callable[[], Any], tuple[str, ...]]
# Files that are no export at all: refused when given alone, passed over with a note beside others.
NOT_EXPORTS: list[Case] = [
    ("empty file", lambda: b"", ("not valid JSON",)),
    ("whitespace only", lambda: "   \n\t", ("not valid JSON",)),
    ("random bytes", lambda: bytes(range(256)) * 4, ("not valid JSON",)),
    ("top-level array", lambda: [1, 2, 3], ("not a DiscordChatExporter JSON export",)),
    ("no guild", lambda: {"channel": {"id": "5"}, "messages": []}, ("no 'guild'",)),
]
# Exports broken inside: refused even beside good ones, nothing written.
BROKEN: list[Case] = [
    ("guild id out of range", lambda: document([], guild_id=str(2**70)), ("guild.id",)),
    ("channel id is a list", lambda: document([], channel_id=[1, 2]), ("channel.id",)),
    ("truncated JSON", _truncated, ("broken JSON", "at message #")),
    ("non-UTF-8 bytes", lambda: _good_text().encode().replace(b"sensor", b"sens\xff\xfer"), ("not UTF-8 text", "byte 0xff at offset")),
    ("message is a string", lambda: document(["hello", *messages()]), ("not a JSON object", "at message #1")),
    ("id is a list", lambda: with_message(3, id=[1]), ("not a snowflake", "at message #4")),
    ("id is negative", lambda: with_message(3, id="-5"), ("not a snowflake", "at message #4")),
    ("id is huge", lambda: with_message(3, id="9" * 40), ("not a snowflake", "at message #4")),
    ("id is a float", lambda: with_message(3, id=1.5e18), ("not a snowflake", "#4")),
    ("id is true", lambda: with_message(3, id=True), ("not a snowflake", "#4")),
    ("id missing", lambda: with_message(5, id=...), ("not a snowflake", "at message #6")),
    ("timestamp is a number", lambda: with_message(2, timestamp=1736165000), ("timestamp", "#3")),
    ("timestamp is text", lambda: with_message(2, timestamp="yesterday"), ("ISO-8601", "#3")),
    ("timestamp without zone", lambda: with_message(2, timestamp="2025-01-06T12:00:00"), ("time zone", "#3")),
    ("timestamp missing", lambda: with_message(2, timestamp=...), ("timestamp", "#3")),
    ("author missing", lambda: with_message(4, author=...), ("no author", "#5")),
    ("author is a string", lambda: with_message(4, author="bob"), ("no author", "#5")),
    ("author id is text", lambda: with_message(4, author={"id": "bob"}), ("author id", "#5")),
    ("type is a number", lambda: with_message(1, type=7), ("type is not a string", "#2")),
    ("content is a number", lambda: with_message(1, content=12), ("content is not a string", "#2")),
    ("content is a dict", lambda: with_message(1, content={"a": 1}), ("content is not a string", "#2")),
    ("mentions is a dict", lambda: with_message(6, mentions={"id": "5"}), ("mentions is not a list", "#7")),
    ("mention id is bad", lambda: with_message(6, mentions=[{"id": "x"}]), ("mention id", "#7")),
    ("reference id is bad", lambda: with_message(6, reference={"messageId": "abc"}), ("reference", "#7")),
]


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    """A database holding one earlier good analysis, and the good export it came from."""
    good = write(tmp_path / "good.json", document(messages()))
    db = tmp_path / "hearth.db"
    assert main(["analyze", str(good), "--report", str(tmp_path / "seed.json"), "--db", str(db), "--no-progress"]) == 0
    return good, db


def test_broken_exports_change_nothing(
    seeded: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    good, db = seeded
    before = snapshot(db)
    assert sum(len(rows) for rows in before.values()) > 20
    capsys.readouterr()
    for name, build, words in NOT_EXPORTS + BROKEN:
        bad = write(tmp_path / f"bad-{name.replace(' ', '-')}.json", build())
        report = tmp_path / "report.json"
        given = [str(bad)] if (name, build, words) in NOT_EXPORTS else [str(good), str(bad)]
        status = main(["analyze", *given, "--report", str(report), "--db", str(db), "--no-progress"])
        err = capsys.readouterr().err
        assert status == 2, f"{name}: exit status {status}"
        assert err.startswith("error: ") and "Traceback" not in err, f"{name}: {err}"
        assert str(bad) in err, f"{name}: the error does not name the file: {err}"
        for word in words:
            assert word in err, f"{name}: {word!r} missing from {err!r}"
        assert not report.exists(), f"{name}: a report was written"
        assert snapshot(db) == before, f"{name}: the database changed"
        figures.add("hostile exports refused with the database unchanged")
    # exports of two servers, and a file that is not there
    other = write(tmp_path / "other.json", _other_guild())
    for extra, words in ((other, ("different servers",)), (tmp_path / "missing.json", ("no such file",))):
        status = main(["analyze", str(good), str(extra), "--report", str(tmp_path / "r.json"), "--db", str(db)])
        err = capsys.readouterr().err
        assert status == 2 and all(w in err for w in words) and "Traceback" not in err
        assert "\x1b" not in err and "\u202e" not in err
        assert snapshot(db) == before
        figures.add("hostile exports refused with the database unchanged")


def test_files_that_are_no_export_are_passed_over_beside_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "good.json", document(messages()))
    for name, build, words in NOT_EXPORTS:
        bad = write(tmp_path / f"bad-{name.replace(' ', '-')}.json", build())
        report = tmp_path / "report.json"
        status = main(["analyze", str(good), str(bad), "--report", str(report), "--db", ":memory:", "--no-progress"])
        out = capsys.readouterr()
        assert status == 0, f"{name}: {out.err}"
        assert f"note: skipped {bad}: " in out.err and all(w in out.err for w in words), out.err
        assert json.loads(report.read_text())["summary"]["messages"] == 24


def test_cli_process_exits_2_without_traceback(tmp_path: Path, child_env: dict[str, str]) -> None:
    bad = write(tmp_path / "broken.json", with_message(3, id=[1]))
    db = tmp_path / "hearth.db"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "analyze", str(bad), "--report", str(tmp_path / "r.json"), "--db", str(db)],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and f"{bad}: message id is not a snowflake id" in done.stderr
    assert "at message #4" in done.stderr and "nothing was written" in done.stderr
    assert not db.exists()


def _analyze_ok(tmp_path: Path, doc: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    path = write(tmp_path / "export.json", doc)
    report = tmp_path / "report.json"
    status = main(["analyze", str(path), "--report", str(report), "--db", str(tmp_path / "h.db"), "--no-progress"])
    out = capsys.readouterr()
    assert status == 0, out.err
    summary: dict[str, Any] = json.loads(report.read_text())["summary"]
    summary["stdout"] = out.out
    return summary


def test_skippable_problems_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    msgs = messages(30)
    msgs += [dict(msgs[i]) for i in (2, 5, 9)]  # the same ids again
    odd_types = ("ChannelPinnedMessage", "Call", "Call", "💥\u202e\x1b[2J")
    msgs += [message(40 + i, type=t) for i, t in enumerate(odd_types)]
    msgs[7]["reactions"] = "lots"
    msgs[8]["reactions"] = [{"emoji": "fire"}, {"emoji": {"name": "ok"}, "users": [{"id": "x"}, "y"]}]
    summary = _analyze_ok(tmp_path, document(msgs), capsys)
    assert summary["skipped"] == {
        "duplicate id": 3,
        "message type ChannelPinnedMessage": 1,
        "message type Call": 2,
        "message type 💥\\u202e\\u001b[2J": 1,  # shown, never acting on the terminal
        "malformed reactions": 1,
        "malformed reaction": 1,
        "malformed reaction user": 2,
    }
    assert summary["messages"] == 30
    assert "skipped: " in summary["stdout"] and "3 duplicate id" in summary["stdout"]
    assert "\x1b" not in summary["stdout"] and "\u202e" not in summary["stdout"]
    figures.add("hostile exports with skips counted", 1)
    figures.add("skipped items counted", sum(summary["skipped"].values()))


def test_out_of_order_timestamps_are_counted_and_analyzed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    msgs = messages(30)
    msgs[10]["timestamp"], msgs[20]["timestamp"] = msgs[20]["timestamp"], msgs[10]["timestamp"]
    msgs[25]["timestamp"] = "2020-01-01T00:00:00+00:00"
    summary = _analyze_ok(tmp_path, document(msgs), capsys)
    # a message is out of order when it is older than one before it: #11-#20 after the swap, and #26
    assert summary["out_of_order"] == 11
    assert summary["messages"] == 30 and summary["questions"] >= 1
    figures.add("hostile exports with skips counted", 1)


def test_a_huge_message_is_analyzed_and_stored_as_a_short_snippet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    huge = "How do I fix this? " + ("ẑ̶̡͓a̷l̸g̵o̶ 🧵\u200b@everyone " * 25_000)  # 450,000 characters, 100 times the most Discord allows
    msgs = messages(6)
    msgs[3] = message(3, huge)
    summary = _analyze_ok(tmp_path, document(msgs), capsys)
    assert summary["messages"] == 6
    with sqlite3.connect(tmp_path / "h.db") as conn:
        longest = conn.execute("SELECT max(length(snippet)) FROM questions").fetchone()[0]
        stored = conn.execute("SELECT count(*) FROM messages WHERE message_id = ?", (FIRST_ID + 3000,)).fetchone()
    assert longest is not None and longest <= 140
    assert stored[0] == 1
    figures.add("hostile exports with skips counted", 1)


# ----------------------------------------------------------- random mutations at the reader level

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
FIELDS = ("id", "type", "timestamp", "content", "author", "reactions", "mentions", "reference")


@settings(max_examples=scaled(150, 2000), deadline=None)
@given(
    mutations=st.lists(
        st.tuples(st.integers(0, 23), st.sampled_from(FIELDS), JSON_VALUES | st.just(...)), min_size=1, max_size=4
    ),
    cut=st.none() | st.floats(0.0, 1.0),
)
def test_mutated_exports_only_ever_raise_export_error(
    tmp_path_factory: pytest.TempPathFactory,
    figures: Figures,
    mutations: list[tuple[int, str, Any]],
    cut: float | None,
) -> None:
    msgs = messages()
    for index, key, value in mutations:
        if value is ...:
            msgs[index].pop(key, None)
        else:
            msgs[index][key] = value
    text = json.dumps(document(msgs))
    if cut is not None:
        text = text[: int(len(text) * cut)]
    path = write(tmp_path_factory.mktemp("mut") / "export.json", text)
    figures.add("mutated exports read")
    try:
        reader = ExportReader(path)
        events = list(reader.events())
    except ExportError as exc:
        assert str(path) in str(exc)
        figures.add("mutated exports refused with a named error")
        return
    assert reader.header.channel_id == CHANNEL
    assert reader.stats.messages <= 24 and len(events) >= reader.stats.messages
