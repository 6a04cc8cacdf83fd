"""`python -m bot digest`: the weekly digest of exported history, as files."""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from pathlib import Path

from bot.cli.analyze import analyze
from bot.cli.common import CliError, open_exports, scratch_database
from bot.store.session import create_engine

WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "digest",
        help="write the weekly digest of exported history (digest.md, digest.png, digest.json)",
    )
    parser.add_argument("exports", nargs="+", type=Path, metavar="EXPORT.json")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR")
    parser.add_argument(
        "--week", help="ISO week such as 2025-W03 (default: the last complete week of the data)"
    )
    parser.add_argument(
        "--db",
        help="keep the analysis in this SQLite file or database URL "
        "(default: a temporary file; HEARTH_DATABASE_URL is never used)",
    )
    parser.set_defaults(func=run)


async def write_digest(exports: list[Path], out: Path, week: str | None, db: str | None) -> dict[str, Path]:
    if week is not None and not WEEK.match(week):
        raise CliError(f"--week {week!r}: expected an ISO week such as 2025-W03")
    from bot.digest.offline_service import awrite_offline_digest

    readers = open_exports(exports)
    with tempfile.TemporaryDirectory(prefix="hearth-digest-") as tmp:
        url = scratch_database(db, str(Path(tmp) / "digest.db"))
        result = await analyze(exports, out / "analysis.json", url)
        names = result["names"]
        assert isinstance(names, dict)
        engine = create_engine(url)
        try:
            return await awrite_offline_digest(engine, readers[0].header.guild_id, week, out, names=names)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        finally:
            await engine.dispose()


def run(args: argparse.Namespace) -> int:
    written = asyncio.run(write_digest(args.exports, args.out, args.week, args.db))
    for name, path in sorted(written.items()):
        print(f"{name}: {path}")
    return 0
