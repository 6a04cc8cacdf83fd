"""Fuzz: 10,000 generated hostile exports and 10,000 hostile live messages.

Exports mix deep and wide nesting, huge and empty fields, odd encodings (UTF-16, a BOM,
invalid bytes), broken ids and mention objects. Each goes through the export reader (header
check and every event) and its messages through the engine: the only failure allowed is an
`ExportError` naming the file; memory stays bounded (the process's peak grows by less than 64 MB after the first hundred).
Live messages with mass mentions, mention syntax, control characters and huge text go through
the engine and the question snippet: no crash, and no snippet ever carries a live mention.
"""

from __future__ import annotations

import json
import random
import resource
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.conversation.clock import FakeClock
from bot.conversation.engine import Engine
from bot.conversation.events import MessageCreated
from bot.conversation.safety import has_live_mention, quote_snippet
from bot.sources.exports import ExportError, ExportReader
from tests.reliability.conftest import Figures
from tests.reliability.hostile_exports import GUILD, MEMBERS, document, message

EXPORTS = 10_000
MESSAGES = 10_000
PIECES = ["@everyone", "@here", "<@&1>", "<@!811871256700780569>", "<#1>", "\u202e", "\x1b[2J", "\x00", "?",
          "thanks!", "```py\nx\n```", "[a](https://x.y)", "\ud7ff", "ｈｅｌｐ？", "🔥" * 3, "\n"]  # fmt: skip


def _text(rng: random.Random) -> str:
    size = rng.choice([0, 1, 5, 40, 400, 4000])
    parts = [rng.choice(PIECES) if rng.random() < 0.3 else chr(rng.randrange(32, 0x2FFF)) for _ in range(size)]
    return "".join(parts)


def _nested(rng: random.Random, depth: int) -> Any:
    value: Any = rng.choice([1, "x", None, True, 1.5e308])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def _hostile_message(rng: random.Random, index: int) -> Any:
    raw = message(index, _text(rng) or "?", user=rng.choice(MEMBERS))
    roll = rng.random()
    if roll < 0.15:
        raw["embeds"] = _nested(rng, rng.choice([3, 30, 70, 300]))
    elif roll < 0.25:
        raw["mentions"] = [{"id": rng.choice(["0", "-1", "9" * 30, str(MEMBERS[0]), "x"])} for _ in range(rng.randrange(5))]
    elif roll < 0.32:
        raw["id"] = rng.choice([None, "", "1e5", 12, "99999999999999999999999"])
    elif roll < 0.38:
        raw["reactions"] = [{"emoji": {"name": _text(rng)}, "users": [{"id": rng.choice(["1", None])}]}]
    elif roll < 0.42:
        return _nested(rng, 5)
    elif roll < 0.46:
        raw["timestamp"] = rng.choice(["", "yesterday", "2025-13-45T99:00:00+00:00", 0])
    return raw


def _encoded(rng: random.Random, doc: Any) -> bytes:
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.3, indent=rng.choice([None, 1]))
    roll = rng.random()
    if roll < 0.05:
        return text.encode("utf-16")
    if roll < 0.1:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if roll < 0.15:
        data = bytearray(text.encode("utf-8", "surrogatepass"))
        for _ in range(3):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if roll < 0.2:
        return text.encode("utf-8", "surrogatepass")[: rng.randrange(1, len(text) + 1)]
    return text.encode("utf-8", "surrogatepass")


def test_generated_hostile_exports(tmp_path: Path, figures: Figures) -> None:
    rng = random.Random(20261207)
    engine = Engine(FakeClock())
    path = tmp_path / "fuzz.json"
    refused = events = 0
    start_kb = 0
    for n in range(EXPORTS):
        doc = document([_hostile_message(rng, i) for i in range(rng.randrange(1, 6))])
        if rng.random() < 0.03:
            doc["guild"] = _nested(rng, rng.choice([10, 200]))
        path.write_bytes(_encoded(rng, doc))
        try:
            for event in ExportReader(path).events():
                events += 1
                engine.handle(event)
        except ExportError as exc:
            refused += 1
            assert str(path) in str(exc)
        if n == 100:  # the engine's and the reader's working set is in place
            start_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_kb
    figures.add("fuzz: hostile exports read", EXPORTS)
    figures.add("fuzz: hostile exports refused with a named error", refused)
    figures.add("fuzz: events from hostile exports through the engine", events)
    assert 0 < refused < EXPORTS and events > EXPORTS
    assert grown_kb < 64 * 1024, f"peak memory grew by {grown_kb / 1024:.0f} MB over the run"


def test_generated_hostile_live_messages(figures: Figures) -> None:
    rng = random.Random(7)
    t0 = datetime(2025, 1, 6, 12, tzinfo=UTC)
    clock = FakeClock(t0)
    engine = Engine(clock)
    questions = 0
    for i in range(MESSAGES):
        at = t0 + timedelta(seconds=7 * i)
        clock.set(at)
        content = _text(rng)
        event = MessageCreated(
            GUILD, 1144480270909440007 + i % 3, 1325626103305339126 + i * 4096, rng.choice(MEMBERS), at, content,
            mentions=tuple(rng.sample(MEMBERS, rng.randrange(3))),
            reference_message_id=1325626103305339126 + rng.randrange(max(1, i)) * 4096 if rng.random() < 0.2 else None,
        )  # fmt: skip
        for fact in engine.handle(event):
            snippet = getattr(fact, "snippet", None)
            if snippet:
                questions += 1
                assert not has_live_mention(quote_snippet(snippet))
    figures.add("fuzz: hostile live messages through the engine", MESSAGES)
    figures.add("fuzz: hostile questions whose snippet was checked for live mentions", questions)
    assert questions > 0
