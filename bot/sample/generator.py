"""A deterministic generator of sample communities, written as DiscordChatExporter JSON.

`write_community(config, out_dir)` writes one export per channel, thread and forum post
under `out_dir/exports/` and a sidecar `out_dir/community.json` (members, interests,
opt-ins, guild settings). The same seed gives the same bytes. Messages are produced a
day at a time and written as they become final, so a million messages need little memory.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.sample import help_episodes
from bot.sample.community import (
    Channel,
    IdAllocator,
    Layout,
    Member,
    build_layout,
    build_members,
    iso,
    snowflake_at,
)
from bot.sample.episodes import Episodes, Posted
from bot.sample.export_format import ExportFileWriter, Roles, file_name, guild_object
from bot.sample.phrases import TOPIC_KEYS

SCHEMA = "hearth-sample-community/1"
# Share of a day's messages per UTC hour: quiet nights, busy evenings across time zones.
HOUR_WEIGHTS = (3, 2, 2, 2, 2, 2, 3, 4, 5, 6, 6, 6, 7, 7, 7, 8, 9, 10, 11, 11, 10, 8, 6, 4)
WEEKDAY_FACTORS = (0.95, 0.95, 1.0, 1.0, 1.05, 1.05, 1.0)


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    seed: int = 7
    members: int = 80
    weeks: int = 5
    messages_per_week: int = 1000
    start: datetime = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
    guild_name: str = "Hearth Makers"
    timezone: str = "Europe/Berlin"
    response_target_minutes: int = 30
    topic_channels: int = 2
    founder_share: float = 0.6
    staff_share: float = 0.06
    unanswered_share: float = 0.18
    thread_share: float = 1.0  # scales threads and forum posts (fewer files for huge benchmark inputs)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.members < 2 or self.weeks < 1 or self.messages_per_week < 1:
            raise ValueError("members >= 2, weeks >= 1 and messages_per_week >= 1 are required")

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=self.weeks)


class CommunityGenerator:
    """Builds the server and its people up front, then streams messages in time order."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.ids = IdAllocator()
        topics = list(TOPIC_KEYS)
        self.rng.shuffle(topics)
        self.layout: Layout = build_layout(
            self.rng,
            self.ids,
            config.guild_name,
            config.start - timedelta(days=500),
            topics[: config.topic_channels],
        )
        self.members: list[Member] = build_members(
            self.rng,
            self.ids,
            config.members,
            config.start,
            config.end,
            founder_share=config.founder_share,
            staff_share=config.staff_share,
        )
        self.roles = Roles(self.layout.staff_role_id, self.layout.bot_role_id)
        self.message_count = 0
        self.last_at = config.start

    def messages(self) -> Iterator[tuple[Channel, dict[str, Any]]]:
        """Every message as (channel, exporter message object), in snowflake (time) order."""
        config = self.config
        rng = self.rng
        bot = self.members[0]
        episodes = Episodes(
            rng,
            self.ids,
            self.layout,
            self.roles,
            bot,
            config.unanswered_share,
            guild_ref=str(self.layout.guild_id),
            thread_share=config.thread_share,
        )
        people = sorted(self.members[1:], key=lambda m: m.joined_at)
        present = [m for m in people if m.joined_at < config.start]
        joining = [m for m in people if m.joined_at >= config.start]
        episodes.refresh(present)
        heap: list[tuple[int, int, Posted]] = []
        order = 0
        per_day = config.messages_per_week / 7
        for day in range(config.weeks * 7):
            day_start = config.start + timedelta(days=day)
            day_end = day_start + timedelta(days=1)
            arrivals = [m for m in joining if day_start <= m.joined_at < day_end]
            for member in arrivals:
                episodes.join(member)
            target = per_day * WEEKDAY_FACTORS[day_start.weekday()] * rng.uniform(0.85, 1.15)
            while len(episodes.out) < target:
                self._episode(episodes, day_start)
            for posted in episodes.out:
                order += 1
                heapq.heappush(heap, (posted.id, order, posted))
            episodes.out.clear()
            if arrivals:
                present.extend(arrivals)
                episodes.refresh(present)
            final_before = snowflake_at(day_end, 0)
            while heap and heap[0][0] < final_before:
                yield self._emit(heapq.heappop(heap)[2])
        while heap:
            yield self._emit(heapq.heappop(heap)[2])

    def _emit(self, posted: Posted) -> tuple[Channel, dict[str, Any]]:
        self.message_count += 1
        self.last_at = max(self.last_at, posted.at)
        return posted.channel, posted.data

    def _episode(self, episodes: Episodes, day_start: datetime) -> None:
        rng = self.rng
        at = day_start + timedelta(
            hours=rng.choices(range(24), weights=HOUR_WEIGHTS)[0], seconds=rng.uniform(0, 3600)
        )
        at = at.replace(microsecond=(at.microsecond // 1000) * 1000)
        layout = self.layout
        topic_channels = layout.by_role("topic")
        topic = rng.choice(TOPIC_KEYS)
        kind = rng.choices(
            ("chat_general", "chat_topic", "q_help", "q_general", "q_topic", "forum", "thread", "bot"),
            weights=(30, 14, 18, 5, 6, 10 * self.config.thread_share, 6 * self.config.thread_share, 4),
        )[0]
        if kind in ("chat_topic", "q_topic", "thread"):
            channel = rng.choice(topic_channels) if topic_channels else layout.one("general")
            topic = channel.topic_key or topic
        if kind == "chat_general":
            episodes.chat(layout.one("general"), topic, at)
        elif kind == "chat_topic":
            episodes.chat(channel, topic, at)
        elif kind == "q_help":
            help_episodes.question(episodes, layout.one("help"), topic, at)
        elif kind == "q_general":
            help_episodes.question(episodes, layout.one("general"), topic, at)
        elif kind == "q_topic":
            help_episodes.question(episodes, channel, topic, at)
        elif kind == "forum":
            help_episodes.forum_post(episodes, layout.one("forum"), topic, at)
        elif kind == "thread":
            episodes.thread_talk(channel, topic, at)
        else:
            episodes.bot_message(at)

    def sidecar(self, files: list[str]) -> dict[str, Any]:
        config = self.config
        layout = self.layout
        return {
            "schema": SCHEMA,
            "seed": config.seed,
            "guild": {"id": str(layout.guild_id), "name": layout.guild_name},
            "start": iso(config.start),
            "end": iso(config.end),
            "message_count": self.message_count,
            "settings": {
                "timezone": config.timezone,
                "response_target_minutes": config.response_target_minutes,
                "digest_channel_id": str(layout.one("digest").id),
                "help_wanted_channel_id": str(layout.one("help_wanted").id),
                "intro_channel_id": str(layout.one("intro").id),
                "help_channel_ids": [str(layout.one("help").id), str(layout.one("forum").id)],
                "excluded_channel_ids": [],
                "staff_role_ids": [str(layout.staff_role_id)],
            },
            "channels": [channel.to_record() for channel in layout.channels],
            "members": [member.to_record() for member in self.members],
            "files": files,
        }


def generate(config: GeneratorConfig) -> Iterator[tuple[Channel, dict[str, Any]]]:
    """Stream the messages of the community `config` describes, in time order."""
    return CommunityGenerator(config).messages()


def write_community(config: GeneratorConfig, out_dir: Path) -> list[Path]:
    """Write the exports and `community.json` under `out_dir`; returns the export paths."""
    out_dir = Path(out_dir)
    exports = out_dir / "exports"
    if exports.exists():
        shutil.rmtree(exports)
    exports.mkdir(parents=True)
    generator = CommunityGenerator(config)
    guild = guild_object(generator.layout.guild_id, generator.layout.guild_name)
    exported = iso(config.end)
    open_files: dict[int, ExportFileWriter] = {}
    threads: dict[int, list[dict[str, Any]]] = {}
    written: list[Path] = []
    for channel in generator.layout.channels:
        if channel.kind == "GuildTextChat":
            path = exports / file_name(channel)
            open_files[channel.id] = ExportFileWriter(path, guild, channel, exported)
            written.append(path)
    for channel, message in generator.messages():
        if not channel.is_thread:
            open_files[channel.id].write(message)
            continue
        buffer = threads.setdefault(channel.id, [])
        buffer.append(message)
        if int(message["id"]) == channel.last_message_id:
            path = exports / file_name(channel)
            writer = ExportFileWriter(path, guild, channel, exported)
            for item in threads.pop(channel.id):
                writer.write(item)
            writer.close()
            written.append(path)
    for writer in open_files.values():
        writer.close()
    if threads:
        raise RuntimeError(f"{len(threads)} threads never reached their last message")
    names = sorted(path.relative_to(out_dir).as_posix() for path in written)
    sidecar = json.dumps(generator.sidecar(names), ensure_ascii=False, indent=1, sort_keys=True)
    (out_dir / "community.json").write_text(sidecar + "\n", encoding="utf-8")
    return sorted(written)


DEFAULTS = GeneratorConfig()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot generate", description="Write a sample community.")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--members", type=int, default=DEFAULTS.members)
    parser.add_argument("--weeks", type=int, default=DEFAULTS.weeks)
    parser.add_argument("--messages", type=int, default=None, help="total messages (default: 1000 a week)")
    return parser


def config_from_args(args: argparse.Namespace) -> GeneratorConfig:
    total = args.messages if args.messages is not None else DEFAULTS.messages_per_week * args.weeks
    return GeneratorConfig(
        seed=args.seed,
        members=args.members,
        weeks=args.weeks,
        messages_per_week=max(1, round(total / args.weeks)),
    )


def main_generate(argv: Sequence[str] | None = None) -> int:
    """`python -m bot generate --out DIR [--seed S] [--members N] [--weeks W] [--messages M]`."""
    return generate_from_args(build_parser().parse_args(argv))


def generate_from_args(args: argparse.Namespace) -> int:
    """Write the community the parsed options describe; 2 (with the reason) for a bad one."""
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"generate: {exc}")
        return 2
    paths = write_community(config, args.out)
    print(f"wrote {len(paths)} export files and community.json to {args.out}")
    return 0
