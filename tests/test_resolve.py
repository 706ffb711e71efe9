"""Resolving packs: literal analysis (with the Kiwi model), names, phases, shapes."""

from __future__ import annotations

import pytest

from koie.errors import KoieError
from koie.lang.literals import analyse_literal
from tests.helpers import notation_pack


@pytest.mark.parametrize(
    "literal, glued, expected",
    [
        ("만나", False, ["만나/VV"]),  # the phantom 어/EC Kiwi adds alone is dropped
        ("회장이", False, ["회장/NNG", "이/JKS"]),
        ("와", True, ["와/JKB"]),  # alone 와 is an interjection; after a noun a particle
        ("과", True, ["과/JKB"]),
        ("이", False, ["이/JKS"]),  # standalone particle, as in (이|은)
        ("회동하", False, ["회동/NNG", "하/XSV"]),  # read with 다 appended: a verb, not 하/NNG
        ("CEO와", False, ["CEO/SL", "와/JC"]),
        ("만났다", False, ["만나/VV", "었/EP", "다/EF"]),
        ("예정", False, ["예정/NNG"]),
    ],
)
def test_resolve_literal_analysis(kiwi, literal: str, glued: bool, expected: list[str]) -> None:
    morphemes = analyse_literal(kiwi, literal, glued).morphemes
    assert [m.notation for m in morphemes] == expected


@pytest.mark.parametrize(
    "document",
    [
        "만났다",
        "만난",
        "만나서",
        "만나고",
        "만났으며",
        "만날",
    ],
)
def test_resolve_stem_literal_matches_every_inflection(tmp_path, kiwi, document: str) -> None:
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: m, label: M, pattern: 만나}\n", encoding="utf-8")
    pack = Pack(compile_pack(resolve_pack(load_pack(path), kiwi)), kiwi)
    text = f"두 사람은 서울에서 {document} 뒤 헤어졌다."
    records = pack.extract(text)
    assert [r.text for r in records] == [document]


@pytest.mark.parametrize(
    "pattern, sentence, found",
    [
        ("취소되", "두 사람의 만남은 취소됐다.", ["취소됐다"]),  # alone 취소/NNG 되/VV, here 되/XSV
        ("회동하", "두 사람은 회동했다.", ["회동했다"]),
        ("하", "두 사람은 회동했다.", []),  # no noun before it in the literal: a verb only
    ],
)
def test_resolve_suffix_after_a_noun_takes_any_predicate_tag(
    tmp_path, kiwi, pattern: str, sentence: str, found: list[str]
) -> None:
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    path = tmp_path / "p.yaml"
    path.write_text(f"rules:\n  - {{id: m, label: M, pattern: {pattern}}}\n", encoding="utf-8")
    pack = Pack(compile_pack(resolve_pack(load_pack(path), kiwi)), kiwi)
    assert [r.text for r in pack.extract(sentence)] == found


@pytest.mark.parametrize(
    "particle_pattern, sentence",
    [
        ("[P]와", "홍길동과 만났다"),
        ("[P]와", "김철수와 만났다"),
        ("[P]이", "김하나가 왔다"),
        ("[P]을", "김하나를 봤다"),
    ],
)
def test_resolve_particles_match_allomorphs(tmp_path, kiwi, particle_pattern: str, sentence: str) -> None:
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    path = tmp_path / "p.yaml"
    path.write_text(
        "rules:\n  - {id: p, label: P, pattern: /NNP, output: false}\n"
        f"  - {{id: m, label: M, pattern: '{particle_pattern}'}}\n",
        encoding="utf-8",
    )
    pack = Pack(compile_pack(resolve_pack(load_pack(path), kiwi)), kiwi)
    assert [r.rule for r in pack.extract(sentence)] == ["m"]


def test_resolve_unknown_label_suggests(tmp_path) -> None:
    with pytest.raises(KoieError) as caught:
        notation_pack(
            tmp_path,
            [{"id": "p", "label": "PERSON", "pattern": "/NNP"}, {"id": "m", "label": "M", "pattern": "[PERSN] 와"}],
        )
    (diagnostic,) = caught.value.errors
    assert diagnostic.code == "E201"
    assert diagnostic.suggestion == "Did you mean 'PERSON'?"
    assert diagnostic.line is not None and diagnostic.col is not None


@pytest.mark.parametrize(
    "rules, code",
    [
        ([{"id": "a", "label": "A", "pattern": "x/SL?"}], "E207"),
        ([{"id": "a", "label": "A", "pattern": "@NOPE"}], "E202"),
        ([{"id": "a", "label": "A", "pattern": "$NOPE"}], "E203"),
        ([{"id": "a", "label": "A", "pattern": "/NNQ"}], "E204"),
        ([{"id": "a", "label": "A", "pattern": "[B] x/SL"}, {"id": "b", "label": "B", "pattern": "[A] y/SL"}], "E206"),
        ([{"id": "a", "label": "A", "pattern": "x/SL (?= /NNP+)"}], "E209"),
    ],
)
def test_resolve_errors(tmp_path, rules, code: str) -> None:
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, rules)
    assert code in [d.code for d in caught.value.errors]


def test_resolve_macro_cycle(tmp_path) -> None:
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "$X"}], macros={"X": "a/SL $Y", "Y": "$X"})
    assert "E205" in [d.code for d in caught.value.errors]


def test_resolve_phases_follow_slots(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "meeting", "label": "MEETING", "pattern": "[PERSON] 와/JKB"},
            {"id": "person", "label": "PERSON", "pattern": "/NNP [TITLE]"},
            {"id": "title", "label": "TITLE", "pattern": "회장/NNG"},
        ],
    )
    phases = [[c.rule.id for c in phase] for phase in pack.compiled.phases]
    assert phases == [["title"], ["person"], ["meeting"]]


def test_resolve_reports_every_error_at_once(tmp_path) -> None:
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "[X] @Y $Z"}])
    assert sorted(d.code for d in caught.value.errors) == ["E201", "E202", "E203"]


def test_resolve_stem_literal_before_negative_lookahead_takes_every_ending(tmp_path, kiwi) -> None:
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: m, label: M, pattern: '만나 (?! 예정)'}\n", encoding="utf-8")
    pack = Pack(compile_pack(resolve_pack(load_pack(path), kiwi)), kiwi)
    assert pack.extract("두 사람은 다음 달 만날 예정이다.") == []
    assert [r.text for r in pack.extract("두 사람은 어제 만났다.")] == ["만났다"]


@pytest.mark.parametrize("literal, code", [("가지", "W102"), ("나서", "W102"), ("보고", "W101"), ("회장", None)])
def test_resolve_literal_warning_code_comes_from_where_it_is_made(kiwi, literal: str, code: str | None) -> None:
    warning = analyse_literal(kiwi, literal, False).warning
    assert (warning.code if warning else None) == code


#: Literals Kiwi reads one way alone and another in a sentence, and sentences (ours) where they occur.
READ_OTHERWISE_IN_TEXT = [
    ("사들이", "누리소프트가 한빛전자 지분 20%를 사들였다.", "사들였다", "사들이/VV"),  # alone 사/NNG 들/XSN 이/JKS
    ("유치하", "가온바이오가 500억 원의 투자를 유치했다.", "유치했다", "유치/NNG 하/XSV"),  # alone 유치/XR "childish"
    ("인수설", "한빛전자는 누리소프트 인수설을 부인했다.", "인수설", "인수/NNG 설/NNB"),  # alone one noun
    ("기로", "한빛전자는 가온바이오에 투자하기로 했다.", "기로", "기/ETN 로/JKB"),  # alone 기/NNG "crossroads"
    ("만났", "박지훈 사장은 최유진 대표와 만났다.", "만났", "만나/VV 었/EP"),  # alone 만나/VV 어/EC ᆻ/Z_CODA
]


@pytest.mark.parametrize("literal, sentence, found, reading", READ_OTHERWISE_IN_TEXT)
def test_resolve_literal_matches_what_a_sentence_gives_and_warns(
    tmp_path, kiwi, literal: str, sentence: str, found: str, reading: str
) -> None:
    """A literal is also read in carrier sentences: it matches the reading text gives (W102 says so)."""
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import check_resolve

    path = tmp_path / "p.yaml"
    path.write_text(f"rules:\n  - {{id: m, label: M, pattern: {literal}}}\n", encoding="utf-8")
    resolved, diagnostics = check_resolve(load_pack(path), kiwi)
    assert resolved is not None
    (warning,) = [d for d in diagnostics if d.code == "W102"]
    assert f"as {reading} in a sentence" in warning.message and reading in (warning.suggestion or "")
    pack = Pack(compile_pack(resolved), kiwi)
    assert [r.text for r in pack.extract(sentence)] == [found]


def test_resolve_literal_read_the_same_in_text_keeps_its_one_reading(kiwi) -> None:
    for literal in ("만나", "회동하", "예정", "회장이", "차례로"):
        reading = analyse_literal(kiwi, literal, False)
        assert reading.in_text == () and (reading.warning is None or reading.warning.code != "W102"), literal


def test_resolve_literal_carriers_with_the_stand_in_analyser_add_nothing(tmp_path) -> None:
    """The notation analyser reads unknown text as one noun per word: no carrier sentence reads a literal."""
    pack = notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "기로 하"}], {"기로": "기/NNG+로/JKB"})
    (element,) = [e for e in pack.compiled.rule("a").rule.elements if e.text == "기로"]
    assert element.analysis == "기/N* 로|으로/J*"


@pytest.mark.parametrize(
    "pattern, fixed, sentence, found",
    [
        ("만나 ㄴ/ETM", "\u11ab/ETM", "어제 만난 사람은 최유진 대표였다.", ["만난"]),
        ("만나 ㄹ/ETM 예정", "\u11af/ETM", "두 사람은 만날 예정이다.", ["만날 예정"]),
        ("ㅂ니다/EF", "\u11b8니다/EF", "감사합니다.", ["합니다"]),  # the morpheme shares 합's syllable
    ],
)
def test_resolve_compatibility_jamo_in_a_form_is_kiwis_final_consonant_with_w110(
    tmp_path, kiwi, pattern: str, fixed: str, sentence: str, found: list[str]
) -> None:
    """ㄴ/ETM typed with the keyboard's jamo (U+3134) matched nothing, silently: now it is Kiwi's ᆫ (U+11AB)."""
    from koie.api import Pack
    from koie.engine.extract import compile_pack
    from koie.lang.load import load_pack
    from koie.lang.resolve import check_resolve

    path = tmp_path / "p.yaml"
    path.write_text(f"rules:\n  - {{id: m, label: M, pattern: '{pattern}'}}\n", encoding="utf-8")
    resolved, diagnostics = check_resolve(load_pack(path), kiwi)
    assert resolved is not None
    (warning,) = [d for d in diagnostics if d.code == "W110"]
    assert warning.suggestion == f"write {fixed}"
    pack = Pack(compile_pack(resolved), kiwi)
    assert [r.text for r in pack.extract(sentence)] == found


def test_resolve_compatibility_jamo_in_a_literal_is_w110(kiwi) -> None:
    warning = analyse_literal(kiwi, "ㄴ", False).warning
    assert warning is not None and warning.code == "W110" and "\u11ab/ETM" in (warning.suggestion or "")


def test_resolve_literal_warning_code_does_not_depend_on_its_words(tmp_path) -> None:
    """W101 stays W101 when the literal itself says "before an ending" (the code was found by searching the text)."""
    from koie.analysis.morphemes import Morpheme, NotationAnalyzer
    from koie.lang.load import load_pack
    from koie.lang.resolve import check_resolve

    class Ambiguous(NotationAnalyzer):
        def scored_alternatives(self, text: str, n: int) -> list[tuple[tuple[Morpheme, ...], float]]:
            mine = self.analyze_fragment(text)
            other = tuple(Morpheme(m.form, "SL", m.start, m.end, m.eojeol) for m in mine)
            return [(mine, -10.0), (other, -10.5)]

    path = tmp_path / "p.yaml"
    path.write_text("rules:\n  - {id: a, label: A, pattern: '\"before an ending\"'}\n", encoding="utf-8")
    _resolved, diagnostics = check_resolve(load_pack(path), Ambiguous())
    assert [d.code for d in diagnostics if d.code.startswith("W10") and d.code != "W103"] == ["W101"]


def test_resolve_negated_literal_of_two_morphemes_is_its_own_code(tmp_path) -> None:
    """'!' before a literal of several morphemes is E215; E208 is kept for a literal with none."""
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": '/NNP !"최고 경영자"'}])
    assert [d.code for d in caught.value.errors] == ["E215"]
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "/NNP !없음"}], fragments={"없음": ""})
    assert [d.code for d in caught.value.errors] == ["E208"]


def test_resolve_a_long_chain_of_labels_is_ordered_without_recursion(tmp_path) -> None:
    """Phases are found with a stack of their own: 1,500 labels each built on the last (a RecursionError before)."""
    count = 1500
    rules = [{"id": "r0", "label": "L0", "pattern": "x/SL"}] + [
        {"id": f"r{i}", "label": f"L{i}", "pattern": f"[L{i - 1}] x/SL"} for i in range(1, count)
    ]
    pack = notation_pack(tmp_path, rules)
    assert [rule.phase for rule in pack.compiled.resolved.rules] == list(range(count))


def test_resolve_macros_nested_past_the_limit_is_e109(tmp_path) -> None:
    """Each macro is a level: 1,000 macros each using the next (a RecursionError before) nest too deep."""
    macros = {f"M{i}": f"$M{i + 1}" for i in range(1000)} | {"M1000": "x/SL"}
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "$M0"}], macros=macros)
    assert [d.code for d in caught.value.errors] == ["E109"]
    notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "$M980"}], macros=macros)  # 21 levels: fine


def test_resolve_unrolled_size_is_the_compiled_size(kiwi) -> None:
    """The resolver's size limit counts what the compiler makes, look-arounds' programs included."""
    from pathlib import Path

    import koie
    from koie.lang.ir import unrolled_size

    def instructions(program) -> int:  # type: ignore[no-untyped-def]
        return len(program.instructions) + sum(instructions(i.sub) for i in program.instructions if i.sub is not None)

    pack = koie.load(Path(__file__).resolve().parent.parent / "rules" / "meetings.yaml", kiwi)
    for compiled in pack.compiled.rules:
        assert unrolled_size(compiled.rule.body) + 1 == instructions(compiled.program), compiled.rule.id


@pytest.mark.parametrize(
    "pattern",
    ["((x/SL{200}){200}){200}", " ".join(["x/SL{200}"] * 600)],
    ids=["nested", "many"],
)
def test_resolve_patterns_that_unroll_past_the_limit_are_e211(tmp_path, pattern: str) -> None:
    """((x{200}){200}){200} was 8 million instructions: a MemoryError when compiled."""
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": pattern}])
    assert [d.code for d in caught.value.errors] == ["E211"]


@pytest.mark.parametrize(
    "pattern",
    [
        "((x/SL?){1,150}){1,150} y/SL",  # 67,499 instructions, but every split reaches every later copy
        "(((?= x/SL) | y/SL?) ((?<= x/SL) | y/SL?)){1,12} z/SL",  # 89 instructions per copy, 4**12 combinations
        " ".join(["x/SL?"] * 1200) + " y/SL",  # optional parts in a row, no repetition over the limit
    ],
    ids=["nested_optional", "optional_lookarounds", "optional_in_a_row"],
)
def test_resolve_patterns_whose_closures_explode_are_e211(tmp_path, pattern: str) -> None:
    """These passed `koie check`, then the compiler listed billions of paths (a MemoryError, or no end)."""
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": pattern}])
    (error,) = caught.value.errors
    assert error.code == "E211" and "without consuming a morpheme" in error.message
    if "?){1,150}" in pattern:  # the caret is under the repetition that blows it up
        assert error.value == "((x/SL?){1,150}){1,150}"


def test_resolve_closure_size_bounds_the_compiled_closures(kiwi) -> None:
    """The count the resolver checks is at least what the compiler lists (equal on rules/meetings.yaml)."""
    from pathlib import Path

    import koie
    from koie.lang.ir import closure_size

    def paths(program) -> int:  # type: ignore[no-untyped-def]
        own = sum(len(closure) for closure in program.closures)
        return own + sum(paths(i.sub) for i in program.instructions if i.sub is not None)

    pack = koie.load(Path(__file__).resolve().parent.parent / "rules" / "meetings.yaml", kiwi)
    for compiled in pack.compiled.rules:
        assert closure_size(compiled.rule.body) == paths(compiled.program), compiled.rule.id


@pytest.mark.parametrize(
    "pattern",
    [
        "(?<x> /NNG? (?<y> /NNP)? )* x/SL ((?! /VV) | /NNG)* $",
        "x/NNG (/NNG | /NNP? | (?= /VV) )+ (/SF | ^)*",
        "(((/NNG | /VV?) /NNP?)*)* x/NNG",
        "((?= /NNG ((?= /NNG) | /JKS)? ) | /JKS?)* (?<= ^ | /SP ) x/NNG+",
        "((?= /NNG) | /JKS?){3} ~3 x/NNG",
        "(x/SL | (?= y/SL) | ^){2,5} z/SL{1,3}",
    ],
)
def test_resolve_closure_size_is_an_upper_bound(tmp_path, pattern: str) -> None:
    from koie.lang.compile import compile_pattern
    from koie.lang.ir import closure_size

    def paths(program) -> int:  # type: ignore[no-untyped-def]
        own = sum(len(closure) for closure in program.closures)
        return own + sum(paths(i.sub) for i in program.instructions if i.sub is not None)

    pack = notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": pattern}])
    body = pack.compiled.rules[0].rule.body
    assert paths(compile_pattern(body)) <= closure_size(body) <= 2 * paths(compile_pattern(body))


def test_resolve_a_macro_bomb_is_e211_at_the_macro(tmp_path) -> None:
    """30 macros each using the one before twice: 2**30 elements, and `koie check` never ended."""
    macros = {"M0": "x/SL"} | {f"M{i}": f"$M{i - 1} $M{i - 1}" for i in range(1, 31)}
    with pytest.raises(KoieError) as caught:
        notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": "y/SL $M30"}], macros=macros)
    (error,) = caught.value.errors
    assert (error.code, error.value) == ("E211", "$M30")
    assert "macros are expanded" in error.message


@pytest.mark.parametrize(
    "regex, hazard",
    [
        (r"^(a+)+$", "a repetition inside a repetition"),
        (r"(\w+\s?)*$", "a repetition inside a repetition"),
        (r"([a-z]+[0-9]*)+!", "a repetition inside a repetition"),
        (r"(a+a)+b", "a repetition inside a repetition"),
        (r"(?=(a*)*x)", "a repetition inside a repetition"),
        (r"(a|aa)+$", "alternatives of a repetition that match the same characters"),
        (r"(.|\s)*x", "alternatives of a repetition that match the same characters"),
        (r"^[가-힣]{2,4}$", None),
        (r"^\d{4}-\d{2}$", None),
        (r"^([a-z]+\.)+com$", None),  # the dot keeps the iterations apart
        (r"(\d+,)+", None),
        (r"(x|xy)+", None),
        (r"(a++)+$", None),  # possessive: never gives back
        (r"(?>a+)+$", None),  # atomic
        (r"(a+){2}", None),  # a few repetitions cost a polynomial, not an exponential
    ],
)
def test_resolve_regex_hazards(regex: str, hazard: str | None) -> None:
    from koie.lang.regexes import regex_hazard

    assert regex_hazard(regex) == hazard


def test_resolve_exponential_regex_is_w105_with_a_rewrite(tmp_path) -> None:
    """`koie check` was silent about r"^(a+)+$"; the warning names the element and a rewrite."""
    from koie.lang.check import check_pack

    pack = notation_pack(tmp_path, [{"id": "a", "label": "A", "pattern": 'r"^(a|aa)+$"/SL x/SL'}])
    (warning,) = [w for w in pack.warnings if w.code == "W105"]
    assert warning.value == "^(a|aa)+$" and warning.col is not None
    assert "(a|aa)+ is a+" in (warning.suggestion or "")
    assert "W105" in [d.code for d in check_pack(tmp_path / "pack.yaml")]


def test_resolve_warnings_of_many_rules_are_not_compared_pairwise(tmp_path, monkeypatch) -> None:
    """Each of 3,000 rules without examples has a W103: the resolver once searched a list for each (63 s at 20,000)."""
    from koie.errors import Diagnostic

    comparisons = 0
    equal = Diagnostic.__eq__

    def counted(self: Diagnostic, other: object) -> bool:
        nonlocal comparisons
        comparisons += 1
        return equal(self, other)

    monkeypatch.setattr(Diagnostic, "__eq__", counted)
    rules = [{"id": f"r{i}", "label": "A", "pattern": "x/SL"} for i in range(3000)]
    pack = notation_pack(tmp_path, rules)
    assert len([w for w in pack.warnings if w.code == "W103"]) == 3000
    assert comparisons < 3000  # a list searched for each would compare about 4.5 million times


def test_check_says_a_warning_a_macro_earns_through_many_rules_once(tmp_path, kiwi) -> None:
    """A literal Kiwi reads two ways, in a macro two rules use: one warning at the macro, not one per rule."""
    from koie.lang.check import check_pack

    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "version: 1\n"
        "macros:\n"
        "  TEA: (티타임 | 만나)\n"
        "rules:\n"
        "  - {id: one, label: M, pattern: '/NNP 와 $TEA'}\n"
        "  - {id: two, label: M, pattern: '/NNP 이 $TEA'}\n",
        encoding="utf-8",
    )
    warnings = [d for d in check_pack(pack) if d.code == "W101"]
    assert len(warnings) == 1 and warnings[0].line == 3, [d.to_json() for d in warnings]
