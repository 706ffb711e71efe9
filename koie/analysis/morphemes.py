"""Analysed text as plain data: morphemes, sentences, documents.

Nothing here knows about Kiwi: the matcher and its tests work on these types,
and :func:`parse_notation` builds them from Kiwi's ``form/TAG`` notation so
matcher tests need no model. What koie asks of an analyser is in
:mod:`koie.analysis.protocol`.

>>> doc = parse_notation("이재용/NNP 회장/NNG+이/JKS 만나/VV+었/EP+다/EF")
>>> [m.notation for m in doc.sentences[0].morphemes]
['이재용/NNP', '회장/NNG', '이/JKS', '만나/VV', '었/EP', '다/EF']
>>> doc.text
'이재용 회장이 만나었다'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from koie import native


@dataclass(frozen=True, slots=True)
class Morpheme:
    """One morpheme: Kiwi's normalised ``form`` and its tag, plus where it sits.

    ``start``/``end`` are character offsets into the document as read. Spans
    of neighbouring morphemes may overlap (만났다 is 만나@0-2 + 었@1-2) and may
    be empty (the copula in CEO다), so surface text is always taken by slicing
    the document, never by joining forms. ``eojeol`` numbers spacing units
    across the document.
    """

    form: str
    tag: str
    start: int
    end: int
    eojeol: int = 0
    lemma: str | None = None

    @property
    def notation(self) -> str:
        return f"{self.form}/{self.tag}"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its character span and morphemes in text order."""

    start: int
    end: int
    morphemes: tuple[Morpheme, ...]


@dataclass(frozen=True, slots=True)
class AnalyzedDocument:
    """A document's text as read and its analysis."""

    text: str
    sentences: tuple[Sentence, ...]

    @property
    def morpheme_count(self) -> int:
        return sum(len(s.morphemes) for s in self.sentences)


@dataclass(frozen=True, slots=True)
class UserWord:
    """A word a rule pack adds to the analyser's dictionary."""

    word: str
    tag: str = "NNP"
    score: float = 0.0


def base_tag(tag: str) -> str:
    """Kiwi marks (ir)regular conjugation as ``VV-I``/``VV-R``; rules match the base tag.

    >>> base_tag("VV-I")
    'VV'
    """
    return tag.split("-", 1)[0]


_SET_FIELDS = tuple(getattr(Morpheme, name).__set__ for name in ("form", "tag", "start", "end", "eojeol", "lemma"))


#: koie._slots.SlotFiller for Morpheme (3x faster again than setting the slots from Python), or None.
_FILLER: Any = native.slot_filler(Morpheme, ("form", "tag", "start", "end", "eojeol", "lemma"))


def morphemes_from_columns(
    forms: Sequence[str],
    tags: Sequence[str],
    starts: Sequence[int],
    ends: Sequence[int],
    eojeols: Sequence[int],
    lemmas: Sequence[str | None],
) -> tuple[Morpheme, ...]:
    """Morphemes from parallel columns, three times faster than calling :class:`Morpheme`.

    Analysis and the analysis cache make hundreds of thousands per megabyte;
    a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, this sets the slots directly. The objects are the
    same.

    >>> morphemes_from_columns(["회장"], ["NNG"], [0], [2], [0], [None]) == (Morpheme("회장", "NNG", 0, 2, 0),)
    True
    """
    if _FILLER is not None:
        result: tuple[Morpheme, ...] = _FILLER.columns(forms, tags, starts, ends, eojeols, lemmas)
        return result
    new = object.__new__
    set_form, set_tag, set_start, set_end, set_eojeol, set_lemma = _SET_FIELDS
    out = []
    for form, tag, start, end, eojeol, lemma in zip(forms, tags, starts, ends, eojeols, lemmas):
        morpheme = new(Morpheme)
        set_form(morpheme, form)
        set_tag(morpheme, tag)
        set_start(morpheme, start)
        set_end(morpheme, end)
        set_eojeol(morpheme, eojeol)
        set_lemma(morpheme, lemma)
        out.append(morpheme)
    return tuple(out)


def assign_eojeols(text: str, morphemes: Sequence[Morpheme], first: int = 0) -> list[Morpheme]:
    """Number spacing units from offsets and whitespace.

    Kiwi's ``word_position`` resets per sentence and is unreliable around
    multi-word tokens, so eojeol ids are recomputed here from the text.
    """
    out: list[Morpheme] = []
    eojeol = first
    previous_end: int | None = None
    for morpheme in morphemes:
        if previous_end is not None:
            gap = text[previous_end : morpheme.start] if morpheme.start > previous_end else ""
            if gap and (gap.isspace() or any(c.isspace() for c in gap)):
                eojeol += 1
        out.append(Morpheme(morpheme.form, morpheme.tag, morpheme.start, morpheme.end, eojeol, morpheme.lemma))
        previous_end = max(previous_end or 0, morpheme.end)
    return out


def parse_notation(notation: str) -> AnalyzedDocument:
    """Build a document from ``form/TAG`` notation without any analyser.

    Eojeols are separated by spaces, morphemes inside one by ``+``, sentences
    by `` || ``. The document text is the forms written out, so offsets are
    real offsets into :attr:`AnalyzedDocument.text`.
    """
    text_parts: list[str] = []
    sentences: list[Sentence] = []
    offset = 0
    eojeol = 0
    for sentence_index, sentence_notation in enumerate(notation.split(" || ")):
        if sentence_index:
            text_parts.append(" ")
            offset += 1
        sentence_start = offset
        morphemes: list[Morpheme] = []
        for word_index, word in enumerate(sentence_notation.split()):
            if word_index:
                text_parts.append(" ")
                offset += 1
            for piece in word.split("+"):
                form, _, tag = piece.rpartition("/")
                if not form:
                    raise ValueError(f"bad morpheme notation: {piece!r}")
                morphemes.append(Morpheme(form, tag, offset, offset + len(form), eojeol))
                text_parts.append(form)
                offset += len(form)
            eojeol += 1
        sentences.append(Sentence(sentence_start, offset, tuple(morphemes)))
    return AnalyzedDocument("".join(text_parts), tuple(sentences))


class NotationAnalyzer:
    """A stand-in analyser for tests: fragments are looked up in a table of notations.

    >>> a = NotationAnalyzer({"회장이": "회장/NNG+이/JKS"})
    >>> [m.notation for m in a.analyze_fragment("회장이")]
    ['회장/NNG', '이/JKS']
    """

    def __init__(self, fragments: dict[str, str] | None = None) -> None:
        self.fragments = dict(fragments or {})

    def analyze(self, text: str) -> AnalyzedDocument:
        return parse_notation(text)

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        return [self.analyze(t) for t in texts]

    def analyze_fragment(self, text: str) -> tuple[Morpheme, ...]:
        notation = self.fragments.get(text)
        if notation is None:
            # Unknown fragments read as one noun per spacing unit: enough for
            # tests that do not care about the analysis of their literals. Made
            # directly, not through notation: a word may hold "+" or "/".
            morphemes: list[Morpheme] = []
            position = 0
            for eojeol, word in enumerate(text.split()):
                start = text.index(word, position)
                position = start + len(word)
                morphemes.append(Morpheme(word, "NNG", start, position, eojeol))
            return tuple(morphemes)
        return tuple(m for s in parse_notation(notation).sentences for m in s.morphemes)

    def versions(self) -> dict[str, str]:
        return {"analyzer": "notation"}
