"""Needs as formulas: all of some atoms, or one of such groups, tested quickly on many texts.

:mod:`koie.lang.atoms` writes what a rule's matches need as a formula over
surface atoms (:mod:`koie.lang.surface`); :class:`CompiledFormula` tests it on
a document's folded text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from koie.lang.surface import Atom


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part holds (no part: always true)."""

    parts: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """One of the parts holds (no part: never true)."""

    parts: tuple[Formula, ...]


#: What a match needs of a document's folded text: an atom in it, all of some needs, or one of them.
Formula = Atom | AllOf | AnyOf
TRUE: Formula = AllOf(())
FALSE: Formula = AnyOf(())


def all_of(parts: Iterable[Formula]) -> Formula:
    kept: dict[Formula, None] = {}
    for part in parts:
        for piece in part.parts if isinstance(part, AllOf) else (part,):
            if piece == FALSE:
                return FALSE
            kept[piece] = None
    return next(iter(kept)) if len(kept) == 1 else AllOf(tuple(kept))


def any_of(parts: Iterable[Formula]) -> Formula:
    kept: dict[Formula, None] = {}
    for part in parts:
        for piece in part.parts if isinstance(part, AnyOf) else (part,):
            if piece == TRUE:
                return TRUE
            kept[piece] = None
    return next(iter(kept)) if len(kept) == 1 else AnyOf(tuple(kept))


def formula_atoms(formula: Formula) -> Iterator[Atom]:
    """Every atom the formula names (with repeats)."""
    if isinstance(formula, Atom):
        yield formula
    else:
        for part in formula.parts:
            yield from formula_atoms(part)


def formula_text(formula: Formula) -> str:
    """The formula for people: ``&`` for all, ``|`` for one of, brackets where needed."""
    if isinstance(formula, Atom):
        return str(formula)
    if not formula.parts:
        return "true" if isinstance(formula, AllOf) else "false"
    joint = " & " if isinstance(formula, AllOf) else " | "
    texts = [formula_text(part) if isinstance(part, Atom) else f"({formula_text(part)})" for part in formula.parts]
    return joint.join(texts)


#: An atom likelier than this to be on a line of news (one frequent syllable, a syllable any final
#: ends in) is taken as there: looking for it would rule out next to nothing.
_LIKELY_ATOM = 0.9
#: Characters of a line of news, for :func:`_likelihood`.
_LINE = 150


def _likelihood(formula: Formula) -> float:
    """A rough chance that a line of news holds ``formula``."""
    if isinstance(formula, Atom):
        return min(1.0, formula.chance * _LINE)
    if isinstance(formula, AllOf):
        return min((_likelihood(part) for part in formula.parts), default=1.0)
    return min(1.0, sum(_likelihood(part) for part in formula.parts))


def _quick(formula: Formula) -> Formula:
    """``formula`` with the atoms nearly every line holds taken as held (a weaker need is still a need)."""
    if isinstance(formula, Atom):
        return TRUE if _likelihood(formula) >= _LIKELY_ATOM else formula
    if isinstance(formula, AllOf):
        return all_of(_quick(part) for part in formula.parts)
    return any_of(_quick(part) for part in formula.parts)


class CompiledFormula:
    """A formula made quick to test on many texts: shared parts become one node each, an
    alternation of atoms one regular expression, and a test looks at each node once.

    >>> meet, lunch = Atom.exact("만남"), Atom.exact("오찬")
    >>> formula = CompiledFormula(any_of([meet, all_of([lunch, Atom.exact("함께")])]))
    >>> formula.holds("오찬을함께했다"), formula.holds("오찬")
    (True, False)
    """

    _ATOM, _ALL, _ANY = 0, 1, 2

    def __init__(self, formula: Formula) -> None:
        self.kinds: list[int] = []
        self.children: list[tuple[int, ...]] = []
        #: an atom node's regular expression, compiled when a text first needs it
        self.patterns: list[re.Pattern[str] | str] = []
        #: a pattern's characters it cannot be without (one place each: the characters it may be)
        self.places: list[tuple[frozenset[str], ...]] = []
        self.root = self._add(_quick(formula), {})

    def _add(self, formula: Formula, made: dict[Formula, int]) -> int:
        found = made.get(formula)
        if found is not None:
            return found
        if isinstance(formula, Atom) or (
            isinstance(formula, AnyOf) and formula.parts and all(isinstance(part, Atom) for part in formula.parts)
        ):
            atoms = (
                [formula] if isinstance(formula, Atom) else [part for part in formula.parts if isinstance(part, Atom)]
            )
            places = tuple(frozenset(unit) for unit in atoms[0].units) if len(atoms) == 1 else ()
            node = self._node(self._ATOM, (), "|".join(sorted({atom.pattern() for atom in atoms})), places)
        else:
            kind = self._ALL if isinstance(formula, AllOf) else self._ANY
            # all: the part least likely to hold first (the test stops there); one of: the likeliest
            parts = sorted(formula.parts, key=_likelihood, reverse=kind == self._ANY)
            node = self._node(kind, tuple(self._add(part, made) for part in parts), "", ())
        made[formula] = node
        return node

    def _node(
        self, kind: int, children: tuple[int, ...], pattern: re.Pattern[str] | str, places: tuple[frozenset[str], ...]
    ) -> int:
        self.kinds.append(kind)
        self.children.append(children)
        self.patterns.append(pattern)
        self.places.append(places)
        return len(self.kinds) - 1

    def _pattern(self, node: int) -> re.Pattern[str]:
        pattern = self.patterns[node]
        if isinstance(pattern, str):
            pattern = self.patterns[node] = re.compile(pattern)
        return pattern

    def holds(self, folded: str) -> bool:
        """Whether the folded text holds the formula."""
        characters = set(folded)
        known: list[bool | None] = [None] * len(self.kinds)

        def value(node: int) -> bool:
            found = known[node]
            if found is None:
                kind = self.kinds[node]
                if kind == self._ATOM:
                    found = all(not characters.isdisjoint(place) for place in self.places[node]) and (
                        self._pattern(node).search(folded) is not None
                    )
                elif kind == self._ALL:
                    found = all(value(child) for child in self.children[node])
                else:
                    found = any(value(child) for child in self.children[node])
                known[node] = found
            return found

        return value(self.root)
