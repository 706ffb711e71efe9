"""An HTML report: documents with every record highlighted, explanations on click, who met whom.

The page is one self-contained file (CSS and JS inline, no network). Each
document's highlighted text is rendered here, in Python, into a
``<template>`` that the page instantiates one page of documents at a time,
so a corpus of a thousand documents opens quickly and the file grows
linearly. The records of a document, with their explanations, sit next to
it in a ``<script type="application/json">`` parsed only when shown.

The records are the runner's (``koie run --format html`` writes them through
:class:`koie.report.sink.HtmlSink`); :func:`report_document` makes a
document's the same way from one extraction.

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> document = report_document(pack.compiled, pack.extract_document("홍길동 사장이 김철수 대표와 만났다.", "a"))
>>> page = render_report([document], pack.compiled, title="hello")
>>> page.startswith("<!doctype html>"), page.count("<template ")
(True, 1)
"""

from __future__ import annotations

import html
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TextIO

from koie.engine.extract import CompiledPack, Extraction, Record
from koie.explain import explain_record
from koie.lang.spec import RelationSpec
from koie.report.documents import ReportDocument, mentions_of, report_document
from koie.report.graph import MeetingGraph, graph_json, graph_svg, meeting_graph

if TYPE_CHECKING:  # pragma: no cover
    from koie.api import Pack

__all__ = [
    "PAGE_SIZE",
    "PALETTE",
    "ReportDocument",
    "RuleInfo",
    "highlight_html",
    "render_report",
    "report_document",
    "rule_infos",
    "script_json",
    "write_explain_page",
    "write_report",
]

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


def _allmentions_of(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for value in record["args"].values():
        yield from mentions_of(value)


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
        for mention in _allmentions_of(record):
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
    pair = arrow_roles(record["args"])
    return record | {"explanation": explanation} | ({"arrow": list(pair)} if pair else {})


def arrow_roles(args: dict[str, Any]) -> tuple[str, str] | None:
    """The two roles of a relation the page draws an arrow between: from the first to the second.

    ``subject`` → ``object`` where a record has both (a MEETING's date may come between them);
    otherwise the first two roles that hold a mention, in the record's order (the order of the
    rule's captures: acquirer → target). None for a record with fewer.

    >>> arrow_roles({"acquirer": {"text": "A"}, "target": {"text": "B"}, "amount": {"text": "1억"}})
    ('acquirer', 'target')
    >>> arrow_roles({"subject": {"text": "A"}, "date": {"text": "19일"}, "object": [{"text": "B"}]})
    ('subject', 'object')
    """
    roles = [role for role, value in args.items() if mentions_of(value)]
    if "subject" in roles and "object" in roles:
        return "subject", "object"
    return (roles[0], roles[1]) if len(roles) >= 2 else None


def write_report(
    out: TextIO,
    documents: Sequence[ReportDocument],
    pack: CompiledPack | Sequence[RuleInfo],
    title: str = "koie report",
    notes: Sequence[tuple[str, str]] = (),
    graph_label: str | None = None,
    page_size: int = PAGE_SIZE,
    open_first: bool = False,
) -> None:
    """Write the page for ``documents`` to ``out``; ``notes`` are extra (heading, text) sections.

    The graph draws ``graph_label``'s records (default: MEETING, else the first
    label the pack's ``relations:`` declares), each pair the pack's relation
    gives (:mod:`koie.engine.relations`). With ``open_first`` the page opens the
    explanation of the first output record.
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
    spec = pack.resolved.spec if isinstance(pack, CompiledPack) else None
    declared = dict(spec.relations) if spec is not None else {}
    if graph_label is None:
        graph_label = "MEETING" if "MEETING" in labels or not declared else next(iter(declared))
    relations = {label: declared.get(label) or RelationSpec(label) for label in labels}
    has_graph = any(r.label == graph_label for r in rules)
    anaphors = tuple(spec.anaphora) if spec is not None else ()
    graph = (
        meeting_graph(documents, graph_label, relations.get(graph_label), anaphors)
        if has_graph
        else MeetingGraph([], [])
    )
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
        "graph": graph_json(graph) if has_graph else None,
        "graphLabel": graph_label,
        # who is related to whom in each label's records: the arcs over the text follow it
        "relations": {
            label: {"pairs": [list(pair) for pair in r.pairs], "all_pairs": list(r.all_pairs)}
            for label, r in relations.items()
        },
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
    graph_title = "Who met whom" if graph_label == "MEETING" else f"{graph_label}: who with whom"
    if has_graph:
        write(f'<button type="button" data-tab="graph">{html.escape(graph_title)} ({len(graph.edges)})</button>')
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
            f'<section id="graph-view" hidden><h2>{html.escape(graph_title)}</h2><p class="muted">People are nodes, '
            f"{html.escape(graph_label)} records are edges, one for each pair a record relates "
            f"(dashed when every record is planned or denied); "
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
    return ", ".join(m.get("text", "") for m in mentions_of(value))


def _records_table(document: ReportDocument, rule_index: dict[str, int], label_index: dict[str, int]) -> str:
    if not document.records:
        return '<p class="muted norec">No records.</p>'
    rows: dict[bool, list[str]] = {True: [], False: []}
    for record in sorted(document.records, key=lambda r: (r["start"], r["id"])):
        args = record["args"]
        pair = arrow_roles(args)
        if pair is not None:
            first, second = pair
            shown = f"{html.escape(_mention_text(args[first]))} → {html.escape(_mention_text(args[second]))}"
            others = [k for k in args if k not in pair]
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
    graph_label: str | None = None,
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

    def explained(record: Record) -> str:
        explanation = explain_record(pack.compiled, record)
        return f"{record.label} {record.text!r} [{record.start}:{record.end}]\n{render_explanation(explanation)}"

    notes = [("Analysis", "\n".join(" ".join(m.notation for m in s.morphemes) for s in extraction.document.sentences))]
    if suppressed:
        notes.append(("Suppressed", "\n\n".join(explained(r) for r in suppressed)))
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
