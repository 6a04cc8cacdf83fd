"""Where a question starts: the asker's own lines just before the question mark."""

from datetime import timedelta

from bot.conversation import text
from bot.conversation.events import MessageCreated
from bot.conversation.facts import MessageFact
from tests.core.conv_helpers import CHANNEL, GUILD, T0, Chat

ALICE, BOB = 1, 2


def test_a_question_pointing_back_at_the_askers_statement_starts_at_the_statement() -> None:
    chat = Chat()
    statement = chat.send(ALICE, "Hi, I have a problem with fail2ban, it does not put the IP in jail")
    follow = chat.send(ALICE, "who can help me on this?", seconds=20)
    assert chat.question(follow) is None
    fact = chat.question(statement)
    assert fact is not None and fact.status == "open" and fact.asker_id == ALICE
    assert fact.snippet == "who can help me on this?"
    marked = [f.message_id for f in chat.facts if isinstance(f, MessageFact) and f.is_question]
    assert marked == [statement]
    answer = chat.send(BOB, "<@1> did you enable the jails?", mentions=(ALICE,), seconds=30)
    fact = chat.question(statement)
    assert fact is not None and fact.status == "answered" and fact.first_response_message_id == answer


def test_a_greeting_is_not_where_the_question_starts() -> None:
    chat = Chat()
    chat.send(ALICE, "hi all")
    q = chat.send(ALICE, "how would I mount that usb drive?", seconds=10)
    assert chat.question(q) is not None


def test_a_question_with_a_new_topic_of_its_own_starts_a_new_question() -> None:
    chat = Chat()
    statement = chat.send(ALICE, "I think its grub")
    q = chat.send(ALICE, "anyone using beagle here?", seconds=60)
    assert chat.question(statement) is None
    assert chat.question(q) is not None


def test_the_run_is_only_a_few_minutes_long() -> None:
    chat = Chat()
    chat.send(ALICE, "my wifi drops every few minutes")
    q = chat.send(ALICE, "how do I fix this?", seconds=600)
    assert chat.question(q) is not None


def test_greetings_and_pointing_back() -> None:
    assert text.is_greeting("hello everyone!") and text.is_greeting("@bob hi there")
    assert not text.is_greeting("hi, my sound stopped working after the upgrade")
    assert text.refers_back("how would i do that?") and text.refers_back("anyone seen this before")
    assert not text.refers_back("anyone using beagle here?")



def test_messages_handled_twice_do_not_loop() -> None:
    # a second backfill hands the engine messages it has already seen
    chat = Chat()
    first = chat.send(ALICE, "my wifi drops every few minutes")
    second = chat.send(ALICE, "it started after the update", seconds=20)
    again = [
        MessageCreated(guild_id=GUILD, channel_id=CHANNEL, message_id=mid, author_id=ALICE,
                       created_at=T0 + timedelta(seconds=s), content=c)
        for mid, s, c in ((first, 10, "my wifi drops every few minutes"), (second, 30, "it started after the update"))
    ]
    for event in again:
        chat.feed(event)
    q = chat.send(ALICE, "how do I fix this?", seconds=20)
    assert chat.question(q) is None
    fact = chat.question(first)
    assert fact is not None and fact.status == "open"
