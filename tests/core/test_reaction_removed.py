"""Taking back the ✅ that resolved a question puts it back to answered."""

from datetime import timedelta

from bot.conversation.engine import Engine
from bot.conversation.events import ReactionAdded, ReactionRemoved
from tests.core.conv_helpers import CHANNEL, GUILD, Chat

ALICE, BOB, CAROL = 1, 2, 3


def _react(chat: Chat, cls: type, message_id: int, user_id: int, emoji: str) -> None:
    at = chat.at + timedelta(seconds=5)
    chat.at = at
    extra = {"message_author_id": None} if cls is ReactionAdded else {}
    chat.feed(cls(guild_id=GUILD, channel_id=CHANNEL, message_id=message_id, user_id=user_id, emoji=emoji,
                  at=at, **extra))


def _ticked() -> tuple[Chat, int, int]:
    chat = Chat()
    q = chat.send(ALICE, "how do I list the packages I have installed?")
    answer = chat.send(BOB, "<@1> dpkg -l", mentions=(ALICE,))
    _react(chat, ReactionAdded, answer, ALICE, "✅")
    fact = chat.question(q)
    assert fact is not None and fact.status == "resolved" and fact.resolved_by == ALICE
    return chat, q, answer


def test_the_asker_taking_back_the_tick_reopens_the_question_as_answered() -> None:
    chat, q, answer = _ticked()
    _react(chat, ReactionRemoved, answer, ALICE, "✅")
    fact = chat.question(q)
    assert fact is not None and fact.status == "answered"
    assert fact.resolved_by is None and fact.resolved_at is None
    assert fact.first_response_message_id == answer  # the answer stays an answer
    _react(chat, ReactionAdded, answer, ALICE, "✅")  # ticked again: resolved again
    fact = chat.question(q)
    assert fact is not None and fact.status == "resolved"


def test_other_reactions_and_other_members_change_nothing() -> None:
    chat, q, answer = _ticked()
    _react(chat, ReactionRemoved, answer, ALICE, "👍")
    _react(chat, ReactionRemoved, answer, CAROL, "✅")
    _react(chat, ReactionRemoved, q, ALICE, "✅")
    fact = chat.question(q)
    assert fact is not None and fact.status == "resolved"


def test_a_question_resolved_by_thanks_stays_resolved_when_a_tick_is_taken_back() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I list the packages I have installed?")
    answer = chat.send(BOB, "<@1> dpkg -l", mentions=(ALICE,))
    chat.send(ALICE, "<@2> thanks, that worked", mentions=(BOB,))
    assert (fact := chat.question(q)) is not None and fact.status == "resolved"
    _react(chat, ReactionAdded, answer, ALICE, "✅")
    _react(chat, ReactionRemoved, answer, ALICE, "✅")
    fact = chat.question(q)
    assert fact is not None and fact.status == "resolved"


def test_a_tick_taken_back_after_a_restart_still_reopens_the_question() -> None:
    chat, q, answer = _ticked()
    stored = chat.question(q)
    assert stored is not None and stored.resolved_on == answer
    chat.engine = Engine(chat.clock)  # a restart: only what was stored comes back
    chat.engine.restore([stored])
    _react(chat, ReactionRemoved, answer, ALICE, "✅")
    fact = chat.question(q)
    assert fact is not None and fact.status == "answered" and fact.resolved_on is None
