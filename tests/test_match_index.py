"""The matcher's shortcuts (start filters, shared sentence indexes, look-around memo) change nothing.

Each pack is run twice over generated morpheme streams: as compiled, and with
every program's start filter removed and look-arounds recomputed at every
call, which is the plain Pike VM. Records and suppressed records must agree.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import koie.vm.match
from koie.analysis.morphemes import parse_notation
from koie.engine.extract import CompiledPack, extract
from koie.lang.compile import StartFilter, compile_pattern
from koie.lang.ir import MorphemeCheck, RAlt, RAnchor, RMorph, RSeq
from tests.helpers import notation_pack

WORDS = [
    "A/NNP",
    "B/NNP",
    "회장/NNG",
    "사장/NNG",
    "이/JKS",
    "가/JKS",
    "와/JKB",
    "만나/VV",
    "었/EP",
    "다/EF",
    "CEO/SL",
    "(/SSO",
    ")/SSC",
    "3/SN",
    "일/NNB",
    "./SF",
    "은/JX",
    "를/JKO",
]

RULES = [
    {"id": "title", "label": "TITLE", "output": False, "pattern": '@T ("(" @T ")")?'},
    {"id": "person", "label": "PERSON", "output": False, "pattern": "(?<! /NNP) /NNP{1,2} (?= /SL? [TITLE])"},
    {"id": "surname", "label": "PERSON", "output": False, "pattern": "(?<! /NN*) A/NNP (?= [TITLE] !/NN*)"},
    {"id": "meet", "label": "MEET", "pattern": "[PERSON:a] ~3 (이 | 은) [PERSON:b] ~3 와 ~4 만나 (?! 지/EC)"},
    {"id": "num", "label": "NUM", "pattern": "(^ | 가/JKS) /SN (일 | 월)? (?= . | $)"},
    {"id": "alt", "label": "ALT", "pattern": "(회장 | /SL /SL?) (?! 이) ~2 다"},
    {"id": "neg", "label": "NEG", "pattern": "!/NNP,SF 와"},
    {"id": "after", "label": "AFTER", "pattern": "(?<= ^ | 와/JKB | ./SF | [PERSON] 가) /NNP (?! /SL | $)"},
    {"id": "end", "label": "END", "pattern": "/NNG (?= (이 | $)) (?<= 회장 ~1 | ^ ~2)"},
]


def _plain(pack: CompiledPack) -> CompiledPack:
    rules = tuple(dataclasses.replace(r, program=dataclasses.replace(r.program, start=None)) for r in pack.rules)
    by_id = {r.rule.id: r for r in rules}
    phases = tuple(tuple(by_id[r.rule.id] for r in phase) for phase in pack.phases)
    return dataclasses.replace(pack, rules=rules, phases=phases)


def _records(pack: CompiledPack, notation: str) -> list[tuple]:
    extraction = extract(pack, parse_notation(notation))
    return [
        (r.rule, r.start, r.end, tuple(sorted((k, str(v)) for k, v in r.to_json()["args"].items())))
        for r in extraction.records + extraction.suppressed
    ]


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    pack = notation_pack(tmp_path_factory.mktemp("p"), RULES, lexicons={"T": ["회장", "사장", "CEO"]})
    return pack.compiled, _plain(pack.compiled)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=1, max_size=14))
def test_match_index_same_records_as_plain_vm(packs, words) -> None:
    fast, plain = packs
    notation = " ".join("+".join(word) for word in words)
    saved = koie.vm.match._look, koie.vm.match.may_start, koie.vm.match._native
    # the reference run: the Python VM, the look-around memo off, and look-around bodies searched
    # from every place their reach allows (their start filters say yes everywhere)
    koie.vm.match._look = koie.vm.match._look_uncached
    koie.vm.match.may_start = lambda start, sentence, origin: True
    koie.vm.match._native = None
    try:
        expected = _records(plain, notation)
    finally:
        koie.vm.match._look, koie.vm.match.may_start, koie.vm.match._native = saved
    assert _records(fast, notation) == expected


@pytest.mark.parametrize(
    "pattern, has_filter",
    [
        ("(?<= /NNP) /NNP", True),
        ("/NNP? 다", False),
        ("(가 | /NNP?) 다", False),
        ("^ (?= x) 가", True),
        ("[PERSON] 와", True),
        ("(^ | /SF) /NNP", True),  # a match starts at the sentence's start or where /SF is
        ("(_ | /SF) /NNP", False),  # a space anchor holds between any two eojeols
        ("($ | 다) 가", True),
    ],
)
def test_match_index_start_filter_only_when_safe(tmp_path, pattern, has_filter) -> None:
    rules = [
        {"id": "p", "label": "PERSON", "output": False, "pattern": "/NNP"},
        {"id": "r", "label": "X", "pattern": pattern},
    ]
    pack = notation_pack(tmp_path, rules)
    assert (pack.compiled.rule("r").program.start is not None) == has_filter


def test_match_index_filter_of_a_literal() -> None:
    check = MorphemeCheck(frozenset({"회장"}))
    program = compile_pattern(RSeq((RMorph(check, 0),)))
    assert program.start == StartFilter(checks=(check,))
    document = parse_notation("A/NNP 회장/NNG B/NNP 회장/NNG")
    sentence = koie.vm.match.MatchInput(document.sentences[0].morphemes, document.text)
    assert koie.vm.match.start_positions(program.start, sentence) == [1, 3]


def test_match_index_filter_of_anchors_holds_the_sentence_ends() -> None:
    check = MorphemeCheck(frozenset({"회장"}))
    program = compile_pattern(RAlt((RAnchor(False, 0), RMorph(check, 1), RAnchor(True, 2))))
    assert program.start == StartFilter(checks=(check,), at_start=True, at_end=True)
    document = parse_notation("A/NNP 회장/NNG B/NNP")
    sentence = koie.vm.match.MatchInput(document.sentences[0].morphemes, document.text)
    assert koie.vm.match.start_positions(program.start, sentence) == [0, 1, 3]
    assert [koie.vm.match.may_start(program.start, sentence, at) for at in range(4)] == [True, True, False, True]
