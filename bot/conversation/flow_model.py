"""A tiny logistic scorer for unaddressed messages: which recent speaker, if any, does it answer?

For a message nobody addressed explicitly, every other member who spoke recently in the
channel is a candidate (represented by their latest message). Each candidate gets a few
explainable features (how long ago and how many turns back they spoke, whether they asked
a question still waiting for an answer, whether they and the author were addressing each
other, shared content words, the shape of both messages); a logistic model fitted on
annotated chat logs (`bench/fit_links.py`) turns them into a probability. The best
candidate is taken when its probability clears the fitted threshold; otherwise the message
responds to nobody (a new conversation or the author's own follow-up).

The weights ship as `flow_model_weights.json` beside this module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from operator import mul
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.conversation.flow import ChannelFlow, Msg

CANDIDATE_FEATURES: tuple[str, ...] = (
    "log_gap",  # log(1 + seconds since the candidate's latest message / 10)
    "turns",  # messages posted since the candidate's latest message / 10
    "latest_speaker",  # the candidate spoke last (just before this message)
    "cand_question",  # the candidate's latest message is question-shaped
    "cand_open_question",  # ...and nobody has responded to it yet
    "cand_addressed_author",  # the candidate's latest message addressed the author
    "author_addressed_cand",  # the author's previous message addressed the candidate
    "partners",  # the two addressed each other in their latest exchange
    "cand_addressed_other",  # the candidate's latest message explicitly addressed a third member
    "overlap",  # share of this message's content words also in the candidate's message
    "since_author",  # the candidate spoke after the author's previous message
    "cand_thread_asker",  # the candidate's latest message belongs to a question they asked
    "new_to_question",  # the author had not spoken and the candidate asked an unanswered question
    "partner_gap",  # partners x log_gap: an exchange fades with time
    "inferred_partners",  # partners only by an earlier inferred link (weaker evidence)
)
MESSAGE_FEATURES: tuple[str, ...] = (
    "msg_question",  # this message is question-shaped
    "msg_log_words",  # log(1 + words in this message)
    "msg_ack",  # a short acknowledgement ("thanks", "ok", "yes")
    "author_recent",  # the author spoke in the last 3 minutes
    "author_new",  # the author has not spoken in the channel's recent window
    "msg_appeal",  # this message calls on everyone ("anyone know", "can someone", "hi all")
)
FEATURES: tuple[str, ...] = CANDIDATE_FEATURES + MESSAGE_FEATURES

CANDIDATE_MESSAGES = 12  # look this many messages back
CANDIDATE_SECONDS = 900.0  # ...and no further back than this
CANDIDATE_MEMBERS = 8  # ...and at most this many speakers
WEIGHTS_FILE = Path(__file__).with_name("flow_model_weights.json")


@dataclass(slots=True)
class Observation:
    """What the scorer knows about the message being placed."""

    author_id: int
    ts: float
    is_question: bool
    is_ack: bool
    is_appeal: bool
    words: int
    content_words: frozenset[str]


@dataclass(frozen=True, slots=True)
class LinkModel:
    """Logistic weights (one per feature, in `FEATURES` order), a bias and a decision threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    @property
    def cut(self) -> float:
        """The threshold as a logit."""
        return math.log(self.threshold / (1.0 - self.threshold))

    def logit(self, x: Iterable[float]) -> float:
        return self.bias + sum(map(mul, self.weights, x))

    def probability(self, x: Iterable[float]) -> float:
        z = self.logit(x)
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LinkModel:
        names = data.get("features")
        raw = data.get("weights")
        if not isinstance(names, list) or set(names) != set(FEATURES) or not isinstance(raw, dict):
            raise ValueError("weights file does not match the feature list")
        weights = tuple(float(raw[name]) for name in FEATURES)
        bias = data.get("bias", 0.0)
        threshold = data.get("threshold", 0.5)
        if not isinstance(bias, int | float) or not isinstance(threshold, int | float):
            raise ValueError("bias and threshold must be numbers")
        return cls(weights, float(bias), float(threshold))

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> LinkModel:
        loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_dict(loaded)


def _own_last(flow: ChannelFlow, author: int) -> Msg | None:
    for msg in flow.recent():
        if msg.author_id == author:
            return msg
    return None


def message_features(obs: Observation, own_last: Msg | None) -> list[float]:
    """The features of the message itself (the same for every candidate), `MESSAGE_FEATURES` order."""
    return [
        1.0 if obs.is_question else 0.0,
        math.log1p(obs.words),
        1.0 if obs.is_ack else 0.0,
        1.0 if own_last is not None and obs.ts - own_last.ts <= 180.0 else 0.0,
        1.0 if own_last is None else 0.0,
        1.0 if obs.is_appeal else 0.0,
    ]


def candidate_rows(
    flow: ChannelFlow, obs: Observation, own_last: Msg | None
) -> list[tuple[Msg, list[float]]]:
    """Each other recent speaker's latest message with its `CANDIDATE_FEATURES`, newest first."""
    author = obs.author_id
    partner = flow.partners.get(author)
    out: list[tuple[Msg, list[float]]] = []
    seen: set[int] = set()
    own_targets = own_last.targets if own_last is not None else ()
    author_new = 1.0 if own_last is None else 0.0
    own_ts = own_last.ts if own_last is not None else -math.inf
    content = obs.content_words
    n_words = len(content)
    for i, msg in enumerate(flow.recent()):
        gap = obs.ts - msg.ts
        if i >= CANDIDATE_MESSAGES or gap > CANDIDATE_SECONDS:
            break
        user = msg.author_id
        if user == author or user in seen:
            continue
        if len(seen) == CANDIDATE_MEMBERS:
            break
        seen.add(user)
        cand_partner = flow.partners.get(user)
        mine = partner is not None and partner.user_id == user
        theirs = cand_partner is not None and cand_partner.user_id == author
        partners = (mine and partner is not None and partner.explicit) or (
            theirs and cand_partner is not None and cand_partner.explicit
        )
        words = msg.words
        overlap = len(content & words) / n_words if n_words and words else 0.0
        x_gap = math.log1p(gap / 10.0) if gap > 0 else 0.0
        waiting = msg.shaped and not msg.answered
        out.append(
            (
                msg,
                [
                    x_gap,
                    i / 10.0,
                    1.0 if i == 0 else 0.0,
                    1.0 if msg.shaped else 0.0,
                    1.0 if waiting else 0.0,
                    1.0 if author in msg.targets else 0.0,
                    1.0 if user in own_targets else 0.0,
                    1.0 if partners else 0.0,
                    1.0 if msg.explicit and author not in msg.targets else 0.0,
                    overlap,
                    1.0 if msg.ts > own_ts else 0.0,
                    1.0 if msg.asks else 0.0,
                    author_new if waiting else 0.0,
                    x_gap if partners else 0.0,
                    1.0 if (mine or theirs) and not partners else 0.0,
                ],
            )
        )
    return out


def candidates(flow: ChannelFlow, obs: Observation) -> list[tuple[Msg, list[float]]]:
    """Each candidate with its full feature vector (`FEATURES` order): what the fitting script reads."""
    own_last = _own_last(flow, obs.author_id)
    shared = message_features(obs, own_last)
    return [(msg, x + shared) for msg, x in candidate_rows(flow, obs, own_last)]


def choose(model: LinkModel, flow: ChannelFlow, obs: Observation) -> tuple[Msg, float] | None:
    """The candidate message this one most likely answers with its probability, or None.

    Scores exactly as `model.logit(x)` over `candidates()` would, without building the vectors
    (binary features add their weight), since this runs for every unaddressed message."""
    author = obs.author_id
    own_last = _own_last(flow, author)
    n = len(CANDIDATE_FEATURES)
    (
        w_gap,
        w_turns,
        w_latest,
        w_shaped,
        w_waiting,
        w_cand_addr,
        w_auth_addr,
        w_partners,
        w_other,
        w_overlap,
        w_since,
        w_asks,
        w_new_q,
        w_partner_gap,
        w_inferred,
    ) = model.weights[:n]
    partners = flow.partners
    partner = partners.get(author)
    partner_user = partner.user_id if partner is not None else None
    partner_explicit = partner is not None and partner.explicit
    own_targets = own_last.targets if own_last is not None else ()
    author_new = own_last is None
    own_ts = own_last.ts if own_last is not None else -math.inf
    content = obs.content_words
    n_words = len(content)
    now = obs.ts
    log1p = math.log1p
    seen: set[int] = set()
    best: Msg | None = None
    best_z = -math.inf
    for i, msg in enumerate(reversed(flow.messages)):
        gap = now - msg.ts
        if i >= CANDIDATE_MESSAGES or gap > CANDIDATE_SECONDS:
            break
        user = msg.author_id
        if user == author or user in seen:
            continue
        if len(seen) == CANDIDATE_MEMBERS:
            break
        seen.add(user)
        x_gap = log1p(gap / 10.0) if gap > 0 else 0.0
        z = w_gap * x_gap + w_turns * (i / 10.0)
        if i == 0:
            z += w_latest
        if msg.shaped:
            z += w_shaped
            if not msg.answered:
                z += w_waiting + (w_new_q if author_new else 0.0)
        targets = msg.targets
        if author in targets:
            z += w_cand_addr
        elif msg.explicit:
            z += w_other
        if user in own_targets:
            z += w_auth_addr
        linked = strong = False
        if partner_user == user:
            linked, strong = True, partner_explicit
        cand_partner = partners.get(user)
        if cand_partner is not None and cand_partner.user_id == author:
            linked, strong = True, strong or cand_partner.explicit
        if strong:
            z += w_partners + w_partner_gap * x_gap
        elif linked:
            z += w_inferred
        words = msg.words
        if n_words and words and not content.isdisjoint(words):
            z += w_overlap * len(content & words) / n_words
        if msg.ts > own_ts:
            z += w_since
        if msg.asks:
            z += w_asks
        if z > best_z:
            best, best_z = msg, z
    if best is None:
        return None
    best_z += model.bias + sum(map(mul, model.weights[n:], message_features(obs, own_last)))
    if best_z < model.cut:
        return None
    return best, 1.0 / (1.0 + math.exp(-best_z))
