"""Tell in plain language what a replay saw and what Hearth would have done."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from statistics import median
from typing import Any

from bot.cli.demo_seed import Community
from bot.cli.restraint import restraint
from bot.plural import plural
from bot.sources.exports import printable

_KIND_LABELS: dict[str, tuple[str, str]] = {  # kind: (one, many)
    "nudge": ("helper nudge", "helper nudges"),
    "help_wanted": ("question put on the open-questions board", "questions put on the open-questions board"),
    "still_needed": ("'still need help?' check", "'still need help?' checks"),
    "intro": ("introduction", "introductions"),
    "intro_follow_up": ("introduction followed up (nothing posted)", "introductions followed up (nothing posted)"),
    "intro_removed": ("member paused from introductions", "members paused from introductions"),
    "digest": ("weekly digest", "weekly digests"),
}

# What a follow-up found, as the end of "followed up on the introduction of A and B: ..."
_FOLLOW_UP_OUTCOMES = {
    "pending": "no sign yet that they talked (nothing posted: the introduction's buttons stay open)",
    "interacted": "they had already talked",
    "talked": "they said they talked",
    "not_yet": "they have not talked yet",
    "skipped": "they passed on it",
    "ignored": "nobody answered",
}


def follow_up_outcome(outcome: object) -> str:
    return _FOLLOW_UP_OUTCOMES.get(str(outcome), str(outcome).replace("_", " "))


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%a %d %b %H:%M")


def _names(community: Community | None) -> dict[int, str]:
    return community.member_names() if community else {}


def _who(ids: list[str], names: dict[int, str]) -> str:
    shown = [names.get(int(i), f"member {i[-4:]}") for i in ids]
    return ", ".join(shown) if shown else "nobody"


def _where(channel_id: str | None, community: Community | None) -> str:
    if channel_id is None:
        return "a direct message"
    if community and int(channel_id) in community.channel_names:
        return "#" + community.channel_names[int(channel_id)]
    return f"channel {channel_id[-4:]}"


def _questions_paragraph(questions: list[dict[str, Any]]) -> list[str]:
    if not questions:
        return ["  no questions were asked"]
    status = Counter(q["status"] for q in questions)
    waits = [
        (datetime.fromisoformat(q["first_response_at"]) - datetime.fromisoformat(q["at"])).total_seconds()
        / 60
        for q in questions
        if q.get("first_response_at")
    ]
    lines = [
        f"  {plural(len(questions), 'question')} tracked: {status['answered']} answered by members, "
        f"{status['resolved']} resolved by their askers, {status['open']} still open at the end"
    ]
    if waits:
        lines.append(f"  median wait for a first response: {plural(round(median(waits)), 'minute')}")
    return lines


def _action_line(record: dict[str, Any], community: Community | None) -> str:
    names = _names(community)
    kind = record["kind"]
    when = _when(record["at"])
    if kind == "nudge":
        return f"  {when}  invited {_who(record['targets'], names)} to help with a question waiting in {_where(record['channel_id'], community)}"
    if kind == "help_wanted":
        asked_in = _where(record.get("question_channel_id") or record["channel_id"], community)
        return f"  {when}  put a question waiting in {asked_in} on the open-questions board"
    if kind == "still_needed":
        return f"  {when}  asked {_who(record['targets'], names)} whether they still need help"
    if kind == "intro":
        shared = ", ".join(record.get("shared_interests") or []) or "their interests"
        return f"  {when}  introduced {_who(record['targets'], names)} (shared: {shared})"
    if kind == "intro_follow_up":
        return f"  {when}  followed up on the introduction of {_who(record['targets'], names)}: {follow_up_outcome(record.get('outcome'))}"
    if kind == "intro_removed":
        return f"  {when}  paused introductions for {_who(record['targets'], names)} after ignored ones"
    if kind == "digest":
        figures = record.get("figures") or {}
        headline = figures.get("headline") or record.get("headline") or ""
        return f"  {when}  posted the digest for {record.get('week')}{' (late)' if record.get('late') else ''}: {headline}"
    return f"  {when}  {kind}"


def tell(
    records: list[dict[str, Any]],
    community: Community | None,
    guild_name: str,
    messages: int,
    first: datetime | None,
    seconds: float,
    *,
    target_minutes: int = 30,
    setup_seconds: float | None = None,
) -> str:
    questions = [r for r in records if r["kind"] == "question"]
    actions = [r for r in records if r["kind"] != "question"]
    counts = Counter(r["kind"] for r in actions)
    since = f" from {first:%d %b %Y}" if first else ""
    lines = [
        f"Hearth demo: replayed {plural(messages, 'message')} of '{guild_name}'{since} under a simulated clock "
        f"in {seconds:.1f} s" + (f" (and {setup_seconds:.1f} s setting up its database)." if setup_seconds else "."),
        "",
        "What Hearth saw:",
        *_questions_paragraph(questions),
        "",
        "What Hearth would have done:",
    ]
    if not actions:
        lines.append("  nothing needed doing")
    for kind, (one, many) in _KIND_LABELS.items():
        if counts[kind]:
            lines.append(f"  {plural(counts[kind], one, many, width=4)}")
    if actions:
        lines += ["", "How often Hearth spoke:", *restraint(records, messages, target_minutes=target_minutes).lines()]
    shown: Counter[str] = Counter()
    timeline = []
    for record in actions:
        if shown[record["kind"]] < (8 if record["kind"] == "digest" else 3):
            shown[record["kind"]] += 1
            timeline.append(_action_line(record, community))
    if timeline:
        lines += ["", "A few moments from the replay:", *timeline]
    # names and channel names come from the export: nothing in them may act on the terminal
    return "\n".join(printable(line) for line in lines)
