"""The SQL figures against the reference definitions (`bot.digest.definitions`) on random servers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.clock import FakeClock
from bot.digest.definitions import Join, QuestionInfo, first_contacts_from, pair_counts_from, raw_inputs
from bot.digest.metrics import compute_week
from bot.digest.service import DigestService
from bot.digest.week_digest import NUMERIC_FIGURES, WeekInputs, week_windows
from bot.store.base import Base
from bot.store.migrate import migrate
from bot.store.models.core import GuildSettings, Interaction, Member, Message, Question, QuestionResponder
from bot.store.session import make_sessionmaker

GUILD = 1000
MON = datetime(2025, 1, 13, tzinfo=UTC)  # 2025-W03 starts
WEEK = "2025-W03"
POST = datetime(2025, 1, 20, 9, tzinfo=UTC)


def t(days: float) -> datetime:
    return MON + timedelta(days=days)


@pytest.fixture
async def sm(bare_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    await migrate(bare_engine)
    async with bare_engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return make_sessionmaker(bare_engine)


async def seed_random(sm: async_sessionmaker[AsyncSession], seed: int) -> None:
    """A random small server over ten weeks: members, staff, a bot, opted-out members, questions."""
    rng = random.Random(seed)
    users = list(range(1, 31))
    staff, bot_id, opted = {1, 2}, 30, {3, 4}
    start = MON - timedelta(weeks=9)
    span = (MON + timedelta(weeks=1) - start).total_seconds()
    async with sm.begin() as s:
        await s.execute(
            insert(GuildSettings),
            [{"guild_id": GUILD, "timezone": "Europe/Berlin", "response_target_minutes": 30, "digest_channel_id": 5,
              "help_channel_ids": [], "excluded_channel_ids": [], "staff_role_ids": [], "digest": {}}],
        )  # fmt: skip
        await s.execute(
            insert(Member),
            [
                {
                    "guild_id": GUILD,
                    "user_id": u,
                    "is_staff": u in staff,
                    "is_bot": u == bot_id,
                    "opted_out": u in opted,
                    "joined_at": start + timedelta(seconds=rng.uniform(0, span)),
                }
                for u in users
            ],
        )
        messages: list[dict[str, Any]] = []
        interactions: list[dict[str, Any]] = []
        for mid in range(1, 700):
            author = rng.choice(users[: 10 + mid % 20])
            at = start + timedelta(seconds=rng.uniform(0, span))
            messages.append({"message_id": mid, "guild_id": GUILD, "channel_id": 10, "author_id": author,
                             "created_at": at, "is_bot": author == bot_id})  # fmt: skip
            if rng.random() < 0.8:
                target = rng.choice(users)
                interactions.append({"message_id": mid, "target_user_id": target, "guild_id": GUILD,
                                     "channel_id": 10, "source_user_id": author, "kind": "reply", "at": at})  # fmt: skip
        await s.execute(insert(Message), messages)
        await s.execute(insert(Interaction), interactions)
        questions: list[dict[str, Any]] = []
        responders: list[dict[str, Any]] = []
        for m in rng.sample(messages, 120):
            delay = rng.choice([None, rng.uniform(1, 29), rng.uniform(31, 600)])
            status = "open" if delay is None else rng.choice(["answered", "resolved", "open"])
            if delay is None and rng.random() < 0.2:  # resolved by the asker with no response
                status = "resolved"
            resolved_at = (
                m["created_at"] + timedelta(hours=rng.uniform(0, 72)) if status == "resolved" else None
            )
            questions.append({"message_id": m["message_id"], "guild_id": GUILD, "channel_id": 10,
                              "asker_id": m["author_id"], "asked_at": m["created_at"], "status": status,
                              "first_response_at": None if delay is None else m["created_at"] + timedelta(minutes=delay),
                              "resolved_at": resolved_at, "snippet": f"question {m['message_id']}",
                              "topics": []})  # fmt: skip
            if delay is not None:
                for r in set(rng.sample(users, rng.randint(1, 3))):
                    responders.append({"question_id": m["message_id"], "user_id": r, "guild_id": GUILD})
        await s.execute(insert(Question), questions)
        await s.execute(insert(QuestionResponder), responders)


def first_responses(
    q: Question, responders: list[int], interactions: list[tuple[int, int, datetime]]
) -> tuple[tuple[int, datetime], ...]:
    """When each responder first interacted with the asker at or after the question (or never:
    a time after everything, so they never count)."""
    never = datetime.max.replace(tzinfo=UTC)
    out = []
    for r in responders:
        times = [at for a, b, at in interactions if a == r and b == q.asker_id and at >= q.asked_at]
        out.append((r, min(times, default=never)))
    return tuple(out)


async def reference_inputs(
    sm: async_sessionmaker[AsyncSession], week: str, tz: str, as_of: datetime | None = None
) -> WeekInputs:
    """The same week from raw rows through `bot.digest.definitions` (the reference definitions)."""
    windows = week_windows(week, tz)
    until = windows[0].end if as_of is None else min(windows[0].end, as_of)
    async with sm() as s:
        members = (await s.execute(select(Member).where(Member.guild_id == GUILD))).scalars().all()
        rows = [(a, b, at) for a, b, at in await s.execute(select(Interaction.source_user_id,
                Interaction.target_user_id, Interaction.at)) if at < until]  # fmt: skip
        msgs = [
            (a, at, b)
            for a, at, b in await s.execute(select(Message.author_id, Message.created_at, Message.is_bot))
        ]
        every = [(a, b, at) for a, b, at in await s.execute(select(Interaction.source_user_id,
                 Interaction.target_user_id, Interaction.at))]  # fmt: skip
        resp: dict[int, list[int]] = {}
        for qid, uid in await s.execute(select(QuestionResponder.question_id, QuestionResponder.user_id)):
            resp.setdefault(qid, []).append(uid)
        qs = [
            QuestionInfo(q.message_id, q.channel_id, q.asker_id, q.asked_at, q.status, q.first_response_at,
                         tuple(resp.get(q.message_id, ())), q.resolved_at, q.snippet, q.parent_channel_id,
                         first_responses(q, resp.get(q.message_id, []), every))
            for q in (await s.execute(select(Question))).scalars()
            if q.asked_at < until
        ]  # fmt: skip
    active = [
        {a for a, at, is_bot in msgs if not is_bot and w.start <= at < min(w.end, until)} for w in windows
    ]
    return raw_inputs(
        GUILD,
        week,
        timezone=tz,
        pair_counts=pair_counts_from(rows, windows),
        first_contacts=first_contacts_from(rows),
        questions=qs,
        joins=[
            Join(m.user_id, m.joined_at) for m in members if m.joined_at is not None and m.joined_at < until
        ],
        active_members=active[:2],
        staff_ids={m.user_id for m in members if m.is_staff},
        bot_ids={m.user_id for m in members if m.is_bot},
        opted_out_ids={m.user_id for m in members if m.opted_out},
        as_of=as_of,
    )


@pytest.mark.parametrize("seed", [1, 2])
async def test_sql_figures_match_the_reference_definitions(
    sm: async_sessionmaker[AsyncSession], seed: int
) -> None:
    await seed_random(sm, seed)
    service = DigestService(sm, FakeClock(POST), intro_stats=None, nudge_stats=None)
    for week, as_of in ((WEEK, None), ("2025-W01", None), (WEEK, t(3.5))):
        sql_digest = await service.build(GUILD, week, as_of=as_of)
        ref = compute_week(await reference_inputs(sm, week, "Europe/Berlin", as_of))
        for name in NUMERIC_FIGURES:
            for got, want in ((sql_digest.numbers, ref.numbers), (sql_digest.previous, ref.previous)):
                assert got[name] == pytest.approx(want[name], abs=1e-3), (week, name)  # julianday: ~ms
        assert sql_digest.top_helpers == ref.top_helpers
        assert sql_digest.helped == ref.helped
        assert sql_digest.bridges == ref.bridges
        assert sql_digest.open_questions == ref.open_questions
        assert sql_digest.unanswered_newcomers == ref.unanswered_newcomers
        assert [(p.new_connections, p.active_connections) for p in sql_digest.history] == [
            (p.new_connections, p.active_connections) for p in ref.history
        ]
        assert sql_digest.headline == ref.headline
