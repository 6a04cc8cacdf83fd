"""The digest chart (PNG): up to eight weeks of connections, community ratio and response time
(with the server's response target as a dashed line; weeks before the data starts are not
drawn), and a small who-helped-whom picture when there are few enough ties for it to read well.

Uses matplotlib's object API with the Agg canvas (no pyplot state, safe off the main thread).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import networkx as nx
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.digest.week_digest import HistoryPoint, WeekDigest

HELPED_MAX_EDGES = 40  # more ties than this make an unreadable hairball: the picture is left out
BAR = "#5865F2"
LINE = "#3BA55C"
WARM = "#ED4245"
GREY = "#99AAB5"


def _has_data(point: HistoryPoint) -> bool:
    return bool(
        point.new_connections
        or point.active_connections
        or point.community_ratio is not None
        or point.median_first_response_minutes is not None
    )


def shown_history(digest: WeekDigest) -> tuple[HistoryPoint, ...]:
    """The weeks the chart draws: from the first week with any data to the digest week (a
    server's first weeks are not drawn as zeros before its data starts)."""
    history = digest.history
    for i, point in enumerate(history):
        if _has_data(point):
            return history[i:]
    return history[-1:]


def _week_labels(history: tuple[HistoryPoint, ...]) -> list[str]:
    return [p.week_key.split("-")[1] for p in history]


def _connections(ax: Axes, history: tuple[HistoryPoint, ...]) -> None:
    labels = _week_labels(history)
    xs = range(len(labels))
    ax.bar(xs, [p.new_connections for p in history], color=BAR, label="new")
    ax.plot(xs, [p.active_connections for p in history], color=LINE, marker="o", label="active")
    ax.set_title("Member-to-member connections", fontsize=10)
    ax.set_xticks(list(xs), labels, fontsize=7)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    top = max([p.active_connections for p in history] + [p.new_connections for p in history] + [1])
    ax.set_ylim(0, top * 1.3)
    ax.legend(loc="upper left", frameon=False, fontsize=8, ncols=2)


def _series(
    ax: Axes,
    history: tuple[HistoryPoint, ...],
    values: list[float | None],
    title: str,
    color: str,
    unit: str,
    top: float | None,
    target: float | None = None,
) -> None:
    labels = _week_labels(history)
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if points:
        ax.plot([i for i, _ in points], [v for _, v in points], color=color, marker="o")
    else:
        ax.text(0.5, 0.5, "no data yet", ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_title(title, fontsize=10)
    ax.set_xticks(list(range(len(labels))), labels, fontsize=7)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    highest = max([v for _, v in points] + [1.0] + ([target] if target is not None else []))
    if target is not None:
        ax.axhline(target, color=GREY, linestyle="--", linewidth=1, label=f"target {target:g} {unit}")
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    ax.set_ylim(0, top if top is not None else highest * 1.2)
    ax.set_ylabel(unit, fontsize=8)


def _helped(ax: Axes, digest: WeekDigest, names: Mapping[int, str] | None) -> None:
    """Helpers (labelled) and the members they helped (unlabelled dots)."""
    graph: nx.Graph = nx.Graph()
    for helper, asker, weight in digest.helped:
        graph.add_edge(("h", helper), ("a", asker), weight=weight)
    helper_nodes = {("h", h.user_id) for h in digest.top_helpers}
    for node in helper_nodes:
        graph.add_node(node)
    pos = nx.spring_layout(graph, seed=7, k=1.2 / math.sqrt(max(graph.number_of_nodes(), 1)))
    for a, b, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        ax.plot([x1, x2], [y1, y2], color=GREY, linewidth=0.8 + 0.6 * data.get("weight", 1), zorder=1)
    askers = [n for n in graph.nodes if n[0] == "a"]
    if askers:
        ax.scatter([pos[n][0] for n in askers], [pos[n][1] for n in askers], s=30, color=GREY, zorder=2)
    helpers = [n for n in graph.nodes if n[0] == "h"]
    ax.scatter([pos[n][0] for n in helpers], [pos[n][1] for n in helpers], s=140, color=BAR, zorder=3)
    for node in helpers:
        name = (names or {}).get(node[1]) or f"member {node[1]}"
        ax.annotate(name[:18], pos[node], xytext=(0, 9), textcoords="offset points", ha="center", fontsize=8)
    ax.set_title("Who helped whom (top helpers named)", fontsize=10)
    ax.margins(0.12)
    ax.set_axis_off()


def helped_reads_well(digest: WeekDigest) -> bool:
    return 0 < len(digest.helped) <= HELPED_MAX_EDGES


def build_figure(digest: WeekDigest, names: Mapping[int, str] | None = None) -> Figure:
    """The chart as a matplotlib figure (on an Agg canvas)."""
    with_helped = helped_reads_well(digest)
    fig = Figure(figsize=(10, 6.5 if with_helped else 3.4), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    rows = 2 if with_helped else 1
    grid = fig.add_gridspec(rows, 3, height_ratios=[1, 1.3] if with_helped else None)
    ax_conn = fig.add_subplot(grid[0, 0])
    ax_ratio = fig.add_subplot(grid[0, 1])
    ax_time = fig.add_subplot(grid[0, 2])
    history = shown_history(digest)
    _connections(ax_conn, history)
    ratios = [None if p.community_ratio is None else 100 * p.community_ratio for p in history]
    _series(ax_ratio, history, ratios, "Community ratio", LINE, "% member-to-member", 105.0)
    times = [p.median_first_response_minutes for p in history]
    _series(
        ax_time, history, times, "Median first response", WARM, "minutes", None,
        target=float(digest.response_target_minutes),
    )  # fmt: skip
    if with_helped:
        _helped(fig.add_subplot(grid[1, :]), digest, names)
    fig.suptitle(f"Hearth digest {digest.week_key}", fontsize=11)
    return fig


def render_chart(digest: WeekDigest, names: Mapping[int, str] | None = None) -> bytes:
    """The chart as PNG bytes."""
    fig = build_figure(digest, names)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
