"""Members' interests (used to introduce members to each other and to find helpers)."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.errors import InvalidInput, NotFound
from bot.interests import store as interest_repo

MAX_INTEREST_CHARS = 40
MAX_INTERESTS_PER_MEMBER = 25
_ALLOWED = re.compile(r"^[\w][\w +#./&'-]*$")
_SPACES = re.compile(r"\s+")


def normalize_interest(raw: str) -> str:
    """Lowercase, single spaces; InvalidInput when empty, too long or odd characters."""
    text = _SPACES.sub(" ", raw).strip().lower()
    if not text:
        raise InvalidInput("An interest cannot be empty.")
    if len(text) > MAX_INTEREST_CHARS:
        raise InvalidInput(f"An interest is at most {MAX_INTEREST_CHARS} characters (this one has {len(text)}).")
    if not _ALLOWED.match(text):
        raise InvalidInput(
            "An interest may use letters, digits, spaces and `+ # . / & ' -` only, and must start "
            "with a letter or digit."
        )
    return text


class InterestService:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock

    async def add(self, guild_id: int, user_id: int, raw: str) -> str:
        interest = normalize_interest(raw)
        async with self._sessionmaker() as session:
            current = await interest_repo.list_interests(session, guild_id, user_id)
            if interest in current:
                raise InvalidInput(f"`{interest}` is already one of your interests.")
            if len(current) >= MAX_INTERESTS_PER_MEMBER:
                raise InvalidInput(f"You can have at most {MAX_INTERESTS_PER_MEMBER} interests; remove one first.")
            await interest_repo.add_interest(session, guild_id, user_id, interest)
            await session.commit()
        return interest

    async def remove(self, guild_id: int, user_id: int, raw: str) -> str:
        interest = _SPACES.sub(" ", raw).strip().lower()
        async with self._sessionmaker() as session:
            current = await interest_repo.list_interests(session, guild_id, user_id)
            if interest not in current:
                raise NotFound(f"`{interest[:MAX_INTEREST_CHARS]}` is not one of your interests.")
            await interest_repo.remove_interest(session, guild_id, user_id, interest)
            await session.commit()
        return interest

    async def for_member(self, guild_id: int, user_id: int) -> list[str]:
        async with self._sessionmaker() as session:
            return sorted(await interest_repo.list_interests(session, guild_id, user_id))

    async def suggest(self, guild_id: int, prefix: str, limit: int = 25) -> list[str]:
        """Interests already used in this server that start with `prefix` (autocomplete)."""
        needle = _SPACES.sub(" ", prefix).strip().lower()[:MAX_INTEREST_CHARS]
        async with self._sessionmaker() as session:
            found = await interest_repo.guild_interests(session, guild_id, needle, limit)
        return list(found)[:limit]


__all__ = ["MAX_INTEREST_CHARS", "InterestService", "normalize_interest"]
