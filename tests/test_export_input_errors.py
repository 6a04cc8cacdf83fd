"""What `analyze`, `digest` and `demo --export` make of the exports they are given.

A folder is the set of `*.json` exports in it; a file that is no export is passed over with a
one-line note; a direct-message export, a file that is not UTF-8 or starts with a byte order mark
are each met in plain words (the BOM is simply read past); an export with no messages reports
this run's zero counts, not what the database already held.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.sources.exports import ExportReader, first_bad_utf8
from tests.reliability.hostile_exports import document, messages
from tests.reliability.hostile_exports import write as write_file


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_file(path, doc)

DIRECT = {"id": "1144485807390720099", "type": "DirectTextChat", "name": "alice", "categoryId": "0"}
DM_REFUSAL = (
    "a direct-message export: Hearth reads server channels only (direct messages and group DMs are not supported)"
)


def _analyze(capsys: pytest.CaptureFixture[str], tmp_path: Path, *inputs: Path, db: str = ":memory:") -> tuple[int, str, str]:
    report = tmp_path / "report.json"
    code = main(["analyze", *map(str, inputs), "--report", str(report), "--db", db, "--no-progress"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _summary(tmp_path: Path) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads((tmp_path / "report.json").read_text())["summary"]
    return summary


def _direct(kind: str) -> dict[str, Any]:
    doc = document(messages(3))
    doc["guild"] = {"id": "0", "name": "Direct Messages", "iconUrl": ""}
    doc["channel"] = {**DIRECT, "type": kind}
    return doc


# (a) an export with no messages

def test_an_empty_export_reports_this_runs_zero_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "hearth.db")
    full = write(tmp_path / "full.json", document(messages()))
    empty = write(tmp_path / "empty.json", document([]))  # the same server and channel, exported empty
    assert _analyze(capsys, tmp_path, full, db=db)[0] == 0
    assert _summary(tmp_path)["questions"] > 0  # the database now holds this channel's questions
    code, out, err = _analyze(capsys, tmp_path, empty, db=db)
    assert code == 0, err
    assert out.splitlines()[0].startswith("analyzed 0 messages in ")
    assert ": 0 questions (0 open, 0 answered, 0 resolved), 0 interactions" in out
    assert "the export holds no messages: nothing to analyze" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["questions"] == [] and report["interactions"] == []
    assert report["summary"]["messages"] == 0 and report["summary"]["questions"] == 0


def test_one_message_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = write(tmp_path / "one.json", document(messages(1)))
    code, out, _ = _analyze(capsys, tmp_path, one)
    assert code == 0
    assert out.startswith("analyzed 1 message in ")
    assert ": 1 question (1 open, 0 answered, 0 resolved), 0 interactions\n" in out


# (b) a folder

def test_a_folder_is_the_exports_in_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "exports"
    write(folder / "general.json", document(messages()))
    write(folder / "more.json", document(messages(30)[24:], channel_id="1144480270909440008"))
    code, _out, err = _analyze(capsys, tmp_path, folder)
    assert code == 0, err
    summary = _summary(tmp_path)
    assert summary["messages"] == 30
    assert sorted(Path(p).name for p in summary["exports"]) == ["general.json", "more.json"]
    assert err == ""


def test_a_folder_without_exports_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "nothing-here"
    folder.mkdir()
    (folder / "readme.txt").write_text("not an export", encoding="utf-8")
    code, _, err = _analyze(capsys, tmp_path, folder)
    assert code == 2
    assert err.splitlines() == [
        f"note: {folder}: a folder with no *.json exports in it",
        "error: no DiscordChatExporter JSON exports were found in what was given",
    ]


def test_a_missing_path_is_no_such_file_or_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _analyze(capsys, tmp_path, tmp_path / "gone.json")
    assert code == 2 and err == f"error: {tmp_path / 'gone.json'}: no such file or folder\n"


# (c) a folder of mixed files

def test_files_that_are_no_export_are_noted_and_passed_over(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    write(folder / "a-general.json", document(messages()))
    write(folder / "b-notes.json", b"just some notes, not JSON")
    write(folder / "c-settings.json", {"theme": "dark"})
    write(folder / "d-dm.json", _direct("DirectTextChat"))
    code, _out, err = _analyze(capsys, tmp_path, folder)
    assert code == 0, err
    assert err.splitlines() == [
        f"note: skipped {folder / 'b-notes.json'}: not valid JSON (lexical error: invalid char in json text.)",
        f"note: skipped {folder / 'c-settings.json'}: not a DiscordChatExporter JSON export "
        "(no 'guild' or 'channel' object)",
        f"note: skipped {folder / 'd-dm.json'}: {DM_REFUSAL}",
    ]
    assert _summary(tmp_path)["messages"] == 24
    assert [Path(p).name for p in _summary(tmp_path)["exports"]] == ["a-general.json"]


def test_files_named_one_by_one_are_passed_over_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "general.json", document(messages()))
    csv = write(tmp_path / "members.csv", b"id,name\n1,alice\n")
    code, _, err = _analyze(capsys, tmp_path, good, csv)
    assert code == 0 and err.startswith(f"note: skipped {csv}: not valid JSON")


def test_fails_only_when_no_file_is_usable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    write(folder / "a.json", b"[1, 2")
    write(folder / "b.json", {"guild": {"id": "1"}})
    code, _, err = _analyze(capsys, tmp_path, folder)
    lines = err.splitlines()
    assert code == 2
    assert [line.split(":")[0] for line in lines] == ["note", "note", "error"]
    assert lines[-1] == (
        "error: none of the 2 files given is a DiscordChatExporter JSON export of a server channel "
        "(each is noted above)"
    )
    assert not (tmp_path / "report.json").exists()


def test_a_broken_export_still_stops_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file with a server and channel but broken messages is an export gone wrong, not a stray file."""
    folder = tmp_path / "mixed"
    write(folder / "a.json", document(messages()))
    text = json.dumps(document(messages()), indent=1)
    write(folder / "b.json", text[: len(text) // 2])
    code, _, err = _analyze(capsys, tmp_path, folder)
    assert code == 2 and f"{folder / 'b.json'}: broken JSON after the last good message" in err
    assert "nothing was written" in err and "note:" not in err


# (d) direct messages

@pytest.mark.parametrize("kind", ["DirectTextChat", "DirectGroupTextChat"])
def test_direct_message_exports_are_refused_in_words(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dm = write(tmp_path / "dm.json", _direct(kind))
    code, _, err = _analyze(capsys, tmp_path, dm)
    assert code == 2
    assert err == f"error: {dm}: {DM_REFUSAL}\n"
    assert "out of range" not in err


# (e) not UTF-8

def _latin1(tmp_path: Path) -> tuple[Path, int]:
    doc = document(messages())
    doc["messages"][5]["content"] = "Où est le café secret de Zoé?"
    raw = json.dumps(doc, ensure_ascii=False).encode("latin-1")
    return write(tmp_path / "latin1.json", raw), raw.index("ù".encode("latin-1"))


def test_a_file_that_is_not_utf8_names_the_byte_and_quotes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, offset = _latin1(tmp_path)
    code, _, err = _analyze(capsys, tmp_path, path)
    assert code == 2
    assert err.splitlines()[0] == (
        f"error: {path}: not UTF-8 text (byte 0xf9 at offset {offset}); "
        "re-export with DiscordChatExporter's JSON format"
    )
    for word in ("café", "secret", "Zo", "\\x", "b'"):
        assert word not in err


def test_utf16_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "utf16.json", json.dumps(document(messages())).encode("utf-16"))
    code, _, err = _analyze(capsys, tmp_path, path)
    assert code == 2
    assert err == (
        f"error: {path}: not UTF-8 text (it looks like UTF-16) (byte 0xff at offset 0); "
        "re-export with DiscordChatExporter's JSON format\n"
    )


def test_no_json_error_quotes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The parser's own message shows the text around the error; only its first line is kept."""
    text = json.dumps(document(messages()), indent=1).replace('"that worked, thanks!"', '"private words" oops', 1)
    path = write(tmp_path / "broken.json", text)
    code, _, err = _analyze(capsys, tmp_path, path)
    assert code == 2
    assert "broken JSON after the last good message (lexical error: invalid char in json text.) at message #3" in err
    assert "private words" not in err and "right here" not in err


def test_first_bad_utf8_across_blocks(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    good = "é€😀".encode() * 40  # characters of 2, 3 and 4 bytes, cut by every block size below
    path.write_bytes(good + b"\xc3(" + good)
    for block in (1, 2, 3, 5, 7, 64):
        assert first_bad_utf8(path, block) == (len(good), 0xC3), block
    path.write_bytes(good)
    assert first_bad_utf8(path, 5) is None
    path.write_bytes(good + "é".encode()[:1])  # cut at the very end
    assert first_bad_utf8(path, 4) == (len(good), 0xC3)


# (f) a byte order mark

def test_a_byte_order_mark_is_read_past(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = write(tmp_path / "plain.json", document(messages()))
    bom = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + plain.read_bytes())
    assert ExportReader(bom).header == replace(ExportReader(plain).header, path=bom)
    assert ExportReader(bom).check() == ExportReader(plain).check()
    assert [e for e in ExportReader(bom).events()] == [e for e in ExportReader(plain).events()]
    code, out, err = _analyze(capsys, tmp_path, bom)
    assert code == 0, err
    assert out.startswith("analyzed 24 messages")


# the same through digest and demo --export (they open exports the same way)

def test_digest_and_demo_take_a_folder_with_a_bom_and_a_stray_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    plain = write(tmp_path / "plain.json", document(messages(60)))
    write(folder / "general.json", b"\xef\xbb\xbf" + plain.read_bytes())
    write(folder / "notes.json", b"{ not json")
    assert main(["digest", str(folder), "--out", str(tmp_path / "digest")]) == 0
    out = capsys.readouterr()
    # noted once, though digest opens the exports twice (for the server, then for the analysis)
    assert out.err.count("\n") == 1
    assert out.err.startswith(f"note: skipped {folder / 'notes.json'}: not valid JSON (")
    assert (tmp_path / "digest" / "digest.md").is_file()
    assert main(["demo", "--export", str(folder)]) == 0
    out = capsys.readouterr()
    assert out.err.count("note: skipped") == 1
    assert out.out.startswith("Hearth demo: replayed 60 messages of 'Hearth Makers'")


@pytest.mark.parametrize("command", ["digest", "demo"])
def test_digest_and_demo_refuse_direct_messages_and_other_encodings(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dm = write(tmp_path / "dm.json", _direct("DirectGroupTextChat"))
    latin1, offset = _latin1(tmp_path)
    for path, expected in ((dm, DM_REFUSAL), (latin1, f"not UTF-8 text (byte 0xf9 at offset {offset})")):
        argv = ["digest", str(path), "--out", str(tmp_path / "d")] if command == "digest" else ["demo", "--export", str(path)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {path}: {expected}") and "Traceback" not in err


def test_demo_of_an_empty_export_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = write(tmp_path / "empty.json", document([]))
    assert main(["demo", "--export", str(empty)]) == 2
    assert capsys.readouterr().err == f"error: {empty} holds no messages: nothing to replay\n"
