"""An HTML report: documents with every record highlighted, explanations on click, who met whom.

The page is one self-contained file (CSS and JS inline, no network). Each
document's highlighted text is rendered here, in Python, into a
``<template>`` that the page instantiates one page of documents at a time,
so a corpus of a thousand documents opens quickly and the file grows
linearly. The records of a document, with their explanations, sit next to
it in a ``<script type="application/json">`` parsed only when shown.

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> document = report_document(pack.compiled, pack.extract_document("홍길동 사장이 김철수 대표와 만났다.", "a"))
>>> [(r["label"], r["text"], r["output"]) for r in document.records]
[('PERSON', '홍길동', False), ('MEETING', '홍길동 사장이 김철수 대표와 만났다', True), ('PERSON', '김철수', False)]
>>> page = render_report([document], pack.compiled, title="hello")
>>> page.startswith("<!doctype html>"), page.count("<template ")
(True, 1)
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TextIO

from koie.engine.extract import CompiledPack, Extraction, Mention, Record
from koie.explain import explain_record
from koie.run.sinks import run_summary

if TYPE_CHECKING:  # pragma: no cover
    from koie.api import Pack
    from koie.run.runner import RunSummary

#: Colours by label, in the order labels first appear in the pack.
PALETTE = (
    "#2f6fdf",
    "#d9442b",
    "#1a9850",
    "#8e44ad",
    "#e08a00",
    "#0f9bb0",
    "#a0522d",
    "#d6378f",
    "#5d6d7e",
    "#7a9a01",
    "#3949ab",
    "#b8860b",
)
#: Documents instantiated per page of the report.
PAGE_SIZE = 10
#: At most this many people are drawn in the graph (the most connected ones).
GRAPH_MAX_NODES = 150


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """One document of a report: its text and every kept record, as JSON with explanations.

    Each record is :meth:`Record.to_json` plus ``id`` (its index here),
    ``output`` (False for entity rules with ``output: false``) and
    ``explanation``; a mention filled by another record of the document
    carries that record's index as ``ref``.
    """

    id: str
    text: str
    records: tuple[dict[str, Any], ...]


def report_document(pack: CompiledPack, extraction: Extraction) -> ReportDocument:
    """Every kept record of one extraction (hidden ones too), explained."""
    records = extraction.records
    by_identity = {id(record): index for index, record in enumerate(records)}
    by_span = {(r.rule, r.start, r.end): index for index, r in enumerate(records)}

    def ref_of(filler: Record | None, rule: str | None = None, start: int = -1, end: int = -1) -> int | None:
        if filler is not None and id(filler) in by_identity:
            return by_identity[id(filler)]
        if filler is not None:
            return by_span.get((filler.rule, filler.start, filler.end))
        return by_span.get((rule or "", start, end))

    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        row = record.to_json()
        del row["doc"]
        row["id"] = index
        row["output"] = record.output
        for role, value in record.args.items():
            mentions: tuple[Mention, ...] = value if isinstance(value, tuple) else (value,)
            shown = row["args"][role] if isinstance(row["args"][role], list) else [row["args"][role]]
            for mention, data in zip(mentions, shown):
                ref = ref_of(mention.filler)
                if ref is not None:
                    data["ref"] = ref
        explanation = explain_record(pack, record)
        for step in explanation["steps"]:
            filler = step.get("filled_by")
            if filler is not None:
                ref = ref_of(None, filler["rule"], filler["start"], filler["end"])
                if ref is not None:
                    filler["ref"] = ref
        row["explanation"] = explanation
        rows.append(row)
    return ReportDocument(extraction.doc, extraction.document.text, tuple(rows))


# -- the who-met-whom graph ---------------------------------------------------------------------------------


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


def _mentions(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []


def meeting_graph(documents: Sequence[ReportDocument], label: str = "MEETING") -> MeetingGraph:
    """People as nodes, ``label`` records as edges between their subject and object."""
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
            subjects = [n for n in map(node, _mentions(args.get("subject"))) if n is not None]
            objects = [n for n in map(node, _mentions(args.get("object"))) if n is not None]
            attrs = record.get("attrs", {})
            for a in dict.fromkeys(subjects):
                for b in dict.fromkeys(objects):
                    if a == b:
                        continue
                    edge = edges.setdefault((min(a, b), max(a, b)), GraphEdge(min(a, b), max(a, b)))
                    edge.evidence.append(
                        (doc_index, record["id"], str(attrs.get("status", "")), str(attrs.get("date", "")))
                    )
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


def _graph_json(graph: MeetingGraph) -> dict[str, Any]:
    return {
        "nodes": [{"key": n.key, "name": n.name, "meetings": n.meetings} for n in graph.nodes],
        "edges": [{"a": e.a, "b": e.b, "evidence": e.evidence} for e in graph.edges],
        "hidden": graph.hidden_nodes,
    }


# -- highlighted text ---------------------------------------------------------------------------------------


def _tracks(records: Sequence[dict[str, Any]]) -> dict[int, int]:
    """A row under the text for every record: shorter ones nearer the text, overlapping ones apart."""
    placed: list[list[tuple[int, int]]] = []
    tracks: dict[int, int] = {}
    for record in sorted(records, key=lambda r: (r["end"] - r["start"], r["start"], r["id"])):
        if record["end"] <= record["start"]:
            continue
        track = 0
        while track < len(placed) and any(s < record["end"] and record["start"] < e for s, e in placed[track]):
            track += 1
        if track == len(placed):
            placed.append([])
        placed[track].append((record["start"], record["end"]))
        tracks[record["id"]] = track
    return tracks


def _escape_text(text: str) -> str:
    # &#13; survives HTML parsing as a carriage return, a raw one would be dropped and shift the text
    return html.escape(text, quote=False).replace("\r", "&#13;")


def _all_mentions(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for value in record["args"].values():
        yield from _mentions(value)


def highlight_html(
    text: str, records: Sequence[dict[str, Any]], rule_index: dict[str, int], label_index: dict[str, int]
) -> tuple[str, int]:
    """The text as HTML with a piece (``span.s``) per stretch covered by the same records.

    Each piece carries its offsets (``data-s``, ``data-e``; code points into
    ``text``), the records covering it innermost first (``data-r``) and one
    bar (``i.b``) per record on that record's track. Returns the HTML and the
    number of tracks.
    """
    tracks = _tracks(records)
    spans = [r for r in records if r["id"] in tracks]
    cuts = {0, len(text)}
    for record in spans:
        cuts.update((record["start"], record["end"]))
        for mention in _all_mentions(record):
            if 0 <= mention["start"] <= mention["end"] <= len(text):
                cuts.update((mention["start"], mention["end"]))
        # cut at word boundaries so that a bar never has to wrap with its piece
        for i in range(record["start"] + 1, record["end"]):
            if text[i].isspace() != text[i - 1].isspace():
                cuts.add(i)
    points = sorted(cuts)
    by_start = sorted(spans, key=lambda r: r["start"])
    active: list[dict[str, Any]] = []
    next_record = 0
    out: list[str] = []
    for a, b in pairwise(points):
        while next_record < len(by_start) and by_start[next_record]["start"] <= a:
            active.append(by_start[next_record])
            next_record += 1
        active = [r for r in active if r["end"] > a]
        piece = _escape_text(text[a:b])
        if not active:
            out.append(piece)
            continue
        inner = sorted(active, key=lambda r: (r["end"] - r["start"], r["id"]))
        bars = "".join(
            f'<i class="b R{rule_index[r["rule"]]} L{label_index[r["label"]]}'
            f'{" st" * (r["start"] == a)}{" en" * (r["end"] == b)}" data-r="{r["id"]}" '
            f'style="--t:{tracks[r["id"]]}"></i>'
            for r in inner
        )
        ids = " ".join(str(r["id"]) for r in inner)
        out.append(f'<span class="s" data-s="{a}" data-e="{b}" data-r="{ids}">{piece}{bars}</span>')
    return "".join(out), max(tracks.values(), default=-1) + 1


# -- the page -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    label: str
    where: str
    output: bool
    pattern: str
    description: str = ""


def rule_infos(pack: CompiledPack) -> list[RuleInfo]:
    return [
        RuleInfo(
            c.rule.id,
            c.rule.label,
            c.rule.spec.where,
            c.rule.spec.output,
            c.rule.spec.pattern.text.strip(),
            c.rule.spec.description,
        )
        for c in pack.rules
    ]


def script_json(data: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` become JSON escapes, so ``</script>`` cannot occur.

    >>> script_json({"t": "</script><!-- & -->"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003c!-- \\\\u0026 --\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return (resources.files("koie.report") / "assets" / name).read_text(encoding="utf-8")


def _label_css(labels: Sequence[str], rules: Sequence[RuleInfo]) -> str:
    lines = []
    for index, _ in enumerate(labels):
        colour = PALETTE[index % len(PALETTE)]
        lines.append(f".L{index}{{--c:{colour}}}")
        lines.append(f"#koie.xL{index} .L{index}{{display:none}}")
    for index, _ in enumerate(rules):
        lines.append(f"#koie.xR{index} .R{index}{{display:none}}")
    return "\n".join(lines)


def _labels_of(rules: Sequence[RuleInfo], documents: Sequence[ReportDocument]) -> list[str]:
    labels = list(dict.fromkeys(r.label for r in rules))
    for document in documents:
        for record in document.records:
            if record["label"] not in labels:
                labels.append(record["label"])
    return labels


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    # the rule's pattern and place are in the page's rule table once, not in every record
    explanation = {k: v for k, v in record["explanation"].items() if k not in ("pattern", "where")}
    return record | {"explanation": explanation}


def write_report(
    out: TextIO,
    documents: Sequence[ReportDocument],
    pack: CompiledPack | Sequence[RuleInfo],
    title: str = "koie report",
    notes: Sequence[tuple[str, str]] = (),
    graph_label: str = "MEETING",
    page_size: int = PAGE_SIZE,
    open_first: bool = False,
) -> None:
    """Write the page for ``documents`` to ``out``; ``notes`` are extra (heading, text) sections.

    With ``open_first`` the page opens the explanation of the first output record.
    """
    rules = rule_infos(pack) if isinstance(pack, CompiledPack) else list(pack)
    pack_name = pack.resolved.spec.name if isinstance(pack, CompiledPack) else ""
    pack_version = pack.resolved.spec.version if isinstance(pack, CompiledPack) else ""
    for document in documents:
        for record in document.records:
            if all(r.id != record["rule"] for r in rules):
                rules.append(RuleInfo(record["rule"], record["label"], "", bool(record.get("output", True)), ""))
    labels = _labels_of(rules, documents)
    rule_index = {r.id: i for i, r in enumerate(rules)}
    label_index = {label: i for i, label in enumerate(labels)}
    rule_counts: Counter[str] = Counter()
    label_counts: Counter[str] = Counter()
    doc_index: list[list[Any]] = []
    for document in documents:
        counts = Counter(rule_index[r["rule"]] for r in document.records)
        rule_counts.update(r["rule"] for r in document.records)
        label_counts.update(r["label"] for r in document.records)
        doc_index.append([document.id, sorted(counts.items())])
    has_graph = any(r.label == graph_label for r in rules)
    graph = meeting_graph(documents, graph_label) if has_graph else MeetingGraph([], [])
    outputs = sum(1 for d in documents for r in d.records if r.get("output", True))
    index = {
        "title": title,
        "pack": pack_name,
        "pageSize": page_size,
        "labels": [{"name": label, "colour": PALETTE[i % len(PALETTE)]} for i, label in enumerate(labels)],
        "rules": [
            {
                "id": r.id,
                "label": label_index[r.label],
                "where": r.where,
                "output": r.output,
                "pattern": r.pattern,
                "description": r.description,
            }
            for r in rules
        ],
        "docs": doc_index,
        "graph": _graph_json(graph) if has_graph else None,
        "graphLabel": graph_label,
        "open": _first_record(documents) if open_first else None,
    }
    write = out.write
    write(
        '<!doctype html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_asset('report.css')}\n{_label_css(labels, rules)}\n"
        "</style>\n</head>\n<body>\n"
    )
    summary = (
        f"{len(documents)} document{'s' * (len(documents) != 1)} · {outputs} output records · "
        f"{sum(len(d.records) for d in documents)} records in all"
    )
    pack_text = f"pack {pack_name} {pack_version} · " if pack_name else ""
    write(
        f'<div id="koie">\n<header class="top"><h1>{html.escape(title)}</h1>'
        f'<p class="sum">{html.escape(pack_text + summary)}</p>\n<nav class="tabs">'
        '<button type="button" data-tab="docs" class="on">Documents</button>'
    )
    if has_graph:
        write(f'<button type="button" data-tab="graph">Who met whom ({len(graph.edges)})</button>')
    if notes:
        write('<button type="button" data-tab="notes">Notes</button>')
    write('</nav></header>\n<div class="layout">\n<aside id="side">\n')
    write('<section><h3>Labels</h3><ul id="legend" class="filters">')
    for i, label in enumerate(labels):
        write(
            f'<li><label><input type="checkbox" checked data-l="{i}"><span class="sw L{i}"></span>'
            f'{html.escape(label)} <span class="c">{label_counts[label]}</span></label></li>'
        )
    write('</ul></section>\n<section><h3>Rules</h3><ul id="rules" class="filters">')
    for i, rule in enumerate(rules):
        hidden = "" if rule.output else ' <span class="hid" title="output: false">entity</span>'
        write(
            f'<li title="{html.escape(rule.where)}"><label><input type="checkbox" checked data-rule="{i}">'
            f'<span class="sw L{label_index[rule.label]}"></span>{html.escape(rule.id)}{hidden} '
            f'<span class="c">{rule_counts[rule.id]}</span></label></li>'
        )
    write(
        '</ul></section>\n<section><h3>Documents</h3><div class="docopts">'
        '<input id="docfilter" type="search" placeholder="filter by id">'
        '<label><input type="checkbox" id="onlymatched"> with matches</label></div>'
        '<ol id="doclist"></ol></section>\n</aside>\n<main>\n'
    )
    write('<section id="docs-view"><div class="pager"></div><div id="docs"></div><div class="pager"></div></section>\n')
    if has_graph:
        hidden_note = (
            f'<p class="muted">{graph.hidden_nodes} less connected people are not drawn.</p>'
            if graph.hidden_nodes
            else ""
        )
        empty = "" if graph.nodes else f'<p class="muted">No {html.escape(graph_label)} records.</p>'
        write(
            f'<section id="graph-view" hidden><h2>Who met whom</h2><p class="muted">People are nodes, '
            f"{html.escape(graph_label)} records are edges (dashed when every record is planned or denied); "
            f"click an edge or a person for the evidence.</p>"
            f'{hidden_note}{empty}<div class="graphbox">{graph_svg(graph)}</div></section>\n'
        )
    if notes:
        write('<section id="notes-view" hidden>')
        for heading, text in notes:
            write(f"<h2>{html.escape(heading)}</h2><pre>{_escape_text(text)}</pre>")
        write("</section>\n")
    write(
        '</main>\n<aside id="panel"><h3>Explanation</h3><div id="explain"><p class="muted">'
        "Click a highlighted span, a record or a graph edge.</p></div></aside>\n</div>\n</div>\n"
    )
    for i, document in enumerate(documents):
        body, tracks = highlight_html(document.text, document.records, rule_index, label_index)
        write(
            f'<template id="t{i}"><article class="doc" data-d="{i}"><h2 class="docid">'
            f'{html.escape(document.id)}</h2><div class="tw">'
            f'<div class="text" style="--tracks:{tracks}">{body}</div></div>'
            f"{_records_table(document, rule_index, label_index)}</article></template>\n"
        )
        write(
            f'<script type="application/json" id="j{i}">'
            f"{script_json([_compact(r) for r in document.records])}</script>\n"
        )
    write(f'<script type="application/json" id="koie-index">{script_json(index)}</script>\n')
    write(f"<script>\n{_asset('report.js')}\n</script>\n</body>\n</html>\n")


def _first_record(documents: Sequence[ReportDocument]) -> list[int] | None:
    for index, document in enumerate(documents):
        chosen = [r for r in document.records if r.get("output", True)] or list(document.records)
        if chosen:
            return [index, min(chosen, key=lambda r: (r["start"], -r["end"]))["id"]]
    return None


def _mention_text(value: Any) -> str:
    return ", ".join(m.get("text", "") for m in _mentions(value))


def _records_table(document: ReportDocument, rule_index: dict[str, int], label_index: dict[str, int]) -> str:
    if not document.records:
        return '<p class="muted norec">No records.</p>'
    rows: dict[bool, list[str]] = {True: [], False: []}
    for record in sorted(document.records, key=lambda r: (r["start"], r["id"])):
        args = record["args"]
        if "subject" in args and "object" in args:
            shown = f"{html.escape(_mention_text(args['subject']))} → {html.escape(_mention_text(args['object']))}"
            others = [k for k in args if k not in ("subject", "object")]
        else:
            shown = html.escape(record["text"])
            others = list(args)
        extra = "; ".join(f"{html.escape(k)}={html.escape(_mention_text(args[k]))}" for k in others)
        attrs = " ".join(
            f'<span class="attr">{html.escape(str(k))}: {html.escape(str(v))}</span>'
            for k, v in record.get("attrs", {}).items()
        )
        kind = "rel" if record.get("output", True) else "ent"
        rows[kind == "rel"].append(
            f'<tr class="{kind} R{rule_index[record["rule"]]} L{label_index[record["label"]]}" '
            f'data-r="{record["id"]}"><td><span class="tag">{html.escape(record["label"])}</span></td>'
            f'<td class="what">{shown}{" · " + extra if extra else ""}</td><td>{attrs}</td>'
            f'<td class="rule">{html.escape(record["rule"])}</td>'
            f'<td class="off">{record["start"]}–{record["end"]}</td></tr>'
        )
    head = (
        '<table class="records"><thead><tr><th>label</th><th>match</th><th>attributes</th><th>rule</th>'
        "<th>offsets</th></tr></thead><tbody>"
    )
    shown = head + "".join(rows[True]) + "</tbody></table>" if rows[True] else ""
    if rows[False]:
        # entity records (rules with output: false) stay folded: they are what relations are built from
        count = len(rows[False])
        shown += (
            f'<details class="ents"><summary>{count} entity record{"s" * (count != 1)}</summary>'
            + head
            + "".join(rows[False])
            + "</tbody></table></details>"
        )
    return shown


def render_report(
    documents: Sequence[ReportDocument],
    pack: CompiledPack | Sequence[RuleInfo],
    title: str = "koie report",
    notes: Sequence[tuple[str, str]] = (),
    graph_label: str = "MEETING",
    page_size: int = PAGE_SIZE,
    open_first: bool = False,
) -> str:
    """The page as a string (see :func:`write_report`)."""
    import io

    buffer = io.StringIO()
    write_report(buffer, documents, pack, title, notes, graph_label, page_size, open_first)
    return buffer.getvalue()


def write_explain_page(
    pack: Pack,
    extraction: Extraction,
    suppressed: Sequence[Record] = (),
    not_matched: dict[str, list[dict[str, Any]]] | None = None,
    output: str | None = None,
) -> None:
    """``koie explain --html``: the sentence's page, with its analysis and why other rules did not match."""
    from koie.explain import render_explanation, render_why_not

    notes = [("Analysis", "\n".join(" ".join(m.notation for m in s.morphemes) for s in extraction.document.sentences))]
    if suppressed:
        notes.append(
            (
                "Suppressed",
                "\n\n".join(
                    f"{r.label} {r.text!r} [{r.start}:{r.end}]\n{render_explanation(explain_record(pack.compiled, r))}"
                    for r in suppressed
                ),
            )
        )
    if not_matched:
        notes.append(
            (
                "Not matched",
                "\n\n".join(render_why_not(report) for reports in not_matched.values() for report in reports),
            )
        )
    text = extraction.document.text
    title = f"koie explain: {text[:40]}{'…' * (len(text) > 40)}"
    page = render_report([report_document(pack.compiled, extraction)], pack.compiled, title, notes, open_first=True)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as out:
            out.write(page)
    else:
        sys.stdout.write(page)
        sys.stdout.flush()


# -- from the command line ----------------------------------------------------------------------------------


def report_documents(pack: Pack, documents: Sequence[Any], published: str | None = None) -> list[ReportDocument]:
    """Analyse and extract a batch of :class:`koie.run.inputs.InputDocument`, in one Kiwi call."""
    analysed = pack.analyzer.analyze_many([d.text for d in documents])
    # a document's own publication date (JSON Lines field "published") wins over --published
    return [
        report_document(
            pack.compiled, pack.extract_document(analysis, document.id, document.meta.get("published") or published)
        )
        for document, analysis in zip(documents, analysed)
    ]


def run_report(
    pack: Pack,
    inputs: tuple[str, ...],
    output: str | None = None,
    encoding: str = "utf-8",
    lossy: bool = False,
    jsonl: bool | None = None,
    errors_file: str | None = None,
    quiet: bool = False,
    published: str | None = None,
    progress: Any = None,
    title: str | None = None,
) -> RunSummary:
    """``koie run --format html``: read a corpus, write one report page; a bad document never stops it."""
    from koie.run.inputs import DocumentProblem, InputDocument, batched, read_inputs
    from koie.run.runner import RunSummary

    summary = RunSummary()
    documents: list[ReportDocument] = []
    errors_out = open(errors_file, "w", encoding="utf-8") if errors_file else None  # noqa: SIM115 (closed in finally)

    def report(problem: DocumentProblem) -> None:
        summary.problems.append(problem)
        if not quiet or problem.code != "E402":
            print(f"{problem.id}: {problem.code} {problem.message}", file=sys.stderr)
        if errors_out is not None:
            errors_out.write(json.dumps(problem.to_json(), ensure_ascii=False) + "\n")

    try:
        for batch in batched(read_inputs(inputs, encoding=encoding, lossy=lossy, jsonl=jsonl), 32):
            good = [item for item in batch if isinstance(item, InputDocument)]
            for item in batch:
                if isinstance(item, DocumentProblem):
                    report(item)
            try:
                documents.extend(report_documents(pack, good, published))
            except Exception:
                for document in good:
                    try:
                        documents.extend(report_documents(pack, [document], published))
                    except Exception as error:
                        report(DocumentProblem(document.id, "E405", f"{error.__class__.__name__}: {error}"))
            if progress is not None:
                progress.advance(len(good))
    finally:
        if errors_out is not None:
            errors_out.close()
        if progress is not None:
            progress.close()
    summary.documents = len(documents) + sum(1 for p in summary.problems if p.code == "E405")
    summary.records = sum(1 for d in documents for r in d.records if r.get("output", True))
    title = title or f"koie report: {pack.name}"
    if output:
        # written next to the target and renamed, so a failed run never leaves half a page
        directory = os.path.dirname(os.path.abspath(output))
        handle, temporary = tempfile.mkstemp(prefix=".koie-", suffix=".part", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                write_report(out, documents, pack.compiled, title)
            # mkstemp makes the file private (0600); a report is an ordinary output file
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, output)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    else:
        write_report(sys.stdout, documents, pack.compiled, title)
        sys.stdout.flush()
    if not quiet:
        print(run_summary(summary.documents, summary.records, len(summary.problems)), file=sys.stderr)
    return summary
