"""Pieces the command-line tools share: database URL choice, readers, printing."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.sources.exports import ExportError, ExportReader, printable
from bot.store.session import database_url


class CliError(Exception):
    """An error worded for the person at the terminal (exit status 2, no traceback)."""


def choose_database(db: str | None, default_path: str) -> str:
    """`--db` wins; else `HEARTH_DATABASE_URL`; else a SQLite file at `default_path`."""
    if db:
        return database_url(db)
    env = os.environ.get("HEARTH_DATABASE_URL")
    if env:
        return database_url(env)
    return database_url(default_path)


def scratch_database(db: str | None, scratch_path: str) -> str:
    """`--db` when given, else a throwaway SQLite file at `scratch_path`: commands that replay
    or simulate (digest, demo) never write into the bot's database (`HEARTH_DATABASE_URL`)
    unless told to."""
    return database_url(db) if db else database_url(scratch_path)


def open_exports(paths: Sequence[Path]) -> list[ExportReader]:
    """Open every export (headers only) and check they come from one server."""
    if not paths:
        raise CliError("give at least one DiscordChatExporter JSON export")
    readers: list[ExportReader] = []
    for path in paths:
        if not path.is_file():
            raise CliError(f"{path}: no such file")
        try:
            readers.append(ExportReader(path))
        except ExportError as exc:
            raise CliError(str(exc)) from exc
    guilds = {r.header.guild_id for r in readers}
    if len(guilds) > 1:
        names = ", ".join(sorted({f"{printable(r.header.guild_name)} ({r.header.guild_id})" for r in readers}))
        raise CliError(f"these exports come from different servers ({names}); analyze one server at a time")
    return readers


def progress_enabled() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")
