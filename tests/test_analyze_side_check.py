"""`analyze` checking big exports in a second process while its engine runs ahead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.cli.analyze_check as side
from bot.cli.analyze import analyze
from bot.cli.common import CliError
from bot.sample.generator import GeneratorConfig, write_community

CONFIG = GeneratorConfig(seed=5, members=40, weeks=1, messages_per_week=900, thread_share=0.2)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_community(CONFIG, tmp_path_factory.mktemp("community"))


async def _report(exports: list[Path], folder: Path, name: str) -> tuple[dict[str, object], bytes]:
    report = folder / f"{name}.json"
    result = await analyze(exports, report, str(folder / f"{name}.db"))
    return result, report.read_bytes()


@pytest.mark.parametrize("hold_facts", [200_000, 50])
async def test_checking_beside_the_replay_gives_the_same_report(
    exports: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hold_facts: int
) -> None:
    here, expected = await _report(exports, tmp_path, "here")
    monkeypatch.setattr(side, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(side, "HOLD_FACTS", hold_facts)
    beside, got = await _report(exports, tmp_path, "beside")
    assert got == expected
    assert (beside["messages"], beside["skipped"]) == (here["messages"], here["skipped"])
    assert int(str(beside["messages"])) > 500


async def test_a_broken_export_found_beside_the_replay_writes_nothing(
    exports: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    biggest = max(exports, key=lambda p: p.stat().st_size)
    data = json.loads(biggest.read_text(encoding="utf-8"))
    data["messages"][len(data["messages"]) // 2]["timestamp"] = "yesterday"
    broken = tmp_path / biggest.name
    broken.write_text(json.dumps(data), encoding="utf-8")
    files = [broken if p == biggest else p for p in exports]
    monkeypatch.setattr(side, "PARALLEL_BYTES", 0)
    db = tmp_path / "never.db"
    with pytest.raises(CliError) as caught:
        await analyze(files, tmp_path / "r.json", str(db))
    text = str(caught.value)
    assert str(broken) in text and "timestamp is not ISO-8601" in text and "nothing was written" in text
    assert not db.exists()
    assert not (tmp_path / "r.json").exists()
