"""Pieces the command-line tools share: database URL choice, readers, printing."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from pathlib import Path

from bot.cli.failures import CliError
from bot.plural import plural
from bot.sources.exports import ExportError, ExportReader, NotAnExport, printable
from bot.store.session import database_url


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


def export_files(paths: Sequence[Path], note: Callable[[str], None]) -> list[Path]:
    """The files named, a folder standing for the `*.json` files directly inside it."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.glob("*.json") if p.is_file())
            if not inside:
                note(f"{printable(str(path))}: a folder with no *.json exports in it")
            files.extend(inside)
        elif path.is_file():
            files.append(path)
        else:
            raise CliError(f"{printable(str(path))}: no such file or folder")
    return files


# The notes already printed by this command (`bot/__main__.py` sets a fresh set for each one): a
# command that opens the same exports twice (digest, then the analysis it runs) notes each once.
printed_notes: ContextVar[set[str] | None] = ContextVar("printed_notes", default=None)


def _note(text: str) -> None:
    seen = printed_notes.get()
    if seen is not None:
        if text in seen:
            return
        seen.add(text)
    print(f"note: {text}", file=sys.stderr)


def open_exports(paths: Sequence[Path], *, note: Callable[[str], None] = _note) -> list[ExportReader]:
    """Open every export (headers only) and check they come from one server.

    A folder stands for the `*.json` exports inside it. A file that is not a DiscordChatExporter
    JSON export of a server channel is passed over with a one-line note (`note`), unless it is
    the only file given; when no file is usable that is the error.
    """
    if not paths:
        raise CliError("give at least one DiscordChatExporter JSON export (or a folder of them)")
    files = export_files(paths, note)
    readers: list[ExportReader] = []
    for path in files:
        try:
            readers.append(ExportReader(path))
        except NotAnExport as exc:
            if len(files) == 1:
                raise CliError(str(exc)) from exc
            note(f"skipped {exc}")
        except ExportError as exc:
            raise CliError(str(exc)) from exc
    if not readers:
        if not files:
            raise CliError("no DiscordChatExporter JSON exports were found in what was given")
        raise CliError(
            f"none of the {plural(len(files), 'file')} given is a DiscordChatExporter JSON export "
            "of a server channel (each is noted above)"
        )
    guilds = {r.header.guild_id for r in readers}
    if len(guilds) > 1:
        names = ", ".join(sorted({f"{printable(r.header.guild_name)} ({r.header.guild_id})" for r in readers}))
        raise CliError(f"these exports come from different servers ({names}); analyze one server at a time")
    return readers


def progress_enabled() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")
