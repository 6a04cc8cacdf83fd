"""How a question gets resolved by signals outside its linked conversation.

Discord gives askers ways to say "this answered me" that no reply chain shows: a ✅ on a
helper's message that nothing linked to the question, or a thanks sent by mention or reply.
An asker's "ok that did it" can also show which unlinked line answered them. These functions
find the asker's question such a signal belongs to and apply it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from bot.core import text
from bot.core.facts import Fact, InteractionFact
from bot.core.inference import ChannelFlow, Msg, Target
from bot.core.questions import QuestionState


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
    return state.status == "answered" and state.resolve(reactor, when)


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
