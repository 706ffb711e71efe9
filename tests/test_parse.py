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
        ("회장{500}", "E211", 2),
        ("^*", "E212", 1),
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
