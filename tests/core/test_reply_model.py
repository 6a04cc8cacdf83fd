"""The message-link model: shipped weights, the feature function, and what it reads in small chats."""

import json

import numpy as np
import pytest

from bot.conversation import reply_model as rm
from bot.conversation.reply_model import FEATURES, ReplyModel, ReplyReader, Window, features, shipped_model

ALICE, BOB, CAROL, DAVE, ERIN = 1, 2, 3, 4, 5
NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave", ERIN: "erin"}
T0 = 1_700_000_000.0


class Chat:
    """A channel: `say` feeds one line to a reader and returns its decision."""

    def __init__(self) -> None:
        self.reader = ReplyReader()
        self.next_id = 100

    def say(self, author: int, at: float, text: str, mentions: tuple[int, ...] = ()) -> rm.Decision:
        self.next_id += 1
        line = self.reader.line(self.next_id, author, T0 + at, text, mentions, NAMES[author])
        return self.reader.read(line, ranked=True)


def test_weights_file_loads_with_this_codes_features() -> None:
    data = json.loads(rm.WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == FEATURES
    assert rm.WEIGHTS_PATH.stat().st_size < 400_000
    model = shipped_model()
    assert model.w1.shape[0] == len(FEATURES) and model.w1.shape[1] == model.w2.shape[0]
    assert np.isfinite(model.w1).all() and np.isfinite(model.w2).all()
    assert len(model.common) > 100


def test_weights_for_other_features_are_refused() -> None:
    data = json.loads(rm.WEIGHTS_PATH.read_text(encoding="utf-8"))
    with pytest.raises(ValueError):
        ReplyModel(dict(data, features=list(reversed(data["features"]))))


def test_mention_links_to_the_mentioned_members_latest_line() -> None:
    chat = Chat()
    chat.say(BOB, 0, "my wifi card is not detected after the upgrade")
    bob_latest = chat.say(BOB, 20, "it is an intel 3945 card")
    chat.say(CAROL, 40, "anyone know how to change the grub timeout?")
    chat.say(DAVE, 50, "carol edit /etc/default/grub and run update-grub")
    d = chat.say(ALICE, 70, "@bob did you try loading the iwl3945 module?", (BOB,))
    assert d.parent_id == bob_latest.message_id
    assert d.parent_author_id == BOB


def test_name_written_in_the_text_counts_as_addressing() -> None:
    chat = Chat()
    chat.say(BOB, 0, "how do i mount an usb stick as a normal user?")
    chat.say(CAROL, 10, "lol that netsplit was huge")
    chat.say(DAVE, 20, "anyone using xfce on the new release?")
    d = chat.say(ALICE, 40, "bob, add yourself to the plugdev group")
    assert d.parent_author_id == BOB


def test_lone_question_then_plain_answer_two_minutes_later_in_a_quiet_channel() -> None:
    chat = Chat()
    q = chat.say(BOB, 0, "how do I make the bot post the weekly digest in another channel?")
    d = chat.say(ALICE, 120, "there is a setting for that in the dashboard, under digest")
    assert d.parent_id == q.message_id
    assert d.parent_author_id == BOB


def test_new_topic_after_a_long_gap_starts_a_conversation() -> None:
    chat = Chat()
    chat.say(BOB, 0, "is the sound server pipewire now?")
    chat.say(ALICE, 60, "@bob yes, since 22.10", (BOB,))
    chat.say(BOB, 90, "thanks!")
    d = chat.say(CAROL, 90 + 3 * 3600, "hello everyone, what is the best way to install steam?")
    assert d.parent_id is None
    assert d.ranked == ((None, 1.0),)  # nothing in the window is recent enough to be a candidate


def test_candidates_are_capped_by_lines_and_age() -> None:
    win = Window(max_lines=5, max_age=600.0)
    model = shipped_model()
    for i in range(8):
        line = model.line(i, ALICE if i % 2 else BOB, T0 + 100 * i, f"line number {i}")
        win.push(line, ())
    new = model.line(99, CAROL, T0 + 800, "hello")
    x, valid = features(win, new, win.addressed(new))
    assert x.shape == (6, len(FEATURES))
    # the ring holds lines 3..7 (at 300..700 s); at 800 s only those <= 600 s old are candidates
    held = sorted(win.ids[i] for i in np.flatnonzero(valid))
    assert held == [3, 4, 5, 6, 7]
    new_late = model.line(100, CAROL, T0 + 1000, "hello")
    x, valid = features(win, new_late, ())
    assert sorted(win.ids[i] for i in np.flatnonzero(valid)) == [4, 5, 6, 7]


def test_feature_function_is_what_the_reader_scores() -> None:
    """Fitting and live reading share `features`: the reader's choice is the argmax over its rows."""
    model = shipped_model()
    chat = Chat()
    chat.say(BOB, 0, "my printer prints blank pages with cups")
    chat.say(CAROL, 30, "hi all")
    chat.say(BOB, 45, "it is a brother hl-2140")
    win = chat.reader.window
    line = model.line(500, ALICE, T0 + 80, "@bob install the brlaser driver for the hl-2140", (BOB,), "alice")
    addressed = win.addressed(line)
    assert addressed == (BOB,)
    x, valid = features(win, line, addressed)
    again, _ = features(win, line, addressed)
    assert np.array_equal(x, again)  # computing them does not change the window
    col = {n: i for i, n in enumerate(FEATURES)}
    rows = {win.ids[i]: x[1 + i] for i in np.flatnonzero(valid)}
    bob_last = max(m for m in rows if win.author[win.ids.index(m)] == BOB)
    assert rows[bob_last][col["addresses_cand"]] == 1.0
    assert rows[bob_last][col["addresses_cand_latest"]] == 1.0
    assert rows[bob_last][col["shared_words"]] >= 1.0  # "hl-2140"
    assert rows[bob_last][col["prev_line"]] == 1.0
    assert x[0][col["is_self"]] == 1.0 and x[1:, col["is_self"]].sum() == 0.0
    scores = model.scores(x)
    scores[1:][~valid] = -np.inf
    expected = int(scores.argmax())
    d = chat.reader.read(line)
    assert d.parent_id == (win.ids[expected - 1] if expected else None) == bob_last


def test_own_follow_up_links_to_the_authors_previous_line() -> None:
    chat = Chat()
    first = chat.say(BOB, 0, "my laptop does not suspend when i close the lid")
    chat.say(CAROL, 5, "@dave sure, the iso is on the website", (DAVE,))
    d = chat.say(BOB, 15, "it is a thinkpad x220 with the laptop lid setting on suspend")
    assert d.parent_id == first.message_id


def test_reader_window_stays_bounded() -> None:
    chat = Chat()
    for i in range(300):
        chat.say((i % 5) + 1, i * 2.0, f"message {i} about topic {i % 7}")
    win = chat.reader.window
    assert win.size == rm.MAX_LINES and len(win.ids) == rm.MAX_LINES
    assert all(len(p) <= 16 for p in win.partners.values())
