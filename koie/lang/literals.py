"""Pattern literals → morphemes: how a literal written in a pattern is analysed.

A literal is analysed by the same analyser as the documents, with these
adjustments (docs/patterns.md, "How literals are analysed"):

1. A literal is analysed alone.
2. A literal glued to the element before it (``[PERSON]와``) is analysed
   after a carrier noun (회사 or 사람, whichever suits the particle's
   phonology), because alone ``와`` reads as an interjection. A literal that
   stands alone but reads after a carrier as particles only (``(이|은)``)
   is taken as those particles.
3. An ending Kiwi inserts without a character of its own (alone, ``만나``
   comes out 만나/VV + 어/EC) is dropped.
4. A literal that does not end in a predicate stem, particle or ending is
   analysed again with 다 appended; if that ends in a predicate stem
   (``회동하`` → 회동/NNG 하/XSV), that reading is used.
5. A literal ending in a predicate stem matches any inflection: it takes the
   endings that follow in the same eojeol (``만나`` matches 만났다, 만난, 만나서).
6. Each morpheme of a literal matches by form and coarse tag class (nouns
   N*, verb stems VV/VA/VX, endings E*, particles J*), and a particle matches
   its allomorphs (이/가, 은/는, 을/를, 와/과, 으로/로 …).

Where the reading koie takes is not the only one, :func:`analyse_literal`
says so with a :class:`LiteralWarning`: W102 when the literal reads otherwise
alone than before an ending, W101 when Kiwi finds another reading about as
likely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from koie.analysis.morphemes import Morpheme
from koie.analysis.protocol import Analyzer, ScoresReadings
from koie.lang.ir import ENDING_TAGS, STEM_TAGS, MorphemeCheck, allomorphs, expand_tag_pattern

_CONSONANT_INITIAL_PARTICLES = ("이", "은", "을", "과", "으", "아")
NOUN_TAGS = frozenset(("NNG", "NNP", "NNB", "NR", "NP"))


@dataclass(frozen=True, slots=True)
class LiteralWarning:
    """Why the reading koie takes of a literal may not be the one meant: W101 or W102, as data."""

    code: Literal["W101", "W102"]
    message: str


class LiteralReading(NamedTuple):
    """The morphemes of a literal (offsets relative to it), and a warning when another reading is likely."""

    morphemes: tuple[Morpheme, ...]
    warning: LiteralWarning | None = None


def tag_class(tag: str) -> frozenset[str]:
    if tag in NOUN_TAGS:
        return frozenset(NOUN_TAGS)
    if tag in ("VV", "VA", "VX"):
        return frozenset(("VV", "VA", "VX"))
    if tag in ("XSV", "XSA"):
        return frozenset(("XSV", "XSA"))
    if tag.startswith("J"):
        return expand_tag_pattern("J*")
    if tag.startswith("E"):
        return frozenset(ENDING_TAGS)
    if tag in ("MAG", "MAJ"):
        return frozenset(("MAG", "MAJ"))
    return frozenset((tag,))


#: Verb-making suffixes Kiwi tags either way after a noun: 취소되 alone is 취소/NNG 되/VV and in a
#: sentence 되/XSV; 미팅하 in an odd sentence is 하/VV.
_NOUN_SUFFIXES = frozenset(("하", "되"))
_PREDICATE_TAGS = frozenset(("VV", "VA", "VX", "XSV", "XSA"))


def literal_check(morpheme: Morpheme, previous: Morpheme | None = None) -> MorphemeCheck:
    forms = allomorphs(morpheme.form) if morpheme.tag.startswith("J") else frozenset((morpheme.form,))
    tags = tag_class(morpheme.tag)
    if (
        morpheme.form in _NOUN_SUFFIXES
        and morpheme.tag in _PREDICATE_TAGS
        and previous is not None
        and previous.tag in NOUN_TAGS
        and previous.end == morpheme.start
    ):
        tags = _PREDICATE_TAGS
    form_text = "|".join(sorted(forms, key=lambda f: (f != morpheme.form, f)))
    tag_text = morpheme.tag
    if len(tags) > 1:
        tag_text = (
            {"N": "N*", "J": "J*", "E": "E*"}.get(morpheme.tag[0], "/".join(sorted(tags)))
            if morpheme.tag[0] in "NJE"
            else ",".join(sorted(tags))
        )
    return MorphemeCheck(forms, tags, None, False, False, f"{form_text}/{tag_text}")


def analyse_literal(analyzer: Analyzer, text: str, glued: bool) -> LiteralReading:
    """Analyse a pattern literal as described in the module docstring.

    >>> from koie.analysis.morphemes import NotationAnalyzer
    >>> reading = analyse_literal(NotationAnalyzer({"회장이": "회장/NNG 이/JKS"}), "회장이", False)
    >>> [m.notation for m in reading.morphemes], reading.warning
    (['회장/NNG', '이/JKS'], None)
    """
    alone = list(analyzer.analyze_fragment(text))
    morphemes = alone
    warning: LiteralWarning | None = None
    carriers = ("사람", "회사") if text.startswith(_CONSONANT_INITIAL_PARTICLES) else ("회사", "사람")
    for carrier in carriers:
        if not glued and (not alone or alone[0].tag.startswith("J")):
            break
        framed = _framed(analyzer, carrier, text)
        if not framed:
            continue
        if glued and (framed[0].tag[0] in "JEX" or framed[0].tag in ("NNB", "VCP")):
            morphemes = framed
            break
        # A standalone particle (``(이|은)``) is still a particle: alone, Kiwi
        # reads 이 as an interjection, so take the framed reading when it is
        # made only of particles.
        if not glued and all(m.tag.startswith("J") for m in framed):
            morphemes = framed
            break
    morphemes = _drop_phantom_endings(morphemes)
    # Retry with 다 when the literal does not end grammatically, or ends in an
    # ending that may really be part of a stem (가지 alone is 가/VV + 지/EF).
    if morphemes and (not _ends_grammatically(morphemes) or morphemes[-1].tag in ENDING_TAGS) and text[-1:].isalpha():
        with_ending = list(analyzer.analyze_fragment(text + "다"))
        inside = [m for m in with_ending if m.start < len(text)]
        if inside and all(m.end <= len(text) for m in inside) and inside[-1].tag in STEM_TAGS:
            if morphemes[-1].tag in ENDING_TAGS or (
                len(inside) == len(morphemes)
                and morphemes[-1].form == inside[-1].form
                and morphemes[-1].tag in NOUN_TAGS
                and len(morphemes[-1].form) > 1
            ):
                warning = LiteralWarning(
                    "W102",
                    f"{text!r} reads as {' '.join(m.notation for m in morphemes)} alone and as "
                    f"{' '.join(m.notation for m in inside)} before an ending; koie uses the second",
                )
            morphemes = inside
    if warning is None and not glued and morphemes == _drop_phantom_endings(alone):
        warning = _close_reading(analyzer, text, morphemes)
    return LiteralReading(tuple(morphemes), warning)


#: Readings whose scores are closer than this (log-probability) count as ambiguous.
AMBIGUITY_MARGIN = 2.0


def _signature(morphemes: Sequence[Morpheme]) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((m.form, tag_class(m.tag)) for m in morphemes)


def _close_reading(analyzer: Analyzer, text: str, chosen: list[Morpheme]) -> LiteralWarning | None:
    """W101 when Kiwi finds another reading of ``text`` about as likely as the chosen one."""
    if not isinstance(analyzer, ScoresReadings):
        return None
    readings = analyzer.scored_alternatives(text, 3)
    if not readings:
        return None
    best_score = readings[0][1]
    mine = _signature(chosen)
    for reading, score in readings[1:]:
        other = _drop_phantom_endings(list(reading))
        if any(m.tag in ("Z_CODA", "Z_SIOT", "UN") for m in other):
            continue  # readings that need an orphan coda are artefacts, not alternatives
        if chosen[-1].tag in STEM_TAGS and [m.form for m in other] == [m.form for m in chosen]:
            continue  # 면담하 as 면담/NNG 하/NNG: a stem-final literal is meant as a predicate
        if best_score - score <= AMBIGUITY_MARGIN and other and _signature(other) != mine:
            return LiteralWarning(
                "W101",
                f"{text!r} is ambiguous out of context: Kiwi reads it as "
                f"{' '.join(m.notation for m in chosen)} or {' '.join(m.notation for m in other)}; "
                f"koie uses the first",
            )
    return None


def _framed(analyzer: Analyzer, carrier: str, text: str) -> list[Morpheme]:
    analysed = analyzer.analyze_fragment(carrier + text)
    shift = len(carrier)
    if any(m.start < shift < m.end for m in analysed):
        return []
    return [Morpheme(m.form, m.tag, m.start - shift, m.end - shift, 0, m.lemma) for m in analysed if m.start >= shift]


def _drop_phantom_endings(morphemes: list[Morpheme]) -> list[Morpheme]:
    out = list(morphemes)
    while len(out) > 1 and out[-1].tag in ENDING_TAGS and out[-1].end <= max(m.end for m in out[:-1]):
        out.pop()
    return out


def _ends_grammatically(morphemes: list[Morpheme]) -> bool:
    last = morphemes[-1].tag
    return last in STEM_TAGS or last in ENDING_TAGS or last.startswith("J") or last in ("VCP", "VCN")
