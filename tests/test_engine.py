"""Phases, overlap policies and determinism of the engine (no Kiwi model)."""

from __future__ import annotations

import json

from tests.helpers import notation_pack, spans

RULES = [
    {"id": "short", "label": "X", "pattern": "a/SL", "priority": 5},
    {"id": "long", "label": "X", "pattern": "a/SL b/SL"},
    {"id": "other", "label": "Y", "pattern": "b/SL c/SL"},
]


def test_engine_longest_policy_keeps_longer_and_records_the_winner(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES)
    extraction = pack.extract_document("a/SL b/SL c/SL")
    assert [(r.rule, r.text) for r in extraction.records] == [("long", "a b"), ("other", "b c")]
    (lost,) = extraction.suppressed
    assert lost.rule == "short" and lost.suppressed_by is not None and lost.suppressed_by.rule == "long"


def test_engine_priority_policy(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES, overlap={"X": "priority"})
    assert spans(pack, "a/SL b/SL c/SL", "X") == [("short", "a")]


def test_engine_all_policy_keeps_everything(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES, overlap="all")
    assert sorted(spans(pack, "a/SL b/SL c/SL")) == [("long", "a b"), ("other", "b c"), ("short", "a")]


def test_engine_ties_break_on_rule_id(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "zeta", "label": "X", "pattern": "a/SL"},
            {"id": "alpha", "label": "X", "pattern": "a/SL"},
        ],
    )
    assert spans(pack, "a/SL") == [("alpha", "a")]


def test_engine_output_is_deterministic(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES, overlap="all")
    runs = {
        json.dumps([r.to_json() for r in pack.extract("a/SL b/SL c/SL || a/SL b/SL")], ensure_ascii=False)
        for _ in range(3)
    }
    assert len(runs) == 1


def test_engine_records_offsets_slice_the_text(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "p", "label": "PERSON", "pattern": "/NNP", "output": False},
            {"id": "m", "label": "M", "pattern": "[PERSON:s] 회장/NNG+이/JKS [PERSON:o]"},
        ],
    )
    document = "이재용/NNP 회장/NNG+이/JKS 젠슨황/NNP"
    extraction = pack.extract_document(document)
    text = extraction.document.text
    for record in extraction.records:
        assert text[record.start : record.end] == record.text
        for mention in record.args.values():
            assert not isinstance(mention, tuple)
            assert text[mention.start : mention.end] == mention.text
    (meeting,) = pack.extract(document)
    assert meeting.args["s"].text == "이재용" and meeting.args["o"].text == "젠슨황"


def test_engine_hidden_rules_feed_but_are_not_output(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "p", "label": "PERSON", "pattern": "/NNP", "output": False},
            {"id": "m", "label": "M", "pattern": "[PERSON] 와/JKB"},
        ],
    )
    assert [r.rule for r in pack.extract("A/NNP+와/JKB")] == ["m"]
    assert [r.rule for r in pack.extract("A/NNP+와/JKB", include_hidden=True)] == ["p", "m"]


def test_engine_mention_json_carries_the_filler(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {
                "id": "p",
                "label": "PERSON",
                "pattern": "(?<name> /NNP) @TITLE:title",
                "output": False,
                "attrs": {"kind": "person"},
            },
            {"id": "m", "label": "M", "pattern": "[PERSON:who] 이/JKS"},
        ],
        lexicons={"TITLE": ["회장"]},
    )
    (record,) = pack.extract("A/NNP 회장/NNG+이/JKS")
    who = record.to_json()["args"]["who"]
    assert who["label"] == "PERSON" and who["rule"] == "p" and who["kind"] == "person"
    assert who["args"]["title"]["text"] == "회장" and who["args"]["name"]["text"] == "A"


def test_engine_skips_sentences_without_a_required_form(tmp_path) -> None:
    """Program.required: a sentence lacking every form of a mandatory alternation is never matched."""
    pack = notation_pack(tmp_path, [{"id": "m", "label": "M", "pattern": "/NNP ~3 (만나/VV | 회동/NNG) 다/EF?"}])
    program = pack.compiled.rule("m").program
    assert [sorted(group) for group in program.required] == [["만나", "회동"]]
    assert spans(pack, "A/NNP 통화/NNG || B/NNP 회동/NNG") == [("m", "B 회동")]


def test_engine_leaves_the_cycle_collector_to_its_caller(tmp_path) -> None:
    """Matching neither pauses nor retunes the collector (koie run tunes its own process, koie.cli)."""
    import gc

    pack = notation_pack(tmp_path, RULES, overlap="all")
    document = " || ".join(["a/SL b/SL c/SL"] * 200)
    passes: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(info["generation"])

    thresholds = gc.get_threshold()
    gc.callbacks.append(count)
    # a pass every 100 allocations: matching makes thousands of objects, entering and leaving a few
    gc.set_threshold(100)
    try:
        analysed = pack.analyzer.analyze(document)
        gc.collect()
        passes.clear()
        assert len(pack.extract_document(analysed).records) == 600
        assert len(passes) > 1 and gc.isenabled() and gc.get_threshold()[0] == 100  # collected as the caller set
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(count)


def test_engine_matching_makes_no_reference_cycles(tmp_path) -> None:
    """What koie run's rarer collections rest on (koie.cli): records, mentions and fillers form no cycles."""
    import gc

    pack = notation_pack(
        tmp_path,
        [
            {"id": "p", "label": "PERSON", "pattern": "/NNP", "output": False},
            {"id": "m", "label": "M", "pattern": "[PERSON:s] 회장/NNG+이/JKS [PERSON:o]"},
        ]
        + RULES,
        overlap="all",
    )
    analysed = pack.analyzer.analyze(" || ".join(["이재용/NNP 회장/NNG+이/JKS 젠슨황/NNP a/SL b/SL c/SL"] * 50))
    gc.collect()
    gc.disable()
    try:
        extraction = pack.extract_document(analysed)
        assert len(extraction.records) > 100
        del extraction
        assert gc.collect() == 0
    finally:
        gc.enable()
