"""Deleted accounts are nobody: DiscordChatExporter gives every deleted account one id.

A crafted export where "Deleted User" (456226577798135808) answers every question, is mentioned
and reacts: neither `analyze`'s report nor `digest`'s figures may count that id as a member, a
responder, a helper or one end of a tie; the real members' exchanges are still read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.__main__ import main
from bot.conversation.events import DELETED_USER_ID, is_placeholder_account
from tests.reliability.hostile_exports import MEMBERS, author, document, message, write

GONE = str(DELETED_USER_ID)


def _crafted() -> dict[str, Any]:
    """26 questions, each answered by the deleted account with a reply, thanked with a mention
    of it and a ✅ from it; every fourth one is also answered by a real member."""
    msgs: list[dict[str, Any]] = []
    index = 0

    def add(content: str, user: int, **extra: Any) -> str:
        nonlocal index
        raw = message(index, content, user=user, **extra)
        index += 1
        msgs.append(raw)
        return str(raw["id"])

    for n in range(26):
        asker = MEMBERS[n % 2]
        qid = add(f"How do I fix error {n} when the board resets?", asker)
        deleted = message(index, "hold the boot button while you flash it", user=DELETED_USER_ID)
        deleted["author"] = author(DELETED_USER_ID, "Deleted User") | {"name": "Deleted User"}
        deleted["reference"] = {"messageId": qid}
        deleted["reactions"] = [
            {"emoji": {"name": "✅"}, "count": 1, "users": [author(DELETED_USER_ID, "Deleted User")]}
        ]
        index += 1
        msgs.append(deleted)
        if n % 4 == 0:
            add("also check the cable, it matters", MEMBERS[2], reference={"messageId": qid})
        add(
            f"thanks <@{DELETED_USER_ID}>!",
            asker,
            mentions=[author(DELETED_USER_ID, "Deleted User")],
        )
    return document(msgs)


def _ids_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_ids_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_ids_in(v) for v in value)) if value else set()
    return {str(value)}


def test_placeholder_is_only_the_deleted_account() -> None:
    assert is_placeholder_account(DELETED_USER_ID)
    assert not any(is_placeholder_account(m) for m in MEMBERS)


def test_deleted_user_is_no_member_helper_or_tie(tmp_path: Path) -> None:
    export = write(tmp_path / "general.json", _crafted())
    report_path = tmp_path / "report.json"
    assert main(["analyze", str(export), "--report", str(report_path), "--db", str(tmp_path / "a.db"), "--no-progress"]) == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert GONE not in _ids_in(report["questions"]), "the deleted account appears in a question"
    assert GONE not in _ids_in(report["interactions"]), "the deleted account is one end of a tie"
    answered = [q for q in report["questions"] if q["responder_ids"]]
    assert len(report["questions"]) == 26
    assert {r for q in answered for r in q["responder_ids"]} == {str(MEMBERS[2])}
    assert len(answered) == 7  # the real member's answers are still read

    out = tmp_path / "digest"
    assert main(["digest", str(export), "--out", str(out), "--week", "2025-W02"]) == 0
    figures = json.loads((out / "digest.json").read_text(encoding="utf-8"))
    assert [h["user_id"] for h in figures["top_helpers"]] == [str(MEMBERS[2])]
    assert GONE not in _ids_in(figures)
    assert "Deleted User" not in (out / "digest.md").read_text(encoding="utf-8")
