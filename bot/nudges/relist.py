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

from bot.conversation.facts import QuestionFact
from bot.nudges.helper_choice import HelperProfile, choose_helpers
from bot.nudges.ladder import HelpWantedListing, NudgeAction, NudgeSettings, action_record, build_action

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

    question: QuestionFact
    at: datetime
    number: int  # 1 for the first re-listing of this question
    helper_ids: tuple[int, ...] = ()
    listing_channel_id: int | None = None  # the help-wanted channel, when one is set

    kind: ClassVar[str] = "relist"

    @property
    def step(self) -> str:
        return relist_step(self.number)

    @property
    def guild_id(self) -> int:
        return self.question.guild_id

    @property
    def channel_id(self) -> int:
        """Where the question is."""
        return self.question.channel_id

    @property
    def question_message_id(self) -> int:
        return self.question.message_id

    def as_listing(self) -> HelpWantedListing | None:
        """The fresh help-wanted post (None without a help-wanted channel)."""
        action = build_action("listing", self.question, self.at, help_wanted_channel_id=self.listing_channel_id)
        return action if isinstance(action, HelpWantedListing) else None

    def as_nudge(self) -> NudgeAction | None:
        """The reply inviting the newly chosen helpers (None when nobody was free)."""
        action = build_action("nudge", self.question, self.at, helper_ids=self.helper_ids)
        return action if isinstance(action, NudgeAction) else None

    def to_record(self) -> dict[str, Any]:
        extra = {"asker_id": self.question.asker_id}
        if self.listing_channel_id is not None:
            extra["listing_channel_id"] = self.listing_channel_id
        return action_record(self, self.helper_ids, **extra)


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
    return Relist(question, now, len(relisted_at) + 1, helper_ids, help_wanted_channel_id)
