"""The nudge ladder and helper choice, driven by a fake clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.conversation.clock import FakeClock
from bot.conversation.facts import QuestionFact
from bot.nudges.helper_choice import ChoiceLimits, HelperProfile, choose_helpers, hour_in_window
from bot.nudges.ladder import (
    CheckInputs,
    HelpWantedListing,
    NudgeAction,
    NudgeSettings,
    PingBudget,
    StillNeededCheck,
    ladder_step_due,
    parse_view_custom_id,
    plan_actions,
    view_custom_id,
)

GUILD = 1
CHANNEL = 10
ASKER = 100
START = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
HELP_WANTED = 99


def question(
    message_id: int = 1000,
    *,
    asked_at: datetime = START,
    status: str = "open",
    responders: tuple[int, ...] = (),
    topics: tuple[str, ...] = ("python",),
    channel_id: int = CHANNEL,
) -> QuestionFact:
    return QuestionFact(
        guild_id=GUILD,
        channel_id=channel_id,
        message_id=message_id,
        asker_id=ASKER,
        asked_at=asked_at,
        status=status,  # type: ignore[arg-type]
        topics=topics,
        responder_ids=responders,
        snippet="how do I?",
    )


def helper(user_id: int, **kw: object) -> HelperProfile:
    base: dict[str, object] = {"answers_by_channel": {CHANNEL: 3}}
    base.update(kw)
    return HelperProfile(user_id=user_id, **base)  # type: ignore[arg-type]


def run_ladder(clock: FakeClock, q: QuestionFact, settings: NudgeSettings, minutes: int) -> list[str]:
    """Poll once a minute for `minutes`, recording each step taken."""
    sent: list[str] = []
    for _ in range(minutes):
        step = ladder_step_due(q, sent, clock.now(), settings)
        if step is not None:
            sent.append(step)
        clock.advance(60)
    return sent


# --- settings ---------------------------------------------------------------


def test_settings_defaults_follow_the_response_target() -> None:
    s = NudgeSettings.from_dict(None, response_target_minutes=45)
    assert s.first_after_minutes == 45
    assert (s.helpers_per_nudge, s.daily_cap, s.weekly_cap) == (2, 2, 3)
    assert (s.quiet_start_hour, s.quiet_end_hour) == (22, 8)


def test_settings_parse_ignores_unknown_and_clamps_bad_values() -> None:
    s = NudgeSettings.from_dict(
        {"enabled": "no", "helpers_per_nudge": 50, "daily_cap": "x", "bogus": 1, "first_after_minutes": 10}
    )
    assert s.enabled is False
    assert s.helpers_per_nudge == 5
    assert s.daily_cap == 2
    assert s.first_after_minutes == 10
    assert NudgeSettings.from_dict(s.to_dict()) == s


# --- ladder -----------------------------------------------------------------


def test_ladder_climbs_each_step_once_at_its_time() -> None:
    clock = FakeClock(START)
    settings = NudgeSettings()
    q = question()
    assert ladder_step_due(q, [], START + timedelta(minutes=29), settings) is None
    assert ladder_step_due(q, [], START + timedelta(minutes=30), settings) == "nudge"
    assert run_ladder(clock, q, settings, minutes=60 * 50) == ["nudge", "listing", "check"]


def test_steps_wait_for_their_own_delay() -> None:
    settings = NudgeSettings()
    q = question()
    assert ladder_step_due(q, ["nudge"], START + timedelta(minutes=119), settings) is None
    assert ladder_step_due(q, ["nudge"], START + timedelta(minutes=120), settings) == "listing"
    assert ladder_step_due(q, ["nudge", "listing"], START + timedelta(hours=23), settings) is None
    assert ladder_step_due(q, ["nudge", "listing"], START + timedelta(hours=24), settings) == "check"


def test_any_answer_or_resolve_stops_the_ladder() -> None:
    settings = NudgeSettings()
    for status in ("answered", "resolved"):
        q = question(status=status)
        assert run_ladder(FakeClock(START), q, settings, minutes=60 * 50) == []


def test_stop_midway_when_answered_after_the_nudge() -> None:
    settings = NudgeSettings()
    clock = FakeClock(START + timedelta(minutes=30))
    q = question()
    sent = [s for s in [ladder_step_due(q, [], clock.now(), settings)] if s]
    assert sent == ["nudge"]
    answered = question(status="answered", responders=(7,))
    clock.advance(3 * 3600)
    assert ladder_step_due(answered, sent, clock.now(), settings) is None


def test_missed_steps_are_skipped_not_sent_late() -> None:
    settings = NudgeSettings()
    q = question()
    # the bot was down during the nudge window: straight to the listing, the nudge never comes
    assert ladder_step_due(q, [], START + timedelta(hours=3), settings) == "listing"
    # a question found a month later by a backfill does nothing
    assert ladder_step_due(q, [], START + timedelta(days=30), settings) is None
    # never go back to an earlier step once a later one was taken
    assert ladder_step_due(q, ["listing"], START + timedelta(minutes=40), settings) is None


def test_disabled_and_no_help_wanted_channel() -> None:
    q = question()
    off = NudgeSettings(enabled=False)
    assert ladder_step_due(q, [], START + timedelta(minutes=30), off) is None
    at_listing = START + timedelta(hours=3)
    assert ladder_step_due(q, ["nudge"], at_listing, NudgeSettings(), has_help_wanted_channel=False) is None


# --- helper choice ----------------------------------------------------------


def test_never_the_asker_nor_a_participant_nor_opted_out_or_paused() -> None:
    now = START + timedelta(minutes=30)
    q = question(responders=(2,))
    candidates = [
        helper(ASKER),
        helper(2),
        helper(3, opted_in=False),
        helper(4, paused_until=now + timedelta(days=1)),
        helper(5, paused_until=now - timedelta(days=1)),  # pause over
    ]
    assert choose_helpers(q, candidates, {}, now, ChoiceLimits()) == [5]


def test_best_match_first_and_at_most_two() -> None:
    now = START + timedelta(minutes=30)
    q = question(topics=("python", "asyncio"))
    candidates = [
        helper(11, answers_by_channel={}, topics=frozenset({"python", "asyncio"})),
        helper(12, answers_by_channel={CHANNEL: 1}),
        helper(13, answers_by_channel={CHANNEL: 20}, answers_by_topic={"python": 5}),
        helper(14, answers_by_channel={555: 9}, topics=frozenset({"cooking"})),  # no sign at all
    ]
    chosen = choose_helpers(q, candidates, {}, now, ChoiceLimits())
    assert chosen == [13, 11]
    assert 14 not in choose_helpers(q, candidates, {}, now, ChoiceLimits(helpers_per_nudge=5))


def test_quiet_hours_use_the_helper_time_zone() -> None:
    q = question()
    noon_utc = START
    tokyo = helper(21, timezone="Asia/Tokyo")  # 21:00 local: awake
    late_tokyo = noon_utc + timedelta(hours=2)  # 23:00 in Tokyo: quiet
    paris = helper(22, timezone="Europe/Paris")
    assert 21 in choose_helpers(q, [tokyo], {}, noon_utc, ChoiceLimits())
    assert choose_helpers(q, [tokyo], {}, late_tokyo, ChoiceLimits()) == []
    assert choose_helpers(q, [paris], {}, late_tokyo, ChoiceLimits()) == [22]
    night_owl = helper(23, timezone="Asia/Tokyo", active_start_hour=20, active_end_hour=3)
    assert choose_helpers(q, [night_owl], {}, late_tokyo, ChoiceLimits()) == [23]
    assert hour_in_window(23, 22, 8) and hour_in_window(3, 22, 8) and not hour_in_window(12, 22, 8)


def test_daily_and_weekly_caps_and_rotation_gap() -> None:
    now = START
    q = question()
    h = [helper(31)]
    limits = ChoiceLimits(daily_cap=2, weekly_cap=5, min_helper_gap_hours=6)
    assert choose_helpers(q, h, {31: [now - timedelta(hours=5)]}, now, limits) == []  # gap
    assert choose_helpers(q, h, {31: [now - timedelta(hours=7)]}, now, limits) == [31]
    two_today = [now - timedelta(hours=20), now - timedelta(hours=10)]
    assert choose_helpers(q, h, {31: two_today}, now, limits) == []  # daily cap
    five_this_week = [now - timedelta(days=d, hours=1) for d in range(1, 6)]
    assert choose_helpers(q, h, {31: five_this_week}, now, limits) == []  # weekly cap
    four_this_week = five_this_week[:4]
    assert choose_helpers(q, h, {31: four_this_week}, now, limits) == [31]


def test_rotation_ranks_recently_nudged_helpers_lower() -> None:
    now = START
    q = question()
    a, b, c = helper(41), helper(42), helper(43)
    history = {41: [now - timedelta(days=1)], 42: [now - timedelta(days=2)]}
    assert choose_helpers(q, [a, b, c], history, now, ChoiceLimits()) == [43, 42]


def test_plan_spreads_the_load_and_respects_caps_over_many_questions() -> None:
    clock = FakeClock(START)
    settings = NudgeSettings(min_helper_gap_hours=0)
    candidates = [helper(uid) for uid in range(50, 56)]
    sent: dict[int, list[str]] = {}
    history: dict[int, list[datetime]] = {}
    questions = [question(2000 + i, asked_at=START + timedelta(minutes=20 * i)) for i in range(12)]
    nudges: list[NudgeAction] = []
    for _ in range(60 * 6):
        for action in plan_actions(questions, sent, candidates, history, clock.now(), settings):
            sent.setdefault(action.question_message_id, []).append(action.step)
            if isinstance(action, NudgeAction):
                nudges.append(action)
                for uid in action.helper_ids:
                    history.setdefault(uid, []).append(action.at)
        clock.advance(60)
    per_helper = {uid: len(times) for uid, times in history.items()}
    assert all(count <= settings.daily_cap for count in per_helper.values())
    assert len(per_helper) == 6  # every helper got a turn
    assert all(a.at >= START + timedelta(minutes=30) for a in nudges)
    assert all(ASKER not in a.helper_ids for a in nudges)


def test_plan_builds_records_for_each_kind() -> None:
    settings = NudgeSettings()
    q = question()
    nudge = plan_actions([q], {}, [helper(61)], {}, START + timedelta(minutes=30), settings)
    assert [a.to_record() for a in nudge] == [
        {
            "at": "2025-01-06T12:30:00+00:00",
            "kind": "nudge",
            "guild_id": "1",
            "channel_id": "10",
            "targets": ["61"],
            "question_message_id": "1000",
            "asker_id": "100",
        }
    ]
    listing = plan_actions(
        [q],
        {1000: ["nudge"]},
        [],
        {},
        START + timedelta(hours=2),
        settings,
        help_wanted_channel_id=HELP_WANTED,
    )
    assert isinstance(listing[0], HelpWantedListing)
    assert listing[0].to_record()["channel_id"] == str(HELP_WANTED)
    assert listing[0].to_record()["targets"] == []
    seen = CheckInputs(asker_seen={q.asker_id: START + timedelta(hours=3)}, nudged_at={})
    check = plan_actions(
        [q], {1000: ["nudge", "listing"]}, [], {}, START + timedelta(days=1), settings, checks=seen
    )
    assert isinstance(check[0], StillNeededCheck)
    assert check[0].to_record()["kind"] == "still_needed"
    assert check[0].to_record()["targets"] == [str(ASKER)]


def test_nudge_with_nobody_available_is_retried_later_in_its_window() -> None:
    settings = NudgeSettings()
    q = question()
    first = START + timedelta(minutes=30)
    history = {71: [first - timedelta(hours=5, minutes=59)]}  # inside the 6 h gap for one more minute
    assert plan_actions([q], {}, [helper(71)], history, first, settings) == []
    later = plan_actions([q], {}, [helper(71)], history, first + timedelta(minutes=1), settings)
    assert [(a.kind, a.to_record()["targets"]) for a in later] == [("nudge", ["71"])]


def test_custom_id_round_trip() -> None:
    assert parse_view_custom_id(view_custom_id("solved", 123)) == ("solved", 123)
    assert parse_view_custom_id(view_custom_id("open", 9)) == ("open", 9)
    assert parse_view_custom_id("hearth:still:maybe:1") is None
    assert parse_view_custom_id("other") is None


def test_nudges_come_before_checks_and_checks_take_at_most_half_the_budget() -> None:
    settings = NudgeSettings(first_after_minutes=30, help_wanted_after_minutes=120, still_needed_after_minutes=600)
    now = START + timedelta(hours=12)
    old = [QuestionFact(GUILD, CHANNEL, 2000 + i, 300 + i, START + timedelta(minutes=i), "open") for i in range(3)]
    fresh = [
        QuestionFact(GUILD, CHANNEL, 3000 + i, 400 + i, now - timedelta(minutes=40 + i), "open") for i in range(3)
    ]
    sent = {q.message_id: {"nudge", "listing"} for q in old}
    helpers = [helper(60 + i, active_start_hour=0, active_end_hour=0) for i in range(6)]
    seen = CheckInputs(asker_seen={q.asker_id: now - timedelta(hours=1) for q in old}, nudged_at={})

    def plan(budget: PingBudget) -> Counter[str]:
        actions = plan_actions(old + fresh, sent, helpers, {}, now, settings, budget=budget, checks=seen)
        return Counter(a.kind for a in actions)

    assert PingBudget.left_today(4, 0, 0) == PingBudget(4, 2)
    assert PingBudget.left_today(4, 3, 1) == PingBudget(1, 1)
    assert PingBudget.left_today(1, 0, 0) == PingBudget(1, 0)  # a quiet server gets no checks
    assert plan(PingBudget(2, 1)) == Counter(nudge=2)  # the waiting questions' nudges come first
    assert plan(PingBudget(5, 2)) == Counter(nudge=3, still_needed=2)
    assert plan(PingBudget(9, 4)) == Counter(nudge=3, still_needed=3)
    assert NudgeSettings().daily_budget(7 * 120) == 1  # ~120 member messages a day
    assert NudgeSettings().daily_budget(7 * 500) == 5
    assert NudgeSettings().daily_budget(7 * 50_000) == 10  # the ceiling
    assert NudgeSettings().daily_budget(0) == 1  # the floor


def test_social_questions_never_reach_the_ladder() -> None:
    """What the engine reads as chatter is never tracked, so it is never nudged, listed or checked."""
    from tests.core.conv_helpers import Chat

    chat = Chat()
    social = [chat.send(300 + i, line, seconds=600) for i, line in enumerate(
        ("how are you all doing?", "anyone up for games tonight?", "lol what?", "isn't it a lovely day?")
    )]
    helpme = chat.send(310, "how do I make my webhook post embeds instead of plain text?", seconds=600)
    tracked = {f.message_id: f for f in chat.facts if isinstance(f, QuestionFact)}
    assert set(tracked) == {helpme}
    helpers = [helper(60 + i, active_start_hour=0, active_end_hour=0) for i in range(4)]
    for hours in (1, 3, 30):
        now = chat.at + timedelta(hours=hours)
        seen = CheckInputs(asker_seen={300 + i: now for i in range(11)}, nudged_at={})
        actions = plan_actions(list(tracked.values()), {}, helpers, {}, now, NudgeSettings(), checks=seen)
        assert {a.question_message_id for a in actions} <= {helpme}
        assert not set(social) & {a.question_message_id for a in actions}
        if hours == 1:  # the help question itself is nudged
            assert [a.kind for a in actions] == ["nudge"]


def test_only_questions_read_surely_as_help_requests_ping_anyone() -> None:
    from bot.conversation.questions import help_confidence

    clear = help_confidence("anyone know why pip install fails with an ssl error?")
    vague = help_confidence("why?")
    assert clear > 0.8 > 0.5 > vague
    assert help_confidence("lol what is this?") < help_confidence("what is this error in my build log?")
    assert help_confidence("the build log says it failed", help_channel=True) > help_confidence(
        "the build log says it failed"
    )
    settings = NudgeSettings(first_after_minutes=30, help_wanted_after_minutes=60)
    helpers = [helper(60 + i, active_start_hour=0, active_end_hour=0) for i in range(3)]
    sure = QuestionFact(GUILD, CHANNEL, 5000, 401, START, "open", confidence=clear)
    unsure = QuestionFact(GUILD, CHANNEL, 5001, 402, START, "open", confidence=vague)
    nudged = plan_actions([sure, unsure], {}, helpers, {}, START + timedelta(minutes=31), settings)
    assert [a.question_message_id for a in nudged] == [5000]
    listed = plan_actions(
        [sure, unsure], {5000: {"nudge"}}, helpers, {}, START + timedelta(minutes=61), settings,
        help_wanted_channel_id=77,
    )
    assert sorted(a.question_message_id for a in listed) == [5000, 5001]  # both go on the board
    gate_off = NudgeSettings(first_after_minutes=30, min_confidence=0)
    assert len(plan_actions([unsure], {}, helpers, {}, START + timedelta(minutes=31), gate_off)) == 1
