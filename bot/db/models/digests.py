"""Weekly digests: one row per server per ISO week, written before the digest is posted.

UNIQUE(guild_id, week_key) is the exactly-once guard: a second claim of the same week (a
restart, a job that ran twice, a second process) fails on the constraint and posts nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, Snowflake, UTCDateTime


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
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("guild_id", "week_key"),)


__all__ = ["Digest"]
