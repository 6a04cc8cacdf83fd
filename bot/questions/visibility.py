"""Who may see a question: only people who can read the channel it was asked in.

Whatever Hearth shows (a help-wanted listing, a nudge, `/questions open`, a digest) names a
question only to readers of its channel, checked when it is shown. `EVERYONE` stands for
@everyone: a post in a channel is shown to whoever reads that channel, so a post names only
questions from channels @everyone can read. The Discord-side answer lives in
`bot.runtime.channel_access`; offline (replays, exports) nothing is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

EVERYONE: None = None


class ChannelAccess(Protocol):
    def can_read(
        self, guild_id: int, channel_id: int, user_id: int | None, *, parent_channel_id: int | None = None
    ) -> bool:
        """Whether `user_id` (`EVERYONE`: the @everyone role) can read the channel or thread."""
        ...


class Place(Protocol):
    @property
    def guild_id(self) -> int: ...

    @property
    def channel_id(self) -> int: ...


def can_read_place(access: ChannelAccess) -> Callable[[Place, int | None], bool]:
    """`access` asked about where something was said (a thread's parent decides when the
    thread itself is unknown)."""

    def readable(place: Place, user_id: int | None) -> bool:
        parent = getattr(place, "parent_channel_id", None)
        return access.can_read(place.guild_id, place.channel_id, user_id, parent_channel_id=parent)

    return readable


def readable_by(access: ChannelAccess, user_id: int | None) -> Callable[[Place], bool]:
    """A test for one reader (`EVERYONE` for a post anyone in the channel sees)."""
    readable = can_read_place(access)
    return lambda place: readable(place, user_id)


__all__ = ["EVERYONE", "ChannelAccess", "Place", "can_read_place", "readable_by"]
