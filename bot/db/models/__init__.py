"""Every model module, imported so that `Base.metadata` holds the whole schema.

Feature areas add their own modules here: nudges, intros, digests
(`from bot.db.models import nudges, intros, digests` once they exist).
"""

from bot.db.base import Base
from bot.db.models import core
from bot.db.models.core import (
    BackfillProgress,
    Channel,
    GuildSettings,
    IngestProgress,
    Interaction,
    Interest,
    Member,
    Message,
    Question,
    QuestionResponder,
)

__all__ = [
    "BackfillProgress",
    "Base",
    "Channel",
    "GuildSettings",
    "IngestProgress",
    "Interaction",
    "Interest",
    "Member",
    "Message",
    "Question",
    "QuestionResponder",
    "core",
]
