"""Needs as formulas: all of some atoms, or one of such groups, tested quickly on many texts.

:mod:`koie.lang.atoms` writes what a rule's matches need as a formula over
surface atoms (:mod:`koie.lang.surface`); :class:`CompiledFormula` tests it on
a document's folded text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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
    """All of ``parts``, flattened (an inner all is spread out, a false part makes it false)."""
    return _flattened(parts, AllOf, FALSE)


def any_of(parts: Iterable[Formula]) -> Formula:
    """One of ``parts``, flattened (an inner one-of is spread out, a true part makes it true)."""
    return _flattened(parts, AnyOf, TRUE)


def _flattened(parts: Iterable[Formula], kind: type[AllOf] | type[AnyOf], absorbing: Formula) -> Formula:
    kept: dict[Formula, None] = {}
    for part in parts:
        for piece in part.parts if isinstance(part, kind) else (part,):
            if piece == absorbing:
                return absorbing
            kept[piece] = None
    return next(iter(kept)) if len(kept) == 1 else kind(tuple(kept))


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


def _likelihood(formula: Formula, known: dict[int, float]) -> float:
    """A rough chance that a line of news holds ``formula`` (``known``: by the id of each part rated)."""
    found = known.get(id(formula))
    if found is None:
        if isinstance(formula, Atom):
            found = min(1.0, formula.chance * _LINE)
        elif isinstance(formula, AllOf):
            found = min((_likelihood(part, known) for part in formula.parts), default=1.0)
        else:
            found = min(1.0, sum(_likelihood(part, known) for part in formula.parts))
        known[id(formula)] = found
    return found


def _quick(formula: Formula, known: dict[int, Formula], likely: dict[int, float]) -> Formula:
    """``formula`` with the atoms nearly every line holds taken as held (a weaker need is still a need)."""
    found = known.get(id(formula))
    if found is None:
        if isinstance(formula, Atom):
            found = TRUE if _likelihood(formula, likely) >= _LIKELY_ATOM else formula
        elif isinstance(formula, AllOf):
            found = all_of(_quick(part, known, likely) for part in formula.parts)
        else:
            found = any_of(_quick(part, known, likely) for part in formula.parts)
        known[id(formula)] = found
    return found


@dataclass
class _Building:
    """What :class:`CompiledFormula` keeps while it is made: the node of each part and the number of
    each atom made so far, and each part's rated likelihood by its id (the parts stay alive meanwhile)."""

    nodes: dict[Formula, int] = field(default_factory=dict)
    atoms: dict[Atom, int] = field(default_factory=dict)
    likely: dict[int, float] = field(default_factory=dict)


class CompiledFormula:
    """A formula made quick to test on many texts: shared parts become one node each, the atoms
    among alternatives one node, and a test looks at each node and each atom once; an atom is
    searched for only when the text has a character for each of its places.

    >>> meet, lunch = Atom.exact("만남"), Atom.exact("오찬")
    >>> formula = CompiledFormula(any_of([meet, all_of([lunch, Atom.exact("함께")])]))
    >>> formula.holds("오찬을함께했다"), formula.holds("오찬")
    (True, False)
    """

    _ATOMS, _ALL, _ANY = 0, 1, 2

    def __init__(self, formula: Formula) -> None:
        self.kinds: list[int] = []
        #: an all or one-of node's parts; an atoms node's atoms (numbers into the lists below)
        self.children: list[tuple[int, ...]] = []
        #: each atom's regular expression, compiled when a text first needs it
        self.patterns: list[re.Pattern[str] | str] = []
        #: each atom's places: the characters each may be (a text without one cannot hold the atom)
        self.places: list[tuple[frozenset[str], ...]] = []
        building = _Building()
        self.root = self._add(_quick(formula, {}, building.likely), building)

    def _atom(self, atom: Atom, building: _Building) -> int:
        number = building.atoms.get(atom)
        if number is None:
            number = building.atoms[atom] = len(self.patterns)
            self.patterns.append(atom.pattern())
            self.places.append(tuple(frozenset(unit) for unit in atom.units))
        return number

    def _add(self, formula: Formula, building: _Building) -> int:
        found = building.nodes.get(formula)
        if found is not None:
            return found
        if isinstance(formula, Atom):
            node = self._node(self._ATOMS, (self._atom(formula, building),))
        elif isinstance(formula, AnyOf):
            # the likeliest first: the test stops at the first that holds
            parts = sorted(formula.parts, key=lambda part: _likelihood(part, building.likely), reverse=True)
            atoms = tuple(self._atom(part, building) for part in parts if isinstance(part, Atom))
            children = [self._node(self._ATOMS, atoms)] if atoms else []
            children += [self._add(part, building) for part in parts if not isinstance(part, Atom)]
            node = children[0] if len(children) == 1 else self._node(self._ANY, tuple(children))
        else:
            # the part least likely to hold first: the test stops there
            parts = sorted(formula.parts, key=lambda part: _likelihood(part, building.likely))
            node = self._node(self._ALL, tuple(self._add(part, building) for part in parts))
        building.nodes[formula] = node
        return node

    def _node(self, kind: int, children: tuple[int, ...]) -> int:
        self.kinds.append(kind)
        self.children.append(children)
        return len(self.kinds) - 1

    def _pattern(self, atom: int) -> re.Pattern[str]:
        pattern = self.patterns[atom]
        if isinstance(pattern, str):
            pattern = self.patterns[atom] = re.compile(pattern)
        return pattern

    def holds(self, folded: str) -> bool:
        """Whether the folded text holds the formula."""
        characters = set(folded)
        known: list[bool | None] = [None] * len(self.kinds)
        present: list[bool | None] = [None] * len(self.patterns)

        def has(atom: int) -> bool:
            found = present[atom]
            if found is None:
                found = present[atom] = all(not characters.isdisjoint(place) for place in self.places[atom]) and (
                    self._pattern(atom).search(folded) is not None
                )
            return found

        def value(node: int) -> bool:
            found = known[node]
            if found is None:
                kind = self.kinds[node]
                if kind == self._ATOMS:
                    found = any(has(atom) for atom in self.children[node])
                elif kind == self._ALL:
                    found = all(value(child) for child in self.children[node])
                else:
                    found = any(value(child) for child in self.children[node])
                known[node] = found
            return found

        return value(self.root)
