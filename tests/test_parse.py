"""Pattern text → AST, the bad-syntax table, and formatting back."""

from __future__ import annotations

import pytest

from koie.lang import ast
from koie.lang.parse import SYNTAX_EXAMPLES, PatternError, format_pattern, parse_pattern


@pytest.mark.parametrize(
    "pattern",
    [
        "[PERSON:subject] 회장이 [PERSON:object] CEO와 만나",
        "([PERSON:object] ,?)+ 등과",
        "(?<topic> /NNG{1,3}) 을 논의하",
        '@TITLE:title $NAME ^ r"^김"/NNP !/NNP .',
        "[PERSON|ORG:who]와 ~5 (만나/VV | 회동하) (?! 예정) $",
        "(?<= /NNP) /N* (?<! 씨)",
        '"젠슨 황" x{2,} y{3} z{0,4}',
        "/NNP !_ /NNG _ 회장",
        "/NNP*? 사장 .+? x?? y{1,3}? z{2,}?",
        "[PERSON] ~3w 와 ~1w",
        '(만나 | 회동하) {status=asserted} | 만날 예정 {status=planned, source="보도 자료"}',
    ],
)
def test_parse_format_round_trip(pattern: str) -> None:
    tree = parse_pattern(pattern)
    assert parse_pattern(format_pattern(tree)) == tree


def test_parse_marks_glued_literals() -> None:
    tree = parse_pattern("[PERSON]와 [PERSON] 와")
    assert isinstance(tree, ast.Sequence)
    glued = [item.glued for item in tree.items if isinstance(item, ast.Literal)]
    assert glued == [True, False]


def test_parse_spans_point_into_the_pattern() -> None:
    text = "회장 [PERSON:subject] @TITLE"
    tree = parse_pattern(text)
    assert isinstance(tree, ast.Sequence)
    assert [text[slice(*item.span)] for item in tree.items] == ["회장", "[PERSON:subject]", "@TITLE"]


def test_parse_comments_and_multiline() -> None:
    tree = parse_pattern("[PERSON]   # who\n  와      # with\n  만나\n")
    assert format_pattern(tree) == "[PERSON]와 만나" or format_pattern(tree) == "[PERSON] 와 만나"


@pytest.mark.parametrize("label, examples", list(SYNTAX_EXAMPLES.items()))
def test_parse_syntax_table(label: tuple[str, str, str], examples: list[str]) -> None:
    code, message, _hint = label
    for example in examples:
        with pytest.raises(PatternError) as caught:
            parse_pattern(example)
        assert (caught.value.code, caught.value.message) == (code, message), example


@pytest.mark.parametrize(
    "pattern, code, offset",
    [
        ("[PERSN", "E102", 0),
        ("회장 (만나", "E102", 3),
        ("회장 )", "E106", 3),
        ("회장{3,1}", "E104", 2),
        ("회장{}", "E104", 2),
        ('r"("', "E105", 2),
        ("", "E107", 0),
        ("# only a comment", "E107", 0),
        ('"회장', "E102", 0),
        ("~0", "E104", 0),
        ("~0w", "E104", 0),
        ("~201w", "E211", 0),
        ("회장{500}", "E211", 2),
        ("^*", "E212", 1),
        ("(^)+ a", "E212", 3),  # a group of anchors consumes nothing either
        ("((?= a))? a", "E212", 8),
        ("(^ $)* a", "E212", 5),
        ("{status=planned}+ a", "E212", 16),
        ("/NNP*+", "E103", 5),  # /NNP* is already repeated
        ('a {s=""}', "E107", 5),
        ("a {s=x, s=y}", "E101", 8),
        ("a {s=x", "E102", 2),
    ],
)
def test_parse_errors_have_codes_and_offsets(pattern: str, code: str, offset: int) -> None:
    with pytest.raises(PatternError) as caught:
        parse_pattern(pattern)
    assert (caught.value.code, caught.value.offset) == (code, offset)


def test_parse_format_keeps_a_starred_tag_test_apart_from_a_tag_family() -> None:
    repeated = parse_pattern("/NNG *")
    assert format_pattern(repeated) == "/NNG *"
    assert parse_pattern(format_pattern(repeated)) == repeated
    assert format_pattern(parse_pattern("/N*")) == "/N*"
    negated = parse_pattern("!/A *")  # a negated tag test, repeated: not the negated family A*
    assert parse_pattern(format_pattern(negated)) == negated


@pytest.mark.parametrize(
    "pattern, tags, repeated",
    [
        ("/NNP*", ("NNP",), True),  # NNP is a whole tag: the star repeats it
        ("!/NNP*", ("NNP",), True),
        ("/SS*", ("SS",), True),
        ("/N*", ("N*",), False),  # N is no tag: a tag family
        ("/NN*", ("NN*",), False),
        ("/J*", ("J*",), False),
        ("/E*", ("E*",), False),
        ("/W_*", ("W_*",), False),
        ("/NNP*,SL", ("NNP*", "SL"), False),  # inside a list a star can only be a family
    ],
)
def test_parse_a_star_after_a_whole_tag_repeats_it(pattern: str, tags: tuple[str, ...], repeated: bool) -> None:
    """/NNP* 사장/NNG is zero or more /NNP (as docs/patterns.md says), not the family of tags starting with NNP."""
    tree = parse_pattern(pattern)
    if repeated:
        assert isinstance(tree, ast.Repeat) and (tree.min, tree.max, tree.lazy) == (0, None, False)
        tree = tree.body
    test = tree.test if isinstance(tree, ast.Negated) else tree
    assert isinstance(test, ast.MorphTest) and test.tags == tags
    assert parse_pattern(format_pattern(parse_pattern(pattern))) == parse_pattern(pattern)


@pytest.mark.parametrize(
    "pattern, low, high",
    [("x*?", 0, None), ("x+?", 1, None), ("x??", 0, 1), ("x{1,3}?", 1, 3), ("x{2}?", 2, 2), ("/NNP*?", 0, None)],
)
def test_parse_lazy_quantifiers(pattern: str, low: int, high: int | None) -> None:
    tree = parse_pattern(pattern)
    assert isinstance(tree, ast.Repeat) and (tree.min, tree.max, tree.lazy) == (low, high, True)
    greedy = parse_pattern(pattern[:-1])
    assert isinstance(greedy, ast.Repeat) and not greedy.lazy and greedy.body == tree.body


def test_parse_word_gap_and_attribute_sets() -> None:
    tree = parse_pattern('[PERSON] ~3w 와 {status=planned, note="만날 예정"}')
    assert isinstance(tree, ast.Sequence)
    gap, attrs = tree.items[1], tree.items[3]
    assert gap == ast.Gap(3, words=True) and gap != ast.Gap(3)
    assert attrs == ast.SetAttrs((("status", "planned"), ("note", "만날 예정")))


def test_parse_slot_capture_comes_from_the_grammar() -> None:
    """The capture after ':' is its own grammar rule, spaces or not; each label knows where it is written."""
    text = "[PERSON | ORG : who] [ORG]"
    tree = parse_pattern(text)
    assert isinstance(tree, ast.Sequence)
    first, second = tree.items
    assert isinstance(first, ast.Slot) and isinstance(second, ast.Slot)
    assert (first.labels, first.capture, second.labels, second.capture) == (("PERSON", "ORG"), "who", ("ORG",), None)
    assert [text[slice(*span)] for span in first.label_spans] == ["PERSON", "ORG"]


@pytest.mark.parametrize(
    "pattern, code, offset, message",
    [
        ("[PERSON:subject ~3 만나", "E102", 0, "expected ']' to close slot '[PERSON:subject'"),
        ("(회장 | 사장  # 직함", "E102", 0, "expected ')' to close group '(회장'"),  # a comment after the group
        ("(?= 회장", "E102", 0, "expected ')' to close group '(?='"),
        ("((회장)", "E102", 0, "expected ')' to close group '((회장)'"),
        ("[PERSON a]", "E101", 8, "a slot is written [LABEL] or [LABEL:capture]"),  # closed: not E102
        ("회장 )", "E106", 3, "unexpected ')': nothing is open for it to close"),
        ("(회장 ]", "E106", 4, "unexpected ']': nothing is open for it to close"),
        ('만나 "회장', "E102", 3, "unclosed quote: expected '\"' to close the literal"),
        ("   # 주석뿐", "E107", 0, "the pattern is empty"),
    ],
)
def test_parse_brackets_left_open_are_found_by_the_parser(pattern: str, code: str, offset: int, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        parse_pattern(pattern)
    assert (caught.value.code, caught.value.offset, caught.value.message) == (code, offset, message)


@pytest.mark.parametrize("depth", [33, 120, 5000])
def test_parse_nesting_past_the_limit_is_e109_at_the_first_level_too_deep(depth: int) -> None:
    """Before, 120 nested ( ) was a RecursionError; now the caret goes to the 33rd '('."""
    from koie.lang.ast import MAX_NESTING

    with pytest.raises(PatternError) as caught:
        parse_pattern("(" * depth + "회장" + ")" * depth)
    assert (caught.value.code, caught.value.offset) == ("E109", MAX_NESTING)
    assert parse_pattern("(" * MAX_NESTING + "회장" + ")" * MAX_NESTING) is not None


def test_parse_format_quotes_what_the_grammar_would_not_read_as_one_literal() -> None:
    """format_pattern asks the grammar's LITERAL terminal, not a copy of its regex."""
    for text, written in [
        ("회장", "회장"),
        ("최고경영자(CEO)", '"최고경영자(CEO)"'),
        ("a_b", '"a_b"'),
        ("x:y", '"x:y"'),
    ]:
        tree = ast.Literal(text, quoted=False)
        assert format_pattern(tree) == written
        assert parse_pattern(written) == ast.Literal(text, quoted=written.startswith('"'))
