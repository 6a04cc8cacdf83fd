"""Digest inputs from the database, the exactly-once claim across a restart, and the late post."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.store.models.digests  # registers the digests table on Base.metadata
import bot.store.models.intros
import bot.store.models.nudges  # noqa: F401
from bot.conversation.clock import FakeClock
from bot.digest.offline_service import awrite_offline_digest
from bot.digest.service import DigestService
from bot.digest.week_digest import DigestSettings
from bot.errors import InvalidInput
from bot.store.base import Base
from bot.store.migrate import migrate
from bot.store.models.core import GuildSettings, Interaction, Member, Message, Question, QuestionResponder
from bot.store.models.digests import Digest
from bot.store.session import create_engine, make_sessionmaker

GUILD = 1000
OTHER = 2000
CHANNEL = 55
STAFF = 900
OPTED = 8
MON = datetime(2025, 1, 13, tzinfo=UTC)  # 2025-W03 starts
WEEK = "2025-W03"
POST = datetime(2025, 1, 20, 9, tzinfo=UTC)  # Monday 09:00 UTC: W03's digest is due


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


@pytest.fixture
async def sm(bare_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    await migrate(bare_engine)
    async with bare_engine.begin() as conn:  # the feature tables, until they are in the migration
        await conn.run_sync(Base.metadata.create_all)
    return make_sessionmaker(bare_engine)


def t(days: float) -> datetime:
    return MON + timedelta(days=days)


async def seed(
    sm: async_sessionmaker[AsyncSession], guild: int = GUILD, channel: int | None = CHANNEL
) -> None:
    """A small known week: members 1..8, staff 900; 1-2 met last week, 3-4 and 1-5 this week."""
    interactions = [
        # (message id, source, target, at)
        (100, 1, 2, t(-3)),
        (101, 1, 2, t(1)),
        (102, 2, 1, t(1.5)),
        (103, 3, 4, t(2)),
        (104, 5, 1, t(2)),
        (105, 1, STAFF, t(3)),
        (106, STAFF, 6, t(3)),
        (107, OPTED, 1, t(3)),
        (108, 1, 5, t(2.2)),
    ]
    off = 0 if guild == GUILD else 100_000  # message ids are unique across servers
    interactions = [(mid + off, src, tgt, at) for mid, src, tgt, at in interactions]
    messages = [(mid, src, at) for mid, src, _, at in interactions]
    messages += [(200 + off, 1, t(0.5)), (201 + off, 3, t(4)), (202 + off, 7, t(4))]
    messages += [(210 + off, 2, t(1) + timedelta(minutes=12))]
    async with sm.begin() as s:
        await s.execute(
            insert(GuildSettings),
            [
                {
                    "guild_id": guild,
                    "timezone": "UTC",
                    "response_target_minutes": 30,
                    "digest_channel_id": channel,
                    "help_channel_ids": [],
                    "excluded_channel_ids": [],
                    "staff_role_ids": [],
                    "digest": {"quiet_threshold": 3, "weekday": 0, "hour": 9},
                }
            ],
        )
        await s.execute(
            insert(Member),
            [
                {"guild_id": guild, "user_id": STAFF, "is_staff": True},
                {"guild_id": guild, "user_id": OPTED, "opted_out": True},
                {"guild_id": guild, "user_id": 6, "joined_at": t(2.5)},
                {"guild_id": guild, "user_id": 5, "joined_at": t(1)},
            ],
        )
        await s.execute(
            insert(Message),
            [
                {"message_id": mid, "guild_id": guild, "channel_id": 10, "author_id": a, "created_at": at}
                for mid, a, at in messages
            ],
        )
        await s.execute(
            insert(Interaction),
            [
                {
                    "message_id": mid,
                    "target_user_id": tgt,
                    "guild_id": guild,
                    "channel_id": 10,
                    "source_user_id": src,
                    "kind": "reply",
                    "at": at,
                }
                for mid, src, tgt, at in interactions
            ],
        )
        await s.execute(
            insert(Question),
            [
                {
                    "message_id": 200 + off, "guild_id": guild, "channel_id": 10, "asker_id": 1, "asked_at": t(1),
                    "status": "answered", "first_response_message_id": 210 + off,
                    "first_response_at": t(1) + timedelta(minutes=12), "topics": [],
                },
                {
                    "message_id": 201 + off, "guild_id": guild, "channel_id": 10, "asker_id": 3, "asked_at": t(4),
                    "status": "open", "topics": [],
                },
            ],
        )  # fmt: skip
        await s.execute(
            insert(QuestionResponder), [{"question_id": 200 + off, "user_id": 2, "guild_id": guild}]
        )


async def test_build_reads_the_week_from_the_database(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)
    service = DigestService(sm, FakeClock(POST))
    digest = await service.build(GUILD, WEEK)
    n = digest.numbers
    assert n["interactions"] == 8  # 101..108
    assert n["community_ratio"] == pytest.approx(6 / 8)
    assert n["new_connections"] == 3  # {3,4}, {1,5}, {1,8}; {1,2} met last week
    assert n["active_connections"] == 4
    assert n["questions_asked"] == 2 and n["questions_open"] == 1
    assert n["questions_answered_by_members"] == 1
    assert n["median_first_response_minutes"] == pytest.approx(12)
    assert n["answered_within_target_share"] == pytest.approx(1 / 2)
    assert n["newcomers"] == 2 and n["newcomers_replied"] == 1  # 5 got a reply from 1; 6 only from staff
    assert [h.user_id for h in digest.top_helpers] == [2]
    assert digest.open_questions[0].link == f"https://discord.com/channels/{GUILD}/10/201"
    assert digest.previous["interactions"] == 1
    assert n["intros_made"] == 0 and n["nudges_sent"] == 0


async def test_exactly_once_across_a_restart(sm: async_sessionmaker[AsyncSession], db_url: str) -> None:
    await seed(sm)
    clock = FakeClock(POST + timedelta(minutes=1))
    first = DigestService(sm, clock)
    due = await first.due()
    assert [(a.guild_id, a.week_key, a.late) for a in due] == [(GUILD, WEEK, False)]
    claimed = await first.claim(due[0])
    assert claimed is not None and claimed.digest_id is not None
    # A second claim of the same week (a job that ran twice) gets nothing.
    assert await first.claim(due[0]) is None
    await first.mark_sent(claimed, message_id=4242)

    # A restart: a new engine and service on the same database.
    engine = create_engine(db_url)
    try:
        restarted = DigestService(make_sessionmaker(engine), FakeClock(POST + timedelta(hours=2)))
        assert await restarted.due() == []
        assert await restarted.claim_due() == []
        row = await restarted.record(GUILD, WEEK)
        assert row is not None and row.message_id == 4242 and row.posted_at is not None
        assert row.figures["new_connections"] == 3
        assert row.figures["top_helpers"] == [{"answers": 1}]  # the stored row names no member
        assert claimed.figures["top_helpers"] == [{"user_id": "2", "answers": 1}]
    finally:
        await engine.dispose()
    async with sm() as s:
        assert (await s.execute(select(func.count()).select_from(Digest))).scalar_one() == 1


async def test_not_due_before_the_hour_and_late_after_downtime(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)
    service = DigestService(sm, FakeClock(POST - timedelta(minutes=1)))
    early = await service.due()
    assert [a.week_key for a in early] == ["2025-W02"]  # the newest due week before the hour is W02
    # Hearth was down Monday morning and comes back Wednesday: W03 is still due, and late.
    wednesday = POST + timedelta(days=2)
    late = await service.claim_due(wednesday)
    assert [(a.week_key, a.late) for a in late] == [(WEEK, True)]
    assert late[0].digest is not None and late[0].digest.late
    assert late[0].to_record()["late"] is True
    assert await service.due(wednesday + timedelta(hours=1)) == []


async def test_due_respects_ownership_channel_and_enabled(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)
    await seed(sm, guild=OTHER, channel=None)  # no digest channel: nothing to post
    service = DigestService(sm, FakeClock(POST))
    assert [a.guild_id for a in await service.due()] == [GUILD]
    assert await service.due(owns_guild=lambda gid: gid != GUILD) == []
    await service.update_settings(GUILD, enabled=False)
    assert await service.due() == []
    cfg = await service.update_settings(GUILD, enabled=True, weekday=2, hour=18)
    assert cfg.digest_settings == DigestSettings(enabled=True, weekday=2, hour=18, quiet_threshold=3)
    with pytest.raises(InvalidInput):
        await service.update_settings(GUILD, hour=31)


async def test_preview_is_the_week_so_far(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)
    service = DigestService(sm, FakeClock(t(2.1)))
    digest = await service.preview(GUILD)
    assert digest.partial and digest.week_key == WEEK
    assert digest.numbers["interactions"] == 4  # 101..104; the rest is later in the week
    async with sm() as s:
        assert (await s.execute(select(func.count()).select_from(Digest))).scalar_one() == 0


async def test_send_now_claims_once_then_reposts(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)
    service = DigestService(sm, FakeClock(POST + timedelta(days=1)))
    action, first = await service.send_now(GUILD)
    assert first and action.week_key == WEEK and action.digest_id is not None
    again, first_again = await service.send_now(GUILD)
    assert not first_again and again.digest_id is None
    assert await service.due() == []


async def test_activity_figures_come_from_the_sources(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)

    async def intros(_s: AsyncSession, _g: int, start: datetime, _e: datetime) -> tuple[int, int]:
        return (4, 2) if start == MON else (1, 0)

    async def nudges(_s: AsyncSession, _g: int, start: datetime, _e: datetime) -> tuple[int, int]:
        return (9, 5) if start == MON else (3, 3)

    service = DigestService(sm, FakeClock(POST), intro_stats=intros, nudge_stats=nudges)
    digest = await service.build(GUILD, WEEK)
    assert (digest.numbers["intros_made"], digest.numbers["intros_took"]) == (4, 2)
    assert (digest.numbers["nudges_sent"], digest.numbers["nudges_answered"]) == (9, 5)
    assert digest.deltas["intros_made"] == 3 and digest.deltas["nudges_answered"] == 2
    json.dumps(digest.figures())


async def test_offline_digest_writes_three_files(
    sm: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await seed(sm)
    paths = await awrite_offline_digest(sm, None, None, tmp_path / "out")
    figures = json.loads(paths["json"].read_text())
    assert figures["week"] == "2025-W02"  # the data ends mid-W03: the last complete week is W02
    assert figures["guild_id"] == str(GUILD)
    paths = await awrite_offline_digest(sm, GUILD, WEEK, tmp_path / "w03")
    figures = json.loads(paths["json"].read_text())
    assert figures["week"] == WEEK and figures["new_connections"] == 3 and figures["interactions"] == 8
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    text = paths["md"].read_text()
    # The stored data stops on Friday of W03: that week is shown as a week so far.
    assert text.startswith("# Hearth digest: week 2025-W03 so far") and figures["headline"] in text
    assert figures["partial"] is True


async def test_first_contacts_are_kept_incrementally(sm: async_sessionmaker[AsyncSession]) -> None:
    await seed(sm)
    service = DigestService(sm, FakeClock(POST))
    earlier = await service.build(GUILD, "2025-W02")  # brings the first-contact table up to W03's start
    assert earlier.numbers["new_connections"] == 1  # {1,2}
    assert await service.refresh_pairs(GUILD, MON) == 0  # already current: nothing read
    async with sm.begin() as s:  # a pair that met in W02 talks again in W03: not new
        await s.execute(
            insert(Interaction),
            [{"message_id": 300, "target_user_id": 1, "guild_id": GUILD, "channel_id": 10,
              "source_user_id": 2, "kind": "reply", "at": t(5)}],
        )  # fmt: skip
    digest = await service.build(GUILD, WEEK)
    assert digest.numbers["new_connections"] == 3  # {3,4}, {1,5}, {1,8}, as on a fresh database
