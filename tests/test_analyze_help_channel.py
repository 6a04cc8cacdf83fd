"""`analyze --help-channel`: an export's help channels get the live bot's help-channel rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.cli.analyze import analyze
from bot.cli.common import CliError

GUILD = 1144420879564800001
HELP = 1144480270909440100
GENERAL = 1144480270909440200
THREAD = 1144480270909440300
ASKER, HELPER = 811871256700780569, 836123492486217779
START = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
TRACEBACK = (
    "```\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n"
    "    import serial\nModuleNotFoundError: No module named 'serial'\n```"
)


def _message(mid: int, minutes: int, user: int, content: str) -> dict[str, Any]:
    return {
        "id": str(mid),
        "type": "Default",
        "timestamp": (START + timedelta(minutes=minutes)).isoformat(),
        "content": content,
        "author": {"id": str(user), "name": f"m{user % 97}", "isBot": False, "roles": []},
        "reactions": [],
        "mentions": [],
    }


def _export(folder: Path, channel_id: int, name: str, msgs: list[dict[str, Any]], *,
            thread_of: int | None = None) -> Path:
    channel: dict[str, Any] = {"id": str(channel_id), "type": "GuildTextChat", "name": name,
                               "categoryId": "1144442018856960002", "category": "Support"}
    if thread_of is not None:
        channel.update(type="GuildPublicThread", categoryId=str(thread_of), category="help")
    doc = {"guild": {"id": str(GUILD), "name": "Hearth Makers", "iconUrl": ""}, "channel": channel,
           "dateRange": {"after": None, "before": None}, "messages": msgs, "messageCount": len(msgs)}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    """A traceback pasted without a question mark in #help and the same paste in #general."""
    help_msgs = [_message(1325626103305339100, 0, ASKER, TRACEBACK),
                 {**_message(1325626103305339200, 4, HELPER, "install pyserial"),
                  "type": "Reply", "reference": {"messageId": "1325626103305339100", "channelId": str(HELP),
                                                 "guildId": str(GUILD)}}]
    general_msgs = [_message(1325626103305339300, 10, ASKER, TRACEBACK)]
    return [_export(tmp_path, HELP, "help", help_msgs), _export(tmp_path, GENERAL, "general", general_msgs)]


async def _questions(exports: list[Path], folder: Path, name: str, help_channels: list[str],
                     db: Path | None = None) -> dict[str, dict[str, Any]]:
    report = folder / f"{name}.json"
    await analyze(exports, report, str(db or folder / f"{name}.db"), help_channels=help_channels)
    data = json.loads(report.read_text(encoding="utf-8"))
    return {q["message_id"]: q for q in data["questions"]}


async def test_a_traceback_in_a_help_channel_is_a_question_only_with_the_option(
    exports: list[Path], tmp_path: Path
) -> None:
    assert await _questions(exports, tmp_path, "plain", []) == {}
    for i, name in enumerate(("help", "#help", "#HELP", str(HELP))):
        questions = await _questions(exports, tmp_path, f"help{i}", [name])
        assert list(questions) == ["1325626103305339100"], name  # the #general paste stays chatter
        assert questions["1325626103305339100"]["responder_ids"] == [str(HELPER)]


async def test_the_option_repeats(exports: list[Path], tmp_path: Path) -> None:
    questions = await _questions(exports, tmp_path, "both", ["help", "#general"])
    assert sorted(questions) == ["1325626103305339100", "1325626103305339300"]


async def test_a_thread_of_a_help_channel_named_by_id_follows_it(tmp_path: Path) -> None:
    """Only the thread was exported: its parent channel is named by id, as the export gives it."""
    thread = _export(tmp_path, THREAD, "serial port trouble",
                     [_message(1325626103305339400, 0, ASKER, TRACEBACK)], thread_of=HELP)
    assert await _questions([thread], tmp_path, "plain", []) == {}
    assert list(await _questions([thread], tmp_path, "by-id", [str(HELP)])) == ["1325626103305339400"]


async def test_another_set_of_help_channels_replays_into_the_same_database(
    exports: list[Path], tmp_path: Path
) -> None:
    db = tmp_path / "shared.db"
    assert await _questions(exports, tmp_path, "first", [], db) == {}
    assert list(await _questions(exports, tmp_path, "second", ["help"], db)) == ["1325626103305339100"]


async def test_an_unknown_channel_names_the_exports_channels(exports: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    with pytest.raises(CliError) as caught:
        await analyze(exports, tmp_path / "r.json", str(db), help_channels=["help", "#support"])
    text = str(caught.value)
    assert "'#support'" in text and "'help'" not in text
    assert f"#general ({GENERAL})" in text and f"#help ({HELP})" in text
    assert not db.exists() and not (tmp_path / "r.json").exists()


def test_the_command_exits_2_with_the_channel_list(
    exports: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["analyze", *map(str, exports), "--report", str(tmp_path / "r.json"),
                 "--db", str(tmp_path / "x.db"), "--no-progress", "--help-channel", "helpdesk"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: --help-channel 'helpdesk': no such channel") and "#general" in err
    assert "Traceback" not in err


def test_the_command_passes_the_option_on(exports: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    code = main(["analyze", *map(str, exports), "--report", str(report), "--db", str(tmp_path / "x.db"),
                 "--no-progress", "--help-channel", "#help"])
    assert code == 0 and "1 question (" in capsys.readouterr().out
    assert [q["message_id"] for q in json.loads(report.read_text(encoding="utf-8"))["questions"]] == [
        "1325626103305339100"
    ]
