"""The demo on the bundled sample community: what it posts obeys the rules owners were promised."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli.demo import SAMPLE_DIR, DemoResult, demo
from bot.cli.demo_seed import load_community, seed_community
from bot.cli.restraint import restraint
from bot.conversation.clock import FakeClock
from bot.nudges.ladder import NudgeSettings
from bot.runtime.lifecycle import build_services
from bot.sample.generator import GeneratorConfig, write_community
from bot.settings.config import Settings
from bot.sources.exports import ExportReader, merged_events
from bot.sources.replay import Replay, Source, event_time
from bot.sources.replay_features import digest_source, intro_source, nudge_source


@pytest.fixture(scope="module")
def sample_run() -> DemoResult:
    import asyncio

    return asyncio.run(demo(None, None))


@pytest.fixture(scope="module")
def community() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE_DIR / "community.json").read_text())
    return data


def _at(record: dict[str, Any], key: str = "at") -> datetime:
    return datetime.fromisoformat(record[key])


def test_demo_tracks_questions_and_posts_every_kind(sample_run: DemoResult) -> None:
    kinds = Counter(r["kind"] for r in sample_run.records)
    # no "still need help?": at about 120 member messages a day the server's budget is one ping a
    # day, and checks get at most half of it
    for kind in ("question", "nudge", "help_wanted", "intro", "intro_follow_up", "digest"):
        assert kinds[kind] > 0, f"no {kind} records in the demo"
    assert kinds["still_needed"] == 0
    statuses = Counter(r["status"] for r in sample_run.records if r["kind"] == "question")
    assert set(statuses) <= {"open", "answered", "resolved"}
    assert statuses["answered"] + statuses["resolved"] > statuses["open"]
    for record in sample_run.records:
        assert {"at", "kind", "guild_id", "channel_id", "targets"} <= set(record)
        assert all(isinstance(t, str) for t in record["targets"])


def test_the_demo_speaks_rarely(sample_run: DemoResult) -> None:
    figures = restraint(sample_run.records, sample_run.messages, target_minutes=sample_run.target_minutes)
    assert figures.per_100 <= 3.0, figures.posts_by_kind
    assert figures.busiest_day <= 10
    assert figures.pings_max <= 3
    assert figures.nudges_already_answered == figures.checks_already_answered == 0
    assert figures.posts_by_kind.get("board") == 1  # one board, edited for every listed question
    intros = [r for r in sample_run.records if r["kind"] == "intro"]
    assert intros and all(r.get("shared_interests") for r in intros)


def test_nudges_target_opted_in_helpers_after_the_response_target_within_caps(
    sample_run: DemoResult, community: dict[str, Any]
) -> None:
    helpers = {m["id"] for m in community["members"] if (m.get("helper") or {}).get("opt_in")}
    target = timedelta(minutes=community["settings"]["response_target_minutes"])
    asked = {r["question_message_id"]: r for r in sample_run.records if r["kind"] == "question"}
    settings = NudgeSettings.from_dict({}, response_target_minutes=community["settings"]["response_target_minutes"])
    nudges = [r for r in sample_run.records if r["kind"] == "nudge"]
    by_helper: dict[str, list[datetime]] = defaultdict(list)
    for nudge in nudges:
        question = asked[nudge["question_message_id"]]
        assert 1 <= len(nudge["targets"]) <= settings.helpers_per_nudge
        assert _at(nudge) >= _at(question) + target
        for helper in nudge["targets"]:
            assert helper in helpers, "a nudge reached a member who did not opt in"
            assert helper != question["asker_id"], "a nudge reached the asker"
            by_helper[helper].append(_at(nudge))
    for times in by_helper.values():
        times.sort()
        for i, start in enumerate(times):
            in_day = [t for t in times[i:] if t < start + timedelta(days=1)]
            in_week = [t for t in times[i:] if t < start + timedelta(days=7)]
            assert len(in_day) <= settings.daily_cap
            assert len(in_week) <= settings.weekly_cap


def test_ladder_steps_happen_once_per_question(sample_run: DemoResult) -> None:
    steps = Counter(
        (r["kind"], r["question_message_id"])
        for r in sample_run.records
        if r["kind"] in ("nudge", "help_wanted", "still_needed")
    )
    assert steps and max(steps.values()) == 1


def test_introductions_pair_opted_in_members_once_per_round(
    sample_run: DemoResult, community: dict[str, Any]
) -> None:
    opted = {m["id"] for m in community["members"] if (m.get("intros") or {}).get("opt_in")}
    rounds: dict[str, list[str]] = defaultdict(list)
    for record in sample_run.records:
        if record["kind"] == "intro":
            assert 2 <= len(record["targets"]) <= 3
            assert set(record["targets"]) <= opted
            rounds[record["round"]].extend(record["targets"])
    assert rounds
    for members in rounds.values():
        assert len(members) == len(set(members)), "a member was introduced twice in one round"


def test_one_digest_per_week_none_before_the_data(sample_run: DemoResult) -> None:
    weeks = [r["week"] for r in sample_run.records if r["kind"] == "digest"]
    assert weeks and len(weeks) == len(set(weeks))
    assert sample_run.first is not None
    first_week = sample_run.first.isocalendar()
    assert min(weeks) >= f"{first_week.year}-W{first_week.week:02d}"


def test_demo_json_and_story_from_the_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    generated = tmp_path / "community"
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "bot", "generate", "--out", str(generated), "--weeks", "2", "--members", "30",
         "--messages", "600"],
        check=True, cwd=root, capture_output=True, timeout=120,
    )
    exports = sorted((generated / "exports").glob("*.json"))
    out = tmp_path / "actions.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--export", *map(str, exports), "--assume-opt-in", "--json", str(out)],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "What Hearth saw" in proc.stdout and "What Hearth would have done" in proc.stdout
    records = json.loads(out.read_text())
    assert any(r["kind"] == "question" for r in records)
    assert any(r["kind"] == "nudge" for r in records), "assume-opt-in found no helper to invite"


async def _replayed(
    community: Path, db: Path, *, skip_idle: bool, budget: dict[str, int]
) -> tuple[list[dict[str, Any]], Replay]:
    events = merged_events([ExportReader(p) for p in sorted((community / "exports").glob("*.json"))])
    first = next(events)
    clock = FakeClock(event_time(first) - timedelta(hours=1))
    services = await build_services(Settings.model_validate({"database": {"url": str(db)}}), clock)
    try:
        seeded = load_community(community / "community.json")
        await seed_community(services, seeded)
        assert services.nudges is not None
        await services.nudges.update_settings(seeded.guild_id, **budget)
        sources: list[Source] = [
            nudge_source(services, timedelta(hours=1)),
            intro_source(services, timedelta(hours=1)),
            digest_source(services, timedelta(hours=1)),
        ]
        replay = Replay(services.pipeline, clock, sources, tick=timedelta(hours=1), skip_idle=skip_idle)
        records = await replay.run([first, *events])
    finally:
        await services.close()
    return [{k: v for k, v in r.items() if k not in ("introduction_id", "digest_id")} for r in records], replay


@pytest.mark.parametrize(
    ("budget", "kinds_seen"),
    [
        # a budget that leaves room for checks: every kind happens
        ({"min_nudges_per_day": 10}, {"nudge", "help_wanted", "still_needed", "intro", "intro_follow_up", "digest"}),
        # one ping a day: the budget holds most nudges back, and leaves no room for a check
        ({"max_nudges_per_day": 1}, {"nudge", "help_wanted", "intro", "intro_follow_up", "digest"}),
    ],
    ids=["roomy-budget", "one-ping-a-day"],
)
async def test_skipping_idle_polls_changes_no_action(
    tmp_path: Path, budget: dict[str, int], kinds_seen: set[str]
) -> None:
    """The replay skips the polls its sources say would find nothing: every action, its time and
    its targets are those of a replay that polls every feature at every one of its instants."""
    config = GeneratorConfig(seed=11, members=30, weeks=1, messages_per_week=300, thread_share=0.5)
    write_community(config, tmp_path / "community")
    every, polled_all = await _replayed(tmp_path / "community", tmp_path / "all.db", skip_idle=False, budget=budget)
    skipping, polled_some = await _replayed(
        tmp_path / "community", tmp_path / "some.db", skip_idle=True, budget=budget
    )
    kinds = Counter(r["kind"] for r in every)
    assert kinds_seen <= set(kinds), kinds
    if "still_needed" not in kinds_seen:
        assert "still_needed" not in kinds, kinds
    assert skipping == every
    assert polled_all.polls_skipped == 0
    assert polled_some.polls + polled_some.polls_skipped == polled_all.polls
    assert polled_some.polls < polled_all.polls / 2, (polled_some.polls, polled_all.polls)


def test_every_channel_of_a_posted_action_has_a_name(sample_run: DemoResult) -> None:
    # threads and forum posts take their names from their exports ("#help › How do I ...")
    community = sample_run.community
    assert community is not None
    where = {r["channel_id"] for r in sample_run.records if r["kind"] in ("nudge", "help_wanted") and r.get("channel_id")}
    assert where, "the sample posts nudges and listings"
    unnamed = sorted(c for c in where if int(c) not in community.channel_names)
    assert unnamed == []
    threads = [community.channel_names[int(c)] for c in where if "›" in community.channel_names[int(c)]]
    assert threads and all(len(name.split(" › ", 1)[1]) <= 40 for name in threads)
