"""The data of the HTML report, built from plain rows: network, weeks, open questions, load, newcomers.

Pure: no I/O and no wall clock. Ages are measured at the end of the data (its newest message),
so the same exports always give the same page. Members in `hidden` (opted out) are never
listed, drawn or named.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import networkx as nx

from bot.digest.bridges import find_bridges, member_pair
from bot.digest.week_digest import HistoryPoint, Number

NETWORK_NODES = 150  # the most connected members drawn; bridges are found on the whole graph
BRIDGES_LISTED = 10
TOPIC_CHARS = 90
OPEN_LISTED = 100  # open questions listed, the most recent first
HELPERS_CHARTED = 15
LAYOUT_SEED = 7
DRAWN_TIES = 3  # each drawn member's strongest ties are drawn (and lay the graph out)


# --------------------------------------------------------------------------- rows in


@dataclass(frozen=True, slots=True)
class OpenQuestionRow:
    channel_id: int
    message_id: int
    asker_id: int
    asked_at: datetime
    snippet: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewcomerRow:
    user_id: int
    joined_at: datetime
    first_reply_at: datetime | None  # the first interaction another member aimed at them
    first_replier_id: int | None


@dataclass(frozen=True)
class ReportInputs:
    """Everything the page is built from (figures of the digest week come from the digest)."""

    guild_id: int
    guild_name: str
    data_start: datetime
    data_end: datetime
    week_key: str
    week_numbers: Mapping[str, Number | None]  # the digest's figures of `week_key`
    headline: str
    weeks: Sequence[HistoryPoint]  # oldest first, `week_key` last
    ties: Sequence[tuple[int, int, int]]  # (source, target, interactions), members only
    helped: Sequence[tuple[int, int, int]]  # (responder, asker, questions)
    first_responses: Sequence[tuple[int, int]]  # (member, first responses), most first
    open_questions: Sequence[OpenQuestionRow]
    newcomers: Sequence[NewcomerRow]
    names: Mapping[int, str] = field(default_factory=dict)
    channel_names: Mapping[int, str] = field(default_factory=dict)
    staff: Collection[int] = frozenset()
    hidden: Collection[int] = frozenset()


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True, slots=True)
class Node:
    user_id: int
    name: str
    x: float
    y: float
    interactions: int  # with other members, both directions
    ties: int  # distinct members they interacted with
    group: int  # index of their group (densely connected members), largest first
    bridge: bool


@dataclass(frozen=True, slots=True)
class Edge:
    a: int
    b: int
    interactions: int
    a_helped_b: int  # questions of b that a responded to
    b_helped_a: int


@dataclass(frozen=True, slots=True)
class BridgeItem:
    name: str
    separated: int  # members who would lose their link to the largest group without them
    groups: int


@dataclass(frozen=True)
class Network:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    drawn_ties: int  # the ties drawn: each drawn member's strongest `per_member`
    per_member: int
    members: int  # in the whole graph (the drawing may show fewer)
    ties: int
    groups: int
    bridges: tuple[BridgeItem, ...]


@dataclass(frozen=True, slots=True)
class WeekRow:
    week_key: str
    new_connections: int
    active_connections: int
    median_first_response_minutes: float | None


@dataclass(frozen=True, slots=True)
class OpenItem:
    channel: str
    asker: str
    topic: str
    asked_at: datetime
    age_days: float
    link: str


@dataclass(frozen=True, slots=True)
class HelperItem:
    name: str
    first_responses: int
    share: float
    staff: bool


@dataclass(frozen=True)
class HelpersLoad:
    helpers: tuple[HelperItem, ...]  # most first
    first_responses: int
    top3_share: float | None
    half_by: int  # fewest members who gave half of all first responses


@dataclass(frozen=True, slots=True)
class NewcomerItem:
    name: str
    joined_at: datetime
    replied: bool
    wait_hours: float | None
    replier: str | None


@dataclass(frozen=True)
class ReportPage:
    guild_name: str
    data_start: datetime
    data_end: datetime
    week_key: str
    headline: str
    week_numbers: Mapping[str, Number | None]
    network: Network
    weeks: tuple[WeekRow, ...]
    open_questions: tuple[OpenItem, ...]  # the most recent `OPEN_LISTED`
    open_total: int
    helpers: HelpersLoad
    newcomers: tuple[NewcomerItem, ...]  # those who got no reply first, then by when they joined

    @property
    def newcomers_replied(self) -> int:
        return sum(1 for n in self.newcomers if n.replied)


def display_name(names: Mapping[int, str], user_id: int) -> str:
    """The member's name from the exports, else a short form of the id."""
    name = names.get(user_id)
    return name if name else f"member …{str(user_id)[-4:]}"


def short_topic(snippet: str | None, topics: Sequence[str], limit: int = TOPIC_CHARS) -> str:
    """The stored snippet cut to `limit` characters at a word, else its topic words."""
    text = " ".join((snippet or "").split())
    if text:
        if len(text) <= limit:
            return text
        cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
        return cut + "…"
    return ", ".join(topics) if topics else "(no snippet stored)"


def jump_link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


# --------------------------------------------------------------------------- building


def build_network(
    ties: Sequence[tuple[int, int, int]],
    helped: Sequence[tuple[int, int, int]],
    names: Mapping[int, str],
    hidden: Collection[int] = frozenset(),
    *,
    max_nodes: int = NETWORK_NODES,
) -> Network:
    """The member-to-member graph, its groups and bridges, laid out for drawing."""
    hide = frozenset(hidden)
    weight: dict[tuple[int, int], int] = {}
    for source, target, n in ties:
        if source != target and source not in hide and target not in hide:
            pair = member_pair(source, target)
            weight[pair] = weight.get(pair, 0) + n
    helps: dict[tuple[int, int], int] = {(r, a): n for r, a, n in helped if r not in hide and a not in hide}
    graph: nx.Graph = nx.Graph()
    for (a, b), n in weight.items():
        graph.add_edge(a, b, weight=n)
    bridges = find_bridges(weight.keys(), hide=hide, limit=BRIDGES_LISTED)
    bridge_ids = {b.user_id for b in bridges}
    strength = dict(graph.degree(weight="weight"))
    shown_ids = sorted(graph.nodes, key=lambda u: (-strength[u] - (10**9 if u in bridge_ids else 0), u))
    shown: nx.Graph = nx.Graph()
    shown.add_nodes_from(shown_ids[:max_nodes])
    # the drawing keeps each member's strongest ties (a dense server is otherwise one blot)
    for u in shown.nodes:
        best = sorted(
            ((d["weight"], v) for v, d in graph[u].items() if v in shown), key=lambda item: (-item[0], item[1])
        )
        for n, v in best[:DRAWN_TIES]:
            shown.add_edge(u, v, weight=n)
    groups: list[set[int]] = []
    if shown.number_of_edges():
        groups = sorted(
            (set(g) for g in nx.community.louvain_communities(shown, weight="weight", seed=LAYOUT_SEED)),
            key=lambda g: (-len(g), min(g)),
        )
    group_of = {u: i for i, g in enumerate(groups) for u in g}
    # ties inside a group pull harder, so each group sits together in the drawing
    pull: nx.Graph = nx.Graph()
    pull.add_nodes_from(shown.nodes)
    pull.add_edges_from((a, b, {"pull": 4.0 if group_of.get(a) == group_of.get(b) else 1.0}) for a, b in shown.edges)
    layout = nx.spring_layout(pull, weight="pull", seed=LAYOUT_SEED, iterations=150) if len(pull) else {}
    nodes = tuple(
        Node(
            user_id=u,
            name=display_name(names, u),
            x=round(float(layout[u][0]), 4),
            y=round(float(layout[u][1]), 4),
            interactions=int(strength[u]),
            ties=int(graph.degree(u)),
            group=group_of.get(u, 0),
            bridge=u in bridge_ids,
        )
        for u in sorted(shown.nodes)
    )
    edges = tuple(
        Edge(a, b, int(n), helps.get((a, b), 0), helps.get((b, a), 0))
        for (a, b), n in sorted(weight.items())
        if shown.has_edge(a, b)
    )
    return Network(
        drawn_ties=len(edges),
        per_member=DRAWN_TIES,
        nodes=nodes,
        edges=edges,
        members=graph.number_of_nodes(),
        ties=graph.number_of_edges(),
        groups=len(groups),
        bridges=tuple(BridgeItem(display_name(names, b.user_id), b.separated, b.groups) for b in bridges),
    )


def build_helpers(
    first_responses: Sequence[tuple[int, int]],
    names: Mapping[int, str],
    staff: Collection[int] = frozenset(),
    hidden: Collection[int] = frozenset(),
) -> HelpersLoad:
    """Who gave the first responses and how concentrated that is (opted-out members count in
    the totals but are never named)."""
    counts = sorted(((n, u) for u, n in first_responses if n > 0), key=lambda item: (-item[0], item[1]))
    total = sum(n for n, _ in counts)
    half_by = running = 0
    for n, _ in counts:
        if running * 2 >= total:
            break
        running += n
        half_by += 1
    helpers = tuple(
        HelperItem(display_name(names, u), n, n / total, u in staff) for n, u in counts if u not in hidden
    )
    return HelpersLoad(
        helpers=helpers,
        first_responses=total,
        top3_share=sum(n for n, _ in counts[:3]) / total if total else None,
        half_by=half_by,
    )


def build_page(inputs: ReportInputs) -> ReportPage:
    """The report page of `inputs`."""
    names, hidden = inputs.names, frozenset(inputs.hidden)
    end = inputs.data_end
    open_rows = sorted(
        (q for q in inputs.open_questions if q.asker_id not in hidden),
        key=lambda q: (q.asked_at, q.message_id),
        reverse=True,
    )
    open_items = tuple(
        OpenItem(
            channel=inputs.channel_names.get(q.channel_id) or f"channel …{str(q.channel_id)[-4:]}",
            asker=display_name(names, q.asker_id),
            topic=short_topic(q.snippet, q.topics),
            asked_at=q.asked_at,
            age_days=round(max(0.0, (end - q.asked_at).total_seconds()) / 86400, 1),
            link=jump_link(inputs.guild_id, q.channel_id, q.message_id),
        )
        for q in open_rows[:OPEN_LISTED]
    )
    newcomers = tuple(
        NewcomerItem(
            name=display_name(names, n.user_id),
            joined_at=n.joined_at,
            replied=n.first_reply_at is not None,
            wait_hours=(
                round(max(0.0, (n.first_reply_at - n.joined_at).total_seconds()) / 3600, 1)
                if n.first_reply_at is not None
                else None
            ),
            replier=(
                display_name(names, n.first_replier_id)
                if n.first_replier_id is not None and n.first_replier_id not in hidden
                else None
            ),
        )
        for n in sorted(inputs.newcomers, key=lambda n: (n.first_reply_at is not None, n.joined_at, n.user_id))
        if n.user_id not in hidden
    )  # those still waiting for a reply first
    return ReportPage(
        guild_name=inputs.guild_name,
        data_start=inputs.data_start,
        data_end=inputs.data_end,
        week_key=inputs.week_key,
        headline=inputs.headline,
        week_numbers=dict(inputs.week_numbers),
        network=build_network(inputs.ties, inputs.helped, names, hidden),
        weeks=tuple(
            WeekRow(p.week_key, p.new_connections, p.active_connections, p.median_first_response_minutes)
            for p in inputs.weeks
        ),
        open_questions=open_items,
        open_total=len(open_rows),
        helpers=build_helpers(inputs.first_responses, names, inputs.staff, hidden),
        newcomers=newcomers,
    )
