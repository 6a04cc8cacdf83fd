"""The messages array of an export decoded in blocks of whole lines by orjson.

ijson builds every value of a message through its Python-level item builder (about 14 µs a
message); orjson decodes a block of messages in one C call. Blocks stay small, so a big
export is still never held in memory.

Why a cut is safe: a JSON string cannot hold a raw line break, so every line break in an
export lies between tokens. A run of text that starts at a message and ends after a `}` at
the end of a line decodes as `[` + run + `]` only when it ends between two messages (a cut
inside a message leaves a bracket open). Anything this reader cannot prove (a layout without
line breaks, a number that may not fit 64 bits, broken JSON) raises `Unsure`; the caller then reads
the rest with ijson, which words and numbers the error as it always has.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson
import orjson

BLOCK = 256 * 1024
MAX_PENDING = 16 * 1024 * 1024  # a longer run without a provable cut goes to ijson
MAX_HEAD = 4 * 1024 * 1024  # the guild/channel header before the messages array
_START = re.compile(rb'"messages"\s*:\s*\[')
_WS = b" \t\r\n"
# A number of 19 digits or more may not fit 64 bits: ijson refuses it, orjson makes it a float.
# Found by mapping every digit to 0 and dropping white space, then looking for 19 zeros after a
# `:`, `[` or `,` (text inside a string can look the same: then ijson reads on, only slower).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG = b"0" * 19
_LONG_NUMBERS = tuple(start + sign + _LONG for start in (b":", b"[", b",") for sign in (b"", b"-"))
_CUT_TRIES = 3  # decode attempts per block
_LINES_BACK = 96  # lines looked at, from the end of a block, for a cut


class Unsure(Exception):
    """This reader cannot go on; read the rest with ijson."""


def _messages_array_opens(prefix: bytes) -> bool:
    """Whether `prefix` (the file up to a `[`) opens the top-level "messages" array."""
    last: tuple[str, str] | None = None
    try:
        for path, event, _value in ijson.parse(prefix):
            last = (path, event)
    except (ijson.JSONError, UnicodeDecodeError):
        pass  # the prefix ends inside the document: incomplete by construction
    return last == ("messages", "start_array")


def _cuts(run: bytes) -> list[int]:
    """Candidate cuts (offsets just after a `}` ending a line), least indented first."""
    found: list[tuple[int, int]] = []
    end = len(run)
    for _ in range(_LINES_BACK):
        newline = run.rfind(b"\n", 0, end)
        if newline <= 0:
            break
        line_start = run.rfind(b"\n", 0, newline) + 1
        line = run[line_start:newline].rstrip(b" \t\r")
        if line.endswith(b"},"):
            cut = line_start + len(line) - 1
        elif line.endswith(b"}"):
            cut = line_start + len(line)
        else:
            cut = -1
        if cut > 0:
            indent = len(line) - len(line.lstrip(b" \t"))
            found.append((indent, -cut))
        end = newline
    found.sort()
    return [-neg for _indent, neg in found[:_CUT_TRIES]]


def _has_long_number(text: bytes) -> bool:
    shape = text.translate(_DIGITS_TO_ZERO, _WS)
    return any(long in shape for long in _LONG_NUMBERS)


def _decode_run(run: bytes) -> tuple[list[Any], int] | None:
    """Decode the longest provable run of whole messages at the start of `run`."""
    for cut in _cuts(run):
        if _has_long_number(run[:cut]):
            raise Unsure("a number that may not fit 64 bits")
        try:
            items = orjson.loads(b"[" + run[:cut] + b"]")
        except orjson.JSONDecodeError:
            continue
        if isinstance(items, list):
            return items, cut
    return None


def fast_messages(handle: BinaryIO, block: int = BLOCK) -> Iterator[Any]:
    """The items of the top-level "messages" array of the export in `handle`, in order.

    Raises `Unsure` (after yielding only items it proved) when it cannot go on.
    """
    head = handle.read(block)
    start = _START.search(head)
    while start is None and len(head) < MAX_HEAD:
        more = handle.read(block)
        if not more:
            break
        head += more
        start = _START.search(head)
    if start is None or not _messages_array_opens(head[: start.end()]):
        raise Unsure("no top-level messages array found")
    prefix = head[: start.end()]
    pending = head[start.end() :]
    need_item = False  # True after a comma: the next token must start a message
    need_comma = False  # True after a message decoded without its comma
    eof = False
    while True:
        pending = pending.lstrip(_WS)
        if need_comma and pending[:1] == b",":
            pending = pending[1:].lstrip(_WS)
            need_comma, need_item = False, True
        if pending[:1] == b"]" and not need_item:
            _check_tail(prefix, pending, handle)
            return
        if need_comma and pending:
            raise Unsure("no comma between two messages")
        decoded = _decode_run(pending) if pending else None
        if decoded is None:
            if eof or len(pending) > MAX_PENDING:
                raise Unsure("no provable end of a message")
            more = handle.read(block)
            eof = not more
            pending += more
            continue
        items, cut = decoded
        yield from items
        pending = pending[cut:]
        if pending[:1] == b",":
            pending = pending[1:]
            need_item, need_comma = True, False
        else:
            need_item, need_comma = False, True


def _check_tail(prefix: bytes, tail: bytes, handle: BinaryIO) -> None:
    """The document around the messages array (header and what follows it) must be valid JSON."""
    rest = handle.read()
    try:
        document = orjson.loads(prefix + tail + rest)
    except orjson.JSONDecodeError as exc:
        raise Unsure("the document around the messages is not valid JSON") from exc
    if not isinstance(document, dict) or document.get("messages") != []:
        raise Unsure("the messages array is not where it was read")


__all__ = ["BLOCK", "Unsure", "fast_messages"]
