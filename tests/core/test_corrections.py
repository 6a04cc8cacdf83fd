"""A typed-name correction ("sorry alice, nettop") re-addresses the author's previous line."""

from tests.core.conv_helpers import Chat

ALICE, BOB, CAROL = 1, 2, 3


def _asked(chat: Chat) -> int:
    chat.send(CAROL, "is the 2.6.9 kernel out for hoary yet?", author_name="carol")
    return chat.send(ALICE, "what was that web network monitor called, the one with graphs?", author_name="alice")


def test_a_correction_gives_the_previous_line_to_the_named_member_and_answers_their_question() -> None:
    chat = Chat()
    q = _asked(chat)
    wrong = chat.send(BOB, "<@3> nettop?", mentions=(CAROL,), author_name="bob")
    fact = chat.question(q)
    assert fact is not None and fact.status == "open"

    fix = chat.send(BOB, "sorry alice, nettop", author_name="bob")
    assert chat.targets(fix) == {(ALICE, "inferred")}
    late = [f for f in chat.interactions() if f.message_id == wrong and f.target_user_id == ALICE]
    assert [(f.source_user_id, f.kind, f.at < chat.at) for f in late] == [(BOB, "inferred", True)]
    fact = chat.question(q)
    assert fact is not None and fact.status == "answered"
    assert fact.first_response_message_id == wrong and fact.responder_ids == (BOB,)


def test_sorry_without_a_name_or_after_an_unaddressed_line_changes_nothing() -> None:
    chat = Chat()
    q = _asked(chat)
    line = chat.send(BOB, "<@3> nettop?", mentions=(CAROL,), author_name="bob")
    chat.send(BOB, "sorry, wrong window", author_name="bob")
    assert [f.target_user_id for f in chat.interactions() if f.message_id == line] == [CAROL]
    fact = chat.question(q)
    assert fact is not None and fact.status == "open"

    plain = chat.send(BOB, "ntop maybe", author_name="bob")
    chat.send(BOB, "sorry alice ntop", author_name="bob")  # the previous line addressed nobody
    assert not [f for f in chat.interactions() if f.message_id == plain and f.target_user_id == ALICE]
    old = chat.send(BOB, "<@3> iftop?", mentions=(CAROL,), author_name="bob")
    chat.send(BOB, "sorry alice, iftop", author_name="bob", seconds=400)  # too late to be a correction
    assert not [f for f in chat.interactions() if f.message_id == old and f.target_user_id == ALICE]
