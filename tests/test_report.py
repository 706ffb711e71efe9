"""The HTML report without a browser: escaping, offsets, size, self-containment, the who-met-whom graph."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main
from koie.report.graph import graph_svg, layout_graph, meeting_graph, person_key
from koie.report.html import (
    ReportDocument,
    highlight_html,
    render_report,
    report_document,
    script_json,
)

MEETING = "홍길동 사장이 김철수 대표와 만났다."
TRICKY = (
    '<script>alert("x")</script> & \'따옴표\' "q" &amp; 😀 a<b>c\r\n'
    "홍길동 사장이 김철수 대표와 만났다. </template><!-- 끝 -->"
)


class _Pieces(HTMLParser):
    """Collects, per template, the text of the highlighted document and its pieces (span.s)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.docs: dict[str, dict[str, object]] = {}
        self.scripts: dict[str, str] = {}
        self._template: str | None = None
        self._script: str | None = None
        self._in_text = 0
        self._piece: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "template":
            self._template = attr["id"]
            self.docs[self._template] = {"text": "", "pieces": []}
        elif tag == "script" and attr.get("type") == "application/json":
            self._script = attr["id"]
            self.scripts[self._script] = ""
        elif tag == "div" and attr.get("class") == "text" and self._template:
            self._in_text = 1
        elif self._in_text:
            self._in_text += 1
            if tag == "span" and attr.get("class") == "s":
                self._piece = {
                    "s": int(attr["data-s"] or 0),
                    "e": int(attr["data-e"] or 0),
                    "text": "",
                    "r": [int(x) for x in (attr["data-r"] or "").split()],
                }

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._template = None
        elif tag == "script":
            self._script = None
        elif self._in_text:
            self._in_text -= 1
            if tag == "span" and self._piece is not None:
                self.docs[self._template]["pieces"].append(self._piece)  # type: ignore[union-attr, index]
                self._piece = None

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts[self._script] += data
        if self._in_text and self._template:
            self.docs[self._template]["text"] += data  # type: ignore[operator]
            if self._piece is not None:
                self._piece["text"] += data  # type: ignore[operator]


def _parse(page: str) -> _Pieces:
    parser = _Pieces()
    parser.feed(page)
    parser.close()
    return parser


def _documents(pack, texts: list[str]) -> list[ReportDocument]:
    return [report_document(pack.compiled, pack.extract_document(text, f"doc-{i}")) for i, text in enumerate(texts)]


def test_report_document_keeps_hidden_records_with_explanations(hello_pack) -> None:
    (document,) = _documents(hello_pack, [MEETING])
    by_label = {r["label"]: r for r in document.records}
    assert by_label["PERSON"]["output"] is False
    assert by_label["MEETING"]["output"] is True
    meeting = by_label["MEETING"]
    subject = meeting["args"]["subject"]
    assert subject["text"] == "홍길동"
    filler = document.records[subject["ref"]]
    assert (filler["label"], filler["start"], filler["end"]) == ("PERSON", 0, 3)
    steps = meeting["explanation"]["steps"]
    assert steps[0]["element"] == "[PERSON:subject]"
    assert steps[0]["filled_by"]["ref"] == subject["ref"]
    assert [f"{m['form']}/{m['tag']}" for m in steps[0]["morphemes"]] == ["홍길동/NNP"]


def test_report_escapes_html_special_characters(hello_pack) -> None:
    documents = _documents(hello_pack, [TRICKY])
    page = render_report(documents, hello_pack.compiled)
    assert '<script>alert("x")</script>' not in page
    assert "</template><!-- 끝" not in page
    parsed = _parse(page)
    assert parsed.docs["t0"]["text"] == TRICKY
    records = json.loads(parsed.scripts["j0"])
    assert [r["text"] for r in records if r["label"] == "MEETING"] == ["홍길동 사장이 김철수 대표와 만났다"]


def test_report_highlighted_pieces_line_up_with_offsets(hello_pack) -> None:
    texts = [TRICKY, "😀😀 " + MEETING + "\n\n" + MEETING, "아무 일도 없었다."]
    documents = _documents(hello_pack, texts)
    parsed = _parse(render_report(documents, hello_pack.compiled))
    checked = 0
    for index, document in enumerate(documents):
        shown = parsed.docs[f"t{index}"]
        assert shown["text"] == document.text
        pieces = shown["pieces"]
        for piece in pieces:
            assert piece["text"] == document.text[piece["s"] : piece["e"]]
        for record in document.records:
            covered = [p for p in pieces if record["id"] in p["r"]]
            assert covered, record
            assert covered[0]["s"] == record["start"] and covered[-1]["e"] == record["end"]
            assert (
                "".join(p["text"] for p in covered) == document.text[record["start"] : record["end"]] == record["text"]
            )
            checked += 1
    assert checked >= 6  # two PERSON and one MEETING per sentence with a meeting


def test_highlight_puts_overlapping_records_on_different_tracks() -> None:
    text = "가나다 라마바"
    records = [
        {"id": 0, "rule": "r", "label": "A", "start": 0, "end": 3, "text": "가나다", "args": {}},
        {"id": 1, "rule": "r", "label": "A", "start": 0, "end": 7, "text": text, "args": {}},
        {"id": 2, "rule": "r", "label": "A", "start": 4, "end": 7, "text": "라마바", "args": {}},
    ]
    body, tracks = highlight_html(text, records, {"r": 0}, {"A": 0})
    assert tracks == 2
    assert re.findall(r'data-r="(\d)" style="--t:(\d)"', body).count(("1", "1")) == 3  # the long one, below
    assert ("0", "0") in re.findall(r'data-r="(\d)" style="--t:(\d)"', body)
    assert ("2", "0") in re.findall(r'data-r="(\d)" style="--t:(\d)"', body)
    assert 'data-r="0 1"' in body  # innermost first


def test_script_json_cannot_end_its_script() -> None:
    data = {"id": "</script><script>alert(1)</script>", "t": "a & b <!--"}
    text = script_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def _synthetic(count: int) -> list[ReportDocument]:
    """Documents built as data: five kinds, so 10 and 100 documents differ only in number."""
    documents = []
    people = ["홍길동", "김철수", "이영희", "박민수", "최지우"]
    for i in range(count):
        a, b = people[i % 5], people[(i + 1) % 5]
        text = f"{a} 사장이 {b} 대표와 만났다. <{i % 5}> & 기타."
        subject = {"text": a, "start": 0, "end": 3, "label": "PERSON", "rule": "p", "ref": 0}
        obj = {"text": b, "start": 7, "end": 10, "label": "PERSON", "rule": "p", "ref": 1}
        step = {
            "element": "/NNP",
            "kind": "morpheme",
            "where": "x.yaml:1:1",
            "analysis": "/NNP",
            "text": a,
            "start": 0,
            "end": 3,
            "morphemes": [{"form": a, "tag": "NNP", "start": 0, "end": 3}],
        }
        records = (
            {
                "id": 0,
                "rule": "p",
                "label": "PERSON",
                "start": 0,
                "end": 3,
                "text": a,
                "args": {},
                "attrs": {},
                "output": False,
                "explanation": {"rule": "p", "label": "PERSON", "steps": [step]},
            },
            {
                "id": 1,
                "rule": "p",
                "label": "PERSON",
                "start": 7,
                "end": 10,
                "text": b,
                "args": {},
                "attrs": {},
                "output": False,
                "explanation": {"rule": "p", "label": "PERSON", "steps": [step]},
            },
            {
                "id": 2,
                "rule": "m",
                "label": "MEETING",
                "start": 0,
                "end": 20,
                "text": text[:20],
                "args": {"subject": subject, "object": obj},
                "attrs": {"status": "asserted"},
                "output": True,
                "explanation": {"rule": "m", "label": "MEETING", "steps": [step]},
            },
        )
        documents.append(ReportDocument(f"doc-{i:04d}", text, records))
    return documents


def test_report_size_grows_linearly() -> None:
    from koie.report.html import RuleInfo

    rules = [RuleInfo("p", "PERSON", "x.yaml:1", False, "/NNP"), RuleInfo("m", "MEETING", "x.yaml:2", True, "...")]
    empty, ten, hundred = (len(render_report(_synthetic(n), rules).encode()) for n in (0, 10, 100))
    per_document_10 = (ten - empty) / 10
    per_document_100 = (hundred - empty) / 100
    assert 0.9 < per_document_100 / per_document_10 < 1.1, (empty, ten, hundred)


def test_report_is_self_contained(hello_pack) -> None:
    page = render_report(_documents(hello_pack, [MEETING, TRICKY]), hello_pack.compiled)
    assert "<link" not in page and "@import" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    # the one URL in the page is the SVG namespace the script creates elements in, never fetched
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_person_key_prefers_a_resolved_name() -> None:
    assert person_key({"text": "젠슨 황"}) == person_key({"text": "젠슨황"}) == "젠슨황"
    assert person_key({"text": "이 회장", "name": "이도윤"}) == "이도윤"


def test_meeting_graph_groups_people_and_keeps_evidence() -> None:
    def meeting(rid: int, subject: dict, obj: dict, status: str = "asserted") -> dict:
        return {
            "id": rid,
            "rule": "m",
            "label": "MEETING",
            "start": 0,
            "end": 1,
            "text": "x",
            "args": {"subject": subject, "object": obj},
            "attrs": {"status": status},
        }

    documents = [
        ReportDocument("a", "x", (meeting(0, {"text": "이도윤"}, {"text": "라진 메타"}),)),
        ReportDocument(
            "b",
            "x",
            (
                meeting(0, {"text": "이 회장", "name": "이도윤"}, {"text": "라진메타"}, "planned"),
                meeting(1, {"text": "이도윤"}, {"text": "정유진"}),
                meeting(2, {"text": "이도윤"}, {"text": "이도윤"}),  # nobody meets themselves
            ),
        ),
    ]
    graph = meeting_graph(documents)
    names = [node.name for node in graph.nodes]
    assert sorted(names) == ["라진 메타", "이도윤", "정유진"]
    edges = {frozenset((graph.nodes[e.a].key, graph.nodes[e.b].key)): e.evidence for e in graph.edges}
    assert edges == {
        frozenset(("이도윤", "라진메타")): [(0, 0, "asserted", ""), (1, 0, "planned", "")],
        frozenset(("이도윤", "정유진")): [(1, 1, "asserted", "")],
    }
    svg = graph_svg(graph)
    assert svg.count('class="node"') == 3 and svg.count('<g class="edge') == 2
    assert "라진 메타" in svg and "정유진" in svg
    positions, width, height = layout_graph(graph)
    assert layout_graph(graph) == (positions, width, height)  # deterministic
    assert all(0 <= x <= width and 0 <= y <= height for x, y in positions)
    assert len(set(positions)) == 3


def test_meeting_graph_keeps_the_most_connected_people(monkeypatch) -> None:
    from koie.report import graph as report

    monkeypatch.setattr(report, "GRAPH_MAX_NODES", 3)
    records = tuple(
        {
            "id": i,
            "rule": "m",
            "label": "MEETING",
            "start": 0,
            "end": 1,
            "text": "x",
            "attrs": {},
            "args": {"subject": {"text": "허브"}, "object": {"text": f"사람{i}"}},
        }
        for i in range(6)
    )
    graph = report.meeting_graph([ReportDocument("a", "x", records)])
    assert len(graph.nodes) == 3 and graph.hidden_nodes == 4
    assert "허브" in [node.name for node in graph.nodes]


def test_cli_run_format_html_writes_one_page(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) for i, t in enumerate([MEETING, TRICKY, "  "])
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["run", "examples/hello.yaml", str(corpus), "--format", "html", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert [parsed.docs[k]["text"] for k in sorted(parsed.docs)] == [MEETING, TRICKY]
    index = json.loads(parsed.scripts["koie-index"])
    assert [doc[0] for doc in index["docs"]] == ["d0", "d1"]
    assert {node["name"] for node in index["graph"]["nodes"]} == {"홍길동", "김철수"}
    assert sum(len(edge["evidence"]) for edge in index["graph"]["edges"]) == 2


def test_cli_explain_html(tmp_path: Path) -> None:
    out = tmp_path / "explain.html"
    result = CliRunner().invoke(main, ["explain", "examples/hello.yaml", MEETING, "--html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert parsed.docs["t0"]["text"] == MEETING
    index = json.loads(parsed.scripts["koie-index"])
    records = json.loads(parsed.scripts["j0"])
    assert records[index["open"][1]]["label"] == "MEETING"
    assert "Analysis" in page and "홍길동/NNP" in page


def test_cli_explain_output_needs_html(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "examples/hello.yaml", MEETING, "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "--html" in result.output


@pytest.mark.parametrize("count", [0, 1])
def test_report_renders_empty_corpora(count: int, hello_pack) -> None:
    page = render_report(_documents(hello_pack, ["아무 일도 없었다."] * count), hello_pack.compiled)
    index = json.loads(_parse(page).scripts["koie-index"])
    assert len(index["docs"]) == count
    assert index["graph"] == {"nodes": [], "edges": [], "hidden": 0}


# -- the page is a sink of the runner's records -------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"

#: Written for koie: the first sentence's meeting has a repeated mention of 신승현 in a slot (tests/test_cli.py).
REPEATED = (
    "정시우 상무와 신승현 대표의 회동은 서울 여의도에서 열렸다. "
    "업계에 따르면, 신승현 상무는 서도윤 솔빛건설 CEO를 찾아 사업을 논의했다."
)


def _page_documents(page: str) -> dict[str, list[dict]]:
    """Each document's records in a page, by document id."""
    parsed = _parse(page)
    index = json.loads(parsed.scripts["koie-index"])
    return {doc[0]: json.loads(parsed.scripts[f"j{i}"]) for i, doc in enumerate(index["docs"])}


def _run_page_and_records(
    tmp_path: Path, *inputs: str, pack: str = "rules/meetings.yaml"
) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The page of ``koie run --format html`` and the records of ``koie run --all`` (JSON Lines), by document."""
    out = tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(main, ["run", pack, *inputs, "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "E405" not in result.stderr and ", 0 problems" in result.stderr
    lines = runner.invoke(main, ["run", pack, *inputs, "--all", "-q"]).stdout.splitlines()
    records: dict[str, list[dict]] = {}
    for line in lines:
        record = json.loads(line)
        records.setdefault(record.pop("doc"), []).append(record)
    return _page_documents(out.read_text(encoding="utf-8")), records


def _same_records(page: dict[str, list[dict]], records: dict[str, list[dict]]) -> None:
    """The page shows exactly the records the JSON Lines run wrote (with --all), document by document."""
    assert {doc for doc, shown in page.items() if shown} == set(records)
    for doc, shown in page.items():
        plain = [{k: v for k, v in r.items() if k not in ("id", "output", "explanation", "arrow")} for r in shown]
        for record in plain:
            for value in record["args"].values():
                for mention in value if isinstance(value, list) else [value]:
                    mention.pop("ref", None)
        expected = [{k: v for k, v in r.items() if k != "analyzer"} for r in records.get(doc, [])]
        assert plain == expected, doc


def test_run_format_html_explains_a_slot_filled_by_a_repeated_mention(tmp_path: Path) -> None:
    """The page once failed this document (E405 KeyError: 'repeat:PERSON', exit 1) where the JSON Lines
    run worked: it extracted again and explained on its own. Now it shows the runner's records, and the
    slot's filler links to the repeated mention, which says which mention it repeats."""
    source = tmp_path / "repeated.txt"
    source.write_text(REPEATED, encoding="utf-8")
    page, records = _run_page_and_records(tmp_path, str(source), pack="tests/packs/repeated.yaml")
    _same_records(page, records)
    (shown,) = page.values()
    fillers = [
        (record, step["filled_by"])
        for record in shown
        for step in record["explanation"]["steps"]
        if "repeat_of" in step.get("filled_by", {})
    ]
    assert fillers
    assert any(record["label"] == "MEETING" for record, _ in fillers)
    for _record, filler in fillers:
        linked = shown[filler["ref"]]  # the repeated mention is a record of the page too
        assert (linked["rule"], linked["start"], linked["end"]) == ("repeat:PERSON", filler["start"], filler["end"])
        assert filler["repeat_of"]["text"] == "신승현" and filler["repeat_of"]["where"].startswith(
            "tests/packs/repeated.yaml:"
        )


def test_cli_explain_html_of_a_slot_filled_by_a_repeated_mention(tmp_path: Path) -> None:
    out = tmp_path / "explain.html"
    result = CliRunner().invoke(main, ["explain", "tests/packs/repeated.yaml", REPEATED, "--html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    (shown,) = _page_documents(out.read_text(encoding="utf-8")).values()
    assert any("repeat_of" in s.get("filled_by", {}) for r in shown for s in r["explanation"]["steps"])


def test_run_format_html_is_the_same_page_with_workers(tmp_path: Path) -> None:
    """The page is made from the records the runner made, in this process or in worker processes."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate([MEETING] * 40)
        ),
        encoding="utf-8",
    )
    pages = []
    for count in ("1", "2"):
        out = tmp_path / f"report{count}.html"
        arguments = ["run", "examples/hello.yaml", str(corpus), "--format", "html", "-o", str(out), "-q"]
        result = CliRunner().invoke(main, [*arguments, "--no-cache", "--workers", count])
        assert result.exit_code == 0, result.output
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] and pages[0].count(b"<template ") == 40


@pytest.mark.kiwi
@pytest.mark.skipif(not (SHARED / "news").is_dir(), reason="../shared/corpus/news is not on this machine")
def test_run_format_html_on_every_shared_news_document(tmp_path: Path) -> None:
    texts = sorted(os.path.relpath(p, ROOT) for p in (SHARED / "news").glob("*.txt"))
    page, records = _run_page_and_records(tmp_path, *texts)
    assert sorted(page) == texts
    _same_records(page, records)


@pytest.mark.kiwi
@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="../shared/corpus/realnews is not on this machine")
def test_run_format_html_on_every_shared_realnews_document(tmp_path: Path) -> None:
    from tests.test_golden_outputs import realnews_jsonl

    page, records = _run_page_and_records(tmp_path, str(realnews_jsonl(tmp_path)))
    assert len(page) == len(list((SHARED / "realnews").glob("*.txt")))
    _same_records(page, records)


def test_report_draws_an_arrow_for_any_two_role_relation() -> None:
    """Not only subject → object: acquirer → target, in the order of the record's roles."""
    from koie.report.html import RuleInfo, arrow_roles

    text = "한빛전자가 누리소프트를 인수했다."
    acquirer = {"text": "한빛전자", "start": 0, "end": 4, "label": "ORG", "rule": "o"}
    target = {"text": "누리소프트", "start": 6, "end": 11, "label": "ORG", "rule": "o"}
    record = {
        "id": 0,
        "rule": "a",
        "label": "ACQUISITION",
        "start": 0,
        "end": 17,
        "text": text[:17],
        "args": {"acquirer": acquirer, "target": target},
        "attrs": {"status": "asserted"},
        "output": True,
        "explanation": {"rule": "a", "label": "ACQUISITION", "steps": []},
    }
    page = render_report([ReportDocument("d", text, (record,))], [RuleInfo("a", "ACQUISITION", "x.yaml:1", True, "")])
    assert arrow_roles(record["args"]) == ("acquirer", "target")
    assert '"arrow":["acquirer","target"]' in page.replace(" ", "")
    assert "한빛전자 → 누리소프트" in page
    assert arrow_roles({"subject": acquirer}) is None


# -- the graph follows the pack's pair semantics (relations:) --------------------------------------------------


def _record(rid: int, label: str, args: dict) -> dict:
    return {"id": rid, "rule": "r", "label": label, "start": 0, "end": 1, "text": "x", "args": args, "attrs": {}}


def test_meeting_graph_draws_every_pair_of_a_group() -> None:
    group = _record(0, "MEETING", {"participants": [{"text": "가나"}, {"text": "다라"}, {"text": "마바"}]})
    principal = _record(1, "MEETING", {"subject": {"text": "사아"}, "object": [{"text": "가나"}, {"text": "다라"}]})
    graph = meeting_graph([ReportDocument("a", "x", (group, principal))])
    edges = {frozenset((graph.nodes[e.a].key, graph.nodes[e.b].key)) for e in graph.edges}
    # every two participants; the principal with each member, not the members of the object side with each other
    assert edges == {
        frozenset(p) for p in [("가나", "다라"), ("가나", "마바"), ("다라", "마바"), ("사아", "가나"), ("사아", "다라")]
    }
    assert {graph.nodes[i].name: graph.nodes[i].meetings for i in range(len(graph.nodes))}["가나"] == 3


def test_meeting_graph_follows_a_declared_relation_and_skips_anaphors() -> None:
    from koie.lang.spec import RelationSpec

    relation = RelationSpec("DEAL", (("buyer", "seller"),), ())
    deal = _record(0, "DEAL", {"buyer": {"text": "가나"}, "seller": {"text": "다라"}, "subject": {"text": "마바"}})
    unresolved = _record(1, "DEAL", {"buyer": {"text": "이들", "label": "PEOPLE"}, "seller": {"text": "사아"}})
    graph = meeting_graph([ReportDocument("a", "x", (deal, unresolved))], "DEAL", relation, anaphors=("PEOPLE",))
    assert [(graph.nodes[e.a].name, graph.nodes[e.b].name) for e in graph.edges] == [("가나", "다라")]


def test_report_page_graph_and_arcs_follow_the_pack_relations(tmp_path: Path) -> None:
    """A pack whose relation has other roles than subject/object gets a graph of them, and the page's index
    carries each label's relation for the arcs over the text."""
    pack_file = tmp_path / "deals.yaml"
    pack_file.write_text(
        "relations:\n  DEAL: {pairs: [[buyer, seller]]}\n"
        "rules:\n  - {id: person, label: PERSON, output: false, pattern: '/NNP (?= 사장)'}\n"
        "  - id: deal\n    label: DEAL\n    pattern: '[PERSON:buyer] 사장 ~3 [PERSON:seller] 사장 ~3 거래하'\n",
        encoding="utf-8",
    )
    import koie

    pack = koie.load(pack_file)
    document = report_document(pack.compiled, pack.extract_document("홍길동 사장이 김철수 사장과 거래했다.", "d"))
    page = render_report([document], pack.compiled)
    index = json.loads(_parse(page).scripts["koie-index"])
    assert index["graphLabel"] == "DEAL"
    assert index["relations"]["DEAL"] == {"pairs": [["buyer", "seller"]], "all_pairs": []}
    assert index["relations"]["PERSON"] == {"pairs": [["subject", "object"]], "all_pairs": ["participants"]}
    assert {node["name"] for node in index["graph"]["nodes"]} == {"홍길동", "김철수"}
    assert "DEAL: who with whom (1)" in page
