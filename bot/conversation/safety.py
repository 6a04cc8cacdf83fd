"""Safe outgoing text: nothing a member wrote can ping anyone or break the layout it is shown in.

Discord parses `@everyone`, `@here`, `<@id>`, `<@!id>`, `<@&id>` and `<#id>` as mentions. Putting a
zero-width space right after every `@` and between every `<` and `#` makes all of them inert
while the text still reads the same. These helpers are pure: the `allowed_mentions` of each
message is the second, independent guard, set where the message is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ZWSP = "\u200b"
ELLIPSIS = "…"

_MARKDOWN_CHARS = re.compile(r"([\\*_~|`>\[\]#\-])")
_WHITESPACE_RUN = re.compile(r"\s+")
# What Discord would treat as a live mention (used by tests and by `has_live_mention`).
LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def neutralize_mentions(text: str) -> str:
    """Make every mention in `text` inert; removing the zero-width spaces gives back `text`."""
    return text.replace("@", "@" + ZWSP).replace("<#", "<" + ZWSP + "#")


def has_live_mention(text: str) -> bool:
    """True when `text` still contains something Discord would parse as a mention."""
    return LIVE_MENTION.search(text) is not None


def truncate(text: str, n: int) -> str:
    """At most `n` characters; a cut text ends with an ellipsis."""
    if n <= 0:
        return ""
    if len(text) <= n:
        return text
    if n == 1:
        return ELLIPSIS
    return text[: n - 1].rstrip() + ELLIPSIS


def escape_markdown(text: str) -> str:
    """Backslash-escape the characters Discord markdown gives a meaning to."""
    return _MARKDOWN_CHARS.sub(r"\\\1", text)


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space."""
    return _WHITESPACE_RUN.sub(" ", text).strip()


def quote_snippet(text: str, n: int = 140) -> str:
    """A member's text made safe to quote inline: one line, no markdown, no mentions, at most n chars."""
    return truncate(escape_markdown(neutralize_mentions(one_line(text))), n)


def user_mention(user_id: int) -> str:
    """The mention of exactly one member (only pings if the message allows that user)."""
    return f"<@{int(user_id)}>"


def channel_mention(channel_id: int) -> str:
    return f"<#{int(channel_id)}>"


def mention_list(user_ids: Iterable[int]) -> str:
    """Mentions of the given members, each once, in the given order."""
    seen: dict[int, None] = {}
    for uid in user_ids:
        seen.setdefault(int(uid), None)
    return " ".join(user_mention(uid) for uid in seen)


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{int(guild_id)}/{int(channel_id)}/{int(message_id)}"


__all__ = [
    "LIVE_MENTION",
    "ZWSP",
    "channel_mention",
    "escape_markdown",
    "has_live_mention",
    "jump_url",
    "mention_list",
    "neutralize_mentions",
    "one_line",
    "quote_snippet",
    "truncate",
    "user_mention",
]
