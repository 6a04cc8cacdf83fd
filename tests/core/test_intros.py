"""Introductions core: matching invariants on random pools (hypothesis), schedule, records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intros.matching import Person, match_people, pair_key
from bot.intros.rounds import (
    Candidate,
    IntroAction,
    IntroFollowUp,
    IntroRemoved,
    IntroSettings,
    RoundResult,
    as_frequency,
    as_outcome,
    conversation_starter,
    is_due,
    match_round,
    outcome_from_responses,
    round_due,
    round_key,
)

NOW = datetime(2025, 3, 10, 18, 0, tzinfo=UTC)  # a Monday
TOPICS = ["rust", "go", "chess", "knitting", "climbing", "jazz", "sql", "birds"]

candidates_st = st.lists(
    st.builds(
        Candidate,
        user_id=st.integers(1, 10_000),
        interests=st.frozensets(st.sampled_from(TOPICS), max_size=4),
        tz_offset_hours=st.sampled_from([-8.0, -5.0, 0.0, 1.0, 5.5, 9.0]),
        frequency=st.sampled_from(["weekly", "biweekly", "monthly"]),
        last_intro_at=st.one_of(st.none(), st.integers(1, 60).map(lambda d: NOW - timedelta(days=d))),
        paused_until=st.one_of(st.none(), st.integers(-20, 20).map(lambda d: NOW + timedelta(days=d))),
        in_guild=st.booleans(),
        ignored_count=st.integers(0, 4),
    ),
    max_size=60,
    unique_by=lambda c: c.user_id,
)


@st.composite
def pools_with_history(draw: st.DrawFn) -> tuple[list[Candidate], dict[tuple[int, int], datetime]]:
    pool = draw(candidates_st)
    ids = [c.user_id for c in pool]
    history: dict[tuple[int, int], datetime] = {}
    if len(ids) >= 2:
        pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=40))
        for a, b in pairs:
            if a != b:
                history[(a, b)] = NOW - timedelta(weeks=draw(st.integers(0, 20)))
    return pool, history


UNCAPPED = IntroSettings(max_per_round=100)  # the matching itself, not the round's cap


def eligible(pool: list[Candidate], s: IntroSettings) -> set[int]:
    return {
        c.user_id
        for c in pool
        if c.in_guild
        and not (c.paused_until and c.paused_until > NOW)
        and c.ignored_count < s.max_ignored
        and is_due(c, NOW)
    }


def blocked(history: dict[tuple[int, int], datetime], s: IntroSettings) -> set[tuple[int, int]]:
    return {pair_key(*p) for p, at in history.items() if NOW - at < timedelta(weeks=s.repeat_window_weeks)}


def in_pairs(members: tuple[int, ...]) -> list[tuple[int, int]]:
    return [pair_key(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]


@settings(max_examples=300, deadline=None)
@given(data=pools_with_history(), seed=st.integers(0, 1000))
def test_matching_invariants(
    data: tuple[list[Candidate], dict[tuple[int, int], datetime]], seed: int
) -> None:
    pool, history = data
    s = UNCAPPED
    result = match_round(pool, history, set(), NOW, s, seed=seed)
    placed = [m for g in result.groups for m in g.members]
    # nobody in two groups, nobody placed who is not eligible (paused, departed, not due, removed)
    assert len(placed) == len(set(placed))
    ok = eligible(pool, s)
    assert set(placed) <= ok
    assert set(placed) | set(result.unmatched) == ok
    assert {c.user_id for c in pool if c.ignored_count >= s.max_ignored and c.user_id not in ok} >= set(
        result.removed
    )
    # pairs, plus at most one trio
    sizes = sorted(len(g.members) for g in result.groups)
    assert all(size in (2, 3) for size in sizes)
    assert sizes.count(3) <= 1
    # never a pair introduced inside the window
    no_repeat = blocked(history, s)
    assert not any(p in no_repeat for g in result.groups for p in in_pairs(g.members))
    # the shared interests named are really shared
    by_id = {c.user_id: c for c in pool}
    for g in result.groups:
        for interest in g.shared_interests:
            assert sum(interest in by_id[m].interests for m in g.members) >= 2


@settings(max_examples=300, deadline=None)
@given(data=pools_with_history(), seed=st.integers(0, 1000))
def test_nobody_left_without_a_shared_interest_when_one_was_free(
    data: tuple[list[Candidate], dict[tuple[int, int], datetime]], seed: int
) -> None:
    """Members grouped with nobody who shares an interest could not have been paired together."""
    pool, history = data
    s = UNCAPPED
    result = match_round(pool, history, set(), NOW, s, seed=seed)
    by_id = {c.user_id: c for c in pool}
    no_repeat = blocked(history, s)
    lonely: list[tuple[int, int]] = [(u, -1) for u in result.unmatched]
    for index, g in enumerate(result.groups):
        for m in g.members:
            if not any(by_id[m].interests & by_id[o].interests for o in g.members if o != m):
                lonely.append((m, index))
    for i, (a, ga) in enumerate(lonely):
        for b, gb in lonely[i + 1 :]:
            if ga == gb and ga != -1:
                continue
            assert not (by_id[a].interests & by_id[b].interests) or pair_key(a, b) in no_repeat


@settings(max_examples=100, deadline=None)
@given(
    ids=st.lists(st.integers(1, 10**6), min_size=2, max_size=80, unique=True),
    extra=st.lists(st.frozensets(st.sampled_from(TOPICS), max_size=3), min_size=80, max_size=80),
)
def test_everyone_matched_and_sharing_when_all_share_something(
    ids: list[int], extra: list[frozenset[str]]
) -> None:
    pool = [Candidate(u, extra[i] | {"community"}) for i, u in enumerate(ids)]
    result = match_round(pool, {}, set(), NOW, UNCAPPED, seed=7)
    assert not result.unmatched
    assert sorted(m for g in result.groups for m in g.members) == sorted(ids)
    assert all(g.shared_interests for g in result.groups)
    assert sum(len(g.members) == 3 for g in result.groups) == len(ids) % 2


@settings(max_examples=100, deadline=None)
@given(data=pools_with_history(), seed=st.integers(0, 100))
def test_trios_when_group_size_is_three(
    data: tuple[list[Candidate], dict[tuple[int, int], datetime]], seed: int
) -> None:
    pool, history = data
    s = IntroSettings(group_size=3, max_per_round=100)
    result = match_round(pool, history, set(), NOW, s, seed=seed)
    placed = [m for g in result.groups for m in g.members]
    assert len(placed) == len(set(placed))
    assert all(len(g.members) in (2, 3) for g in result.groups)
    no_repeat = blocked(history, s)
    assert not any(p in no_repeat for g in result.groups for p in in_pairs(g.members))
    if not history and len(placed) >= 6:
        assert sum(len(g.members) == 2 for g in result.groups) <= 2


def test_same_seed_same_groups() -> None:
    pool = [Candidate(i, frozenset({TOPICS[i % 5], TOPICS[i % 3]})) for i in range(1, 40)]
    first = match_round(pool, {}, set(), NOW, UNCAPPED, seed=5)
    again = match_round(list(reversed(pool)), {}, set(), NOW, UNCAPPED, seed=5)
    assert first.groups == again.groups


def test_rarer_shared_interest_wins() -> None:
    everyone = frozenset({"music"})
    pool = [
        Candidate(1, everyone | {"bookbinding"}),
        Candidate(2, everyone),
        Candidate(3, everyone),
        Candidate(4, everyone | {"bookbinding"}),
    ]
    result = match_round(pool, {}, set(), NOW, UNCAPPED, seed=0)
    groups = {g.members for g in result.groups}
    assert any(set(g) == {1, 4} for g in groups)
    pair = next(g for g in result.groups if set(g.members) == {1, 4})
    assert pair.shared_interests[0] == "bookbinding"


def test_prefers_members_who_have_not_talked_yet() -> None:
    pool = [Candidate(i, frozenset({"chess"})) for i in (1, 2, 3, 4)]
    connected = {(1, 2), (3, 4)}
    result = match_round(pool, {}, connected, NOW, UNCAPPED, seed=1)
    pairs = {pair_key(*g.members) for g in result.groups}
    assert len(pairs) == 2
    assert not pairs & connected


def test_keeps_time_zones_close() -> None:
    pool = [
        Candidate(1, frozenset({"go"}), tz_offset_hours=-8),
        Candidate(2, frozenset({"go"}), tz_offset_hours=9),
        Candidate(3, frozenset({"go"}), tz_offset_hours=-7),
        Candidate(4, frozenset({"go"}), tz_offset_hours=9),
    ]
    result = match_round(pool, {}, set(), NOW, UNCAPPED, seed=2)
    assert {pair_key(*g.members) for g in result.groups} == {(1, 3), (2, 4)}


def test_removed_after_ignoring_and_skipped_when_paused_or_gone() -> None:
    pool = [
        Candidate(1, frozenset({"a"}), ignored_count=3),
        Candidate(2, frozenset({"a"}), paused_until=NOW + timedelta(days=3)),
        Candidate(3, frozenset({"a"}), in_guild=False),
        Candidate(4, frozenset({"a"}), frequency="monthly", last_intro_at=NOW - timedelta(days=10)),
        Candidate(5, frozenset({"a"})),
        Candidate(6, frozenset({"a"}), paused_until=NOW - timedelta(days=1)),
    ]
    result = match_round(pool, {}, set(), NOW, UNCAPPED, seed=0)
    assert result == RoundResult(result.groups, removed=[1], unmatched=[], skipped=[2, 3, 4])
    assert [set(g.members) for g in result.groups] == [{5, 6}]


def test_frequency() -> None:
    assert is_due(Candidate(1, frequency="weekly", last_intro_at=NOW - timedelta(days=7)), NOW)
    assert not is_due(Candidate(1, frequency="biweekly", last_intro_at=NOW - timedelta(days=7)), NOW)
    assert is_due(Candidate(1, frequency="biweekly", last_intro_at=NOW - timedelta(days=14)), NOW)
    assert not is_due(Candidate(1, frequency="monthly", last_intro_at=NOW - timedelta(days=21)), NOW)


def test_settings_parse_ignores_unknown_and_bad_values() -> None:
    s = IntroSettings.from_json(
        {"weekday": 4, "hour": 30, "group_size": 3, "colour": "red", "enabled": "yes"}
    )
    assert s == IntroSettings(weekday=4, hour=17, group_size=3)
    assert IntroSettings.from_json(None) == IntroSettings()
    assert IntroSettings.from_json(s.to_json()) == s


def test_round_due_in_server_time_zone() -> None:
    s = IntroSettings(weekday=0, hour=17)
    tokyo = "Asia/Tokyo"  # UTC+9: Monday 17:00 there is Monday 08:00 UTC
    assert round_due(datetime(2025, 3, 10, 7, 59, tzinfo=UTC), tokyo, s) is None
    assert round_due(datetime(2025, 3, 10, 8, 0, tzinfo=UTC), tokyo, s) == "2025-W11"
    # caught up later in the same week, but never before the scheduled time
    assert round_due(datetime(2025, 3, 12, 3, 0, tzinfo=UTC), tokyo, s) == "2025-W11"
    assert round_due(datetime(2025, 3, 10, 16, 59, tzinfo=UTC), "UTC", s) is None
    assert round_due(NOW, "UTC", IntroSettings(enabled=False)) is None
    assert round_key(datetime(2025, 1, 13, tzinfo=UTC), "Not/AZone") == "2025-W03"


def test_records_are_json_with_string_ids() -> None:
    action = IntroAction(
        NOW, 1 << 40, 77, 5, (3, 4), ("chess",), conversation_starter(("chess",), 1), "2025-W11"
    )
    record = json.loads(json.dumps(action.to_record()))
    assert record["kind"] == "intro"
    assert record["targets"] == ["3", "4"]
    assert record["guild_id"] == str(1 << 40)
    assert record["shared_interests"] == ["chess"]
    assert "chess" in record["starter"]
    follow = IntroFollowUp(NOW, 1, None, 5, (3, 4), "interacted").to_record()
    assert follow["kind"] == "intro_follow_up" and follow["outcome"] == "interacted"
    assert follow["channel_id"] is None
    assert IntroRemoved(NOW, 1, 9).to_record()["targets"] == ["9"]


def test_outcome_from_responses() -> None:
    assert outcome_from_responses(["talked", None]) == "talked"
    assert outcome_from_responses(["not_yet", "skipped"]) == "not_yet"
    assert outcome_from_responses(["skipped", "skipped"]) == "skipped"
    assert outcome_from_responses([None, None]) == "pending"
    assert conversation_starter((), 4)
    assert as_outcome("interacted") == "interacted" and as_outcome("bogus") == "pending"
    assert as_frequency("monthly") == "monthly" and as_frequency(None) == "weekly"


def test_benchmark_runs_on_a_small_pool() -> None:
    from bench.bench_intros import run

    result = run(n=400, repeats=1)
    assert result["candidates"] == 400 and result["median_seconds"] > 0
    assert 0 < result["groups_sharing_an_interest"] <= result["groups"] <= 200


def test_members_without_a_shared_interest_wait_instead_of_being_paired_by_time_zone() -> None:
    people = [
        Person(1, frozenset({"chess"}), 1.0),
        Person(2, frozenset({"chess"}), 9.0),
        Person(3, frozenset({"knitting"}), 1.0),  # same zone as 1, nothing in common with anyone
        Person(4, frozenset({"rust"}), 1.0),
    ]
    groups, left = match_people(people)
    assert [sorted(g.members) for g in groups] == [[1, 2]]
    assert sorted(left) == [3, 4]


@settings(max_examples=200, deadline=None)
@given(
    interests=st.lists(st.frozensets(st.sampled_from("abcdefghij"), max_size=3), min_size=2, max_size=30),
    zones=st.lists(st.integers(-12, 12), min_size=30, max_size=30),
    size=st.sampled_from([2, 3]),
)
def test_every_introduction_shares_an_interest(interests: list[frozenset[str]], zones: list[int], size: int) -> None:
    people = [Person(i + 1, s, float(zones[i])) for i, s in enumerate(interests)]
    by_id = {p.user_id: p for p in people}
    groups, left = match_people(people, group_size=size)
    for group in groups:
        for uid in group.members:
            others = set().union(*(by_id[o].interests for o in group.members if o != uid))
            assert by_id[uid].interests & others, f"{uid} shares nothing with {group.members}"
    placed = [m for g in groups for m in g.members]
    assert sorted(placed + left) == sorted(by_id)


def test_a_round_makes_at_most_its_cap_the_strongest_matches_first() -> None:
    rare = [Candidate(1, frozenset({"bonsai"})), Candidate(2, frozenset({"bonsai"}))]
    common = [Candidate(10 + i, frozenset({"music"})) for i in range(10)]
    result = match_round(rare + common, {}, set(), NOW, IntroSettings(max_per_round=2), seed=3)
    assert len(result.groups) == 2
    assert (1, 2) in [tuple(sorted(g.members)) for g in result.groups]  # the rarer interest weighs more
    matched = {m for g in result.groups for m in g.members}
    assert len(result.unmatched) == 12 - len(matched) and not matched & set(result.unmatched)
    assert IntroSettings.from_json({"max_per_round": 0}).max_per_round == 6  # out of range: the default
