"""The world of the sharding tests: guilds spread over two shards of the fake Discord, each with
a digest channel, a help channel with an open question and a help-wanted channel; the seeded
database; and bot processes run from config files."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from bot.conversation.clock import SystemClock
from bot.conversation.facts import Fact, InteractionFact, MemberFact, MessageFact, QuestionFact
from bot.runtime.lifecycle import build_services
from bot.settings.config import Settings
from bot.settings.service import SettingsChange
from bot.store.session import create_engine
from bot.store.writer import BatchedWriter
from tests.e2e.fake_discord import Call, FakeDiscord
from tests.e2e.payloads import FakeChannel, FakeGuild
from tests.scale.conftest import REPO_ROOT

SHARD_COUNT = 2
POLL_SECONDS = 5  # the smallest poll interval the config accepts


@dataclass
class GuildPlan:
    guild: FakeGuild
    shard: int
    digest: FakeChannel
    help: FakeChannel
    wanted: FakeChannel
    question_id: int = 0


def build_world(fake: FakeDiscord, per_shard: int = 2) -> list[GuildPlan]:
    fake.shard_count = SHARD_COUNT
    plans = []
    for shard in range(SHARD_COUNT):
        for n in range(per_shard):
            guild = fake.add_guild(f"Server {shard}-{n}", shard=(shard, SHARD_COUNT))
            plans.append(
                GuildPlan(
                    guild=guild,
                    shard=shard,
                    digest=fake.add_channel("digest", guild),
                    help=fake.add_channel("help", guild),
                    wanted=fake.add_channel("help-wanted", guild),
                )
            )
    return plans


def _facts(fake: FakeDiscord, plan: GuildPlan, now: datetime) -> list[Fact]:
    """Two weeks ago a member asked and another answered (the digest has something to say);
    three hours ago a question nobody answered (due for the help-wanted listing)."""
    gid, channel = plan.guild.id, plan.help.id
    asker, helper = fake.ids.next(), fake.ids.next()
    then = now - timedelta(days=14)
    asked_id, answer_id = fake.ids.next(then), fake.ids.next(then + timedelta(minutes=3))
    plan.question_id = fake.ids.next(now - timedelta(hours=3))
    open_at = now - timedelta(hours=3)
    return [
        MemberFact(gid, asker, then),
        MemberFact(gid, helper, then),
        MessageFact(gid, channel, asked_id, asker, then, is_question=True),
        MessageFact(gid, channel, answer_id, helper, then + timedelta(minutes=3)),
        InteractionFact(
            gid, channel, answer_id, helper, asker, asked_id, "reply", then + timedelta(minutes=3)
        ),
        QuestionFact(gid, channel, asked_id, asker, then, "answered", responder_ids=(helper,)),
        MessageFact(gid, channel, plan.question_id, asker, open_at, is_question=True),
        QuestionFact(gid, channel, plan.question_id, asker, open_at, "open", snippet="how do I?"),
    ]


async def seed(url: str, fake: FakeDiscord, plans: list[GuildPlan]) -> None:
    """Migrate the database, configure each guild and write its history."""
    services = await build_services(Settings.model_validate({"database": {"url": url}}), SystemClock())
    try:
        assert services.settings is not None
        now = datetime.now(UTC)
        facts: list[Fact] = []
        for plan in plans:
            await services.settings.update(
                plan.guild.id,
                SettingsChange(digest_channel_id=plan.digest.id, help_wanted_channel_id=plan.wanted.id),
            )
            facts.extend(_facts(fake, plan, now))
        writer = BatchedWriter(services.db_engine)
        await writer.write(facts)
        await writer.close()
    finally:
        await services.close()


@dataclass
class BotProcess:
    name: str
    token: str
    shard_ids: list[int]
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def problems(self) -> list[str]:
        """Logged errors and tracebacks (a clean run has none)."""
        return [line for line in self.log().splitlines() if " ERROR " in line or "Traceback" in line]

    async def stop(self, within: float = 30.0) -> int:
        """SIGTERM (a clean shutdown); killed if it has not ended `within` seconds later."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(self.process.wait, within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait, 10)
            raise AssertionError(f"{self.name} did not stop on SIGTERM:\n{self.log()}") from None


def start_bot(tmp: Path, name: str, port: int, url: str, shard_ids: list[int]) -> BotProcess:
    """A bot process (the real `run` entry) running `shard_ids` of SHARD_COUNT, with its own token
    so the fake can tell which process made each call."""
    token = f"token-{name}"
    config = tmp / f"{name}.toml"
    config.write_text(
        "\n".join(
            [
                "[discord]",
                f'token = "{token}"',
                f"shard_count = {SHARD_COUNT}",
                f"shard_ids = {shard_ids}",
                "backfill_days_on_join = 0",
                "[database]",
                f'url = "{url}"',
                "flush_seconds = 0.2",
                "[scheduler]",
                f"poll_seconds = {POLL_SECONDS}",
                "[logging]",
                'level = "WARNING"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "MPLCONFIGDIR": str(tmp / "mpl")}
    log_path = tmp / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.scale.shard_process", "--port", str(port), "--config", str(config)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return BotProcess(name, token, shard_ids, process, log_path)


async def wait_for_schema(url: str, bots: list[BotProcess], within: float = 90.0) -> None:
    """Until the bot processes (started on an empty database) have migrated it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    engine = create_engine(url)
    try:
        while True:
            for bot in bots:
                if bot.process.poll() is not None:
                    raise AssertionError(f"{bot.name} exited with {bot.process.returncode}:\n{bot.log()}")
            try:
                async with engine.connect() as conn:
                    if (await conn.execute(text("SELECT version_num FROM alembic_version"))).first():
                        return
            except ProgrammingError:
                pass  # no alembic_version table yet
            if loop.time() > deadline:
                raise AssertionError("the bot processes did not migrate the database in time")
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


def posts_to(fake: FakeDiscord, channel_id: int) -> list[Call]:
    return [c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{channel_id}/messages"]


async def wait_for_posts(
    fake: FakeDiscord, plans: list[GuildPlan], bots: list[BotProcess], within: float = 90.0
) -> None:
    """Until every guild has its digest and its listing (or a process died, or time ran out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within

    def done() -> bool:
        return all(posts_to(fake, p.digest.id) and posts_to(fake, p.wanted.id) for p in plans)

    while not done():
        for bot in bots:
            if bot.process.poll() is not None:
                raise AssertionError(f"{bot.name} exited with {bot.process.returncode}:\n{bot.log()}")
        if loop.time() > deadline:
            logs = "\n".join(f"--- {b.name}\n{b.log()}" for b in bots)
            raise AssertionError(f"not every guild got its posts in time\n{logs}")
        await asyncio.sleep(0.2)
