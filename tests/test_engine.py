"""Phases, overlap policies and determinism of the engine (no Kiwi model)."""

from __future__ import annotations

import json

from koie.explain import render_explanation
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


# -- record origins ------------------------------------------------------------------------------------------

REPEAT_RULES = [
    {"id": "person", "label": "PERSON", "pattern": "/NNP (?= 회장/NNG)"},
    {"id": "met", "label": "MET", "pattern": "[PERSON:a] ~2 [PERSON:b] ~2 만나/VV"},
]


def test_engine_repeated_mentions_have_their_origin_and_the_rule_that_found_the_text(tmp_path) -> None:
    """Another mention of a found name is a record of origin REPEATED whose rule is the rule that found the
    name (a rule of the pack, not a made-up id); the output still names it ``repeat:LABEL``."""
    from koie.engine.extract import Origin

    pack = notation_pack(tmp_path, REPEAT_RULES, mentions={"PERSON": {"repeat": True}})
    extraction = pack.extract_document(
        "김철수/NNP 회장/NNG+이/JKS 왔/VV+다/EF || 박영희/NNP+와/JKB 김철수/NNP+가/JKS 만나/VV"
    )
    people = [r for r in extraction.records if r.label == "PERSON"]
    assert [(r.text, r.origin) for r in people] == [
        ("김철수", Origin.RULE),
        ("김철수", Origin.REPEATED),
    ]
    repeated = people[1]
    assert repeated.rule == "person" and pack.compiled.rule(repeated.rule).rule.label == "PERSON"
    assert repeated.found_by == "repeat:PERSON" == repeated.to_json()["rule"]
    assert repeated.attrs["repeat_of"] == {"text": "김철수", "start": 0, "end": 3}


def test_engine_explains_a_record_filled_by_a_repeated_mention(tmp_path) -> None:
    """A record whose slot a repeated mention filled is explained (it raised KeyError: 'repeat:PERSON')."""
    from koie.engine.extract import Origin
    from koie.explain import explain_record

    pack = notation_pack(tmp_path, REPEAT_RULES, mentions={"PERSON": {"repeat": True}})
    extraction = pack.extract_document(
        "김철수/NNP 회장/NNG+과/JKB 박영희/NNP 회장/NNG || 박영희/NNP+와/JKB 김철수/NNP+가/JKS 만나/VV"
    )
    (met,) = [r for r in extraction.records if r.label == "MET" and r.sentence == 1]
    assert {m.filler.origin for m in met.args.values()} == {Origin.REPEATED}  # type: ignore[union-attr]
    fillers = [step["filled_by"] for step in explain_record(pack.compiled, met)["steps"] if "filled_by" in step]
    assert [(f["rule"], f["text"]) for f in fillers] == [("repeat:PERSON", "박영희"), ("repeat:PERSON", "김철수")]
    assert met.to_json()["args"]["a"]["rule"] == "repeat:PERSON"


# -- caches live as long as their pack ------------------------------------------------------------------------


def _module_sizes() -> dict[str, int]:
    """How much every container held by a module of the compiler, the matcher and the engine holds."""
    import sys

    sizes = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith(("koie.lang", "koie.vm", "koie.engine", "koie.analysis.morphemes", "koie._slots")):
            continue
        for attribute, value in vars(module).items():
            if isinstance(value, (dict, list, set)) and not attribute.startswith("__"):
                sizes[f"{name}.{attribute}"] = len(value)
    return sizes


def _live_native_objects() -> int:
    import gc

    from koie import native

    kinds = tuple(
        getattr(module, kind)
        for module, kind in (
            (native.load("koie.vm._runtime"), "Runtime"),
            (native.load("koie.vm._runtime"), "NativeSentence"),
            (native.load("koie.vm._vm"), "NativeProgram"),
            (native.load("koie.engine._extract"), "NativePack"),
        )
        if module is not None
    )
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, kinds)) if kinds else 0


def test_engine_caches_go_with_their_packs(tmp_path) -> None:
    """A program that loads and drops pack after pack (fifty, each with its own rules and look-arounds)
    keeps nothing of the ones it dropped: no module's container grows, and every native runtime,
    program and sentence goes with its pack."""
    before = _live_native_objects()
    sizes: dict[str, int] = {}
    for number in range(50):
        word = f"낱말{number}"
        pack = notation_pack(
            tmp_path,
            [
                {"id": "p", "label": "PERSON", "pattern": f"/NNP (?= {word}/NNG) (?<! 안/MAG)"},
                {"id": "m", "label": "M", "pattern": "[PERSON:s] @T ~2 (?! 않/VX) 만나/VV"},
            ],
            lexicons={"T": [word, f"{word} 사장"]},
            mentions={"PERSON": {"repeat": True}},
        )
        records = pack.extract(f"김/NNP {word}/NNG+이/JKS 만나/VV+었/EP+다/EF || 김/NNP+이/JKS 왔/VV")
        assert [r.label for r in records] == ["PERSON", "M"]
        if number == 0:
            sizes = _module_sizes()
        del pack, records
    assert _module_sizes() == sizes
    assert _live_native_objects() == before


def test_engine_a_rule_whose_slots_are_only_in_a_negative_lookahead_runs_without_spans(tmp_path) -> None:
    """(?! [PERSON]) /NNP matched nothing in a sentence with no PERSON at all: the rule was skipped there."""
    pack = notation_pack(
        tmp_path,
        [
            {"id": "person", "label": "PERSON", "pattern": "/NNP (?= 사장/NNG)", "output": False},
            {"id": "other", "label": "NOT_PERSON", "pattern": "(?! [PERSON]) /NNP"},
            {"id": "needs", "label": "NEEDS", "pattern": "(?= [PERSON]) /NNP"},
        ],
    )
    assert pack.compiled.rule("other").rule.needs_spans is False
    assert pack.compiled.rule("needs").rule.needs_spans is True
    assert [r.text for r in pack.extract("한빛전자/NNP+가/JKS 오/VV+었/EP+다/EF")] == ["한빛전자"]
    kept = pack.extract("박지훈/NNP 사장/NNG+과/JC 한빛전자/NNP")
    assert [(r.rule, r.text) for r in kept] == [("needs", "박지훈"), ("other", "한빛전자")]


ACQUISITION = (
    "[ORG:acquirer] 이/JKS [ORG:target] 을/JKO"
    " ( 인수/NNG 하/XSV 었/EP {status=asserted} | 인수/NNG 를/JKO 추진/NNG {status=planned} )"
)


def test_engine_attributes_come_from_the_branch_that_matched(tmp_path) -> None:
    """{key=value} in an alternative sets the record's attrs; the rule's attrs are the defaults."""
    pack = notation_pack(
        tmp_path,
        [
            {"id": "org", "label": "ORG", "pattern": "/NNP", "output": False},
            {"id": "acq", "label": "ACQ", "attrs": {"status": "unknown", "kind": "deal"}, "pattern": ACQUISITION},
        ],
    )
    asserted, planned = pack.extract(
        "A/NNP+이/JKS B/NNP+을/JKO 인수/NNG+하/XSV+었/EP+다/EF ./SF "
        "A/NNP+이/JKS C/NNP+을/JKO 인수/NNG+를/JKO 추진/NNG+하/XSV+었/EP+다/EF ./SF"
    )
    assert (asserted.attrs, planned.attrs) == (
        {"status": "asserted", "kind": "deal"},
        {"status": "planned", "kind": "deal"},
    )
    explanation = pack.explain(planned)
    assert explanation["sets"] == [
        {"element": "{status=planned}", "where": explanation["sets"][0]["where"], "key": "status", "value": "planned"}
    ]
    assert "{status=planned}     sets status=planned" in render_explanation(explanation)


def test_engine_overlap_per_args_lets_records_with_other_roles_stay(tmp_path) -> None:
    """An asserted (A, B) is not suppressed by a longer planned (A, C) with per: args; a duplicate (A, B) is."""
    rules = [
        {"id": "org", "label": "ORG", "pattern": "/NNP", "output": False},
        {"id": "asserted", "label": "ACQ", "pattern": "[ORG:acquirer] 이/JKS [ORG:target] 을/JKO 샀/VV"},
        {
            "id": "planned",
            "label": "ACQ",
            "pattern": "[ORG:acquirer] 이/JKS ~4 [ORG:target] 을/JKO 살/VV 계획/NNG",
        },
    ]
    document = "A/NNP+이/JKS B/NNP+을/JKO 샀/VV+고/EC C/NNP+을/JKO 살/VV 계획/NNG+이/VCP+다/EF"
    per_label = notation_pack(tmp_path, rules)
    assert [r.rule for r in per_label.extract(document)] == ["planned"]
    per_args = notation_pack(tmp_path, rules, overlap={"ACQ": {"policy": "longest", "per": "args"}})
    kept = per_args.extract(document)
    assert [(r.rule, r.args["target"].text) for r in kept] == [("asserted", "B"), ("planned", "C")]
    roles = notation_pack(tmp_path, rules, overlap={"ACQ": {"per": ["acquirer"]}})
    assert [r.rule for r in roles.extract(document)] == ["planned"]  # same acquirer: they compete


def test_engine_matches_all_keeps_overlapping_records_of_one_rule(tmp_path) -> None:
    rules = [{"id": "r", "label": "X", "pattern": "/NNP+ 사장/NNG", "matches": "all"}]
    document = "A/NNP B/NNP 사장/NNG"
    assert [r.text for r in notation_pack(tmp_path, rules).extract(document)] == ["A B 사장"]  # longest wins
    everything = notation_pack(tmp_path, rules, overlap={"X": "all"})
    assert [r.text for r in everything.extract(document)] == ["A B 사장", "B 사장"]
