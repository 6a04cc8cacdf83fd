"""The link scorer for unaddressed messages: shipped weights, fast path, and what it decides."""

import math

import pytest

from bot.conversation import text
from bot.conversation.flow import shipped_link_model
from bot.conversation.flow_model import FEATURES, LinkModel, Observation, candidates, choose
from tests.core.conv_helpers import CHANNEL, Chat

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4


def shipped() -> LinkModel:
    model = shipped_link_model()
    assert model is not None
    return model


def test_shipped_weights_cover_every_feature() -> None:
    model = shipped()
    assert len(model.weights) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert all(math.isfinite(w) for w in model.weights)


def test_weights_file_must_match_the_feature_list() -> None:
    with pytest.raises(ValueError):
        LinkModel.from_dict({"features": ["log_gap"], "weights": {"log_gap": 1.0}})
    weights = {name: 0.5 for name in FEATURES}
    model = LinkModel.from_dict(
        {"features": list(reversed(FEATURES)), "weights": weights, "bias": -1, "threshold": 0.4}
    )
    assert model.weights == tuple(0.5 for _ in FEATURES) and model.bias == -1.0 and model.threshold == 0.4


def observe(author: int, ts: float, content: str) -> Observation:
    return Observation(
        author,
        ts,
        text.question_shape(content),
        text.is_acknowledgement(content),
        text.is_appeal(content),
        len(content.split()),
        text.content_words(content),
    )


def test_fast_scoring_agrees_with_the_feature_vectors() -> None:
    chat = Chat()
    chat.send(ALICE, "how do I get my wifi card working on 24.04?")
    chat.send(BOB, "<@1> which chipset is it?", mentions=(ALICE,))
    chat.send(CAROL, "anyone tried the new kernel yet?")
    chat.send(ALICE, "it is an intel ax200 wifi card")
    chat.send(DAVE, "lol")
    flow = chat.engine._flows[CHANNEL]
    model = LinkModel(tuple((-1) ** i * (0.3 + i / 10) for i in range(len(FEATURES))), 0.2, 0.3)
    picks = 0
    for author in (ALICE, BOB, CAROL, DAVE, 5):
        obs = observe(author, chat.at.timestamp() + 20, "the ax200 wifi needs firmware from linux-firmware")
        rows = candidates(flow, obs)
        picked = choose(model, flow, obs)
        best = max(rows, key=lambda r: model.logit(r[1]))
        if picked is None:
            assert model.probability(best[1]) < model.threshold + 1e-9
        else:
            assert picked[0] is best[0]
            assert picked[1] == pytest.approx(model.probability(best[1]))
            picks += 1
    assert picks > 0


def test_each_other_speaker_is_one_candidate_and_the_author_is_none() -> None:
    chat = Chat()
    chat.send(BOB, "first")
    chat.send(BOB, "second")
    chat.send(CAROL, "third")
    flow = chat.engine._flows[CHANNEL]
    rows = candidates(flow, observe(BOB, chat.at.timestamp() + 5, "yes"))
    assert [m.author_id for m, _ in rows] == [CAROL]


def test_answer_after_a_direct_question_goes_back_to_the_asker() -> None:
    chat = Chat()
    chat.send(ALICE, "my usb stick does not mount after the upgrade")
    ask = chat.send(BOB, "<@1> does it show up in lsblk?", mentions=(ALICE,))
    chat.send(CAROL, "good morning everyone")
    reply = chat.send(ALICE, "yes it shows up as sdb1")
    assert chat.targets(ask) == {(ALICE, "mention")}
    assert chat.targets(reply) == {(BOB, "inferred")}


def test_a_full_question_from_a_newcomer_starts_a_new_conversation() -> None:
    chat = Chat()
    chat.send(ALICE, "how do I change the login screen wallpaper?")
    chat.send(BOB, "<@1> use the settings app, appearance tab", mentions=(ALICE,))
    q = chat.send(CAROL, "does anyone know how to make bluetooth headphones use the hifi profile by default?")
    assert chat.targets(q) == set()
    fact = chat.question(q)
    assert fact is not None and fact.status == "open"


def test_the_ranking_fit_learns_which_candidate_and_when_nobody() -> None:
    from bench.fit_links import LogData, Placement, fit_ranking

    partners = FEATURES.index("partners")
    question = FEATURES.index("msg_question")

    def x(partner: bool, is_question: bool) -> list[float]:
        row = [0.0] * len(FEATURES)
        row[partners] = 1.0 if partner else 0.0
        row[question] = 1.0 if is_question else 0.0
        return row

    log = LogData("synthetic")
    for i in range(40):  # answers go to the partner; questions go to nobody
        is_question = i % 2 == 1
        gold = set() if is_question else {"b"}
        log.placements.append(Placement(str(i), ["a", "b"], [x(False, is_question), x(True, is_question)], gold))
    w, bias = fit_ranking([log], l2=0.1)
    assert w[partners] > 1.0
    assert w[question] < -1.0  # a question makes "nobody" likelier, i.e. lowers every candidate
    answer = LinkModel(tuple(float(v) for v in w), bias, 0.5)
    assert answer.logit(x(True, False)) > 0 > answer.logit(x(True, True))
