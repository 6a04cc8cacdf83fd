"""The report's charts as Plotly figures: the member network, the weeks, the helpers' load.

Pure: figures are built from the page data; `bot.report.render` turns them into HTML with
plotly.js inlined once, so the page needs no network to show them.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bot.report.page import HELPERS_CHARTED, HelpersLoad, Network, WeekRow

PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
BRIDGE_COLOR = "#111111"


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def network_figure(network: Network) -> go.Figure:
    """Members as dots (size: interactions; colour: group; diamonds: bridges), ties as lines."""
    where = {n.user_id: (n.x, n.y) for n in network.nodes}
    fig = go.Figure()
    for strong in (False, True):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e in network.edges:
            if (e.a_helped_b + e.b_helped_a > 0) != strong:
                continue
            (x0, y0), (x1, y1) = where[e.a], where[e.b]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"width": 1.6 if strong else 0.6, "color": "#6b7b8c" if strong else "#c9d1da"},
                hoverinfo="skip",
                name="helped on a question" if strong else "talked",
            )
        )
    nodes = network.nodes
    biggest = max((n.interactions for n in nodes), default=1) or 1
    fig.add_trace(
        go.Scatter(
            x=[n.x for n in nodes],
            y=[n.y for n in nodes],
            mode="markers",
            name="member (diamond: bridge)",
            marker={
                "size": [8 + 22 * (n.interactions / biggest) ** 0.5 for n in nodes],
                "color": [BRIDGE_COLOR if n.bridge else PALETTE[n.group % len(PALETTE)] for n in nodes],
                "symbol": ["diamond" if n.bridge else "circle" for n in nodes],
                "line": {"width": 1, "color": "white"},
            },
            text=[
                f"{n.name}<br>{n.interactions} interactions with {n.ties} members"
                + ("<br><b>bridge between groups</b>" if n.bridge else "")
                for n in nodes
            ],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return _layout(fig, 520)


def weeks_figure(weeks: tuple[WeekRow, ...]) -> go.Figure:
    """New ties per week (bars) and the median time to a first response (line)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    keys = [w.week_key for w in weeks]
    fig.add_trace(
        go.Bar(x=keys, y=[w.new_connections for w in weeks], name="new ties", marker_color=PALETTE[0]),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=keys,
            y=[w.median_first_response_minutes for w in weeks],
            name="median first response (min)",
            mode="lines+markers",
            line={"color": PALETTE[1], "width": 2},
            connectgaps=False,
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="new ties", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text="minutes", secondary_y=True, rangemode="tozero", showgrid=False)
    fig.update_xaxes(type="category")
    return _layout(fig, 360)


def helpers_figure(load: HelpersLoad) -> go.Figure:
    """The members who gave the most first responses (horizontal bars, most on top)."""
    top = list(load.helpers[:HELPERS_CHARTED])[::-1]
    fig = go.Figure(
        go.Bar(
            x=[h.first_responses for h in top],
            y=[h.name + (" (staff)" if h.staff else "") for h in top],
            orientation="h",
            marker_color=PALETTE[2],
            text=[f"{h.share:.0%}" for h in top],
            textposition="auto",
            hovertemplate="%{y}: %{x} first responses<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="first responses")
    fig.update_yaxes(automargin=True)
    return _layout(fig, max(220, 28 * len(top) + 80))
