"""The people and channels of a generated sample community, and its sidecar description."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.sample.phrases import FIRST_NAMES, NAME_SUFFIXES, TOPIC_KEYS

DISCORD_EPOCH_MS = 1_420_070_400_000
DISCORD_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
SEQ_MASK = (1 << 22) - 1

ChannelRole = Literal["general", "intro", "digest", "help", "help_wanted", "forum", "topic", "thread", "post"]
TIMEZONES: tuple[str, ...] = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "UTC",
)
INTRO_FREQUENCIES: tuple[str, ...] = ("weekly", "biweekly", "monthly")


def snowflake_at(at: datetime, seq: int) -> int:
    """A Discord snowflake for `at`: milliseconds since the Discord epoch, then a counter."""
    ms = (at - DISCORD_EPOCH) // timedelta(milliseconds=1)
    return (ms << 22) | (seq & SEQ_MASK)


def iso(at: datetime) -> str:
    """The exporter's timestamp format: milliseconds and an explicit offset."""
    at = at.astimezone(UTC)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}+00:00"


class IdAllocator:
    """Hands out unique, time-ordered snowflakes."""

    def __init__(self) -> None:
        self._seq = 0

    def next(self, at: datetime) -> int:
        self._seq += 1
        return snowflake_at(at, self._seq)


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    name: str
    staff: bool
    bot: bool
    joined_at: datetime
    timezone: str
    interests: tuple[str, ...]
    activity: float
    helper_opt_in: bool = False
    helper_topics: tuple[str, ...] = ()
    intro_opt_in: bool = False
    intro_frequency: str = "weekly"

    def to_record(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "staff": self.staff,
            "bot": self.bot,
            "joined_at": iso(self.joined_at),
            "timezone": self.timezone,
            "interests": list(self.interests),
            "helper": {"opt_in": self.helper_opt_in, "topics": list(self.helper_topics)},
            "intros": {"opt_in": self.intro_opt_in, "frequency": self.intro_frequency},
        }


@dataclass(slots=True)
class Channel:
    id: int
    name: str
    kind: str  # the exporter's channel type: GuildTextChat, GuildForum, GuildPublicThread
    role: ChannelRole
    category_id: int | None
    category: str | None
    topic: str | None = None
    topic_key: str | None = None
    tags: tuple[str, ...] = ()
    last_message_id: int | None = None  # threads and posts: written out once this one is out
    owner_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.role in ("thread", "post")

    def to_record(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "type": self.kind,
            "role": self.role,
            "parent_id": str(self.category_id) if self.category_id is not None else None,
            "topic": self.topic_key,
        }


@dataclass(slots=True)
class Layout:
    guild_id: int
    guild_name: str
    categories: dict[str, int]
    channels: list[Channel] = field(default_factory=list)
    staff_role_id: int = 0
    bot_role_id: int = 0

    def by_role(self, role: ChannelRole) -> list[Channel]:
        return [channel for channel in self.channels if channel.role == role]

    def one(self, role: ChannelRole) -> Channel:
        return self.by_role(role)[0]


def build_layout(
    rng: random.Random, ids: IdAllocator, name: str, created: datetime, topics: list[str]
) -> Layout:
    """The server: a few categories, chat and help channels, a forum and topic channels."""
    at = created
    guild_id = ids.next(at)

    def tick() -> datetime:
        nonlocal at
        at = at + timedelta(minutes=rng.randint(1, 90))
        return at

    categories = {label: ids.next(tick()) for label in ("Community", "Help", "Topics")}
    layout = Layout(guild_id, name, categories, staff_role_id=ids.next(tick()), bot_role_id=ids.next(tick()))

    def add(
        cname: str, kind: str, role: ChannelRole, category: str, topic: str | None, key: str | None = None
    ) -> None:
        layout.channels.append(
            Channel(ids.next(tick()), cname, kind, role, categories[category], category, topic, key)
        )

    add("general", "GuildTextChat", "general", "Community", "Chat about anything")
    add("introductions", "GuildTextChat", "intro", "Community", "Say hi and tell us what you make")
    add("community-digest", "GuildTextChat", "digest", "Community", "Weekly community digest")
    add("help", "GuildTextChat", "help", "Help", "Ask anything, show what you tried")
    add("help-forum", "GuildForum", "forum", "Help", "One post per problem")
    add("help-wanted", "GuildTextChat", "help_wanted", "Help", "Questions that need a hand")
    for key in topics:
        add(key, "GuildTextChat", "topic", "Topics", f"All things {key}", key)
    return layout


def _unique_name(rng: random.Random, taken: set[str]) -> str:
    for _ in range(20):
        candidate = rng.choice(FIRST_NAMES) + rng.choice(NAME_SUFFIXES)
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    base = rng.choice(FIRST_NAMES)
    number = len(taken)
    while f"{base}{number}" in taken:
        number += 1
    taken.add(f"{base}{number}")
    return f"{base}{number}"


def _interests(rng: random.Random, popularity: list[float]) -> tuple[str, ...]:
    first = rng.choices(range(len(TOPIC_KEYS)), weights=popularity)[0]
    chosen = [first]
    for _ in range(rng.choice((0, 1, 1, 2))):
        if rng.random() < 0.6:  # neighbouring topics go together, which makes clusters
            candidate = (first + rng.choice((-1, 1))) % len(TOPIC_KEYS)
        else:
            candidate = rng.randrange(len(TOPIC_KEYS))
        if candidate not in chosen:
            chosen.append(candidate)
    return tuple(TOPIC_KEYS[index] for index in chosen)


def build_members(
    rng: random.Random,
    ids: IdAllocator,
    count: int,
    start: datetime,
    end: datetime,
    *,
    founder_share: float,
    staff_share: float,
) -> list[Member]:
    """One bot account, then `count` people: founders joined before `start`, the rest join until `end`."""
    popularity = [1.0 / (rank + 1) ** 0.7 for rank in range(len(TOPIC_KEYS))]
    taken: set[str] = {"beacon"}
    bot_joined = start - timedelta(days=300)
    members = [
        Member(ids.next(bot_joined - timedelta(days=30)), "Beacon", False, True, bot_joined, "UTC", (), 0.0)
    ]
    founders = max(1, round(count * founder_share))
    staff = max(1, round(count * staff_share))
    span = (end - start).total_seconds()
    for index in range(count):
        if index < founders:
            joined = start - timedelta(days=rng.uniform(1, 400))
        else:
            joined = start + timedelta(seconds=rng.uniform(0.02, 0.98) * span)
        created = joined - timedelta(days=rng.uniform(1, 1500))
        is_staff = index < staff
        interests = _interests(rng, popularity)
        helper = rng.random() < (0.6 if is_staff else 0.18)
        intro = rng.random() < 0.45
        members.append(
            Member(
                id=ids.next(created),
                name=_unique_name(rng, taken),
                staff=is_staff,
                bot=False,
                joined_at=joined,
                timezone=rng.choice(TIMEZONES),
                interests=interests,
                activity=min(rng.paretovariate(1.3), 25.0) * (2.0 if is_staff else 1.0),
                helper_opt_in=helper,
                helper_topics=interests[:2] if helper else (),
                intro_opt_in=intro,
                intro_frequency=rng.choice(INTRO_FREQUENCIES) if intro else "weekly",
            )
        )
    return members
