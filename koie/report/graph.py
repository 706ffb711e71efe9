"""The who-met-whom graph of a report: people as nodes, meetings as edges, laid out and drawn as SVG.

An edge joins every pair of people a record relates, as the pack's pair
semantics says (``relations:``, :mod:`koie.engine.relations`): by default each
``subject`` with each ``object`` and every two ``participants``.

>>> from koie.report.documents import ReportDocument
>>> meeting = {"id": 0, "label": "MEETING", "attrs": {"status": "asserted"},
...            "args": {"subject": {"text": "홍길동"}, "object": {"text": "김철수"}}}
>>> graph = meeting_graph([ReportDocument("a", "…", (meeting,))])
>>> [node.name for node in graph.nodes], [edge.evidence for edge in graph.edges]
(['홍길동', '김철수'], [[(0, 0, 'asserted', '')]])
>>> group = {"id": 0, "label": "MEETING", "attrs": {},
...          "args": {"participants": [{"text": "가"}, {"text": "나"}, {"text": "다"}]}}
>>> len(meeting_graph([ReportDocument("b", "…", (group,))]).edges)
3
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from koie.engine.relations import relation_pairs
from koie.lang.spec import RelationSpec
from koie.report.documents import ReportDocument, mentions_of

#: At most this many people are drawn in the graph (the most connected ones).
GRAPH_MAX_NODES = 150


@dataclass(slots=True)
class GraphNode:
    key: str
    names: Counter[str] = field(default_factory=Counter)
    meetings: int = 0

    @property
    def name(self) -> str:
        return self.names.most_common(1)[0][0] if self.names else self.key


@dataclass(slots=True)
class GraphEdge:
    a: int
    b: int
    #: (document index, record id, status, date) for each meeting
    evidence: list[tuple[int, int, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class MeetingGraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    hidden_nodes: int = 0


def person_key(mention: dict[str, Any]) -> str:
    """Who a mention is: its resolved ``name`` when there is one, else its text without spaces.

    >>> person_key({"text": "마리아 로페즈"}), person_key({"text": "이 회장", "name": "이도윤"})
    ('마리아로페즈', '이도윤')
    """
    name = mention.get("name")
    if isinstance(name, str) and name.strip():
        return re.sub(r"\s+", "", name)
    return re.sub(r"\s+", "", str(mention.get("text", "")))


def meeting_graph(
    documents: Sequence[ReportDocument],
    label: str = "MEETING",
    relation: RelationSpec | None = None,
    anaphors: Collection[str] = (),
) -> MeetingGraph:
    """People as nodes, ``label`` records as edges between each pair of people ``relation`` relates
    (the default relation: subject × object, every two participants). A mention of an ``anaphors``
    label (an anaphor nothing resolved) is no one."""
    relation = relation or RelationSpec(label)
    nodes: list[GraphNode] = []
    node_index: dict[str, int] = {}
    edges: dict[tuple[int, int], GraphEdge] = {}

    def node(mention: dict[str, Any]) -> int | None:
        key = person_key(mention)
        if not key:
            return None
        if key not in node_index:
            node_index[key] = len(nodes)
            nodes.append(GraphNode(key))
        found = nodes[node_index[key]]
        shown = mention.get("name") if isinstance(mention.get("name"), str) else mention.get("text", key)
        found.names[str(shown)] += 1
        return node_index[key]

    for doc_index, document in enumerate(documents):
        for record in document.records:
            if record["label"] != label:
                continue
            args = record["args"]
            attrs = record.get("attrs", {})
            # each mention named once per record, then related as the relation says
            members = {
                role: [m for m in mentions_of(args.get(role)) if m.get("label") not in anaphors]
                for role in relation.roles
            }
            index = {id(m): node(m) for mentions in members.values() for m in mentions}
            related: dict[tuple[int, int], None] = {}
            for first, second, _directed in relation_pairs(relation, members.__getitem__):
                a, b = index[id(first)], index[id(second)]
                if a is not None and b is not None and a != b:
                    related.setdefault((min(a, b), max(a, b)))
            for a, b in related:
                edge = edges.setdefault((a, b), GraphEdge(a, b))
                status, when = str(attrs.get("status", "")), str(attrs.get("date", ""))
                edge.evidence.append((doc_index, record["id"], status, when))
                nodes[a].meetings += 1
                nodes[b].meetings += 1
    graph = MeetingGraph(nodes, list(edges.values()))
    return _keep_most_connected(graph, GRAPH_MAX_NODES)


def _keep_most_connected(graph: MeetingGraph, limit: int) -> MeetingGraph:
    connected = [i for i, n in enumerate(graph.nodes) if n.meetings]
    chosen = sorted(sorted(connected, key=lambda i: -graph.nodes[i].meetings)[:limit])
    remap = {old: new for new, old in enumerate(chosen)}
    edges = [GraphEdge(remap[e.a], remap[e.b], e.evidence) for e in graph.edges if e.a in remap and e.b in remap]
    return MeetingGraph([graph.nodes[i] for i in chosen], edges, len(connected) - len(chosen))


def _layout_component(
    nodes: Sequence[int], edges: Sequence[tuple[int, int]], size: float, margin: float
) -> dict[int, tuple[float, float]]:
    """Deterministic force-directed positions (Fruchterman-Reingold from a circle) in a ``size`` square."""
    n = len(nodes)
    if n == 1:
        return {nodes[0]: (size / 2, size / 2)}
    local = {node: i for i, node in enumerate(nodes)}
    links = [(local[a], local[b]) for a, b in edges]
    centre = size / 2
    radius = size / 2 - margin
    xs = [centre + radius * math.cos(2 * math.pi * i / n) for i in range(n)]
    ys = [centre + radius * math.sin(2 * math.pi * i / n) for i in range(n)]
    if n > 2:
        k = (size - 2 * margin) / math.sqrt(n)
        iterations = 80 if n <= 40 else max(12, 4000 // n)
        temperature = radius / 4
        for _ in range(iterations):
            dx = [0.0] * n
            dy = [0.0] * n
            for i in range(n):
                for j in range(i + 1, n):
                    ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
                    distance = max(math.hypot(ddx, ddy), 0.01)
                    push = k * k / distance / distance
                    dx[i] += ddx * push
                    dy[i] += ddy * push
                    dx[j] -= ddx * push
                    dy[j] -= ddy * push
            for a, b in links:
                ddx, ddy = xs[a] - xs[b], ys[a] - ys[b]
                pull = math.hypot(ddx, ddy) / k
                dx[a] -= ddx * pull
                dy[a] -= ddy * pull
                dx[b] += ddx * pull
                dy[b] += ddy * pull
            for i in range(n):
                length = max(math.hypot(dx[i], dy[i]), 0.01)
                xs[i] += dx[i] / length * min(length, temperature)
                ys[i] += dy[i] / length * min(length, temperature)
            temperature *= 0.95
    low_x, low_y = min(xs), min(ys)
    span = max(max(xs) - low_x, max(ys) - low_y, 1e-9)
    # one scale for both axes keeps the drawing's proportions; centre it in the square
    offset_x = (size - 2 * margin - (max(xs) - low_x) / span * (size - 2 * margin)) / 2
    offset_y = (size - 2 * margin - (max(ys) - low_y) / span * (size - 2 * margin)) / 2
    return {
        node: (
            margin + offset_x + (xs[i] - low_x) / span * (size - 2 * margin),
            margin + offset_y + (ys[i] - low_y) / span * (size - 2 * margin),
        )
        for node, i in local.items()
    }


def layout_graph(graph: MeetingGraph, min_width: float = 640) -> tuple[list[tuple[float, float]], float, float]:
    """Positions of the nodes and the canvas size: each group of connected people laid out on its own,
    the groups packed in rows, biggest first, so that small pairs do not drift to the corners."""
    parent = list(range(len(graph.nodes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for edge in graph.edges:
        parent[root(edge.a)] = root(edge.b)
    groups: dict[int, list[int]] = {}
    for i in range(len(graph.nodes)):
        groups.setdefault(root(i), []).append(i)
    components = sorted(groups.values(), key=lambda nodes: (-len(nodes), nodes[0]))
    sizes = [max(170.0, 170 * math.sqrt(len(nodes))) for nodes in components]
    width = max(min_width, max(sizes, default=0), math.sqrt(sum(s * s for s in sizes)) * 1.4)
    positions: dict[int, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for nodes, size in zip(components, sizes):
        if x + size > width and x > 0:
            x, y, row_height = 0.0, y + row_height, 0.0
        members = set(nodes)
        edges = [(e.a, e.b) for e in graph.edges if e.a in members]
        for node, (px, py) in _layout_component(nodes, edges, size, 45).items():
            positions[node] = (round(x + px, 1), round(y + py, 1))
        x += size
        row_height = max(row_height, size)
    height = max(y + row_height, 200.0)
    return [positions[i] for i in range(len(graph.nodes))], round(width), round(height)


def graph_svg(graph: MeetingGraph) -> str:
    """The graph as an inline SVG: ``g.edge[data-e]`` and ``g.node[data-n]`` elements."""
    positions, width, height = layout_graph(graph)
    parts = [
        (
            f'<svg class="graph" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="who met whom">'
        )
    ]
    for index, edge in enumerate(graph.edges):
        (x1, y1), (x2, y2) = positions[edge.a], positions[edge.b]
        count = len(edge.evidence)
        statuses = Counter(status or "?" for _, _, status, _ in edge.evidence)
        title = (
            f"{graph.nodes[edge.a].name} — {graph.nodes[edge.b].name}: {count} record{'s' * (count != 1)}"
            f" ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))})"
        )
        mx, my = round((x1 + x2) / 2, 1), round((y1 + y2) / 2, 1)
        # the badge in the middle shows the number of meetings and is an easy target for a click
        # an edge whose every record is planned or denied is drawn dashed: they have not met (yet)
        tentative = " tentative" * all(status not in ("", "asserted") for _, _, status, _ in edge.evidence)
        parts.append(
            f'<g class="edge{tentative}" data-e="{index}"><title>{html.escape(title)}</title>'
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
            f'stroke-width="{min(1.5 + 1.2 * math.log2(count), 8):.1f}"/>'
            f'<circle class="badge" cx="{mx}" cy="{my}" r="9"/>'
            f'<text class="count" x="{mx}" y="{my + 4}">{count}</text></g>'
        )
    for index, node in enumerate(graph.nodes):
        x, y = positions[index]
        r = min(6 + 2.5 * math.log2(node.meetings), 20)
        name = html.escape(node.name)
        parts.append(
            f'<g class="node" data-n="{index}"><title>{name}: {node.meetings} meeting'
            f'{"s" * (node.meetings != 1)}</title><circle cx="{x}" cy="{y}" r="{r:.1f}"/>'
            f'<text x="{x}" y="{y - r - 4:.1f}">{name}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def graph_json(graph: MeetingGraph) -> dict[str, Any]:
    return {
        "nodes": [{"key": n.key, "name": n.name, "meetings": n.meetings} for n in graph.nodes],
        "edges": [{"a": e.a, "b": e.b, "evidence": e.evidence} for e in graph.edges],
        "hidden": graph.hidden_nodes,
    }
