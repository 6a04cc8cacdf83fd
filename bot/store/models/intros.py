"""Introduction tables: who opted in, which rounds ran, the introductions made and their outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, Snowflake, UTCDateTime


def _id(*, primary_key: bool = False, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(Snowflake, primary_key=primary_key, autoincrement=False, nullable=nullable)


class IntroMember(Base):
    """A member who opted in to introductions."""

    __tablename__ = "intro_members"

    guild_id: Mapped[int] = _id(primary_key=True)
    user_id: Mapped[int] = _id(primary_key=True)
    frequency: Mapped[str] = mapped_column(String(16), default="weekly")
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    ignored_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_intro_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_intro_members_guild_active", "guild_id", "active"),)


class IntroRound(Base):
    """One row per server per round: inserting it is the claim that makes a round happen once."""

    __tablename__ = "intro_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = _id()
    round_key: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    groups: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("guild_id", "round_key"),)


class Introduction(Base):
    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = _id()
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("intro_rounds.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_id: Mapped[int | None] = _id(nullable=True)
    thread_id: Mapped[int | None] = _id(nullable=True)
    shared_interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    starter: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_introductions_guild_created", "guild_id", "created_at"),
        Index("ix_introductions_round_id", "round_id"),
    )


class IntroductionMember(Base):
    __tablename__ = "introduction_members"

    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("introductions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = _id(primary_key=True)
    guild_id: Mapped[int] = _id()
    response: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (Index("ix_introduction_members_guild_user", "guild_id", "user_id"),)


__all__ = ["IntroMember", "IntroRound", "Introduction", "IntroductionMember"]
