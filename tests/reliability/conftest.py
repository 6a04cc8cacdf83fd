"""Shared pieces of the reliability tests: how long they run, and the figures they count.

Every test here tries many inputs or faults and records how many it tried in `figures`; the
totals are printed at the end of the run (and written as JSON to the file named by
HEARTH_RELIABILITY_FIGURES when it is set) so RELIABILITY.md can cite them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.conversation.clock import FakeClock
from bot.runtime.lifecycle import build_services
from bot.services import Services
from bot.settings.config import Settings
from tests.e2e.conftest import fake  # noqa: F401  (the fake Discord, for test_outages_and_logs.py)

LONG = os.environ.get("HEARTH_LONG_TESTS") == "1"
_FIGURES: Counter[str] = Counter()


def scaled(ci: int, long: int) -> int:
    """`ci` iterations normally, `long` under `make test-long` (HEARTH_LONG_TESTS=1)."""
    return long if LONG else ci


class Figures:
    def add(self, name: str, value: int = 1) -> None:
        _FIGURES[name] += value

    def get(self, name: str) -> int:
        return _FIGURES[name]


@pytest.fixture(scope="session")
def figures() -> Figures:
    return Figures()


@pytest.fixture(scope="session")
def child_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of `python -m bot` children, with a bytecode cache as any installed
    Python has: where PYTHONDONTWRITEBYTECODE is set and the packages were installed without
    `.pyc` files, every child would compile ~1,100 modules again (3 to 4 s of CPU each). The
    first child fills the cache (in the session's temporary folder) for the others."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(tmp_path_factory.mktemp("pycache"))}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("reliability figures" + (" (long variant)" if LONG else ""))
    for name in sorted(_FIGURES):
        terminalreporter.write_line(f"{name}: {_FIGURES[name]}")
    target = os.environ.get("HEARTH_RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(json.dumps({"long": LONG, **dict(sorted(_FIGURES.items()))}, indent=2) + "\n")


@asynccontextmanager
async def services_on(db: Path, clock: FakeClock) -> AsyncIterator[Services]:
    """Every service on a SQLite file, closed afterwards (the replayed-server tests)."""
    services = await build_services(Settings.model_validate({"database": {"url": str(db)}}), clock)
    try:
        yield services
    finally:
        await services.close()
