"""`analyze` checking big exports in a second process while its engine runs ahead."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bot.cli.analyze_check as side
from bot.cli.analyze import analyze
from bot.cli.common import CliError
from bot.sample.generator import GeneratorConfig, write_community
from bot.sources.exports import ReadStats

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


PARENT = """
import asyncio, sys
from pathlib import Path
import bot.cli.analyze_check as side
side.PARALLEL_BYTES = 0
async def main():
    check = await side.SideCheck.start([Path(sys.argv[1])])
    print(check._proc.pid, flush=True)
    await asyncio.sleep(60)
asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_check_ends_when_analyze_is_killed(tmp_path: Path) -> None:
    """A check whose `analyze` was killed (SIGKILL: no clean-up runs) stops instead of reading on.
    The export is a pipe that never ends, so the check would otherwise wait forever."""
    fifo = tmp_path / "never-ending.json"
    os.mkfifo(fifo)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(fifo)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1]
    )
    writer = os.open(fifo, os.O_WRONLY)  # the check has opened it for reading
    try:
        os.write(writer, b'{"guild": {"id": "1", "name": "x"}, "channel": ')
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the export check outlived the analyze that started it"
    finally:
        os.close(writer)
        if parent.stdout is not None:
            parent.stdout.close()


async def test_the_check_beside_the_replay_ends_cleanly(exports: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Its counts are used (a check that aborted at shutdown would be thrown away and done again
    in analyze's own process, with a warning)."""
    monkeypatch.setattr(side, "PARALLEL_BYTES", 0)
    check = await side.SideCheck.start(exports)
    assert check is not None
    try:
        outcome = await check.outcome()
    finally:
        await check.stop()
    assert isinstance(outcome, ReadStats), outcome
    assert outcome.messages > 500
