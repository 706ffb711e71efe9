"""The Pike VM against a naive reference matcher, on generated patterns and morpheme streams.

No model needed: morphemes are built directly. The reference computes, for
each start position, every end the pattern can reach (set semantics, by
recursion), and takes the leftmost start with the longest end, then goes on
after it: the matcher's documented leftmost-longest, non-overlapping ``find``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from koie.analysis.morphemes import Morpheme
from koie.lang.compile import compile_pattern
from koie.lang.ir import MorphemeCheck, RAlt, RAnchor, RGroup, RMorph, RNode, RRepeat, RSeq, RSlot, nullable
from koie.vm.match import EntitySpan, MatchInput, find_matches

FORMS = ("a", "b", "c")
TAGS = ("NNG", "JKS")


def _checks() -> st.SearchStrategy[MorphemeCheck]:
    return st.builds(
        lambda forms, tags, negated: MorphemeCheck(frozenset(forms), frozenset(tags), None, negated),
        st.sets(st.sampled_from(FORMS), max_size=2),
        st.sets(st.sampled_from(TAGS), max_size=1),
        st.booleans(),
    )


def _patterns() -> st.SearchStrategy[RNode]:
    counter = iter(range(10**9))
    leaves = st.one_of(
        _checks().map(lambda check: RMorph(check, next(counter))),
        st.just(None).map(lambda _: RSlot(frozenset(("X",)), "x", next(counter))),
        st.booleans().map(lambda end: RAnchor(end, next(counter))),
    )

    def extend(inner: st.SearchStrategy[RNode]) -> st.SearchStrategy[RNode]:
        return st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda items: RSeq(tuple(items))),
            st.lists(inner, min_size=2, max_size=3).map(lambda options: RAlt(tuple(options))),
            st.tuples(inner, st.sampled_from([(0, 1), (0, None), (1, None), (1, 2), (2, 3)]), st.booleans()).map(
                lambda t: RRepeat(t[0], t[1][0], t[1][1], t[2])
            ),
            inner.map(lambda body: RGroup(body, "g")),
        )

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def _streams(draw: Any) -> tuple[list[Morpheme], list[EntitySpan]]:
    size = draw(st.integers(0, 7))
    morphemes = [Morpheme(draw(st.sampled_from(FORMS)), draw(st.sampled_from(TAGS)), i, i + 1, i) for i in range(size)]
    spans = []
    for _ in range(draw(st.integers(0, 3))):
        if size:
            start = draw(st.integers(0, size - 1))
            end = draw(st.integers(start + 1, size))
            spans.append(EntitySpan(start, end, "X"))
    return morphemes, spans


def _ends(node: RNode, morphemes: list[Morpheme], spans: list[EntitySpan], position: int) -> set[int]:
    """Every position the node can end at when it starts at ``position``."""
    count = len(morphemes)
    if isinstance(node, RMorph):
        return {position + 1} if position < count and node.check.accepts(morphemes, position) else set()
    if isinstance(node, RSlot):
        return {s.end for s in spans if s.start == position and s.label in node.labels and s.end > position}
    if isinstance(node, RAnchor):
        return {position} if (position == count if node.at_end else position == 0) else set()
    if isinstance(node, RGroup):
        return _ends(node.body, morphemes, spans, position)
    if isinstance(node, RSeq):
        current = {position}
        for item in node.items:
            current = {e for p in current for e in _ends(item, morphemes, spans, p)}
        return current
    if isinstance(node, RAlt):
        return {e for option in node.options for e in _ends(option, morphemes, spans, position)}
    assert isinstance(node, RRepeat)
    # After min + count + 1 repetitions no new position can appear: positions
    # only grow, and a body that consumes nothing keeps them where they are.
    limit = node.max if node.max is not None else node.min + count + 1
    level = {position}
    reached = {position} if node.min == 0 else set()
    for times in range(1, limit + 1):
        level = {e for p in level for e in _ends(node.body, morphemes, spans, p)}
        if times >= node.min:
            reached |= level
    return reached


def _reference(node: RNode, morphemes: list[Morpheme], spans: list[EntitySpan]) -> list[tuple[int, int]]:
    found = []
    position = 0
    while position <= len(morphemes):
        match = None
        for start in range(position, len(morphemes) + 1):
            ends = _ends(node, morphemes, spans, start)
            if ends:
                match = (start, max(ends))
                break
        if match is None:
            break
        found.append(match)
        position = match[1] if match[1] > match[0] else match[0] + 1
    return found


@settings(max_examples=300)
@given(_patterns(), _streams())
def test_matcher_agrees_with_reference_matcher(pattern: RNode, stream: Any) -> None:
    morphemes, spans = stream
    text = "".join(m.form for m in morphemes)
    matches = find_matches(compile_pattern(pattern), MatchInput(morphemes, text, spans))
    assert [(m.start, m.end) for m in matches] == _reference(pattern, morphemes, spans)


@settings(max_examples=300)
@given(_patterns(), _streams())
def test_alignments_are_complete_and_monotone(pattern: RNode, stream: Any) -> None:
    morphemes, spans = stream
    text = "".join(m.form for m in morphemes)
    for match in find_matches(compile_pattern(pattern), MatchInput(morphemes, text, spans)):
        position = match.start
        for step in match.steps:
            assert step.start == position, (match, pattern)  # no hole, no overlap, in order
            assert step.end > step.start
            position = step.end
        assert position == match.end
        for name, values in match.captures.items():
            for first, last, _ in values:
                assert match.start <= first <= last <= match.end, name


def test_reference_matcher_finds_leftmost_longest() -> None:
    a = RMorph(MorphemeCheck(frozenset({"a"})), 0)
    morphemes = [Morpheme(f, "NNG", i, i + 1) for i, f in enumerate("baab")]
    assert _reference(RRepeat(a, 1, None), morphemes, []) == [(1, 3)]
    assert not nullable(RRepeat(a, 1, None))
