"""Explanations: which element matched which morphemes, and why a rule did not match."""

from __future__ import annotations

from koie.explain import explain_record, render_explanation, render_why_not, why_not
from tests.helpers import notation_pack

RULES = [
    {"id": "p", "label": "PERSON", "pattern": "/NNP", "output": False},
    {"id": "m", "label": "MEETING", "pattern": "[PERSON:s] 이/JKS [PERSON:o] 와/JKB 만나/VV"},
]


def test_explain_record_aligns_elements_to_morphemes(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES)
    (record,) = pack.extract("A/NNP+이/JKS B/NNP+와/JKB 만나/VV+었/EP+다/EF")
    explanation = explain_record(pack.compiled, record)
    assert explanation["rule"] == "m" and explanation["where"].endswith(":7")
    elements = [(s["element"], [f"{m['form']}/{m['tag']}" for m in s["morphemes"]]) for s in explanation["steps"]]
    assert elements == [
        ("[PERSON:s]", ["A/NNP"]),
        ("이/JKS", ["이/JKS"]),
        ("[PERSON:o]", ["B/NNP"]),
        ("와/JKB", ["와/JKB"]),
        ("만나/VV", ["만나/VV"]),
    ]
    assert explanation["steps"][0]["filled_by"]["rule"] == "p"
    text = render_explanation(explanation)
    assert "[PERSON:s]" in text and "A/NNP" in text


def test_explain_why_not_names_the_failing_element(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES)
    extraction = pack.extract_document("A/NNP+이/JKS B/NNP+와/JKB 통화/NNG")
    kept = {"PERSON": [r for r in extraction.records if r.label == "PERSON"]}
    (report,) = why_not(pack.compiled, extraction.document, "m", kept)
    assert [e["element"] for e in report["expected"]] == ["만나/VV"]
    assert report["found"]["notation"] == "통화/NNG"
    assert "expected 만나/VV" in render_why_not(report)


def test_explain_why_not_reports_missing_labels(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES)
    extraction = pack.extract_document("회사/NNG+이/JKS")
    (report,) = why_not(pack.compiled, extraction.document, "m", {})
    assert report["missing_labels"] == ["PERSON"]


#: An investment rule whose literal 기로 reads alone as 기/NNG 로/JKB (crossroads), while the text has 기/ETN.
INVEST_RULES = [
    {"id": "org", "label": "ORG", "pattern": "/NNP 전자/NNG?", "output": False},
    {"id": "money", "label": "MONEY", "pattern": "/SN 억/NR? 원/NNB", "output": False},
    {"id": "invest", "label": "INVESTMENT", "pattern": "[ORG] $SUBJECT ~3 [MONEY]? ~2 투자하 기로 하"},
    {"id": "either", "label": "INVESTMENT", "pattern": "([ORG] $SUBJECT | @COMPANY $SUBJECT) ~3 투자하 기로 하"},
    {"id": "both", "label": "INVESTMENT", "pattern": "([ORG] | [MONEY]) ~3 [MONEY] ~3 투자하"},
]
INVEST_FRAGMENTS = {"투자하": "투자/NNG 하/XSV", "기로": "기/NNG+로/JKB", "하": "하/VV", "이": "이/JKS", "은": "은/JX"}
INVESTED = "한빛/NNP+전자/NNG+가/JKS 가온바이오/NNP+에/JKB 투자/NNG+하/XSV+기/ETN+로/JKB 하/VV+었/EP+다/EF"


def _invest_why_not(tmp_path, document: str, rule: str) -> dict:
    pack = notation_pack(
        tmp_path, INVEST_RULES, INVEST_FRAGMENTS, macros={"SUBJECT": "(이 | 은)"}, lexicons={"COMPANY": ["한빛전자"]}
    )
    extraction = pack.extract_document(document)
    kept: dict = {}
    for record in extraction.records:
        kept.setdefault(record.label, []).append(record)
    (report,) = why_not(pack.compiled, extraction.document, rule, kept)
    return report


def test_explain_why_not_blames_the_element_that_failed_where_it_failed(tmp_path) -> None:
    """Not the literal 투자하 half-way through (its 하 was still to come), but 기로, on the 기/ETN it refused."""
    report = _invest_why_not(tmp_path, INVESTED, "invest")
    assert [e["element"] for e in report["expected"]] == ["기로"]
    assert report["found"]["notation"] == "기/ETN"
    assert report["matched"]["morphemes"][-2:] == ["투자/NNG", "하/XSV"]
    text = render_why_not(report)
    assert "then expected 기로 (기/N* 로|으로/J*) but found 기/ETN at 16" in text
    # the tail of 투자하 took 기/ETN as an ending, and the same attempt tried 기로 at 로/JKB too
    assert "the same attempt also tried at 로/JKB at 17" in text


def test_explain_why_not_names_only_labels_every_match_needs(tmp_path) -> None:
    """[MONEY]? is optional: no "needs [MONEY]"; a label needed on every path is named, one of several as A|B."""
    assert "missing_labels" not in _invest_why_not(tmp_path, INVESTED, "invest")
    both = _invest_why_not(tmp_path, INVESTED, "both")
    assert both["missing_labels"] == ["MONEY"]
    assert "needs [MONEY], but no such span" in render_why_not(both)
    no_org = _invest_why_not(tmp_path, "투자/NNG+하/XSV+었/EP+다/EF", "invest")
    assert no_org["missing_labels"] == ["ORG"]


def test_explain_why_not_lists_each_alternative_once(tmp_path) -> None:
    """A macro used in two branches makes two elements per literal: the report names each text once."""
    report = _invest_why_not(
        tmp_path, "한빛/NNP+전자/NNG+에서/JKB 가온바이오/NNP+에/JKB 투자/NNG+하/XSV+었/EP+다/EF", "either"
    )
    assert [e["element"] for e in report["expected"]] == ["이", "은"]
    assert "then expected 이 (이|가/J*), 은 (은|ᆫ|는/J*) but found 에서/JKB at 4" in render_why_not(report)


def test_explain_why_not_leaves_an_optional_continuation_out(tmp_path) -> None:
    """/NNP+ could take one more /NNP where 회장 was due: the report names 회장, not /NNP."""
    pack = notation_pack(tmp_path, [{"id": "m", "label": "M", "pattern": "/NNP+ 회장/NNG"}])
    extraction = pack.extract_document("김/NNP 철수/NNP 사장/NNG")
    (report,) = why_not(pack.compiled, extraction.document, "m", {})
    assert [e["element"] for e in report["expected"]] == ["회장/NNG"]
    assert report["found"]["notation"] == "사장/NNG"


LOOK_RULES = [
    {"id": "title-after-name", "label": "TITLE", "pattern": "(?<= /NNP) 회장/NNG"},
    {"id": "title-not-after-name", "label": "TITLE", "pattern": "(?<! /NNP) 사장/NNG"},
    {"id": "staff-after-head", "label": "X", "pattern": "(?<= 대표/NNG) 회사/NNG? 직원/NNG"},
]


def test_explain_why_not_names_what_a_match_consumes_first_not_a_look_around(tmp_path) -> None:
    """A rule that starts with a look-around and consumed nothing: the report names its first
    consuming element, and says so when a condition stopped the attempts where it could start."""
    pack = notation_pack(tmp_path, LOOK_RULES)
    extraction = pack.extract_document("회사/NNG 회장/NNG 홍/NNP 사장/NNG 대표/NNG")
    (nowhere,) = why_not(pack.compiled, extraction.document, "title-after-name", {})
    assert nowhere["reason"] == "회장/NNG could start at 회장/NNG at 3, but the condition (?<= /NNP) failed there"
    assert nowhere["stopped"] == [{"element": "(?<= /NNP)", "kind": "lookaround", "position": 1}]
    (blocked,) = why_not(pack.compiled, extraction.document, "title-not-after-name", {})
    assert "사장/NNG could start at 사장/NNG" in blocked["reason"] and "(?<! /NNP) failed" in blocked["reason"]
    assert "(?<! /NNP) failed there" in render_why_not(blocked)
    missing = pack.extract_document("회사/NNG 직원/NNG")
    (absent,) = why_not(pack.compiled, missing.document, "title-after-name", {})
    assert (
        absent["reason"] == "the pattern's first element that consumes a morpheme (회장/NNG) matched nowhere "
        "in the sentence"
    )
    assert "stopped" not in absent
    # an optional first element: no start filter, so attempts start everywhere
    (anywhere,) = why_not(pack.compiled, missing.document, "staff-after-head", {})
    assert (
        anywhere["reason"] == "no attempt got past the start: the condition (?<= 대표/NNG) failed first at "
        "회사/NNG at 0"
    )


REPEAT_RULES = [
    {"id": "p", "label": "PERSON", "pattern": "/NNP (?= 회장/NNG)", "output": False},
    {"id": "m", "label": "MEETING", "pattern": "[PERSON:s] 이/JKS [PERSON:o] 와/JKB 만나/VV"},
]
#: 김철수 and 박영희 are found by rule p (before 회장); in the last sentence they are repeated mentions
REPEATED = (
    "김철수/NNP 회장/NNG+이/JKS 왔다/VV || 박영희/NNP 회장/NNG ./SF || "
    "김철수/NNP+이/JKS 박영희/NNP+와/JKB 만나/VV+었/EP+다/EF"
)


def test_explain_record_whose_slot_a_repeated_mention_filled(tmp_path) -> None:
    """A slot filled by a repeated mention (mentions: {PERSON: {repeat: true}}) is explained as one:
    the mention it repeats, and the rule that found that one (its explanation raised KeyError)."""
    pack = notation_pack(tmp_path, REPEAT_RULES, mentions={"PERSON": {"repeat": True}})
    extraction = pack.extract_document(REPEATED)
    (meeting,) = [r for r in extraction.records if r.label == "MEETING"]
    explanation = explain_record(pack.compiled, meeting)
    subject, obj = (step["filled_by"] for step in explanation["steps"] if "filled_by" in step)
    assert (subject["rule"], subject["text"], subject["start"]) == ("repeat:PERSON", "김철수", 20)
    assert subject["where"] == pack.compiled.resolved.spec.file
    where = pack.compiled.rule("p").rule.spec.where
    assert subject["repeat_of"] == {"rule": "p", "text": "김철수", "start": 0, "end": 3, "where": where}
    assert obj["repeat_of"] == {"rule": "p", "text": "박영희", "start": 11, "end": 14, "where": where}
    text = render_explanation(explanation)
    assert f"(a repeated mention of the PERSON '김철수' [0:3], found by rule p at {where})" in text
    # without the document's other records: the same (the repeated mention knows the rule that found it)
    alone = explain_record(pack.compiled, meeting)
    assert alone["steps"][0]["filled_by"]["repeat_of"] == subject["repeat_of"]
    # the repeated mention's own explanation is as before
    repeated = next(r for r in extraction.records if r.found_by == "repeat:PERSON")
    assert explain_record(pack.compiled, repeated)["steps"][0]["kind"] == "repeat"
