"""What koie asks of a morphological analyser: one protocol, and each optional capability as a protocol of its own.

Every analyser satisfies :class:`Analyzer`. The other protocols are
capabilities some analysers have; a caller that can use one asks with
``isinstance`` (they are runtime-checkable) and calls it, never probes for a
method by name:

* :class:`ScoresReadings` (Kiwi, the cache): the warning on a literal with two
  likely readings, W101 (koie.lang.resolve).
* :class:`StreamsAnalyses` (Kiwi, the cache): one analysis call for a whole run
  (koie.run.runner).
* :class:`LoadsModel` (Kiwi, the cache): threads per worker process, and forking
  only before a model is loaded (koie.run.parallel).
* :class:`HasUserWords` (Kiwi, the cache): the cache key, and one model per
  worker (koie.dask).
* :class:`StoresAnalyses` (the cache): cache writes off the matching thread
  (koie.run.runner).
* :class:`HoldsWrites` (the cache): a pack's literals written in one
  transaction (koie.api, koie.lang.check).
* :class:`KeepsPatterns` (the cache): parsed pattern trees kept across runs
  (koie.lang.resolve).
* :class:`CutsLines` (Kiwi, the cache): the warning on a long line cut where
  no sentence ends, W402 (koie.run.records).

A wrapper has every capability of the analyser it wraps:
:class:`koie.analysis.cache.CachedAnalyzer` implements each one (a test holds
it to :data:`CAPABILITIES`), so turning the cache on or off never changes what
koie does, only how fast.

>>> from koie.analysis.morphemes import NotationAnalyzer
>>> isinstance(NotationAnalyzer(), Analyzer), isinstance(NotationAnalyzer(), ScoresReadings)
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from koie.analysis.morphemes import AnalyzedDocument, Morpheme, UserWord


@runtime_checkable
class Analyzer(Protocol):
    """What koie needs from every morphological analyser."""

    def analyze(self, text: str) -> AnalyzedDocument:
        """One document: its sentences and their morphemes, offsets into ``text``."""
        ...

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        """Several documents, in order (an analyser may batch them)."""
        ...

    def analyze_fragment(self, text: str) -> tuple[Morpheme, ...]:
        """Analyse a pattern literal: one piece of text, no sentence split."""
        ...

    def versions(self) -> dict[str, str]:
        """The versions that decide an analysis, recorded in outputs and cache keys."""
        ...


#: One reading of a fragment and its score (a log-probability: higher is likelier).
ScoredReading = tuple[tuple[Morpheme, ...], float]


@runtime_checkable
class ScoresReadings(Protocol):
    """An analyser that ranks the readings of a fragment, for the warning on ambiguous literals (W101)."""

    def scored_alternatives(self, text: str, n: int) -> list[ScoredReading]:
        """The ``n`` best readings of ``text``, best first (none: nothing to compare)."""
        ...


@runtime_checkable
class StreamsAnalyses(Protocol):
    """An analyser that takes a stream of texts and gives each analysis as soon as it is made."""

    def analyze_stream(self, texts: Iterable[str]) -> Iterator[tuple[AnalyzedDocument, bool]]:
        """Each text's analysis in order, and whether it is fresh (not read from a store)."""
        ...


@runtime_checkable
class LoadsModel(Protocol):
    """An analyser backed by a model loaded on first use, which analyses in threads of its own."""

    @property
    def model_loaded(self) -> bool:
        """Whether the model is in memory (a process that forks must not have used its threads)."""
        ...

    def set_threads(self, count: int) -> None:
        """Analyse in ``count`` threads (cores shared by worker processes); before the model loads."""
        ...


@runtime_checkable
class HasUserWords(Protocol):
    """An analyser with words a rule pack added to its dictionary (they change its analyses)."""

    @property
    def user_words(self) -> tuple[UserWord, ...]: ...


@runtime_checkable
class StoresAnalyses(Protocol):
    """An analyser that keeps its analyses, and lets the caller choose when new ones are written."""

    def covers(self, texts: Sequence[str]) -> bool:
        """Whether every text's analysis is kept (analysing them loads no model)."""
        ...

    def analyze_many_later(self, texts: Sequence[str]) -> tuple[list[AnalyzedDocument], Callable[[], None]]:
        """The analyses, and the function that writes the new ones."""
        ...

    def store_soon(self, fresh: Sequence[tuple[str, AnalyzedDocument]]) -> None:
        """Write fresh (text, analysis) pairs from :meth:`StreamsAnalyses.analyze_stream`, in the background."""
        ...

    def flush(self) -> None:
        """Wait until every write given to :meth:`store_soon` is done."""
        ...


@runtime_checkable
class HoldsWrites(Protocol):
    """An analyser that can gather the analyses made in a block and write them together at its end."""

    def writes_held(self) -> AbstractContextManager[None]: ...


@runtime_checkable
class KeepsPatterns(Protocol):
    """An analyser whose store also keeps parsed pattern trees, under the parser's signature."""

    def parsed_patterns(self, texts: Sequence[str], signature: str) -> dict[str, Any]:
        """The kept trees of ``texts`` as data (koie.lang.ast.to_data), by text (those not kept are left out)."""
        ...

    def store_patterns(self, trees: dict[str, Any], signature: str) -> None:
        """Keep freshly parsed trees, given as data (koie.lang.ast.to_data)."""
        ...


@runtime_checkable
class CutsLines(Protocol):
    """An analyser that reads long lines in pieces, and says where it had to cut one with no sentence end."""

    def blind_cuts(self, text: str) -> list[int]:
        """The offsets in ``text`` where a line was cut with no sentence end to cut after (a match across is lost)."""
        ...


#: Every optional capability (the wrapper test checks the cache has each one its inner analyser has).
CAPABILITIES: tuple[type, ...] = (
    ScoresReadings,
    StreamsAnalyses,
    LoadsModel,
    HasUserWords,
    StoresAnalyses,
    HoldsWrites,
    KeepsPatterns,
    CutsLines,
)

__all__ = [
    "CAPABILITIES",
    "Analyzer",
    "CutsLines",
    "HasUserWords",
    "HoldsWrites",
    "KeepsPatterns",
    "LoadsModel",
    "ScoredReading",
    "ScoresReadings",
    "StoresAnalyses",
    "StreamsAnalyses",
]
