"""The report's page data: network and bridges, helpers' load, open questions, newcomers
(small hand-made inputs), then a small generated export checked against the stored rows."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digest.week_digest import HistoryPoint
from bot.report.page import (
    NewcomerRow,
    OpenQuestionRow,
    ReportInputs,
    ReportPage,
    build_helpers,
    build_network,
    build_page,
    short_topic,
)

T0 = datetime(2025, 1, 6, tzinfo=UTC)

# two groups (triangles 1-2-3 and 5-6-7) held together only by member 4
TWO_GROUPS = [(1, 2, 3), (2, 3, 1), (3, 1, 2), (3, 4, 1), (4, 5, 1), (5, 6, 2), (6, 7, 1), (7, 5, 1)]


def _inputs(**changes: object) -> ReportInputs:
    base: dict[str, object] = dict(
        guild_id=10,
        guild_name="Test server",
        data_start=T0,
        data_end=T0 + timedelta(days=14),
        week_key="2025-W02",
        week_numbers={"new_connections": 3},
        headline="A headline.",
        weeks=[HistoryPoint("2025-W02", 3, 4, 1.0, 12.5)],
        ties=TWO_GROUPS,
        helped=[(1, 2, 2)],
        first_responses=[(1, 3), (2, 1)],
        open_questions=[],
        newcomers=[],
        names={i: f"m{i}" for i in range(1, 10)},
        channel_names={100: "help"},
    )
    base.update(changes)
    return ReportInputs(**base)  # type: ignore[arg-type]


def test_the_member_who_joins_two_groups_is_the_bridge() -> None:
    net = build_network([*TWO_GROUPS, (2, 1, 1)], [(1, 2, 2), (3, 1, 1)], {4: "joiner", 3: "three", 5: "five"})
    # 4 cuts three members off the largest group; 3 and 5 (where each triangle meets 4) two
    assert [(b.name, b.separated, b.groups) for b in net.bridges] == [
        ("joiner", 3, 2),
        ("three", 2, 2),
        ("five", 2, 2),
    ]
    assert {n.user_id for n in net.nodes if n.bridge} == {3, 4, 5}
    assert net.members == 7 and net.ties == 8
    one_two = next(e for e in net.edges if (e.a, e.b) == (1, 2))
    assert (one_two.interactions, one_two.a_helped_b, one_two.b_helped_a) == (4, 2, 0)  # 1->2 and 2->1 summed
    assert next(e for e in net.edges if (e.a, e.b) == (1, 3)).b_helped_a == 1


def test_hidden_members_are_never_drawn_or_listed() -> None:
    net = build_network(TWO_GROUPS, [], {}, hidden={4})
    assert 4 not in {n.user_id for n in net.nodes}
    assert all(4 not in (e.a, e.b) for e in net.edges)
    assert net.bridges == ()  # without member 4 the groups are apart: nobody bridges them
    load = build_helpers([(4, 5), (1, 3), (2, 2)], {1: "a", 2: "b", 4: "secret"}, hidden={4})
    assert [h.name for h in load.helpers] == ["a", "b"]
    assert load.first_responses == 10  # still counted in the totals


def test_the_drawing_keeps_the_most_connected_members() -> None:
    star = [(0, i, i) for i in range(1, 30)]
    net = build_network(star, [], {}, max_nodes=5)
    assert len(net.nodes) == 5 and net.members == 30
    assert {n.user_id for n in net.nodes} == {0, 29, 28, 27, 26}


def test_helpers_load_concentration() -> None:
    load = build_helpers([(1, 6), (2, 2), (3, 1), (4, 1)], {}, staff={2})
    assert load.first_responses == 10
    assert load.top3_share == pytest.approx(0.9)
    assert load.half_by == 1  # member 1 alone gave 6 of 10
    assert [h.first_responses for h in load.helpers] == [6, 2, 1, 1]
    assert [h.staff for h in load.helpers] == [False, True, False, False]
    assert build_helpers([], {}).top3_share is None


def test_short_topic_cuts_at_a_word_and_falls_back_to_topics() -> None:
    long = "how do I " + "really " * 30 + "fix it"
    cut = short_topic(long, (), limit=40)
    assert len(cut) <= 40 and cut.endswith("…") and not cut[:-1].endswith(" ")
    assert short_topic("  short\n one ", ()) == "short one"
    assert short_topic(None, ("printer", "bed")) == "printer, bed"
    assert short_topic(None, ()) == "(no snippet stored)"


def test_open_questions_most_recent_first_aged_at_the_end_of_the_data() -> None:
    rows = [
        OpenQuestionRow(100, 1, 1, T0 + timedelta(days=1), "old one?", ()),
        OpenQuestionRow(101, 2, 2, T0 + timedelta(days=13), "new one?", ()),
        OpenQuestionRow(100, 3, 9, T0 + timedelta(days=5), "from someone who opted out", ()),
    ]
    page = build_page(_inputs(open_questions=rows, hidden={9}))
    assert [q.topic for q in page.open_questions] == ["new one?", "old one?"]
    assert [q.age_days for q in page.open_questions] == [1.0, 13.0]
    assert page.open_questions[1].channel == "help" and page.open_questions[0].channel.startswith("channel …")
    assert page.open_questions[1].link == "https://discord.com/channels/10/100/1"
    assert page.open_total == 2


def test_newcomers_who_got_a_reply_and_who_did_not() -> None:
    rows = [
        NewcomerRow(5, T0, T0 + timedelta(hours=3), 1),
        NewcomerRow(6, T0 + timedelta(days=2), None, None),
        NewcomerRow(7, T0 + timedelta(days=3), T0 + timedelta(days=3, minutes=30), 9),
    ]
    page = build_page(_inputs(newcomers=rows, hidden={9}))
    assert [(n.name, n.replied, n.wait_hours, n.replier) for n in page.newcomers] == [
        ("m6", False, None, None),  # still waiting: listed first
        ("m5", True, 3.0, "m1"),
        ("m7", True, 0.5, None),  # the member who replied opted out: not named
    ]
    assert page.newcomers_replied == 2


def test_weeks_come_through_as_given() -> None:
    page = build_page(_inputs())
    assert [(w.week_key, w.new_connections, w.median_first_response_minutes) for w in page.weeks] == [
        ("2025-W02", 3, 12.5)
    ]


# --------------------------------------------------------------------------- a generated export


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportPage, Path, str]:
    from bot.cli.analyze import analyze
    from bot.report.render import render_html
    from bot.report.service import build_report
    from bot.sample.generator import GeneratorConfig, write_community
    from bot.sources.exports import ExportReader
    from bot.store.session import create_engine, database_url, make_sessionmaker

    root = tmp_path_factory.mktemp("report-generated")
    write_community(GeneratorConfig(seed=3, members=30, weeks=2, messages_per_week=400), root / "community")
    exports = sorted((root / "community" / "exports").glob("*.json"))
    url = database_url(str(root / "analysis.db"))
    header = ExportReader(exports[0]).header

    async def page() -> ReportPage:
        result = await analyze(exports, root / "analysis.json", url)
        engine = create_engine(url)
        try:
            return await build_report(
                make_sessionmaker(engine),
                header.guild_id,
                guild_name=header.guild_name,
                names=result["names"],  # type: ignore[arg-type]
            )
        finally:
            await engine.dispose()

    built = asyncio.run(page())
    return built, root, render_html(built)


def _messages(root: Path) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for path in (root / "community" / "exports").glob("*.json"):
        for message in json.loads(path.read_text(encoding="utf-8"))["messages"]:
            found[message["id"]] = message
    return found


def test_generated_export_page_agrees_with_the_stored_rows(generated: tuple[ReportPage, Path, str]) -> None:
    """Open questions, first responders and the network, recounted from the analysis database
    through the analysis report's own readers and the export's authors."""
    from sqlalchemy import select

    from bot.sources.exports import ExportReader
    from bot.sources.report_store import report_interactions, report_questions
    from bot.store.models.core import Member
    from bot.store.session import create_engine, database_url, make_sessionmaker

    page, root, _ = generated
    messages = _messages(root)
    author = {int(mid): int(m["author"]["id"]) for mid, m in messages.items()}  # type: ignore[index]
    bots = {int(m["author"]["id"]) for m in messages.values() if m["author"].get("isBot")}  # type: ignore[index,union-attr]

    headers = [ExportReader(p).header for p in (root / "community" / "exports").glob("*.json")]
    guild_id, channels = headers[0].guild_id, {h.channel_id for h in headers}

    async def recount() -> tuple[int, Counter[int], set[frozenset[int]]]:
        engine = create_engine(database_url(str(root / "analysis.db")))
        try:
            async with make_sessionmaker(engine)() as session:
                staff = set(
                    (await session.scalars(select(Member.user_id).where(Member.is_staff.is_(True)))).all()
                )
                open_count = 0
                firsts: Counter[int] = Counter()
                async for q, _responders in report_questions(session, guild_id, channels):
                    open_count += q.status == "open"
                    if q.first_response_message_id is not None:
                        who = author[q.first_response_message_id]
                        if who != q.asker_id and who not in bots:
                            firsts[who] += 1
                ties: set[frozenset[int]] = set()
                async for _mid, source, target, _tmid, _kind, _at in report_interactions(
                    session, guild_id, channels
                ):
                    if source != target and not {source, target} & (staff | bots):
                        ties.add(frozenset((source, target)))
            return open_count, firsts, ties
        finally:
            await engine.dispose()

    open_count, firsts, ties = asyncio.run(recount())
    assert open_count > 0 and page.open_total == open_count
    assert page.helpers.first_responses == sum(firsts.values()) > 0
    assert [h.first_responses for h in page.helpers.helpers] == sorted(firsts.values(), reverse=True)
    assert page.network.ties == len(ties) > 0
    assert page.network.members == len(frozenset().union(*ties))


def test_generated_export_newcomers_and_weeks(generated: tuple[ReportPage, Path, str]) -> None:
    """The newcomers are the members the generator had join during the export (bots aside)."""
    page, root, html = generated
    community = json.loads((root / "community" / "community.json").read_text(encoding="utf-8"))
    start, end = (datetime.fromisoformat(community[k]) for k in ("start", "end"))
    joined = sorted(
        m["name"]
        for m in community["members"]
        if not m["bot"] and start <= datetime.fromisoformat(m["joined_at"]) < end
    )
    assert joined and sorted(n.name for n in page.newcomers) == joined
    assert any(n.replied for n in page.newcomers)
    assert all((n.wait_hours is None) == (not n.replied) for n in page.newcomers)
    assert [w.week_key for w in page.weeks] == sorted(w.week_key for w in page.weeks)
    assert page.weeks[-1].week_key == page.week_key
    assert "<h2>Newcomers</h2>" in html and page.guild_name in html
