"""Deep nesting is refused before any parser builds it, in memory of one block.

The nesting scan must agree with a real parser's depth on any JSON (brackets, quotes and
backslashes inside strings, any block size), and a hostile export nested 100,000 levels in its
messages or its header must end `analyze` with a clear error, quickly and in bounded memory.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.export_depth import MAX_DEPTH, TooDeep, check_depth
from tests.reliability.conftest import Figures, scaled
from tests.reliability.hostile_exports import document, messages, write

ROOT = Path(__file__).resolve().parents[2]
TRICKY = st.text(alphabet=st.sampled_from('[]{}"\\abc\n\t\u00e9\u202e'), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY, inner, max_size=4),
    max_leaves=40,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=scaled(400, 4000), deadline=None)
@given(value=VALUES, indent=st.sampled_from([None, 1, 2]), block=st.integers(1, 64), ascii_only=st.booleans())
def test_scan_agrees_with_the_parser(value: Any, indent: int | None, block: int, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only).encode("utf-8")
    assert check_depth(io.BytesIO(text), limit=1000, block=block) == depth_of(value)


def test_limit_is_enforced_at_the_first_level_too_deep() -> None:
    assert check_depth(io.BytesIO(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)) == MAX_DEPTH
    with pytest.raises(TooDeep):
        check_depth(io.BytesIO(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)))
    assert check_depth(io.BytesIO(b'["' + b"[" * 10_000 + b'"]')) == 1  # text, not nesting


def _hostile(tmp_path: Path, where: str, levels: int) -> Path:
    doc = document(messages(12))
    text = json.dumps(doc, indent=1)
    if where == "messages":
        deep = "[" * levels + "]" * levels
        text = text.replace('"reactions": []', f'"embeds": {deep}, "reactions": []', 1)
    else:
        deep = '{"a":' * levels + "1" + "}" * levels
        text = text.replace('"name": "Hearth Makers"', f'"name": "Hearth Makers", "x": {deep}', 1)
    return write(tmp_path / f"deep-{where}.json", text)


def _limit_memory() -> None:
    limit = 1536 * 1024 * 1024  # address space: far above the bot's ~150 MB, far below 23 GB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize("where", ["messages", "header"])
def test_analyze_refuses_a_deeply_nested_export(tmp_path: Path, where: str, figures: Figures) -> None:
    export = _hostile(tmp_path, where, 100_000)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "analyze", str(export), "--report", str(tmp_path / "r.json"),
         "--db", str(tmp_path / "h.db"), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory,
    )  # fmt: skip
    figures.add("deeply nested exports refused", 1)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "nested more than" in run.stderr and str(export) in run.stderr
    assert "Traceback" not in run.stderr and "snowflake" not in run.stderr
    assert not (tmp_path / "r.json").exists()
