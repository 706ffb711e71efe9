"""The Python API: load a pack once, extract from many texts.

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> [(r.label, r.text) for r in pack.extract("홍길동 한빛전자 사장이 김철수 대표와 회동했다.")]
[('MEETING', '홍길동 한빛전자 사장이 김철수 대표와 회동했다')]
>>> record = pack.extract("홍길동 사장이 김철수 대표와 만났다.")[0]
>>> {role: m.text for role, m in record.args.items()}
{'subject': '홍길동', 'object': '김철수'}
>>> print(pack.explain(record)["steps"][0]["element"])
[PERSON:subject]
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koie.analysis.kiwi import shared_analyzer as shared_analyzer  # one Kiwi per set of user words
from koie.analysis.morphemes import AnalyzedDocument
from koie.analysis.protocol import Analyzer, HoldsWrites
from koie.engine.dates import parse_published
from koie.engine.extract import CompiledPack, Extraction, Record, compile_pack, extract
from koie.engine.mentions import complete_extraction
from koie.explain import explain_record
from koie.lang.load import PackSpec, load_pack
from koie.lang.resolve import resolve_pack, user_words_of

if TYPE_CHECKING:
    from koie.lang.atoms import PackAtoms, Prefilter


class Pack:
    """A compiled rule pack bound to an analyser."""

    def __init__(self, compiled: CompiledPack, analyzer: Analyzer) -> None:
        self._compiled: CompiledPack | None = compiled
        self._spec = compiled.resolved.spec
        self.analyzer = analyzer

    @classmethod
    def load(cls, path: str | Path, analyzer: Analyzer | None = None) -> Pack:
        spec = load_pack(path)
        analyzer = analyzer or shared_analyzer(user_words_of(spec))
        return cls(compile_pack(resolve_pack(spec, analyzer)), analyzer)

    @classmethod
    def deferred(cls, spec: PackSpec, analyzer: Analyzer) -> Pack:
        """A pack whose rules are resolved and compiled when :attr:`compiled` is first read.

        ``koie run`` starts the analysis of the documents first and compiles
        the pack while Kiwi analyses them (koie.run.runner): the literals are
        analysed by the model the documents need anyway, so the compile waits
        for the model, and the documents need not wait for the compile. A bad
        pack raises :class:`koie.KoieError` where it is compiled.
        """
        pack = cls.__new__(cls)
        pack._compiled = None
        pack._spec = spec
        pack.analyzer = analyzer
        return pack

    @property
    def compiled(self) -> CompiledPack:
        if self._compiled is None:
            # an analyser with a cache writes the literals' analyses in one transaction
            held = self.analyzer.writes_held() if isinstance(self.analyzer, HoldsWrites) else contextlib.nullcontext()
            with held:
                self._compiled = compile_pack(resolve_pack(self._spec, self.analyzer))
        return self._compiled

    @property
    def atoms(self) -> PackAtoms:
        """Each label's required atoms (koie.lang.atoms): what a document must hold to yield its records."""
        found: PackAtoms | None = self.__dict__.get("_atoms")
        if found is None:
            from koie.lang.atoms import required_atoms

            found = self.__dict__["_atoms"] = required_atoms(self.compiled.resolved)
        return found

    def prefilter(self, labels: Iterable[str]) -> Prefilter:
        """What skips, before analysis, the documents that cannot yield a record of ``labels``.

        Raises :class:`koie.KoieError` (E201) for a label no rule of the pack has.
        """
        from koie.lang.atoms import Prefilter

        return Prefilter.of(self.atoms, self.check_labels(labels))

    def check_labels(self, labels: Iterable[str]) -> frozenset[str]:
        """``labels`` if the pack's rules have each; :class:`koie.KoieError` (E201) naming the first unknown one."""
        from koie.errors import Diagnostic, KoieError, did_you_mean

        known = {rule.label for rule in self._spec.rules}
        wanted = frozenset(labels)
        for label in sorted(wanted - known):
            hint = did_you_mean(label, known) or f"the labels of {self.name}: {', '.join(sorted(known))}"
            message = f"unknown label {label!r}: no rule of the pack has it"
            raise KoieError([Diagnostic("E201", message, value=label, suggestion=hint)])
        return wanted

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    @property
    def spec(self) -> PackSpec:
        """The pack as loaded (its files, rules and settings), compiled or not."""
        return self._spec

    def __getstate__(self) -> dict[str, Any]:
        # worker processes receive the compiled pack (koie.run.parallel), never a compile still to do;
        # the atoms are made again where they are needed
        return {"_compiled": self.compiled, "_spec": self._spec, "analyzer": self.analyzer}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def name(self) -> str:
        return self._spec.name

    @property
    def warnings(self) -> tuple[Any, ...]:
        return self.compiled.resolved.warnings

    def analyze(self, text: str) -> AnalyzedDocument:
        return self.analyzer.analyze(text)

    def extract_document(
        self, text: str | AnalyzedDocument, doc_id: str = "", published: str | date | None = None
    ) -> Extraction:
        """Match every rule, then complete the records document-wide (carried roles, names, dates).

        ``published`` (``YYYY-MM-DD``) is the publication date relative dates are read against.
        """
        document = text if isinstance(text, AnalyzedDocument) else self.analyzer.analyze(text)
        return complete_extraction(self.compiled, extract(self.compiled, document, doc_id), parse_published(published))

    def extract(
        self,
        text: str,
        doc_id: str = "",
        include_hidden: bool = False,
        published: str | date | None = None,
        labels: Iterable[str] | None = None,
    ) -> list[Record]:
        """Records of output rules (all rules with ``include_hidden``), in output order.

        ``labels``: only records of these labels, and a text that cannot yield one (it holds none
        of their required atoms, :meth:`prefilter`) is not analysed at all.

        >>> pack = load("examples/hello.yaml")
        >>> pack.extract("코스피가 올랐다.", labels=["MEETING"])
        []
        """
        if labels is None:
            return self.extract_document(text, doc_id, published).output(include_hidden)
        prefilter = self.prefilter(labels)
        if not prefilter.admits(text):
            return []
        records = self.extract_document(text, doc_id, published).output(include_hidden)
        return [record for record in records if record.label in prefilter.labels]

    def explain(self, record: Record) -> dict[str, Any]:
        """The explanation of one record (see docs/output.md)."""
        return explain_record(self.compiled, record)


def load(path: str | Path, analyzer: Analyzer | None = None) -> Pack:
    """Load, resolve and compile a rule pack; raises :class:`koie.KoieError` on a bad pack."""
    return Pack.load(path, analyzer)


def load_cached_pack(
    path: str | os.PathLike[str], cache: str | os.PathLike[str] | None, deferred: bool = False
) -> Pack:
    """:func:`koie.lang.load`, with the pack's analyser (literals and documents) behind the cache at ``cache``.

    ``cache=None`` loads the pack without a cache. ``deferred``: the rule files
    are read and checked now, the rules resolved and compiled when first used
    (:meth:`koie.api.Pack.deferred`).
    """
    from koie.analysis.cache import CachedAnalyzer

    spec = load_pack(os.fspath(path))
    analyzer: Analyzer = shared_analyzer(user_words_of(spec))
    if cache is not None:
        analyzer = CachedAnalyzer(analyzer, cache)
    pack = Pack.deferred(spec, analyzer)
    if not deferred:
        pack.compiled  # noqa: B018 - compiled now: a bad pack raises here
    return pack
