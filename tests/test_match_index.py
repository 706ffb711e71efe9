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

import koie.match
from koie.compile import StartFilter, compile_pattern
from koie.engine import CompiledPack, extract
from koie.ir import MorphemeCheck, RMorph, RSeq
from koie.morphemes import parse_notation
from tests.helpers import notation_pack

WORDS = ["A/NNP", "B/NNP", "회장/NNG", "사장/NNG", "이/JKS", "가/JKS", "와/JKB", "만나/VV", "었/EP", "다/EF",
         "CEO/SL", "(/SSO", ")/SSC", "3/SN", "일/NNB", "./SF", "은/JX", "를/JKO"]

RULES = [
    {"id": "title", "label": "TITLE", "output": False, "pattern": '@T ("(" @T ")")?'},
    {"id": "person", "label": "PERSON", "output": False, "pattern": "(?<! /NNP) /NNP{1,2} (?= /SL? [TITLE])"},
    {"id": "surname", "label": "PERSON", "output": False, "pattern": "(?<! /NN*) A/NNP (?= [TITLE] !/NN*)"},
    {"id": "meet", "label": "MEET", "pattern": "[PERSON:a] ~3 (이 | 은) [PERSON:b] ~3 와 ~4 만나 (?! 지/EC)"},
    {"id": "num", "label": "NUM", "pattern": "(^ | 가/JKS) /SN (일 | 월)? (?= . | $)"},
    {"id": "alt", "label": "ALT", "pattern": "(회장 | /SL /SL?) (?! 이) ~2 다"},
    {"id": "neg", "label": "NEG", "pattern": "!/NNP,SF 와"},
]


def _plain(pack: CompiledPack) -> CompiledPack:
    rules = tuple(dataclasses.replace(r, program=dataclasses.replace(r.program, start=None)) for r in pack.rules)
    by_id = {r.rule.id: r for r in rules}
    phases = tuple(tuple(by_id[r.rule.id] for r in phase) for phase in pack.phases)
    return dataclasses.replace(pack, rules=rules, phases=phases)


def _records(pack: CompiledPack, notation: str) -> list[tuple]:
    extraction = extract(pack, parse_notation(notation))
    return [(r.rule, r.start, r.end, tuple(sorted((k, str(v)) for k, v in r.to_json()["args"].items())))
            for r in extraction.records + extraction.suppressed]


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    pack = notation_pack(tmp_path_factory.mktemp("p"), RULES, lexicons={"T": ["회장", "사장", "CEO"]})
    return pack.compiled, _plain(pack.compiled)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=1, max_size=14))
def test_match_index_same_records_as_plain_vm(packs, words) -> None:
    fast, plain = packs
    notation = " ".join("+".join(word) for word in words)
    original = koie.match._look
    koie.match._look = koie.match._look_uncached  # the memo switched off for the reference run
    try:
        expected = _records(plain, notation)
    finally:
        koie.match._look = original
    assert _records(fast, notation) == expected


@pytest.mark.parametrize("pattern, has_filter", [
    ("(?<= /NNP) /NNP", True),
    ("/NNP? 다", False),
    ("(가 | /NNP?) 다", False),
    ("^ (?= x) 가", True),
    ("[PERSON] 와", True),
])
def test_match_index_start_filter_only_when_safe(tmp_path, pattern, has_filter) -> None:
    rules = [{"id": "p", "label": "PERSON", "output": False, "pattern": "/NNP"},
             {"id": "r", "label": "X", "pattern": pattern}]
    pack = notation_pack(tmp_path, rules)
    assert (pack.compiled.rule("r").program.start is not None) == has_filter


def test_match_index_filter_of_a_literal() -> None:
    check = MorphemeCheck(frozenset({"회장"}))
    program = compile_pattern(RSeq((RMorph(check, 0),)))
    assert program.start == StartFilter(checks=(check,))
    document = parse_notation("A/NNP 회장/NNG B/NNP 회장/NNG")
    sentence = koie.match.MatchInput(document.sentences[0].morphemes, document.text)
    assert koie.match.start_positions(program.start, sentence) == [1, 3]
