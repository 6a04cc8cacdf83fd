"""Helper nudges: opted-in helpers, ladder steps taken, and who each nudge invited.

`nudges` has one row per (question, step), written before the step is posted: the
unique constraint is what makes a step happen exactly once, even with two processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, Snowflake, UTCDateTime


def _id(*, primary_key: bool = False, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(Snowflake, primary_key=primary_key, autoincrement=False, nullable=nullable)


class Helper(Base):
    __tablename__ = "helpers"

    guild_id: Mapped[int] = _id(primary_key=True)
    user_id: Mapped[int] = _id(primary_key=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    active_start_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active_end_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class Nudge(Base):
    __tablename__ = "nudges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = _id()
    question_message_id: Mapped[int] = _id()
    step: Mapped[str] = mapped_column(String(16))  # nudge | listing | check
    channel_id: Mapped[int | None] = _id(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it was claimed
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    posted_message_id: Mapped[int | None] = _id(nullable=True)

    __table_args__ = (
        UniqueConstraint("question_message_id", "step"),
        Index("ix_nudges_guild_created", "guild_id", "created_at"),
    )


class NudgeTarget(Base):
    __tablename__ = "nudge_targets"

    nudge_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("nudges.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = _id(primary_key=True)
    guild_id: Mapped[int] = _id()
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (Index("ix_nudge_targets_guild_user", "guild_id", "user_id"),)


__all__ = ["Helper", "Nudge", "NudgeTarget"]


class HelpBoard(Base):
    """The open-questions board of a server: the message(s) in its help-wanted channel that
    Hearth edits in place, and what they show (`fingerprint`), so a restart edits, not posts."""

    __tablename__ = "help_boards"

    guild_id: Mapped[int] = _id(primary_key=True)
    channel_id: Mapped[int] = _id()
    message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    recreated: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
