"""The pre-filter: documents that cannot yield a record of the labels asked for are never analysed.

``koie run RULES INPUT --labels MEETING`` outputs only MEETING records. Every
such record comes from a match of a MEETING rule, and every match holds one
of the label's required atoms (:mod:`koie.lang.atoms`): a document whose raw
text holds none of them has no MEETING record, whatever the analysis would
say. One search of the folded text (:func:`koie.lang.atoms.fold`) for any of
the atoms decides it, before the analyser sees the document.

The skip is per document, so everything koie does at the level of a document
(names resolved across sentences, carried subjects, repeated mentions) sees
either the whole document or a document that has no record of the labels
anyway: the records of an admitted document are exactly those of a run
without the pre-filter.

The atoms are found with one compiled regular expression, their alternation:
``bench/prefilter.py`` measured it against an Aho-Corasick automaton
(pyahocorasick) over every string the atoms stand for, on its corpus; see
docs/performance.md.

>>> import koie
>>> prefilter = koie.load("examples/hello.yaml").prefilter(["MEETING"])
>>> prefilter.admits("홍길동 사장이 김철수 대표와 만났다."), prefilter.admits("코스피가 올랐다.")
(True, False)
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from koie.lang.atoms import Atom, PackAtoms, RuleAtoms, fold
from koie.run.inputs import InputDocument


def atoms_pattern(atoms: Iterable[Atom]) -> re.Pattern[str]:
    """One regular expression that finds any of ``atoms`` in folded text (none: never matches)."""
    patterns = sorted({atom.pattern() for atom in atoms})
    return re.compile("|".join(patterns) if patterns else r"(?!)")


@dataclass(frozen=True)
class Prefilter:
    """Which documents may hold records of ``labels``: :meth:`admits`."""

    labels: frozenset[str]
    #: None: a label asked for cannot be pre-filtered, and every document is admitted
    atoms: frozenset[Atom] | None
    #: the rules that make a label asked for unfilterable (koie check says why)
    unfilterable: tuple[RuleAtoms, ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @staticmethod
    def of(atoms: PackAtoms, labels: Iterable[str]) -> Prefilter:
        wanted = frozenset(labels)
        found = atoms.atoms_for(sorted(wanted))
        unfilterable = tuple(rule for label in sorted(wanted) for rule in atoms.labels[label].unfilterable)
        return Prefilter(wanted, found, unfilterable, None if found is None else atoms_pattern(found))

    @property
    def filters(self) -> bool:
        """Whether any document can be skipped (every label asked for can be pre-filtered)."""
        return self._pattern is not None

    def admits(self, text: str) -> bool:
        """Whether ``text`` may yield a record of the labels: it holds one of their atoms."""
        if self._pattern is None:
            return True
        return self._pattern.search(fold(text)) is not None


class Skipping:
    """A run's batches without the documents the pre-filter skips, and their results with them put back.

    :meth:`batches` gives each batch without its skipped documents (the analysis never sees them);
    :meth:`results` gives, for each computed batch in input order, the whole batch and a row list
    with an empty one for each skipped document, so the sinks, the journal of ``--resume`` and the
    summary see every document. ``skipped`` counts the skipped documents handed back so far.
    """

    def __init__(self, prefilter: Prefilter) -> None:
        self.prefilter = prefilter
        self.skipped = 0
        self._held: deque[tuple[list[Any], list[bool]]] = deque()  # filled by the reading thread, in order

    def batches(self, batches: Iterable[list[Any]]) -> Iterator[list[Any]]:
        for batch in batches:
            skips = [isinstance(item, InputDocument) and not self.prefilter.admits(item.text) for item in batch]
            self._held.append((batch, skips))
            yield [item for item, skip in zip(batch, skips) if not skip]

    def results(self, computed: Generator[tuple[list[Any], Any], None, None]) -> Generator[Any, None, None]:
        """The computed batches (in input order) whole again; closing this closes ``computed``."""
        try:
            for _kept, (rows, failures) in computed:
                batch, skips = self._held.popleft()
                kept = iter(rows)
                every = [
                    [] if skip else next(kept) for item, skip in zip(batch, skips) if isinstance(item, InputDocument)
                ]
                self.skipped += sum(skips)
                yield batch, (every, failures)
        finally:
            computed.close()  # the analysis stops (koie.run.runner._streamed) when the run does


__all__ = ["Prefilter", "Skipping", "atoms_pattern"]
