"""Plain Discord situations, as a new member would meet them: what must be a question, what
answers or settles it, and who helped whom."""

from __future__ import annotations

from datetime import timedelta

from bot.conversation.events import MessageEdited, ThreadCreated
from tests.core.conv_helpers import CHANNEL, GUILD, Chat

ALICE, BOB, CAROL = 1, 2, 3


def test_a_plain_answer_two_minutes_later_in_a_quiet_channel_answers() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I reset my router password?")
    answer = chat.send(BOB, "hold the reset button on the back for 30 seconds", seconds=120)
    state = chat.question(q)
    assert state is not None and state.status != "open"
    assert state.first_response_message_id == answer
    assert (ALICE, "inferred") in chat.targets(answer)


def test_detail_lines_belong_to_the_question_they_follow() -> None:
    chat = Chat()
    q = chat.send(ALICE, "anyone know why docker build fails with exit code 137?")
    chat.send(ALICE, "I'm on ubuntu 22.04", seconds=15)
    chat.send(ALICE, "the machine has 8gb of ram", seconds=15)
    chat.send(ALICE, "it dies during the npm install step", seconds=20)
    answer = chat.send(BOB, "137 means it ran out of memory, raise the docker memory limit", seconds=60)
    state = chat.question(q)
    assert state is not None and state.status != "open"
    assert state.first_response_message_id == answer
    assert len([f for f in chat.engine.open_questions(GUILD)]) == 0


def test_two_questions_a_minute_apart_are_two_questions() -> None:
    chat = Chat()
    first = chat.send(ALICE, "how do I install python on windows?")
    second = chat.send(ALICE, "also, which editor would you recommend for rust?", seconds=60)
    assert chat.question(first) is not None and chat.question(second) is not None
    reply = chat.send(BOB, "grab the installer from python.org", seconds=30, reference_message_id=first,
                      reference_author_id=ALICE)
    assert chat.question(first).status != "open"  # type: ignore[union-attr]
    assert chat.question(second).status == "open"  # type: ignore[union-attr]
    assert (ALICE, "reply") in chat.targets(reply)


def test_the_asker_saying_it_is_fixed_settles_the_question() -> None:
    chat = Chat()
    q = chat.send(ALICE, "why does my bot not respond to slash commands?")
    chat.send(ALICE, "nvm, fixed it, I had not synced the command tree", seconds=300)
    state = chat.question(q)
    assert state is not None and state.status == "resolved"


def test_an_edit_to_solved_settles_the_question() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how can I make my docker container restart on boot?")
    chat.feed(MessageEdited(GUILD, CHANNEL, q, chat.at + timedelta(minutes=5),
                            "EDIT: solved - how can I make my docker container restart on boot?"))
    state = chat.question(q)
    assert state is not None and state.status == "resolved"


def test_thanks_anyway_after_no_idea_does_not_resolve() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I flash the bios on an msi b450 board?")
    chat.send(BOB, "no idea, sorry", seconds=60)
    chat.send(ALICE, "ok thanks anyway", seconds=30)
    state = chat.question(q)
    assert state is not None and state.status != "resolved"


def test_social_and_rhetorical_questions_are_not_help_questions() -> None:
    chat = Chat()
    for line in ("how are you all doing?", "anyone up for games tonight?", "lol what?", "isn't it a lovely day?"):
        mid = chat.send(ALICE, line, seconds=600)
        assert chat.question(mid) is None, line


def test_questions_that_start_with_a_group_mention_or_come_as_a_reply_are_tracked() -> None:
    chat = Chat()
    here = chat.send(ALICE, "@here how do I get my webhook to post embeds?")
    role = chat.send(CAROL, "<@&4242> can someone explain why my build fails on arm64?", seconds=600)
    said = chat.send(BOB, "you can deploy it with docker compose", seconds=600)
    replied = chat.send(ALICE, "how do I get compose to use my .env file though?", seconds=30,
                        reference_message_id=said, reference_author_id=BOB)
    for mid in (here, role, replied):
        assert chat.question(mid) is not None, mid


def test_bot_commands_are_not_questions() -> None:
    chat = Chat()
    for line in ("?tag venv", "!help how do I use this?", "$play what is love?", ";;ask what is a venv?"):
        mid = chat.send(ALICE, line, seconds=600)
        assert chat.question(mid) is None, line


def test_a_question_with_a_full_width_question_mark_is_a_question() -> None:
    chat = Chat()
    q = chat.send(ALICE, "パスワードをリセットするにはどうすればいいですか？")
    assert chat.question(q) is not None


def test_thanks_in_other_languages_resolves() -> None:
    for thanks in ("gracias!", "merci beaucoup", "danke dir", "obrigado", "arigato"):
        chat = Chat()
        q = chat.send(ALICE, "how do I change my nickname on this server?")
        chat.send(BOB, "server settings > edit server profile", seconds=60, reference_message_id=q,
                  reference_author_id=ALICE)
        chat.send(ALICE, thanks, seconds=30)
        state = chat.question(q)
        assert state is not None and state.status == "resolved", thanks


def test_a_thread_a_helper_starts_on_a_question_belongs_to_the_asker() -> None:
    chat = Chat()
    q = chat.send(ALICE, "why does my raspberry pi keep rebooting?")
    # Bob opens a thread from Alice's message: Discord gives the thread the message's id
    chat.feed(ThreadCreated(GUILD, q, CHANNEL, BOB, "pi reboots", chat.at + timedelta(seconds=30)))
    inside = chat.send(BOB, "sounds like the power supply, which one do you use?", seconds=30,
                       channel_id=q, channel_kind="thread", parent_channel_id=CHANNEL, thread_owner_id=BOB)
    assert (ALICE, "thread") in chat.targets(inside)
    state = chat.question(q)
    assert state is not None and state.status != "open" and state.first_response_message_id == inside
