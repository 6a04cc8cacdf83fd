"""Conversation episodes: a chat, a thread, a bot post, a newcomer joining and saying hi.

`Episodes` also holds the building blocks (posting, reacting, picking members by interest)
that the help episodes (`help_episodes.py`) use. Each episode is generated whole (it spans
minutes to hours) into `out`; the generator merges episodes into channel files in time order.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.sample import phrases as P
from bot.sample.community import Channel, IdAllocator, Layout, Member, iso
from bot.sample.export_format import Roles, add_reaction, user_object


@dataclass(slots=True)
class Posted:
    id: int
    channel: Channel
    author: Member
    at: datetime
    data: dict[str, Any]


@dataclass(slots=True)
class Picker:
    """Weighted choice of members in O(log n) per pick (cumulative weights)."""

    members: list[Member]
    cumulative: list[float]

    @classmethod
    def build(cls, members: list[Member], weight: Callable[[Member], float]) -> Picker:
        weights = [max(weight(member), 1e-9) for member in members]
        return cls(members, list(itertools.accumulate(weights)))

    def pick(self, rng: random.Random, exclude: tuple[Member, ...] = ()) -> Member | None:
        if not self.members:
            return None
        total = self.cumulative[-1]
        for _ in range(8):
            index = bisect.bisect_left(self.cumulative, rng.random() * total)
            member = self.members[min(index, len(self.members) - 1)]
            if member not in exclude:
                return member
        return None


def _interest_weight(key: str) -> Callable[[Member], float]:
    """Members who like `key` talk about it far more often than the rest."""

    def weight(member: Member) -> float:
        return member.activity * (5.0 if key in member.interests else 0.3)

    return weight


def _helper_weight(key: str) -> Callable[[Member], float]:
    """Who answers a question on `key`: people into it, opted-in helpers and staff first."""

    def weight(member: Member) -> float:
        return (
            member.activity
            * (4.0 if key in member.interests else 0.4)
            * (2.5 if key in member.helper_topics else 1.0)
            * (1.5 if member.staff else 1.0)
        )

    return weight


@dataclass(slots=True)
class Episodes:
    rng: random.Random
    ids: IdAllocator
    layout: Layout
    roles: Roles
    bot: Member
    unanswered_share: float
    guild_ref: str = ""
    thread_share: float = 1.0
    everyone: Picker = field(default_factory=lambda: Picker([], []))
    by_topic: dict[str, Picker] = field(default_factory=dict)
    helpers: dict[str, Picker] = field(default_factory=dict)
    out: list[Posted] = field(default_factory=list)

    def refresh(self, active: list[Member]) -> None:
        """Rebuild the pickers for the members present now."""
        self.everyone = Picker.build(active, lambda m: m.activity)
        for key in P.TOPIC_KEYS:
            self.by_topic[key] = Picker.build(active, _interest_weight(key))
            self.helpers[key] = Picker.build(active, _helper_weight(key))

    # ---- building blocks -------------------------------------------------------------

    def post(
        self,
        channel: Channel,
        author: Member,
        at: datetime,
        content: str,
        *,
        mtype: str = "Default",
        mentions: tuple[Member, ...] = (),
        reply_to: Posted | None = None,
        message_id: int | None = None,
        reference_channel: int | None = None,
    ) -> Posted:
        mid = message_id if message_id is not None else self.ids.next(at)
        rng = self.rng
        listed = list(mentions)
        if reply_to is not None:
            mtype = "Reply"
            if (
                reply_to.author not in listed and reply_to.author is not author and rng.random() < 0.7
            ):  # reply pings by default
                listed.append(reply_to.author)
        data: dict[str, Any] = {
            "id": str(mid),
            "type": mtype,
            "timestamp": iso(at),
            "timestampEdited": iso(at + timedelta(seconds=rng.randint(20, 600)))
            if rng.random() < 0.03
            else None,
            "callEndedTimestamp": None,
            "isPinned": author.staff and mtype == "Default" and rng.random() < 0.01,
            "content": content,
            "author": user_object(author, self.roles),
            "attachments": [],
            "embeds": [],
            "stickers": [],
            "reactions": [],
            "mentions": [user_object(m, self.roles) for m in listed],
        }
        if reply_to is not None:
            data["reference"] = {
                "messageId": str(reply_to.id),
                "channelId": str(channel.id),
                "guildId": self.guild_ref,
            }
        elif reference_channel is not None:
            data["reference"] = {
                "messageId": None,
                "channelId": str(reference_channel),
                "guildId": self.guild_ref,
            }
        data["inlineEmojis"] = []
        posted = Posted(mid, channel, author, at, data)
        if channel.is_thread and (channel.last_message_id is None or mid > channel.last_message_id):
            channel.last_message_id = mid
        self.out.append(posted)
        return posted

    def later(self, at: datetime, low: float, high: float) -> datetime:
        """A moment `low`..`high` seconds after `at`, at whole milliseconds."""
        return at + timedelta(milliseconds=int(self.rng.uniform(low, high) * 1000))

    def response_delay(self) -> float:
        """Seconds until a first answer: mostly minutes, sometimes hours."""
        return min(self.rng.lognormvariate(6.3, 1.1), 6 * 3600.0) + 15

    def react(self, posted: Posted, emoji: str, user: Member) -> None:
        add_reaction(posted.data, emoji, user)

    def name(self, member: Member) -> str:
        return "@" + member.name

    # ---- episodes ---------------------------------------------------------------------

    def chat(self, channel: Channel, topic_key: str, at: datetime) -> None:
        rng = self.rng
        topic = P.TOPIC_BY_KEY[topic_key]
        picker = self.by_topic[topic_key] if channel.role == "topic" or rng.random() < 0.6 else self.everyone
        starter = picker.pick(rng, exclude=(self.bot,))
        if starter is None:
            return
        first = self.post(
            channel, starter, at, rng.choice(P.CHAT_TEMPLATES).format(thing=rng.choice(topic.things))
        )
        previous = first
        for _ in range(rng.randint(0, 5)):
            speaker = picker.pick(rng, exclude=(self.bot,))
            if speaker is None:
                break
            when = self.later(previous.at, 20, 420)
            roll = rng.random()
            if speaker is previous.author:
                previous = self.post(channel, speaker, when, rng.choice(P.SMALL_TALK))
            elif roll < 0.3:
                previous = self.post(channel, speaker, when, rng.choice(P.CHAT_REPLIES), reply_to=previous)
            elif roll < 0.45:
                previous = self.post(
                    channel,
                    speaker,
                    when,
                    f"{self.name(previous.author)} {rng.choice(P.CHAT_REPLIES)}",
                    mentions=(previous.author,),
                )
            else:
                previous = self.post(channel, speaker, when, rng.choice(P.CHAT_REPLIES + P.SMALL_TALK))
        for _ in range(rng.choice((0, 0, 1, 2))):
            fan = self.everyone.pick(rng, exclude=(starter, self.bot))
            if fan is not None:
                self.react(first, rng.choice(("❤️", "🔥", "👍", "😂")), fan)

    def thread_talk(self, parent: Channel, topic_key: str, at: datetime) -> None:
        rng = self.rng
        topic = P.TOPIC_BY_KEY[topic_key]
        owner = self.by_topic[topic_key].pick(rng, exclude=(self.bot,))
        if owner is None:
            return
        title = rng.choice(P.THREAD_TITLES).format(thing=rng.choice(topic.things), topic=topic_key)
        thread_id = self.ids.next(at)
        thread = Channel(
            thread_id,
            title,
            "GuildPublicThread",
            "thread",
            parent.id,
            parent.name,
            topic_key=topic_key,
            owner_id=owner.id,
        )
        self.post(parent, owner, at, "Started a thread.", mtype="ThreadCreated", reference_channel=thread_id)
        previous = self.post(
            thread,
            owner,
            self.later(at, 5, 60),
            rng.choice(P.CHAT_TEMPLATES).format(thing=rng.choice(topic.things)),
        )
        for _ in range(rng.randint(1, 7)):
            speaker = self.by_topic[topic_key].pick(rng, exclude=(self.bot,))
            if speaker is None:
                break
            previous = self.post(
                thread,
                speaker,
                self.later(previous.at, 30, 1500),
                rng.choice(P.CHAT_REPLIES + P.SMALL_TALK),
                reply_to=previous if rng.random() < 0.2 and speaker is not previous.author else None,
            )

    def bot_message(self, at: datetime) -> None:
        rng = self.rng
        if rng.random() < 0.7:
            member = self.everyone.pick(rng, exclude=(self.bot,))
            if member is None:
                return
            text = P.BOT_LEVEL_UP.format(name=self.name(member), level=rng.randint(2, 30))
            posted = self.post(self.layout.one("general"), self.bot, at, text, mentions=(member,))
            if rng.random() < 0.3:
                self.react(posted, "🎉", member)
        else:
            self.post(self.layout.one("help"), self.bot, at, rng.choice(P.BOT_REMINDERS))

    def join(self, member: Member) -> None:
        rng = self.rng
        general = self.layout.one("general")
        self.post(general, member, member.joined_at, "Joined the server.", mtype="GuildMemberJoin")
        if rng.random() >= 0.55:
            return
        intro_channel = self.layout.one("intro")
        a = member.interests[0]
        b = member.interests[-1]
        thing = rng.choice(P.TOPIC_BY_KEY[a].things)
        intro = self.post(
            intro_channel,
            member,
            self.later(member.joined_at, 60, 7200),
            rng.choice(P.INTRO_TEMPLATES).format(a=a, b=b, thing=thing),
        )
        at = intro.at
        for _ in range(rng.randint(0, 3)):
            greeter = self.by_topic[a].pick(rng, exclude=(member, self.bot))
            if greeter is None:
                break
            text = rng.choice(P.WELCOME_TEMPLATES)
            at = self.later(at, 30, 3600)
            if "{name}" in text and rng.random() < 0.5:
                self.post(
                    intro_channel,
                    greeter,
                    at,
                    text.format(name=self.name(member), topic=a),
                    mentions=(member,),
                )
            else:
                self.post(
                    intro_channel,
                    greeter,
                    at,
                    text.format(name=member.name, topic=a),
                    reply_to=intro if rng.random() < 0.5 else None,
                )
            if rng.random() < 0.5:
                self.react(intro, "👋", greeter)
