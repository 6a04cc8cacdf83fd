"""Engine state: questions through their life, privacy rules, restarts, speed."""

from datetime import timedelta

from bot.conversation.clock import FakeClock
from bot.conversation.engine import Engine, GuildRules
from bot.conversation.events import (
    AnswerMarked,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    QuestionMarked,
    QuestionResolved,
)
from bot.conversation.facts import MemberFact, MessageFact, MessageGone, QuestionFact
from tests.core.conv_helpers import CHANNEL, GUILD, T0, Chat

ALICE, BOB, CAROL = 1, 2, 3


def test_question_answered_then_resolved_by_thanks() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I change the default terminal?")
    a = chat.send(BOB, "<@1> update-alternatives --config x-terminal-emulator", mentions=(ALICE,))
    fact = chat.question(q)
    assert fact is not None and fact.status == "answered"
    assert fact.first_response_message_id == a and fact.responder_ids == (BOB,)
    assert fact.snippet == "how do I change the default terminal?"
    assert "terminal" in fact.topics
    chat.send(ALICE, "<@2> thanks, that worked", mentions=(BOB,))
    fact = chat.question(q)
    assert fact is not None and fact.status == "resolved" and fact.resolved_by == ALICE


def test_every_change_emits_a_full_question_upsert() -> None:
    chat = Chat()
    q = chat.send(ALICE, "is there a way to resize a luks partition?")
    chat.send(BOB, "<@1> yes with cryptsetup resize", mentions=(ALICE,))
    upserts = [f for f in chat.facts if isinstance(f, QuestionFact) and f.message_id == q]
    assert [u.status for u in upserts] == ["open", "answered"]
    msgs = [f for f in chat.facts if isinstance(f, MessageFact)]
    assert [m.is_question for m in msgs] == [True, False]


def test_clarifying_mention_is_a_response_not_a_question() -> None:
    chat = Chat()
    chat.send(ALICE, "my sound is gone after the upgrade, any ideas?")
    c = chat.send(BOB, "<@1> which version are you on?", mentions=(ALICE,))
    assert chat.question(c) is None


def test_open_questions_lists_only_unanswered_ones_of_the_guild() -> None:
    chat = Chat()
    q1 = chat.send(ALICE, "why is my disk full after the update?")
    q2 = chat.send(CAROL, "how can I move snap data to another drive?", seconds=400)
    chat.send(BOB, "<@3> snap save and restore", mentions=(CAROL,))
    assert [q.message_id for q in chat.engine.open_questions(GUILD)] == [q1]
    assert chat.engine.open_questions(GUILD + 1) == []
    assert chat.question(q2) is not None


def test_manual_marks_and_commands() -> None:
    chat = Chat()
    m = chat.send(ALICE, "the installer freezes at the partition step")
    assert chat.question(m) is None
    chat.feed(QuestionMarked(GUILD, CHANNEL, m, by_user_id=ALICE, at=chat.at))
    marked = chat.question(m)
    assert marked is not None and marked.source == "manual" and marked.asker_id == ALICE
    a = chat.send(BOB, "try the safe graphics option")
    chat.feed(AnswerMarked(GUILD, m, a, BOB, by_user_id=ALICE, at=chat.at + timedelta(seconds=5)))
    done = chat.question(m)
    assert done is not None and done.status == "resolved" and BOB in done.responder_ids
    q = chat.send(CAROL, "does anyone know a good markdown editor?")
    chat.feed(QuestionResolved(GUILD, q, by_user_id=CAROL, at=chat.at + timedelta(seconds=5)))
    resolved = chat.question(q)
    assert resolved is not None and resolved.status == "resolved" and resolved.resolved_by == CAROL


def test_delete_emits_gone_and_drops_the_question() -> None:
    chat = Chat()
    q = chat.send(ALICE, "how do I install the nvidia driver?")
    out = chat.feed(MessageDeleted(GUILD, CHANNEL, q, chat.at))
    assert out == [MessageGone(GUILD, q, chat.at)]
    assert chat.question(q) is None and chat.engine.open_questions(GUILD) == []


def test_edit_can_make_a_question_and_add_mentions() -> None:
    chat = Chat()
    m = chat.send(ALICE, "the wifi keeps dropping")
    out = chat.feed(MessageEdited(GUILD, CHANNEL, m, chat.at, "how do I stop the wifi from dropping?"))
    assert any(isinstance(f, QuestionFact) for f in out) and chat.question(m) is not None
    r = chat.send(BOB, "check powersave in NetworkManager", seconds=4000)  # too late to read as an answer
    chat.feed(MessageEdited(GUILD, CHANNEL, r, chat.at, "<@1> check powersave", mentions=(ALICE,)))
    assert (ALICE, "mention") in chat.targets(r)


def test_opted_out_members_leave_no_trace() -> None:
    rules = GuildRules(opted_out_user_ids=frozenset({BOB}))
    chat = Chat(rules)
    q = chat.send(ALICE, "how do I enable ssh?")
    out_b = chat.send(BOB, "<@1> apt install openssh-server", mentions=(ALICE,))
    c = chat.send(CAROL, "<@2> <@1> and enable the service", mentions=(BOB, ALICE))
    assert not any(isinstance(f, MessageFact) and f.message_id == out_b for f in chat.facts)
    assert chat.targets(c) == {(ALICE, "mention")}
    fact = chat.question(q)
    assert fact is not None and BOB not in fact.responder_ids


def test_excluded_channels_and_disabled_tracking_produce_nothing() -> None:
    chat = Chat(GuildRules(excluded_channel_ids=frozenset({CHANNEL})))
    chat.send(ALICE, "how do I do this?")
    assert chat.facts == []
    off = Chat(GuildRules(tracking_enabled=False))
    off.send(ALICE, "how do I do this?")
    assert off.facts == []


def test_help_channel_takes_statements_of_trouble_as_questions() -> None:
    chat = Chat(GuildRules(help_channel_ids=frozenset({CHANNEL})))
    m = chat.send(ALICE, "my printer stopped working after the update")
    assert chat.question(m) is not None


def test_snippet_can_be_turned_off() -> None:
    chat = Chat(GuildRules(snippet_chars=0))
    q = chat.send(ALICE, "how do I clear the apt cache?")
    fact = chat.question(q)
    assert fact is not None and fact.snippet is None


def test_member_facts() -> None:
    chat = Chat()
    joined = chat.feed(MemberJoined(GUILD, ALICE, T0))
    left = chat.feed(MemberLeft(GUILD, ALICE, T0 + timedelta(days=1)))
    assert joined == [MemberFact(GUILD, ALICE, T0, False, joined_at=T0)]
    assert left == [MemberFact(GUILD, ALICE, T0 + timedelta(days=1), False, left_at=T0 + timedelta(days=1))]


def test_restore_continues_after_a_restart() -> None:
    first = Chat()
    q = first.send(ALICE, "how do I add a ppa?")
    saved = [f for f in first.facts if isinstance(f, QuestionFact)]
    recent = [f for f in first.facts if isinstance(f, MessageFact)]
    engine = Engine(FakeClock(first.at))
    engine.restore(saved, recent)
    assert [f.message_id for f in engine.open_questions(GUILD)] == [q]
    out = engine.handle(MessageCreated(GUILD, CHANNEL, 5000, BOB, first.at + timedelta(seconds=20),
                                       "<@1> sudo add-apt-repository", mentions=(ALICE,)))
    fact = next(f for f in out if isinstance(f, QuestionFact))
    assert fact.status == "answered" and fact.first_response_message_id == 5000


def test_old_questions_age_out() -> None:
    clock = FakeClock(T0)
    engine = Engine(clock, question_ttl_days=1)
    engine.handle(MessageCreated(GUILD, CHANNEL, 1, ALICE, T0, "how do I fix my keyboard layout?"))
    clock.set(T0 + timedelta(days=3))
    for i in range(5000):
        engine.handle(MessageCreated(GUILD, CHANNEL, 10 + i, BOB, clock.now(), "chatter"))
    assert engine.question(1) is None


def test_long_replay_keeps_memory_bounded() -> None:
    """Speed is measured in bench/ (BENCHMARKS.md), not here: only the bounded window is checked."""
    clock = FakeClock(T0)
    engine = Engine(clock)
    texts = ["how do I fix grub?", "<@2> try boot-repair", "ok thanks", "lol", "bob: check dmesg", "anyone here?"]
    n = 60_000
    events = [
        MessageCreated(GUILD, CHANNEL + i % 7, i, 1 + i % 13, T0 + timedelta(seconds=i), texts[i % 6],
                       mentions=(2,) if i % 6 == 1 else (), author_name=f"user{i % 13}")
        for i in range(n)
    ]
    for ev in events:
        engine.handle(ev)
    assert engine._flows
    assert all(len(f.messages) <= engine._params.window_messages for f in engine._flows.values())


def test_question_marked_by_a_moderator_names_the_author_as_asker() -> None:
    chat = Chat()
    moderator = 9
    chat.feed(QuestionMarked(GUILD, CHANNEL, 777, by_user_id=moderator, at=chat.at, author_id=BOB))
    marked = chat.question(777)
    assert marked is not None and marked.asker_id == BOB and marked.source == "manual"
    unknown = chat.feed(QuestionMarked(GUILD, CHANNEL, 778, by_user_id=moderator, at=chat.at))
    assert [f.asker_id for f in unknown if isinstance(f, QuestionFact)] == [moderator]


def test_content_words_are_kept_only_inside_the_channel_window() -> None:
    chat = Chat()
    first = chat.send(ALICE, "grub rescue prompt after resizing the windows partition")
    assert chat.engine._index[first].words
    for i in range(chat.engine._params.window_messages):
        chat.send(BOB, f"line {i} about kernels")
    assert chat.engine._index[first].words is None
    last = max(chat.engine._index)
    chat.clock.set(chat.at + timedelta(days=1))
    chat.engine._prune()
    assert chat.engine._flows == {} and chat.engine._index[last].words is None
