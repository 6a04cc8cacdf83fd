"""Every message a cog sends names its `allowed_mentions` (nobody is pinged by accident)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SENDING = {"send_message", "send", "edit_message", "edit_original_response", "edit", "reply", "followup_send"}
COG_FILES = sorted(p for p in (Path(__file__).resolve().parents[2] / "cogs").rglob("*.py"))


def unguarded_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in SENDING:
            continue
        names = {k.arg for k in node.keywords}
        if None in names:  # **kwargs: cannot tell statically
            continue
        if "allowed_mentions" not in names:
            found.append(f"{path.name}:{node.lineno} .{node.func.attr}(...)")
    return found


def test_there_are_cogs_to_check() -> None:
    assert len(COG_FILES) >= 5


@pytest.mark.parametrize("path", COG_FILES, ids=lambda p: p.name)
def test_every_send_sets_allowed_mentions(path: Path) -> None:
    assert unguarded_calls(path) == []


def test_guard_flags_a_send_without_allowed_mentions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "async def f(ch, i):\n"
        "    await ch.send('hi')\n"
        "    await i.response.send_message('ok', allowed_mentions=None)\n",
        encoding="utf-8",
    )
    assert unguarded_calls(sample) == ["sample.py:2 .send(...)"]
