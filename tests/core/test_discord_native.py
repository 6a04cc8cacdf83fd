"""Discord-native signals on a small generated community: replies, threads, forum posts,
mentions and reactions must be read exactly (precision and recall 1.0)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bench.discord_native import (
    EXPLICIT_KINDS,
    SMALL,
    Truth,
    analyze_report,
    build_truth,
    engine_report,
    score,
)
from bot.sample.generator import write_community


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Truth]:
    work = tmp_path_factory.mktemp("native")
    exports = write_community(SMALL, work / "community")
    return work, exports, build_truth(SMALL)


@pytest.fixture(scope="module")
def engine_result(community: tuple[Path, list[Path], Truth]) -> tuple[dict[str, Any], dict[str, Any]]:
    _, exports, truth = community
    report = engine_report(exports)
    return report, score(truth, report)


def test_truth_matches_the_exported_messages(community: tuple[Path, list[Path], Truth]) -> None:
    _, exports, truth = community
    exported = {
        int(m["id"])
        for path in exports
        for m in json.loads(path.read_text(encoding="utf-8"))["messages"]
        if m["type"] in ("Default", "Reply")
    }
    assert exported == truth.message_ids
    kinds = {link[3] for link in truth.explicit}
    assert kinds == set(EXPLICIT_KINDS)
    assert any(q.forum for q in truth.questions) and any(not q.forum for q in truth.questions)
    assert {q.status for q in truth.questions} == {"open", "answered", "resolved"}


def test_every_explicit_signal_is_read_exactly(engine_result: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, result = engine_result
    assert result["explicit"]["gold"] > 100
    for kind in EXPLICIT_KINDS:
        row = result["explicit_by_kind"][kind]
        assert row["gold"] >= 5, kind
        assert (row["precision"], row["recall"]) == (1.0, 1.0), (kind, result["explicit_errors"])
    assert result["explicit_errors"] == {"missed": [], "extra": [], "duplicated": []}


def test_generated_questions_are_all_found(engine_result: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, result = engine_result
    questions = result["questions"]
    assert questions["generated"] >= 20
    assert questions["detected"] == 1.0
    assert questions["open_vs_answered_accuracy"] >= 0.85


def test_the_score_catches_a_lost_or_wrong_signal(
    community: tuple[Path, list[Path], Truth], engine_result: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, _, truth = community
    report, _ = engine_result
    rows = report["interactions"]
    reply = next(i for i, row in enumerate(rows) if row["kind"] == "reply")
    reaction = next(i for i, row in enumerate(rows) if row["kind"] == "reaction")
    lost = copy.deepcopy(report)
    del lost["interactions"][reply]
    assert score(truth, lost)["explicit_by_kind"]["reply"]["recall"] < 1.0
    wrong = copy.deepcopy(report)
    wrong["interactions"][reaction]["target_message_id"] = rows[reply]["message_id"]
    assert score(truth, wrong)["explicit_by_kind"]["reaction"]["precision"] < 1.0
    doubled = copy.deepcopy(report)
    doubled["interactions"].append(dict(rows[reaction]))
    assert score(truth, doubled)["explicit_by_kind"]["reaction"]["precision"] < 1.0


@pytest.fixture(scope="module")
def analyze_result(community: tuple[Path, list[Path], Truth]) -> dict[str, Any]:
    work, exports, truth = community
    return score(truth, analyze_report(exports, work))


def test_analyze_reads_replies_threads_and_mentions_exactly(analyze_result: dict[str, Any]) -> None:
    for kind in ("reply", "thread", "mention"):
        row = analyze_result["explicit_by_kind"][kind]
        assert (row["precision"], row["recall"]) == (1.0, 1.0), (kind, analyze_result["explicit_errors"])


def test_analyze_keeps_every_reaction(analyze_result: dict[str, Any]) -> None:
    row = analyze_result["explicit_by_kind"]["reaction"]
    assert (row["precision"], row["recall"]) == (1.0, 1.0)
