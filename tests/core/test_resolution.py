"""Resolution from signals outside the linked conversation: an acknowledgement reveals the answer."""

from bot.conversation.facts import InteractionFact
from tests.core.conv_helpers import Chat

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4


def _busy_channel_with_a_question(chat: Chat) -> int:
    chat.send(CAROL, "anyone tried the new kernel on a thinkpad?")
    chat.send(DAVE, "<@3> works fine here", mentions=(CAROL,))
    q = chat.send(ALICE, "how do I get apt to list the packages I have installed?")
    chat.send(CAROL, "<@4> even suspend?", mentions=(DAVE,), seconds=5)
    chat.send(DAVE, "<@3> yes even suspend", mentions=(CAROL,), seconds=5)
    return q


def test_the_askers_acknowledgement_reveals_the_unlinked_answer() -> None:
    chat = Chat()
    q = _busy_channel_with_a_question(chat)
    answer = chat.send(BOB, "dpkg -l", seconds=20, author_name="bob")
    fact = chat.question(q)
    assert chat.targets(answer) == set() and fact is not None and fact.status == "open"

    ack = chat.send(ALICE, "that did it, thanks bob", seconds=30)
    assert chat.targets(ack) == {(BOB, "inferred")}
    late = [f for f in chat.interactions() if f.message_id == answer]
    assert [(f.source_user_id, f.target_user_id, f.target_message_id, f.kind) for f in late] == [
        (BOB, ALICE, q, "inferred")
    ]
    assert late[0].at < chat.at  # dated when the answer was posted
    fact = chat.question(q)
    assert fact is not None and fact.status == "resolved"
    assert fact.first_response_message_id == answer and fact.responder_ids == (BOB,)


def test_an_acknowledgement_does_not_touch_an_already_answered_question() -> None:
    chat = Chat()
    q = _busy_channel_with_a_question(chat)
    first = chat.send(CAROL, "<@1> dpkg --get-selections", mentions=(ALICE,), seconds=10)
    line = chat.send(BOB, "dpkg -l", seconds=20, author_name="bob")
    chat.send(ALICE, "ok thanks bob", seconds=30)
    fact = chat.question(q)
    assert fact is not None and fact.first_response_message_id == first
    assert not [f for f in chat.interactions() if f.message_id == line and f.target_user_id == ALICE]


def test_a_line_the_helper_addressed_to_someone_else_is_not_taken_as_the_answer() -> None:
    chat = Chat()
    q = _busy_channel_with_a_question(chat)
    chat.send(BOB, "<@3> suspend broke for me", mentions=(CAROL,), seconds=20, author_name="bob")
    chat.send(ALICE, "ok bob", seconds=30)
    fact = chat.question(q)
    assert fact is not None and fact.status == "open"
    assert not [f for f in chat.interactions() if isinstance(f, InteractionFact) and f.target_user_id == ALICE]
