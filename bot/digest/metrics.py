"""The weekly digest from its inputs: figures, week-over-week deltas, headline, history, lists.

The counts come in per week (`WeekCounts`, from SQL at scale or `bot.digest.definitions` from
rows); here they become named figures, and the lists (helpers, bridges, open questions) are
cut to size with members who opted out left out of every list.
"""

from __future__ import annotations

from dataclasses import replace

from bot.digest.bridges import find_bridges
from bot.digest.week_digest import (
    HISTORY_WEEKS,
    INPUT_WEEKS,
    NUMERIC_FIGURES,
    Helper,
    HistoryPoint,
    Number,
    WeekCounts,
    WeekDigest,
    WeekInputs,
    week_windows,
)
from bot.digest.wording import headline_for

OPEN_QUESTIONS_LISTED = 10
BRIDGES_LISTED = 3


def _delta(now: Number | None, before: Number | None) -> Number | None:
    if now is None or before is None:
        return None
    return now - before


def compute_week(inputs: WeekInputs) -> WeekDigest:
    """Every figure of the digest week `inputs.week_key`, with deltas, headline and history."""
    windows = week_windows(inputs.week_key, inputs.timezone, INPUT_WEEKS)
    weeks = list(inputs.weeks[: len(windows)])
    weeks += [WeekCounts()] * (len(windows) - len(weeks))
    numbers = [w.numbers() for w in weeks]
    this, before = numbers[0], numbers[1]
    deltas = {name: _delta(this[name], before[name]) for name in NUMERIC_FIGURES}

    opted = frozenset(inputs.opted_out_ids)
    shown = [(u, n) for u, n in inputs.helper_ranking if u not in opted][: inputs.settings.top_helpers]
    shown_ids = {u for u, _ in shown}
    helped = tuple(
        (helper, asker, n)
        for helper, asker, n in sorted(inputs.helped)
        if helper in shown_ids and asker not in opted
    )
    bridges = tuple(find_bridges(inputs.tie_edges, hide=opted, limit=BRIDGES_LISTED))
    history = tuple(
        HistoryPoint(
            week_key=windows[i].key,
            new_connections=weeks[i].new_connections,
            active_connections=weeks[i].active_connections,
            community_ratio=numbers[i]["community_ratio"],
            median_first_response_minutes=weeks[i].median_first_response_minutes,
        )
        for i in reversed(range(min(HISTORY_WEEKS, len(windows))))
    )
    quiet = weeks[0].interactions < inputs.settings.quiet_threshold
    has_history = any(w.interactions or w.questions_asked for w in weeks[1:])
    return WeekDigest(
        guild_id=inputs.guild_id,
        week_key=inputs.week_key,
        timezone=inputs.timezone,
        start=windows[0].start,
        end=windows[0].end,
        numbers=this,
        previous=before,
        deltas=deltas,
        open_questions=tuple(
            q if q.asker_id is None or q.asker_id not in opted else replace(q, asker_id=None, snippet=None)
            for q in inputs.open_questions[:OPEN_QUESTIONS_LISTED]
        ),
        top_helpers=tuple(Helper(u, n) for u, n in shown),
        bridges=bridges,
        helped=helped,
        history=history,
        headline=headline_for(this, before if has_history else None, quiet=quiet),
        quiet=quiet,
        response_target_minutes=inputs.response_target_minutes,
        partial=inputs.partial,
        compared=has_history,
        unanswered_newcomers=tuple(u for u in inputs.unanswered_newcomers if u not in opted),
        as_of=inputs.as_of,
    )
