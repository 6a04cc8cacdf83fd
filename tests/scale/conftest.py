"""Fixtures for the scale-out tests (PostgreSQL, several writers, several bot processes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.scale.pg import fresh_database

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT / ".." / "shared"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL database, dropped after the test."""
    async with fresh_database() as url:
        yield url
