"""Where a question starts: often a line or two before the question mark.

People rarely ask in one line. "Hi, I have a problem with fail2ban, it does not put the IP
in jail" ... "who can help me on this?": the question-shaped line points back at the
statement before it, and helpers answer either line. The question is the first line of the
asker's run: their own consecutive lines that nobody has responded to and that were not
addressed to anyone, within a few minutes. A bare greeting ("hi all") is not part of it,
and a question with content of its own that neither points back ("this", "that", "it") nor
shares a word with the run starts a new topic instead ("I think it's grub" ... "anyone using
beagle here?").
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.conversation import text
from bot.conversation.linking import ChannelFlow, Msg

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
