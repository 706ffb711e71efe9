"""The Pike VM against a naive reference matcher, and against Python's ``re``, on generated patterns and streams.

No model needed: morphemes are built directly. The reference computes, for
each start position, every end the pattern can reach and the fewest morphemes
lazy elements take to reach it (by recursion), and takes the leftmost start,
the fewest lazily taken morphemes, then the longest end, and goes on after it
(or, with ``matches: all``, at the next start): the matcher's documented
leftmost-longest ``find``. Where ``re`` has the same constructs (tags as
letters, lazy quantifiers after fixed elements), the two agree on every match.
"""

from __future__ import annotations

import re
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
            st.tuples(inner, st.sampled_from([(0, 1), (0, None), (1, None), (1, 2)])).map(
                lambda t: RRepeat(t[0], t[1][0], t[1][1], False, lazy=True)
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


Ends = dict[int, int]  # end position -> fewest morphemes taken lazily on the way there


def _merge(into: Ends, end: int, lazy: int) -> None:
    if end not in into or lazy < into[end]:
        into[end] = lazy


def _ends(node: RNode, morphemes: list[Morpheme], spans: list[EntitySpan], position: int, weight: int = 0) -> Ends:
    """Every position the node can end at when it starts at ``position``, with the fewest morphemes
    it takes lazily to get there (each consumed inside ``weight`` lazy repetitions counts ``weight``)."""
    count = len(morphemes)
    if isinstance(node, RMorph):
        return {position + 1: weight} if position < count and node.check.accepts(morphemes, position) else {}
    if isinstance(node, RSlot):
        found: Ends = {}
        for s in spans:
            if s.start == position and s.label in node.labels and s.end > position:
                _merge(found, s.end, weight * (s.end - position))
        return found
    if isinstance(node, RAnchor):
        return {position: 0} if (position == count if node.at_end else position == 0) else {}
    if isinstance(node, RGroup):
        return _ends(node.body, morphemes, spans, position, weight)
    if isinstance(node, RSeq):
        current: Ends = {position: 0}
        for item in node.items:
            following: Ends = {}
            for p, lazy in current.items():
                for e, more in _ends(item, morphemes, spans, p, weight).items():
                    _merge(following, e, lazy + more)
            current = following
        return current
    if isinstance(node, RAlt):
        either: Ends = {}
        for option in node.options:
            for e, lazy in _ends(option, morphemes, spans, position, weight).items():
                _merge(either, e, lazy)
        return either
    assert isinstance(node, RRepeat)
    inner = weight + node.lazy
    # After min + count + 1 repetitions no new (position, count) can improve: positions only
    # grow, counts only grow, and a body that consumes nothing keeps both where they are.
    limit = node.max if node.max is not None else node.min + count + 1
    level: Ends = {position: 0}
    reached: Ends = {position: 0} if node.min == 0 else {}
    for times in range(1, limit + 1):
        following = {}
        for p, lazy in level.items():
            for e, more in _ends(node.body, morphemes, spans, p, inner).items():
                _merge(following, e, lazy + more)
        level = following
        if times >= node.min:
            for e, lazy in level.items():
                _merge(reached, e, lazy)
    return reached


def _reference(
    node: RNode, morphemes: list[Morpheme], spans: list[EntitySpan], every_start: bool = False
) -> list[tuple[int, int]]:
    found = []
    position = 0
    while position <= len(morphemes):
        match = None
        for start in range(position, len(morphemes) + 1):
            ends = _ends(node, morphemes, spans, start)
            if ends:
                fewest = min(ends.values())
                match = (start, max(e for e, lazy in ends.items() if lazy == fewest))
                break
        if match is None:
            break
        found.append(match)
        position = match[1] if match[1] > match[0] and not every_start else match[0] + 1
    return found


@settings(max_examples=300)
@given(_patterns(), _streams(), st.booleans())
def test_matcher_agrees_with_reference_matcher(pattern: RNode, stream: Any, every_start: bool) -> None:
    morphemes, spans = stream
    text = "".join(m.form for m in morphemes)
    matches = find_matches(compile_pattern(pattern, all_matches=every_start), MatchInput(morphemes, text, spans))
    assert [(m.start, m.end) for m in matches] == _reference(pattern, morphemes, spans, every_start)


#: Tag tests as letters of a tag string: the pattern's regex over them is what ``re`` runs.
_LETTERS = {"NNG": "a", "JKS": "b"}
_ATOMS = {"a": frozenset({"NNG"}), "b": frozenset({"JKS"}), "[ab]": frozenset({"NNG", "JKS"})}
_QUANTIFIERS = {"?": (0, 1), "*": (0, None), "+": (1, None), "{1,2}": (1, 2), "{0,3}": (0, 3)}


@st.composite
def _lazy_patterns(draw: Any) -> tuple[RNode, str]:
    """A pattern and its regex: fixed tests, then fixed and lazily repeated ones, then greedily repeated ones.

    Before a lazy element nothing is greedy: there, koie's rule (fewest morphemes taken lazily, then the
    longest) and ``re``'s (each element in turn: greedy as many, lazy as few as let the rest match) agree.
    """
    counter = iter(range(10**6))
    items: list[RNode] = []
    regex = ""

    def atom() -> tuple[RNode, str]:
        letters = draw(st.sampled_from(sorted(_ATOMS)))
        return RMorph(MorphemeCheck(frozenset(), _ATOMS[letters]), next(counter)), letters

    for _ in range(draw(st.integers(1, 2))):
        node, letters = atom()
        items.append(node)
        regex += letters
    for _ in range(draw(st.integers(1, 4))):
        node, letters = atom()
        if draw(st.booleans()):
            written = draw(st.sampled_from(sorted(_QUANTIFIERS)))
            low, high = _QUANTIFIERS[written]
            items.append(RRepeat(node, low, high, False, lazy=True))
            regex += letters + written + "?"
        else:
            items.append(node)
            regex += letters
    for _ in range(draw(st.integers(0, 2))):
        node, letters = atom()
        written = draw(st.sampled_from(sorted(_QUANTIFIERS)))
        low, high = _QUANTIFIERS[written]
        items.append(RRepeat(node, low, high))
        regex += letters + written
    return RSeq(tuple(items)), regex


@settings(max_examples=400)
@given(_lazy_patterns(), st.lists(st.sampled_from(sorted(_LETTERS)), max_size=9))
def test_lazy_quantifiers_match_what_re_matches(pattern: tuple[RNode, str], tags: list[str]) -> None:
    """*? +? ?? {n,m}? over tag strings: every match koie finds is the one Python's re.finditer finds."""
    node, regex = pattern
    morphemes = [Morpheme("x", tag, i, i + 1, i) for i, tag in enumerate(tags)]
    found = find_matches(compile_pattern(node), MatchInput(morphemes, "x" * len(tags)))
    letters = "".join(_LETTERS[tag] for tag in tags)
    assert [(m.start, m.end) for m in found] == [m.span() for m in re.finditer(regex, letters)], regex


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
