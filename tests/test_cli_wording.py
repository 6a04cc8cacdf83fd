"""Counted nouns agree with their numbers in what the command line prints (`bot.plural`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.cli.demo_story import follow_up_outcome, tell
from bot.plural import plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "digest", "0 digests"),
        (1, "digest", "1 digest"),
        (2, "weekly digest", "2 weekly digests"),
        (1, "reply", "1 reply"),
        (3, "reply", "3 replies"),
        (2, "day", "2 days"),
        (2, "match", "2 matches"),
        (2, "box", "2 boxes"),
        (1_500, "message", "1,500 messages"),
    ],
)
def test_plural(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_plural_irregular_and_aligned() -> None:
    assert plural(1, "member paused", "members paused") == "1 member paused"
    assert plural(2, "member paused", "members paused") == "2 members paused"
    assert plural(7, "nudge", width=4) == "   7 nudges"


def _record(kind: str, **extra: Any) -> dict[str, Any]:
    return {"at": "2025-01-10T16:00:00+00:00", "kind": kind, "channel_id": None, "targets": ["1001", "1002"], **extra}


def test_demo_story_counts_agree() -> None:
    records = [
        _record("digest", week="2025-W02", headline="A quiet week."),
        _record("nudge"),
        _record("nudge"),
        _record("intro_removed", targets=["1001"]),
        _record("intro_follow_up", outcome="pending"),
        {**_record("question"), "status": "answered", "first_response_at": "2025-01-10T16:01:00+00:00"},
    ]
    story = tell(records, None, "Makers", 1, datetime(2025, 1, 6, tzinfo=UTC), 0.5)
    lines = story.splitlines()
    assert lines[0].startswith("Hearth demo: replayed 1 message of 'Makers'")
    assert "  1 question tracked: 1 answered by members, 0 resolved by their askers, 0 still open at the end" in lines
    assert "  median wait for a first response: 1 minute" in lines
    assert "     1 weekly digest" in lines
    assert "     2 helper nudges" in lines
    assert "     1 member paused from introductions" in lines
    assert "     1 introduction followed up (nothing posted)" in lines
    assert "digests" not in story.split("A few moments")[0]
    follow_up = next(line for line in lines if "followed up on" in line)
    assert follow_up.endswith(
        "followed up on the introduction of member 1001, member 1002: "
        "no sign yet that they talked (nothing posted: the introduction's buttons stay open)"
    )
    assert ": pending" not in story


def test_follow_up_outcomes_read_as_words() -> None:
    assert follow_up_outcome("interacted") == "they had already talked"
    assert follow_up_outcome("not_yet") == "they have not talked yet"
    assert follow_up_outcome("something_new") == "something new"
