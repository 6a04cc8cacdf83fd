"""A member's message that responds to no one carries on their own last line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.conversation.continuations import LOOK_BACK, WITHIN, Continuations, Line

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
ALICE, BOB, BOT = 1, 2, 9


def line(mid: int, author: int, seconds: float, *, channel: int = 10, responds: bool = False, bot: bool = False) -> Line:
    return Line(mid, channel, author, T0 + timedelta(seconds=seconds), is_bot=bot, responds=responds)


def read(lines: list[Line]) -> dict[int, int]:
    joined = Continuations()
    return {ln.message_id: p for ln in lines if (p := joined.continues(ln)) is not None}


def test_detail_lines_join_the_question_they_follow() -> None:
    lines = [line(1, ALICE, 0), line(2, ALICE, 20), line(3, BOB, 30), line(4, ALICE, 60)]
    assert read(lines) == {2: 1, 4: 2}  # Bob's line in between does not break Alice's thread


def test_a_message_that_answers_someone_is_not_a_continuation() -> None:
    lines = [line(1, ALICE, 0), line(2, BOB, 10), line(3, ALICE, 20, responds=True)]
    assert read(lines) == {}


def test_too_old_or_too_far_back_is_not_joined() -> None:
    late = WITHIN.total_seconds() + 1
    assert read([line(1, ALICE, 0), line(2, ALICE, late)]) == {}
    crowd = [line(1, ALICE, 0)] + [line(10 + i, BOB + 1 + i, 1 + i) for i in range(LOOK_BACK)]
    assert read([*crowd, line(2, ALICE, 30)]) == {}


def test_channels_are_read_apart_and_bots_continue_nothing() -> None:
    lines = [line(1, ALICE, 0, channel=10), line(2, ALICE, 5, channel=11), line(3, BOT, 6, bot=True), line(4, BOT, 7, bot=True)]
    assert read(lines) == {}
