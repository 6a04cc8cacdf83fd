"""`python -m bot demo`: replay a community under a simulated clock and tell what Hearth did."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cli.common import CliError, open_exports, scratch_database
from bot.cli.demo_seed import Community, load_community, seed_community
from bot.cli.demo_story import tell
from bot.conversation.clock import FakeClock
from bot.services import Services
from bot.settings.config import Settings
from bot.settings.service import SettingsChange
from bot.sources.exports import ExportError, ExportReader, merged_events, printable
from bot.sources.replay import Replay, event_time
from bot.sources.report_store import report_questions

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample" / "data"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "demo",
        help="replay the bundled sample community (or your exports) and show what Hearth would do",
    )
    parser.add_argument("--json", type=Path, metavar="ACTIONS.json", help="also write the action log as JSON")
    parser.add_argument(
        "--export",
        nargs="+",
        type=Path,
        default=None,
        metavar="EXPORT.json",
        help="replay these DiscordChatExporter exports instead of the sample",
    )
    parser.add_argument(
        "--community",
        type=Path,
        default=None,
        help="a community.json sidecar (members' interests and opt-ins, server settings)",
    )
    parser.add_argument(
        "--assume-opt-in",
        action="store_true",
        help="treat every member as an opted-in helper whose topics come from their history",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="keep the replay's database in this SQLite file or database URL "
        "(default: a temporary SQLite file; HEARTH_DATABASE_URL is never used)",
    )
    parser.add_argument(
        "--tick-minutes",
        type=int,
        default=15,
        choices=(5, 10, 15, 20, 30, 60),
        help="how often the simulated scheduler looks for due nudges (introductions and digests: hourly)",
    )
    parser.set_defaults(func=run)


@dataclass
class DemoResult:
    records: list[dict[str, Any]]
    community: Community | None
    guild_name: str
    messages: int
    first: datetime | None
    last: datetime | None
    seconds: float  # the replay of the messages and of the scheduled work
    setup_seconds: float = 0.0  # before it: the scratch database, its migrations, the seeded community

    @property
    def target_minutes(self) -> int:
        """The server's response target (the default when the sidecar sets none)."""
        settings = self.community.settings if self.community else {}
        return int(settings.get("response_target_minutes") or 30)


def _name_threads(community: Community, readers: list[ExportReader]) -> None:
    """Threads and forum posts are named in their exports, not in the sidecar: "#forum › post"."""
    names = community.channel_names
    for header in (reader.header for reader in readers):
        if header.channel_id not in names and header.channel_name:
            own = header.channel_name if len(header.channel_name) <= 40 else header.channel_name[:39].rstrip() + "…"
            parent = names.get(header.parent_channel_id) if header.parent_channel_id else None
            names[header.channel_id] = f"{parent} › {own}" if parent else own


def _sample_paths() -> tuple[list[Path], Path]:
    community = SAMPLE_DIR / "community.json"
    exports = sorted((SAMPLE_DIR / "exports").glob("*.json"))
    if not exports or not community.is_file():
        raise CliError(f"the bundled sample is missing from {SAMPLE_DIR}")
    return exports, community


async def _question_records(services: Services, guild_id: int, channels: set[int]) -> list[dict[str, Any]]:
    records = []
    async with services.sessionmaker() as session:
        async for q, responders in report_questions(session, guild_id, channels):
            records.append(
                {
                    "at": q.asked_at.isoformat(),
                    "kind": "question",
                    "guild_id": str(q.guild_id),
                    "channel_id": str(q.channel_id),
                    "targets": [],
                    "question_message_id": str(q.message_id),
                    "asker_id": str(q.asker_id),
                    "status": q.status,
                    "first_response_at": q.first_response_at.isoformat() if q.first_response_at else None,
                    "responder_ids": [str(r) for r in responders],
                }
            )
    return records


async def demo(
    exports: list[Path] | None,
    community_path: Path | None,
    *,
    db: str | None = None,
    assume_opt_in: bool = False,
    tick_minutes: int = 15,
) -> DemoResult:
    # the bot runtime and the chart library load only when a demo runs, not for `--help`
    from bot.runtime.lifecycle import build_services
    from bot.sources.replay_features import digest_source, intro_source, nudge_source

    started = time.perf_counter()
    if exports is None:
        exports, sample_community = _sample_paths()
        community_path = community_path or sample_community
    readers = open_exports(exports)
    community = load_community(community_path) if community_path else None
    guild_id = readers[0].header.guild_id
    if community is not None and community.guild_id != guild_id:
        raise CliError("the community sidecar describes another server than the exports")
    if community is not None:
        _name_threads(community, readers)
    events = merged_events(readers)
    try:
        first_event = next(events, None)
    except ExportError as exc:
        raise CliError(str(exc)) from exc
    if first_event is None:
        held = "the exports hold" if len(readers) > 1 else f"{printable(str(readers[0].path))} holds"
        raise CliError(f"{held} no messages: nothing to replay")
    first = event_time(first_event)
    clock = FakeClock(first - timedelta(hours=1))
    with tempfile.TemporaryDirectory(prefix="hearth-demo-") as tmp:
        url = scratch_database(db, str(Path(tmp) / "demo.db"))
        settings = Settings.model_validate({"database": {"url": url}})
        services = await build_services(settings, clock, same_thread=True)
        try:
            assert services.nudges is not None and services.settings is not None
            services.nudges.assume_opt_in = assume_opt_in
            if community is not None:
                await seed_community(services, community)
            else:
                await services.settings.update(
                    guild_id, SettingsChange(digest_channel_id=readers[0].header.channel_id)
                )
                await services.pipeline.refresh_rules(guild_id)
            replay = Replay(
                services.pipeline,
                clock,
                [
                    nudge_source(services, timedelta(minutes=tick_minutes)),
                    intro_source(services, timedelta(hours=1)),
                    digest_source(services, timedelta(hours=1)),
                ],
                tick=timedelta(minutes=tick_minutes),
            )
            setup_seconds = time.perf_counter() - started
            try:
                records = await replay.run(itertools.chain([first_event], events))
            except ExportError as exc:
                raise CliError(str(exc)) from exc
            channels = {r.header.channel_id for r in readers}
            records.extend(await _question_records(services, guild_id, channels))
        finally:
            await services.close()
    records.sort(key=lambda r: (r["at"], r["kind"]))
    messages = sum(r.stats.messages for r in readers)
    return DemoResult(
        records=records,
        community=community,
        guild_name=readers[0].header.guild_name,
        messages=messages,
        first=first,
        last=clock.now(),
        seconds=time.perf_counter() - started - setup_seconds,
        setup_seconds=setup_seconds,
    )


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(
        demo(
            args.export,
            args.community,
            db=args.db,
            assume_opt_in=args.assume_opt_in,
            tick_minutes=args.tick_minutes,
        )
    )
    print(
        tell(
            result.records,
            result.community,
            result.guild_name,
            result.messages,
            result.first,
            result.seconds,
            target_minutes=result.target_minutes,
            setup_seconds=result.setup_seconds,
        )
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(result.records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"\naction log ({len(result.records)} records) written to {args.json}")
    return 0
