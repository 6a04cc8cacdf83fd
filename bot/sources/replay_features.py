"""The features as the replay's scheduler sees them: claim what is due, record it as posted.

One adapter serves every feature: ask what is due, claim each action as before a real post,
mark it sent (nothing is posted) and record it. Each feature also has a small model, built
from the facts the replay produced and the actions its polls took, of the instants at which
a poll may find something; the replay skips the other polls. A model errs only towards
polling: it may say "maybe" when the poll finds nothing, never "no" when it would find
something. It covers what the replay itself does (the questions it replays, the actions its
polls claimed) and reads each server's settings once: for a database holding scheduled work
from before the replay, or settings changed during it, run the replay with `skip_idle=False`.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from bot.conversation.facts import Fact, MessageFact, MessageGone, QuestionFact
from bot.digest.service import DigestService
from bot.digest.week_digest import DigestAction
from bot.digest.weeks import last_due_week
from bot.intros.rounds import IntroAction, IntroDue, IntroFollowUp, round_due
from bot.intros.service import IntroService
from bot.nudges.ladder import NudgeLadderAction, NudgeSettings
from bot.nudges.service import NudgeService
from bot.nudges.wake import DAY, WEEK, Blocks, more_messages_for, next_action_at
from bot.services import Services
from bot.settings.guild import ServerSettings


class Recordable(Protocol):
    def to_record(self) -> dict[str, Any]: ...


A = TypeVar("A", bound=Recordable)
A_contra = TypeVar("A_contra", contravariant=True)


class IdleModel(Protocol[A_contra]):
    """When a feature's poll may find something to do."""

    async def may_be_due(self, now: datetime) -> bool: ...

    def observe(self, facts: Sequence[Fact]) -> None: ...

    async def polled(self, now: datetime, taken: Sequence[A_contra]) -> None: ...


@dataclass
class ClaimSource(Generic[A]):
    """Claim what is due, mark it sent, record it (a `bot.sources.replay.Source`)."""

    every: timedelta
    due: Callable[[datetime], Awaitable[Sequence[A]]]
    # claim the action as before a real post and mark it sent: the claimed action, None if
    # it was taken already
    post: Callable[[A, datetime], Awaitable[A | None]]
    model: IdleModel[A]

    async def take(self, now: datetime) -> list[dict[str, Any]]:
        taken: list[A] = []
        for action in await self.due(now):
            claimed = await self.post(action, now)
            if claimed is not None:
                taken.append(claimed)
        await self.model.polled(now, taken)
        return [action.to_record() for action in taken]

    async def __call__(self, now: datetime) -> list[dict[str, Any]]:
        return await self.take(now)

    async def may_be_due(self, now: datetime) -> bool:
        return await self.model.may_be_due(now)

    def observe(self, facts: Sequence[Fact]) -> None:
        self.model.observe(facts)


# --- nudges: a step of an open question can go out ----------------------------------------


class NudgeModel:
    """A poll may find something when a step of a replayed open question is in its window,
    not taken yet and not known to be blocked (`next_action_at`): by the server's daily budget
    (bounded from above by every message replayed in the week, bots' too), by the asker not
    having been around for a check, or by settings that rule the step out. A step waiting for
    a helper is polled on.

    Each question's instant is kept until something it rests on changes (the question, a step
    taken, a ping of its server, a message by its asker while a check waits for them, enough
    messages to raise its server's budget) or the instant is reached: as time passes with
    nothing else changing, no step comes any earlier."""

    def __init__(self, nudges: NudgeService) -> None:
        self._nudges = nudges
        self._open: dict[int, QuestionFact] = {}
        self._at: dict[int, datetime | None] = {}  # question -> its instant (None: not before a change)
        self._dirty: set[int] = set()  # questions whose instant must be found again
        self._next: datetime | None = None  # the earliest instant of all
        self._taken: dict[int, set[str]] = {}
        self._nudged: dict[int, datetime] = {}
        self._settings: dict[int, tuple[NudgeSettings, bool]] = {}
        self._messages: dict[int, list[datetime]] = {}  # per guild, every message replayed (sorted)
        self._message_ids: set[int] = set()
        self._seen: dict[tuple[int, int], datetime] = {}  # (guild, author) -> latest message
        self._pings: dict[int, list[datetime]] = {}  # per guild, the nudges and checks taken
        self._checks: dict[int, list[datetime]] = {}
        self._waiting: dict[tuple[int, int], set[int]] = {}  # (guild, asker) -> questions held until they speak
        self._raise_after: dict[int, int] = {}  # guild -> this many more messages may raise its budget
        self._asked_at: datetime | None = None  # the last instant `may_be_due` answered for
        self._prune_at = datetime.min.replace(tzinfo=UTC)

    def observe(self, facts: Sequence[Fact]) -> None:
        for fact in facts:
            if isinstance(fact, MessageFact):
                self._message(fact)
            elif isinstance(fact, QuestionFact):
                if fact.status == "open":
                    self._open[fact.message_id] = fact
                    self._dirty.add(fact.message_id)
                else:
                    self._forget(fact.message_id)
            elif isinstance(fact, MessageGone):
                self._forget(fact.message_id)

    def _forget(self, question_id: int) -> None:
        if self._open.pop(question_id, None) is not None:
            self._at.pop(question_id, None)
            self._dirty.discard(question_id)

    def _guild_changed(self, guild_id: int) -> None:
        self._dirty.update(qid for qid, q in self._open.items() if q.guild_id == guild_id)

    def _message(self, fact: MessageFact) -> None:
        key = (fact.guild_id, fact.author_id)
        latest = self._seen.get(key)
        if latest is None or fact.created_at > latest:
            self._seen[key] = fact.created_at
            self._dirty.update(self._waiting.pop(key, ()))
        if fact.message_id in self._message_ids:
            return
        self._message_ids.add(fact.message_id)
        insort(self._messages.setdefault(fact.guild_id, []), fact.created_at)
        left = self._raise_after.get(fact.guild_id)
        if left is not None:
            if left <= 1:
                del self._raise_after[fact.guild_id]
                self._guild_changed(fact.guild_id)
            else:
                self._raise_after[fact.guild_id] = left - 1

    async def may_be_due(self, now: datetime) -> bool:
        if self._dirty or (self._next is not None and self._next <= now):
            await self._refresh(now)
        self._asked_at = now
        return self._next is not None and self._next <= now

    def guilds_due(self, now: datetime) -> set[int] | None:
        """The servers a poll at `now` may find something in (None: unknown, when the replay
        did not ask `may_be_due` first)."""
        if self._asked_at != now:
            return None
        return {self._open[qid].guild_id for qid, at in self._at.items() if at is not None and at <= now}

    async def _config(self, guild_id: int) -> tuple[NudgeSettings, bool]:
        if guild_id not in self._settings:
            config = await self._nudges.server_settings(guild_id)
            self._settings[guild_id] = (config.nudge_settings, config.help_wanted_channel_id is not None)
        return self._settings[guild_id]

    def _blocks(self, guild_id: int, settings: NudgeSettings, now: datetime) -> Blocks:
        messages = self._messages.get(guild_id, [])
        week = len(messages) - bisect_left(messages, now - WEEK)
        more = more_messages_for(settings, week)
        if more is None:
            self._raise_after.pop(guild_id, None)
        else:
            self._raise_after[guild_id] = more
        return Blocks.of_budget(settings.daily_budget(week), self._pings.get(guild_id, []), self._checks.get(guild_id, []), now)

    async def _refresh(self, now: datetime) -> None:
        """Find again the instants of the changed questions and of those reached by `now`."""
        blocks: dict[int, Blocks] = {}
        for qid in {q for q, at in self._at.items() if at is not None and at <= now} | self._dirty:
            question = self._open.get(qid)
            if question is None:
                continue
            guild_id = question.guild_id
            settings, has_channel = await self._config(guild_id)
            if guild_id not in blocks:
                blocks[guild_id] = self._blocks(guild_id, settings, now)
            asker = (guild_id, question.asker_id)
            at = self._at[qid] = next_action_at(
                question,
                self._taken.get(qid, ()),
                now,
                settings,
                blocks[guild_id],
                has_help_wanted_channel=has_channel,
                asker_seen=self._seen.get(asker),
                nudged_at=self._nudged.get(qid),
            )
            if at is None:  # its asker coming back may allow its check
                self._waiting.setdefault(asker, set()).add(qid)
        self._dirty.clear()
        self._next = min((at for at in self._at.values() if at is not None), default=None)
        if now >= self._prune_at:  # now and then, forget the questions with nothing left to do, ever
            self._prune_at = now + DAY
            for qid, at in list(self._at.items()):
                question = self._open[qid]
                if at is None and question.asked_at < now - (await self._config(question.guild_id))[0].max_age:
                    self._forget(qid)
                    self._taken.pop(qid, None)
                    self._nudged.pop(qid, None)

    async def polled(self, now: datetime, taken: Sequence[NudgeLadderAction]) -> None:
        for action in taken:
            self._taken.setdefault(action.question_message_id, set()).add(action.step)
            self._dirty.add(action.question_message_id)
            if action.step in ("nudge", "check"):
                self._pings.setdefault(action.guild_id, []).append(now)
                self._guild_changed(action.guild_id)
            if action.step == "check":
                self._checks.setdefault(action.guild_id, []).append(now)
            if action.step == "nudge":
                self._nudged[action.question_message_id] = now


def nudge_source(services: Services, every: timedelta = timedelta(minutes=15)) -> ClaimSource[NudgeLadderAction]:
    nudges = services.nudges
    assert nudges is not None

    async def post(action: NudgeLadderAction, now: datetime) -> NudgeLadderAction | None:
        return action if await nudges.claim(action, now, sent=True) else None

    model = NudgeModel(nudges)

    async def due(now: datetime) -> list[NudgeLadderAction]:
        return await nudges.due(now, only=model.guilds_due(now))

    return ClaimSource(every, due, post, model)


# --- introductions: a round's time, a follow-up's, an ignored introduction's --------------


class IntroModel:
    """A poll may find something when a server's round is due and was not polled for yet, or
    `follow_up_days` after an introduction (its follow-up) or after a follow-up (it may be
    closed as ignored, which the next round reads)."""

    def __init__(self, intros: IntroService) -> None:
        self._intros = intros
        self._configs: list[ServerSettings] | None = None
        self._rounds_polled: set[tuple[int, str]] = set()
        self._wakes: list[datetime] = []
        self._follow_up: dict[int, timedelta] = {}

    def observe(self, facts: Sequence[Fact]) -> None:
        return None

    async def _load(self) -> list[ServerSettings]:
        self._configs = await self._intros.pool_settings()
        return self._configs

    async def may_be_due(self, now: datetime) -> bool:
        configs = self._configs if self._configs is not None else await self._load()
        if any(at <= now for at in self._wakes):
            return True
        for cfg in configs:
            key = round_due(now, cfg.timezone, cfg.intro_settings)
            if key is not None and (cfg.guild_id, key) not in self._rounds_polled:
                return True
        return False

    async def polled(self, now: datetime, taken: Sequence[IntroDue]) -> None:
        for cfg in await self._load():  # a round due at this poll was run (or found done) by it
            key = round_due(now, cfg.timezone, cfg.intro_settings)
            if key is not None:
                self._rounds_polled.add((cfg.guild_id, key))
        self._wakes = [at for at in self._wakes if at > now]
        for action in taken:
            if isinstance(action, IntroAction | IntroFollowUp):
                self._wakes.append(action.at + await self._follow_up_after(action.guild_id))

    async def _follow_up_after(self, guild_id: int) -> timedelta:
        if guild_id not in self._follow_up:
            cfg = await self._intros.get_settings(guild_id)
            self._follow_up[guild_id] = timedelta(days=cfg.intro_settings.follow_up_days)
        return self._follow_up[guild_id]


def intro_source(services: Services, every: timedelta = timedelta(hours=1)) -> ClaimSource[IntroDue]:
    intros = services.intros
    assert intros is not None

    async def post(action: IntroDue, now: datetime) -> IntroDue | None:
        if not await intros.claim(action):
            return None
        await intros.mark_sent(action, None)
        return action

    return ClaimSource(every, intros.due, post, IntroModel(intros))


# --- digests: a new week's digest time ------------------------------------------------------


class DigestModel:
    """A poll may find something when a server's newest due week is one no poll has seen."""

    def __init__(self, digests: DigestService) -> None:
        self._digests = digests
        self._configs: list[ServerSettings] | None = None
        self._week_polled: dict[int, str] = {}

    def observe(self, facts: Sequence[Fact]) -> None:
        return None

    async def _load(self) -> list[ServerSettings]:
        self._configs = await self._digests.scheduled_settings()
        return self._configs

    async def may_be_due(self, now: datetime) -> bool:
        configs = self._configs if self._configs is not None else await self._load()
        return any(
            self._week_polled.get(c.guild_id) != last_due_week(now, c.timezone, c.digest_settings) for c in configs
        )

    async def polled(self, now: datetime, taken: Sequence[DigestAction]) -> None:
        # a week seen due by a poll was posted by it, or could not be (claimed already, or
        # before the server's first message; the replay's messages come in time order)
        for cfg in await self._load():
            self._week_polled[cfg.guild_id] = last_due_week(now, cfg.timezone, cfg.digest_settings)


def digest_source(services: Services, every: timedelta = timedelta(hours=1)) -> ClaimSource[DigestAction]:
    digests = services.digests
    assert digests is not None

    async def post(action: DigestAction, now: datetime) -> DigestAction | None:
        claimed = await digests.claim(action, now)
        if claimed is not None:
            await digests.mark_sent(claimed, None)
        return claimed

    return ClaimSource(every, digests.due, post, DigestModel(digests))
