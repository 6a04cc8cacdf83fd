"""How a question gets resolved by signals outside its linked conversation.

Discord gives askers ways to say "this answered me" that no reply chain shows: a ✅ on a
helper's message that nothing linked to the question, or a thanks sent by mention or reply.
These functions find the asker's question such a signal belongs to and apply it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

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
