"""An asker's line right after their own unanswered question stays in that question, even when the
link scorer reads it as a response to someone else."""

from bot.conversation.engine import Engine
from bot.conversation.flow import FlowParams
from tests.core.conv_helpers import Chat

ALICE, BOB, CAROL = 1, 2, 3


def _run(params: FlowParams | None = None) -> tuple[Chat, int, int, int]:
    chat = Chat()
    if params is not None:
        chat.engine = Engine(chat.clock, params=params)
    chat.send(ALICE, "my apt is broken again", author_name="alice")
    chat.send(BOB, "<@1> did the upgrade finish?", mentions=(ALICE,), author_name="bob")
    q = chat.send(ALICE, "how do I list the files that are inside a deb package file?", author_name="alice")
    follow = chat.send(ALICE, "the package is not installed yet", seconds=15, author_name="alice")
    answer = chat.send(CAROL, "<@1> dpkg -c file.deb", mentions=(ALICE,), seconds=30, author_name="carol")
    return chat, q, follow, answer


def test_an_answer_to_the_askers_next_line_answers_their_question() -> None:
    chat, q, follow, answer = _run()
    assert chat.targets(follow) == {(BOB, "inferred")}  # the scorer still links it to bob
    fact = chat.question(q)
    assert fact is not None and fact.status == "answered" and fact.first_response_message_id == answer


def test_without_the_rule_the_line_leaves_the_question_and_it_stays_open() -> None:
    chat, q, follow, _answer = _run(FlowParams(keep_own_question=False, reply_reading="off"))
    assert chat.targets(follow) == {(BOB, "inferred")}
    fact = chat.question(q)
    assert fact is not None and fact.status == "open"
