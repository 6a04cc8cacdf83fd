"""Questions: which messages are questions, where a question starts (often a line or two before
the question mark), the open → answered → resolved state of each, and how signals outside its
linked conversation (thanks, a ✅ and its removal) settle it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from bot.conversation import text
from bot.conversation.events import ReactionRemoved
from bot.conversation.facts import Fact, InteractionFact, QuestionFact, QuestionStatus
from bot.conversation.flow import ChannelFlow, Msg, Target

RESOLVE_EMOJI = frozenset({"✅", "☑️", "☑", "✔️", "✔", "white_check_mark", "ballot_box_with_check", "heavy_check_mark"})

QuestionSource = Literal["auto", "manual", "forum"]


def is_help_question(content: str, *, help_channel: bool = False) -> bool:
    """A question someone may need help with: question-shaped (or an error paste in a help
    channel), and neither chatter ("how are you all?") nor a command for another bot."""
    return (
        looks_like_question(content, help_channel=help_channel)
        and not text.is_social(content)
        and not text.is_bot_command(content)
    )


_ASKS = re.compile(
    r"^\s*(?:how|why|what|where|which|when|who|can|could|does|do|is|are|should|would|will|has|have|any ?(?:one|body)"
    r"|some ?(?:one|body)|is there|help)\b",
    re.IGNORECASE,
)
_TROUBLE = re.compile(
    r"\b(?:error|errors|exception|traceback|fail(?:s|ed|ing)?|crash(?:es|ed|ing)?|broken|stuck|issue|problem"
    r"|bug|not working|doesn'?t work|won'?t|can'?t|cannot|unable|help|fix|install(?:ing)?|configure|setup|set up)\b",
    re.IGNORECASE,
)
_LAUGH = re.compile(r"\b(?:lol|lmao|rofl|haha\w*|hehe\w*|xd)\b", re.IGNORECASE)


def help_confidence(content: str, *, help_channel: bool = False) -> float:
    """How surely a tracked question is a request for help, from 0 to 1: what nudges and check-ins
    are gated on. Each cue explains itself: a question mark, a question's opening ("how do I",
    "anyone know"), words of trouble ("error", "doesn't work"), pasted code or an error, enough
    words to be answerable, the channel being a help channel; laughter and a bare one- or
    two-word question ("why?", "really?") count against it."""
    prose = text.strip_leading_address(text.strip_code_and_urls(content)).strip()
    words = len(prose.split())
    score = 0.45
    if "?" in content or "？" in content:
        score += 0.15
    if _ASKS.search(prose):
        score += 0.15
    if _TROUBLE.search(prose):
        score += 0.15
    if text.looks_like_error_paste(content):  # a code block or a pasted error
        score += 0.1
    if help_channel:
        score += 0.1
    if words < 4:
        score -= 0.3
    elif words >= 8:
        score += 0.05
    if _LAUGH.search(prose):
        score -= 0.2
    return round(min(1.0, max(0.0, score)), 2)


def looks_like_question(content: str, *, help_channel: bool = False) -> bool:
    """Question shape; in a help channel an error paste or a plea for help counts too."""
    if text.question_shape(content):
        return True
    if help_channel:
        prose = text.strip_leading_address(content).strip()
        return len(prose) >= 12 and (text.looks_like_error_paste(content) or not text.is_acknowledgement(prose))
    return False


@dataclass(slots=True)
class QuestionState:
    """The mutable state of one tracked question; `to_fact()` gives its full upsert."""

    guild_id: int
    channel_id: int
    message_id: int
    asker_id: int
    asked_at: datetime
    snippet: str | None = None
    topics: tuple[str, ...] = ()
    parent_channel_id: int | None = None
    source: QuestionSource = "auto"
    status: QuestionStatus = "open"
    first_response_message_id: int | None = None
    first_response_at: datetime | None = None
    responders: list[int] = field(default_factory=list)
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    resolved_on: int | None = None  # the message the asker ticked ✅ on, while it is what resolved this
    confidence: float = 1.0  # how surely it reads as a help request (forum posts, tracked ones: 1)

    def add_response(self, message_id: int, author_id: int, at: datetime) -> bool:
        """Another member responded; returns True when the state changed."""
        if author_id == self.asker_id:
            return False
        changed = False
        if self.first_response_message_id is None:
            self.first_response_message_id = message_id
            self.first_response_at = at
            changed = True
        if author_id not in self.responders:
            self.responders.append(author_id)
            changed = True
        if self.status == "open":
            self.status = "answered"
            changed = True
        return changed

    def resolve(self, by_user_id: int, at: datetime) -> bool:
        if self.status == "resolved":
            return False
        self.status = "resolved"
        self.resolved_at = at
        self.resolved_by = by_user_id
        self.resolved_on = None
        return True

    def unresolve(self) -> bool:
        """Back to answered (or open, with no response yet): the signal that resolved it was taken back."""
        if self.status != "resolved":
            return False
        self.status = "answered" if self.first_response_message_id is not None else "open"
        self.resolved_at = None
        self.resolved_by = None
        self.resolved_on = None
        return True

    def to_fact(self) -> QuestionFact:
        return QuestionFact(
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            message_id=self.message_id,
            asker_id=self.asker_id,
            asked_at=self.asked_at,
            status=self.status,
            snippet=self.snippet,
            topics=self.topics,
            first_response_message_id=self.first_response_message_id,
            first_response_at=self.first_response_at,
            responder_ids=tuple(self.responders),
            resolved_at=self.resolved_at,
            resolved_by=self.resolved_by,
            parent_channel_id=self.parent_channel_id,
            source=self.source,
            resolved_on=self.resolved_on,
            confidence=self.confidence,
        )

    @classmethod
    def from_fact(cls, fact: QuestionFact) -> QuestionState:
        return cls(
            guild_id=fact.guild_id,
            channel_id=fact.channel_id,
            message_id=fact.message_id,
            asker_id=fact.asker_id,
            asked_at=fact.asked_at,
            snippet=fact.snippet,
            topics=fact.topics,
            parent_channel_id=fact.parent_channel_id,
            source=fact.source,
            status=fact.status,
            first_response_message_id=fact.first_response_message_id,
            first_response_at=fact.first_response_at,
            responders=list(fact.responder_ids),
            resolved_at=fact.resolved_at,
            resolved_by=fact.resolved_by,
            resolved_on=fact.resolved_on,
            confidence=fact.confidence,
        )


RUN_SECONDS = 180.0  # the run's first line is at most this old (the engine's self-continuation span)


def _in_run(line: Msg | None, author: int, now: float) -> bool:
    return (
        line is not None
        and line.author_id == author
        and now - line.ts <= RUN_SECONDS
        and not line.targets
        and not line.explicit
        and not line.is_question
        and not line.answered
        and not line.greeting
        and line.question_id is None
    )


def run_start(index: Mapping[int, Msg], flow: ChannelFlow, msg: Msg, content: str) -> Msg | None:
    """The first line of the run of `msg.author_id`'s own lines that the question `msg` continues,
    or None when the question stands on its own."""
    author = msg.author_id
    line = index.get(msg.parent_id) if msg.parent_id is not None else None
    start: Msg | None = None
    seen = {msg.message_id}  # a message handled twice (backfill overlapping live) can be its own parent
    while line is not None and line.message_id not in seen and _in_run(line, author, msg.ts):
        seen.add(line.message_id)
        start = line
        line = index.get(line.parent_id) if line.parent_id is not None else None
    if start is None:
        return None
    words = msg.words
    if not words or text.refers_back(content):
        return start
    for line in reversed(flow.messages):
        if line.ts < start.ts:
            break
        if line.author_id == author and line.words and not words.isdisjoint(line.words):
            return start
    return None


def latest_unresolved(
    flow: ChannelFlow | None, questions: Mapping[int, QuestionState], asker: int, before: Msg
) -> QuestionState | None:
    """`asker`'s latest question in the channel window, asked before `before`, if not yet resolved."""
    if flow is None:
        return None
    for msg in flow.recent():
        if msg.author_id == asker and msg.is_question and msg.ts <= before.ts:
            state = questions.get(msg.message_id)
            return state if state is not None and state.status != "resolved" else None
    return None


def thanked(state: QuestionState | None, targets: list[Target], thanker: int, when: datetime) -> bool:
    """The asker thanked the first of `targets` (by mention, reply or name): that member's message
    answered `state`, which is now resolved. Returns True when the state changed."""
    helper = next((t for t in targets if t.message_id is not None), None)
    if state is None or helper is None or helper.message_id is None or state.asker_id != thanker:
        return False
    changed = state.add_response(helper.message_id, helper.user_id, when)
    return state.resolve(thanker, when) or changed


def checked(state: QuestionState | None, reactor: int, message_id: int, author: int, when: datetime) -> bool:
    """The asker ticked ✅ on `author`'s message: it answered `state`, which is now resolved."""
    if state is None or state.asker_id != reactor or state.status == "resolved":
        return False
    if author != state.asker_id:
        state.add_response(message_id, author, when)
    if state.status == "answered" and state.resolve(reactor, when):
        state.resolved_on = message_id
        return True
    return False


def unchecked(questions: Mapping[int, QuestionState], msg: Msg | None, ev: ReactionRemoved) -> list[Fact]:
    """The asker took back the ✅ that resolved their question: it is answered again (the message
    stays a response: a tick taken back does not unsay an answer). Questions resolved by thanks, a
    marked answer or a moderator are not touched. Which message was ticked is part of the question's
    fact, so this also works after a restart."""
    if ev.emoji not in RESOLVE_EMOJI:
        return []
    near = [questions.get(ev.message_id), questions.get(msg.question_id) if msg and msg.question_id else None]
    candidates = [q for q in near if q is not None] or questions.values()
    for state in candidates:
        if state.resolved_on == ev.message_id and state.resolved_by == ev.user_id and state.unresolve():
            return [state.to_fact()]
    return []


def acknowledged(
    flow: ChannelFlow, questions: Mapping[int, QuestionState], guild_id: int, ack: Msg, targets: list[Target],
    content: str, when: datetime,
) -> list[Fact]:
    """Facts from a message that responds to someone and is the author's thanks or acknowledgement.

    Thanks by mention or reply resolve the author's latest question (`thanked`). An
    acknowledgement ("thanks", "ok that did it", "ah right") of a member while the author's
    latest question is still unanswered reveals that member's answer: their first line since
    the question that nobody linked (placed as the member's own follow-up, or left alone)
    answered it (thanks also resolve it). That line gets the interaction it missed, dated when it
    was posted: facts carry message ids, so the late upsert lands on the right rows."""
    thanks = text.is_thanks(content)
    if not thanks and not text.is_acknowledgement(content):
        return []
    addressed = [t for t in targets if t.kind != "inferred"] if not ack.asks else []
    if addressed and thanks:
        state = latest_unresolved(flow, questions, ack.author_id, ack)
        if thanked(state, addressed, ack.author_id, when) and state is not None:
            return [state.to_fact()]
    state = latest_unresolved(flow, questions, ack.author_id, ack)
    if state is None or state.status != "open":
        return []
    helper = targets[0].user_id
    asked = state.asked_at.timestamp()
    for line in flow.messages:
        if (line.author_id == helper and line.ts >= asked and not line.targets and not line.explicit
                and not line.is_question):
            at = datetime.fromtimestamp(line.ts, UTC)
            line.targets = (ack.author_id,)
            line.question_id = state.message_id
            state.add_response(line.message_id, helper, at)
            if thanks:
                state.resolve(ack.author_id, when)
            return [InteractionFact(guild_id, line.channel_id, line.message_id, helper, ack.author_id,
                                    state.message_id, "inferred", at), state.to_fact()]
    return []


def corrected(
    flow: ChannelFlow, questions: Mapping[int, QuestionState], guild_id: int, msg: Msg, targets: list[Target],
    content: str, when: datetime,
) -> list[Fact]:
    """A typed-name correction ("sorry bob, nettop" right after "@alice nettop?") re-addresses the
    author's previous line: that line was meant for the named member too. It gets the interaction it
    missed (dated when it was posted), and when it went to the named member's question, it is that
    question's first response rather than the correction."""
    named = next((t for t in targets if t.named), None)
    if named is None or text.first_word(content) not in text.CORRECTION_WORDS:
        return []
    prev = flow.last_by(msg.author_id)
    if (prev is None or prev.message_id == msg.message_id or not prev.explicit or named.user_id in prev.targets
            or msg.ts - prev.ts > flow.params.self_seconds):
        return []
    at = datetime.fromtimestamp(prev.ts, UTC)
    prev.targets = (*prev.targets, named.user_id)
    facts: list[Fact] = [InteractionFact(guild_id, prev.channel_id, prev.message_id, msg.author_id, named.user_id,
                                         named.message_id, "inferred", at)]
    state = questions.get(msg.question_id) if msg.question_id is not None else None
    if state is not None and state.asker_id == named.user_id and state.status != "resolved":
        if state.first_response_message_id == msg.message_id:
            state.first_response_message_id, state.first_response_at = prev.message_id, at
        state.add_response(prev.message_id, msg.author_id, at)
        facts.append(state.to_fact())
    return facts


def after_response(
    flow: ChannelFlow, questions: Mapping[int, QuestionState], guild_id: int, msg: Msg, targets: list[Target],
    content: str, when: datetime,
) -> list[Fact]:
    """What a response tells about earlier lines: a corrected addressee, or an acknowledged answer."""
    return (corrected(flow, questions, guild_id, msg, targets, content, when)
            + acknowledged(flow, questions, guild_id, msg, targets, content, when))
