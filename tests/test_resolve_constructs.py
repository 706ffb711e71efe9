"""Resolving the pattern constructs rule writers meet first: stars after tags, lazy and word gaps,
attribute sets, look-arounds after stem literals, captures written twice, and their diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from koie.analysis.morphemes import NotationAnalyzer
from koie.errors import Diagnostic, KoieError
from koie.lang.load import load_pack_lenient
from koie.lang.resolve import check_resolve
from tests.helpers import notation_pack


def _diagnostics(tmp_path: Path, body: dict[str, Any]) -> list[Diagnostic]:
    """Every diagnostic koie check gives the pack (a notation analyser stands in for Kiwi)."""
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump({"name": "t", **body}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    spec, diagnostics = load_pack_lenient(path)
    assert spec is not None
    _resolved, more = check_resolve(spec, NotationAnalyzer())
    return [d for d in diagnostics + more if d.code != "W103"]


def _rule(pattern: str, **extra: Any) -> dict[str, Any]:
    return {"id": "r", "label": "X", "pattern": pattern, **extra}


def test_resolve_a_star_after_a_whole_tag_warns_how_it_reads(tmp_path) -> None:
    [warning] = _diagnostics(tmp_path, {"rules": [_rule("/NNP* 사장/NNG")]})
    assert (warning.code, warning.line, warning.col, warning.value) == ("W106", 5, 12, "/NNP*")
    assert "zero or more '/NNP'" in warning.message and "'/NNP *'" in (warning.suggestion or "")
    assert _diagnostics(tmp_path, {"rules": [_rule("/NNP * /N* !/J* /NN*")]}) == []  # spaced, or families


def test_resolve_a_quantifier_on_a_macro_of_anchors_is_e212(tmp_path) -> None:
    """The parser catches (^)+; a macro made of anchors is caught once it is pasted in."""
    [error] = _diagnostics(tmp_path, {"macros": {"START": "(^ | (?<= /SP))"}, "rules": [_rule("$START+ /NNP")]})
    assert (error.code, error.value) == ("E212", "$START+")


def test_resolve_a_lexicon_in_a_lookaround_counts_as_its_longest_entry(tmp_path) -> None:
    """(?= @COMPANY? 전/MM @ROLE) was E209: each lexicon counted 16 morphemes against a reach of 32."""
    lexicons = {"COMPANY": ["한빛전자", "누리 소프트"], "ROLE": ["사장", "대표 이사"]}
    assert _diagnostics(tmp_path, {"lexicons": lexicons, "rules": [_rule("/NNP (?= @COMPANY? 전/MM @ROLE)")]}) == []
    [error] = _diagnostics(tmp_path, {"lexicons": lexicons, "rules": [_rule("/NNP (?= @ROLE{20})")]})
    assert error.code == "E209"  # 20 entries of 2 morphemes are 40
    pack = notation_pack(tmp_path, [_rule("/NNP (?= @COMPANY? 전/MM @ROLE)")], lexicons=lexicons)
    assert [r.text for r in pack.extract("박/NNP 누리/NNP 소프트/NNG 전/MM 대표/NNG 이사/NNG")] == ["박"]
    behind = notation_pack(tmp_path, [_rule("(?<= @COMPANY? 전/MM @ROLE) /NNP")], lexicons=lexicons)
    assert [r.text for r in behind.extract("누리/NNP 소프트/NNG 전/MM 대표/NNG 이사/NNG 박/NNP")] == ["박"]


def test_resolve_a_word_gap_in_a_lookaround_is_e209_with_its_own_hint(tmp_path) -> None:
    [error] = _diagnostics(tmp_path, {"rules": [_rule("/NNP (?= ~2w 사장/NNG)")]})
    assert error.code == "E209" and "~N" in (error.suggestion or "") and "~Nw" in (error.suggestion or "")


def test_resolve_a_capture_written_twice_collects_a_list(tmp_path) -> None:
    """(?<x> c) d (?<x> e) kept only e; it collects both, and alternatives still give one value."""
    pack = notation_pack(
        tmp_path,
        [
            {"id": "two", "label": "T", "pattern": "(?<x> c/SL) d/SL (?<x> e/SL)"},
            {"id": "either", "label": "E", "pattern": "(?<y> c/SL) d/SL | d/SL (?<y> e/SL)"},
        ],
    )
    two, either = pack.compiled.rule("two").rule, pack.compiled.rule("either").rule
    assert (two.list_captures, either.list_captures) == (frozenset({"x"}), frozenset())
    records = {r.rule: r for r in pack.extract("c/SL d/SL e/SL")}
    assert [m.text for m in records["two"].args["x"]] == ["c", "e"]
    assert records["either"].args["y"].text == "c"


def test_resolve_an_attribute_set_in_a_lookaround_is_e217(tmp_path) -> None:
    [error] = _diagnostics(tmp_path, {"rules": [_rule("/NNP (?= 사장/NNG {status=planned})")]})
    assert (error.code, error.line, error.col, error.value) == ("E218", 5, 28, "{status=planned}")
    assert "after it" in (error.suggestion or "")


def test_resolve_overlap_per_names_roles_the_rules_capture(tmp_path) -> None:
    rules = [_rule("[ORG:acquirer] ~2 [ORG:target]"), {"id": "o", "label": "ORG", "pattern": "/NNP"}]
    overlap = {"X": {"policy": "longest", "per": ["acquirer", "targt"]}}
    [error] = _diagnostics(tmp_path, {"overlap": overlap, "rules": rules})
    assert (error.code, error.value, error.suggestion) == ("E219", "targt", "Did you mean 'target'?")
    assert (error.line, error.col) == (7, 7)  # the misspelt role itself, in the list under per:
    [wrong] = _diagnostics(tmp_path, {"overlap": {"X": {"per": "roles"}}, "rules": rules})
    assert (wrong.code, wrong.value) == ("E004", "roles")
    [unknown] = _diagnostics(tmp_path, {"overlap": {"X": {"polcy": "all"}}, "rules": rules})
    assert (unknown.code, unknown.suggestion) == ("E002", "Did you mean 'policy'?")


def test_resolve_match_modes(tmp_path) -> None:
    [error] = _diagnostics(tmp_path, {"rules": [_rule("/NNP", matches="al")]})
    assert (error.code, error.value, error.suggestion) == ("E217", "al", "Did you mean 'all'?")
    [warning] = _diagnostics(tmp_path, {"rules": [_rule("/NNP+", matches="all")]})
    assert warning.code == "W107" and "overlap: {X: all}" in (warning.suggestion or "")
    assert _diagnostics(tmp_path, {"overlap": {"X": "all"}, "rules": [_rule("/NNP+", matches="all")]}) == []


def test_resolve_a_gap_at_the_end_is_lazy_only_there(tmp_path) -> None:
    from koie.lang.ir import RRepeat, RSeq

    pack = notation_pack(
        tmp_path,
        [
            _rule("a/SL ~3"),
            {"id": "mid", "label": "M", "pattern": "a/SL ~3 b/SL"},
            {"id": "opt", "label": "O", "pattern": "a/SL ~3 b/SL?"},
        ],
    )

    def gap(rule_id: str) -> RRepeat:
        body = pack.compiled.rule(rule_id).rule.body
        assert isinstance(body, RSeq) and isinstance(body.items[1], RRepeat)
        return body.items[1]

    assert (gap("r").lazy, gap("mid").lazy, gap("opt").lazy) == (True, False, True)
    assert pack.compiled.rule("mid").program.lazy is False  # patterns without one match as before


@pytest.mark.parametrize(
    "pattern, sentence, found",
    [
        ("투자하 (?! ~1 기/ETN)", "한빛전자는 신사업에 투자하기로 했다.", []),  # the ending 기 is seen
        ("투자하 (?! 기/ETN)", "한빛전자는 신사업에 투자하기로 했다.", []),
        ("투자하 (?! ~1 기/ETN)", "한빛전자는 신사업에 투자했다.", ["투자했다"]),  # all endings taken
        ("만나 (?! 예정)", "두 사람은 다음 달 만날 예정이다.", []),  # after the ending ᆯ
        ("만나 (?= ᆯ/ETM 예정)", "두 사람은 다음 달 만날 예정이다.", ["만날"]),
        ("만나 (?! 예정) (?! 고/EC)", "두 사람은 어제 만나고 헤어졌다.", []),  # each look-ahead after the stem
    ],
)
def test_resolve_a_lookahead_after_a_stem_literal_sees_its_endings(kiwi, tmp_path, pattern, sentence, found) -> None:
    """투자하 (?! ~1 기/ETN) matched 투자하기로: the look-ahead was tried only after every ending, past 기."""
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"rules": [_rule(pattern)]}, allow_unicode=True), encoding="utf-8")
    pack = Pack(compile_pack(resolve_pack(load_pack(path), kiwi)), kiwi)
    assert [r.text for r in pack.extract(sentence)] == found


def test_resolve_kiwi_traps_as_a_rule_writer_met_them(kiwi, tmp_path) -> None:
    """The traps, on Kiwi's analyses: a negative look-ahead on a slot, and /NNP* before a title."""
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    rules = [
        {"id": "person", "label": "PERSON", "pattern": "/NNP (?= 사장)", "output": False},
        {"id": "not-person", "label": "OTHER", "pattern": "(?! [PERSON]) /NNP"},
        {"id": "names", "label": "NAMES", "pattern": "/NNP* 사장/NNG"},
    ]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}, allow_unicode=True), encoding="utf-8")
    pack = Pack(compile_pack(resolve_pack(load_pack(path), kiwi)), kiwi)
    assert [r.rule for r in pack.extract("한빛전자가 왔다.")] == ["not-person"]
    names = [r.text for r in pack.extract("박지훈 최유진 사장이 왔다.") if r.rule == "names"]
    assert names == ["박지훈 최유진 사장"]


def test_resolve_every_new_construct_is_checked_with_a_place_and_a_fix(tmp_path) -> None:
    """koie check on a pack misusing each construct: every diagnostic has file:line:col and a hint."""
    body = {
        "overlap": {"X": {"per": ["nobody"]}},
        "rules": [
            _rule("/NNP* (?= 사장/NNG {s=a}) ~2w", matches="all"),
            {"id": "q", "label": "Y", "pattern": "(^)+ /NNP", "matches": "most"},
        ],
    }
    found = _diagnostics(tmp_path, body)
    assert sorted(d.code for d in found) == ["E212", "E217", "E218", "E219", "W106"]
    for diagnostic in found:
        assert diagnostic.file and diagnostic.line and diagnostic.col and diagnostic.suggestion, diagnostic
    with pytest.raises(KoieError):
        notation_pack(tmp_path, body["rules"], overlap=body["overlap"])
