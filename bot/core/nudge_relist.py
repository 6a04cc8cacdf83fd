"""The "Still need help" button: putting an open question back in front of helpers.

When the asker (or a moderator) says a question still needs help, it is listed again in
the help-wanted channel and helpers not yet invited to it may be invited once more, within
the usual caps. This happens at most once per `relist_every_hours` per question; each
re-listing is a numbered step (`relist:1`, `relist:2`, ...) claimed in the database like the
ladder's steps, so a double click or a restart never posts it twice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from bot.core.facts import QuestionFact
from bot.core.helper_choice import HelperProfile, choose_helpers
from bot.core.nudges import HelpWantedListing, NudgeAction, NudgeSettings, action_record

RELIST_PREFIX = "relist:"
CLOSED_STEP = "closed"  # the listings of a question that is no longer open were marked so

RefusalReason = Literal["not_open", "too_soon"]


def relist_step(number: int) -> str:
    return f"{RELIST_PREFIX}{number}"


def is_relist_step(step: str) -> bool:
    return step.startswith(RELIST_PREFIX) and step[len(RELIST_PREFIX) :].isdigit()


def relist_number(step: str) -> int:
    return int(step[len(RELIST_PREFIX) :]) if is_relist_step(step) else 0


def is_listing_step(step: str) -> bool:
    """Steps whose posted message (if any) is a help-wanted listing."""
    return step == "listing" or is_relist_step(step)


@dataclass(frozen=True, slots=True)
class Relist:
    """List the question again and invite helpers not invited to it before."""

    guild_id: int
    channel_id: int  # where the question is
    question_message_id: int
    asker_id: int
    asked_at: datetime
    at: datetime
    number: int  # 1 for the first re-listing of this question
    helper_ids: tuple[int, ...] = ()
    listing_channel_id: int | None = None  # the help-wanted channel, when one is set
    snippet: str | None = None
    topics: tuple[str, ...] = ()

    kind: ClassVar[str] = "relist"

    @property
    def step(self) -> str:
        return relist_step(self.number)

    def as_listing(self) -> HelpWantedListing | None:
        """The fresh help-wanted post (None without a help-wanted channel)."""
        if self.listing_channel_id is None:
            return None
        return HelpWantedListing(
            guild_id=self.guild_id,
            channel_id=self.listing_channel_id,
            question_channel_id=self.channel_id,
            question_message_id=self.question_message_id,
            asker_id=self.asker_id,
            asked_at=self.asked_at,
            at=self.at,
            snippet=self.snippet,
            topics=self.topics,
        )

    def as_nudge(self) -> NudgeAction | None:
        """The reply inviting the newly chosen helpers (None when nobody was free)."""
        if not self.helper_ids:
            return None
        return NudgeAction(
            guild_id=self.guild_id,
            channel_id=self.channel_id,
            question_message_id=self.question_message_id,
            asker_id=self.asker_id,
            helper_ids=self.helper_ids,
            at=self.at,
            snippet=self.snippet,
        )

    def to_record(self) -> dict[str, Any]:
        extra: dict[str, int] = {"asker_id": self.asker_id}
        if self.listing_channel_id is not None:
            extra["listing_channel_id"] = self.listing_channel_id
        return action_record(
            self.kind,
            self.at,
            self.guild_id,
            self.channel_id,
            self.helper_ids,
            self.question_message_id,
            **extra,
        )


@dataclass(frozen=True, slots=True)
class RelistRefused:
    reason: RefusalReason
    retry_at: datetime | None = None  # for "too_soon": when it may be listed again


def relist_available_at(relisted_at: Sequence[datetime], settings: NudgeSettings) -> datetime | None:
    """When the question may be listed again (None: now, it never was)."""
    if not relisted_at:
        return None
    return max(relisted_at) + timedelta(hours=settings.relist_every_hours)


def plan_relist(
    question: QuestionFact,
    relisted_at: Sequence[datetime],
    already_invited: Collection[int],
    candidates: Sequence[HelperProfile],
    history: Mapping[int, Sequence[datetime]],
    now: datetime,
    settings: NudgeSettings,
    *,
    help_wanted_channel_id: int | None = None,
) -> Relist | RelistRefused:
    """The re-listing to post now, or why not.

    `relisted_at` are the claim times of this question's earlier re-listings; helpers in
    `already_invited` were nudged for it before and are not invited again. With nudges
    switched off no helper is invited, but the question is still listed.
    """
    if question.status != "open":
        return RelistRefused("not_open")
    retry_at = relist_available_at(relisted_at, settings)
    if retry_at is not None and now < retry_at:
        return RelistRefused("too_soon", retry_at)
    helper_ids: tuple[int, ...] = ()
    if settings.enabled and settings.helpers_per_nudge > 0:
        fresh = [c for c in candidates if c.user_id not in already_invited]
        helper_ids = tuple(choose_helpers(question, fresh, history, now, settings.limits))
    return Relist(
        guild_id=question.guild_id,
        channel_id=question.channel_id,
        question_message_id=question.message_id,
        asker_id=question.asker_id,
        asked_at=question.asked_at,
        at=now,
        number=len(relisted_at) + 1,
        helper_ids=helper_ids,
        listing_channel_id=help_wanted_channel_id,
        snippet=question.snippet,
        topics=question.topics,
    )
