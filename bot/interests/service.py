"""Members' interests (used to introduce members to each other and to find helpers)."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.clock import Clock
from bot.errors import InvalidInput, NotFound
from bot.interests import store as interest_repo

MAX_INTEREST_CHARS = 40
MAX_INTERESTS_PER_MEMBER = 25
SUGGEST_MIN_MEMBERS = 2  # autocomplete offers an interest once two members share it, never one member's words
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
            if _is_blocked(interest, await interest_repo.blocked_interests(session, guild_id)):
                raise InvalidInput("The moderators of this server have blocked that interest.")
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
        """Interests that start with `prefix`, shared by at least two members of this server and
        not blocked (autocomplete): one member cannot put words in everyone's suggestions."""
        needle = _SPACES.sub(" ", prefix).strip().lower()[:MAX_INTEREST_CHARS]
        async with self._sessionmaker() as session:
            found = await interest_repo.guild_interests(
                session, guild_id, needle, limit, min_members=SUGGEST_MIN_MEMBERS
            )
            blocked = await interest_repo.blocked_interests(session, guild_id)
        return [i for i in found if not _is_blocked(i, blocked)][:limit]

    async def block(self, guild_id: int, raw: str) -> tuple[str, int]:
        """A moderator takes an interest out of the server: from every member, and for good
        (nobody can add it or anything containing it as words). Returns it and how many had it."""
        interest = normalize_interest(raw)
        async with self._sessionmaker() as session:
            removed = await interest_repo.block_interest(session, guild_id, interest, self._clock.now())
            await session.commit()
        return interest, removed

    async def unblock(self, guild_id: int, raw: str) -> str:
        interest = _SPACES.sub(" ", raw).strip().lower()
        async with self._sessionmaker() as session:
            if not await interest_repo.unblock_interest(session, guild_id, interest):
                raise NotFound(f"`{interest[:MAX_INTEREST_CHARS]}` is not blocked here.")
            await session.commit()
        return interest

    async def blocked(self, guild_id: int) -> list[str]:
        async with self._sessionmaker() as session:
            return sorted(await interest_repo.blocked_interests(session, guild_id))


def _is_blocked(interest: str, blocked: set[str]) -> bool:
    """The interest is blocked, or holds a blocked entry as whole words ("x fans" when "x" is)."""
    if interest in blocked:
        return True
    padded = f" {interest} "
    return any(f" {entry} " in padded for entry in blocked)


__all__ = ["MAX_INTEREST_CHARS", "InterestService", "normalize_interest"]
