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
7. A literal standing on its own is also read inside carrier sentences, as
   it occurs in text (:data:`VERB_FRAMES` for a stem-final literal,
   :data:`NOUN_FRAMES` for a noun, :data:`WORD_FRAMES` for a whole word,
   :data:`ENDING_FRAMES` after a verb stem). Every reading a sentence gives
   that the reading above does not cover is matched too (an alternation):
   인수설 alone is one noun, after another noun 인수/NNG 설/NNB.

Where the reading koie takes is not the only one, :func:`analyse_literal`
says so with a :class:`LiteralWarning`: W102 when the literal reads otherwise
alone than in a sentence or before an ending, W101 when Kiwi finds another
reading about as likely.
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
    """Why the reading koie takes of a literal may not be the one meant: W101, W102 or W110, as data."""

    code: Literal["W101", "W102", "W110"]
    message: str
    #: The fix to offer; None: the resolver's general one (write form/TAG).
    suggestion: str | None = None


class LiteralReading(NamedTuple):
    """The morphemes of a literal (offsets relative to it), and a warning when another reading is likely.

    ``in_text`` holds the readings carrier sentences give the literal that
    ``morphemes`` would not match (rule 7 of the module docstring); the
    literal matches each of them too.
    """

    morphemes: tuple[Morpheme, ...]
    warning: LiteralWarning | None = None
    in_text: tuple[tuple[Morpheme, ...], ...] = ()

    @property
    def readings(self) -> tuple[tuple[Morpheme, ...], ...]:
        """Every reading the literal matches: its own first, then those of the carrier sentences."""
        return (self.morphemes, *self.in_text) if self.morphemes else ()


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
    in_text: tuple[tuple[Morpheme, ...], ...] = ()
    if not glued and morphemes:
        in_text = _text_readings(analyzer, text, tuple(morphemes))
        if in_text:
            warning = _text_warning(text, tuple(morphemes), in_text)
    jamo = compatibility_jamo_warning(text)
    if jamo is not None:
        warning = jamo
    return LiteralReading(tuple(morphemes), warning, in_text)


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


# ------------------------------------------------------------ carrier sentences (rule 7)

#: A stem-final literal (만나, 사들이) before endings, after a subject: (before, after).
VERB_FRAMES: tuple[tuple[str, str], ...] = (
    ("회사가 ", "다."),
    ("회사가 ", "고 밝혔다."),
    ("회사가 ", "기로 했다."),
    ("회사가 ", "는 것이다."),
)
#: A noun literal (인수설) before a particle, and after another noun: (before, after a final consonant,
#: after a vowel), the particle chosen by the literal's last syllable.
NOUN_FRAMES: tuple[tuple[str, str, str], ...] = (
    ("회사는 ", "을 발표했다.", "를 발표했다."),
    ("회사는 ", "이 나왔다고 밝혔다.", "가 나왔다고 밝혔다."),
    ("그는 ", "의 내용을 밝혔다.", "의 내용을 밝혔다."),
    ("그는 회사 ", "을 부인했다.", "를 부인했다."),
)
#: A literal that is a whole word (차례로, 잇달아): between two words.
WORD_FRAMES: tuple[tuple[str, str], ...] = (("그는 ", " 말했다."), ("", " 말했다."))
#: A literal glued to a verb stem, as the endings after one are (기로 in 투자하기로).
ENDING_FRAMES: tuple[tuple[str, str], ...] = (("회사가 투자하", " 했다."), ("그는 만나", ""))

_NOUN_LIKE = NOUN_TAGS | {"XR", "XSN"}


_PARTICLE_TAGS = expand_tag_pattern("J*")

#: How a carrier sentence holds its literal: before an ending (a stem, or a stem and endings already:
#: ``inflected``), before a particle, as a word, after a stem.
FrameKind = Literal["verb", "inflected", "noun", "word", "ending"]


def _in_frame(analyzer: Analyzer, kind: FrameKind, before: str, text: str, after: str) -> tuple[Morpheme, ...] | None:
    """The morphemes of ``text`` read between ``before`` and ``after`` (offsets relative to ``text``).

    None when the sentence reads a morpheme across the literal's edges, or its
    frame otherwise than it is meant: before an ending (``verb``) or a
    particle (``noun``) the next morpheme must be that ending or particle and
    the literal must end in a stem or a noun; a ``word`` must be followed by
    the frame's next word (말); glued to a stem (``ending``), the morpheme
    before must be that stem.
    """
    start, end = len(before), len(before) + len(text)
    analysed = analyzer.analyze_fragment(before + text + after)
    if any(m.start < start < m.end or m.start < end < m.end for m in analysed):
        return None
    inside = [m for m in analysed if start <= m.start < end]
    if not inside or inside[0].start != start or max(m.end for m in inside) != end:
        return None
    following = [m for m in analysed if m.start >= end and m.end > m.start]
    next_one = following[0] if following else None
    if kind in ("verb", "inflected", "noun"):
        # The frame's particle or ending is its own: the literal must end in the kind of word it follows
        # (설 before 는 read as 서/VV ᆯ/ETM is a sentence Kiwi could not read, not a reading of 설).
        wanted, last = {
            "verb": (ENDING_TAGS, STEM_TAGS),
            "inflected": (ENDING_TAGS, STEM_TAGS | ENDING_TAGS),
            "noun": (_PARTICLE_TAGS, _NOUN_LIKE),
        }[kind]
        if next_one is None or next_one.start != end or next_one.tag not in wanted or inside[-1].tag not in last:
            return None
        return tuple(Morpheme(m.form, m.tag, m.start - start, m.end - start, 0, m.lemma) for m in inside)
    if kind == "word" and (next_one is None or not next_one.form.startswith("말") or len(next_one.form) > 2):
        return None
    if kind == "ending" and not any(m.end == start and m.start < start and m.tag in STEM_TAGS for m in analysed):
        return None
    morphemes = _drop_phantom_endings(inside)
    return tuple(Morpheme(m.form, m.tag, m.start - start, m.end - start, 0, m.lemma) for m in morphemes)


def _covers(reading: Sequence[Morpheme], other: Sequence[Morpheme]) -> bool:
    """Whether the literal read as ``reading`` matches ``other``: morpheme by morpheme, then its endings."""
    if len(other) < len(reading):
        return False
    for index, (morpheme, previous) in enumerate(zip(reading, (None, *reading))):
        if not literal_check(morpheme, previous).accepts(other, index):
            return False
    extra = other[len(reading) :]
    return not extra or (reading[-1].tag in STEM_TAGS and all(m.tag in ENDING_TAGS for m in extra))


def _whole_predicate(reading: Sequence[Morpheme]) -> bool:
    """One stem (사들이/VV), or a noun and the suffix that makes it a verb (투자/NNG 하/XSV), and endings
    (만났: 만나/VV 었/EP)."""
    stems = list(reading)
    while len(stems) > 1 and stems[-1].tag in ENDING_TAGS:
        stems.pop()
    if len(stems) == 1:
        return stems[0].tag in STEM_TAGS
    return len(stems) == 2 and stems[0].tag in NOUN_TAGS and stems[1].tag in ("XSV", "XSA")


def _has_coda(text: str) -> bool:
    code = ord(text[-1]) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


def _text_readings(analyzer: Analyzer, text: str, chosen: tuple[Morpheme, ...]) -> tuple[tuple[Morpheme, ...], ...]:
    """The readings carrier sentences give ``text`` that ``chosen`` does not match (rule 7).

    Which sentences depends on what the literal is read as: a stem-final one
    before endings, a noun before particles, anything else as a word between
    words (and as a verb, when every verb frame reads it as one whole
    predicate: 사들이 alone is 사/NNG 들/XSN 이/JKS). Every literal is also
    tried glued to a stem, where only a run of endings and particles counts
    (기로 after 투자하 is 기/ETN 로/JKB, alone 기/NNG "crossroads").
    Particles and endings written as literals keep the readings rules 1-3 give.

    >>> from koie.analysis.morphemes import NotationAnalyzer
    >>> analyzer = NotationAnalyzer({"그는 회사 인수설을 부인했다.":
    ...     "그/NP+는/JX 회사/NNG 인수/NNG+설/NNB+을/JKO 부인/NNG+하/XSV+었/EP+다/EF+./SF"})
    >>> chosen = (Morpheme("인수설", "NNG", 0, 3),)
    >>> [[m.notation for m in r] for r in _text_readings(analyzer, "인수설", chosen)]
    [['인수/NNG', '설/NNB']]
    """
    if not text or not all("가" <= char <= "힣" for char in text) or chosen[0].tag[0] in "JE":
        return ()
    found: list[tuple[Morpheme, ...]] = []

    def add(reading: tuple[Morpheme, ...] | None) -> None:
        if reading and not any(_covers(known, reading) for known in (chosen, *found)):
            found.append(reading)

    last = chosen[-1].tag
    if last in STEM_TAGS:
        for before, after in VERB_FRAMES:
            add(_in_frame(analyzer, "verb", before, text, after))
    elif last in _NOUN_LIKE:
        coda = _has_coda(text)
        for before, after_consonant, after_vowel in NOUN_FRAMES:
            add(_in_frame(analyzer, "noun", before, text, after_consonant if coda else after_vowel))
    else:
        for before, after in WORD_FRAMES:
            add(_in_frame(analyzer, "word", before, text, after))
        as_verb = [_in_frame(analyzer, "inflected", before, text, after) for before, after in VERB_FRAMES]
        verbs = [reading for reading in as_verb if reading is not None]
        if len(verbs) >= 2 and all(reading == verbs[0] for reading in verbs) and _whole_predicate(verbs[0]):
            add(verbs[0])
    for before, after in ENDING_FRAMES:
        reading = _in_frame(analyzer, "ending", before, text, after)
        if reading and reading[0].tag in ENDING_TAGS and all(m.tag[0] in "EJ" for m in reading):
            add(reading)
    return tuple(found)


def _spelled(reading: Sequence[Morpheme]) -> str:
    return " ".join(m.notation for m in reading)


def _text_warning(text: str, chosen: tuple[Morpheme, ...], others: tuple[tuple[Morpheme, ...], ...]) -> LiteralWarning:
    """W102: the literal reads otherwise in a sentence than alone; both are matched."""
    inside = " or ".join(_spelled(reading) for reading in others)
    which = "either" if len(others) == 1 else "any of them"
    return LiteralWarning(
        "W102",
        f"{text!r} reads as {_spelled(chosen)} alone and as {inside} in a sentence; koie matches {which}",
        f"to match one reading only, write it as form/TAG: {_spelled(others[0])} (in a sentence) "
        f"or {_spelled(chosen)} (alone)",
    )


# ------------------------------------------------------------ compatibility jamo

_COMPATIBILITY_CONSONANTS = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
#: Compatibility jamo (ㄴ, U+3134) → the final consonant Kiwi writes endings and particles with (ᆫ, U+11AB).
JONGSEONG: dict[str, str] = {compat: chr(0x11A8 + index) for index, compat in enumerate(_COMPATIBILITY_CONSONANTS)}


def jongseong_form(form: str) -> str:
    """``form`` with compatibility consonant jamo written as Kiwi's final consonants.

    Kiwi spells an ending or particle that is only a consonant with the final
    consonant (jongseong): the ending of 만난 is ᆫ/ETM (U+11AB), while a
    keyboard types ㄴ (U+3134), which Kiwi never gives such a morpheme.

    >>> jongseong_form("ㄹ지") == "\u11af지"
    True
    """
    return "".join(JONGSEONG.get(char, char) for char in form)


def compatibility_jamo_warning(text: str) -> LiteralWarning | None:
    """W110 for a literal written with a compatibility consonant where Kiwi has a final consonant (ㄴ for ᆫ).

    Alone, ``ㄴ`` is read as a symbol (ㄴ/SW), which no ending in a document is.
    """
    if not text or text[0] not in "ㄴㄹㅁㅂ" or not all(char in JONGSEONG or "가" <= char <= "힣" for char in text):
        return None
    fixed = jongseong_form(text)
    return LiteralWarning(
        "W110",
        f"{text!r} starts with the compatibility jamo {text[0]!r} (U+{ord(text[0]):04X}), which Kiwi never "
        f"gives an ending or particle; it writes {fixed[0]!r} (U+{ord(fixed[0]):04X}), so this literal matches "
        "nothing in text",
        f"write the ending as form/TAG with Kiwi's final consonant, such as {fixed}/ETM (koie tokenize shows the tag)",
    )


# ------------------------------------------------------------ the literal as a pattern


def describe_reading(reading: LiteralReading) -> str:
    """What a literal matches, as ``koie explain`` shows it: ``만나/VA,VV,VX +endings``; readings joined by ``|``."""
    return " | ".join(_describe(morphemes) for morphemes in reading.readings)


def _describe(morphemes: Sequence[Morpheme]) -> str:
    checks = [literal_check(m, previous) for m, previous in zip(morphemes, (None, *morphemes))]
    text = " ".join(c.description for c in checks)
    return text + " +endings" if morphemes[-1].tag in STEM_TAGS else text
