"""The digest as text: titled sections of short lines, shared by the Markdown file and the embeds.

It leads with what an owner can act on (open questions with their channel, asker, topic and
age; who carried the help, with a warning when one or two members carry most of it; newcomers
nobody answered; introductions that took), then the figures with their trend on last week.
Member names, channel names and question snippets are shown with their mentions and markdown
made inert (nothing can become a link, a heading or a ping); a member without a known name is
shown by id, never as a live mention.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from bot.conversation.safety import escape_markdown, neutralize_mentions, one_line, truncate
from bot.digest.week_digest import OpenQuestion, WeekDigest, zone
from bot.digest.wording import age_in_words, format_share, format_value, plural, trend

Names = Mapping[int, str]
Section = tuple[str, list[str]]
NAME_CHARS = 40
NUMBERED = re.compile(r"\d+\. ")  # a line of a numbered list (top helpers)
TOPIC_CHARS = 70  # a question's snippet, shortened to this for the digest
CONCENTRATION_SHARE = 0.6  # one or two members giving more than this of the answers: a warning
CONCENTRATION_MIN = 5  # ... once there are at least this many answers (a tiny week says little)


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
    now = digest.numbers.get(name)
    value = format_value(name, now)
    idle = not now and not digest.previous.get(name)  # nothing this week nor last: no trend to tell
    shown = "" if digest.partial or not digest.compared or idle else trend(name, digest.deltas.get(name))
    return f"{label}: **{value}**" + (f" ({shown})" if shown else "")


def channel_name(channel_id: int, channels: Names | None) -> str:
    """`#name` of a channel (made inert like a member name), or its id when unknown."""
    name = (channels or {}).get(channel_id)
    if not name:
        return f"channel {channel_id}"
    return "#" + neutralize_mentions(escape_markdown(truncate(one_line(name), NAME_CHARS)))


def topic(snippet: str | None) -> str:
    """The stored snippet of a question, shortened and made safe: one line, no live mention,
    no markdown (it cannot become a link, a heading or bold text)."""
    if not snippet or not one_line(snippet):
        return ""
    return neutralize_mentions(escape_markdown(truncate(one_line(snippet), TOPIC_CHARS)))


def open_question_line(
    digest: WeekDigest, q: OpenQuestion, names: Names | None, channels: Names | None
) -> str:
    """#channel · asker · “topic” · waiting 3 days · [jump](link)."""
    known = channels or {}
    where = q.channel_id if q.channel_id in known or q.parent_channel_id is None else q.parent_channel_id
    parts = [channel_name(where, channels)]
    if q.asker_id is not None:
        parts.append(member_name(q.asker_id, names))
    about = topic(q.snippet)
    if about:
        parts.append(f"“{about}”")
    parts.append(f"waiting {age_in_words((digest.cut - q.asked_at).total_seconds())}")
    return " · ".join(parts) + f" · [jump to it]({q.link})"


def concentration_warning(digest: WeekDigest) -> str | None:
    """A warning when one or two members gave most of the week's member answers."""
    n = digest.numbers
    if int(n.get("member_answers") or 0) < CONCENTRATION_MIN:
        return None
    for count, key in ((1, "top1_answer_share"), (2, "top2_answer_share")):
        share = n.get(key)
        if share is not None and share > CONCENTRATION_SHARE:
            who = "One member" if count == 1 else "Two members"
            return (
                f"⚠️ {who} gave {format_share(share)} of the answers: the help rests on very few "
                "people; thank them, and invite others in."
            )
    return None


def _act_section(digest: WeekDigest, names: Names | None, channels: Names | None) -> list[Section]:
    """What an owner can act on this week: open questions, who carried the help, newcomers
    nobody answered, introductions that took."""
    n = digest.numbers
    lines: list[str] = []
    if digest.open_questions:
        lines.append("Open questions worth a look:")
        lines.extend(f"• {open_question_line(digest, q, names, channels)}" for q in digest.open_questions)
        hidden = int(n.get("questions_open") or 0) - len(digest.open_questions)
        if hidden > 0:
            lines.append(f"• … and {plural(hidden, 'more open question')}")
    if digest.top_helpers:
        carried = ", ".join(
            f"{member_name(h.user_id, names)} ({plural(h.answers, 'answer')})" for h in digest.top_helpers[:3]
        )
        lines.append(f"Who carried the help: {carried}")
    warning = concentration_warning(digest)
    if warning:
        lines.append(warning)
    joined, replied = int(n.get("newcomers") or 0), int(n.get("newcomers_replied") or 0)
    if joined > replied:
        unanswered = joined - replied
        named = ", ".join(member_name(u, names) for u in digest.unanswered_newcomers)
        text = f"{plural(unanswered, 'newcomer')} of {joined} got no reply from a member"
        lines.append(text + (f": {named}" if named else ""))
    made, took = int(n.get("intros_made") or 0), int(n.get("intros_took") or 0)
    if made:
        lines.append(f"{plural(took, 'introduction')} of {made} took (the pair talked afterwards)")
    return [("Worth a look this week", lines)] if lines else []


def sections(digest: WeekDigest, names: Names | None = None, channels: Names | None = None) -> list[Section]:
    """The digest's sections, what an owner can act on first; a quiet week gets short ones.

    `names` are member names by id, `channels` channel names by id (both optional)."""
    n = digest.numbers
    act = _act_section(digest, names, channels)
    if digest.quiet:
        lines = [
            _line(digest, "Interactions", "interactions"),
            _line(digest, "Questions asked", "questions_asked"),
            _line(digest, "New member-to-member connections", "new_connections"),
        ]
        if n.get("questions_open"):
            lines.append(_line(digest, "Still open", "questions_open"))
        return [*act, ("A quiet week", lines)]
    out: list[Section] = [
        *act,
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
                    f"Answered within {plural(digest.response_target_minutes, 'minute')}",
                    "answered_within_target_share",
                ),
                f"Newcomers who got a reply from a member: **{n.get('newcomers_replied', 0)}"
                f" of {n.get('newcomers', 0)}**",
            ],
        ),
    ]
    helpers = [
        f"{i}. {member_name(h.user_id, names)}: {plural(h.answers, 'question')} answered"
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
                    f"{member_name(b.user_id, names)} links {plural(b.groups, 'group')}"
                    f" ({plural(b.separated, 'member')})"
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


def render_markdown(digest: WeekDigest, names: Names | None = None, channels: Names | None = None) -> str:
    """The whole digest as a Markdown document."""
    parts = [f"# {title(digest)}", "", f"_{period(digest)}_", ""]
    note = late_note(digest)
    if note:
        parts += [f"> {note}", ""]
    parts += [f"**{neutralize_mentions(digest.headline)}**", ""]
    for heading, lines in sections(digest, names, channels):
        parts.append(f"## {heading}")
        parts.append("")
        parts.extend(_md_line(line) for line in lines)
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def _md_line(line: str) -> str:
    if NUMBERED.match(line):
        return line
    if line.startswith("• "):
        return f"  - {line[2:]}"
    return f"- {line}"
