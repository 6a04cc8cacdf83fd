"""Weekly digests: one row per server per ISO week, written before the digest is posted.

UNIQUE(guild_id, week_key) is the exactly-once guard: a second claim of the same week (a
restart, a job that ran twice, a second process) fails on the constraint and posts nothing.
`digest_pair_firsts` remembers when each pair of accounts first interacted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, Snowflake, UTCDateTime


class Digest(Base):
    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    week_key: Mapped[str] = mapped_column(String(10))  # "2025-W03", ISO week in the server's zone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it was claimed
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True, autoincrement=False)
    channel_id: Mapped[int | None] = mapped_column(Snowflake, nullable=True, autoincrement=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # links to open questions: a member's deletion takes theirs out (`bot.privacy.store`)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info={"names_messages": True})

    __table_args__ = (UniqueConstraint("guild_id", "week_key"),)


class DigestPairFirst(Base):
    """When two accounts first interacted (either direction): new connections without rescanning
    all history. Kept up to date incrementally from `interactions` (see `digest_pair_progress`)."""

    __tablename__ = "digest_pair_firsts"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)  # the smaller id
    other_user_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_digest_pair_firsts_guild_first", "guild_id", "first_at"),)


class DigestPairProgress(Base):
    """How far (interaction time) `digest_pair_firsts` has been brought up to date, per server."""

    __tablename__ = "digest_pair_progress"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    through_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestWeekCounts(Base):
    """The counts of a finished week, kept so later digests read their history instead of
    rescanning it (a snapshot: what that week's digest reported)."""

    __tablename__ = "digest_week_counts"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    week_key: Mapped[str] = mapped_column(String(10), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


__all__ = ["Digest", "DigestPairFirst", "DigestPairProgress", "DigestWeekCounts"]
