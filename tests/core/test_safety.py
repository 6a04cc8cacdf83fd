"""Property tests: text passed through the safety helpers never keeps a live mention."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation.safety import (
    ZWSP,
    has_live_mention,
    mention_list,
    neutralize_mentions,
    one_line,
    quote_snippet,
    truncate,
)

MENTION_PIECES = [
    "@everyone",
    "@here",
    "<@123>",
    "<@!123>",
    "<@&123>",
    "<#123>",
    "<@99999999999999999999999>",
    "@",
    "<",
    "#",
    ">",
    "!",
    "&",
    "```",
    "`",
    "**",
    "__",
    "||",
    "\n",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u0301\u0302\u0303\u0304",  # zalgo combining marks
    "> ",
    "# ",
    "[x](https://example.com)",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(MENTION_PIECES), st.text(max_size=40), st.integers(0, 2**70).map(str)),
    max_size=200,
).map(lambda parts: "".join(parts)[:4000])


@settings(max_examples=400, deadline=None)
@given(hostile_text)
def test_neutralize_leaves_no_live_mention(text: str) -> None:
    out = neutralize_mentions(text)
    assert not has_live_mention(out)
    assert out.replace(ZWSP, "") == text.replace(ZWSP, "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=4000))
def test_neutralize_arbitrary_unicode(text: str) -> None:
    assert not has_live_mention(neutralize_mentions(text))


@settings(max_examples=300, deadline=None)
@given(hostile_text, st.integers(min_value=0, max_value=300))
def test_quote_snippet_is_one_safe_bounded_line(text: str, n: int) -> None:
    out = quote_snippet(text, n)
    assert len(out) <= n
    assert "\n" not in out
    assert not has_live_mention(out)
    assert "```" not in out  # a code fence cannot open inside a quote


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500), st.integers(min_value=0, max_value=600))
def test_truncate_bounds(text: str, n: int) -> None:
    out = truncate(text, n)
    assert len(out) <= n
    if len(text) <= n:
        assert out == text
    elif n > 0:
        assert out.endswith("…")


def test_known_mentions_made_inert() -> None:
    for raw in ["@everyone", "@here", "<@123>", "<@!123>", "<@&123>", "<#123>"]:
        assert has_live_mention(raw)
        assert not has_live_mention(neutralize_mentions(raw))


def test_zero_width_prefilled_input_stays_inert() -> None:
    # An attacker cannot pre-place characters so that the escaping itself forms a mention.
    for raw in ["@\u200beveryone", "<\u200b@123>", "<<#1>>", "@@here", "<@<@1>>"]:
        assert not has_live_mention(neutralize_mentions(raw))


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  a\n\n b\tc  ") == "a b c"


def test_mention_list_dedupes_in_order() -> None:
    assert mention_list([3, 1, 3]) == "<@3> <@1>"
    assert re.fullmatch(r"(<@\d+> ?)+", mention_list([1, 2]))
