"""Discord-native conversations: the explicit signals must be read exactly right."""

from datetime import timedelta
from typing import Any

from bot.conversation.events import ReactionAdded, ThreadCreated
from tests.core.conv_helpers import CHANNEL, GUILD, Chat

ALICE, BOB, CAROL, DAVE, BOT = 1, 2, 3, 4, 99


def test_reply_reference_targets_the_referenced_author() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I mount an nfs share on boot?")
    chat.send(CAROL, "unrelated chatter about lunch")
    a = chat.send(BOB, "add it to fstab with _netdev", reference_message_id=q, reference_author_id=ALICE)
    assert chat.targets(a) == {(ALICE, "reply")}
    reply = next(f for f in chat.interactions() if f.message_id == a)
    assert reply.target_message_id == q and reply.source_user_id == BOB


def test_reply_to_an_unknown_message_uses_the_given_author() -> None:
    chat = Chat()
    a = chat.send(BOB, "that is in the wiki", reference_message_id=5, reference_author_id=ALICE)
    assert chat.targets(a) == {(ALICE, "reply")}


def test_reply_plus_extra_mention_gives_both() -> None:
    chat = Chat()
    q = chat.send(ALICE, "why does my fan spin all the time?")
    a = chat.send(BOB, "<@3> knows this one", reference_message_id=q, reference_author_id=ALICE, mentions=(CAROL,))
    assert chat.targets(a) == {(ALICE, "reply"), (CAROL, "mention")}


def test_self_reply_is_not_an_interaction() -> None:
    chat = Chat()
    m = chat.send(ALICE, "my laptop will not suspend")
    again = chat.send(ALICE, "also the lid switch does nothing", reference_message_id=m, reference_author_id=ALICE)
    assert chat.targets(again) == set()


def test_mentions_target_every_mentioned_member_but_not_self() -> None:
    chat = Chat()
    chat.send(ALICE, "hello")
    chat.send(BOB, "hi")
    m = chat.send(CAROL, "<@1> <@2> <@3> meeting now", mentions=(ALICE, BOB, CAROL))
    assert chat.targets(m) == {(ALICE, "mention"), (BOB, "mention")}


def test_thread_messages_respond_to_the_owner_unless_addressing_someone_else() -> None:
    chat = Chat()
    chat.feed(ThreadCreated(GUILD, 500, CHANNEL, ALICE, "grub help", chat.at))
    kw: dict[str, Any] = {"channel_id": 500, "channel_kind": "thread", "parent_channel_id": CHANNEL, "thread_owner_id": ALICE}
    own = chat.send(ALICE, "grub shows a rescue prompt after the update", **kw)
    b = chat.send(BOB, "boot a live usb and reinstall grub", **kw)
    c = chat.send(CAROL, "<@2> you need to chroot first", mentions=(BOB,), **kw)
    d = chat.send(DAVE, "same thing happened to me", **kw)
    assert chat.targets(own) == set()
    assert chat.targets(b) == {(ALICE, "thread")}
    assert chat.targets(c) == {(BOB, "mention")}
    assert chat.targets(d) == {(ALICE, "thread")}


def test_forum_post_starter_is_a_question_and_replies_answer_it() -> None:
    chat = Chat()
    kw: dict[str, Any] = {"channel_id": 600, "channel_kind": "forum_post", "parent_channel_id": 60, "thread_owner_id": ALICE}
    chat.feed(ThreadCreated(GUILD, 600, 60, ALICE, "Printer offline", chat.at, is_forum_post=True))
    starter = chat.send(ALICE, "My printer shows offline after upgrading", is_thread_starter=True, **kw)
    q = chat.question(starter)
    assert q is not None and q.source == "forum" and q.status == "open"
    b = chat.send(BOB, "reinstall the cups driver", **kw)
    assert chat.targets(b) == {(ALICE, "thread")}
    answered = chat.question(starter)
    assert answered is not None and answered.status == "answered"
    assert answered.first_response_message_id == b and answered.responder_ids == (BOB,)


def test_reactions_are_interactions_and_asker_check_resolves() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how can I make the dock autohide?")
    a = chat.send(BOB, "<@1> settings, appearance, autohide", mentions=(ALICE,))
    assert chat.question(q).status == "answered"  # type: ignore[union-attr]
    chat.feed(ReactionAdded(GUILD, CHANNEL, a, CAROL, "👍", chat.at + timedelta(seconds=3), message_author_id=BOB))
    assert (BOB, "reaction") in {(f.target_user_id, f.kind) for f in chat.interactions() if f.source_user_id == CAROL}
    chat.feed(ReactionAdded(GUILD, CHANNEL, a, ALICE, "✅", chat.at + timedelta(seconds=5)))
    q_fact = chat.question(q)
    assert q_fact is not None and q_fact.status == "resolved" and q_fact.resolved_by == ALICE


def test_reactions_by_bots_or_on_own_message_are_not_interactions() -> None:
    chat = Chat()
    m = chat.send(ALICE, "release notes are out")
    chat.feed(ReactionAdded(GUILD, CHANNEL, m, BOT, "👍", chat.at, user_is_bot=True))
    chat.feed(ReactionAdded(GUILD, CHANNEL, m, ALICE, "👍", chat.at))
    assert chat.interactions() == []


def test_bots_are_never_sources_or_targets() -> None:
    chat = Chat()
    q = chat.send(ALICE, "what is the factoid for wifi?")
    b = chat.send(BOT, "<@1> see the wifi docs", author_is_bot=True, mentions=(ALICE,))
    r = chat.send(ALICE, "thanks bot", reference_message_id=b, reference_author_id=BOT)
    assert chat.targets(b) == set() and chat.targets(r) == set()
    assert chat.question(q).status == "open"  # type: ignore[union-attr]


def test_unaddressed_answer_goes_to_whoever_addressed_the_author() -> None:
    chat = Chat()
    q = chat.send(ALICE, "which version of mesa do I need for this card?")
    b = chat.send(BOB, "<@1> do you use the proprietary driver?", mentions=(ALICE,))
    a = chat.send(ALICE, "no, the open one")
    t = chat.send(ALICE, "thanks")
    assert chat.targets(b) == {(ALICE, "mention")}
    assert chat.targets(a) == {(BOB, "inferred")}
    assert chat.targets(t) == {(BOB, "inferred")}  # thanks go back to whoever just helped
    assert chat.question(q).status == "resolved"  # type: ignore[union-attr]


def test_typed_name_addresses_a_recent_participant() -> None:
    chat = Chat()
    chat.send(BOB, "anyone around who knows btrfs?", author_name="Bob^")
    m = chat.send(CAROL, "bob: ask away", author_name="carol")
    assert chat.targets(m) == {(BOB, "inferred")}


def test_a_typed_name_with_one_typo_still_addresses_that_member() -> None:
    chat = Chat()
    chat.send(BOB, "which desktop is lighter than unity?", author_name="Gremuchnik")
    chat.send(ALICE, "ubuntu 11.10 here", author_name="alice")
    m = chat.send(CAROL, "gremuchink although I cant answer that, lxde is light", author_name="carol")
    e = chat.send(CAROL, "try LXDE Gremuchnik :-)", author_name="carol")
    assert chat.targets(m) == {(BOB, "inferred")}  # two letters swapped
    assert chat.targets(e) == {(BOB, "inferred")}  # the emoticon after the name is passed over


def test_a_name_after_a_preposition_is_a_thing_not_an_address() -> None:
    chat = Chat()
    chat.send(BOB, "hi all", author_name="Ubuntu")
    chat.send(ALICE, "my radeon is slow since the upgrade", author_name="alice")
    m = chat.send(CAROL, "and my nvidia works fine in ubuntu", author_name="carol", seconds=400)
    n = chat.send(CAROL, "welcome ubuntu", author_name="carol", seconds=5)
    assert (BOB, "inferred") not in chat.targets(m)  # "in ubuntu" names the system, not the member
    assert chat.targets(n) == {(BOB, "inferred")}


def test_a_misspelt_name_that_fits_two_members_addresses_neither() -> None:
    chat = Chat()
    chat.send(BOB, "my sound is gone after the upgrade", author_name="marco")
    chat.send(ALICE, "mine too, on a thinkpad", author_name="marci")
    m = chat.send(CAROL, "marcu: check alsamixer, the master channel is muted", author_name="carol", seconds=400)
    assert chat.targets(m) == set()  # one letter off both names: not a typed name
    short = chat.send(CAROL, "bib: and pavucontrol too", author_name="carol", seconds=400)
    assert chat.targets(short) == set()  # names under five letters must match exactly


def test_a_greeting_returned_is_an_interaction_that_answers_nothing() -> None:
    chat = Chat()
    hello = chat.send(ALICE, "hello my friends")
    back = chat.send(BOB, "hi", seconds=20)
    room = chat.send(CAROL, "hi all", seconds=20)
    to_room = chat.send(DAVE, "hello!", seconds=5)
    q = chat.send(ALICE, "how do I mount an nfs share at boot?", seconds=30)
    assert chat.targets(back) == {(ALICE, "inferred")}
    assert [f.target_message_id for f in chat.interactions() if f.message_id == back] == [hello]
    assert chat.targets(room) == set()  # "hi all" greets the room, not the last greeter
    assert chat.targets(to_room) == {(CAROL, "inferred")}
    assert chat.question(q).status == "open"  # type: ignore[union-attr]


def test_yes_to_a_yes_no_question_answers_it() -> None:
    chat = Chat()
    chat.send(CAROL, "my wifi drops every few minutes on the new kernel")
    q = chat.send(ALICE, "can you use rsync with a windows machine?", seconds=30)
    a = chat.send(BOB, "sure", seconds=20)
    assert chat.targets(a) == {(ALICE, "inferred")}
    assert chat.question(q).status == "answered"  # type: ignore[union-attr]
    wh = chat.send(ALICE, "which flags do I need for that?", seconds=30)
    no = chat.send(DAVE, "no", seconds=20)
    assert (ALICE, "inferred") not in chat.targets(no)  # "no" does not answer a wh-question
    assert chat.question(wh).status == "open"  # type: ignore[union-attr]


def test_a_verdict_on_a_statement_responds_to_it_without_starting_an_exchange() -> None:
    chat = Chat()
    chat.send(ALICE, "it's closer to the ubuntu way anyway", seconds=10)
    v = chat.send(BOB, "True", seconds=20)
    right_click = chat.send(CAROL, "right-click the panel and pick add", seconds=200)
    assert chat.targets(v) == {(ALICE, "inferred")}
    assert chat.targets(right_click) == set()  # "right-click" is no verdict on the line before
    chat.send(ALICE, "pu pu pu", seconds=30)
    huh = chat.send(DAVE, "what was that for?", seconds=10)
    assert chat.targets(huh) == {(ALICE, "inferred")}
    assert chat.question(huh) is None  # asks the member what they meant: no question for helpers


def test_a_new_speaker_is_not_glued_to_the_previous_one() -> None:
    chat = Chat()
    chat.send(ALICE, "ubuntu is so great")
    m = chat.send(BOB, "my wifi drops every few minutes on the new kernel", seconds=20)
    assert chat.targets(m) == set()


def test_one_reaction_interaction_per_member_and_message_whatever_the_emoji() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I get the first layer to stick?")
    a = chat.send(BOB, "level again and clean the bed with IPA", reference_message_id=q, reference_author_id=ALICE)
    chat.feed(ReactionAdded(GUILD, CHANNEL, a, ALICE, "👍", chat.at + timedelta(seconds=3), message_author_id=BOB))
    chat.feed(ReactionAdded(GUILD, CHANNEL, a, ALICE, "✅", chat.at + timedelta(seconds=4), message_author_id=BOB))
    chat.feed(ReactionAdded(GUILD, CHANNEL, a, CAROL, "✅", chat.at + timedelta(seconds=5), message_author_id=BOB))
    reactions = [(f.source_user_id, f.target_user_id) for f in chat.interactions() if f.kind == "reaction"]
    assert reactions == [(ALICE, BOB), (CAROL, BOB)]
    state = chat.question(q)
    assert state is not None and state.status == "resolved"  # the second emoji still resolves


def test_a_thread_started_from_a_question_keeps_the_question_as_its_root() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I make a systemd service restart on failure?")
    kw: dict[str, Any] = {"channel_id": q, "channel_kind": "thread", "parent_channel_id": CHANNEL, "thread_owner_id": ALICE}
    follow = chat.send(ALICE, "hmm where exactly do I put that?", is_thread_starter=True, **kw)
    answer = chat.send(BOB, "Restart=on-failure in the unit file", **kw)
    thread_links = [f for f in chat.interactions() if f.message_id == answer]
    assert [(f.target_user_id, f.target_message_id, f.kind) for f in thread_links] == [(ALICE, q, "thread")]
    assert chat.question(follow) is None  # the owner's first line in the thread follows up the question
    state = chat.question(q)
    assert state is not None and state.status == "answered" and state.first_response_message_id == answer


def test_the_askers_check_mark_on_an_answer_nobody_linked_resolves_the_question() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I sidechain the bass in ableton?")
    chat.send(CAROL, "good morning everyone", seconds=900)
    late = chat.send(BOB, "put a compressor on the bass keyed from the kick", seconds=1800)
    assert chat.question(q).status == "open"  # type: ignore[union-attr]
    chat.feed(ReactionAdded(GUILD, CHANNEL, late, ALICE, "✅", chat.at + timedelta(seconds=60), message_author_id=BOB))
    state = chat.question(q)
    assert state is not None and state.status == "resolved" and state.first_response_message_id == late
    assert state.responder_ids == (BOB,)


def test_thanks_by_mention_credits_the_helper_with_the_askers_question() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I find what is filling my disk?")
    chat.send(CAROL, "coffee time", seconds=1200)
    tip = chat.send(BOB, "ncdu / is the quickest way", seconds=1500)
    chat.send(ALICE, "<@2> thanks, that was it", mentions=(BOB,), seconds=60)
    state = chat.question(q)
    assert state is not None and state.status == "resolved" and state.first_response_message_id == tip


def test_a_forum_post_owner_thanking_nobody_in_particular_resolves_the_post() -> None:
    chat = Chat()
    kw: dict[str, Any] = {"channel_id": 600, "channel_kind": "forum_post", "parent_channel_id": 60, "thread_owner_id": ALICE}
    starter = chat.send(ALICE, "I'm trying to fix stringing with PETG, what am I missing?", is_thread_starter=True, **kw)
    chat.send(BOB, "dry the filament and lower the nozzle temp", **kw)
    chat.send(ALICE, "thank you so much, fixed it", **kw)
    state = chat.question(starter)
    assert state is not None and state.status == "resolved" and state.resolved_by == ALICE


def test_a_full_question_soon_after_the_askers_unanswered_one_rephrases_it() -> None:
    chat = Chat()
    q = chat.send(1, "how do I share a folder with the vm?")
    again = chat.send(1, "in virtualbox with win7 as guest, how do I access my ntfs partition from the vm?", seconds=60)
    assert chat.question(again) is None
    answer = chat.send(2, "<@1> shared folders in the vm settings", mentions=(1,), seconds=30)
    fact = chat.question(q)
    assert fact is not None and fact.status == "answered" and fact.first_response_message_id == answer


def test_a_full_question_after_an_answered_one_or_much_later_is_new() -> None:
    chat = Chat()
    q = chat.send(1, "how do I share a folder with the vm?")
    chat.send(2, "<@1> shared folders in the vm settings", mentions=(1,), seconds=30)
    new = chat.send(1, "and how do I make my usb stick show up inside the windows guest as well?", seconds=60)
    assert chat.question(new) is not None and chat.question(q) is not None
    later = Chat()
    later.send(1, "how do I share a folder with the vm?")
    again = later.send(1, "in virtualbox with win7 as guest, how do I access my ntfs partition?", seconds=600)
    assert later.question(again) is not None


def test_a_second_person_question_in_an_exchange_asks_the_partner() -> None:
    chat = Chat()
    q = chat.send(1, "my ipod does not show up in rhythmbox, how do I fix it?")
    helper = chat.send(2, "<@1> plug it in and run dmesg", mentions=(1,), seconds=20)
    chat.send(3, "anyone know a good irc client?", seconds=5)
    ask = chat.send(1, "are u trying to make me mount it via wifi?", seconds=20)
    assert chat.targets(ask) == {(2, "inferred")}
    assert chat.question(ask) is None
    fact = chat.question(q)
    assert fact is not None and fact.first_response_message_id == helper


def test_a_second_person_question_without_an_exchange_is_a_question() -> None:
    chat = Chat()
    chat.send(2, "the new kernel is out")
    ask = chat.send(1, "have you tried the new kernel on a thinkpad?", seconds=20)
    assert chat.question(ask) is not None
