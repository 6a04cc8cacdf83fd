"""Core tables: guild settings, members, message facts, interactions, questions,
interests and resumable progress markers.

No table stores a message body; a question may keep a short snippet when the server allows it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, Snowflake, UTCDateTime


def _id(*, primary_key: bool = False, nullable: bool = False) -> Mapped[Any]:
    return mapped_column(Snowflake, primary_key=primary_key, autoincrement=False, nullable=nullable)


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = _id(primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    response_target_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    digest_channel_id: Mapped[int | None] = _id(nullable=True)
    help_wanted_channel_id: Mapped[int | None] = _id(nullable=True)
    intro_channel_id: Mapped[int | None] = _id(nullable=True)
    help_channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    excluded_channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    staff_role_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    snippet_chars: Mapped[int] = mapped_column(Integer, default=140, server_default="140")
    tracking_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    nudges: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    intros: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Member(Base):
    __tablename__ = "members"

    guild_id: Mapped[int] = _id(primary_key=True)
    user_id: Mapped[int] = _id(primary_key=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Message(Base):
    __tablename__ = "messages"

    message_id: Mapped[int] = _id(primary_key=True)
    guild_id: Mapped[int] = _id()
    channel_id: Mapped[int] = _id()
    parent_channel_id: Mapped[int | None] = _id(nullable=True)
    author_id: Mapped[int] = _id()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_question: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_messages_guild_created", "guild_id", "created_at"),
        Index("ix_messages_guild_author", "guild_id", "author_id"),
    )


class Interaction(Base):
    __tablename__ = "interactions"

    # One row per responding message (or reacted-to message), responder and member responded to:
    # several members reacting to one message are several interactions.
    message_id: Mapped[int] = _id(primary_key=True)
    source_user_id: Mapped[int] = _id(primary_key=True)
    target_user_id: Mapped[int] = _id(primary_key=True)
    guild_id: Mapped[int] = _id()
    channel_id: Mapped[int] = _id()
    target_message_id: Mapped[int | None] = _id(nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_interactions_guild_at", "guild_id", "at"),
        Index("ix_interactions_guild_source_target_at", "guild_id", "source_user_id", "target_user_id", "at"),
        Index("ix_interactions_guild_target", "guild_id", "target_user_id"),
    )


class Question(Base):
    __tablename__ = "questions"

    message_id: Mapped[int] = _id(primary_key=True)
    guild_id: Mapped[int] = _id()
    channel_id: Mapped[int] = _id()
    parent_channel_id: Mapped[int | None] = _id(nullable=True)
    asker_id: Mapped[int] = _id()
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    snippet: Mapped[str | None] = mapped_column(String(400), nullable=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_response_message_id: Mapped[int | None] = _id(nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by: Mapped[int | None] = _id(nullable=True)
    resolved_on_message_id: Mapped[int | None] = _id(nullable=True)  # the asker's ✅ that resolved it
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: from before it was read
    source: Mapped[str] = mapped_column(String(16), default="auto")

    __table_args__ = (
        Index("ix_questions_guild_status_asked", "guild_id", "status", "asked_at"),
        Index("ix_questions_guild_asker", "guild_id", "asker_id"),
    )


class QuestionResponder(Base):
    __tablename__ = "question_responders"

    question_id: Mapped[int] = mapped_column(
        Snowflake,
        ForeignKey("questions.message_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    user_id: Mapped[int] = _id(primary_key=True)
    guild_id: Mapped[int] = _id()

    __table_args__ = (Index("ix_question_responders_guild_user", "guild_id", "user_id"),)


class Interest(Base):
    __tablename__ = "interests"

    guild_id: Mapped[int] = _id(primary_key=True)
    user_id: Mapped[int] = _id(primary_key=True)
    interest: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_interests_guild_interest", "guild_id", "interest"),)


class BlockedInterest(Base):
    """An interest the server's moderators took out: nobody can add it, autocomplete never offers it."""

    __tablename__ = "blocked_interests"

    guild_id: Mapped[int] = _id(primary_key=True)
    interest: Mapped[str] = mapped_column(String(64), primary_key=True)
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IngestProgress(Base):
    __tablename__ = "ingest_progress"

    source_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    guild_id: Mapped[int | None] = _id(nullable=True)
    last_message_id: Mapped[int | None] = _id(nullable=True)
    messages_done: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BackfillProgress(Base):
    __tablename__ = "backfill_progress"

    guild_id: Mapped[int] = _id(primary_key=True)
    channel_id: Mapped[int] = _id(primary_key=True)
    oldest_done_message_id: Mapped[int | None] = _id(nullable=True)
    newest_done_message_id: Mapped[int | None] = _id(nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    target_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


__all__ = [
    "BackfillProgress",
    "GuildSettings",
    "IngestProgress",
    "Interaction",
    "Interest",
    "Member",
    "Message",
    "Question",
    "QuestionResponder",
]
