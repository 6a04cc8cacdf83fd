"""Members who bridge otherwise separate groups in a week's member-to-member interaction graph.

A member is a bridge when removing them splits their part of the graph into two or more
groups of at least two members each (an articulation point that joins real groups, not just
a hub with single contacts). They are ranked by how many members would lose their link to
the largest remaining group. The part sizes come from the block-cut tree of the graph's
biconnected components (networkx), so the whole computation is linear in the graph size.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import networkx as nx

from bot.digest.week_digest import Bridge

_BLOCK = 0
_CUT = 1


def member_pair(a: int, b: int) -> tuple[int, int]:
    """The unordered pair (a, b) as a tuple, smaller id first."""
    return (a, b) if a < b else (b, a)


def find_bridges(
    edges: Iterable[tuple[int, int]], *, hide: Collection[int] = (), limit: int = 3
) -> list[Bridge]:
    """The strongest bridges among the members of the undirected `edges`; `hide` are never listed."""
    graph: nx.Graph = nx.Graph()
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    if graph.number_of_nodes() < 5 or limit <= 0:
        return []  # a bridge joins two groups of two or more members: at least five members
    blocks = [frozenset(block) for block in nx.biconnected_components(graph)]
    seen_in: dict[int, int] = {}
    for block in blocks:
        for node in block:
            seen_in[node] = seen_in.get(node, 0) + 1
    cuts = {node for node, times in seen_in.items() if times > 1}
    if not cuts:
        return []

    # Block-cut tree: ("block", i) weighs its non-cut members, ("cut", v) weighs 1.
    tree: dict[tuple[int, int], list[tuple[int, int]]] = {}
    weight: dict[tuple[int, int], int] = {}
    for i, block in enumerate(blocks):
        key = (_BLOCK, i)
        weight[key] = sum(1 for node in block if node not in cuts)
        tree[key] = [(_CUT, node) for node in block if node in cuts]
        for node in block:
            if node in cuts:
                tree.setdefault((_CUT, node), []).append(key)
                weight[(_CUT, node)] = 1

    found: list[Bridge] = []
    visited: set[tuple[int, int]] = set()
    for root in tree:
        if root in visited:
            continue
        parent, order = _walk(tree, root, visited)
        subtotal = dict(weight)
        for node in reversed(order):
            up = parent[node]
            if up is not None:
                subtotal[up] += subtotal[node]
        total = subtotal[root]
        for node in order:
            if node[0] != _CUT:
                continue
            parts = [subtotal[child] for child in tree[node] if parent.get(child) == node]
            if parent[node] is not None:
                parts.append(total - subtotal[node])
            groups = sum(1 for size in parts if size >= 2)
            if groups >= 2 and node[1] not in hide:
                found.append(Bridge(user_id=node[1], separated=total - 1 - max(parts), groups=groups))
    found.sort(key=lambda b: (-b.separated, -b.groups, b.user_id))
    return found[:limit]


def _walk(
    tree: dict[tuple[int, int], list[tuple[int, int]]],
    root: tuple[int, int],
    visited: set[tuple[int, int]],
) -> tuple[dict[tuple[int, int], tuple[int, int] | None], list[tuple[int, int]]]:
    """Iterative DFS from `root`: each node's parent and a pre-order (parents before children)."""
    parent: dict[tuple[int, int], tuple[int, int] | None] = {root: None}
    order: list[tuple[int, int]] = []
    stack = [root]
    visited.add(root)
    while stack:
        node = stack.pop()
        order.append(node)
        for nxt in tree[node]:
            if nxt not in visited:
                visited.add(nxt)
                parent[nxt] = node
                stack.append(nxt)
    return parent, order
