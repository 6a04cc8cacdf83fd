"""The recent flow of one channel: the messages remembered (no content), who is talking with whom.

`ChannelFlow` keeps a bounded window of recent messages (`Msg`) per channel, thread or forum
post, the current partner of each member, and the typed-name index. Linking
(`bot.conversation.linking`) reads and updates it; the link scorer (`flow_model`) scores over it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from bot.conversation.facts import InteractionKind
from bot.conversation.flow_model import LinkModel
from bot.conversation.reply_model import Decision, ReplyReader

FUZZY_NAME_CHARS = 5  # typed names this long (and the names they match) may carry one typo


@lru_cache(maxsize=1)
def shipped_link_model() -> LinkModel | None:
    """The fitted scorer shipped with the package (None if its weights file is missing)."""
    try:
        return LinkModel.load()
    except FileNotFoundError:
        return None


@dataclass(frozen=True, slots=True)
class FlowParams:
    """Tunable limits of conversational inference (seconds and message counts)."""

    window_messages: int = 60
    window_seconds: float = 3 * 3600
    partner_seconds: float = 300.0  # a two-person exchange is still going on
    partner_messages: int = 25  # ...and not buried under this many messages
    question_seconds: float = 180.0  # an unanswered question just asked can take a reply
    question_messages: int = 6
    self_seconds: float = 180.0  # an author's follow-up continues their own last message
    name_min_chars: int = 3
    use_partner: bool = True
    name_last_word: bool = True
    name_after_lead: bool = True  # "sorry bob, nettop": the name after a correction word
    inherit_own_target: bool = False
    use_open_question: bool = False
    prefer_open_question: bool = False
    fresh_question_words: int = 10
    keep_own_question: bool = True  # an asker's line just after their unanswered question stays in it
    idle_seconds: float = 600.0
    link_model: LinkModel | None = field(default_factory=lambda: shipped_link_model())
    # The learned message-link model (`reply_model`): "message" picks which of the chosen
    # member's lines a message answers; "member" also links an unaddressed message the rules
    # leave unlinked to the author of the line the model picks; "off" reads by the rules alone.
    reply_reading: str = "member"
    reply_link_probability: float = 0.5  # the model's probability a "member" link needs
    quiet_link_probability: float = 0.15  # ...for the one open question of a quiet channel
    quiet_seconds: float = 1800.0  # a channel where only the asker spoke this long is quiet


@dataclass(slots=True)
class Msg:
    """What the engine remembers about one recent message (no content)."""

    message_id: int
    channel_id: int
    author_id: int
    ts: float
    name: str | None = None
    targets: tuple[int, ...] = ()
    parent_id: int | None = None
    question_id: int | None = None
    is_question: bool = False
    answered: bool = False
    shaped: bool = False  # question-shaped text (tracked as a question or not)
    explicit: bool = False  # addressed someone by reply, mention or a leading @name
    asks: bool = False  # part of a question this author asked
    words: frozenset[str] | None = None  # content words, kept only while in the channel window
    reactors: tuple[int, ...] = ()  # members who reacted (one reaction interaction each, whatever the emoji)
    greeting: bool = False  # a bare greeting ("hi all")
    yes_no: bool = False  # a question one can answer with yes or no


@dataclass(frozen=True, slots=True)
class Target:
    user_id: int
    message_id: int | None
    kind: InteractionKind
    named: bool = False  # an unaddressed message that names its target ("bob: try this")
    passing: bool = False  # a greeting returned or a one-word verdict: it starts no exchange between the two


@dataclass(slots=True)
class Partner:
    user_id: int
    ts: float
    message_id: int
    seq: int
    explicit: bool = True  # they addressed each other (reply, mention, typed name), not inferred


@dataclass(slots=True)
class ChannelFlow:
    """The recent history of one channel, thread or forum post."""

    params: FlowParams
    messages: deque[Msg] = field(default_factory=deque)
    partners: dict[int, Partner] = field(default_factory=dict)
    names: dict[str, Msg] = field(default_factory=dict)  # typed-name key -> that member's latest message
    initials: dict[str, set[str]] = field(
        default_factory=dict
    )  # first letter -> name keys long enough to misspell
    seq: int = 0
    reader: ReplyReader | None = None  # the message-link model's window of this channel

    def read(self, message_id: int, author_id: int, ts: float, content: str, mentions: tuple[int, ...],
             author_name: str | None, is_bot: bool) -> Decision | None:
        """The message-link model's reading of a new line (None when it is off)."""
        if self.params.reply_reading == "off":
            return None
        if self.reader is None:
            self.reader = ReplyReader()
        reader = self.reader
        return reader.read(reader.line(message_id, author_id, ts, content, mentions, author_name or "", is_bot))

    def add(self, msg: Msg) -> None:
        self.messages.append(msg)
        self.seq += 1
        limit = self.params.window_messages
        horizon = msg.ts - self.params.window_seconds
        while self.messages and (len(self.messages) > limit or self.messages[0].ts < horizon):
            self.messages.popleft().words = None
        if msg.name is not None:
            if msg.name not in self.names and len(msg.name) >= FUZZY_NAME_CHARS:
                self.initials.setdefault(msg.name[0], set()).add(msg.name)
            self.names[msg.name] = msg
        if len(self.partners) > 4 * limit or len(self.names) > 4 * limit:
            keep = self.seq - self.params.partner_messages
            self.partners = {u: p for u, p in self.partners.items() if p.seq >= keep}
            self._reindex_names()

    def _reindex_names(self) -> None:
        self.names = {m.name: m for m in self.messages if m.name is not None}
        self.initials = {}
        for name in self.names:
            if len(name) >= FUZZY_NAME_CHARS:
                self.initials.setdefault(name[0], set()).add(name)

    def recent(self) -> Iterator[Msg]:
        """Newest first."""
        return reversed(self.messages)

    def last_by(self, user_id: int) -> Msg | None:
        for msg in reversed(self.messages):
            if msg.author_id == user_id:
                return msg
        return None

    def find(self, message_id: int) -> Msg | None:
        for msg in reversed(self.messages):
            if msg.message_id == message_id:
                return msg
        return None

    def remove(self, message_id: int) -> None:
        for msg in self.messages:
            if msg.message_id == message_id:
                self.messages.remove(msg)
                break
        self._reindex_names()

    def link(self, a: int, b: int, ts: float, message_id: int, explicit: bool = True) -> None:
        """`a` and `b` just exchanged a message: each is the other's current partner."""
        self.partners[a] = Partner(b, ts, message_id, self.seq, explicit)
        self.partners[b] = Partner(a, ts, message_id, self.seq, explicit)


def active_flows(flows: dict[int, ChannelFlow], horizon: float) -> dict[int, ChannelFlow]:
    """The flows with a message since `horizon`; idle ones are dropped (and their messages, which
    the engine's index may keep, lose their content words)."""
    kept: dict[int, ChannelFlow] = {}
    for key, flow in flows.items():
        if flow.messages and flow.messages[-1].ts >= horizon:
            kept[key] = flow
        else:
            for msg in flow.messages:
                msg.words = None
    return kept
