"""Surface atoms: what the text of a morpheme looks like, found in raw text before analysis.

The pre-filter (:mod:`koie.run.prefilter`) looks for a rule's literals in a
document's raw text, before Kiwi reads it. This module says what to look for,
one morpheme at a time; :mod:`koie.lang.spellings` joins literals next to each
other, and :mod:`koie.lang.atoms` says what every match of a rule needs.

**Per morpheme.** A literal is matched against Kiwi's *forms*, and a form is
not a surface string: 만나+었 is written 만났, 하+였 했, 돕+아 도와, 듣+어 들어,
부르+어 불러, 것+이 게. :func:`surface_atom` gives a pattern of the surface
instead: the form's characters, with the places inflection and contraction
may change relaxed to the set of syllables they may become:

* a stem's last syllable keeps its initial consonant; an open syllable may
  take any final (만나 → 만난, 만날, 만났, 만납) and its vowel may contract
  (하 → 해, 보 → 봐, 되 → 돼, 가지 → 가져, 쓰 → 써, 푸 → 퍼); a final ㄷ, ㅂ,
  ㅅ, ㄹ or ㅎ may change or go (듣 → 들, 돕 → 도, 낫 → 나, 열 → 연, 그렇 →
  그래); any other final stays (찾, 갖, 앉, 없). A stem in 르 may move its ㄹ
  to the syllable before (부르 → 불러, 오르 → 올라);
* a noun's (or particle's) open last syllable may take a final (우리+는 → 우린,
  에서+는 → 에선); a particle's vowel may contract too, and a pronoun's before
  가 and 의 (내가, 제가); Kiwi reads 게, 거, 건, 걸 as 것;
* a particle or ending that begins with ㅇ may melt into the syllable before:
  an open first syllable may vanish (만나+아 → 만나, 것+이 → 게), a closed one
  leave only its final (었 → 했, 났, 됐: any syllable ending in ㅆ); a jamo
  ending (ᆫ, ᆯ, ᆷ, ᆸ) is any syllable with that final; an ending's first
  consonant may be strengthened where 하 melts into it (간편하게 → 간편케);
* some morphemes may have no surface of their own: the copula 이 (CEO다), the
  verb-making 하 (생각하지 → 생각지). They give no atom. Two pronouns lose more
  than their last syllable's final: 누구+가 is 누가, 무엇 is 뭐.

Texts and atoms are compared *folded* (:func:`fold`): through the analysis
adapter's character map (full-width Latin to ASCII, as Kiwi reads it),
without whitespace (lexicon entries ignore spaces, and Kiwi's multi-word
names hold one: 젠슨 황), case-folded (lexicon entries ignore case). Each of
these maps characters one by one, so a substring stays a substring.

>>> str(surface_atom("만나", "VV")), str(surface_atom("회동", "NNG")), surface_atom("이", "VCP")
('만[나-냏]', '회동', None)
>>> surface_atom("만나", "VV").found_in(fold("두 사람은 지난달 만났다."))
True
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from koie.analysis.kiwi import normalize_for_analysis


def fold(text: str) -> str:
    """Text as atoms are found in it: the analyser's character map, no whitespace, case-folded.

    >>> fold("ＣＥＯ와 젠슨 황")
    'ceo와젠슨황'
    """
    return "".join(normalize_for_analysis(text).split()).casefold()


# ------------------------------------------------------------------- Hangul

_FIRST, _LAST = 0xAC00, 0xD7A3
_VOWELS, _FINALS = 21, 28
# initial consonants
_G, _D, _R, _B, _S, _NG, _J = 0, 3, 5, 7, 9, 11, 12
# vowels
_A, _AE, _YA, _YAE, _EO, _E, _YEO, _YE, _O, _WA, _WAE, _OE = range(12)
_YO, _U, _WO, _WE, _WI, _YU, _EU, _UI, _I = range(12, 21)
# finals
_F_D, _F_L, _F_B, _F_S, _F_H = 7, 8, 17, 19, 27

#: What an open syllable's vowel may become when an ending contracts with it (하+여 해, 보+아 봐,
#: 되+어 돼, 주+어 줘, 푸+어 퍼, 쓰+어 써, 바쁘+아 바빠, 가지+어 가져, 아니+야 아냐; 저+의 제).
_CONTRACTED: dict[int, frozenset[int]] = {
    vowel: frozenset((vowel, *others))
    for vowel, others in {
        _A: (_AE,),
        _YA: (_YAE,),
        _EO: (_E,),
        _YEO: (_YE,),
        _O: (_WA, _WAE),
        _OE: (_WAE,),
        _U: (_WO, _EO, _WE),
        _EU: (_EO, _A),
        _UI: (_I,),
        _I: (_YEO, _YA),
    }.items()
}
#: ...and after a final ㅎ goes (하얗+아 하얘, 그렇+어 그래, 누렇+어 누레, 놓+아 놔).
_AFTER_H = frozenset((_AE, _YAE, _E, _YE, _WA))
#: An ending's first consonant after 하 melts into it (간편하게 간편케, 무심하지 무심치), or tensed.
_STRENGTHENED: dict[int, frozenset[int]] = {
    _G: frozenset((_G, 1, 15)),
    _D: frozenset((_D, 4, 16)),
    _B: frozenset((_B, 8, 17)),
    _S: frozenset((_S, 10)),
    _J: frozenset((_J, 13, 14)),
}
_ALL_INITIALS = frozenset(range(19))
_ALL_VOWELS = frozenset(range(_VOWELS))
_ALL_FINALS = frozenset(range(_FINALS))
#: Finals that irregular stems change or drop (듣 들, 돕 도, 낫 나, 살 사/산, 하얗 하얘).
_CHANGING_FINALS = frozenset((_F_D, _F_L, _F_B, _F_S, _F_H))
#: Compatibility jamo as finals (kiwi.join accepts ㅂ니다 as well as ᆸ니다).
_COMPAT_FINALS = {
    chr(0x3131 + index): final
    for index, final in enumerate(
        (1, 2, 3, 4, 5, 6, 7, 0, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0, 18, 19, 20, 21, 22, 0, 23, 24, 25, 26, 27)
    )
    if final
}


def _split(char: str) -> tuple[int, int, int] | None:
    code = ord(char) - _FIRST
    if 0 <= code <= _LAST - _FIRST:
        return code // (_VOWELS * _FINALS), code // _FINALS % _VOWELS, code % _FINALS
    return None


def _syllables(initials: Iterable[int], vowels: Iterable[int], finals: Iterable[int]) -> frozenset[str]:
    return _syllables_of(tuple(sorted(set(initials))), tuple(sorted(set(vowels))), tuple(sorted(set(finals))))


@functools.cache
def _syllables_of(initials: tuple[int, ...], vowels: tuple[int, ...], finals: tuple[int, ...]) -> frozenset[str]:
    return frozenset(
        chr(_FIRST + (c * _VOWELS + v) * _FINALS + f) for c, v, f in itertools.product(initials, vowels, finals)
    )


@functools.cache
def _ending_in(final: int) -> frozenset[str]:
    """Any syllable with this final, or the final alone (Kiwi reads a lone ᆫ after a space as ᆫ/JX)."""
    compat = [char for char, value in _COMPAT_FINALS.items() if value == final]
    return _syllables(_ALL_INITIALS, _ALL_VOWELS, (final,)) | {chr(0x11A7 + final), *compat}


def _jamo_final(char: str) -> int | None:
    """The final a jamo form stands for (ᆫ in ᆫ/ETM: any syllable ending in ㄴ), or None."""
    code = ord(char)
    if 0x11A8 <= code <= 0x11C2:
        return code - 0x11A7
    return _COMPAT_FINALS.get(char)


# -------------------------------------------------------------------- atoms


@dataclass(frozen=True, slots=True, order=True)
class Atom:
    """A surface pattern: one set of characters per place (a character on its own, or the syllables
    an inflected syllable may become). Found in folded text (:func:`fold`).

    >>> atom = Atom.exact("회동")
    >>> str(atom), atom.pattern(), atom.found_in("이날회동했다")
    ('회동', '회동', True)
    """

    #: each place's characters, sorted
    units: tuple[str, ...]

    @staticmethod
    def exact(text: str) -> Atom:
        return Atom(tuple(text))

    @staticmethod
    def of(units: Iterable[Iterable[str]]) -> Atom:
        return Atom(tuple("".join(sorted(set(unit))) for unit in units))

    def pattern(self) -> str:
        """The atom as a regular expression over folded text."""
        return _units_pattern(self.units)

    def found_in(self, folded: str) -> bool:
        return re.search(self.pattern(), folded) is not None

    def strings(self) -> Iterator[str]:
        """Every string the atom stands for (for a multi-string matcher)."""
        return ("".join(chars) for chars in itertools.product(*self.units))

    @property
    def count(self) -> int:
        """How many strings the atom stands for."""
        return math.prod(len(unit) for unit in self.units)

    @property
    def chance(self) -> float:
        """A rough chance that the atom occurs at a given place of Korean text (lower: more selective)."""
        return math.prod(_unit_chance(unit) for unit in self.units)

    def __str__(self) -> str:
        return "".join(_describe(unit) for unit in self.units)


#: Syllables that news text is full of (particles, endings, 한, 대, 방 …): an atom of one of them alone
#: lets nearly every document through, so a rule's need prefers the rarer words it has.
_FREQUENT_SYLLABLES = frozenset(
    "이다는에의하고을가지한로서기도리사어대자정일인수있과해전아시나들적부상제를라국보장화주것우성관원공"
    "만거동면회그게소었였했할된되년월억중업방물요개경문연간미식내신위결발여오계선산생저실안않못없말"
)


@functools.lru_cache(maxsize=65536)
def _units_pattern(units: tuple[str, ...]) -> str:
    return "".join(re.escape(unit) if len(unit) == 1 else "[" + _ranges(unit, escape=True) + "]" for unit in units)


@functools.lru_cache(maxsize=65536)
def _unit_chance(unit: str) -> float:
    return min(1.0, sum(_char_chance(char) for char in unit))


def _char_chance(char: str) -> float:
    if _split(char) is not None:
        # about 2,000 syllables in use, the frequent ones far more often
        return 1 / 40 if char in _FREQUENT_SYLLABLES else 1 / 400
    if char.isascii() and char.isalnum():
        return 1 / 60
    return 1 / 100


def _ranges(unit: str, escape: bool = False) -> str:
    """Characters as ranges of consecutive code points (a regex class body)."""
    parts: list[str] = []
    codes = [ord(char) for char in unit]
    start = previous = codes[0]
    for code in [*codes[1:], -2]:
        if code != previous + 1:
            first, last = chr(start), chr(previous)
            if escape:
                first, last = re.escape(first), re.escape(last)
            if start == previous:
                parts.append(first)
            else:
                parts.append(f"{first}{last}" if previous == start + 1 else f"{first}-{last}")
            start = code
        previous = code
    return "".join(parts)


def _describe(unit: str) -> str:
    """One place for people: the character, a class of ranges, or a jamo final (…ᆻ: any syllable ending in ㅆ)."""
    if len(unit) == 1:
        return unit
    finals = {parts[2] for parts in map(_split, unit) if parts is not None}
    if len(finals) == 1 and unit == "".join(sorted(_ending_in(next(iter(finals))))):
        return "…" + chr(0x11A7 + next(iter(finals)))
    ranges = _ranges(unit)
    return f"[{ranges}]" if len(ranges) <= 24 else f"[{len(unit)} syllables]"


#: How a tag's morphemes are written: a stem inflects, a particle or ending may melt into the word
#: before, a noun may take a contracted particle, a symbol is written as it is; a silent one may be
#: written as nothing (the copula in CEO다, 하 in 생각지, a pronoun in 누가).
_STEM, _JOINED, _WORD, _AS_IS, _SILENT = "stem", "joined", "word", "as-is", "silent"


#: Pronouns whose vowel changes before 가 and 의: 내가, 제가, 네가 (나, 저, 너).
_PRONOUN_VOWELS = {"나": frozenset((_A, _AE)), "저": frozenset((_EO, _E)), "너": frozenset((_EO, _E))}
#: Pronouns Kiwi reads from a shorter surface: 누가 (누구+가), 뭐, 뭘, 뭔 (무엇).
_SHORTENED = {"누구": Atom.exact("누"), "무엇": Atom.of([_syllables((6,), _ALL_VOWELS, _ALL_FINALS)])}


def _kind(tag: str, form: str) -> str:
    if tag in ("VCP", "VCN", "Z_CODA", "Z_SIOT") or (tag in ("XSV", "XSA") and form == "하"):
        return _SILENT
    if tag in ("VV", "VA", "VX", "XSV", "XSA"):
        return _STEM
    if tag.startswith(("J", "E")):
        return _JOINED
    if tag.startswith(("S", "W_")):
        return _AS_IS
    return _WORD


@functools.lru_cache(maxsize=65536)
def surface_atom(form: str, tag: str) -> Atom | None:
    """The surface of a morpheme ``form/tag``, as an atom found in folded text wherever Kiwi reads
    the morpheme; None when the morpheme may be written as nothing of its own.

    >>> [str(surface_atom(f, t)) for f, t in [("돕", "VV"), ("부르", "VV"), ("었", "EP"), ("ᆫ다", "EF"), ("것", "NNB")]]
    ['[도-돟]', '[부불][라-랗러-렇르-릏]', '…ᆻ', '…ᆫ[다-댛]', '[가-깋]']
    >>> surface_atom("하", "XSV"), surface_atom("어", "EC")
    (None, None)
    """
    text = fold(form)
    kind = _kind(tag, form)
    if not text or kind == _SILENT:
        return None
    if kind == _AS_IS:
        return Atom.exact(text)
    if kind == _WORD and text in _SHORTENED:
        return _SHORTENED[text]
    units: list[frozenset[str]] = [frozenset(char) for char in text]
    initials: frozenset[int] | None = None  # the last syllable's initials, when not only its own
    if kind == _JOINED:
        # the first syllable may melt into the word before
        final = _jamo_final(text[0])
        parts = _split(text[0])
        if parts is not None and parts[0] == _NG and not parts[2]:
            units.pop(0)  # 아, 어, 이, 의: may vanish (만나+아 만나, 것+이 게)
            text = text[1:]
            if not text:
                return None
        elif final is not None or (parts is not None and parts[0] == _NG):
            # 었, 을, ᆫ: only the final is sure to be there (했, 날, 한)
            units[0] = _ending_in(final if final is not None else parts[2])  # type: ignore[index]
            if len(text) == 1:
                return Atom.of(units)
        elif parts is not None:
            initials = _STRENGTHENED.get(parts[0], frozenset((parts[0],)))
            units[0] = _syllables(initials, (parts[1],), (parts[2],))
            if len(text) > 1:
                initials = None
    last = _split(text[-1])
    if last is not None:
        c, v, f = last
        initials = initials or frozenset((c,))
        if kind == _STEM and text.endswith("르") and len(text) >= 2 and _split(text[-2]) is not None:
            pc, pv, pf = _split(text[-2])  # type: ignore[misc]
            units[-2] = _syllables((pc,), (pv,), {pf, _F_L})  # 부르+어 불러, 오르+아 올라
            units[-1] = _syllables((_R,), _CONTRACTED[_EU], _ALL_FINALS)
        elif kind == _WORD and text[-1] == "것":
            units[-1] = _syllables((_G,), _ALL_VOWELS, _ALL_FINALS)  # 게, 거, 건, 걸: Kiwi reads 것
        elif not f and kind == _WORD:
            # a contracted particle adds a final (우리+는 우린, 이제+는 이젠); the vowel stays
            units[-1] = _syllables(initials, _PRONOUN_VOWELS.get(text, frozenset((v,))), _ALL_FINALS)
        elif not f:
            units[-1] = _syllables(initials, _CONTRACTED.get(v, frozenset((v,))), _ALL_FINALS)
        elif kind == _STEM and f == _F_H:
            units[-1] = _syllables(initials, _CONTRACTED.get(v, frozenset((v,))) | _AFTER_H, _ALL_FINALS)
        elif kind == _STEM and f in _CHANGING_FINALS:
            units[-1] = _syllables(initials, (v,), _ALL_FINALS)
        else:
            units[-1] = _syllables(initials, (v,), (f,))
    return Atom.of(units)


#: A literal test without tags matches its form under any tag: one tag of each way of writing it.
ANY_TAG_WRITINGS = ("VV", "NNG", "EC", "JKB", "SL")


def check_atom(forms: Iterable[str], tags: Iterable[str]) -> frozenset[Atom] | None:
    """What a literal test (one of ``forms``, one of ``tags``) needs: one of these atoms; None: nothing.

    A test with no tags matches a form under any tag, so each way of writing it counts.

    >>> sorted(map(str, check_atom({"와", "과"}, {"JKB"}) or ())), sorted(map(str, check_atom({"회동"}, {"NNG"})))
    ([], ['회동'])
    """
    tags = list(tags) or ANY_TAG_WRITINGS
    atoms: set[Atom] = set()
    for form in forms:
        for tag in tags:
            atom = surface_atom(form, tag)
            if atom is None:
                return None
            atoms.add(atom)
    return frozenset(atoms) if atoms else None


def atoms_pattern(atoms: Iterable[Atom]) -> re.Pattern[str]:
    """One regular expression that finds any of ``atoms`` in folded text (none: never matches)."""
    patterns = sorted({atom.pattern() for atom in atoms})
    return re.compile("|".join(patterns) if patterns else r"(?!)")
