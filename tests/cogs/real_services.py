"""The real services container on a migrated SQLite file, built exactly as `python -m bot run` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.conversation.clock import Clock
from bot.runtime.lifecycle import build_services
from bot.settings.config import Settings

if TYPE_CHECKING:
    from bot.services import Services


def settings_for(db_path: Path) -> Settings:
    return Settings.model_validate({"database": {"url": str(db_path), "flush_seconds": 0.05}})


@asynccontextmanager
async def open_real_services(db_path: Path, clock: Clock) -> AsyncIterator[Services]:
    services = await build_services(settings_for(db_path), clock)
    try:
        yield services
    finally:
        await services.close()
