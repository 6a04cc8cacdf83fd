"""The restraint figures of a replay: what counts as a post, a ping, an unneeded nudge."""

from __future__ import annotations

from typing import Any

from bot.cli.demo_story import tell
from bot.cli.restraint import percentile, restraint


def action(kind: str, at: str, targets: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "at": at, "channel_id": "9", "targets": targets or [], **extra}


def question(qid: str, asked: str, first_response: str | None, responders: list[str]) -> dict[str, Any]:
    return {
        "kind": "question", "at": asked, "question_message_id": qid, "channel_id": "5", "targets": [],
        "first_response_at": first_response, "responder_ids": responders, "status": "open",
    }


RECORDS = [
    # three questions on the board: one post (the board), two edits
    action("help_wanted", "2025-01-06T10:00:00+00:00", question_message_id="1"),
    action("help_wanted", "2025-01-06T11:00:00+00:00", question_message_id="2"),
    action("help_wanted", "2025-01-07T11:00:00+00:00", question_message_id="3"),
    # nudges: one helped (an invitee answered), one was not needed (answered 10 min later by
    # someone else), one came after the answer (read late), one is still open
    action("nudge", "2025-01-06T10:30:00+00:00", ["70"], question_message_id="1"),
    action("nudge", "2025-01-06T11:30:00+00:00", ["71"], question_message_id="2"),
    action("nudge", "2025-01-07T11:30:00+00:00", ["70"], question_message_id="3"),
    action("nudge", "2025-01-08T11:30:00+00:00", ["70"], question_message_id="4"),
    action("still_needed", "2025-01-08T12:00:00+00:00", ["80"], question_message_id="4"),
    action("intro", "2025-01-06T16:00:00+00:00", ["70", "81"]),
    action("intro_follow_up", "2025-01-10T16:00:00+00:00", ["70", "81"], outcome="pending"),
    action("intro_removed", "2025-01-10T16:00:00+00:00", ["82"]),
    action("digest", "2025-01-13T08:00:00+00:00"),
    question("1", "2025-01-06T10:00:00+00:00", "2025-01-06T10:50:00+00:00", ["70"]),
    question("2", "2025-01-06T11:00:00+00:00", "2025-01-06T11:40:00+00:00", ["90"]),
    question("3", "2025-01-07T11:00:00+00:00", "2025-01-07T11:20:00+00:00", ["91"]),
    question("4", "2025-01-08T11:00:00+00:00", None, []),
]


def test_posts_pings_and_unneeded_nudges() -> None:
    figures = restraint(RECORDS, 400, target_minutes=30)
    assert figures.posts_by_kind == {"board": 1, "nudge": 4, "still_needed": 1, "intro": 1, "digest": 1}
    assert figures.posts == 8 and figures.per_100 == 2.0
    assert figures.board_entries == 3
    assert figures.busiest_day == 4  # Mon 6 Jan: the board, two nudges and the introduction
    # member 70 in 2025-W02: nudged on 6, 7 and 8 Jan and introduced on the 6th
    assert figures.by_member_week[(70, "2025-W02")] == 4
    assert figures.pings_max == 4 and figures.pings_p95 == 4
    assert (figures.nudges, figures.nudges_already_answered, figures.nudges_answered_anyway) == (4, 1, 1)
    assert figures.checks_already_answered == 0
    assert (figures.questions, figures.questions_answered) == (4, 3)
    assert figures.as_dict()["posts_per_100_member_messages"] == 2.0


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.95) == 0
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 101)), 0.95) == 95


def test_the_demo_story_says_how_often_hearth_spoke() -> None:
    story = tell(RECORDS, None, "Makers", 400, None, 0.1)
    spoke = story.split("How often Hearth spoke:")[1]
    assert "2.0 posts per 100 member messages (8 posts: 4 helper nudges" in spoke
    assert "3 questions went on the open-questions board" in spoke
    assert "at most 4, 95th percentile 4" in spoke
    assert "1 for a question already answered when sent, 1 answered within the target anyway" in spoke
