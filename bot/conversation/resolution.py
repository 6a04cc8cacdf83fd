"""How a question gets resolved by signals outside its linked conversation.

Discord gives askers ways to say "this answered me" that no reply chain shows: a ✅ on a
helper's message that nothing linked to the question, or a thanks sent by mention or reply.
An asker's "ok that did it" can also show which unlinked line answered them. These functions
find the asker's question such a signal belongs to and apply it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from bot.conversation import text
from bot.conversation.events import ReactionRemoved
from bot.conversation.facts import Fact, InteractionFact
from bot.conversation.linking import ChannelFlow, Msg, Target
from bot.conversation.questions import RESOLVE_EMOJI, QuestionState


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
