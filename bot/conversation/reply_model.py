"""Which earlier line does a chat line respond to (or none: it starts a conversation)?

A learned link model in the manner of Kummerfeld et al. (2019): every new line is compared
with the recent lines of its channel (at most `MAX_LINES` lines and `MAX_AGE` seconds back)
and with a "self" candidate that stands for "starts a new conversation". `features` builds
one row of named features per candidate; a one-hidden-layer network scores each row and a
softmax over the rows picks the parent. The same `features` function feeds the fitting
(`bench/fit_reply_model.py`) and live reading (`ReplyReader.read`).

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("reply_model_weights.json")

MAX_LINES = 50  # candidate parents: at most this many previous lines of the channel...
MAX_AGE = 1800.0  # ...and at most this many seconds old
PARTNER_MEMORY = 3600.0  # how long "these two addressed each other" is remembered (seconds)

# Every feature, in column order. Row 0 is the "self" candidate, the other rows earlier lines.
FEATURES: tuple[str, ...] = (
    "is_self",  # the "starts a new conversation" candidate
    # -- computed for each line against each candidate
    "log_lines_back",  # log(1 + lines between them)
    "prev_line",  # the candidate is the line just before
    "log_secs_back",  # log(1 + seconds between them)
    "same_author",  # the candidate is by the line's own author
    "cand_addresses_me",  # the candidate addressed this line's author (first addressee)
    "cand_addresses_me_too",  # ...as its second addressee
    "cand_parent_is_me",  # the reading took the candidate as a response to this author
    "own_prev",  # the candidate is this author's own latest line
    "after_my_prev",  # the candidate came after this author's previous line (all, if none)
    "addresses_cand",  # the line addresses the candidate's author (mention, or name in the text)
    "addresses_cand_latest",  # ...and the candidate is that author's latest line
    "addresses_other",  # the line addresses someone, but not the candidate's author
    "partners",  # the two authors addressed each other within PARTNER_MEMORY
    "log_partner_secs",  # log(1 + seconds since they last did; 0 when never)
    "shared_words",  # content words in common (64-bit hash sets, approximate)
    "shared_rare",  # uncommon words in common
    "cand_is_my_partner",  # the candidate's author is whom this author's previous line responded to
    # -- kept per candidate in the window (set when it arrives, updated as lines follow)
    "cand_latest",  # the candidate is its author's latest line (nothing newer by them)
    "cand_answered",  # someone else addressed the candidate's author after it
    "later_by_cand_author",  # lines its author wrote after it
    "speakers_since",  # distinct authors who spoke after it
    "cand_bot",  # the candidate's author is a bot
    "cand_question",  # the candidate has a '?'
    "cand_log_words",  # log(1 + words)
    "cand_greeting",  # opens with a greeting ("hi", "hello", "anyone")
    "cand_thanks",  # thanks someone
    "cand_url",  # has a link
    "cand_first_person",  # speaks of "i", "my", "me"
    "cand_answer_start",  # opens like an answer ("yes", "try", "you", "it", ...)
    "cand_addresses",  # addressed someone
    # -- the line itself (the same on every row; the network mixes them with the rest)
    "line_question",  # has a '?'
    "line_log_words",  # log(1 + words)
    "line_greeting",  # opens with a greeting
    "line_thanks",  # thanks someone
    "line_url",  # has a link
    "line_first_person",  # speaks of "i", "my", "me"
    "line_answer_start",  # opens like an answer
    "line_you",  # speaks to "you"
    "line_ack",  # a short acknowledgement ("ok", "ah", "cool", "lol")
    "line_starts_at",  # starts with "@nick"
    "line_addresses",  # addresses anyone
    "line_log_gap",  # log(1 + seconds since the channel's previous line; 12 when none)
    "line_log_author_gap",  # log(1 + seconds since this author's previous line; 12 when none)
    "line_new_author",  # the author has no line among the candidates
    "log_candidates",  # log(1 + candidate lines): how busy the channel is
)
F = len(FEATURES)
_IX = {name: i for i, name in enumerate(FEATURES)}
_SLOT0 = _IX["cand_latest"]  # first of the per-candidate columns kept in the window
_SLOT1 = _IX["line_question"]  # first of the line's own columns
_LATEST, _ANSWERED, _LATER, _SPEAKERS = (_IX[n] - _SLOT0 for n in
                                         ("cand_latest", "cand_answered", "later_by_cand_author", "speakers_since"))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STRIP = ",.:;!?()[]{}<>\"'`"
STOPWORDS = _words("""a about after again all also am an and any anyone anybody are as at be because been but by can
    could did do does doing don't for from get got had has have he her here him his how i i'm i've if
    in into is it it's its just know like me my no not now of on one or other our out please so some
    such than that that's the their them then there these they this to too try u up us use using very
    want was way we well were what when where which who why will with would yes yeah you your ok okay
    lol hmm oh ah hi hey hello thanks thank thx""")
_GREET = _words("hi hey hello hiya yo howdy anyone anybody morning evening greetings")
_THANKS = _words("thanks thank thx ty cheers tnx thanx")
_FIRST = _words("i i'm i've i'd i'll my me mine")
_ANSWER = _words("""yes no yeah yep nope try you your it it's that that's sudo apt-get apt use
    just maybe check do type run see there install""")
_YOU = _words("you your you're you've u ur")
_ACK = _words("ok okay ah oh cool lol heh hehe great nice yup k kk right thanks ty ahh sure")


def content_words(words: Iterable[str]) -> list[str]:
    """The content words among lower-cased, punctuation-stripped words (no stopwords, no 1-letter)."""
    return [w for w in words if len(w) > 1 and w not in STOPWORDS]


def _bit(word: str) -> int:
    return 1 << (zlib.crc32(word.encode()) & 63)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of chat, with what the features need computed once (see `make_line`)."""

    message_id: int
    author_id: int
    ts: float  # seconds (any epoch, the same for the channel)
    text: str
    mentions: frozenset[int]  # users the line mentions explicitly
    author_name: str = ""  # display name, so that "bob, try ..." can be read as addressing bob
    is_bot: bool = False
    name_tokens: frozenset[str] = frozenset()  # lower-cased words as written, punctuation stripped
    words_mask: int = 0  # 64-bit hash set of the content words
    rare_mask: int = 0  # the same for the uncommon ones
    # the line's own features, in FEATURES order from "line_question" to "line_starts_at"
    flags: tuple[float, ...] = (0.0,) * 10


def make_line(
    message_id: int,
    author_id: int,
    ts: float,
    text: str,
    mentions: Iterable[int] = (),
    author_name: str = "",
    is_bot: bool = False,
    common: frozenset[str] = frozenset(),
) -> Line:
    """A `Line` with its token information; `common` is the model's list of frequent words."""
    low = text.lower()
    raw = low.split()
    words = [w for w in raw if not w.startswith("@")]
    stripped = [w.strip(_STRIP) for w in words]
    wmask = rmask = 0
    for tok in content_words(stripped):
        b = _bit(tok)
        wmask |= b
        if tok not in common:
            rmask |= b
    first = stripped[0] if stripped else ""
    bag = set(stripped)
    flags = (
        float("?" in text),
        math.log1p(len(raw)),
        float(first in _GREET),
        float(bool(_THANKS.intersection(stripped[:6]))),
        float("http" in low or "www." in low),
        float(not bag.isdisjoint(_FIRST)),
        float(first in _ANSWER),
        float(not bag.isdisjoint(_YOU)),
        float(len(raw) <= 3 and not bag.isdisjoint(_ACK)),
        float(low.startswith("@")),
    )
    return Line(
        message_id=message_id,
        author_id=author_id,
        ts=ts,
        text=text,
        mentions=frozenset(mentions),
        author_name=author_name,
        is_bot=is_bot,
        name_tokens=frozenset(t for t in (w.strip(_STRIP) for w in raw) if t),
        words_mask=wmask,
        rare_mask=rmask,
        flags=flags,
    )


class Window:
    """The recent lines of one channel as a ring of numpy columns, plus who addressed whom.

    `features(window, line, addressed)` reads it; `window.push(line, addressed, parent_author)`
    adds the line afterwards (`parent_author`: the author of the parent the reading chose).
    """

    def __init__(self, max_lines: int = MAX_LINES, max_age: float = MAX_AGE) -> None:
        w = max_lines
        self.size = w
        self.max_age = max_age
        self.count = 0  # lines pushed so far: the next line's sequence number
        self.seq = np.full(w, -1e9)
        self.ts = np.full(w, -1e18)
        # per slot: author, first two members the line addressed, author the reading took it to answer
        self.who = np.full((w, 4), -2, dtype=np.int64)
        self.author = self.who[:, 0]
        # lines back from the next line to each slot, by ring position: log(1 + n) and n == 1
        back = (np.arange(w)[:, None] - np.arange(w)[None, :] - 1) % w + 1
        self.back = np.stack([np.log1p(back), back == 1], axis=2).astype(np.float32)
        self.wmask = np.zeros(w, dtype=np.uint64)
        self.rmask = np.zeros(w, dtype=np.uint64)
        self.slot = np.zeros((w, _SLOT1 - _SLOT0), dtype=np.float32)  # the per-candidate columns
        self.ids: list[int] = [0] * w
        self.last_slot: dict[int, int] = {}  # author -> slot of their latest line in the window
        self.last_seq: dict[int, int] = {}  # author -> sequence number of their latest line
        self.last_ts: dict[int, float] = {}  # author -> time of their latest line
        self.last_parent: dict[int, int] = {}  # author -> whom their latest line responded to
        self.names: dict[str, int] = {}  # lower-cased display name -> author
        self.partners: dict[int, dict[int, float]] = {}  # author -> {partner: last time addressed}
        self.prev_ts: float | None = None

    def addressed(self, line: Line) -> tuple[int, ...]:
        """Whom the line addresses: its mentions, then known members' names written in it."""
        out = [m for m in line.mentions if m != line.author_id]
        if self.names:
            for tok in line.name_tokens:
                uid = self.names.get(tok)
                if uid is not None and uid != line.author_id and uid not in out:
                    out.append(uid)
        return tuple(out)

    def push(self, line: Line, addressed: Sequence[int], parent_author: int | None = None) -> None:
        s = self.count % self.size
        a = line.author_id
        slot = self.slot
        if self.seq[s] >= 0 and self.last_slot.get(int(self.author[s])) == s:
            del self.last_slot[int(self.author[s])]  # that author's latest line leaves the window
        prev = self.last_slot.get(a)
        if prev is not None:
            slot[prev, _LATEST] = 0.0
            later = slot[:, _LATER]
            later += self.author == a
        speakers = slot[:, _SPEAKERS]
        speakers += self.seq > self.last_seq.get(a, -1)
        for m in addressed:
            ps = self.last_slot.get(m)
            if ps is not None:
                slot[ps, _ANSWERED] = 1.0
            for u, v in ((a, m), (m, a)):
                pd = self.partners.setdefault(u, {})
                pd[v] = line.ts
                if len(pd) > 16:  # keep the most recent partners only
                    for old in sorted(pd, key=pd.__getitem__)[:8]:
                        del pd[old]
        f = line.flags
        # cand_latest, cand_answered, later_by_cand_author, speakers_since, cand_bot, the line's
        # question .. answer_start flags as the cand_ ones, cand_addresses
        slot[s] = (1.0, 0.0, 0.0, 0.0, float(line.is_bot), *f[:7], float(bool(addressed)))
        ts = line.ts if self.prev_ts is None else max(line.ts, self.prev_ts)  # the ring's clock never goes back
        self.seq[s] = self.count
        self.ts[s] = ts
        self.who[s] = (
            a,
            addressed[0] if addressed else -2,
            addressed[1] if len(addressed) > 1 else -2,
            parent_author if parent_author is not None else -2,
        )
        self.wmask[s] = line.words_mask
        self.rmask[s] = line.rare_mask
        self.ids[s] = line.message_id
        self.last_slot[a] = s
        self.last_seq[a] = self.count
        self.last_ts[a] = ts
        self.last_parent[a] = parent_author if parent_author is not None else -2
        if line.author_name:
            name = line.author_name.lower()
            if len(name) > 1 and name not in STOPWORDS:
                self.names[name] = a
        self.prev_ts = ts
        self.count += 1


def features(window: Window, line: Line, addressed: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix of `line` against its candidates.

    Returns `(X, valid)`: X (float32) has `window.size + 1` rows, row 0 the "self" candidate and
    row 1 + i the window's slot i, columns as `FEATURES`; `valid[i]` says whether slot i is a
    candidate (holds a line at most `max_age` old). Rows of other slots hold no meaning.
    `addressed` is `window.addressed(line)`.
    """
    w = window
    a = line.author_id
    x = np.zeros((w.size + 1, F), dtype=np.float32)
    c = x[1:]
    x[0, 0] = 1.0
    now = line.ts if w.prev_ts is None else max(line.ts, w.prev_ts)
    age = now - w.ts
    valid = age <= w.max_age
    c[:, 1:3] = w.back[w.count % w.size]  # log_lines_back, prev_line
    np.log1p(age, out=c[:, 3])
    np.equal(w.who, a, out=c[:, 4:8])  # same_author, cand_addresses_me(_too), cand_parent_is_me
    mine = w.last_slot.get(a)
    if mine is not None:
        c[mine, 8] = 1.0
    pseq = w.last_seq.get(a)
    if pseq is None:
        c[:, 9] = 1.0
    else:
        np.greater(w.seq, pseq, out=c[:, 9])
    if addressed:
        for m in addressed:
            c[:, 10] += w.author == m
            ms = w.last_slot.get(m)
            if ms is not None:
                c[ms, 11] = 1.0
        np.subtract(1.0, c[:, 10], out=c[:, 12])
    pd = w.partners.get(a)
    if pd:
        for p, t in pd.items():
            since = now - t
            if since <= PARTNER_MEMORY:
                hit = w.author == p
                c[hit, 13] = 1.0
                c[hit, 14] = math.log1p(since)
    if line.words_mask:
        np.bitwise_count(w.wmask & np.uint64(line.words_mask), out=c[:, 15])
        if line.rare_mask:
            np.bitwise_count(w.rmask & np.uint64(line.rare_mask), out=c[:, 16])
    mp = w.last_parent.get(a, -2)
    if mp >= 0:
        np.equal(w.author, mp, out=c[:, 17])
    c[:, _SLOT0:_SLOT1] = w.slot
    prev_author = w.last_ts.get(a)
    x[:, _SLOT1:] = (
        *line.flags,
        float(bool(addressed)),
        math.log1p(now - w.prev_ts) if w.prev_ts is not None else 12.0,
        math.log1p(now - prev_author) if prev_author is not None else 12.0,
        float(mine is None),
        math.log1p(np.count_nonzero(valid)),
    )
    return x, valid


@dataclass(frozen=True, slots=True)
class Decision:
    """What the model reads in one line."""

    message_id: int
    parent_id: int | None  # the message it responds to; None: it starts a conversation
    parent_author_id: int | None
    probability: float  # the model's probability for that choice
    ranked: tuple[tuple[int | None, float], ...] = ()  # (parent id or None, probability), best first
    candidate_id: int | None = None  # the likeliest earlier line (even when "starts one" won)
    candidate_author_id: int | None = None
    candidate_probability: float = 0.0


class ReplyModel:
    """Scorer: standardise, one hidden layer (ReLU), a score per row, softmax over the rows."""

    def __init__(self, params: dict[str, Any]) -> None:
        names = tuple(params["features"])
        if names != FEATURES:
            raise ValueError(f"weights are for features {names}, this code has {FEATURES}")
        mean = np.asarray(params["mean"], dtype=np.float64)
        scale = np.asarray(params["scale"], dtype=np.float64)
        w1 = np.asarray(params["w1"], dtype=np.float64)  # (F, H)
        if w1.shape[0] != F or mean.shape != (F,) or scale.shape != (F,):
            raise ValueError("weights do not match the feature list")
        # fold the standardisation into the first layer: ((x - mean) / scale) @ w1 + b1
        self.w1 = (w1 / scale[:, None]).astype(np.float32)
        self.b1 = (np.asarray(params["b1"], dtype=np.float64) - (mean / scale) @ w1).astype(np.float32)
        self.w2 = np.asarray(params["w2"], dtype=np.float32)  # (H,)
        self.common = frozenset(params.get("common", ()))
        self.params = params

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> ReplyModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def scores(self, x: np.ndarray) -> np.ndarray:
        """One score per row of `x` (higher: more likely the parent)."""
        h = x @ self.w1
        h += self.b1
        np.maximum(h, 0.0, out=h)
        s: np.ndarray = h @ self.w2
        return s

    def probabilities(self, x: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Softmax over the self row and the valid candidate rows (0 for the others)."""
        s = self.scores(x)
        s[1:][~valid] = -np.inf
        s -= s.max()
        p: np.ndarray = np.exp(s)
        p /= p.sum()
        return p

    def decide(self, x: np.ndarray, valid: np.ndarray) -> tuple[int, float, int, float]:
        """The best row (0: starts a conversation, 1 + i: window slot i) and its probability,
        then the best earlier line's row and its probability (0, 0.0 when there is none)."""
        s = self.scores(x)
        s[1:] = np.where(valid, s[1:], -np.inf)
        best = int(s.argmax())
        s -= s[best]
        total = float(np.exp(s).sum())
        if len(s) < 2 or not valid.any():
            return best, 1.0 / total, 0, 0.0
        line = 1 + int(s[1:].argmax())
        return best, 1.0 / total, line, float(np.exp(s[line])) / total

    def line(
        self,
        message_id: int,
        author_id: int,
        ts: float,
        text: str,
        mentions: Iterable[int] = (),
        author_name: str = "",
        is_bot: bool = False,
    ) -> Line:
        """`make_line` with this model's common words."""
        return make_line(message_id, author_id, ts, text, mentions, author_name, is_bot, self.common)


@lru_cache(maxsize=1)
def shipped_model() -> ReplyModel:
    """The model fitted by `bench/fit_reply_model.py`, from the JSON beside this module (loaded once)."""
    return ReplyModel.load()


class ReplyReader:
    """Live reading of one channel: feed each line in channel order, get its parent.

        reader = ReplyReader()
        decision = reader.read(reader.line(message_id, author_id, ts, text, mentions, author_name))
    """

    def __init__(self, model: ReplyModel | None = None, max_lines: int = MAX_LINES,
                 max_age: float = MAX_AGE) -> None:
        self.model = model or shipped_model()
        self.window = Window(max_lines, max_age)

    def line(self, message_id: int, author_id: int, ts: float, text: str, mentions: Iterable[int] = (),
             author_name: str = "", is_bot: bool = False) -> Line:
        return self.model.line(message_id, author_id, ts, text, mentions, author_name, is_bot)

    def read(self, line: Line, ranked: bool = False) -> Decision:
        """Decide the line's parent, then add the line to the window."""
        win = self.window
        addressed = win.addressed(line)
        x, valid = features(win, line, addressed)
        best, prob, line_row, line_prob = self.model.decide(x, valid)
        parent: int | None = None
        parent_author: int | None = None
        if best:
            parent = win.ids[best - 1]
            parent_author = int(win.author[best - 1])
        ranking: tuple[tuple[int | None, float], ...] = ()
        if ranked:
            p = self.model.probabilities(x, valid)
            ranking = tuple((None if i == 0 else win.ids[i - 1], float(p[i]))
                            for i in np.argsort(-p, kind="stable").tolist() if p[i] > 0.0)
        cand_id = win.ids[line_row - 1] if line_row else None
        cand_author = int(win.author[line_row - 1]) if line_row else None
        win.push(line, addressed, parent_author)
        return Decision(line.message_id, parent, parent_author, prob, ranking, cand_id, cand_author, line_prob)
