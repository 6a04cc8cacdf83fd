from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, Table, TypeDecorator, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.facts import Fact
from bot.interests import store as interests
from bot.members import store as members
from bot.members.store import member_tables, user_columns
from bot.privacy.store import covered_tables, delete_member_data
from bot.settings import store as settings
from bot.store.models import Base
from bot.store.writer import BatchedWriter
from tests.db.factories import GUILD, at, member, message, question, reply

SM = async_sessionmaker[AsyncSession]
ME, OTHER, THIRD = 5, 6, 7


async def rows_mentioning(engine: AsyncEngine, guild_id: int, user_id: int) -> dict[str, int]:
    """Rows in any table (found from the metadata) whose user columns hold `user_id`."""
    found: dict[str, int] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = user_columns(table)
            if not columns:
                continue
            stmt = select(table).where(or_(*(c == user_id for c in columns)))
            if "guild_id" in table.c:
                stmt = stmt.where(table.c.guild_id == guild_id)
            count = len((await conn.execute(stmt)).all())
            if count:
                found[table.name] = count
    return found


def world() -> list[Fact]:
    q_mine = question(1, ME, 0, responders=(OTHER, THIRD))
    q_other = question(3, OTHER, 2, responders=(ME,))
    return [
        member(ME, 0, joined=0),
        member(OTHER, 0),
        member(THIRD, 0),
        message(1, ME, 0, is_question=True),
        q_mine,
        message(2, OTHER, 1),
        reply(2, OTHER, ME, 1, 1),
        message(3, OTHER, 2, is_question=True),
        q_other,
        message(4, ME, 3),
        reply(4, ME, OTHER, 3, 3),
        message(5, THIRD, 4),
        reply(5, THIRD, OTHER, 3, 4),
        # the same member in another server is untouched
        member(ME, 0, guild=GUILD + 1),
        message(50, ME, 0, guild=GUILD + 1),
    ]


async def seed(engine: AsyncEngine, sessionmaker: SM) -> None:
    writer = BatchedWriter(engine)
    await writer.write(world())
    await writer.close()
    async with sessionmaker() as session:
        await interests.add_interest(session, GUILD, ME, "chess")
        await interests.add_interest(session, GUILD, OTHER, "chess")
        await settings.update_settings(session, GUILD, help_channel_ids=[10])
        await session.execute(
            Base.metadata.tables["questions"]
            .update()
            .where(Base.metadata.tables["questions"].c.message_id == 3)
            .values(status="resolved", resolved_by=ME, resolved_at=at(9))
        )
        await session.commit()


async def test_every_table_with_a_member_column_is_covered() -> None:
    names = set(covered_tables())
    for table in member_tables():
        assert table.name in names
    assert {"members", "messages", "interactions", "questions", "question_responders", "interests"} <= names


async def test_delete_leaves_no_row_mentioning_the_member(engine: AsyncEngine, sessionmaker: SM) -> None:
    await seed(engine, sessionmaker)
    before = await rows_mentioning(engine, GUILD, ME)
    assert before == {
        "members": 1,
        "messages": 2,
        "interactions": 2,
        "questions": 2,  # asked one, resolved another
        "question_responders": 1,
        "interests": 1,
    }

    async with sessionmaker() as session:
        counts = await delete_member_data(session, GUILD, ME)
        await session.commit()

    assert await rows_mentioning(engine, GUILD, ME) == {}
    assert counts["members"] == 1 and counts["messages"] == 2 and counts["interactions"] == 2
    assert counts["questions"] == 2  # one deleted, one with resolved_by cleared
    assert counts["question_responders"] == 3  # responders of the deleted question + their answer elsewhere
    assert counts["interests"] == 1
    assert set(counts) >= set(covered_tables())

    # everyone else's data stays: the other question (no longer naming who resolved it), the
    # interaction between the two others, their interests, and the member in the other server
    others: dict[str, Any] = await rows_mentioning(engine, GUILD, OTHER)
    assert others == {"members": 1, "messages": 2, "interactions": 1, "questions": 1, "interests": 1}
    async with engine.connect() as conn:
        q = (await conn.execute(select(Base.metadata.tables["questions"]))).one()
        assert (q.message_id, q.status, q.resolved_by) == (3, "resolved", None)
    assert await rows_mentioning(engine, GUILD + 1, ME) == {"members": 1, "messages": 1}

    async with sessionmaker() as session:  # deleting again finds nothing
        again = await delete_member_data(session, GUILD, ME)
        await session.commit()
    assert sum(again.values()) == 0


async def test_opt_out_can_be_kept_after_deleting(engine: AsyncEngine, sessionmaker: SM) -> None:
    await seed(engine, sessionmaker)
    async with sessionmaker() as session:
        await members.set_opt_out(session, GUILD, ME, True)
        await delete_member_data(session, GUILD, ME)
        await members.set_opt_out(session, GUILD, ME, True)
        await session.commit()
        assert await members.opted_out_ids(session, GUILD) == {ME}
    assert await rows_mentioning(engine, GUILD, ME) == {"members": 1}


def synthetic_row(table: Table, parents: dict[str, dict[str, Any]], user_id: int) -> dict[str, Any]:
    """A row for any table: the member in every user column, this server, a parent row for
    every foreign key, and a plain value of the right type elsewhere."""
    row: dict[str, Any] = {}
    users = {c.name for c in user_columns(table)}
    for column in table.columns:
        fk = next(iter(column.foreign_keys), None)
        if fk is not None and fk.column.table.name in parents:
            row[column.name] = parents[fk.column.table.name][fk.column.name]
        elif column.name in users:
            row[column.name] = user_id
        elif column.name == "guild_id":
            row[column.name] = GUILD
        elif (
            (column.primary_key and isinstance(column.type, Integer) and column.autoincrement is True)
            or column.default is not None
            or column.server_default is not None
        ):
            continue
        elif column.nullable:
            row[column.name] = None
        elif isinstance(column.type, JSON):
            row[column.name] = []
        else:
            kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
            python_type: Any = kind.python_type
            sample: dict[type, Any] = {
                int: 424242 + user_id,
                str: f"x{user_id}",
                bool: False,
                datetime: at(0),
                dict: {},
                list: [],
            }
            row[column.name] = sample[python_type]
    return row


async def test_a_row_in_every_table_naming_the_member_is_removed(
    engine: AsyncEngine, sessionmaker: SM
) -> None:
    """Whatever tables exist in the metadata (every area's), one row naming the member in each
    goes, and a row naming someone else stays."""
    parents: dict[str, dict[str, Any]] = {}
    async with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            # ME last: the parent row a child row points at is the member's
            for who in (OTHER, ME) if user_columns(table) or table.foreign_keys else (ME,):
                row = synthetic_row(table, parents, who)
                result = await conn.execute(insert(table).values(row).returning(*table.primary_key.columns))
                parents[table.name] = {**row, **result.one()._asdict()}
    assert (await rows_mentioning(engine, GUILD, ME)).keys() >= {t.name for t in member_tables()}

    async with sessionmaker() as session:
        await delete_member_data(session, GUILD, ME)
        await session.commit()
    assert await rows_mentioning(engine, GUILD, ME) == {}
    assert (await rows_mentioning(engine, GUILD, OTHER)).keys() >= {
        t.name for t in member_tables() if not any(fk.column.table.name in parents for fk in t.foreign_keys)
    }
