"""What the digest leads with (what an owner can act on), its wording of trends and plurals,
the figures standing at the week's end, and the chart's weeks and response-target line."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation.safety import has_live_mention
from bot.digest.chart import build_figure, shown_history
from bot.digest.definitions import Join, PairCount, QuestionInfo, raw_inputs
from bot.digest.markdown import concentration_warning, render_markdown, sections, topic
from bot.digest.metrics import compute_week
from bot.digest.week_digest import ActivityStats, WeekDigest
from bot.digest.wording import age_in_words, format_delta, plural, trend

MON = datetime(2025, 1, 13, tzinfo=UTC)  # 2025-W03 starts (UTC)
END = MON + timedelta(days=7)
GUILD = 5
HELP = 77
ADA, BO, CY, DEE, NEW1, NEW2, OPTED = 1, 2, 3, 4, 50, 51, 60
NAMES = {ADA: "ada", BO: "bo", CY: "cy", DEE: "dee", NEW1: "newbie", NEW2: "fresh", OPTED: "hidden_one"}
CHANNELS = {HELP: "help"}


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


def question(mid: int, asker: int, asked: datetime, **kw: object) -> QuestionInfo:
    kw.setdefault("status", "open")
    return QuestionInfo(mid, HELP, asker, asked, **kw)  # type: ignore[arg-type]


def week(**kw: object) -> WeekDigest:
    """Ada answers almost everything; two questions wait; two newcomers, one answered."""
    pairs = [PairCount(w, a, b, 4) for w in range(3) for a, b in [(ADA, BO), (ADA, CY), (BO, CY), (DEE, ADA)]]
    pairs.append(PairCount(0, BO, NEW1, 1))
    answered = [
        question(10 + i, (BO, CY, DEE)[i % 3], MON + timedelta(hours=2 * i), status="answered",
                 first_response_at=MON + timedelta(hours=2 * i, minutes=5), responder_ids=(ADA,))
        for i in range(8)
    ]  # fmt: skip
    answered.append(
        question(30, ADA, MON + timedelta(days=1), status="answered",
                 first_response_at=MON + timedelta(days=1, minutes=9), responder_ids=(BO,))
    )  # fmt: skip
    waiting = [
        question(40, CY, MON + timedelta(days=4), snippet="@everyone how do I **flash** [the](http://x) <@123> board?"),
        question(41, OPTED, MON + timedelta(days=6, hours=20), snippet="my secret question"),
    ]  # fmt: skip
    base: dict[str, object] = {
        "pair_counts": pairs,
        "questions": answered + waiting,
        "joins": [Join(NEW1, MON + timedelta(hours=1)), Join(NEW2, MON + timedelta(days=2)),
                  Join(OPTED, MON + timedelta(days=3))],
        "opted_out_ids": {OPTED},
        "activity": [ActivityStats(intros_made=5, intros_took=2)],
    }
    base.update(kw)
    return compute_week(raw_inputs(GUILD, "2025-W03", **base))  # type: ignore[arg-type]


def lead(digest: WeekDigest) -> list[str]:
    heading, lines = sections(digest, NAMES, CHANNELS)[0]
    assert heading == "Worth a look this week"
    return lines


def test_the_digest_leads_with_what_an_owner_can_act_on() -> None:
    digest = week()
    lines = lead(digest)
    text = "\n".join(lines)
    assert lines[0] == "Open questions worth a look:"
    # channel, asker, a short safe topic, age in words, a jump link
    first = lines[1]
    assert first.startswith("• #help · cy · “")
    assert "waiting 3 days" in first
    assert first.endswith("[jump to it](https://discord.com/channels/5/77/40)")
    assert "Who carried the help: ada (8 answers), bo (1 answer)" in text
    assert "2 newcomers of 3 got no reply from a member: fresh" in text  # the opted-out one unnamed
    assert "2 introductions of 5 took" in text
    assert not has_live_mention(text)
    titles = [t for t, _ in sections(digest, NAMES, CHANNELS)]
    assert titles.index("Worth a look this week") < titles.index("Connections")


def test_question_topics_are_short_and_inert() -> None:
    shown = topic("@everyone how do I **flash** [the](http://x) <@123> board?\n# heading " + "x" * 200)
    assert not has_live_mention(shown)
    assert "**" not in shown.replace("\\*", "") and "\\[the\\]" in shown
    assert "\n" not in shown and len(shown) <= 80 and shown.endswith("…")
    assert topic(None) == "" and topic("   ") == ""


def test_opted_out_members_are_never_singled_out() -> None:
    digest = week()
    text = render_markdown(digest, NAMES, CHANNELS)
    assert "hidden_one" not in text and "my secret question" not in text
    [hidden] = [q for q in digest.open_questions if q.message_id == 41]
    assert hidden.asker_id is None and hidden.snippet is None  # still listed: an open question
    assert OPTED not in digest.unanswered_newcomers
    assert OPTED not in {h.user_id for h in digest.top_helpers}


def test_a_warning_when_one_or_two_members_carry_most_of_the_help() -> None:
    digest = week()
    assert digest.numbers["top1_answer_share"] == pytest.approx(8 / 9)
    warning = concentration_warning(digest)
    assert warning is not None and warning.startswith("⚠️ One member gave 89% of the answers")
    assert warning in "\n".join(lead(digest))
    spread = dataclasses.replace(
        digest, numbers={**digest.numbers, "top1_answer_share": 0.4, "top2_answer_share": 0.7}
    )
    assert (concentration_warning(spread) or "").startswith("⚠️ Two members gave 70%")
    even = dataclasses.replace(
        digest, numbers={**digest.numbers, "top1_answer_share": 0.3, "top2_answer_share": 0.5}
    )
    assert concentration_warning(even) is None
    tiny = dataclasses.replace(digest, numbers={**digest.numbers, "member_answers": 3})
    assert concentration_warning(tiny) is None  # three answers say little about a community


def test_figures_stand_at_the_weeks_end() -> None:
    late_answer = question(
        70, BO, END - timedelta(hours=2), status="answered", first_response_at=END + timedelta(hours=5),
        responder_ids=(ADA,), responded_at=((ADA, END + timedelta(hours=5)),),
    )  # fmt: skip
    late_resolve = question(
        71, CY, END - timedelta(days=1), status="resolved", resolved_at=END + timedelta(days=2)
    )
    digest = compute_week(raw_inputs(GUILD, "2025-W03", questions=[late_answer, late_resolve]))
    n = digest.numbers
    assert n["questions_open"] == 2 and n["questions_answered_by_members"] == 0
    assert n["median_first_response_minutes"] is None  # the response came after the week
    assert n["member_answers"] == 0
    assert {q.message_id for q in digest.open_questions} == {70, 71}
    # a preview stops at its `as_of`: ten minutes after the question, its target has not passed
    preview = compute_week(
        raw_inputs(GUILD, "2025-W03", questions=[late_answer], as_of=END - timedelta(minutes=110))
    )
    assert preview.numbers["answered_within_target_share"] is None  # its 30 minutes had not passed


def test_trends_say_same_as_last_week_and_never_plus_zero() -> None:
    assert format_delta("median_first_response_minutes", 0.3) == ""
    assert trend("median_first_response_minutes", 0.3) == "same as last week"
    assert trend("median_first_response_minutes", 0.0) == "same as last week"
    assert trend("community_ratio", 0.002) == "same as last week"
    assert trend("new_connections", 0) == "same as last week"
    assert trend("new_connections", 12) == "+12 on last week"
    assert trend("median_first_response_minutes", -15.0) == "-15 min on last week"
    assert trend("new_connections", None) == ""
    steady = week()
    text = render_markdown(steady, NAMES, CHANNELS)
    assert "(+0" not in text and "(-0" not in text
    assert "Community ratio (member-to-member interactions): **100%** (same as last week)" in text
    assert "- Nudges sent: **0**\n" in text  # nothing this week nor last: no trend at all


def test_a_first_digest_shows_no_trends() -> None:
    only = compute_week(raw_inputs(GUILD, "2025-W03", pair_counts=[PairCount(0, ADA, BO, 12)]))
    text = render_markdown(only)
    assert "on last week" not in text and "same as last week" not in text
    assert "Active connections: **1**\n" in text


def test_plurals_and_ages_in_words() -> None:
    assert plural(1, "member") == "1 member" and plural(2, "member") == "2 members"
    assert plural(1_200, "answer") == "1,200 answers"
    assert [age_in_words(s) for s in (59, 60, 3600 * 5, 3600 * 47, 86400 * 3)] == [
        "0 minutes", "1 minute", "5 hours", "47 hours", "3 days",
    ]  # fmt: skip
    digest = week(response_target_minutes=1)
    text = render_markdown(digest, NAMES, CHANNELS)
    assert "Answered within 1 minute:" in text
    assert "bo: 1 question answered" in text and "ada: 8 questions answered" in text
    assert "1 members" not in text and "1 groups" not in text and "1 answers" not in text


def test_chart_draws_only_weeks_with_data_and_the_response_target() -> None:
    digest = week()  # data in the digest week and the two before it
    shown = shown_history(digest)
    assert [p.week_key for p in shown] == ["2025-W01", "2025-W02", "2025-W03"]
    figure = build_figure(digest, NAMES)
    conn, _ratio, times = figure.axes[:3]
    assert [t.get_text() for t in conn.get_xticklabels()] == ["W01", "W02", "W03"]
    targets = [line for line in times.get_lines() if line.get_linestyle() == "--"]
    assert len(targets) == 1 and set(targets[0].get_ydata()) == {30.0}
    assert times.get_ylim()[1] >= 30
    empty = compute_week(raw_inputs(GUILD, "2025-W03"))
    assert [p.week_key for p in shown_history(empty)] == ["2025-W03"]
