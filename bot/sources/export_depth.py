"""How deeply an export nests, measured before any JSON parser builds a value.

A DiscordChatExporter export nests about six levels (document, messages, message, embed,
field, ...). A hostile file can nest a hundred thousand levels in 200 KB, and a parser
that builds it takes gigabytes. This scan reads the file in blocks and keeps only what
decides nesting: escapes are dropped, then everything but quotes and brackets, then whole
strings; numpy sums the brackets that are left. Memory stays one block, time a few
hundred megabytes a second.
"""

from __future__ import annotations

import re
from typing import BinaryIO

import numpy as np

MAX_DEPTH = 64  # arrays and objects inside one another; real exports stay under ten
BLOCK = 4 * 1024 * 1024

_ESCAPE = re.compile(rb"\\.", re.DOTALL)  # a backslash and the byte it escapes
_KEEP = b'[]{}"'
_DROP = bytes(b for b in range(256) if b not in _KEEP)
_STRING = re.compile(rb'"[^"]*"')
_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # +1 for an opening bracket, -1 for a closing one


class TooDeep(ValueError):
    """The file nests arrays and objects deeper than `MAX_DEPTH`."""


def _trailing_backslashes(chunk: bytes) -> int:
    return len(chunk) - len(chunk.rstrip(b"\\"))


def check_depth(handle: BinaryIO, limit: int = MAX_DEPTH, block: int = BLOCK) -> int:
    """The deepest nesting of arrays and objects in `handle` (read to its end); raises
    `TooDeep` as soon as it passes `limit`. Brackets inside strings do not count."""
    depth = deepest = 0
    in_string = False
    held = b""
    while True:
        data = handle.read(block)
        chunk = held + data
        held = b""
        if data and _trailing_backslashes(chunk) % 2:
            chunk, held = chunk[:-1], chunk[-1:]  # an escape cut in two: finish it with the next block
        if not chunk:
            if not data:
                return deepest
            continue
        shape = _ESCAPE.sub(b"", chunk).translate(None, _DROP)
        if in_string:
            shape = b'"' + shape
        shape = _STRING.sub(b"", shape)
        open_quote = shape.find(b'"')
        in_string = open_quote >= 0
        if in_string:
            shape = shape[:open_quote]  # the rest of the block is inside a string
        if shape:
            steps = np.frombuffer(shape.translate(_STEPS), dtype=np.int8).astype(np.int32)
            running = np.cumsum(steps) + depth
            deepest = max(deepest, int(running.max()))
            depth = int(running[-1])
            if deepest > limit:
                raise TooDeep(f"arrays and objects are nested more than {limit} levels deep")
        if not data:
            return deepest


__all__ = ["MAX_DEPTH", "TooDeep", "check_depth"]
