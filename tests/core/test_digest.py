"""Digest figures on small hand-built histories whose right answers are known."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.digest.bridges import find_bridges
from bot.digest.definitions import (
    FirstContact,
    Join,
    PairCount,
    QuestionInfo,
    first_contacts_from,
    pair_counts_from,
    raw_inputs,
)
from bot.digest.metrics import compute_week
from bot.digest.week_digest import (
    NUMERIC_FIGURES,
    ActivityStats,
    DigestAction,
    DigestSettings,
    WeekDigest,
    last_complete_week,
    last_due_week,
    parse_week_key,
    post_time,
    shift_week,
    week_bounds,
    week_key_of,
    week_windows,
)
from bot.digest.wording import format_delta, format_minutes, headline_for

WEEK = "2025-W03"  # Monday 2025-01-13 .. Monday 2025-01-20 (UTC)
MON = datetime(2025, 1, 13, tzinfo=UTC)
PREV_MON = MON - timedelta(days=7)
GUILD = 1000
STAFF = 900
BOT = 999


def at(days: float, base: datetime = MON) -> datetime:
    return base + timedelta(days=days)


def q(
    mid: int,
    asker: int,
    asked: datetime,
    status: str = "open",
    first: float | None = None,
    responders: tuple[int, ...] = (),
) -> QuestionInfo:
    first_at = asked + timedelta(minutes=first) if first is not None else None
    return QuestionInfo(
        message_id=mid,
        channel_id=77,
        asker_id=asker,
        asked_at=asked,
        status=status,
        first_response_at=first_at,
        responder_ids=responders,
    )


def digest_of(**kwargs: object) -> WeekDigest:
    base: dict[str, object] = {"staff_ids": {STAFF}, "bot_ids": {BOT}}
    base.update(kwargs)
    return compute_week(raw_inputs(GUILD, WEEK, **base))  # type: ignore[arg-type]


# ----------------------------------------------------------------- weeks


def test_week_keys_and_bounds_in_a_time_zone() -> None:
    assert week_key_of(datetime(2025, 1, 19, 23, 30, tzinfo=UTC)) == "2025-W03"
    # 23:30 UTC Sunday is already Monday in Berlin: the next week there.
    assert week_key_of(datetime(2025, 1, 19, 23, 30, tzinfo=UTC), "Europe/Berlin") == "2025-W04"
    start, end = week_bounds(WEEK, "America/New_York")
    assert start == datetime(2025, 1, 13, 5, tzinfo=UTC)
    assert end == datetime(2025, 1, 20, 5, tzinfo=UTC)
    assert shift_week("2025-W01", -1) == "2024-W52"
    assert shift_week("2020-W53", 1) == "2021-W01"
    with pytest.raises(ValueError):
        parse_week_key("2025-13")
    with pytest.raises(ValueError):
        parse_week_key("2025-W54")
    windows = week_windows(WEEK)
    assert [w.index for w in windows] == list(range(9))
    assert windows[1].key == "2025-W02" and windows[1].end == windows[0].start


def test_post_time_and_due_week() -> None:
    settings = DigestSettings(weekday=0, hour=9)
    # W03's digest is due Monday 2025-01-20 09:00 in Berlin = 08:00 UTC.
    assert post_time(WEEK, "Europe/Berlin", settings) == datetime(2025, 1, 20, 8, tzinfo=UTC)
    assert last_due_week(datetime(2025, 1, 20, 7, 59, tzinfo=UTC), "Europe/Berlin", settings) == "2025-W02"
    assert last_due_week(datetime(2025, 1, 20, 8, 0, tzinfo=UTC), "Europe/Berlin", settings) == WEEK
    assert last_due_week(datetime(2025, 1, 26, 23, 0, tzinfo=UTC), "UTC", settings) == WEEK
    friday = DigestSettings(weekday=4, hour=17)
    assert post_time(WEEK, "UTC", friday) == datetime(2025, 1, 24, 17, tzinfo=UTC)
    assert last_due_week(datetime(2025, 1, 23, tzinfo=UTC), "UTC", friday) == "2025-W02"
    assert last_complete_week(datetime(2025, 1, 20, tzinfo=UTC)) == WEEK
    assert last_complete_week(datetime(2025, 1, 19, 12, tzinfo=UTC)) == "2025-W02"


def test_settings_from_json_ignores_unknown_and_invalid() -> None:
    assert DigestSettings.from_json(None) == DigestSettings()
    parsed = DigestSettings.from_json(
        {"weekday": 4, "hour": "18", "top_helpers": 99, "enabled": "no", "x": 1}
    )
    assert parsed.weekday == 4 and parsed.hour == 18
    assert parsed.top_helpers == DigestSettings().top_helpers  # out of range -> default
    assert parsed.enabled is True  # not a bool -> default
    assert DigestSettings.from_json(parsed.to_json()) == parsed


# ----------------------------------------------------------------- connections and ratio


def test_connections_ratio_and_active_members() -> None:
    raw = [
        (1, 2, at(-3, MON)),  # 1-2 first met last week
        (1, 2, at(1)),
        (2, 1, at(1.5)),
        (3, 4, at(2)),  # new this week
        (5, 1, at(2)),  # new this week
        (1, STAFF, at(3)),  # staff: counts in interactions, not in connections
        (STAFF, 6, at(3)),
        (BOT, 1, at(3)),  # bots never count
        (4, 4, at(3)),  # self replies never count
    ]
    windows = week_windows(WEEK)
    digest = digest_of(
        pair_counts=pair_counts_from(raw, windows),
        first_contacts=first_contacts_from(raw),
        active_members=[{1, 2, 3, 4, 5, 7, STAFF}],  # 7 posted but nobody talked with 7
    )
    n = digest.numbers
    assert n["interactions"] == 6
    assert n["community_ratio"] == pytest.approx(4 / 6)
    assert n["new_connections"] == 2  # {3,4} and {1,5}
    assert n["active_connections"] == 3  # {1,2}, {3,4}, {1,5}
    assert n["active_members"] == 6  # 1,2,3,4,5,7 (staff is not a member)
    assert n["connected_members"] == 5
    assert n["connected_member_share"] == pytest.approx(5 / 6)
    assert digest.previous["new_connections"] == 1
    assert digest.previous["interactions"] == 1
    assert digest.deltas["new_connections"] == 1


def test_empty_week_gives_none_not_zero_division() -> None:
    digest = digest_of()
    assert digest.numbers["community_ratio"] is None
    assert digest.numbers["median_first_response_minutes"] is None
    assert digest.numbers["connected_member_share"] is None
    assert digest.quiet
    assert digest.headline.startswith("A quiet week")


# ----------------------------------------------------------------- questions


def test_question_figures() -> None:
    questions = [
        q(1, 10, at(1), "answered", first=10, responders=(11,)),
        q(2, 10, at(2), "resolved", first=50, responders=(STAFF,)),  # staff answered: not by members
        q(3, 12, at(3), "open"),
        q(4, 12, at(4), "answered", first=20, responders=(12, 13)),  # the asker's own reply is not help
        q(5, 13, at(5), "resolved"),  # resolved by the asker, nobody responded
        q(6, BOT, at(5), "open"),  # a bot's question is no question
        q(7, 10, at(-2), "open"),  # last week's question belongs to last week
    ]
    digest = digest_of(questions=questions, response_target_minutes=30)
    n = digest.numbers
    assert n["questions_asked"] == 5
    assert n["questions_answered_by_members"] == 2
    assert n["questions_open"] == 1
    assert [oq.link for oq in digest.open_questions] == [f"https://discord.com/channels/{GUILD}/77/3"]
    assert n["median_first_response_minutes"] == pytest.approx(20)
    assert n["answered_within_target_share"] == pytest.approx(2 / 5)
    assert digest.previous["questions_open"] == 1


def test_target_share_does_not_judge_questions_still_in_their_window() -> None:
    now = at(3)
    questions = [
        q(1, 10, at(1), "answered", first=5, responders=(11,)),
        q(2, 10, at(2), "open"),  # a day old, unanswered: missed
        q(3, 10, now - timedelta(minutes=5), "open"),  # 5 minutes old: not judged yet
    ]
    digest = digest_of(questions=questions, as_of=now, partial=True)
    assert digest.numbers["answered_within_target_share"] == pytest.approx(1 / 2)
    assert digest.partial


def test_newcomers_replied() -> None:
    joins = [Join(20, at(0.5)), Join(21, at(1)), Join(22, at(2)), Join(BOT, at(2)), Join(23, at(-1))]
    pairs = [
        PairCount(0, 1, 20, 2),  # a member replied to 20
        PairCount(0, STAFF, 21, 1),  # only staff replied to 21
        PairCount(0, 22, 1, 1),  # 22 spoke, nobody replied
        PairCount(1, 1, 23, 1),  # 23 joined last week
    ]
    digest = digest_of(joins=joins, pair_counts=pairs)
    assert digest.numbers["newcomers"] == 3
    assert digest.numbers["newcomers_replied"] == 1
    assert digest.previous["newcomers"] == 1 and digest.previous["newcomers_replied"] == 1


# ----------------------------------------------------------------- helpers and bridges


def test_top_helpers_never_list_opted_out_members() -> None:
    questions = [q(i, 50 + i, at(i * 0.1), "answered", 5, (1,)) for i in range(1, 6)]  # 1 answers 5
    questions += [q(i, 60, at(i * 0.1), "answered", 5, (2, 3)) for i in range(10, 14)]  # 2, 3 answer 4
    questions += [q(20, 61, at(1), "answered", 5, (4,)), q(21, 62, at(1), "answered", 5, (5, STAFF))]
    digest = digest_of(questions=questions, opted_out_ids={2}, settings=DigestSettings(top_helpers=3))
    assert [(h.user_id, h.answers) for h in digest.top_helpers] == [(1, 5), (3, 4), (4, 1)]
    # Answers by members: 5 + 4 + 4 + 1 + 1 = 15; the top three (1, 2, 3) carry 13 of them.
    assert digest.numbers["top3_answer_share"] == pytest.approx(13 / 15)
    assert all(helper != 2 for helper, _, _ in digest.helped)
    assert (1, 51, 1) in digest.helped and (3, 60, 4) in digest.helped
    assert "2" not in json.dumps(digest.figures()["top_helpers"])


def test_bridges_between_two_groups() -> None:
    # Two triangles {1,2,3} and {4,5,6} joined only through member 7.
    edges = [(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (7, 1), (7, 4)]
    bridges = find_bridges(edges)
    assert [b.user_id for b in bridges] == [7, 1, 4]
    assert (bridges[0].separated, bridges[0].groups) == (3, 2)  # either triangle is cut off
    assert (bridges[1].separated, bridges[1].groups) == (2, 2)  # without 1: {2,3} | {7,4,5,6}
    assert [b.user_id for b in find_bridges(edges, hide={7})] == [1, 4]
    # 8 hanging off 1 makes 1 cut off three members ({2,3} and 8), as many as 7 does.
    with_leaf = find_bridges([*edges, (8, 1)])
    assert [(b.user_id, b.separated) for b in with_leaf] == [(1, 3), (7, 3), (4, 2)]


def test_a_hub_with_single_contacts_is_no_bridge() -> None:
    star = [(0, i) for i in range(1, 8)]
    assert find_bridges(star) == []
    chain = [(1, 2), (2, 3), (3, 4), (4, 5)]
    assert [b.user_id for b in find_bridges(chain)] == [3]  # {1,2} | {4,5}


def test_bridges_in_the_digest_ignore_staff_ties() -> None:
    pairs = [
        PairCount(0, a, b, 1) for a, b in [(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (7, 1), (7, 4)]
    ]
    staff_only_link = [PairCount(0, STAFF, 1, 1), PairCount(0, STAFF, 4, 1)]
    digest = digest_of(pair_counts=pairs + staff_only_link)
    assert digest.bridges[0].user_id == 7
    assert all(b.user_id != STAFF for b in digest.bridges)


# ----------------------------------------------------------------- deltas, headline, history


def test_intros_nudges_and_deltas() -> None:
    activity = [ActivityStats(4, 2, 10, 6), ActivityStats(1, 1, 12, 3)]
    digest = digest_of(activity=activity)
    assert [digest.numbers[k] for k in ("intros_made", "intros_took", "nudges_sent", "nudges_answered")] == [
        4,
        2,
        10,
        6,
    ]
    assert digest.deltas["intros_made"] == 3
    assert digest.deltas["nudges_sent"] == -2
    assert digest.deltas["nudges_answered"] == 3


def test_history_covers_eight_weeks_oldest_first() -> None:
    contacts = [FirstContact(i, i + 100, at(-7 * w + 1)) for w in range(9) for i in range(w + 1)]
    pairs = [PairCount(w, 1, 2, 5) for w in range(9)] + [PairCount(w, STAFF, 1, 5) for w in range(0, 9, 2)]
    digest = digest_of(first_contacts=contacts, pair_counts=pairs)
    assert [p.week_key for p in digest.history] == [shift_week(WEEK, -w) for w in range(7, -1, -1)]
    assert [p.new_connections for p in digest.history] == [8, 7, 6, 5, 4, 3, 2, 1]
    ratios = [p.community_ratio for p in digest.history]
    assert ratios == [1.0 if w % 2 else 0.5 for w in range(7, -1, -1)]


def test_headline_names_the_biggest_change() -> None:
    before = {
        "new_connections": 10,
        "community_ratio": 0.50,
        "median_first_response_minutes": 30.0,
        "interactions": 50,
    }
    now = {
        "new_connections": 11,
        "community_ratio": 0.52,
        "median_first_response_minutes": 12.0,
        "interactions": 50,
    }
    line = headline_for(now, before, quiet=False)
    assert line == "Questions got a first response faster: median 30 min → 12 min."
    now2 = {**now, "median_first_response_minutes": 29.0, "new_connections": 30}
    assert headline_for(now2, before, quiet=False) == "New member-to-member connections rose from 10 to 30."
    now3 = {**before, "community_ratio": 0.30}
    assert headline_for(now3, before, quiet=False).startswith("The community ratio fell from 50% to 30%")
    assert headline_for(before, before, quiet=False).startswith(
        "A steady week: 10 new member-to-member connections"
    )
    assert headline_for(now, None, quiet=False).startswith(
        "First digest: 11 new member-to-member connections"
    )


def test_quiet_week_and_headline_from_compute() -> None:
    few = [PairCount(0, 1, 2, 3)]
    quiet = digest_of(pair_counts=few, settings=DigestSettings(quiet_threshold=10))
    assert quiet.quiet and quiet.headline == "A quiet week: 3 interactions and 0 questions."
    busy = digest_of(pair_counts=[PairCount(0, 1, 2, 30), PairCount(1, 1, 2, 10)])
    assert not busy.quiet
    assert busy.headline == "A steady week: 0 new member-to-member connections, community ratio 100%."


def test_formatting() -> None:
    assert format_minutes(5.4) == "5 min"
    assert format_minutes(90) == "1 h 30 min"
    assert format_minutes(60 * 72) == "3 days"
    assert format_delta("community_ratio", 0.12) == "+12 pts"
    assert format_delta("median_first_response_minutes", -15.0) == "-15 min"
    assert format_delta("new_connections", 0) == ""


def test_figures_are_json_with_every_name_and_string_ids() -> None:
    pairs = [PairCount(0, 1, 2, 20)]
    questions = [q(1, 3, at(1), "answered", 4, (1,))]
    digest = digest_of(pair_counts=pairs, questions=questions)
    figures = json.loads(json.dumps(digest.figures()))
    for name in NUMERIC_FIGURES:
        assert name in figures and name in figures["deltas"]
    for name in ("headline", "quiet", "bridges", "top_helpers", "history", "open_question_links", "week"):
        assert name in figures
    assert figures["guild_id"] == str(GUILD)
    assert figures["top_helpers"] == [{"user_id": "1", "answers": 1}]
    assert len(figures["history"]) == 8


def test_action_record() -> None:
    action = DigestAction(
        at=MON, guild_id=GUILD, channel_id=5, week_key=WEEK, late=True, figures={"new_connections": 2}
    )
    record = action.to_record()
    assert record == {
        "at": MON.isoformat(),
        "kind": "digest",
        "guild_id": str(GUILD),
        "channel_id": "5",
        "targets": [],
        "week": WEEK,
        "late": True,
        "figures": {"new_connections": 2},
    }
    json.dumps(record)
