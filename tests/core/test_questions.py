from datetime import UTC, datetime, timedelta

from bot.conversation.questions import QuestionState, looks_like_question

T0 = datetime(2025, 1, 6, 12, tzinfo=UTC)


def test_help_channel_takes_error_pastes_and_pleas() -> None:
    paste = "```\nTraceback (most recent call last):\n  File x\nValueError: boom\n```"
    assert looks_like_question(paste, help_channel=True)
    assert not looks_like_question(paste, help_channel=False)
    assert looks_like_question("my sound stopped working after the update", help_channel=True)
    assert not looks_like_question("thanks!", help_channel=True)


def test_open_answered_resolved() -> None:
    q = QuestionState(1, 2, 10, asker_id=100, asked_at=T0)
    assert q.to_fact().status == "open"
    assert not q.add_response(11, 100, T0 + timedelta(seconds=5))  # the asker is not a responder
    assert q.add_response(12, 200, T0 + timedelta(seconds=30))
    assert q.add_response(13, 300, T0 + timedelta(seconds=60))
    assert not q.add_response(14, 200, T0 + timedelta(seconds=90))
    fact = q.to_fact()
    assert fact.status == "answered"
    assert fact.first_response_message_id == 12
    assert fact.first_response_at == T0 + timedelta(seconds=30)
    assert fact.responder_ids == (200, 300)
    assert q.resolve(100, T0 + timedelta(minutes=5))
    assert not q.resolve(100, T0 + timedelta(minutes=6))
    fact = q.to_fact()
    assert (fact.status, fact.resolved_by, fact.resolved_at) == ("resolved", 100, T0 + timedelta(minutes=5))


def test_fact_round_trip() -> None:
    q = QuestionState(1, 2, 10, 100, T0, snippet="s", topics=("a",), parent_channel_id=3, source="forum")
    q.add_response(12, 200, T0)
    again = QuestionState.from_fact(q.to_fact())
    assert again.to_fact() == q.to_fact()
