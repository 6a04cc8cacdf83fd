"""Renderers fed hostile member text: no live mention, no broken layout, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation.facts import QuestionFact
from bot.conversation.safety import has_live_mention
from cogs.common.embeds import open_questions_embed, question_line
from cogs.privacy import summary_embed

HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(["@everyone", "@here", "<@1>", "<@!2>", "<@&3>", "<#4>", "```", "\n", "](x)", "[", "\u200b"]),
        st.text(max_size=30),
    ),
    max_size=150,
).map(lambda parts: "".join(parts)[:4000])

IDS = st.integers(min_value=1, max_value=2**63 - 1)


def question(snippet: str | None, message_id: int, asker_id: int) -> QuestionFact:
    return QuestionFact(
        guild_id=1,
        channel_id=2,
        message_id=message_id,
        asker_id=asker_id,
        asked_at=datetime(2025, 1, 6, tzinfo=UTC) - timedelta(hours=3),
        status="open",
        snippet=snippet,
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), HOSTILE), IDS, IDS), min_size=1, max_size=5))
def test_open_questions_embed_is_inert(rows: list[tuple[str | None, int, int]]) -> None:
    questions = [question(s, m, a) for s, m, a in rows]
    embed = open_questions_embed(questions, page=0, pages=1, total=len(questions), per_page=5)
    description = embed.description or ""
    assert len(description) <= 4096
    # the only mentions are the ones the renderer wrote itself (asker and channel, never pinged)
    stripped = description
    for q in questions:
        stripped = stripped.replace(f"<@{q.asker_id}>", "").replace(f"<#{q.channel_id}>", "")
    assert not has_live_mention(stripped)
    assert "```" not in description


@settings(max_examples=100, deadline=None)
@given(HOSTILE, IDS)
def test_question_line_quotes_one_line(snippet: str, message_id: int) -> None:
    line = question_line(1, question(snippet, message_id, 5))
    first = line.split("\n")[0]
    assert not has_live_mention(first)
    assert len(line.split("\n")) == 2


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3)), max_size=30))
def test_privacy_summary_embed_stays_within_limits(summary: dict[str, object]) -> None:
    embed = summary_embed(summary)
    assert len(embed) <= 6000
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert 0 < len(field.name or "") <= 256 and 0 < len(field.value or "") <= 1024
