"""The analysis report (`community-analysis/1`), written from what the store holds.

Streams rows into the file so a report of millions of interactions never sits in memory,
and writes to a temporary file first so a failed run leaves no half-written report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.continuations import Continuations, Line
from bot.sources.report_store import report_interactions, report_lines, report_questions

SCHEMA = "community-analysis/1"


def reported_status(status: str, has_responders: bool) -> str:
    """A question's status as the report defines it: `open` while no other member has responded
    (also when its asker said "nvm, fixed it": settled for Hearth, but unanswered)."""
    return "open" if not has_responders else status


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def continuation(line: Line, parent_id: int) -> dict[str, Any]:
    """A message carrying on its author's own earlier one, as the report lists it: among the
    interactions, with the author as both source and target and `kind` "continuation" (it is not
    a member-to-member interaction; the links of a conversation are)."""
    return {
        "message_id": str(line.message_id),
        "source_user_id": str(line.author_id),
        "target_user_id": str(line.author_id),
        "target_message_id": str(parent_id),
        "kind": "continuation",
        "at": _iso(line.created_at),
    }


# `json.dumps(item, ensure_ascii=False)` builds a new encoder for every call; one encoder, made
# once, writes the same bytes.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _dump(handle: IO[str], first: bool, item: dict[str, Any]) -> None:
    handle.write(("\n  " if first else ",\n  ") + _encode(item))


async def write_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    guild_id: int,
    channel_ids: Collection[int],
    path: Path,
    *,
    summary: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Write the report for `channel_ids` of `guild_id` to `path`; return counts."""
    counts = {"questions": 0, "open": 0, "answered": 0, "resolved": 0, "interactions": 0, "continuations": 0}
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    async with sessionmaker() as session:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(f'{{\n"schema": "{SCHEMA}",\n"guild_id": "{guild_id}",\n"questions": [')
            first = True
            async for question, responders in report_questions(session, guild_id, channel_ids):
                _dump(
                    handle,
                    first,
                    {
                        "message_id": str(question.message_id),
                        "channel_id": str(question.channel_id),
                        "asker_id": str(question.asker_id),
                        "asked_at": _iso(question.asked_at),
                        "status": reported_status(question.status, bool(responders)),
                        "first_response_message_id": (
                            str(question.first_response_message_id)
                            if question.first_response_message_id is not None
                            else None
                        ),
                        "first_response_at": _iso(question.first_response_at),
                        "responder_ids": [str(r) for r in responders],
                        "source": question.source,
                    },
                )
                first = False
                counts["questions"] += 1
                status = reported_status(question.status, bool(responders))
                counts[status] = counts.get(status, 0) + 1
            handle.write('\n],\n"interactions": [')
            first = True
            async for mid, source, target, target_mid, kind, at in report_interactions(
                session, guild_id, channel_ids
            ):
                _dump(
                    handle,
                    first,
                    {
                        "message_id": str(mid),
                        "source_user_id": str(source),
                        "target_user_id": str(target),
                        "target_message_id": str(target_mid) if target_mid is not None else None,
                        "kind": kind,
                        "at": _iso(at),
                    },
                )
                first = False
                counts["interactions"] += 1
            joined = Continuations()
            async for line in report_lines(session, guild_id, channel_ids):
                parent = joined.continues(line)
                if parent is not None:
                    _dump(handle, first, continuation(line, parent))
                    first = False
                    counts["continuations"] += 1
            handle.write('\n],\n"summary": ')
            handle.write(json.dumps({**(summary or {}), **counts}, ensure_ascii=False))
            handle.write("\n}\n")
            handle.flush()
            os.fsync(handle.fileno())
    tmp.replace(path)
    return counts
