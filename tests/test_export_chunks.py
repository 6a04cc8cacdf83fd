"""The block reader of export messages (orjson) reads what ijson reads, or hands over to it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sources.export_chunks import Unsure, fast_messages
from bot.sources.exports import ExportError, ExportReader, check_exports


def _message(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(1325615949889410459 + i),
        "type": "Default",
        "timestamp": f"2025-01-06T00:{i % 60:02d}:31.207+00:00",
        "content": f'message {i}: }},\n{{ "not": [json] }} ünïcode' if i % 3 == 0 else f"plain {i}",
        "author": {"id": str(680808492516245614 + i % 7), "name": f"m{i % 7}", "isBot": False, "roles": []},
        "reactions": [{"emoji": {"name": "👍"}, "users": [{"id": "680808492516245615"}]}]
        if i % 5 == 0
        else [],
        "mentions": [],
        **extra,
    }


def _document(messages: list[Any]) -> dict[str, Any]:
    return {
        "guild": {"id": "1144420879564800001", "name": "g"},
        "channel": {"id": "1144509211607040010", "type": "GuildTextChat", "name": "help"},
        "exportedAt": "2025-03-03T00:00:00.000+00:00",
        "messages": messages,
        "messageCount": len(messages),
    }


def _one_per_line(doc: dict[str, Any]) -> bytes:
    """The generator's layout: the header on the first line, then one message per line."""
    head = json.dumps({k: v for k, v in doc.items() if k not in ("messages", "messageCount")})
    body = ",\n".join(json.dumps(m, ensure_ascii=False) for m in doc["messages"])
    return f'{head[:-1]},"messages":[\n{body}\n],"messageCount":{doc["messageCount"]}}}\n'.encode()


LAYOUTS = {
    "one per line": _one_per_line,
    "indent 1": lambda doc: json.dumps(doc, ensure_ascii=False, indent=1).encode(),
    "indent 2 CRLF": lambda doc: json.dumps(doc, indent=2).replace("\n", "\r\n").encode(),
    "indent 4": lambda doc: json.dumps(doc, indent=4).encode(),
}


def _fast(data: bytes, block: int) -> list[Any]:
    return list(fast_messages(io.BytesIO(data), block))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("block", [64, 1000, 256 * 1024])
def test_fast_reader_reads_what_ijson_reads(layout: str, block: int) -> None:
    doc = _document([_message(i) for i in range(120)])
    data = LAYOUTS[layout](doc)
    expected = list(ijson.items(io.BytesIO(data), "messages.item", use_float=True))
    assert _fast(data, block) == expected == doc["messages"]


@pytest.mark.parametrize(
    "data",
    [
        json.dumps(_document([_message(1), _message(2)])).encode(),  # all on one line
        b'{"guild":{},"messages":[\n{"id": 1},\n{"id": 2}\n]}\ntrailing',
        b'{"guild":{},"messages":[\n{"id": 1}\n{"id": 2}\n]}',  # no comma
        b'{"guild":{},"messages":[\n{"id": 1},\n]}',  # trailing comma
        b'{"guild":{},"messages":[\n{"id": 123456789012345678901234567890}\n]}',  # too big for orjson
        b'{"guild":{"messages":[]},"other":1}',  # no top-level messages array
        b'{"guild":{},"messages":[\n{"id": 1},\n{"id": 2\n]}',
    ],
)
def test_what_it_cannot_prove_goes_to_ijson(data: bytes) -> None:
    with pytest.raises(Unsure):
        _fast(data, 16)


def test_a_numbered_message_is_never_yielded_twice_when_ijson_takes_over(tmp_path: Path) -> None:
    doc = _document([_message(i) for i in range(40)])
    text = json.dumps(doc, indent=1)
    # text that looks like a long number, late in the file: the block reader hands over to ijson
    text = text.replace('"content": "plain 35"', '"content": "ids: 1325615949889410459"')
    path = tmp_path / "late.json"
    path.write_text(text, encoding="utf-8")
    reader = ExportReader(path, block=512)
    read = [raw for _, raw in reader.raw_messages()]
    assert [int(raw["id"]) for raw in read] == [int(m["id"]) for m in doc["messages"]]
    assert read[35]["content"] == "ids: 1325615949889410459"
    indexes = [index for index, _ in ExportReader(path, block=512).raw_messages()]
    assert indexes == list(range(40))


def test_broken_json_late_in_a_file_names_the_message_ijson_names(tmp_path: Path) -> None:
    text = json.dumps(_document([_message(i) for i in range(60)]), indent=1)
    cut = text.index('"plain 50"')
    path = tmp_path / "broken.json"
    path.write_text(text[:cut] + '"plain 50" oops' + text[cut + 10 :], encoding="utf-8")
    with pytest.raises(ExportError) as fast_error:
        check_exports([path])
    with pytest.raises(ijson.JSONError):
        list(ijson.items(path.open("rb"), "messages.item"))
    assert "broken JSON after the last good message" in str(fast_error.value)
    assert fast_error.value.index == 50


def test_check_counts_what_events_count(tmp_path: Path) -> None:
    messages: list[Any] = [_message(i) for i in range(30)]
    messages[3]["type"] = "ChannelPinnedMessage"
    messages[4] = dict(messages[2])  # a duplicate id
    messages[6]["reactions"] = "not a list"
    messages[7]["reactions"] = [{"emoji": "x"}, {"emoji": {"name": "a"}, "users": [{"id": "no"}]}]
    messages[8]["timestamp"] = "2024-01-01T00:00:00+00:00"  # out of order
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(_document(messages), indent=1), encoding="utf-8")
    reader = ExportReader(path)
    events = list(reader.events())
    checked = ExportReader(path).check()
    assert checked == reader.stats
    assert checked.messages == sum(1 for e in events if type(e).__name__ == "MessageCreated") == 28
    assert checked.skipped["malformed reaction"] == 1 and checked.skipped["malformed reaction user"] == 1


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"id": st.integers(1, 2**62).map(str), "content": _TEXT},
            optional={
                "extra": st.recursive(
                    st.none() | st.integers(-(10**18) + 1, 10**18 - 1) | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                    max_leaves=6,
                )
            },
        ),
        max_size=25,
    ),
    st.sampled_from(sorted(LAYOUTS)),
    st.integers(8, 600),
)
def test_any_messages_any_layout_read_alike(messages: list[Any], layout: str, block: int) -> None:
    data = LAYOUTS[layout](_document(messages))
    expected = list(ijson.items(io.BytesIO(data), "messages.item", use_float=True))
    assert _fast(data, block) == expected
