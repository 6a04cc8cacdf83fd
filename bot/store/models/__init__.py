"""Every model module, imported so that `Base.metadata` holds the whole schema.

One module per area; a new area's module is imported here.
"""

from bot.store.base import Base
from bot.store.models import core, digests, intros, nudges
from bot.store.models.core import (
    BackfillProgress,
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
    "GuildSettings",
    "IngestProgress",
    "Interaction",
    "Interest",
    "Member",
    "Message",
    "Question",
    "QuestionResponder",
    "core",
    "digests",
    "intros",
    "nudges",
]
