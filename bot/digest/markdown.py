"""The digest as text: titled sections of short lines, shared by the Markdown file and the embeds.

Member names are shown with their mentions and markdown made inert (a name cannot become a
link or a heading); a member without a known name is shown by id, never as a live mention.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from bot.conversation.safety import escape_markdown, neutralize_mentions, one_line, truncate
from bot.digest.week_digest import WeekDigest, zone
from bot.digest.wording import format_delta, format_value

Names = Mapping[int, str]
Section = tuple[str, list[str]]
NAME_CHARS = 40


def member_name(user_id: int, names: Names | None) -> str:
    name = (names or {}).get(user_id)
    if not name:
        return f"member {user_id}"
    return neutralize_mentions(escape_markdown(truncate(one_line(name), NAME_CHARS)))


def title(digest: WeekDigest) -> str:
    if digest.partial:
        return f"Hearth digest: week {digest.week_key} so far"
    return f"Hearth weekly digest: {digest.week_key}"


def period(digest: WeekDigest) -> str:
    tz = zone(digest.timezone)
    first = digest.start.astimezone(tz)
    last = (digest.end - timedelta(seconds=1)).astimezone(tz)
    return f"{first:%a %d %b} – {last:%a %d %b %Y} ({digest.timezone})"


def late_note(digest: WeekDigest) -> str | None:
    if not digest.late:
        return None
    return "Posted late: Hearth was offline when this digest was due."


def _line(digest: WeekDigest, label: str, name: str) -> str:
    value = format_value(name, digest.numbers.get(name))
    delta = "" if digest.partial else format_delta(name, digest.deltas.get(name))
    return f"{label}: **{value}**" + (f" ({delta})" if delta else "")


def sections(digest: WeekDigest, names: Names | None = None) -> list[Section]:
    """The digest's sections; a quiet week gets two short ones."""
    n = digest.numbers
    if digest.quiet:
        lines = [
            _line(digest, "Interactions", "interactions"),
            _line(digest, "Questions asked", "questions_asked"),
            _line(digest, "New member-to-member connections", "new_connections"),
        ]
        if n.get("questions_open"):
            lines.append(_line(digest, "Still open", "questions_open"))
        return [("A quiet week", lines), *_open_section(digest)]
    out: list[Section] = [
        (
            "Connections",
            [
                _line(digest, "New member-to-member connections", "new_connections"),
                _line(digest, "Active connections", "active_connections"),
                _line(digest, "Active members", "active_members"),
                _line(digest, "Active members with a connection", "connected_member_share"),
                _line(digest, "Community ratio (member-to-member interactions)", "community_ratio"),
            ],
        ),
        (
            "Questions",
            [
                _line(digest, "Asked", "questions_asked"),
                _line(digest, "Answered by members", "questions_answered_by_members"),
                _line(digest, "Still open", "questions_open"),
                _line(digest, "Median time to a first response", "median_first_response_minutes"),
                _line(
                    digest,
                    f"Answered within {digest.response_target_minutes} min",
                    "answered_within_target_share",
                ),
                f"Newcomers who got a reply from a member: **{n.get('newcomers_replied', 0)}"
                f" of {n.get('newcomers', 0)}**",
            ],
        ),
    ]
    out.extend(_open_section(digest))
    helpers = [
        f"{i}. {member_name(h.user_id, names)}: {h.answers} answered"
        for i, h in enumerate(digest.top_helpers, 1)
    ]
    if helpers:
        share = n.get("top3_answer_share")
        if share is not None:
            helpers.append(
                f"The top three carry **{format_value('top3_answer_share', share)}** of the answering."
            )
        out.append(("Top helpers", helpers))
    if digest.bridges:
        out.append(
            (
                "Bridges between groups",
                [
                    f"{member_name(b.user_id, names)} links {b.groups} groups ({b.separated} members)"
                    for b in digest.bridges
                ],
            )
        )
    out.append(
        (
            "Introductions and nudges",
            [
                _line(digest, "Introductions made", "intros_made"),
                _line(digest, "Introductions that took", "intros_took"),
                _line(digest, "Nudges sent", "nudges_sent"),
                _line(digest, "Nudges that led to an answer", "nudges_answered"),
            ],
        )
    )
    return out


def _open_section(digest: WeekDigest) -> list[Section]:
    if not digest.open_questions:
        return []
    lines = [
        f"[asked {q.asked_at.astimezone(zone(digest.timezone)):%a %H:%M}]({q.link})"
        for q in digest.open_questions
    ]
    hidden = int(digest.numbers.get("questions_open") or 0) - len(digest.open_questions)
    if hidden > 0:
        lines.append(f"… and {hidden} more")
    return [("Still open", lines)]


def render_markdown(digest: WeekDigest, names: Names | None = None) -> str:
    """The whole digest as a Markdown document."""
    parts = [f"# {title(digest)}", "", f"_{period(digest)}_", ""]
    note = late_note(digest)
    if note:
        parts += [f"> {note}", ""]
    parts += [f"**{neutralize_mentions(digest.headline)}**", ""]
    for heading, lines in sections(digest, names):
        parts.append(f"## {heading}")
        parts.append("")
        parts.extend(line if line[:1].isdigit() else f"- {line}" for line in lines)
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
