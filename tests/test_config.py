"""Settings: defaults, environment overrides, readable errors, and the example file's coverage."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_file() -> None:
    settings = load_settings(None, {})
    assert settings.database.url == "sqlite+aiosqlite:///hearth.db"
    assert settings.defaults.response_target_minutes == 30
    assert settings.discord.token == ""


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[discord]\ntoken = "from-file"\n[database]\nurl = "sqlite+aiosqlite:///a.db"\n')
    settings = load_settings(path, {"DISCORD_TOKEN": "from-env", "HEARTH_DATABASE_URL": "postgresql://h/db"})
    assert settings.discord.token == "from-env"
    assert settings.database.url == "postgresql://h/db"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[defaults]\nresponse_target_minutes = "soon"\n', "defaults.response_target_minutes = 'soon'"),
        ('[defaults]\ntimezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
        ("[discord]\nshard_count = 2\nshard_ids = [5]\n", "outside 0..1"),
        ("[databse]\nurl = 'x'\n", "databse: unknown key"),
        ("[defaults\n", "not valid TOML"),
        ("[defaults.nudges]\nmax_nudges_per_day = 500\n", "max_nudges_per_day = 500: expected a whole number from 0 to 200"),
        ("[defaults.nudges]\nnudge_budget = 3\n", "nudge_budget: unknown nudge setting"),
    ],
)
def test_invalid_values_name_key_value_and_expectation(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert needle in str(info.value)


def test_example_file_is_valid_and_documents_every_key() -> None:
    example = ROOT / "config.example.toml"
    settings = load_settings(example, {})
    assert settings == Settings(discord=settings.discord.model_copy(update={"token": ""}))
    text = example.read_text()
    for section_name, section in Settings.model_fields.items():
        assert f"[{section_name}]" in text
        model = section.annotation
        assert model is not None
        for key in model.model_fields:  # type: ignore[union-attr]
            assert re.search(rf"^#?\s*{key}\s*=", text, re.M), f"{section_name}.{key} missing from example"


def test_cli_reports_config_error_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[defaults]\nresponse_target_minutes = 0\n')
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "defaults.response_target_minutes = 0" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_nudge_defaults_sit_under_what_moderators_set(tmp_path: Path) -> None:
    from bot.settings.guild import ServerSettings

    path = tmp_path / "c.toml"
    path.write_text("[defaults]\nresponse_target_minutes = 20\n[defaults.nudges]\nmax_nudges_per_day = 4\nweekly_cap = 2\n")
    defaults = load_settings(path, {}).defaults.server_defaults()
    fresh = ServerSettings.default(1, defaults).nudge_settings
    assert (fresh.max_nudges_per_day, fresh.weekly_cap, fresh.first_after_minutes) == (4, 2, 20)
    moderated = ServerSettings(guild_id=1, nudges={"weekly_cap": 1}, nudge_defaults=dict(defaults.nudges))
    assert (moderated.nudge_settings.weekly_cap, moderated.nudge_settings.max_nudges_per_day) == (1, 4)
