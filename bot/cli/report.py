"""`python -m bot report`: one self-contained HTML page of exported history."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from bot.cli.analyze import analyze
from bot.cli.common import CliError, open_exports, scratch_database
from bot.sources.exports import ExportReader
from bot.store.session import create_engine, make_sessionmaker


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        help="write one self-contained HTML page of exported history (opens offline, on a phone too)",
    )
    parser.add_argument("exports", nargs="+", type=Path, metavar="EXPORT_OR_DIR")
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="REPORT.html")
    parser.add_argument(
        "--db",
        help="keep the analysis in this SQLite file or database URL "
        "(default: a temporary file; HEARTH_DATABASE_URL is never used)",
    )
    parser.set_defaults(func=run)


def _names(readers: list[ExportReader]) -> dict[int, str]:
    names: dict[int, str] = {}
    for reader in readers:
        for _ in reader.events():  # the names are read with the messages
            pass
        names.update(reader.names)
    return names


async def report_html(exports: list[Path], db: str | None) -> str:
    """Analyze `exports` into a scratch database (or `db`) and render the page."""
    from bot.report.render import render_html
    from bot.report.service import build_report

    readers = open_exports(exports)
    header = readers[0].header
    channel_names = {r.header.channel_id: r.header.channel_name for r in readers}
    with tempfile.TemporaryDirectory(prefix="hearth-report-") as tmp:
        url = scratch_database(db, str(Path(tmp) / "report.db"))
        result = await analyze(exports, Path(tmp) / "analysis.json", url)
        found = result["names"]
        assert isinstance(found, dict)
        names: dict[int, str] = found
        if not names:  # `--db` held a finished run: nothing was replayed, so read the names
            names = await asyncio.to_thread(_names, readers)
        engine = create_engine(url)
        try:
            page = await build_report(
                make_sessionmaker(engine),
                header.guild_id,
                guild_name=header.guild_name,
                names=names,
                channel_names=channel_names,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        finally:
            await engine.dispose()
    return await asyncio.to_thread(render_html, page)


def write_report(paths: list[Path], out: Path, db: str | None = None) -> Path:
    """Write the report of the exports (or folders of exports) `paths` to `out`, whole or not at all."""
    exports = list(paths)  # folders are read like `analyze` reads them (`open_exports`)
    if out.is_dir():
        raise CliError(f"{out}: is a folder; give the name of the HTML file to write")
    html = asyncio.run(report_html(exports, db))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".tmp")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, out)
    return out


def run(args: argparse.Namespace) -> int:
    out = write_report(args.exports, args.out, args.db)
    print(f"report written to {out} ({out.stat().st_size / 1e6:.1f} MB, opens offline)")
    return 0
