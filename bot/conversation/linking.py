"""Who responds to whom: explicit signals first, then the flow of the conversation.

Order of evidence for one message:
1. a Discord reply reference (kind ``reply``);
2. inside a thread or forum post, the owner of the thread, unless the message addresses
   someone else (kind ``thread``);
3. explicit mentions, all mentioned members (kind ``mention``);
4. for an unaddressed message, the conversation it continues (kind ``inferred``): a recent
   participant named at the start or end of the message (one typo allowed in longer names); a
   greeting said back, a yes/no or one-word verdict on the line just before, "what?"; a
   second-person question ("are u sure?") to the member the author is in an explicit exchange
   with; else the link scorer (`conv_model`), or with ``link_model=None`` the older rules: the
   member the author was last talking with if recent, else a question just posted.

Each channel keeps a bounded window of recent messages; work per message is O(window).
"""

from __future__ import annotations

import re

from bot.conversation import text
from bot.conversation.flow import (
    FUZZY_NAME_CHARS,
    ChannelFlow,
    Msg,
    Target,
)
from bot.conversation.flow_model import LinkModel, Observation, choose


class NameKeys:
    """A bounded cache of display name -> typed-name key."""

    def __init__(self, limit: int = 50_000) -> None:
        self._keys: dict[str, str] = {}
        self._limit = limit

    def key(self, name: str | None) -> str | None:
        if not name:
            return None
        key = self._keys.get(name)
        if key is None:
            if len(self._keys) > self._limit:
                self._keys.clear()
            key = self._keys[name] = name_key(name)
        return key or None


def target_message(flow: ChannelFlow, user_id: int) -> int | None:
    """The message a response to `user_id` most likely answers: their latest unanswered
    question still in the window, else their latest message."""
    if not flow.params.prefer_open_question:
        last = flow.last_by(user_id)
        return last.message_id if last is not None else None
    latest: Msg | None = None
    for msg in reversed(flow.messages):
        if msg.author_id != user_id:
            continue
        if latest is None:
            latest = msg
        if msg.is_question and not msg.answered:
            return msg.message_id
    return latest.message_id if latest is not None else None


_NOT_ALNUM = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """A display name reduced to letters and digits, for matching typed names."""
    return _NOT_ALNUM.sub("", name.lower())


def named_participant(flow: ChannelFlow, author_id: int, content: str) -> Msg | None:
    """A recent participant whose display name opens the message ("bob: try this")."""
    if not flow.names:
        return None
    p = flow.params
    horizon = flow.messages[0].ts if flow.messages else 0.0
    candidates = [name_key(text.first_word(content))]
    if p.name_last_word:
        candidates.append(name_key(text.last_word(content, as_address=True)))
    if p.name_after_lead:
        after = text.word_after_lead(content)
        if after:
            candidates.append(name_key(after))
    for word in candidates:
        msg = flow.names.get(word) if len(word) >= p.name_min_chars else None
        if msg is not None and msg.author_id != author_id and msg.ts >= horizon:
            return msg
    for (
        word
    ) in candidates:  # a typo in a longer name ("gremuchink" for Gremuchnik) when it fits one member only
        if len(word) < FUZZY_NAME_CHARS:
            continue
        found = {
            hit.author_id: hit
            for key in flow.initials.get(word[0], ())
            if -1 <= len(key) - len(word) <= 1
            and one_edit(word, key)
            and (hit := flow.names[key]).author_id != author_id
            and hit.ts >= horizon
        }
        if len(found) == 1:
            return next(iter(found.values()))
    return None


def one_edit(a: str, b: str) -> bool:
    """`a` and `b` differ by exactly one inserted, deleted or changed letter, or two swapped neighbours."""
    la, lb = len(a), len(b)
    if a == b or abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la < lb:
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (
        a[i + 2 :] == b[i + 2 :] and a[i : i + 2] == b[i + 1 : i + 2] + b[i : i + 1]
    )


def rephrased(flow: ChannelFlow, author_id: int, ts: float) -> Msg | None:
    """The author's latest line when it belongs to their own question, asked minutes ago (within
    `self_seconds` of the question itself, however many lines followed it) and still unanswered:
    a new full question from them then rephrases or extends it (people re-ask in more words when
    nobody answers) rather than opening another one. Also where an asker's other lines right
    after such a question stay (`keep_own_question`)."""
    own = flow.last_by(author_id)
    if own is None or not own.asks or own.question_id is None or ts - own.ts > flow.params.self_seconds:
        return None
    asked = own if own.question_id == own.message_id else flow.find(own.question_id)
    if asked is None or asked.answered or ts - asked.ts > flow.params.self_seconds:
        return None
    return own


def partner_line(flow: ChannelFlow, author_id: int, ts: float) -> Msg | None:
    """The latest line of the member the author is in an explicit exchange with (either addressed
    the other by reply, mention or typed name, recently and not buried under other messages)."""
    partner = flow.partners.get(author_id)
    p = flow.params
    if partner is None or not partner.explicit or ts - partner.ts > p.partner_seconds:
        return None
    return flow.last_by(partner.user_id) if flow.seq - partner.seq <= p.partner_messages else None


def greeted(flow: ChannelFlow, author_id: int, ts: float) -> Msg | None:
    """Another member's greeting among the last three lines (five minutes at most) with nothing from
    the author since: the greeting a bare "hi" answers."""
    for i, msg in enumerate(flow.recent()):
        if i >= 3 or ts - msg.ts > 300.0 or msg.author_id == author_id:
            return None
        if msg.greeting and not msg.shaped:
            return msg
    return None


def verdict_on(last: Msg, author_id: int, ts: float, content: str) -> Msg | None:
    """The line just before, when this one gives its verdict on it: "sure" to "can you use rsync with
    windows?", "True" or "hmm, right" to a statement, "what?" to anything (from another member, to
    nobody in particular, at most two minutes earlier)."""
    if last.author_id == author_id or last.explicit or ts - last.ts > 120.0:
        return None
    if (last.yes_no and text.is_yes_no_answer(content)) or text.is_clarification(content):
        return last
    return last if not last.shaped and text.is_agreement(content) else None


def _scored(
    flow: ChannelFlow,
    model: LinkModel,
    author_id: int,
    ts: float,
    content: str,
    is_question: bool,
    words: frozenset[str],
) -> tuple[Target | None, int | None]:
    obs = Observation(
        author_id,
        ts,
        is_question,
        text.is_acknowledgement(content),
        text.is_appeal(content),
        len(content.split()),
        words,
    )
    if is_question and text.addresses_you(content):
        partner = partner_line(flow, author_id, ts)
        if partner is not None:  # "are u trying to mount it via wifi?" asks the member one is talking with
            return Target(partner.author_id, partner.message_id, "inferred"), partner.message_id
    if is_question and obs.words >= flow.params.fresh_question_words:
        own = rephrased(flow, author_id, ts)
        return None, own.message_id if own is not None else None  # a full question opens a new conversation
    chosen = choose_link(model, flow, obs)
    if chosen is not None:
        best = chosen[0]
        own = rephrased(flow, author_id, ts) if flow.params.keep_own_question and not is_question else None
        return Target(best.author_id, best.message_id, "inferred"), (own or best).message_id
    own_last = flow.last_by(author_id)
    return None, own_last.message_id if own_last is not None else None


choose_link = choose


def infer_flow(
    flow: ChannelFlow,
    author_id: int,
    ts: float,
    content: str,
    *,
    is_question: bool,
    words: frozenset[str] = frozenset(),
) -> tuple[Target | None, int | None]:
    """The member an unaddressed message responds to (or None), and the message it continues."""
    p = flow.params
    named = named_participant(flow, author_id, content)
    if named is not None:
        return Target(named.author_id, named.message_id, "inferred", named=True), named.message_id
    if text.is_greeting_back(content):
        greeter = greeted(flow, author_id, ts)
        if greeter is not None:  # "hello my friends" ... "hi": greeted back
            return Target(greeter.author_id, greeter.message_id, "inferred", passing=True), None
    if flow.messages and (verdict := verdict_on(flow.messages[-1], author_id, ts, content)) is not None:
        return Target(verdict.author_id, verdict.message_id, "inferred", passing=True), verdict.message_id
    if p.link_model is not None:
        return _scored(flow, p.link_model, author_id, ts, content, is_question, words)
    if is_question and len(content.split()) >= p.fresh_question_words:
        return None, None
    own_last: Msg | None = None
    for i, msg in enumerate(flow.recent()):
        if msg.author_id == author_id:
            own_last = msg
            break
        if i < p.partner_messages and author_id in msg.targets and ts - msg.ts <= p.partner_seconds:
            return Target(msg.author_id, msg.message_id, "inferred"), msg.message_id
    if own_last is not None and ts - own_last.ts <= p.self_seconds:
        if p.inherit_own_target and len(own_last.targets) == 1:
            last = flow.last_by(own_last.targets[0])
            if last is not None and ts - last.ts <= p.partner_seconds:
                return Target(last.author_id, last.message_id, "inferred"), own_last.message_id
        return None, own_last.message_id
    partner = flow.partners.get(author_id)
    if (
        p.use_partner
        and partner is not None
        and ts - partner.ts <= p.partner_seconds
        and flow.seq - partner.seq <= p.partner_messages
    ):
        last = flow.last_by(partner.user_id)
        mid = last.message_id if last is not None else partner.message_id
        return Target(partner.user_id, mid, "inferred"), mid
    if p.use_open_question and not is_question:
        busy = own_last is not None and ts - own_last.ts <= p.idle_seconds
        if not busy:
            for i, msg in enumerate(flow.recent()):
                if i >= p.question_messages or ts - msg.ts > p.question_seconds or msg.author_id == author_id:
                    break
                if msg.is_question and not msg.answered:
                    return Target(msg.author_id, msg.message_id, "inferred"), msg.message_id
    if own_last is not None:
        return None, own_last.message_id
    return None, None
