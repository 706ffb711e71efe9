"""The matcher on morpheme streams written in notation: no Kiwi model needed."""

from __future__ import annotations

import pytest

from koie.analysis.morphemes import parse_notation
from koie.lang.compile import compile_pattern
from koie.lang.ir import MorphemeCheck, RMorph, RRepeat, RSeq
from koie.vm.match import EntitySpan, MatchInput, Progress, find_matches
from tests.helpers import notation_pack, spans

DOC = "이재용/NNP 삼성전자/NNP 회장/NNG+이/JKS 젠슨황/NNP 엔비디아/NNP CEO/SL+와/JKB 만나/VV+었/EP+다/EF+./SF"


@pytest.mark.parametrize(
    "pattern, document, expected",
    [
        ("/NNP", "이재용/NNP 회장/NNG", ["이재용"]),
        ("/NNP+", "A/NNP B/NNP 회장/NNG C/NNP", ["A B", "C"]),
        ("/NNP{2}", "A/NNP B/NNP C/NNP D/NNP E/NNP", ["A B", "C D"]),
        ("/NNP{1,2} 회장/NNG", "A/NNP B/NNP C/NNP 회장/NNG", ["B C 회장"]),
        ("/N*", "가/NNG 나/NNB 다/VV", ["가", "나"]),
        ("/NNP,SL", "가/NNP CEO/SL 다/NNG", ["가", "CEO"]),
        ("!/NNP", "가/NNP 나/NNG", ["나"]),
        ('r"^김"/NNP', "김철수/NNP 이영희/NNP", ["김철수"]),
        ("가/NNG . 다/NNG", "가/NNG 나/VV 다/NNG", ["가 나 다"]),
        ("가/NNG ~2 다/NNG", "가/NNG x/NNG y/NNG 다/NNG 가/NNG x/NNG y/NNG z/NNG 다/NNG", ["가 x y 다"]),
        ("^ /NNP", "A/NNP B/NNP", ["A"]),
        ("/NNP $", "A/NNP B/NNP", ["B"]),
        ("/NNP (?= 회장/NNG)", "A/NNP B/NNP 회장/NNG", ["B"]),
        ("/NNP (?! 회장/NNG)", "A/NNP 회장/NNG B/NNP", ["B"]),
        ("(?<= 회장/NNG) /NNP", "A/NNP 회장/NNG B/NNP", ["B"]),
        ("(?<! 회장/NNG) /NNP", "A/NNP 회장/NNG B/NNP", ["A"]),
        ("(가/NNG | 가/NNG 나/NNG)", "가/NNG 나/NNG", ["가 나"]),  # longest, not first alternative
        ("(a/SL b/SL)+", "a/SL b/SL a/SL b/SL a/SL", ["a b a b"]),
        ("x/SL?  y/SL", "y/SL x/SL y/SL", ["y", "x y"]),
        ("/NNP !_ /NNG", "한빛/NNP+전자/NNG 홍길동/NNP 사장/NNG", ["한빛전자"]),  # inside one eojeol
        ("/NNP _ /NNG", "한빛/NNP+전자/NNG 홍길동/NNP 사장/NNG", ["홍길동 사장"]),  # across a space
        ("/NNP (?! !_ /NNG)", "한빛/NNP+전자/NNG 홍길동/NNP 사장/NNG", ["홍길동"]),
        # /NNP* is zero or more /NNP (NNP is a whole tag), not the tag family NNP*
        ("/NNP* 사장/NNG", "박지훈/NNP 최유진/NNP 사장/NNG", ["박지훈 최유진 사장"]),
        ("/NNP * 사장/NNG", "박지훈/NNP 최유진/NNP 사장/NNG", ["박지훈 최유진 사장"]),
        # lazy quantifiers: as few as the rest allows, then the longest
        ("/NNP .+? 사장/NNG", "A/NNP 사장/NNG 과/JC B/NNP 사장/NNG", ["A 사장 과 B 사장"]),
        ("/NNP .*? 사장/NNG", "A/NNP 사장/NNG 과/JC B/NNP 사장/NNG", ["A 사장", "B 사장"]),
        ("/NNP .* 사장/NNG", "A/NNP 사장/NNG 과/JC B/NNP 사장/NNG", ["A 사장 과 B 사장"]),
        ("a/SL b/SL*?", "a/SL b/SL b/SL", ["a"]),
        ("a/SL b/SL+?", "a/SL b/SL b/SL", ["a b"]),
        ("a/SL b/SL??", "a/SL b/SL", ["a"]),
        ("a/SL b/SL{1,3}? c/SL?", "a/SL b/SL b/SL c/SL", ["a b"]),
        ("a/SL (b/SL | c/SL)*? d/SL", "a/SL b/SL c/SL d/SL", ["a b c d"]),
        # a gap at the end takes nothing unless something after it needs it
        ("a/SL ~3", "a/SL b/SL c/SL d/SL", ["a"]),
        ("a/SL ~3 $", "a/SL b/SL c/SL d/SL", ["a b c d"]),
        ("a/SL ~3 (?= d/SL)", "a/SL b/SL c/SL d/SL", ["a b c"]),
        ("a/SL ~3 d/SL?", "a/SL b/SL c/SL d/SL", ["a"]),
        ("a/SL ~3 d/SL", "a/SL b/SL c/SL d/SL", ["a b c d"]),
        ("(a/SL ~3)+ d/SL", "a/SL b/SL a/SL d/SL", ["a b a d"]),
        # ~Nw: morphemes of at most N eojeols
        ("/NNP ~1w 와/JKB", "A/NNP 사장/NNG+와/JKB", ["A 사장와"]),
        ("/NNP ~2w 와/JKB", "A/NNP 사장/NNG 겸/NNG CEO/SL+와/JKB", []),
        ("/NNP ~3w 와/JKB", "A/NNP 사장/NNG 겸/NNG CEO/SL+와/JKB", ["A 사장 겸 CEO와"]),
        ("/NNP ~1w 와/JKB", "A/NNP+의/JKG 사장/NNG+와/JKB", ["A의 사장와"]),
        ("/NNP ~2w", "A/NNP 사장/NNG 겸/NNG", ["A"]),
        ("/NNP ~2w $", "A/NNP 사장/NNG+님/XSN 겸/NNG", ["A 사장님 겸"]),
    ],
)
def test_match_constructs(tmp_path, pattern, document, expected) -> None:
    pack = notation_pack(tmp_path, [{"id": "r", "label": "X", "pattern": pattern}])
    assert [text for _, text in spans(pack, document)] == expected


def test_match_slots_cascade_and_capture_lists(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "person", "label": "PERSON", "pattern": "/NNP", "output": False},
            {"id": "list", "label": "MEETING", "pattern": "([PERSON:object] ,/SP?)+ 등/NNB"},
        ],
    )
    records = pack.extract("A/NNP+,/SP B/NNP+,/SP C/NNP 등/NNB")
    assert len(records) == 1
    assert [m.text for m in records[0].args["object"]] == ["A", "B", "C"]


def test_match_lexicon_matches_surface_text_across_morphemes(tmp_path) -> None:
    pack = notation_pack(
        tmp_path, [{"id": "t", "label": "T", "pattern": "@TITLE:title"}], lexicons={"TITLE": ["최고경영자", "CEO"]}
    )
    # 최고경영자 is two morphemes in the stream; the lexicon entry still matches it whole.
    records = pack.extract("최고/NNG+경영자/NNG ceo/SL")
    assert [r.text for r in records] == ["최고경영자", "ceo"]
    assert records[0].args["title"].text == "최고경영자"


def test_match_lexicon_ignores_spaces(tmp_path) -> None:
    pack = notation_pack(tmp_path, [{"id": "p", "label": "P", "pattern": "@NAMES"}], lexicons={"NAMES": ["젠슨 황"]})
    assert [r.text for r in pack.extract("젠슨황/NNP 왔다/VV")] == ["젠슨황"]
    assert [r.text for r in pack.extract("젠슨/NNP 황/NNP 왔다/VV")] == ["젠슨 황"]


def test_match_capture_group(tmp_path) -> None:
    pack = notation_pack(tmp_path, [{"id": "r", "label": "X", "pattern": "(?<who> /NNP+) 회장/NNG"}])
    record = pack.extract("A/NNP B/NNP 회장/NNG")[0]
    assert record.args["who"].text == "A B"


def test_match_alignment_is_complete_and_monotone(tmp_path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "person", "label": "PERSON", "pattern": "/NNP", "output": False},
            {"id": "m", "label": "M", "pattern": "[PERSON:s] ~3 이/JKS [PERSON:o] ~3 와/JKB 만나/VV ~2"},
        ],
    )
    record = pack.extract(DOC)[0]
    steps = record.match.steps
    covered = [i for step in steps for i in range(step.start, step.end)]
    assert covered == list(range(record.first, record.last))


def test_match_slot_only_jumps_to_span_end() -> None:
    doc = parse_notation("a/SL b/SL c/SL")
    check = MorphemeCheck(frozenset({"c"}))
    from koie.lang.ir import RSlot

    program = compile_pattern(RSeq((RSlot(frozenset({"AB"}), None, 0), RMorph(check, 1))))
    sentence = MatchInput(doc.sentences[0].morphemes, doc.text, [EntitySpan(0, 2, "AB")])
    matches = find_matches(program, sentence)
    assert [(m.start, m.end) for m in matches] == [(0, 3)]


def test_match_progress_reports_the_failing_element() -> None:
    doc = parse_notation("a/SL b/SL x/SL")
    program = compile_pattern(RSeq(tuple(RMorph(MorphemeCheck(frozenset({f})), i) for i, f in enumerate("abc"))))
    progress = Progress()
    assert find_matches(program, MatchInput(doc.sentences[0].morphemes, doc.text), progress) == []
    assert (progress.start, progress.furthest, progress.expected) == (0, 2, {2})


def test_match_work_is_linear_in_sentence_length() -> None:
    """Steps per morpheme stay flat as the sentence grows (no backtracking blow-up)."""
    any_morpheme = MorphemeCheck()
    program = compile_pattern(
        RSeq((RRepeat(RRepeat(RMorph(any_morpheme, 0), 1, None), 1, None), RMorph(MorphemeCheck(frozenset({"z"})), 1)))
    )
    per_morpheme = []
    for size in (200, 400, 800):
        doc = parse_notation(" ".join(["a/SL"] * size))
        sentence = MatchInput(doc.sentences[0].morphemes, doc.text)
        find_matches(program, sentence)
        per_morpheme.append(sentence.steps / size)
    assert max(per_morpheme) <= 1.5 * min(per_morpheme)


def test_match_all_matches_mode_finds_a_match_at_every_start(tmp_path) -> None:
    """matches: all (spaCy's Matcher, TokensRegex FIND_ALL): the best match at every start, overlapping."""
    rules = [{"id": "r", "label": "X", "pattern": "/NNP+ 사장/NNG", "matches": "all"}]
    pack = notation_pack(tmp_path, rules, overlap={"X": "all"})
    document = "A/NNP B/NNP C/NNP 사장/NNG"
    assert [text for _, text in spans(pack, document)] == ["A B C 사장", "B C 사장", "C 사장"]
    single = notation_pack(tmp_path, [{"id": "r", "label": "X", "pattern": "/NNP+ 사장/NNG"}])
    assert [text for _, text in spans(single, document)] == ["A B C 사장"]


def test_match_attribute_sets_are_in_the_match_in_order() -> None:
    from koie.lang.ir import RAlt, RSet

    doc = parse_notation("a/SL b/SL")
    program = compile_pattern(
        RSeq(
            (
                RMorph(MorphemeCheck(frozenset({"a"})), 0),
                RAlt(
                    (
                        RSeq((RMorph(MorphemeCheck(frozenset({"c"})), 1), RSet((("s", "c"),), 2))),
                        RSeq((RMorph(MorphemeCheck(frozenset({"b"})), 3), RSet((("s", "b"), ("t", "1")), 4))),
                    )
                ),
                RSet((("t", "2"),), 5),
            )
        )
    )
    [match] = find_matches(program, MatchInput(doc.sentences[0].morphemes, doc.text))
    assert match.sets == ((4, "s", "b"), (4, "t", "1"), (5, "t", "2"))
