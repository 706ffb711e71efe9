"""The Kiwi adapter: the only module that imports :mod:`kiwipiepy`.

Documents are analysed paragraph by paragraph (one line of the input at a
time, lines over :data:`MAX_PIECE` characters cut into pieces after a sentence
end, or at a space where a stretch has none), in one batched ``tokenize`` call
with ``split_sents=True``.
That unit is part of koie's contract: Kiwi is context-sensitive, so the same
sentence may analyse differently inside another unit. It also means a piece
that occurs again (a headline repeated in the body, a caption, a byline) has
the same analysis, so it is sent to Kiwi once per call.

Before analysis, characters that Kiwi mishandles are mapped one-for-one to
ones it reads well (full-width Latin to ASCII, zero-width and control
characters to spaces). The map never changes the length of the text, so every
offset Kiwi reports is an offset into the document as read.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from koie import native
from koie.analysis.morphemes import (
    AnalyzedDocument,
    Morpheme,
    Sentence,
    UserWord,
    assign_eojeols,
    base_tag,
    morphemes_from_columns,
)
from koie.installed import installed_version

#: koie.analysis._convert: its convert_document does _convert and _number_eojeols in one pass, 3x faster
#: (or None).
_native: Any = native.load("koie.analysis._convert")

#: The versions koie is tested against. Analyses change between releases, so
#: outputs and cache keys record the versions actually in use.
PINNED_KIWIPIEPY = "0.24.1"
PINNED_MODEL = "0.24.0"

#: Kiwi slows down super-linearly on very long strings; pieces stay below this.
MAX_PIECE = 4000

#: Pieces repeat in news: a headline again as the first line of the body, photo captions,
#: bylines, copyright lines (27% of the characters of the development corpus). A piece's
#: analysis depends on the piece alone, so a stream sends each one to Kiwi once and gives its
#: copies the same tokens, remembering the latest pieces up to this many characters.
REPEATS_KEPT_CHARS = 256_000

#: At most this many pieces wait in a stream for their tokens (copies included): a run of
#: copies stops taking texts here and sends the next pieces to Kiwi (as many as it reads ahead,
#: 32 with two threads: 3% of a long run of copies), so memory stays bounded by pieces, not texts.
MAX_WAITING_PIECES = 1024

#: Lemmas are kept for predicates only: for other tags Kiwi's lemma is the form.
_PREDICATE_TAGS = frozenset({"VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA"})


def _build_char_map() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD):
        table[code] = " "
    for code in list(range(0x20)) + [0x7F]:
        if chr(code) not in "\n\t\r":
            table[code] = " "
    # A lone surrogate (JSON Lines can hold "\ud800") made Kiwi fail on the whole document.
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    return table


_CHAR_MAP = _build_char_map()
#: Any character _CHAR_MAP maps: most texts hold none, and a search for one costs a fraction of
#: str.translate, which looks every character up (0.03 s per MB, in the thread that feeds Kiwi).
_MAPPED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_CHAR_MAP)) + "]")


def normalize_for_analysis(text: str) -> str:
    """Map characters Kiwi mishandles, one for one, so offsets are unchanged.

    >>> normalize_for_analysis("ＣＥＯ와\\u200b만나")
    'CEO와 만나'
    """
    if _MAPPED.search(text) is None:
        return text
    return text.translate(_CHAR_MAP)


def _installed_versions() -> dict[str, str]:
    return dict(_read_installed_versions())


@functools.cache
def _read_installed_versions() -> dict[str, str]:
    """Read once per process: a corpus run asks for every batch, and metadata lookups scan sys.path."""
    kiwi = installed_version("kiwipiepy")
    model = installed_version("kiwipiepy_model")
    if kiwi is not None and model is not None:
        return {"kiwipiepy": kiwi, "kiwipiepy_model": model}
    from importlib import metadata

    try:
        kiwi = metadata.version("kiwipiepy")
    except metadata.PackageNotFoundError:  # pragma: no cover - kiwipiepy on sys.path without its metadata
        import kiwipiepy

        kiwi = str(kiwipiepy.__version__)
    try:
        model = metadata.version("kiwipiepy_model")
    except metadata.PackageNotFoundError:  # pragma: no cover - the model ships with the dependency
        try:
            import kiwipiepy_model

            model = str(getattr(kiwipiepy_model, "__version__", "unknown"))
        except ImportError:
            model = "missing"
    return {"kiwipiepy": kiwi, "kiwipiepy_model": model}


#: A sentence end inside a line: ., ?, ! (and their full-width forms, an ellipsis), closing quotes or
#: brackets after them, then a space. A long line is cut after one of these where it can be.
_SENTENCE_END = re.compile(r"[.!?\u3002\uff0e\uff1f\uff01\u2026]+[\"'\u201d\u2019\u300d\u300f)\]]*\s")


def last_sentence_end(text: str, start: int, end: int) -> int:
    """The offset just after the last sentence end (and the space after it) in ``text[start:end]``, or -1.

    >>> text = "홍길동이 왔다. 김철수도 왔다. 그리고"
    >>> cut = last_sentence_end(text, 0, len(text)); text[:cut]
    '홍길동이 왔다. 김철수도 왔다. '
    >>> last_sentence_end("3.5배 늘었다", 0, 8)
    -1
    """
    last = -1
    for found in _SENTENCE_END.finditer(text, start, end):
        last = found.end()
    return last


def _pieces(text: str, max_piece: int) -> Iterator[tuple[int, str, bool]]:
    """Each piece's offset and text, and whether the line goes on after it with no sentence end to cut at."""
    position = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        start = position
        while len(body) > max_piece:
            cut = last_sentence_end(body, 1, max_piece)
            blind = cut <= 0
            if blind:
                cut = max(body.rfind(" ", 0, max_piece), body.rfind("\n", 0, max_piece))
                if cut <= 0:
                    cut = max_piece
            yield start, body[:cut], blind
            body = body[cut:]
            start += cut
        if body.strip():
            yield start, body, False
        position += len(line)


def split_into_pieces(text: str, max_piece: int = MAX_PIECE) -> list[tuple[int, str]]:
    """Cut text into (offset, piece) units: lines, and lines over ``max_piece`` characters after a
    sentence end (the last one that fits), else at a space (:func:`blind_cuts` says where).

    >>> split_into_pieces("가나\\n\\n다라")
    [(0, '가나'), (4, '다라')]
    >>> split_into_pieces("가나다. 라마바. 사아", max_piece=11)
    [(0, '가나다. 라마바. '), (10, '사아')]
    """
    return [(offset, piece) for offset, piece, _blind in _pieces(text, max_piece)]


def blind_cuts(text: str, max_piece: int = MAX_PIECE) -> list[int]:
    """Where :func:`split_into_pieces` cut a line with no sentence end to cut after: a match across is lost.

    >>> blind_cuts("가" * 5 + " " + "나" * 5, max_piece=8)
    [5]
    """
    if len(text) <= max_piece:
        return []
    return [offset + len(piece) for offset, piece, blind in _pieces(text, max_piece) if blind]


class KiwiAnalyzer:
    """Kiwi with koie's options and a pack's user words.

    The model is loaded lazily on first use, once per analyser (about 2 s and
    0.5 GB), and never pickled: worker processes build their own from
    :attr:`user_words`.
    """

    def __init__(self, user_words: Sequence[UserWord] = (), num_workers: int = -1) -> None:
        self.user_words = tuple(user_words)
        self.num_workers = num_workers
        self._kiwi: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"user_words": self.user_words, "num_workers": self.num_workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["user_words"], state["num_workers"])  # type: ignore[misc]

    @property
    def kiwi(self) -> Any:
        if self._kiwi is None:
            with self._lock:
                if self._kiwi is None:
                    from kiwipiepy import Kiwi

                    kiwi = Kiwi(num_workers=self.num_workers)
                    for entry in self.user_words:
                        kiwi.add_user_word(entry.word, entry.tag, entry.score)
                    kiwi.tokenize("")  # the first call finishes loading the model
                    self._kiwi = kiwi
        return self._kiwi

    @property
    def model_loaded(self) -> bool:
        """Whether the model is in memory (koie.run.parallel forks only before it is)."""
        return self._kiwi is not None

    def set_threads(self, count: int) -> None:
        """Analyse in ``count`` threads (-1: Kiwi's choice, 0: none); takes effect when the model loads."""
        self.num_workers = count

    def versions(self) -> dict[str, str]:
        """The analyser versions in use, recorded in outputs and cache keys.

        Read from the installed packages' metadata: importing kiwipiepy to ask it
        took 0.23 s, and a run whose analyses are all cached needs nothing else of it.
        """
        return _installed_versions()

    def analyze(self, text: str) -> AnalyzedDocument:
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        """Analyse documents in one batched call (Kiwi's fastest path)."""
        pieces: list[str] = []
        owners: list[tuple[int, int]] = []  # (document index, piece offset)
        for index, text in enumerate(texts):
            for offset, piece in split_into_pieces(normalize_for_analysis(text)):
                pieces.append(piece)
                owners.append((index, offset))
        results: Any = []
        if pieces:
            distinct: dict[str, int] = {}  # a repeated piece is analysed once (REPEATS_KEPT_CHARS)
            order = [distinct.setdefault(piece, len(distinct)) for piece in pieces]
            if self.num_workers == 0:
                # Kiwi's batch call needs its thread pool; without one, piece by piece.
                analysed = [self.kiwi.tokenize(piece, split_sents=True) for piece in distinct]
            else:
                analysed = list(self.kiwi.tokenize(list(distinct), split_sents=True))
            results = [analysed[index] for index in order]
        by_document: list[list[tuple[int, Any]]] = [[] for _ in texts]
        for (index, offset), sentences in zip(owners, results):
            by_document[index].append((offset, sentences))
        return [_document(text, analysed) for text, analysed in zip(texts, by_document)]

    def analyze_stream(self, texts: Iterable[str]) -> Iterator[tuple[AnalyzedDocument, bool]]:
        """Each text's analysis, in order, as soon as Kiwi has done it (and ``True``: it is fresh).

        One batched call serves the whole stream: Kiwi reads ``texts`` as it
        goes (32 pieces ahead with two threads), so its threads never wait
        between batches, and a caller can match a document while the next ones
        are analysed. The pieces and results are those of :meth:`analyze_many`;
        a piece seen lately in the stream is not sent again (:class:`_Repeats`).
        """
        if self.num_workers == 0:
            for text in texts:
                yield self.analyze_many([text])[0], True
            return
        waiting: deque[tuple[str, list[int], list[tuple[int, Any]]]] = deque()  # text, piece offsets, results
        slots: deque[list[Any]] = deque()  # every piece's cell, in order, until its text takes it
        sent: deque[list[Any]] = deque()  # the cells of the pieces sent to Kiwi, in order
        repeats = _Repeats(REPEATS_KEPT_CHARS)

        def pieces() -> Iterator[str]:
            for text in texts:
                cut = split_into_pieces(normalize_for_analysis(text))
                waiting.append((text, [offset for offset, _piece in cut], []))
                for _offset, piece in cut:
                    cell = repeats.cell(piece) if len(slots) < MAX_WAITING_PIECES else None
                    if cell is None:  # new: Kiwi fills it
                        cell = repeats.sent(piece)
                        slots.append(cell)
                        sent.append(cell)
                        yield piece
                    else:
                        slots.append(cell)

        def finished() -> Iterator[tuple[AnalyzedDocument, bool]]:
            while waiting and len(waiting[0][2]) == len(waiting[0][1]):
                text, _offsets, analysed = waiting.popleft()
                yield _document(text, analysed), True

        def taken() -> Iterator[tuple[AnalyzedDocument, bool]]:
            """The texts ahead take the pieces whose tokens are known, in order."""
            while slots and slots[0][0] is not _UNKNOWN:
                yield from finished()  # texts with no piece (blank) ahead of this piece's text
                _text, offsets, analysed = waiting[0]
                analysed.append((offsets[len(analysed)], slots.popleft()[0]))
                yield from finished()

        stream = pieces()
        first = next(stream, None)
        if first is None:  # nothing to analyse (blank texts, or none): no model to load
            yield from finished()
            return
        for sentences in self.kiwi.tokenize(itertools.chain([first], stream), split_sents=True):
            sent.popleft()[0] = sentences
            yield from taken()
        yield from taken()  # copies after the last piece Kiwi had
        yield from finished()

    def blind_cuts(self, text: str) -> list[int]:
        """Where this analyser cuts a line of ``text`` with no sentence end nearby (:func:`blind_cuts`)."""
        return blind_cuts(text)

    def analyze_fragment(self, text: str) -> tuple[Morpheme, ...]:
        tokens = self.kiwi.tokenize(normalize_for_analysis(text))
        return tuple(assign_eojeols(text, [_morpheme(t, 0) for t in tokens]))

    def scored_alternatives(self, text: str, n: int) -> list[tuple[tuple[Morpheme, ...], float]]:
        """The ``n`` best analyses of a fragment with Kiwi's scores (log-probabilities)."""
        results = self.kiwi.analyze(normalize_for_analysis(text), top_n=n)
        return [
            (tuple(assign_eojeols(text, [_morpheme(t, 0) for t in tokens])), float(score)) for tokens, score in results
        ]


#: Unused analysers a :class:`KiwiPool` keeps (each may hold a loaded model: about 0.5 GB).
KEPT_ANALYZERS = 4


class KiwiPool:
    """Kiwi analysers by user words, so packs with the same words share one model (2 s and 0.5 GB to load).

    An analyser is found again while anything uses it (a pack holds it) and,
    once unused, while it is one of the ``keep`` most recently asked for;
    older unused ones go, and their model with them.

    >>> pool = KiwiPool(keep=1)
    >>> pool.get(()) is pool.get(()), pool.get((UserWord("한빛전자"),)) is pool.get(())
    (True, False)
    """

    def __init__(self, keep: int = KEPT_ANALYZERS) -> None:
        self.keep = keep
        self._live: weakref.WeakValueDictionary[tuple[UserWord, ...], KiwiAnalyzer] = weakref.WeakValueDictionary()
        self._recent: OrderedDict[tuple[UserWord, ...], KiwiAnalyzer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_words: Sequence[UserWord]) -> KiwiAnalyzer:
        """The analyser with these user words: the one in use or kept, else a new one (its model loads on use)."""
        key = tuple(user_words)
        with self._lock:
            analyzer = self._live.get(key)
            if analyzer is None:
                analyzer = self._live[key] = KiwiAnalyzer(key)
            self._recent[key] = analyzer
            self._recent.move_to_end(key)
            while len(self._recent) > self.keep:
                self._recent.popitem(last=False)
            return analyzer

    def in_use(self) -> list[KiwiAnalyzer]:
        """The analysers the pool can give out now: those in use and those kept."""
        with self._lock:
            return list(self._live.values())


#: The process's pool, behind :func:`shared_analyzer`; bounded as :class:`KiwiPool` says.
SHARED_POOL = KiwiPool()


def shared_analyzer(user_words: Sequence[UserWord]) -> KiwiAnalyzer:
    """One Kiwi per set of user words in use in this process (:data:`SHARED_POOL`)."""
    return SHARED_POOL.get(user_words)


#: A cell whose piece Kiwi has not analysed yet.
_UNKNOWN: Any = object()


class _Repeats:
    """The pieces a stream sent to Kiwi lately, each with the cell its tokens go in.

    A copy of a piece takes the original's cell, filled when Kiwi's result for
    the original arrives; the original comes first in the stream, so its
    tokens are always known when the copy's turn comes, and a cell stays
    with the copies that hold it after it is forgotten here. The latest
    pieces are kept, up to ``limit`` characters in all.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cells: dict[str, list[Any]] = {}  # oldest first
        self.chars = 0

    def cell(self, piece: str) -> list[Any] | None:
        """The cell of an earlier copy of ``piece`` (it becomes the latest), or None."""
        cell = self.cells.pop(piece, None)
        if cell is not None:
            self.cells[piece] = cell
        return cell

    def sent(self, piece: str) -> list[Any]:
        """A new cell for ``piece``, about to go to Kiwi."""
        cell = [_UNKNOWN]
        if len(piece) <= self.limit:
            if self.cells.pop(piece, None) is not None:  # a copy sent anyway (MAX_WAITING_PIECES)
                self.chars -= len(piece)
            self.cells[piece] = cell
            self.chars += len(piece)
            while self.chars > self.limit:
                oldest = next(iter(self.cells))
                self.chars -= len(oldest)
                del self.cells[oldest]
        return cell


def _document(text: str, analysed: list[tuple[int, Any]]) -> AnalyzedDocument:
    """A document from Kiwi's sentences for each of its pieces, given as (piece offset, sentences)."""
    if _native is not None:
        return AnalyzedDocument(
            text,
            tuple(
                Sentence(start, end, morphemes)
                for start, end, morphemes in _native.convert_document(
                    text, analysed, _BASE_TAGS, base_tag, _PREDICATE_TAGS
                )
            ),
        )
    raw = [_convert(tokens, offset) for offset, sentences in analysed for tokens in sentences]
    return AnalyzedDocument(text, _number_eojeols(text, raw))


def _morpheme(token: Any, offset: int) -> Morpheme:
    tag = base_tag(str(token.tag))
    lemma = str(token.lemma) if tag in _PREDICATE_TAGS and token.lemma else None
    start = offset + int(token.start)
    return Morpheme(str(token.form), tag, start, start + int(token.len), 0, lemma)


#: A morpheme before its eojeol is known: (form, tag, start, end, lemma).
_RawMorpheme = tuple[str, str, int, int, "str | None"]
#: Kiwi's tag -> koie's (VV-I -> VV), built as tags are seen: one entry per tag of Kiwi's tag set at most.
_BASE_TAGS: dict[str, str] = {}


def _convert(tokens: Any, offset: int) -> list[_RawMorpheme]:
    """One sentence of Kiwi tokens as plain tuples (Morpheme objects are made once, with eojeols)."""
    out: list[_RawMorpheme] = []
    base_tags = _BASE_TAGS
    for token in tokens:
        raw_tag = token.tag
        tag = base_tags.get(raw_tag)
        if tag is None:
            tag = base_tags[raw_tag] = base_tag(str(raw_tag))
        start = offset + token.start
        lemma = token.lemma if tag in _PREDICATE_TAGS else None
        out.append((token.form, tag, start, start + token.len, lemma or None))
    return out


def _number_eojeols(text: str, sentences: list[list[_RawMorpheme]]) -> tuple[Sentence, ...]:
    """Sentences of Morphemes, eojeols numbered across the document as :func:`assign_eojeols` does."""
    numbered: list[Sentence] = []
    next_eojeol = 0
    for raw in sentences:
        if not raw:
            continue
        eojeol = next_eojeol
        previous_end = -1
        eojeols: list[int] = []
        for _form, _tag, start, end, _lemma in raw:
            # Whitespace between this morpheme and the text already covered starts a new eojeol.
            if 0 <= previous_end < start and any(c.isspace() for c in text[previous_end:start]):
                eojeol += 1
            eojeols.append(eojeol)
            if end > previous_end:
                previous_end = end
        next_eojeol = eojeol + 1
        forms, tags, starts, ends, lemmas = zip(*raw)
        morphemes = morphemes_from_columns(forms, tags, starts, ends, eojeols, lemmas)
        numbered.append(Sentence(min(starts), max(ends), morphemes))
    return tuple(numbered)
