"""When a question's ladder may next act, from what blocks it (`bot.nudges.wake`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.conversation.facts import QuestionFact
from bot.nudges.ladder import NudgeSettings
from bot.nudges.wake import Blocks, more_messages_for, next_action_at

ASKED = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
SETTINGS = NudgeSettings()  # nudge at +30 min, listing at +2 h, check at +24 h for a day
FREE = Blocks(pings_free_at=ASKED, checks_free_at=ASKED)
NUDGE_AT = ASKED + timedelta(minutes=30)
LISTING_AT = ASKED + timedelta(hours=2)
CHECK_AT = ASKED + timedelta(hours=24)


def question(**changes: object) -> QuestionFact:
    base = QuestionFact(guild_id=1, channel_id=2, message_id=3, asker_id=4, asked_at=ASKED, status="open")
    return replace(base, **changes)  # type: ignore[arg-type]


def at(
    q: QuestionFact,
    now: datetime,
    *,
    sent: tuple[str, ...] = (),
    settings: NudgeSettings = SETTINGS,
    blocks: Blocks = FREE,
    channel: bool = True,
    seen: datetime | None = None,
    nudged: datetime | None = None,
) -> datetime | None:
    return next_action_at(
        q, sent, now, settings, blocks, has_help_wanted_channel=channel, asker_seen=seen, nudged_at=nudged
    )


def test_each_step_is_next_when_nothing_holds_it() -> None:
    assert at(question(), ASKED) == NUDGE_AT
    assert at(question(), NUDGE_AT + timedelta(minutes=5)) == NUDGE_AT + timedelta(minutes=5)
    assert at(question(), ASKED, sent=("nudge",)) == LISTING_AT
    seen = ASKED + timedelta(hours=3)
    assert at(question(), ASKED, sent=("nudge", "listing"), seen=seen) == CHECK_AT
    assert at(question(), ASKED, sent=("nudge", "listing", "check"), seen=seen) is None


def test_a_spent_budget_moves_the_nudge_or_skips_it() -> None:
    later = Blocks(pings_free_at=ASKED + timedelta(hours=1), checks_free_at=None)
    assert at(question(), ASKED, blocks=later) == ASKED + timedelta(hours=1)
    # free only after the nudge's window: the listing (free of the budget) comes first
    too_late = Blocks(pings_free_at=ASKED + timedelta(hours=5), checks_free_at=None)
    assert at(question(), ASKED, blocks=too_late) == LISTING_AT
    never = Blocks(pings_free_at=None, checks_free_at=None)
    assert at(question(), ASKED, blocks=never, sent=("listing",)) is None


def test_settings_and_confidence_rule_steps_out() -> None:
    assert at(question(), ASKED, settings=replace(SETTINGS, helpers_per_nudge=0)) == LISTING_AT
    assert at(question(), ASKED, sent=("nudge",), channel=False) is None  # no board, the asker never seen
    unsure = question(confidence=0.3)  # below min_confidence 50: nobody is pinged
    assert at(unsure, ASKED, seen=ASKED + timedelta(hours=3)) == LISTING_AT
    assert at(unsure, ASKED, sent=("listing",), seen=ASKED + timedelta(hours=3)) is None
    assert at(question(status="answered"), ASKED) is None
    assert at(question(), ASKED, settings=replace(SETTINGS, enabled=False)) is None


def test_a_check_waits_for_the_asker_the_budget_and_a_fresh_nudge() -> None:
    done = ("nudge", "listing")
    assert at(question(), ASKED, sent=done) is None  # the asker was never seen since
    assert at(question(), ASKED, sent=done, seen=ASKED + timedelta(minutes=10)) is None  # seen too early
    seen = ASKED + timedelta(hours=3)
    assert at(question(responder_ids=(9,)), ASKED, sent=done, seen=seen) is None
    nudged = ASKED + timedelta(hours=20)  # fresh for 12 hours
    assert at(question(), ASKED, sent=done, seen=seen, nudged=nudged) == nudged + timedelta(hours=12)
    blocked = Blocks(pings_free_at=ASKED, checks_free_at=CHECK_AT + timedelta(hours=2))
    assert at(question(), ASKED, sent=done, seen=seen, blocks=blocked) == CHECK_AT + timedelta(hours=2)
    no_room = Blocks(pings_free_at=ASKED, checks_free_at=None)
    assert at(question(), ASKED, sent=done, seen=seen, blocks=no_room) is None


def test_the_budget_frees_up_as_the_days_pings_age_out() -> None:
    now = ASKED
    pings = [now - timedelta(hours=20), now - timedelta(hours=10), now - timedelta(hours=2)]
    checks = [now - timedelta(hours=10)]
    assert Blocks.of_budget(4, pings, checks, now).pings_free_at == now
    # three pings in the day and a budget of two: free when the two oldest are a day old
    two = Blocks.of_budget(2, pings, checks, now)
    assert two.pings_free_at == now + timedelta(hours=14)
    assert two.checks_free_at == now + timedelta(hours=14)  # one check allowed, but not before a ping
    # a budget of one leaves no room for checks at all (they take at most half)
    one = Blocks.of_budget(1, pings, checks, now)
    assert one.pings_free_at == now + timedelta(hours=22)
    assert one.checks_free_at is None
    assert Blocks.of_budget(0, [], [], now).pings_free_at is None
    stale = [now - timedelta(days=3)]  # pings older than a day do not count
    assert Blocks.of_budget(1, stale, [], now).pings_free_at == now


def test_more_messages_for_names_the_smallest_count_that_raises_the_budget() -> None:
    for week in (0, 100, 1_049, 1_050, 3_499, 6_000):
        more = more_messages_for(SETTINGS, week)
        assert more is not None and more > 0
        assert SETTINGS.daily_budget(week + more) > SETTINGS.daily_budget(week)
        assert SETTINGS.daily_budget(week + more - 1) == SETTINGS.daily_budget(week)
    assert more_messages_for(SETTINGS, 1_000_000) is None  # at the ceiling
    assert more_messages_for(replace(SETTINGS, nudges_per_1000_messages=0), 500) is None
