"""The pattern grammar fuzzed with itself (``from_lark`` on koie/lang/koie.lark)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from koie.analysis.morphemes import NotationAnalyzer
from koie.errors import SourceText
from koie.lang.compile import compile_pattern
from koie.lang.grammar import grammar_text
from koie.lang.parse import PatternError, format_pattern, parse_pattern
from koie.lang.resolve import check_resolve
from koie.lang.spec import LexiconSpec, MacroSpec, PackSpec, RuleSpec
from koie.lang.yamlfile import PatternText, Place

# A plain Earley parser over the same file: from_lark only reads the grammar.
GRAMMAR = Lark(grammar_text(), start="start")
NAMES = st.sampled_from(["PERSON", "ORG", "TITLE", "x", "이름"])
PATTERNS = from_lark(
    GRAMMAR,
    explicit={"NAME": NAMES, "LEXREF": st.sampled_from(["@TITLE", "@NOPE"]), "MACRO": st.sampled_from(["$M", "$NOPE"])},
)


def _pack(pattern: str) -> PackSpec:
    source = SourceText.of("fuzz.yaml", pattern)
    place = Place(source, 0)
    text = PatternText(pattern, place, tuple(range(len(pattern))))
    rules = tuple(
        RuleSpec(
            rule_id,
            label,
            PatternText(body, place, tuple(range(len(body)))) if body else text,
            0,
            True,
            {},
            (),
            (),
            place,
        )
        for rule_id, label, body in (("fuzz", "FUZZ", ""), ("p", "PERSON", "/NNP"), ("o", "ORG", "/NNP"))
    )
    macro = MacroSpec("M", PatternText("회장", place, (0, 1)))
    return PackSpec("fuzz", "0", "", "fuzz.yaml", (LexiconSpec("TITLE", ("회장",), None, 0.0, place),), (macro,), rules)


@settings(max_examples=50)
@given(PATTERNS)
def test_grammar_strings_parse_or_raise_pattern_error(pattern: str) -> None:
    try:
        tree = parse_pattern(pattern)
    except PatternError as error:
        assert error.code.startswith("E") and 0 <= error.offset <= len(pattern)
        return
    assert tree is not None


@settings(max_examples=50)
@given(
    st.one_of(
        PATTERNS, st.text(max_size=30), st.text(alphabet='[]()|?*+{}/@$^~!."#<>:=\\ 회장PERSON,0123', max_size=25)
    )
)
@example('$M|"+"')  # the stand-in analyser read the literal + as morpheme notation and raised
def test_any_string_compiles_or_gives_koie_diagnostics(pattern: str) -> None:
    """Whole resolver: never an exception, only diagnostics; without errors the rule compiles."""
    resolved, diagnostics = check_resolve(_pack(pattern), NotationAnalyzer())
    assert all(d.code[:1] in "EW" and d.code[1:].isdigit() for d in diagnostics)
    if resolved is not None:
        for rule in resolved.rules:
            assert len(compile_pattern(rule.body)) >= 2


@settings(max_examples=60)
@given(PATTERNS)
def test_format_then_parse_gives_the_same_pattern(pattern: str) -> None:
    try:
        tree = parse_pattern(pattern)
    except PatternError:
        return
    text = format_pattern(tree)
    assert parse_pattern(text) == tree, text
    assert format_pattern(parse_pattern(text)) == text


@settings(max_examples=80)
@given(PATTERNS)
def test_a_tree_read_back_from_its_data_is_the_same_tree(pattern: str) -> None:
    """koie.lang.ast.to_data / from_data (the analysis cache keeps parsed patterns so): equal trees, equal spans."""
    import json

    from koie.lang import ast

    try:
        tree = parse_pattern(pattern)
    except PatternError:
        return
    again = ast.from_data(json.loads(json.dumps(ast.to_data(tree), ensure_ascii=False)))
    assert again == tree
    assert [(type(n), n.span) for n in ast.walk(again)] == [(type(n), n.span) for n in ast.walk(tree)]
