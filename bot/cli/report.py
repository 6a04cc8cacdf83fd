"""`python -m bot report`: one self-contained HTML page of exported history."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from bot.cli.analyze import analyze
from bot.cli.common import CliError, open_exports, scratch_database
from bot.cli.digest import ServerOptions, add_server_options, check_timezone, resolve_staff
from bot.errors import InvalidInput
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
    add_server_options(parser)
    parser.set_defaults(func=run)


def _names(readers: list[ExportReader]) -> dict[int, str]:
    names: dict[int, str] = {}
    for reader in readers:
        for _ in reader.events():  # the names are read with the messages
            pass
        names.update(reader.names)
    return names


async def report_html(exports: list[Path], db: str | None, server: ServerOptions | None = None) -> str:
    """Analyze `exports` into a scratch database (or `db`) and render the page (`server`: the
    staff, time zone and help channels, as `digest` takes them)."""
    from bot.digest.offline_service import configure_offline
    from bot.report.render import render_html
    from bot.report.service import build_report

    server = server or ServerOptions()
    check_timezone(server.timezone)
    readers = open_exports(exports)
    header = readers[0].header
    channel_names = {r.header.channel_id: r.header.channel_name for r in readers}
    with tempfile.TemporaryDirectory(prefix="hearth-report-") as tmp:
        url = scratch_database(db, str(Path(tmp) / "report.db"))
        result = await analyze(exports, Path(tmp) / "analysis.json", url, help_channels=server.help_channels)
        found = result["names"]
        assert isinstance(found, dict)
        names: dict[int, str] = found
        if not names:  # `--db` held a finished run: nothing was replayed, so read the names
            names = await asyncio.to_thread(_names, readers)
        staff_ids = resolve_staff(server.staff, names)
        engine = create_engine(url)
        try:
            await configure_offline(engine, header.guild_id, timezone=server.timezone)
            page = await build_report(
                make_sessionmaker(engine),
                header.guild_id,
                guild_name=header.guild_name,
                names=names,
                channel_names=channel_names,
                staff_ids=staff_ids,
            )
        except (ValueError, InvalidInput) as exc:
            raise CliError(str(exc)) from exc
        finally:
            await engine.dispose()
    return await asyncio.to_thread(render_html, page)


def write_report(paths: list[Path], out: Path, db: str | None = None, server: ServerOptions | None = None) -> Path:
    """Write the report of the exports (or folders of exports) `paths` to `out`, whole or not at all."""
    exports = list(paths)  # folders are read like `analyze` reads them (`open_exports`)
    if out.is_dir():
        raise CliError(f"{out}: is a folder; give the name of the HTML file to write")
    html = asyncio.run(report_html(exports, db, server))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".tmp")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, out)
    return out


def run(args: argparse.Namespace) -> int:
    server = ServerOptions(staff=args.staff, timezone=args.timezone, help_channels=args.help_channel)
    out = write_report(args.exports, args.out, args.db, server)
    print(f"report written to {out} ({out.stat().st_size / 1e6:.1f} MB, opens offline)")
    return 0
