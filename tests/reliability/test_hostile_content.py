"""Hostile text through the engine and every renderer (property-based, hypothesis).

Messages of up to 4,000 characters of arbitrary Unicode, zalgo, invisible characters, markdown,
code blocks, `@everyone`/`@here`, user/role/channel mention syntax and huge or malformed ids go
through the engine and then into the question snippet, the `/questions open` embed, the nudge
texts and listing embed, the introduction texts, the digest (Markdown and embeds) and the demo
story. Nothing crashes; the only live mentions in any output are the ones the code puts there
on purpose (the asker, helpers or introduced members by id, a channel), each exactly as often as
expected; member-written text never adds a masked link; the terminal story holds no control
characters. The `allowed_mentions` each kind of message is sent with are checked too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.demo_seed import Community
from bot.cli.demo_story import tell
from bot.conversation.clock import FakeClock
from bot.conversation.engine import Engine, GuildRules
from bot.conversation.events import MessageCreated, ReactionAdded
from bot.conversation.facts import QuestionFact
from bot.conversation.safety import LIVE_MENTION, has_live_mention, quote_snippet
from bot.digest.markdown import render_markdown
from bot.digest.metrics import compute_week
from bot.digest.week_digest import OpenQuestion, WeekCounts, WeekInputs
from bot.intros.rounds import IntroAction, conversation_starter
from bot.nudges.board import BoardUpdate, board_entries, paginate
from bot.nudges.ladder import NudgeAction, StillNeededCheck, build_action
from cogs.common.embeds import no_mentions, only_users, open_questions_embed, question_line
from cogs.common.nudge_render import board_embeds
from cogs.digest import digest_embeds
from cogs.intros import dm_text, intro_text
from cogs.nudges import check_text, nudge_text
from tests.reliability.conftest import Figures, scaled

GUILD, CHANNEL = 1144420879564800001, 1144480270909440007
T0 = datetime(2025, 1, 13, 12, 0, tzinfo=UTC)
USERS = (811871256700780569, 836123492486217779, 845000000000000001, 2**63 - 1, 1)

FRAGMENTS = (
    "@everyone", "@here", "@ everyone", "@@here", "<@123456789012345678>", "<@!123456789012345678>",
    "<@&987654321098765432>", "<#111111111111111111>", "<@99999999999999999999999999999999>", "<@-1>",
    "<@abc>", "<@\n12>", "<@&>", "<#0>", "@\u200beveryone", "<\u200b#1>", "```py\nprint('@here')\n```",
    "`@everyone`", "**bold**", "__u__", "~~s~~", "||spoiler||", "> quote", "# Heading", "-# small",
    "[free nitro](https://example.com/@everyone)", "<https://example.com>", "\\", "\\@everyone",
    "z\u0336\u0321\u0353a\u0337l\u0338g\u0335o\u0336", "\u200b\u200c\u200d\u2060\ufeff", "\u202eevil\u202c",
    "\x1b[2J\x1b[31m", "\r\n", "\t", "\u0000", "🧵👋🏽", "？", "how do I fix this?", "anyone know why",
    "thanks!", "`", "```", "<@", ">", "@", "#",
)  # fmt: skip

hostile_text = st.one_of(
    st.text(max_size=4000),
    st.text(min_size=3500, max_size=4000),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=60).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=400).map(lambda parts: " ".join(parts)[:4000]),
)
UNESCAPED_LINK = re.compile(r"(?<!\\)(?:\\\\)*\]\(")
ids = st.sampled_from(USERS) | st.integers(1, 2**63 - 1)


def masked_links(text: str) -> int:
    """`](` that Discord reads as the middle of a masked link (not escaped by a backslash)."""
    return len(UNESCAPED_LINK.findall(text))


def live_mentions(text: str) -> list[str]:
    return [m.group(0) for m in LIVE_MENTION.finditer(text)]


def only_intended(text: str, intended: dict[str, int]) -> None:
    """Every live mention in `text` is one of `intended`, each exactly as often as expected."""
    found = live_mentions(text)
    for token, times in intended.items():
        assert found.count(token) == times, f"{token!r}: {found.count(token)} times, not {times}, in {text!r}"
    extra = [m for m in found if m not in intended]
    assert not extra, f"unexpected live mentions {extra} in {text!r}"


def embed_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    for field in embed.fields:
        parts += [field.name or "", field.value or ""]
    return "\n".join(parts)


def question(snippet: str | None, asker: int, mid: int = 1325626103305339126, **extra: Any) -> QuestionFact:
    return QuestionFact(GUILD, CHANNEL, mid, asker, T0, "open", snippet=snippet, **extra)


# ------------------------------------------------------------------------ engine and questions


@settings(max_examples=scaled(120, 1500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    posts=st.lists(
        st.tuples(ids, hostile_text, st.none() | st.integers(0, 30), st.lists(ids, max_size=3)),
        min_size=1,
        max_size=12,
    ),
    snippet_chars=st.sampled_from([0, 1, 40, 140, 500]),
)
def test_engine_and_question_renderers(
    posts: list[tuple[int, str, int | None, list[int]]], snippet_chars: int, figures: Figures
) -> None:
    clock = FakeClock(T0)
    rules = GuildRules(help_channel_ids=frozenset({CHANNEL}), snippet_chars=snippet_chars)
    engine = Engine(clock, lambda _g: rules)
    questions: dict[int, QuestionFact] = {}
    for i, (author, content, reply_to, mentions) in enumerate(posts):
        clock.advance(90)
        mid = 1325626103305339126 + i * 4096
        ref = 1325626103305339126 + reply_to * 4096 if reply_to is not None else None
        event = MessageCreated(
            guild_id=GUILD, channel_id=CHANNEL, message_id=mid, author_id=author, created_at=clock.now(),
            content=content, mentions=tuple(mentions), reference_message_id=ref, author_name=content[:32] or None,
        )  # fmt: skip
        facts = engine.handle(event)
        facts += engine.handle(ReactionAdded(GUILD, CHANNEL, mid, USERS[0], "✅", clock.now(), message_author_id=author))
        questions.update({f.message_id: f for f in facts if isinstance(f, QuestionFact)})
        figures.add("hostile messages through the engine")
        figures.add("hostile characters through the engine", len(content))
        if len(content) >= 3500:
            figures.add("hostile messages of 3,500-4,000 characters")
    clock.advance(86400 * 30)
    questions.update({f.message_id: f for f in engine.finish() if isinstance(f, QuestionFact)})
    for fact in questions.values():
        assert fact.snippet is None or len(fact.snippet) <= max(snippet_chars, 0)
        if snippet_chars == 0:
            assert not fact.snippet
        if fact.snippet:
            quoted = quote_snippet(fact.snippet)
            assert not has_live_mention(quoted) and "\n" not in quoted and len(quoted) <= 140
        line = question_line(1, fact)
        only_intended(line, {f"<#{CHANNEL}>": 1, f"<@{fact.asker_id}>": 1})
        figures.add("hostile questions rendered")
    listed = list(questions.values())[:5]
    embed = open_questions_embed(listed, page=0, pages=1, total=len(listed), per_page=5)
    text = embed_text(embed)
    assert len(embed.description or "") <= 4096
    askers = [q.asker_id for q in listed]
    only_intended(text, {f"<#{CHANNEL}>": len(listed), **{f"<@{a}>": askers.count(a) for a in askers}})
    assert masked_links(text) == len(listed)


# ------------------------------------------------------------------------------------ nudges


@settings(max_examples=scaled(150, 2000), deadline=None)
@given(snippet=hostile_text, topics=st.lists(hostile_text, max_size=4), asker=ids, helpers=st.lists(ids, max_size=4))
def test_nudge_texts(snippet: str, topics: list[str], asker: int, helpers: list[int], figures: Figures) -> None:
    fact = question(snippet[:140], asker, topics=tuple(topics))
    helper_ids = tuple(dict.fromkeys(h for h in helpers if h != asker))
    now = T0 + timedelta(hours=3)
    nudge = build_action("nudge", fact, now, helper_ids=helper_ids)
    if helper_ids:
        assert isinstance(nudge, NudgeAction)
        only_intended(nudge_text(nudge), {f"<@{h}>": 1 for h in helper_ids})
    entries = board_entries([(fact, now)])
    pages, more = paginate(entries)
    embed = board_embeds(BoardUpdate(fact.guild_id, CHANNEL + 1, pages, more, (), "x", 0))[0]
    # the asker's mention inside an embed shows a name and pings nobody
    only_intended(embed_text(embed), {f"<#{CHANNEL}>": 1, f"<@{asker}>": 1})
    assert masked_links(embed.description or "") == 1
    check = build_action("check", fact, now)
    assert isinstance(check, StillNeededCheck)
    only_intended(check_text(check), {f"<@{asker}>": 1})
    figures.add("hostile nudge renders", 3)


# ------------------------------------------------------------------------------ introductions


@settings(max_examples=scaled(150, 2000), deadline=None)
@given(interests=st.lists(hostile_text, max_size=6), members=st.lists(ids, min_size=2, max_size=4, unique=True))
def test_introduction_texts(interests: list[str], members: list[int], figures: Figures) -> None:
    shared = tuple(interests)
    action = IntroAction(T0, GUILD, CHANNEL, 7, tuple(members), shared, conversation_starter(shared, 3))
    only_intended(intro_text(action), {f"<@{m}>": 1 for m in members})
    for member in members:
        # a DM is sent with no_mentions(): the group line names everyone, "meet ..." the others again
        only_intended(dm_text(action, member), {f"<@{m}>": 1 if m == member else 2 for m in members})
    assert masked_links(intro_text(action)) == 0
    figures.add("hostile introduction renders", 1 + len(members))


# -------------------------------------------------------------------------------------- digest


def _digest_inputs(helpers: list[int]) -> WeekInputs:
    ranking = [(uid, 10 - i) for i, uid in enumerate(helpers)]
    a, b = helpers[0], helpers[1 % len(helpers)]
    edges = [(a, 10), (10, 11), (11, a), (a, b), (b, 20), (20, 21), (21, b)]  # two groups joined by a-b
    opens = [OpenQuestion(CHANNEL, 5 + i, T0 + timedelta(hours=i), f"https://discord.com/channels/{GUILD}/{CHANNEL}/{5 + i}") for i in range(3)]  # fmt: skip
    counts = WeekCounts(interactions=80, member_interactions=60, new_connections=7, active_members=30, questions_asked=12, questions_open=5)  # fmt: skip
    return WeekInputs(GUILD, "2025-W03", "Europe/Berlin", weeks=[counts, WeekCounts(interactions=40)],
                      helper_ranking=ranking, tie_edges=edges, open_questions=opens)  # fmt: skip


@settings(max_examples=scaled(120, 1500), deadline=None)
@given(helpers=st.lists(ids, min_size=2, max_size=6, unique=True), names=st.lists(hostile_text, min_size=6, max_size=6))
def test_digest_markdown_and_embeds(helpers: list[int], names: list[str], figures: Figures) -> None:
    digest = compute_week(_digest_inputs(helpers))
    hostile = dict(zip(helpers, names, strict=False))
    plain = {uid: f"member{i}" for i, uid in enumerate(helpers)}
    markdown = render_markdown(digest, hostile)
    embeds = digest_embeds(digest, hostile)
    assert not has_live_mention(markdown), markdown
    embed_texts = "\n".join(embed_text(e) for e in embeds)
    assert not has_live_mention(embed_texts), embed_texts
    # member names never add a masked link or a heading the digest did not have
    assert masked_links(markdown) == masked_links(render_markdown(digest, plain))
    assert masked_links(embed_texts) == masked_links("\n".join(embed_text(e) for e in digest_embeds(digest, plain)))
    assert all(len(e) <= 6000 for e in embeds)
    figures.add("hostile digest renders", 1 + len(embeds))


# ---------------------------------------------------------------------------------- demo story


@settings(max_examples=scaled(100, 1000), deadline=None)
@given(names=st.lists(hostile_text, min_size=3, max_size=3), interests=st.lists(hostile_text, max_size=3), guild=hostile_text)
def test_demo_story_prints_no_control_characters(
    names: list[str], interests: list[str], guild: str, figures: Figures
) -> None:
    members = [{"id": str(uid), "name": name} for uid, name in zip(USERS, names, strict=False)]
    community = Community(GUILD, guild, {}, members, {CHANNEL: names[0]})
    targets = [str(USERS[0]), str(USERS[1])]
    at = T0.isoformat()
    records: list[dict[str, Any]] = [
        {"kind": "question", "status": "open", "at": at, "first_response_at": None},
        {"kind": "nudge", "at": at, "channel_id": str(CHANNEL), "targets": targets},
        {"kind": "still_needed", "at": at, "channel_id": str(CHANNEL), "targets": targets[:1]},
        {"kind": "intro", "at": at, "channel_id": None, "targets": targets, "shared_interests": interests},
        {"kind": "digest", "at": at, "week": "2025-W03", "figures": {"headline": names[2]}},
    ]
    story = tell(records, community, guild, 10, T0, 1.0)
    bad = {c for c in story if not (c.isprintable() or c == "\n")}
    assert not bad, f"control characters {bad!r} in the story"
    figures.add("hostile demo stories told")


def test_allowed_mentions_objects() -> None:
    none = no_mentions().to_dict()
    assert none == {"parse": [], "replied_user": False} or none == {"parse": []}
    some = only_users([5, 6]).to_dict()
    assert some["parse"] == [] and sorted(some["users"]) == [5, 6] and not some.get("replied_user")
    assert "roles" not in some or some["roles"] == []
