"""Digest rendering: the Markdown text and the PNG chart."""

from __future__ import annotations

import dataclasses
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation.safety import has_live_mention
from bot.digest.chart import render_chart
from bot.digest.definitions import PairCount, QuestionInfo, raw_inputs
from bot.digest.markdown import render_markdown, sections
from bot.digest.metrics import compute_week
from bot.digest.week_digest import DigestSettings, WeekDigest, WeekInputs

MON = datetime(2025, 1, 13, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


def busy_week() -> WeekDigest:
    pairs = [
        PairCount(w, a, b, 5)
        for w in range(9)
        for a, b in [(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (7, 1), (7, 4)]
    ]
    questions = [
        QuestionInfo(
            10 + i,
            77,
            20 + i,
            MON + timedelta(hours=i),
            "answered",
            MON + timedelta(hours=i, minutes=9),
            (1,),
        )
        for i in range(4)
    ]
    questions.append(QuestionInfo(99, 77, 30, MON + timedelta(days=2), "open"))
    return compute_week(raw_inputs(5, "2025-W03", pair_counts=pairs, questions=questions))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_markdown_has_every_section_and_no_live_mention() -> None:
    digest = busy_week()
    text = render_markdown(digest, names={1: "@everyone <@123>"})
    assert text.startswith("# Hearth weekly digest: 2025-W03\n")
    assert digest.headline in text
    for heading in (
        "## Connections",
        "## Questions",
        "## Worth a look this week",
        "## Top helpers",
        "## Bridges between groups",
    ):
        assert heading in text
    assert "https://discord.com/channels/5/77/99" in text
    assert "Answered within 30 minutes: **80%**" in text
    assert "member 7 links 2 groups (3 members)" in text
    assert not has_live_mention(text)
    assert "Posted late" not in text


def test_late_and_partial_digests_say_so() -> None:
    late = dataclasses.replace(busy_week(), late=True)
    assert "Posted late: Hearth was offline" in render_markdown(late)
    partial = dataclasses.replace(busy_week(), partial=True)
    assert render_markdown(partial).startswith("# Hearth digest: week 2025-W03 so far")


def test_quiet_week_is_short() -> None:
    quiet = compute_week(
        raw_inputs(
            5, "2025-W03", pair_counts=[PairCount(0, 1, 2, 2)], settings=DigestSettings(quiet_threshold=10)
        )
    )
    titles = [title for title, _ in sections(quiet)]
    assert titles == ["A quiet week"]  # nothing to act on: no open question, helper or newcomer
    assert len(render_markdown(quiet).splitlines()) < 12


def test_chart_is_a_png_with_the_helped_picture_when_it_reads_well() -> None:
    digest = busy_week()
    assert digest.helped  # 1 helped four askers
    with_picture = render_chart(digest, names={1: "Ada"})
    assert png_size(with_picture) == (1000, 650)
    without = render_chart(dataclasses.replace(digest, helped=()))
    assert png_size(without) == (1000, 340)
    empty = compute_week(WeekInputs(guild_id=5, week_key="2025-W03"))
    assert png_size(render_chart(empty)) == (1000, 340)
