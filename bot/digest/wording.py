"""Plain-language words for digest figures: the one-line headline and value formatting."""

from __future__ import annotations

from collections.abc import Mapping

Number = int | float

# (figure, what it is called, how it is shown, the smallest "before" a change is measured against)
_HEADLINE_CANDIDATES: tuple[tuple[str, str, str, float], ...] = (
    ("new_connections", "New member-to-member connections", "count", 5),
    ("community_ratio", "The community ratio", "share", 0.10),
    ("questions_answered_by_members", "Questions answered by members", "count", 5),
    ("median_first_response_minutes", "The median first response", "minutes", 10),
    ("active_members", "Active members", "count", 10),
    ("newcomers_replied", "Newcomers who got a reply", "count", 3),
)
STEADY_BELOW = 0.10  # the biggest relative change under this: a steady week


def format_share(value: Number | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def format_minutes(value: Number | None) -> str:
    if value is None:
        return "–"
    minutes = round(value)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{round(value / 1440, 1):g} days"


def format_value(name: str, value: Number | None) -> str:
    if name.endswith("_share") or name == "community_ratio":
        return format_share(value)
    if name.endswith("_minutes"):
        return format_minutes(value)
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def format_delta(name: str, delta: Number | None) -> str:
    """A signed change: "+12", "-3 pts" for shares, "-5 min" for times; "" when unknown or
    too small to show at the figure's precision (never "+0 min")."""
    if delta is None or delta == 0:
        return ""
    sign = "+" if delta > 0 else "-"
    size = abs(delta)
    if name.endswith("_share") or name == "community_ratio":
        points = round(size * 100)
        return f"{sign}{points} pts" if points else ""
    if name.endswith("_minutes"):
        return f"{sign}{format_minutes(size)}" if round(size) else ""
    if isinstance(size, int):
        return f"{sign}{size:,}"
    return f"{sign}{size:,.1f}" if round(size, 1) else ""


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 member", "2 members" (`many` for an irregular plural)."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def trend(name: str, delta: Number | None) -> str:
    """The change since last week in words: "+12 on last week", "same as last week" when the
    change does not show at the figure's precision, "" when unknown."""
    if delta is None:
        return ""
    shown = format_delta(name, delta)
    return f"{shown} on last week" if shown else "same as last week"


def age_in_words(seconds: float) -> str:
    """How long something has waited: "40 minutes", "5 hours", "3 days"."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return plural(minutes, "minute")
    hours = minutes // 60
    if hours < 48:
        return plural(hours, "hour")
    return plural(hours // 24, "day")


def headline_for(
    now: Mapping[str, Number | None], before: Mapping[str, Number | None] | None, *, quiet: bool
) -> str:
    """One plain line saying what changed most since the week before."""
    interactions = int(now.get("interactions") or 0)
    asked = int(now.get("questions_asked") or 0)
    new = int(now.get("new_connections") or 0)
    if quiet:
        return f"A quiet week: {plural(interactions, 'interaction')} and {plural(asked, 'question')}."
    if before is None:
        ratio = format_share(now.get("community_ratio"))
        return f"First digest: {plural(new, 'new member-to-member connection')}, community ratio {ratio}."
    best: tuple[float, str, str, str, Number, Number] | None = None
    for name, label, shown, floor in _HEADLINE_CANDIDATES:
        a, b = before.get(name), now.get(name)
        if a is None or b is None or a == b:
            continue
        score = abs(b - a) / max(abs(a), floor)
        if best is None or score > best[0]:
            best = (score, name, label, shown, a, b)
    if best is None or best[0] < STEADY_BELOW:
        ratio = format_share(now.get("community_ratio"))
        return f"A steady week: {plural(new, 'new member-to-member connection')}, community ratio {ratio}."
    _, name, label, shown, a, b = best
    if shown == "minutes":
        pace = "faster" if b < a else "slower"
        return f"Questions got a first response {pace}: median {format_minutes(a)} → {format_minutes(b)}."
    verb = "rose" if b > a else "fell"
    if shown == "share":
        tail = ": members talk to each other more" if b > a else ": more of the talk involves staff"
        return f"{label} {verb} from {format_share(a)} to {format_share(b)}{tail}."
    return f"{label} {verb} from {format_value(name, a)} to {format_value(name, b)}."
