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
