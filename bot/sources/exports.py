"""Streaming reader for DiscordChatExporter JSON exports.

An export is one channel, thread or forum post. Messages are streamed with ijson so a
1 GB export is never held in memory. Every message becomes the same normalised event a
live Discord message becomes (`bot.conversation.events`).
"""

from __future__ import annotations

import gc
import heapq
import json
import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from bot.conversation.events import (
    ChannelKind,
    Event,
    MemberJoined,
    MessageCreated,
    ReactionAdded,
    is_placeholder_account,
)
from bot.sources.export_chunks import BLOCK, Unsure, fast_messages
from bot.sources.export_depth import TooDeep, check_depth

CHAT_TYPES = frozenset({"Default", "Reply"})
JOIN_TYPES = frozenset({"GuildMemberJoin"})
THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})
REACTION_DELAY = timedelta(milliseconds=1)


class ExportError(Exception):
    """A malformed export: names the file and the message where reading broke."""

    def __init__(self, path: Path, reason: str, *, index: int | None = None, message_id: str | None = None):
        where = ""
        if index is not None:
            where = f" at message #{index + 1}"
            if message_id:
                where += f" (id {message_id})"
        super().__init__(f"{path}: {reason}{where}")
        self.path = path
        self.reason = reason
        self.index = index
        self.message_id = message_id


class NotAnExport(ExportError):
    """The file is not a DiscordChatExporter JSON export of a server channel (not JSON, not UTF-8
    where it starts, no guild or channel object): a command given a folder passes over it."""


class DirectMessages(NotAnExport):
    """An export of a direct message or group DM: Hearth reads server channels only."""


UTF8_BOM = b"\xef\xbb\xbf"
REEXPORT = "re-export with DiscordChatExporter's JSON format"
DIRECT_TYPES = frozenset({"DirectTextChat", "DirectGroupTextChat"})


def open_export(path: Path) -> BinaryIO:
    """The file opened for reading, past a UTF-8 byte order mark when it starts with one
    (some editors and tools on Windows add it; JSON parsers refuse it)."""
    handle = path.open("rb")
    if handle.read(len(UTF8_BOM)) != UTF8_BOM:
        handle.seek(0)
    return handle


def first_bad_utf8(path: Path, block: int = 1024 * 1024) -> tuple[int, int] | None:
    """(file offset, byte) of the first byte that is not UTF-8 text, or None when all of it is."""
    offset = 0  # the file offset of pending[0]
    pending = b""
    with path.open("rb") as handle:
        while True:
            data = handle.read(block)
            pending += data
            if not pending:
                return None
            try:
                pending.decode("utf-8")
            except UnicodeDecodeError as exc:
                if data and exc.reason == "unexpected end of data":
                    offset += exc.start  # a character cut by the block: finish it with the next one
                    pending = pending[exc.start :]
                    continue
                return offset + exc.start, pending[exc.start]
            if not data:
                return None
            offset += len(pending)
            pending = b""


def _starts_utf16(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) in (b"\xff\xfe", b"\xfe\xff")


def not_utf8(path: Path, found: tuple[int, int]) -> str:
    offset, byte = found
    utf16 = " (it looks like UTF-16)" if _starts_utf16(path) else ""
    return f"not UTF-8 text{utf16} (byte 0x{byte:02x} at offset {offset}); {REEXPORT}"


def json_problem(path: Path, exc: Exception) -> tuple[str | None, str]:
    """(why the file is not UTF-8, or None; the parser's complaint in a few words). The parser's
    own message quotes the text around the error, so only its first line is kept: an error
    never shows what members wrote."""
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc) or _starts_utf16(path):
        found = first_bad_utf8(path)
        if found is not None:
            return not_utf8(path, found), ""
    raw = exc.args[0] if exc.args else exc
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    first = text.strip().splitlines()[0].strip() if text.strip() else type(exc).__name__
    return None, printable(first[:120])


@dataclass(frozen=True, slots=True)
class ExportHeader:
    path: Path
    guild_id: int
    guild_name: str
    channel_id: int
    channel_name: str
    channel_type: str
    parent_channel_id: int | None

    @property
    def is_thread(self) -> bool:
        return self.channel_type in THREAD_TYPES


@dataclass
class ReadStats:
    messages: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    out_of_order: int = 0

    def merge(self, other: ReadStats) -> None:
        self.messages += other.messages
        self.skipped.update(other.skipped)
        self.out_of_order += other.out_of_order


def _snowflake(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} is not a snowflake id: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
    else:
        raise ValueError(f"{what} is not a snowflake id: {str(value)[:40]!r}")
    if not 0 < number < 2**63:
        raise ValueError(f"{what} is out of range: {number}")
    return number


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"timestamp is not a string: {str(value)[:40]!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"timestamp is not ISO-8601: {value[:40]!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp has no time zone: {value[:40]!r}")
    return parsed


def _first_object(path: Path, key: str) -> dict[str, Any] | None:
    with open_export(path) as handle:
        for item in ijson.items(handle, key, use_float=True):
            return item if isinstance(item, dict) else None
    return None


def read_header(path: Path) -> ExportHeader:
    """Read the guild and channel of an export without reading its messages (after checking how
    deeply the whole file nests, so no parser ever builds a hostile value)."""
    try:
        with path.open("rb") as handle:
            check_depth(handle)
    except TooDeep as exc:
        raise ExportError(path, f"{exc}; an export nests fewer than ten levels, so this is not one") from exc
    except OSError as exc:
        raise ExportError(path, f"cannot be read ({exc.strerror or exc})") from exc
    try:
        guild = _first_object(path, "guild")
        channel = _first_object(path, "channel")
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        encoding, words = json_problem(path, exc)
        raise NotAnExport(path, encoding or f"not valid JSON ({words})") from exc
    except OSError as exc:
        raise ExportError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if guild is None or channel is None:
        raise NotAnExport(path, "not a DiscordChatExporter JSON export (no 'guild' or 'channel' object)")
    channel_type = str(channel.get("type") or "GuildTextChat")
    if channel_type in DIRECT_TYPES or str(guild.get("id")) == "0":
        raise DirectMessages(
            path,
            "a direct-message export: Hearth reads server channels only "
            "(direct messages and group DMs are not supported)",
        )
    try:
        parent: int | None = None
        if channel_type in THREAD_TYPES and channel.get("categoryId") not in (None, "", "0"):
            parent = _snowflake(channel.get("categoryId"), "channel.categoryId")
        return ExportHeader(
            path=path,
            guild_id=_snowflake(guild.get("id"), "guild.id"),
            guild_name=str(guild.get("name") or ""),
            channel_id=_snowflake(channel.get("id"), "channel.id"),
            channel_name=str(channel.get("name") or ""),
            channel_type=channel_type,
            parent_channel_id=parent,
        )
    except ValueError as exc:
        raise ExportError(path, str(exc)) from exc


class ExportReader:
    """Streams the events of one export. Malformed input raises `ExportError`."""

    def __init__(self, path: Path, *, block: int = BLOCK) -> None:
        self.path = path
        self.block = block  # bytes read at a time (merged_events lowers it for many files)
        self.header = read_header(path)
        self.stats = ReadStats()
        self.names: dict[int, str] = {}  # author id -> display name, for offline reports only

    def _open(self) -> BinaryIO:
        return open_export(self.path)

    def raw_messages(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(index, message) for each item of the messages array: decoded in blocks by orjson where
        the layout allows it (`bot.sources.export_chunks`), the rest by ijson, with the same errors."""
        index = -1
        try:
            with self._open() as handle:
                for index, item in enumerate(fast_messages(handle, self.block)):
                    yield index, item
            return
        except Unsure:
            done = index + 1  # ijson reads on from the first message not yet given
        try:
            with self._open() as handle:
                for index, item in enumerate(ijson.items(handle, "messages.item", use_float=True)):
                    if index >= done:
                        yield index, item
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            encoding, words = json_problem(self.path, exc)
            if encoding is not None:
                raise ExportError(self.path, encoding) from exc
            raise ExportError(
                self.path, f"broken JSON after the last good message ({words})", index=index + 1
            ) from exc

    def events(self) -> Iterator[Event]:
        """The events of the export, in file order; counts into `self.stats`."""
        return self._scan(self.stats, build=True)

    def check(self) -> ReadStats:
        """Read the export through as `events()` does, raising the same `ExportError`s and
        counting the same stats, without building the events (`analyze` checks first)."""
        stats = ReadStats()
        for _ in self._scan(stats, build=False):
            pass
        return stats

    def _scan(self, stats: ReadStats, *, build: bool) -> Iterator[Event]:
        header = self.header
        kind: ChannelKind = "thread" if header.is_thread else "text"
        seen: dict[int, None] = {}  # a dict of ints is not tracked by the garbage collector; a set is
        last_at: datetime | None = None
        owner: int | None = None
        skipped = stats.skipped
        for index, raw in self.raw_messages():
            if not isinstance(raw, dict):
                raise ExportError(self.path, "a message is not a JSON object", index=index)
            raw_id = raw.get("id")
            try:
                message_id = _snowflake(raw_id, "message id")
                mtype = raw.get("type", "Default")
                if not isinstance(mtype, str):
                    raise ValueError(f"message type is not a string: {str(mtype)[:40]!r}")
                author = raw.get("author")
                if not isinstance(author, dict):
                    raise ValueError("message has no author object")
                author_id = _snowflake(author.get("id"), "author id")
                created = _timestamp(raw.get("timestamp"))
            except ValueError as exc:
                raise ExportError(self.path, str(exc), index=index, message_id=str(raw_id)[:30]) from exc
            if message_id in seen:
                skipped["duplicate id"] += 1
                continue
            seen[message_id] = None
            if last_at is None or created >= last_at:
                last_at = created
            else:
                stats.out_of_order += 1
            is_bot = bool(author.get("isBot", False)) or is_placeholder_account(author_id)
            if mtype in JOIN_TYPES:
                if build:
                    yield MemberJoined(header.guild_id, author_id, created, is_bot=is_bot)
                continue
            if mtype not in CHAT_TYPES:
                skipped[f"message type {printable(mtype[:40])}"] += 1
                continue
            try:
                content, mentions, ref_id = _message_fields(raw)
            except ValueError as exc:
                raise ExportError(self.path, str(exc), index=index, message_id=str(message_id)) from exc
            stats.messages += 1
            if not build:
                for _ in _reaction_users(raw, skipped):
                    pass
                continue
            name = _display_name(author)
            if name and author_id not in self.names:
                self.names[author_id] = name
            event = MessageCreated(
                guild_id=header.guild_id,
                channel_id=header.channel_id,
                message_id=message_id,
                author_id=author_id,
                created_at=created,
                content=content,
                author_is_bot=is_bot,
                channel_kind=kind,
                parent_channel_id=header.parent_channel_id,
                mentions=mentions,
                reference_message_id=ref_id,
                thread_owner_id=owner,
                author_name=name,
            )
            if header.is_thread and owner is None:
                owner = author_id
                if message_id == header.channel_id:
                    kind = "forum_post"
                event = _replace_thread_start(event, kind, owner)
            yield event
            if raw.get("reactions"):
                at = created + REACTION_DELAY
                for emoji, uid, user_is_bot in _reaction_users(raw, skipped):
                    yield ReactionAdded(
                        guild_id=header.guild_id,
                        channel_id=header.channel_id,
                        message_id=message_id,
                        user_id=uid,
                        emoji=emoji,
                        at=at,
                        user_is_bot=user_is_bot,
                        message_author_id=author_id,
                    )


def _message_fields(raw: dict[str, Any]) -> tuple[str, tuple[int, ...], int | None]:
    """Content, mentioned member ids (first mention first) and the replied-to message id."""
    content = raw.get("content") or ""
    if not isinstance(content, str):
        raise ValueError("message content is not a string")
    mentions_raw = raw.get("mentions") or []
    if not isinstance(mentions_raw, list):
        raise ValueError("mentions is not a list")
    mentions: list[int] = []
    for mention in mentions_raw:
        if isinstance(mention, dict):
            uid = _snowflake(mention.get("id"), "mention id")
            if uid not in mentions and not is_placeholder_account(uid):
                mentions.append(uid)
    reference = raw.get("reference")
    ref_id: int | None = None
    if isinstance(reference, dict) and reference.get("messageId") not in (None, ""):
        ref_id = _snowflake(reference.get("messageId"), "reference.messageId")
    return content, tuple(mentions), ref_id


def _reaction_users(raw: dict[str, Any], skipped: Counter[str]) -> Iterator[tuple[str, int, bool]]:
    """(emoji, user id, user is a bot) for each user of each reaction; malformed parts are counted."""
    reactions = raw.get("reactions") or []
    if not isinstance(reactions, list):
        skipped["malformed reactions"] += 1
        return
    for reaction in reactions:
        if not isinstance(reaction, dict) or not isinstance(reaction.get("emoji"), dict):
            skipped["malformed reaction"] += 1
            continue
        emoji = str(reaction["emoji"].get("name") or "")
        users = reaction.get("users") or []
        if not isinstance(users, list):
            continue
        for user in users:
            try:
                uid = _snowflake(user.get("id") if isinstance(user, dict) else None, "reaction user id")
            except ValueError:
                skipped["malformed reaction user"] += 1
                continue
            yield emoji, uid, bool(user.get("isBot", False)) or is_placeholder_account(uid)


def printable(text: str) -> str:
    """`text` safe to print on a terminal: control and format characters (escape sequences,
    right-to-left overrides) are shown as `\\uXXXX` instead of acting on the terminal."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def _display_name(author: dict[str, Any]) -> str | None:
    """The name members see (used to read typed addressing like "bob: try this"; never stored)."""
    name = author.get("nickname") or author.get("name")
    return name if isinstance(name, str) and name else None


def _replace_thread_start(event: MessageCreated, kind: ChannelKind, owner: int) -> MessageCreated:
    return replace(event, channel_kind=kind, is_thread_starter=True, thread_owner_id=owner)


_TIME_OF: dict[type, Callable[[Any], datetime]] = {
    MessageCreated: attrgetter("created_at"),
    ReactionAdded: attrgetter("at"),
    MemberJoined: attrgetter("at"),
}


def _event_time(event: Event) -> datetime:
    known = _TIME_OF.get(type(event))
    if known is not None:
        return known(event)
    for name in ("created_at", "at", "edited_at", "deleted_at"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value
    raise TypeError(f"event without a time: {event!r}")


MERGE_BUDGET = 16 * 1024 * 1024  # bytes read ahead across all exports being merged


def merged_events(readers: Iterable[ExportReader]) -> Iterator[Event]:
    """All events of several exports (channels, threads, posts) merged in time order.

    Every export is open at once, so each reads smaller blocks when there are many of them
    (between 16 KB and 256 KB each, about 16 MB of JSON in all)."""
    readers = list(readers)
    block = max(16 * 1024, MERGE_BUDGET // max(1, len(readers)))
    for reader in readers:
        reader.block = min(reader.block, block)
    streams = [reader.events() for reader in readers]
    return heapq.merge(*streams, key=_event_time)


def check_exports(paths: Sequence[Path]) -> ReadStats:
    """Read every export through, in order, as `analyze` must before it writes anything."""
    total = ReadStats()
    for path in paths:
        total.merge(ExportReader(path).check())
    return total


WITH_PARENT = "--exit-with-parent"


def _exit_with_parent() -> None:
    """End this process when the parent's end of stdin closes (the parent exited or was
    killed): a check nobody waits for must not go on reading a big export."""

    def watch() -> None:
        # the file descriptor, not `sys.stdin.buffer`: a daemon thread blocked in a buffered
        # read holds its lock, and the interpreter's shutdown aborts (SIGABRT) waiting for it
        fd = sys.stdin.fileno()
        while os.read(fd, 4096):
            pass
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: Sequence[str]) -> int:
    """`python -m bot.sources.exports [--exit-with-parent] FILE...`: check exports and print the
    outcome as one JSON line (`analyze` runs this beside its replay so a second core does the
    checking, with a pipe on stdin that closes when `analyze` ends)."""
    argv = list(argv)
    if argv[:1] == [WITH_PARENT]:
        argv = argv[1:]
        _exit_with_parent()
    gc.freeze()  # a check keeps little alive: no full collection needs to walk the start-up objects
    gc.set_threshold(50_000, 20, 100)
    try:
        stats = check_exports([Path(arg) for arg in argv])
    except ExportError as exc:
        print(json.dumps({"error": str(exc)}))
        return 0
    outcome = {"messages": stats.messages, "skipped": dict(stats.skipped), "out_of_order": stats.out_of_order}
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
