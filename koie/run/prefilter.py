"""The pre-filter: documents that cannot yield a record of the labels asked for are never analysed.

``koie run RULES INPUT --labels MEETING`` outputs only MEETING records. Every
such record comes from a match of a MEETING rule, and every match holds one
of the label's required atoms and what its rule needs (:mod:`koie.lang.atoms`):
a document whose raw text does not has no MEETING record, whatever the
analysis would say. One search of the folded text (:func:`koie.lang.surface.fold`)
for any of the atoms, then the label's formula, decide it before the analyser
sees the document.

The skip is per document, so everything koie does at the level of a document
(names resolved across sentences, carried subjects, repeated mentions) sees
either the whole document or a document that has no record of the labels
anyway: the records of an admitted document are exactly those of a run
without the pre-filter.

The atoms are found with one compiled regular expression, their alternation
(:class:`koie.lang.atoms.Prefilter`, which the pack makes), and the formula
is tested with :class:`koie.lang.formula.CompiledFormula`: ``bench/prefilter.py``
measures both, and the regular expression against an Aho-Corasick automaton
(pyahocorasick) over every string the atoms stand for; see docs/performance.md.

>>> import koie
>>> prefilter = koie.load("examples/hello.yaml").prefilter(["MEETING"])
>>> prefilter.admits("홍길동 사장이 김철수 대표와 만났다."), prefilter.admits("코스피가 올랐다.")
(True, False)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from koie.lang.atoms import Prefilter
from koie.run.inputs import InputDocument


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


__all__ = ["Prefilter", "Skipping"]  # Prefilter lives in koie.lang.atoms
