"""`python -m bot digest`: the weekly digest of exported history, as files."""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cli.analyze import analyze
from bot.cli.common import CliError, open_exports, scratch_database
from bot.errors import InvalidInput
from bot.store.session import create_engine

WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "digest",
        help="write the weekly digest of exported history (digest.md, digest.png, digest.json)",
        description="Replays the exports (as `analyze` does) and writes the weekly digest with the "
        "same figures the bot posts. Give the server's staff, time zone and help channels so they match "
        "the live ones.",
    )
    parser.add_argument("exports", nargs="+", type=Path, metavar="EXPORT.json")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR")
    parser.add_argument(
        "--week", help="ISO week such as 2025-W03 (default: the last complete week of the data)"
    )
    add_server_options(parser)
    parser.add_argument(
        "--db",
        help="keep the analysis in this SQLite file or database URL "
        "(default: a temporary file; HEARTH_DATABASE_URL is never used)",
    )
    parser.set_defaults(func=run)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """`--staff`, `--timezone`, `--help-channel`: what an export does not say about the server,
    given so offline figures match the live ones (`digest` and `report`)."""
    parser.add_argument(
        "--staff",
        action="append",
        default=[],
        metavar="ID/NAME",
        help="a staff member or owner, by user id or name as in the exports (repeatable): "
        "their interactions do not count as member-to-member",
    )
    parser.add_argument(
        "--timezone",
        metavar="TZ",
        help="the server's time zone such as Europe/Berlin: weeks run Monday to Sunday in it (default: UTC)",
    )
    parser.add_argument(
        "--help-channel",
        action="append",
        default=[],
        metavar="NAME",
        help="read this channel as a help channel, as `analyze --help-channel` does (repeatable; "
        "the server's help channels, for figures that match the live ones)",
    )


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """The values of `add_server_options`."""

    staff: Sequence[str] = ()
    timezone: str | None = None
    help_channels: Sequence[str] = ()


def check_timezone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CliError(f"--timezone {name!r}: not a time zone name such as Europe/Berlin or UTC") from exc


def resolve_staff(given: Sequence[str], names: Mapping[int, str]) -> set[int]:
    """User ids of `--staff` values: an id, or a name seen in the exports (any letter case)."""
    by_name: dict[str, set[int]] = {}
    for user_id, name in names.items():
        by_name.setdefault(name.casefold(), set()).add(user_id)
    out: set[int] = set()
    for value in given:
        text = value.strip()
        if text.isdigit():
            out.add(int(text))
            continue
        found = by_name.get(text.casefold().lstrip("@"), set())
        if not found:
            raise CliError(f"--staff {value!r}: no member of that name in the exports (give a user id)")
        if len(found) > 1:
            ids = ", ".join(str(u) for u in sorted(found))
            raise CliError(f"--staff {value!r}: several members have that name ({ids}); give a user id")
        out |= found
    return out


async def write_digest(
    exports: list[Path],
    out: Path,
    week: str | None,
    db: str | None,
    *,
    staff: Sequence[str] = (),
    timezone: str | None = None,
    help_channels: Sequence[str] = (),
) -> dict[str, Path]:
    if week is not None and not WEEK.match(week):
        raise CliError(f"--week {week!r}: expected an ISO week such as 2025-W03")
    check_timezone(timezone)
    from bot.digest.offline_service import awrite_offline_digest, configure_offline

    readers = open_exports(exports)
    guild_id = readers[0].header.guild_id
    channel_names = {r.header.channel_id: r.header.channel_name for r in readers if r.header.channel_name}
    with tempfile.TemporaryDirectory(prefix="hearth-digest-") as tmp:
        url = scratch_database(db, str(Path(tmp) / "digest.db"))
        result = await analyze(exports, out / "analysis.json", url, help_channels=help_channels)
        names = result["names"]
        assert isinstance(names, dict)
        staff_ids = resolve_staff(staff, names)
        engine = create_engine(url)
        try:
            await configure_offline(engine, guild_id, timezone=timezone)
            return await awrite_offline_digest(
                engine, guild_id, week, out, names=names, staff_ids=staff_ids, channel_names=channel_names
            )
        except (ValueError, InvalidInput) as exc:
            raise CliError(str(exc)) from exc
        finally:
            await engine.dispose()


def run(args: argparse.Namespace) -> int:
    written = asyncio.run(
        write_digest(
            args.exports, args.out, args.week, args.db,
            staff=args.staff, timezone=args.timezone, help_channels=args.help_channel,
        )
    )
    for name, path in sorted(written.items()):
        print(f"{name}: {path}")
    return 0
