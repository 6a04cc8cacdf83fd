"""Offline commands that replay or simulate (`digest`, `demo`) never write into the bot's own
database: with `HEARTH_DATABASE_URL` set and no `--db`, they use a temporary file, and the
database the URL names is not created, opened or changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from tests.reliability.hostile_exports import document, messages, write


@pytest.mark.parametrize("command", ["digest", "demo"])
def test_offline_commands_leave_the_configured_database_alone(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    production = tmp_path / "production.db"
    monkeypatch.setenv("HEARTH_DATABASE_URL", f"sqlite+aiosqlite:///{production}")
    monkeypatch.chdir(tmp_path)  # nor a hearth.db beside it
    export = write(tmp_path / "general.json", document(messages(60)))
    if command == "digest":
        argv = ["digest", str(export), "--out", str(tmp_path / "out"), "--week", "2025-W02"]
    else:
        argv = ["demo", "--export", str(export), "--json", str(tmp_path / "actions.json")]
    assert main(argv) == 0
    assert not production.exists(), f"{command} wrote into HEARTH_DATABASE_URL"
    assert not (tmp_path / "hearth.db").exists()
    assert (tmp_path / ("out/digest.json" if command == "digest" else "actions.json")).exists()
    capsys.readouterr()


def test_db_option_still_keeps_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'production.db'}")
    export = write(tmp_path / "general.json", document(messages(30)))
    kept = tmp_path / "kept.db"
    assert main(["digest", str(export), "--out", str(tmp_path / "out"), "--db", str(kept)]) == 0
    assert kept.stat().st_size > 0
    assert not (tmp_path / "production.db").exists()
