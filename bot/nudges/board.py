"""The open-questions board: one message (or a few, for a long list) per help-wanted channel,
edited in place as questions wait, get answered and close.

A question joins the board at the ladder's listing step (and moves to the top again when its
asker says it is still stuck); it leaves when it is no longer open or is older than the
board's horizon. Newest needs first; each line has the channel, the asker (a mention inside an
embed shows the name and pings nobody), a short topic, its age and a jump link. Ages are
Discord timestamps that the client keeps current, so the board is edited only when its list
changes, never just because time passed.

A board whose message was deleted is posted again once; if that one is deleted too, the
moderators clearly do not want it, and it stays retired until the help-wanted channel is set
again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.conversation.facts import QuestionFact

ENTRIES_PER_PAGE = 10
MAX_PAGES = 3
RETIRED = 2  # `recreated` value of a board deleted twice: not posted again
CLAIM_PREFIX = "~"  # the fingerprint of a board whose update one process has taken
CLAIM_TIMEOUT = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class BoardEntry:
    guild_id: int
    channel_id: int  # where the question was asked (a thread's own id inside a thread)
    question_message_id: int
    asker_id: int
    asked_at: datetime
    listed_at: datetime  # when it joined the board, or was put back on it
    snippet: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BoardState:
    """What is stored about a server's board."""

    guild_id: int
    channel_id: int
    message_ids: tuple[int, ...]
    fingerprint: str
    recreated: int = 0
    updated_at: datetime | None = None

    @property
    def retired(self) -> bool:
        return self.recreated >= RETIRED

    def in_progress(self, now: datetime) -> bool:
        """Another process took the board's update and has not finished it (a claim older than
        `CLAIM_TIMEOUT` was abandoned: a crash; it may be taken again)."""
        fresh = self.updated_at is not None and now - self.updated_at < CLAIM_TIMEOUT
        return self.fingerprint.startswith(CLAIM_PREFIX) and fresh


@dataclass(frozen=True, slots=True)
class BoardUpdate:
    """The board of one server as it must look now; the cog edits (or posts) its pages."""

    guild_id: int
    channel_id: int
    pages: tuple[tuple[BoardEntry, ...], ...]  # at least one (an empty board says so)
    more: int  # waiting questions that do not fit on the pages
    message_ids: tuple[int, ...]  # the board's current messages (empty: post it)
    fingerprint: str
    recreated: int
    seen: str | None = None  # the stored fingerprint it was planned from (None: no board row yet)

    @property
    def entries(self) -> int:
        return sum(len(page) for page in self.pages) + self.more


def board_entries(listed: Iterable[tuple[QuestionFact, datetime]]) -> list[BoardEntry]:
    """The open questions of the board, newest need first."""
    entries = [
        BoardEntry(
            guild_id=q.guild_id,
            channel_id=q.channel_id,
            question_message_id=q.message_id,
            asker_id=q.asker_id,
            asked_at=q.asked_at,
            listed_at=listed_at,
            snippet=q.snippet,
            topics=q.topics,
        )
        for q, listed_at in listed
        if q.status == "open"
    ]
    entries.sort(key=lambda e: (e.listed_at, e.asked_at, e.question_message_id), reverse=True)
    return entries


def paginate(
    entries: Sequence[BoardEntry], per_page: int = ENTRIES_PER_PAGE, max_pages: int = MAX_PAGES
) -> tuple[tuple[tuple[BoardEntry, ...], ...], int]:
    """(pages, how many did not fit). There is always one page, empty when nothing waits."""
    shown = list(entries[: per_page * max_pages])
    pages = tuple(tuple(shown[i : i + per_page]) for i in range(0, len(shown), per_page)) or ((),)
    return pages, len(entries) - len(shown)


def fingerprint(channel_id: int, pages: Sequence[Sequence[BoardEntry]], more: int) -> str:
    """Changes exactly when what the board shows changes."""
    digest = hashlib.sha256(f"{channel_id}|{more}".encode())
    for page in pages:
        digest.update(b"/")
        for e in page:
            digest.update(f"{e.question_message_id},{e.channel_id},{e.listed_at.isoformat()},{e.snippet};".encode())
    return digest.hexdigest()[:32]


def plan_board(
    guild_id: int,
    channel_id: int | None,
    entries: Sequence[BoardEntry],
    state: BoardState | None,
    now: datetime | None = None,
) -> BoardUpdate | None:
    """The update to make now, or None when the board already shows this (or must not be shown).

    No board is posted before a first question waits; a board moved to another channel starts
    afresh there (the old messages are left as they are); a retired board stays retired."""
    if channel_id is None:
        return None
    if state is not None and now is not None and state.in_progress(now):
        return None  # another process is updating it
    moved = state is not None and state.channel_id != channel_id
    if state is not None and not moved and state.retired:
        return None
    pages, more = paginate(entries)
    mark = fingerprint(channel_id, pages, more)
    seen = None if state is None else state.fingerprint
    if state is None or moved:
        if not entries:
            return None
        return BoardUpdate(guild_id, channel_id, pages, more, (), mark, 0, seen)
    if state.fingerprint == mark and state.message_ids:
        return None
    return BoardUpdate(guild_id, channel_id, pages, more, state.message_ids, mark, state.recreated, seen)


def after_deletion(update: BoardUpdate) -> BoardUpdate | None:
    """The board's message was deleted: post it again once (None: it is retired now)."""
    if update.recreated + 1 >= RETIRED:
        return None
    return BoardUpdate(
        update.guild_id, update.channel_id, update.pages, update.more, (), update.fingerprint,
        update.recreated + 1, update.seen,
    )
