from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.facts import Fact
from bot.interests import store as interests
from bot.members import store as members
from bot.questions import store as questions
from bot.settings import store as settings
from bot.settings.guild import ServerSettings
from bot.sources import progress_store as progress
from bot.store import interactions
from bot.store.writer import BatchedWriter
from tests.db.factories import GUILD, at, member, message, question, reply

SM = async_sessionmaker[AsyncSession]


async def write_all(engine: AsyncEngine, facts: list[Fact]) -> None:
    writer = BatchedWriter(engine)
    await writer.write(facts)
    await writer.close()


async def test_settings_defaults_then_updates(sessionmaker: SM) -> None:
    async with sessionmaker() as session:
        row = await settings.get_settings(session, GUILD)
    assert row == ServerSettings(guild_id=GUILD)
    assert (row.timezone, row.response_target_minutes, row.snippet_chars, row.tracking_enabled) == (
        "UTC",
        30,
        140,
        True,
    )
    assert (row.help_channel_ids, row.nudges, row.stored) == ((), {}, False)

    async with sessionmaker() as session:
        updated = await settings.update_settings(
            session,
            GUILD,
            timezone="Europe/Paris",
            help_channel_ids=[5, 6],
            nudges={"daily_cap": 2},
            updated_at=at(0),
        )
        await session.commit()
    assert (updated.timezone, updated.help_channel_ids, updated.nudges, updated.stored) == (
        "Europe/Paris",
        (5, 6),
        {"daily_cap": 2},
        True,
    )
    async with sessionmaker() as session:
        await settings.update_settings(session, GUILD, snippet_chars=0)
        await session.commit()
        again = await settings.get_settings(session, GUILD)
        other = await settings.get_settings(session, GUILD + 1)
    assert (again.timezone, again.snippet_chars, again.help_channel_ids, again.updated_at) == (
        "Europe/Paris",
        0,
        (5, 6),
        at(0),
    )
    assert other.stored is False


async def test_settings_reject_unknown_names(sessionmaker: SM) -> None:
    async with sessionmaker() as session:
        try:
            await settings.update_settings(session, GUILD, colour="blue")
        except ValueError as exc:
            assert "colour" in str(exc)
        else:
            raise AssertionError("unknown setting accepted")


async def test_open_questions_pages_counts_and_status(engine: AsyncEngine, sessionmaker: SM) -> None:
    facts: list[Fact] = []
    for i in range(1, 8):
        facts += [
            message(i, 100 + i, i, is_question=True),
            question(i, 100 + i, i, responders=(7, 8) if i == 2 else ()),
        ]
    facts.append(question(3, 103, 3, status="answered"))
    facts.append(question(99, 5, 0, guild=GUILD + 1))
    await write_all(engine, facts)
    async with sessionmaker() as session:
        assert await questions.count_open(session, GUILD) == 6
        page = await questions.open_questions(session, GUILD, limit=2, offset=0)
        assert [q.message_id for q in page] == [1, 2]
        assert page[1].responder_ids == (7, 8) and page[1].topics == ("python",)
        assert [q.message_id for q in await questions.open_questions(session, GUILD, limit=10, offset=4)] == [
            6,
            7,
        ]
        assert await questions.count_open(session, GUILD, channel_id=999) == 0

        assert await questions.set_status(session, 1, "resolved", at=at(30), by_user_id=101)
        assert not await questions.set_status(session, 12345, "resolved", at=at(30), by_user_id=1)
        await session.commit()
        got = await questions.get_question(session, 1)
        assert got is not None and (got.status, got.resolved_at, got.resolved_by) == ("resolved", at(30), 101)
        assert got.asked_at == at(1) and got.asked_at.tzinfo is not None
        assert await questions.get_question(session, 12345) is None
        assert [q.message_id for q in await questions.questions_between(session, GUILD, at(2), at(5))] == [
            2,
            3,
            4,
        ]


async def test_restore_state_gives_open_questions_and_recent_messages(
    engine: AsyncEngine, sessionmaker: SM
) -> None:
    await write_all(
        engine,
        [
            message(1, 5, 0, is_question=True),
            question(1, 5, 0),
            message(2, 6, 100),
            message(3, 7, 200, guild=GUILD + 1),
            question(4, 7, 1, status="resolved"),
        ],
    )
    async with sessionmaker() as session:
        open_qs, recent = await questions.restore_state(session, guild_ids=[GUILD], since=at(50))
        assert [q.message_id for q in open_qs] == [1]
        assert [(m.message_id, m.author_id, m.created_at) for m in recent] == [(2, 6, at(100))]
        _, everywhere = await questions.restore_state(session, since=at(50))
        assert [m.message_id for m in everywhere] == [2, 3]


async def test_restore_state_also_gives_recently_settled_questions_with_their_tick(
    engine: AsyncEngine, sessionmaker: SM
) -> None:
    ticked = replace(question(4, 7, 60, status="resolved"), resolved_by=7, resolved_at=at(70), resolved_on=9)
    await write_all(engine, [question(1, 5, 0), question(2, 6, 10, status="answered"), ticked,
                             question(3, 6, -600, status="answered")])
    async with sessionmaker() as session:
        restored, _ = await questions.restore_state(session, guild_ids=[GUILD], since=at(50), settled_since=at(-60))
        stored = await questions.get_question(session, 4)
    assert [q.message_id for q in restored] == [1, 2, 4]  # the one answered ten hours before is left out
    assert stored is not None and stored.resolved_on == 9 and restored[-1].resolved_on == 9
    async with sessionmaker.begin() as session:
        await questions.set_status(session, 4, "open")
    async with sessionmaker() as session:
        reopened = await questions.get_question(session, 4)
    assert reopened is not None and reopened.resolved_on is None and reopened.resolved_by is None


async def test_interactions_windows_pairs_and_stream(engine: AsyncEngine, sessionmaker: SM) -> None:
    await write_all(
        engine,
        [
            reply(10, 1, 2, 9, 0),
            reply(11, 2, 1, 10, 5),  # same pair, other direction
            reply(12, 3, 1, 11, 60),
            reply(13, 4, 5, 12, 10, guild=GUILD + 1),
        ],
    )
    async with sessionmaker() as session:
        window = await interactions.interactions_between(session, GUILD, at(0), at(60))
        assert [(i.message_id, i.source_user_id, i.target_user_id, i.kind) for i in window] == [
            (10, 1, 2, "reply"),
            (11, 2, 1, "reply"),
        ]
        assert await interactions.first_interaction_at_per_pair(session, GUILD) == {
            (1, 2): at(0),
            (1, 3): at(60),
        }
        assert await interactions.first_interaction_at_per_pair(session, GUILD, before=at(60)) == {
            (1, 2): at(0)
        }
        streamed = [i.message_id async for i in interactions.iter_interactions(session, GUILD, chunk_size=1)]
        assert streamed == [10, 11, 12]


async def test_members_upsert_opt_out_and_summary(engine: AsyncEngine, sessionmaker: SM) -> None:
    await write_all(
        engine,
        [member(5, 0, joined=0), message(1, 5, 1, is_question=True), question(1, 5, 1), reply(2, 6, 5, 1, 2)],
    )
    async with sessionmaker() as session:
        await members.upsert_member(session, GUILD, 5, is_staff=True, seen_at=at(-10), timezone="Asia/Tokyo")
        await members.upsert_member(session, GUILD, 6, seen_at=at(3))
        await members.upsert_member(session, GUILD, 6)
        await members.set_opt_out(session, GUILD, 5, True)
        await members.set_opt_out(session, GUILD, 77, True)  # no row yet: created
        await interests.add_interest(session, GUILD, 5, "Rust")
        await session.commit()
        assert await members.opted_out_ids(session, GUILD) == {5, 77}
        assert await members.opted_out_ids(session, GUILD + 1) == set()
        summary = await members.member_summary(session, GUILD, 5)
    profile = summary["member"]
    assert (
        profile["is_staff"] is True and profile["opted_out"] is True and profile["timezone"] == "Asia/Tokyo"
    )
    assert (profile["first_seen_at"], profile["last_seen_at"]) == (at(-10).isoformat(), at(0).isoformat())
    assert summary["interests"] == ["rust"]
    assert [q["message_id"] for q in summary["questions_asked"]] == [1]
    assert summary["questions_asked"][0]["snippet"] == "how do I?"
    assert (summary["messages_recorded"], summary["responses_given"], summary["responses_received"]) == (
        1,
        0,
        1,
    )
    assert summary["rows_by_table"] == {
        "members": 1,
        "messages": 1,
        "interactions": 1,
        "questions": 1,
        "interests": 1,
    }


async def test_interests_normalise_and_autocomplete(sessionmaker: SM) -> None:
    async with sessionmaker() as session:
        assert await interests.add_interest(session, GUILD, 1, "  Machine   Learning ")
        assert not await interests.add_interest(session, GUILD, 1, "machine learning")
        await interests.add_interest(session, GUILD, 2, "machine learning")
        await interests.add_interest(session, GUILD, 2, "music")
        await interests.add_interest(session, GUILD, 3, "100%_real")
        await interests.add_interest(session, GUILD + 1, 3, "mandolin")
        await session.commit()
        assert await interests.list_interests(session, GUILD, 2) == ["machine learning", "music"]
        assert await interests.guild_interests(session, GUILD, "M", 10) == ["machine learning", "music"]
        assert await interests.guild_interests(session, GUILD, "100%", 10) == ["100%_real"]
        assert await interests.guild_interests(session, GUILD, "1_", 10) == []
        assert await interests.all_interests(session, GUILD) == {
            1: {"machine learning"},
            2: {"machine learning", "music"},
            3: {"100%_real"},
        }
        assert await interests.remove_interest(session, GUILD, 2, "MUSIC")
        assert not await interests.remove_interest(session, GUILD, 2, "music")
        await session.commit()
        assert await interests.list_interests(session, GUILD, 2) == ["machine learning"]


async def test_progress_markers(sessionmaker: SM) -> None:
    async with sessionmaker() as session:
        assert await progress.get_ingest_progress(session, "export.json") is None
        await progress.set_ingest_progress(
            session, "export.json", guild_id=GUILD, last_message_id=5, messages_done=5
        )
        await progress.set_ingest_progress(
            session,
            "export.json",
            guild_id=GUILD,
            last_message_id=9,
            messages_done=9,
            done=True,
            updated_at=at(1),
        )
        await progress.set_backfill_progress(
            session,
            guild_id=GUILD,
            channel_id=10,
            oldest_done_message_id=3,
            newest_done_message_id=8,
            target_after=at(-60),
        )
        await progress.set_backfill_progress(
            session, guild_id=GUILD, channel_id=10, newest_done_message_id=12, done=True
        )
        await session.commit()
        ingest = await progress.get_ingest_progress(session, "export.json")
        assert ingest == progress.IngestProgressRow("export.json", GUILD, 9, 9, True, at(1))
        rows = await progress.get_backfill_progress(session, GUILD)
        assert rows == [progress.BackfillProgressRow(GUILD, 10, 3, 12, True, None, None)]
        assert await progress.get_backfill_progress(session, GUILD + 1) == []
