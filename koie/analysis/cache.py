"""An analysis cache: Kiwi's work is done once per text, then read back from SQLite.

Morphological analysis is the floor of a first run; a re-run after a rule edit
should not pay for it again. :class:`CachedAnalyzer` wraps any analyser and
keeps its results in one SQLite file (``$XDG_CACHE_HOME/koie/analyses.sqlite``
by default), keyed by

* the text (a SHA-256 digest; the text itself is not stored),
* the analyser's versions (kiwipiepy and its model) and koie's own version and
  storage format (how documents are cut into pieces and eojeols are numbered
  is part of an analysis),
* the user-dictionary entries the pack adds, so a changed lexicon never serves
  stale analyses.

It also keeps the analyses of a pack's literals and the parsed trees of its
patterns (keyed by the parser's signature too, stored as data, never pickled).

Every write is one transaction, the database runs in WAL mode with a busy
timeout, so concurrent writers (``--workers``, several ``koie run`` at once)
wait for each other instead of failing, and a crash loses at most the batch
being written. Each entry carries a CRC-32 of its payload: an entry that does
not check out is reported, deleted and recomputed, never trusted. A koie
cache that SQLite finds malformed is reported, moved aside (the latest few
kept) and rebuilt; a file that is not a koie cache (no SQLite header and koie's
mark) is never written, renamed or removed. A cache this user cannot write is
read and never written. The cache never stops a run: if it cannot be used,
koie warns once and analyses without it.

>>> import tempfile, os
>>> from koie.analysis.morphemes import NotationAnalyzer
>>> path = os.path.join(tempfile.mkdtemp(), "a.sqlite")
>>> cached = CachedAnalyzer(NotationAnalyzer(), path)
>>> first = cached.analyze("회장/NNG+이/JKS 왔/VV+다/EF")
>>> cached.stats.misses, cached.analyze("회장/NNG+이/JKS 왔/VV+다/EF") == first, cached.stats.hits
(1, True, 1)
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koie import native
from koie.analysis.morphemes import AnalyzedDocument, Morpheme, Sentence, UserWord, morphemes_from_columns
from koie.analysis.protocol import (
    Analyzer,
    CutsLines,
    HasUserWords,
    HoldsWrites,
    KeepsPatterns,
    LoadsModel,
    ScoredReading,
    ScoresReadings,
    StoresAnalyses,
    StreamsAnalyses,
)
from koie.analysis.store import FORMAT as FORMAT
from koie.analysis.store import AnalysisCache as AnalysisCache
from koie.analysis.store import CacheCorrupt as CacheCorrupt
from koie.analysis.store import CacheNotCleared as CacheNotCleared
from koie.analysis.store import CacheStats as CacheStats
from koie.analysis.store import NotACache as NotACache

_KIND_DOCUMENT = b"d"
_KIND_FRAGMENT = b"f"
_KIND_READINGS = b"s"
_KIND_PATTERN = b"p"


#: Texts looked up in the cache at once by :meth:`CachedAnalyzer.analyze_stream`.
STREAM_GROUP = 32
#: At most this many stored analyses wait, read, ahead of a fresh one in a stream.
STREAM_AHEAD = 256


def _groups(items: Iterator[str], size: int) -> Iterator[list[str]]:
    while group := list(itertools.islice(items, size)):
        yield group


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/koie/analyses.sqlite``, else ``~/.cache/koie/analyses.sqlite``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "koie" / "analyses.sqlite"


def _warn(message: str) -> None:
    print(f"koie: warning: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------
# Encoding: columns per sentence, as compact JSON (json's C decoder is fast,
# and JSON does not depend on the Python version the way marshal does).


def encode_morphemes(morphemes: Sequence[Morpheme]) -> list[Any]:
    return [
        [m.form for m in morphemes],
        [m.tag for m in morphemes],
        [m.start for m in morphemes],
        [m.end for m in morphemes],
        [m.eojeol for m in morphemes],
        [m.lemma for m in morphemes],
    ]


def decode_morphemes(columns: list[Any]) -> tuple[Morpheme, ...]:
    forms, tags, starts, ends, eojeols, lemmas = columns
    return morphemes_from_columns(forms, tags, starts, ends, eojeols, lemmas)


#: koie.analysis._convert: its encode_sentences writes encode_document's bytes in one pass (or None).
_native: Any = native.load("koie.analysis._convert")


def encode_document(document: AnalyzedDocument, source: str | None = None) -> bytes:
    """The analysis of a document (not its text) as compact JSON bytes.

    >>> from koie.analysis.morphemes import parse_notation
    >>> doc = parse_notation("회장/NNG+이/JKS || 왔/VV+다/EF")
    >>> decode_document(doc.text, encode_document(doc)) == doc
    True
    """
    rewritten = source is not None and source != document.text  # an analyser that rewrites its input
    if _native is not None and not rewritten:
        encoded: bytes = _native.encode_sentences(document.sentences)
        return encoded
    data: Any = [[s.start, s.end, encode_morphemes(s.morphemes)] for s in document.sentences]
    if rewritten:
        data = {"text": document.text, "sentences": data}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_document(text: str, payload: bytes) -> AnalyzedDocument:
    data = json.loads(payload)
    if isinstance(data, dict):
        text, data = data["text"], data["sentences"]
    return AnalyzedDocument(
        text, tuple(Sentence(start, end, decode_morphemes(columns)) for start, end, columns in data)
    )


class CachedAnalyzer:
    """Any :class:`~koie.analysis.protocol.Analyzer`, with its results kept in an :class:`AnalysisCache`.

    The wrapped analyser is touched only on a miss, so a warm run never loads
    the Kiwi model. Pickles as its inner analyser (which pickles as its user
    words) plus the cache path, so worker processes open their own connection.

    It has every capability of the analyser it wraps (koie.analysis.protocol):
    each is kept in the cache or passed through, so koie does the same with the
    cache as without it. Where the inner analyser lacks one, the answer is what
    koie assumes without it: no scored readings, no model, no user words.
    """

    def __init__(self, inner: Analyzer, cache: AnalysisCache | str | os.PathLike[str]) -> None:
        self.inner = inner
        self.cache = cache if isinstance(cache, AnalysisCache) else AnalysisCache(cache)
        self.stats = CacheStats()
        self._namespace: bytes | None = None
        #: literal analyses made inside writes_held(), not written yet (key -> payload)
        self._held: dict[bytes, bytes] | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._writing: Future[None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"inner": self.inner, "cache": self.cache}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["inner"], state["cache"])  # type: ignore[misc]

    @property
    def user_words(self) -> tuple[UserWord, ...]:
        return tuple(self.inner.user_words) if isinstance(self.inner, HasUserWords) else ()

    @property
    def model_loaded(self) -> bool:
        return isinstance(self.inner, LoadsModel) and self.inner.model_loaded

    def set_threads(self, count: int) -> None:
        if isinstance(self.inner, LoadsModel):
            self.inner.set_threads(count)

    def versions(self) -> dict[str, str]:
        return self.inner.versions()

    def blind_cuts(self, text: str) -> list[int]:
        return self.inner.blind_cuts(text) if isinstance(self.inner, CutsLines) else []

    def namespace(self) -> bytes:
        """What besides the text decides an analysis: versions, user words, koie's format."""
        if self._namespace is None:
            from koie import __version__

            words = [[w.word, w.tag, w.score] for w in self.user_words]
            described = json.dumps(
                {
                    "versions": self.inner.versions(),
                    "user_words": words,
                    "format": FORMAT,
                    "koie": __version__,
                    "analyzer": type(self.inner).__qualname__,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
            self._namespace = hashlib.sha256(described.encode("utf-8")).digest()
        return self._namespace

    def key(self, kind: bytes, text: str, extra: str = "") -> bytes:
        digest = hashlib.sha256(self.namespace())
        digest.update(kind)
        digest.update(extra.encode("utf-8"))
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def analyze(self, text: str) -> AnalyzedDocument:
        return self.analyze_many([text])[0]

    def covers(self, texts: Sequence[str]) -> bool:
        """Whether the cache holds the analysis of every text (so analysing them loads no model)."""
        keys = [self.key(_KIND_DOCUMENT, text) for text in texts]
        return len(self.cache.get_many(keys)) == len(set(keys))

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        documents, store = self.analyze_many_later(texts)
        store()
        return documents

    def analyze_many_later(self, texts: Sequence[str]) -> tuple[list[AnalyzedDocument], Callable[[], None]]:
        """:meth:`analyze_many`, leaving the cache write of new analyses to the caller: ``store()``.

        A corpus run analyses in one thread and matches in another; encoding
        and writing the analyses is Python work that would hold up the
        analysing thread, which is the slower one (koie.run.runner._pipelined).
        """
        keys = [self.key(_KIND_DOCUMENT, text) for text in texts]
        stored = self.cache.get_many(keys)
        results: list[AnalyzedDocument | None] = [
            self._decoded(text, stored.get(key)) for text, key in zip(texts, keys)
        ]
        missing = [index for index, document in enumerate(results) if document is None]
        new: list[tuple[bytes, AnalyzedDocument, str]] = []
        if missing:
            self.stats.misses += len(missing)
            fresh = self.inner.analyze_many([texts[i] for i in missing])
            for index, document in zip(missing, fresh):
                results[index] = document
                new.append((keys[index], document, texts[index]))

        def store() -> None:
            if new:
                writes = [(key, encode_document(document, text)) for key, document, text in new]
                self.stats.writes += self.cache.put_many(writes)

        return [r for r in results if r is not None], store

    def _decoded(self, text: str, payload: bytes | None) -> AnalyzedDocument | None:
        """The stored analysis of ``text``, or None: not stored, or unreadable (reported)."""
        if payload is None:
            return None
        try:
            document = decode_document(text, payload)
        except (ValueError, TypeError) as error:  # a payload that passed its CRC but does not decode
            self.stats.rejected += 1
            _warn(f"analysis cache entry unreadable ({error}); recomputing it")
            return None
        self.stats.hits += 1
        return document

    def analyze_stream(self, texts: Iterable[str]) -> Iterator[tuple[AnalyzedDocument, bool]]:
        """Each text's analysis in order, and whether it is not in the cache yet (the caller :meth:`store` s it).

        Stored analyses are read back; the others go through the inner
        analyser's stream when it has one (one Kiwi call for all of them).
        Texts are read in groups of :data:`STREAM_GROUP` (one lookup each),
        and at most :data:`STREAM_AHEAD` stored analyses wait ahead of a
        fresh one, so a mostly cached corpus is not all held in memory.
        """
        if not isinstance(self.inner, StreamsAnalyses):
            for group in _groups(iter(texts), STREAM_GROUP):
                documents = self.analyze_many(group)  # stored here: none is left to store
                for document in documents:
                    yield document, False
            return
        source = iter(texts)
        waiting: deque[AnalyzedDocument | None] = deque()  # in order; None: the inner stream's next one
        ended = False

        def missing() -> Iterator[str]:
            nonlocal ended
            for group in _groups(source, STREAM_GROUP):
                keys = [self.key(_KIND_DOCUMENT, text) for text in group]
                stored = self.cache.get_many(keys)
                for text, key in zip(group, keys):
                    document = self._decoded(text, stored.get(key))
                    waiting.append(document)
                    if document is None:
                        self.stats.misses += 1
                        yield text
                if len(waiting) > STREAM_AHEAD:
                    return  # the caller drains what waits, then streams on
            ended = True

        while not ended:
            for document, _fresh in self.inner.analyze_stream(missing()):
                while waiting[0] is not None:
                    yield waiting.popleft(), False  # type: ignore[misc]
                waiting.popleft()
                yield document, True
            while waiting:
                yield waiting.popleft(), False  # type: ignore[misc]

    def store(self, fresh: Sequence[tuple[str, AnalyzedDocument]]) -> None:
        """Write fresh analyses (text, analysis) from :meth:`analyze_stream` to the cache."""
        writes = []
        for text, document in fresh:
            try:
                writes.append((self.key(_KIND_DOCUMENT, text), encode_document(document, text)))
            except UnicodeEncodeError:  # a lone surrogate (the Python API takes any str): not kept
                continue
        if writes:
            self.stats.writes += self.cache.put_many(writes)

    def store_soon(self, fresh: Sequence[tuple[str, AnalyzedDocument]]) -> None:
        """:meth:`store` in a thread of its own, so the caller goes on matching while SQLite writes.

        One write waits behind the one under way at most (the caller waits
        here for the one before), so the analyses held stay few; :meth:`flush`
        waits for them all. Measured on 2 cores, cold run of 1 MB: the writes
        held the matching thread 0.17-0.24 s, waiting on SQLite half that time.
        """
        if not fresh:
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koie-cache")
        if self._writing is not None:
            self._writing.result()
        self._writing = self._writer.submit(self.store, list(fresh))

    def flush(self) -> None:
        """Wait until every write :meth:`store_soon` was given is in the cache."""
        writing, self._writing = self._writing, None
        writer, self._writer = self._writer, None
        try:
            if writing is not None:
                writing.result()
        finally:
            if writer is not None:
                writer.shutdown(wait=True)

    @contextlib.contextmanager
    def writes_held(self) -> Iterator[None]:
        """Literal analyses made inside are written together, in one transaction, at the end.

        Compiling a pack analyses its literals one by one; a transaction each
        took 0.15 s for the meetings pack's 299.
        """
        if self._held is not None:  # already held further out
            yield
            return
        self._held = {}
        try:
            yield
        finally:
            held, self._held = self._held, None
            if held:
                self.cache.put_many(list(held.items()))

    def _stored(self, key: bytes) -> bytes | None:
        if self._held is not None and key in self._held:
            return self._held[key]
        return self.cache.get_many([key]).get(key)

    def _put(self, key: bytes, payload: bytes) -> None:
        if self._held is not None:
            self._held[key] = payload
        else:
            self.cache.put_many([(key, payload)])

    def analyze_fragment(self, text: str) -> tuple[Morpheme, ...]:
        key = self.key(_KIND_FRAGMENT, text)
        payload = self._stored(key)
        if payload is not None:
            try:
                return decode_morphemes(json.loads(payload))
            except (ValueError, TypeError):
                pass
        morphemes = tuple(self.inner.analyze_fragment(text))
        self._put(key, json.dumps(encode_morphemes(morphemes), ensure_ascii=False).encode("utf-8"))
        return morphemes

    def parsed_patterns(self, texts: Sequence[str], signature: str) -> dict[str, Any]:
        """The pattern trees the cache holds, as data, by pattern text (koie.lang.resolve.parse_patterns).

        ``signature`` (koie.lang.grammar.parser_signature) is part of each key: a
        changed grammar, lark or parser never serves an old tree. A tree is
        stored as JSON data (koie.lang.ast.to_data), never pickled; an entry that is
        not JSON is reported and left out, so the pattern is parsed again.
        """
        keys = {text: self.key(_KIND_PATTERN, text, signature) for text in dict.fromkeys(texts)}
        stored = self.cache.get_many(list(keys.values()))
        trees: dict[str, Any] = {}
        for text, key in keys.items():
            payload = stored.get(key)
            if payload is None:
                continue
            try:
                trees[text] = json.loads(payload)
            except ValueError:
                self.stats.rejected += 1
                _warn("analysis cache entry of a pattern unreadable; parsing it again")
        return trees

    def store_patterns(self, trees: dict[str, Any], signature: str) -> None:
        """Keep freshly parsed pattern trees, as data (with the literals' analyses, when writes are held)."""
        items = [
            (
                self.key(_KIND_PATTERN, text, signature),
                json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
            )
            for text, data in trees.items()
        ]
        if self._held is not None:
            self._held.update(items)
        else:
            self.cache.put_many(items)  # one transaction

    def scored_alternatives(self, text: str, n: int) -> list[ScoredReading]:
        """The inner analyser's ``n`` best readings of ``text`` with their scores, kept as they came.

        A score is stored as JSON writes a float (its shortest exact repr), so a
        reading read back compares with the margin of W101 exactly as a fresh one.
        """
        if not isinstance(self.inner, ScoresReadings):
            return []
        key = self.key(_KIND_READINGS, text, str(n))
        payload = self._stored(key)
        if payload is not None:
            try:
                return [(decode_morphemes(columns), float(score)) for columns, score in json.loads(payload)]
            except (ValueError, TypeError):
                pass
        results = [(tuple(reading), float(score)) for reading, score in self.inner.scored_alternatives(text, n)]
        data = json.dumps([[encode_morphemes(reading), score] for reading, score in results], ensure_ascii=False)
        self._put(key, data.encode("utf-8"))
        return results


if TYPE_CHECKING:

    def _has_every_capability(
        cached: CachedAnalyzer,
    ) -> tuple[
        Analyzer,
        ScoresReadings,
        StreamsAnalyses,
        LoadsModel,
        HasUserWords,
        StoresAnalyses,
        HoldsWrites,
        KeepsPatterns,
        CutsLines,
    ]:
        """mypy checks here that the cache satisfies every protocol of koie.analysis.protocol."""
        return (cached, cached, cached, cached, cached, cached, cached, cached, cached)
