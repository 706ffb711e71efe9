"""Property-based rule testing: sentences generated from rules, and metamorphic checks.

``koie test`` and the pytest plugin run, for every rule, besides its written
examples:

``generated``
    sentences built from the rule's pattern (see :func:`sentences_for`): slots
    filled by generating the rules that produce their label, names of the
    right shape, alternatives chosen, repetitions and optional parts present or
    absent, predicates inflected (만나 → 만났다, 만난, 만나서, 만나고, 만났으며),
    particles in the allomorph the preceding syllable asks for (이/가, 와/과),
    gaps filled with plain words. Each sentence is analysed by Kiwi like any
    document, and the rule must match it with the captures the plan says.
``surround``, ``ending``, ``swap``
    metamorphic checks on the rule's ``match`` examples: the match survives
    unrelated sentences around it, another tense or ending of its predicate,
    and one name swapped for another of the same kind (the capture follows).
``no_match-surround``, ``no_match-swap``
    a ``no_match`` example stays unmatched under the meaning-preserving
    changes. (The ending change is not applied to ``no_match`` examples: 만날
    예정이다 → 만났다 changes the very meaning that made the example a no-match.)

Hypothesis draws the choices and shrinks a failure to its smallest sentence.
The functions that only handle Hangul (:func:`has_final_consonant`,
:func:`attach_particle`, :func:`inflect`) need no analyser:

>>> inflect("만나", "past"), inflect("회동하", "adnominal"), inflect("만나", "seo")
('만났다', '회동한', '만나서')
>>> attach_particle("김철수", "와"), attach_particle("홍길동", "가")
('김철수와', '홍길동이')
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck, Unsatisfiable

from koie.analysis.morphemes import Morpheme
from koie.api import Pack
from koie.engine.extract import Extraction, Mention, Origin, Record
from koie.explain import why_not
from koie.lang import ast
from koie.lang.ir import ALLOMORPH_SETS, STEM_TAGS
from koie.lang.parse import PatternError, parse_pattern
from koie.lang.resolve import analyse_literal
from koie.testing.examples import ExampleResult, _why_not_text

# ------------------------------------------------------------------ profiles

settings.register_profile("ci", derandomize=True, max_examples=15, deadline=None, database=None, print_blob=False)
settings.register_profile("dev", max_examples=30, deadline=None)

#: Generated sentences per rule and property when nothing else says.
DEFAULT_MAX_EXAMPLES = 20


def current_profile() -> str:
    """The hypothesis profile asked for by the environment: ``ci`` under CI, else ``dev``."""
    return os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")


# ------------------------------------------------------------------- Hangul

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_FINAL_NIEUN, _FINAL_RIEUL, _FINAL_SSANGSIOS = 4, 8, 20
#: Latin letters and digits as Koreans read them: True when the reading ends
#: in a consonant (엘, 엠, 엔, 알; 영, 일, 삼, 육, 칠, 팔, 십).
_READ_WITH_CODA = {
    **{c: c in "LMNR" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{d: d in "0136780" for d in "0123456789"},
}


def _syllable(char: str) -> tuple[int, int, int] | None:
    code = ord(char) - _HANGUL_FIRST
    if not 0 <= code <= _HANGUL_LAST - _HANGUL_FIRST:
        return None
    return code // 588, (code % 588) // 28, code % 28


def _compose(initial: int, vowel: int, final: int) -> str:
    return chr(_HANGUL_FIRST + initial * 588 + vowel * 28 + final)


def has_final_consonant(word: str) -> bool:
    """Whether ``word`` ends in a consonant sound, which picks 이 over 가, 과 over 와.

    Closing brackets and punctuation are skipped; Latin letters and digits are
    read the Korean way (CEO → 씨이오, vowel; LG → 엘지, vowel; 3M → 쓰리엠, consonant).

    >>> [has_final_consonant(w) for w in ("홍길동", "김철수", "CEO", "최고경영자(CEO)", "3M")]
    [True, False, False, False, True]
    """
    for char in reversed(word.strip()):
        parts = _syllable(char)
        if parts is not None:
            return parts[2] != 0
        if char.upper() in _READ_WITH_CODA:
            return _READ_WITH_CODA[char.upper()]
    return False


def _ends_in_rieul(word: str) -> bool:
    parts = _syllable(word.strip()[-1:] or " ")
    return parts is not None and parts[2] == _FINAL_RIEUL


#: For each allomorph set: (form after a consonant, form after a vowel).
_PARTICLE_CHOICE: dict[frozenset[str], tuple[str, str]] = {
    frozenset(("이", "가")): ("이", "가"),
    frozenset(("은", "는", "ᆫ")): ("은", "는"),
    frozenset(("을", "를", "ᆯ")): ("을", "를"),
    frozenset(("와", "과")): ("과", "와"),
    frozenset(("아", "야")): ("아", "야"),
}
for _group in ALLOMORPH_SETS:
    _forms = sorted(_group, key=len)
    if _group not in _PARTICLE_CHOICE and len(_forms) == 2 and _forms[1][1:] == _forms[0]:
        _PARTICLE_CHOICE[_group] = (_forms[1], _forms[0])  # 이나/나, 으로/로: the longer after a consonant


def particle_after(word: str, particle: str) -> str:
    """The allomorph of ``particle`` that follows ``word``.

    >>> particle_after("서울", "으로"), particle_after("본사", "으로"), particle_after("회장", "로")
    ('로', '로', '으로')
    """
    for group, (after_consonant, after_vowel) in _PARTICLE_CHOICE.items():
        if particle in group:
            if after_consonant.startswith("으") and _ends_in_rieul(word):
                return after_vowel  # 서울로, not 서울으로
            return after_consonant if has_final_consonant(word) else after_vowel
    return particle


def attach_particle(word: str, particle: str) -> str:
    """``word`` with ``particle`` glued on, in the right allomorph."""
    return word + particle_after(word, particle)


#: Endings a generated predicate takes: name → (is sentence-final, continuation
#: that makes a sentence of it when nothing follows).
ENDINGS: dict[str, tuple[bool, str]] = {
    "past": (True, ""),
    "adnominal": (False, " 자리에서 협력 방안을 논의했다"),
    "seo": (False, " 협력 방안을 논의했다"),
    "go": (False, " 협력 방안을 논의했다"),
    "past_myeo": (False, " 협력 방안을 논의했다"),
}

#: How many morphemes each ending adds after the stem (었 다, ᆫ, 어서, 고, 었 으며).
ENDING_MORPHEMES = {"past": 2, "adnominal": 1, "seo": 1, "go": 1, "past_myeo": 2}


def endings_for(stem: str) -> list[str]:
    """The endings generated for ``stem``.

    ``-고`` is left out after 하 (회동하고): after a noun, Kiwi reads 하고 as
    the particle 하고 ("with") in most sentences, 회동/NNG 하고/JKB, so no
    stem literal can match it; a rule that must find 회동하고 says so with
    ``회동 하고/JKB``. See docs/testing.md.

    >>> endings_for("회동하")
    ['past', 'adnominal', 'seo', 'past_myeo']
    """
    return [e for e in ENDINGS if not (e == "go" and stem.endswith("하"))]


# vowel indices: ㅏ0 ㅐ1 ㅓ4 ㅔ5 ㅕ6 ㅗ8 ㅘ9 ㅙ10 ㅚ11 ㅜ13 ㅝ14 ㅡ18 ㅣ20
_CONTRACT = {0: 0, 1: 1, 4: 4, 5: 5, 6: 6, 8: 9, 11: 10, 13: 14, 18: 4, 20: 6}


def _infinitive(stem: str) -> str:
    """The 아/어 form of a stem (만나 → 만나, 하 → 해, 받 → 받아, 주 → 줘)."""
    last = _syllable(stem[-1])
    if last is None:
        raise ValueError(f"not a Hangul stem: {stem!r}")
    initial, vowel, final = last
    if stem.endswith("하"):
        return stem[:-1] + "해"
    bright = vowel in (0, 8)
    if final == 0 and vowel in _CONTRACT:
        return stem[:-1] + _compose(initial, _CONTRACT[vowel], 0)
    return stem + ("아" if bright else "어")


def _add_final(text: str, final: int) -> str:
    initial, vowel, _ = _syllable(text[-1]) or (0, 0, 0)
    return text[:-1] + _compose(initial, vowel, final)


def inflect(stem: str, ending: str) -> str:
    """A regular predicate stem with one of :data:`ENDINGS`.

    >>> [inflect("만나", e) for e in ENDINGS]
    ['만났다', '만난', '만나서', '만나고', '만났으며']
    >>> [inflect(s, "past") for s in ("회동하", "받", "주", "보", "기다리")]
    ['회동했다', '받았다', '줬다', '봤다', '기다렸다']
    """
    if ending == "go":
        return stem + "고"
    if ending == "adnominal":
        final = (_syllable(stem[-1]) or (0, 0, -1))[2]
        if final == 0:
            return _add_final(stem, _FINAL_NIEUN)
        if final == _FINAL_RIEUL:
            return _add_final(stem, _FINAL_NIEUN)
        return stem + "은"
    infinitive = _infinitive(stem)
    if ending == "seo":
        return infinitive + "서"
    past = _add_final(infinitive, _FINAL_SSANGSIOS)
    if ending == "past":
        return past + "다"
    if ending == "past_myeo":
        return past + "으며"
    raise ValueError(f"unknown ending {ending!r}")


# ------------------------------------------------------------- name pools

_SURNAMES = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "류",
    "홍",
    "전",
    "고",
    "문",
    "양",
    "배",
    "백",
    "허",
    "노",
]
_GIVEN = [
    "민수",
    "서연",
    "지훈",
    "수빈",
    "현우",
    "지민",
    "예준",
    "도윤",
    "지우",
    "윤서",
    "채원",
    "준호",
    "영호",
    "경수",
    "은지",
    "혜진",
    "동현",
    "재원",
    "태희",
    "유진",
    "정훈",
    "보람",
    "소영",
    "진혁",
    "가은",
    "주원",
    "시우",
    "건우",
    "수아",
    "나연",
]
_FOREIGN = (
    "마리아 로페즈",
    "앤드루 첸",
    "젠슨 황",
    "샘 올트먼",
    "사티아 나델라",
    "일론 머스크",
    "빌 게이츠",
    "마크 저커버그",
    "제프 베이조스",
    "순다르 피차이",
    "팀 쿡",
    "리사 수",
    "안나 슈미트",
    "피터 존슨",
    "에밀리 브라운",
    "토마스 뮐러",
    "루카스 실바",
    "올리비아 마틴",
)
_COMPANY_HEADS = [
    "한빛",
    "누리",
    "새봄",
    "푸른",
    "대한",
    "미래",
    "하늘",
    "온새",
    "바른",
    "별빛",
    "퀀텀",
    "스텔라",
    "나래",
    "다온",
]
_COMPANY_TAILS = ["전자", "소프트", "바이오", "화학", "제약", "통신", "물산", "에너지", "링크", "모터스"]
_LATIN_WORDS = ("SK", "LG", "KT", "AI", "IT")
#: Names in Latin script, for regex tests on SL (an English gloss: 마리아 로페즈(Maria Lopez)).
_LATIN_NAMES = ("Maria", "Lopez", "David", "Walker", "Elena", "Rossi", "Andrew", "Chen")
#: Endings written as morphemes that the generator makes by inflecting the stem before them
#: (만나 ᆫ/ETM 적, $MEET_VERB (?<= ᆫ/ETM)); other endings are not generated.
_ENDING_FORMS = {"ᆫ": "adnominal", "고": "go"}

#: Plain words for gaps and ``.``: each one morpheme, none a name or title.
GAP_WORDS = ("어제", "직접", "함께", "다시", "최근", "서울", "현지", "처음")
#: Unrelated sentences for the ``surround`` property.
NEUTRAL_SENTENCES = (
    "날씨가 맑았다.",
    "행사는 오후 늦게 끝났다.",
    "자세한 내용은 공개되지 않았다.",
    "업계의 관심이 커지고 있다.",
    "주가는 소폭 올랐다.",
    "관계자는 말을 아꼈다.",
)
_WORDS_BY_TAG = {
    "NNG": ("협력", "사업", "투자", "계약"),
    "SL": _LATIN_WORDS,
    "SN": ("3", "10", "25"),
    "MAG": ("함께", "다시", "직접"),
    "NR": ("하나", "둘"),
    "NP": ("그",),
    "VV": ("만나",),
    "VA": ("크",),
    "SF": (".",),
    "SP": (",",),
}
_COMPANY_LABEL = re.compile(r"ORG|COMP|CORP|FIRM|BRAND|회사|기업", re.IGNORECASE)
_PERSON_LABEL = re.compile(r"PER|NAME|WHO|HUMAN|인물|사람", re.IGNORECASE)


def name_kind(label: str | None) -> str:
    """``company`` for organisation-like labels, else ``person``.

    >>> name_kind("ORG"), name_kind("PERSON"), name_kind(None)
    ('company', 'person', 'person')
    """
    return "company" if label and _COMPANY_LABEL.search(label) else "person"


@dataclass(frozen=True, slots=True)
class NamePools:
    """Names Kiwi reads as proper nouns in a sentence, by kind and token count."""

    person: dict[int, tuple[str, ...]]
    company: tuple[str, ...]
    by_label: dict[str, tuple[str, ...]]

    def names(self, kind: str, tokens: int = 1) -> tuple[str, ...]:
        if kind == "company":
            return self.company if tokens == 1 else ()
        return self.person.get(tokens, ())

    def tokens_of(self, name: str) -> int | None:
        """How many proper nouns Kiwi read ``name`` as when it was vetted (None: not a pool name)."""
        if name in self.company:
            return 1
        return next((count for count, names in self.person.items() if name in names), None)


_POOL_CACHE: dict[int, NamePools] = {}


def _proper_noun_tokens(morphemes: Sequence[Morpheme], start: int, end: int) -> int:
    """How many NNP morphemes cover exactly ``start:end`` (0 when anything else does)."""
    inside = [m for m in morphemes if m.start < end and m.end > start]
    if not inside or min(m.start for m in inside) != start or max(m.end for m in inside) != end:
        return 0
    return len(inside) if all(m.tag == "NNP" for m in inside) else 0


def name_pools(pack: Pack) -> NamePools:
    """Vet candidate names with the pack's analyser, once per analyser.

    A candidate stays when Kiwi reads it as proper nouns in every frame: the
    generated sentences test the rules, not Kiwi's coverage of rare names
    (which the ``swap`` property still meets through the pack's own examples).
    """
    key = id(pack.analyzer)
    if key in _POOL_CACHE:
        return _POOL_CACHE[key]
    frames = ("{} 사장이 왔다.", "어제 {} 대표와 만났다.")
    korean = [s + g for s in _SURNAMES for g in _GIVEN]
    companies = [h + t for h in _COMPANY_HEADS for t in _COMPANY_TAILS]
    candidates = [(n, "person") for n in korean + list(_FOREIGN)] + [(c, "company") for c in companies]
    texts = []
    for name, kind in candidates:
        for frame in frames:
            texts.append(frame.format(name if kind == "person" else "홍길동 " + name))
    documents = pack.analyzer.analyze_many(texts)
    person: dict[int, list[str]] = {}
    company: list[str] = []
    for index, (name, kind) in enumerate(candidates):
        counts = set()
        for offset in range(len(frames)):
            document = documents[index * len(frames) + offset]
            text = texts[index * len(frames) + offset]
            start = text.index(name, 4 if kind == "company" else 0)
            morphemes = [m for s in document.sentences for m in s.morphemes]
            counts.add(_proper_noun_tokens(morphemes, start, start + len(name)))
        if len(counts) == 1 and 0 not in counts:
            (count,) = counts
            if kind == "person":
                person.setdefault(count, []).append(name)
            elif count == 1:
                company.append(name)
    pools = NamePools({k: tuple(v) for k, v in person.items()}, tuple(company), {})
    _POOL_CACHE[key] = pools
    return pools


# ------------------------------------------------------------- sentence plans


@dataclass(frozen=True, slots=True)
class Term:
    """One piece of a generated sentence.

    ``kind`` is ``text`` (fixed text), ``particle`` (glued, allomorph chosen
    when realised), ``gap`` (plain words, count chosen after contexts are
    settled) or ``mark`` (a zero-width capture boundary). ``sig`` says what
    the piece is, so a look-around's context can be recognised in what
    follows: ``("tags", tags)``, ``("lex", name)``, ``("text", text)``.
    """

    kind: str
    text: str = ""
    glued: bool = False
    sig: tuple[Any, ...] = ()
    gap: int = 0
    ending: str | None = None
    #: A stem from a form/TAG test (서/VV), which takes no endings: its ending's morphemes
    #: count against the gap after it.
    bare: bool = False
    #: The regex a name drawn for a regex test had to satisfy (see Generator._paired_names).
    accepts: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """What a slot (or capture group) became: its label and capture name."""

    items: tuple[Any, ...]
    label: str | None = None
    capture: str | None = None
    context: bool = False  # the text of a look-around nobody else supplied


@dataclass(frozen=True, slots=True)
class Look:
    items: tuple[Any, ...]
    ahead: bool
    #: A look-around of a slot's filler (an entity rule's (?= @TITLE)), not of the rule itself.
    in_filler: bool = False


@dataclass(frozen=True, slots=True)
class Sentence:
    """A generated sentence and what the rule must capture in it."""

    text: str
    captures: dict[str, str]
    rule: str
    #: Where the generated names are: Kiwi must read each as proper nouns, or
    #: the sentence says nothing about the rule (see :class:`Inconclusive`).
    names: tuple[tuple[int, int], ...] = ()
    #: The rule's slot fillers, as (label, start, end): the entity rules must find each
    #: there, or the sentence says nothing about the rule.
    fillers: tuple[tuple[str, int, int], ...] = ()
    #: The generator's own words (gap fillers) and glued particles, as (start, end, kind): Kiwi
    #: must read a word as one morpheme and a particle as particles (회장도와 reads as 돕/VV).
    pieces: tuple[tuple[int, int, str], ...] = ()

    def __repr__(self) -> str:
        return f"Sentence({self.text!r}, captures={self.captures})"


class Unsupported(Exception):
    """A pattern element the generator cannot produce text for."""


def expand_macros(node: ast.Node, macros: dict[str, ast.Node], depth: int = 0) -> ast.Node:
    """Replace ``$NAME`` by the macro's pattern (macros may use macros)."""
    if depth > 20:
        raise Unsupported("macros nest too deep")
    if isinstance(node, ast.MacroRef):
        return expand_macros(macros[node.name], macros, depth + 1)
    if isinstance(node, ast.Sequence):
        return replace(node, items=tuple(expand_macros(i, macros, depth) for i in node.items))
    if isinstance(node, ast.Alternation):
        return replace(node, options=tuple(expand_macros(o, macros, depth) for o in node.options))
    if isinstance(node, (ast.Group, ast.Lookaround, ast.Repeat)):
        return replace(node, body=expand_macros(node.body, macros, depth))
    return node


class Generator:
    """Builds sentence strategies for the rules of one pack."""

    def __init__(self, pack: Pack, pools: NamePools | None = None) -> None:
        self.pack = pack
        spec = pack.compiled.resolved.spec
        self.macros = {m.name: parse_pattern(m.pattern.text) for m in spec.macros}
        self.trees = {r.id: expand_macros(parse_pattern(r.pattern.text), self.macros) for r in spec.rules}
        self.labels = {r.id: r.label for r in spec.rules}
        self.producers: dict[str, list[str]] = {}
        for rule in spec.rules:
            self.producers.setdefault(rule.label, []).append(rule.id)
        self.lexicons = {lex.name: tuple(lex.entries) for lex in spec.lexicons}
        self.pools = pools if pools is not None else name_pools(pack)
        self._literal_cache: dict[tuple[str, bool], tuple[Morpheme, ...]] = {}
        self._size_cache: dict[str, int] = {}
        self._support: dict[str, str | None] = {}
        #: Names drawn for the sentence being planned: each is drawn once when the pool allows (two
        #: 김민수 in one sentence are read otherwise: 면담한 김민수 as 면담/NNG 한/MM).
        self._used: set[str] = set()

    # -- what can be generated

    def obstacle(self, rule_id: str, seen: tuple[str, ...] = ()) -> str | None:
        """Why sentences cannot be generated for ``rule_id`` (None: they can).

        A regex test on a proper noun is filled from the name pools with names
        it accepts, in a rule's own sentences and where the rule fills another
        rule's slot alike. A pool name that fits the regex need not be what
        the entity rules find in the context the outer rule builds around it;
        such a case is inconclusive, not a failure (:func:`_generator_doubt`).
        """
        if rule_id not in self._support:
            self._support[rule_id] = self._obstacle(self.trees[rule_id], seen + (rule_id,))
        return self._support[rule_id]

    def _obstacle(self, node: ast.Node, seen: tuple[str, ...]) -> str | None:
        if isinstance(node, ast.MorphTest):
            if node.regex is not None:
                if self._regex_words(node, None)[0]:
                    return None
                return f"no generated name matches r{_shown(node.regex)!r}"
            if node.form is None and not any(self._word_tag(t) for t in node.tags):
                return f"bare tag /{','.join(node.tags)}"
            if (
                node.form is not None
                and node.tags
                and all(t.startswith("E") for t in node.tags)
                and node.form not in _ENDING_FORMS
            ):
                return f"ending {node.form}/{','.join(node.tags)}"
            return None
        if isinstance(node, ast.Slot):
            reasons = []
            for label in node.labels:
                for producer in self.producers.get(label, []):
                    if producer in seen:
                        continue
                    reason = self.obstacle(producer, seen)
                    if reason is None:
                        return None
                    reasons.append(reason)
            return f"[{'|'.join(node.labels)}]: " + (reasons[0] if reasons else "no rule produces it")
        if isinstance(node, ast.LexiconRef):
            return None if self.lexicons.get(node.name) else f"empty lexicon @{node.name}"
        if isinstance(node, ast.Literal) and not node.quoted:
            morphemes = self.analyse(node.text, node.glued)
            if morphemes and (morphemes[0].tag.startswith("E") or morphemes[0].tag == "VX"):
                # 지 in 만나지 말: an ending or auxiliary needs its verb's inflection, which the
                # generator does not make
                return f"ending or auxiliary {node.text}"
        if isinstance(node, ast.Alternation):
            outcomes = [self._obstacle(o, seen) for o in node.options]
            found = [r for r in outcomes if r is not None]
            return None if len(found) < len(outcomes) else found[0]
        if isinstance(node, ast.Lookaround) and node.negative:
            return None
        if isinstance(node, ast.Repeat) and node.min == 0:
            return None  # an optional part the generator cannot make is left out (plan)
        for child in ast.children(node):
            if isinstance(node, ast.Negated):
                return None
            reason = self._obstacle(child, seen)
            if reason is not None:
                return reason
        return None

    @staticmethod
    def _word_tag(tag: str) -> str | None:
        if tag.endswith("*"):
            prefix = tag[:-1]
            for known in ("NNP", "NNG", "SL", "SN", "MAG", "VV"):
                if known.startswith(prefix):
                    return known
            return None
        if tag == "NNP" or tag in _WORDS_BY_TAG or tag.startswith("J"):
            return tag
        return None

    # -- planning (hypothesis draws every choice)

    def plan(self, draw: Callable[[Any], Any], node: ast.Node, label: str | None, depth: int = 0) -> list[Any]:
        if depth > 12:
            raise Unsupported("slots nest too deep")
        if isinstance(node, ast.Sequence):
            out: list[Any] = []
            for item in node.items:
                out.extend(self.plan(draw, item, label, depth))
            return _with_endings(self._paired_names(draw, out, label))
        if isinstance(node, ast.Alternation):
            options = [o for o in node.options if self._obstacle(o, ()) is None] or list(node.options)
            return self.plan(draw, options[draw(st.integers(0, len(options) - 1))], label, depth)
        if isinstance(node, ast.Group):
            body = self.plan(draw, node.body, label, depth)
            return [Group(tuple(body), None, node.capture)] if node.capture else body
        if isinstance(node, ast.Repeat):
            high = node.max if node.max is not None else node.min + 2
            repeated = node.body
            if (
                isinstance(repeated, ast.MorphTest)
                and repeated.form is None
                and repeated.regex is None
                and "NNP" in repeated.tags
                and name_kind(label) == "person"
            ):
                counts = [n for n in range(max(node.min, 1), high + 1) if self.pools.names("person", n)]
                if node.min == 0:
                    counts = [0] + counts
                count = draw(st.sampled_from(counts or [max(node.min, 1)]))
                return [self._name(draw, label, count)] if count else []
            if node.min == 0 and self._obstacle(repeated, ()) is not None:
                return []  # (/XSN)?: nothing to make it from, so it is left out
            # Fewest repetitions most often: every optional part a sentence holds is another chance
            # for Kiwi to read the generated text otherwise (a case thrown away), and news
            # seldom stacks them (three people, two titles and a parenthesis for each).
            # An optional slot is the other way round: [TITLE]? after a name is what the entity
            # rules need to find the name at all.
            top = min(high, node.min + 2)
            if node.min == 0 and node.max == 1 and _holds_slot(repeated):
                count = draw(st.sampled_from([1, 1, 0]))
            else:
                count = draw(st.sampled_from([node.min] * 4 + list(range(node.min, top + 1))))
            out = []
            for _ in range(count):
                out.extend(self.plan(draw, repeated, label, depth))
            return out
        if isinstance(node, ast.Lookaround):
            if node.negative:
                return []
            return [Look(tuple(self.plan(draw, node.body, label, depth)), node.ahead, in_filler=depth > 0)]
        if isinstance(node, ast.Slot):
            choices = [
                (lab, rid) for lab in node.labels for rid in self.producers.get(lab, []) if self.obstacle(rid) is None
            ]
            if not choices:
                raise Unsupported(f"no rule produces [{'|'.join(node.labels)}] in a way koie can generate")
            chosen_label, rule_id = choices[draw(st.integers(0, len(choices) - 1))]
            body = self.plan(draw, self.trees[rule_id], chosen_label, depth + 1)
            return [Group(tuple(body), chosen_label, node.capture)]
        if isinstance(node, ast.LexiconRef):
            entry = draw(st.sampled_from(self.lexicons[node.name]))
            term = Term("text", entry, sig=("lex", node.name))
            return [Group((term,), None, node.capture)] if node.capture else [term]
        if isinstance(node, ast.Gap):
            return [Term("gap", gap=node.max, sig=("gap",))]
        if isinstance(node, (ast.AnyMorpheme, ast.Negated)):
            words = [w for w in GAP_WORDS if not (isinstance(node, ast.Negated) and _negated_hits(node, w))]
            return [Term("text", draw(st.sampled_from(words)), sig=("tags", frozenset()))]
        if isinstance(node, ast.Anchor):
            # the sentence must end here ((?= /SF | $) in a headline): no frame after it
            if node.spacing == "join":  # !_: what follows is glued to what came before (면담한)
                return [Term("mark", sig=("join",))]
            return [Term("mark", sig=("end",))] if node.at_end and not node.spacing else []
        if isinstance(node, ast.MorphTest):
            return [self._morph(draw, node, label)]
        if isinstance(node, ast.Literal):
            return [self._literal(draw, node)]
        raise Unsupported(f"cannot generate {type(node).__name__}")

    def _paired_names(self, draw: Callable[[Any], Any], items: list[Any], label: str | None) -> list[Any]:
        """Two name words in a row (마리아 로페즈 in $NAME_WORD $NAME_WORD) as one two-word name.

        Each word drawn alone from the pools is mostly a Korean full name, and two of them in a
        row (김민수 박지훈) are read as two people, by Kiwi and by the entity rules alike.
        """
        two_words = [n for n in self.pools.names(name_kind(label), 2) if len(n.split()) == 2]
        for index in range(len(items) - 1):
            first, second = items[index], items[index + 1]
            if not (isinstance(first, Term) and isinstance(second, Term) and first.accepts and second.accepts):
                continue
            fitting = [
                n
                for n in two_words
                if re.search(first.accepts, n.split()[0]) and re.search(second.accepts, n.split()[1])
            ]
            if fitting:
                words = self._fresh(draw, fitting).split()
                items[index], items[index + 1] = replace(first, text=words[0]), replace(second, text=words[1])
        return items

    def _name(self, draw: Callable[[Any], Any], label: str | None, tokens: int) -> Term:
        kind = name_kind(label)
        names = self.pools.names(kind, tokens) or self.pools.names(kind, 1)
        if not names:
            raise Unsupported(f"no {kind} names Kiwi reads as proper nouns")
        return Term("text", self._fresh(draw, names), sig=("tags", frozenset(("NNP",))))

    def _fresh(self, draw: Callable[[Any], Any], names: Sequence[str]) -> str:
        """One of ``names``, not one drawn already for this sentence when another is left."""
        name: str = draw(st.sampled_from([n for n in names if n not in self._used] or list(names)))
        self._used.add(name)
        return name

    def _regex_words(self, node: ast.MorphTest, label: str | None) -> tuple[tuple[str, ...], str]:
        """Words a regex test accepts, and their tag: pool names (one proper noun each) for a test
        on proper nouns, else surnames (최 회장); Latin names and words for a test on SL."""
        if node.regex is None:
            return (), ""
        pattern = re.compile(node.regex)
        if not node.tags or "NNP" in node.tags or any(t.endswith("*") and "NNP".startswith(t[:-1]) for t in node.tags):
            kinds = [name_kind(label)] + [k for k in ("person", "company") if k != name_kind(label)]
            for kind in kinds:
                names = tuple(n for n in self.pools.names(kind, 1) if pattern.search(n))
                if names:
                    return names, "NNP"
            return tuple(n for n in _SURNAMES if pattern.search(n)), "NNP"
        if "SL" in node.tags:
            return tuple(w for w in _LATIN_NAMES + _LATIN_WORDS if pattern.search(w)), "SL"
        return (), ""

    def _morph(self, draw: Callable[[Any], Any], node: ast.MorphTest, label: str | None) -> Term:
        if node.regex is not None:
            words, tag = self._regex_words(node, label)
            if not words:
                raise Unsupported(f"no generated name matches r{_shown(node.regex)!r}")
            return Term(
                "text",
                self._fresh(draw, words),
                sig=("tags", frozenset((tag,))),
                accepts=node.regex if tag == "NNP" else None,
            )
        tags = list(node.tags)
        if node.form is not None:
            if any(t.startswith("J") for t in tags):
                return Term("particle", node.form, glued=True, sig=("particle", node.form))
            if all(t.startswith("E") for t in tags) and node.form in _ENDING_FORMS:
                return Term("ending", node.form, sig=("ending", node.form))
            if any(t in STEM_TAGS for t in tags):
                return replace(self._stem(draw, node.form), bare=True)
            return Term("text", node.form, sig=("tags", frozenset(tags)))
        chosen = [t for t in (self._word_tag(t) for t in tags) if t]
        tag = "NNP" if "NNP" in chosen else draw(st.sampled_from(chosen))
        if tag == "NNP":
            return self._name(draw, label, 1)
        if tag.startswith("J"):
            return Term("particle", "이", glued=True, sig=("particle", "이"))
        if tag in ("VV", "VA"):
            return self._stem(draw, draw(st.sampled_from(_WORDS_BY_TAG[tag])))
        return Term(
            "text", draw(st.sampled_from(_WORDS_BY_TAG[tag])), glued=tag == "SP", sig=("tags", frozenset((tag,)))
        )

    def _stem(self, draw: Callable[[Any], Any], stem: str) -> Term:
        return Term("stem", stem, sig=("stem", stem), ending=draw(st.sampled_from(endings_for(stem))))

    def analyse(self, text: str, glued: bool) -> tuple[Morpheme, ...]:
        key = (text, glued)
        if key not in self._literal_cache:
            self._literal_cache[key] = analyse_literal(self.pack.analyzer, text, glued)[0]
        return self._literal_cache[key]

    def _literal(self, draw: Callable[[Any], Any], node: ast.Literal) -> Term:
        text = node.text
        if node.quoted and not any(c.isalnum() for c in text):
            return Term("text", text, glued=True, sig=("text", text))
        morphemes = self.analyse(text, node.glued)
        if morphemes and all(m.tag.startswith("J") for m in morphemes) and not node.quoted:
            return Term("particle", text, glued=True, sig=("particle", text))
        if (
            morphemes
            and morphemes[-1].tag in STEM_TAGS
            and not node.quoted
            and _syllable(text[-1])
            and text.endswith(morphemes[-1].form)
        ):  # not 연이어 (연잇/VV): it is inflected already
            return replace(self._stem(draw, text), glued=node.glued)
        return Term("text", text, glued=node.glued, sig=("text", text))

    # -- settling look-around contexts

    def settle(self, items: Sequence[Any], before: list[Any], after: list[Any]) -> list[Any]:
        """Drop each look-around whose context the neighbours already supply; keep the rest as text."""
        out: list[Any] = []
        for index, item in enumerate(items):
            if isinstance(item, Look):
                following = _units(items[index + 1 :]) + after
                preceding = before + _units(out)
                body = self.settle(item.items, preceding, following)
                units = _units(body)
                out.extend(t for t in body if isinstance(t, Term) and t.sig == ("end",))  # (?= $)
                if item.ahead:
                    supplied = _aligned(units, following[: len(units)])
                else:
                    supplied = len(preceding) >= len(units) and _aligned(
                        units, preceding[len(preceding) - len(units) :]
                    )
                if (
                    not supplied
                    and not item.ahead
                    and len(units) == 1
                    and isinstance(units[0], Term)
                    and units[0].kind == "ending"
                    and out
                    and isinstance(out[-1], Term)
                    and out[-1].kind == "stem"
                ):
                    # $MEET_VERB (?<= ᆫ/ETM): the verb before takes that ending (만난)
                    out[-1] = replace(out[-1], ending=_ENDING_FORMS[units[0].text], bare=False)
                    continue
                if (
                    not supplied
                    and units
                    and item.in_filler
                    and not _room_for_context(item.ahead, preceding, following)
                ):
                    # The context a filler's entity rule looks for (its (?= @TITLE)) is what the
                    # outer rule puts beside the filler; text made up for it would sit between the
                    # filler and the outer rule's next element (김민수 협력 회장 미국이). Left out:
                    # when the outer rule's choices do not supply it, the entity rules miss the
                    # filler and the case is inconclusive (_generator_doubt).
                    continue
                if not supplied and units:
                    out.append(Group(tuple(body), None, None, context=True))
            elif isinstance(item, Group):
                following = _units(items[index + 1 :]) + after
                out.append(replace(item, items=tuple(self.settle(item.items, before + _units(out), following))))
            else:
                out.append(item)
        return out

    def morpheme_count(self, text: str) -> int:
        if text not in self._size_cache:
            self._size_cache[text] = max(len(self.pack.analyzer.analyze_fragment(text)), 1)
        return self._size_cache[text]

    # -- realising text

    def realise(self, draw: Callable[[Any], Any], items: Sequence[Any], rule_id: str, frame: bool = True) -> Sentence:
        flat: list[tuple[Term, tuple[Group, ...]]] = []
        _flatten(items, (), flat)
        glue_next = False
        text = ""
        spans: dict[int, list[int]] = {}  # id(group) -> [start, end] of its own (non-context) text
        groups: dict[int, Group] = {}  # the rule's own groups: not those inside a slot's filler
        names: list[tuple[int, int]] = []
        pieces: list[tuple[int, int, str]] = []  # filler words and glued particles, to check Kiwi's reading
        context_run = 0  # morphemes of look-around context just emitted (they fill the next gap)
        consuming = [t for t, _ in flat if t.kind in ("text", "particle", "stem")]
        last_term = consuming[-1] if consuming else None
        if any(term.sig == ("end",) for term, _owners in flat):
            frame = False
        for term, owners in flat:
            if term.kind == "mark":
                glue_next = glue_next or term.sig == ("join",)
                continue
            if term.kind == "ending":
                assume(False)  # an ending with no stem before it to inflect (see _with_endings)
            in_context = any(g.context for g in owners)
            if term.kind == "gap":
                if context_run > term.gap:
                    assume(False)
                room = min(term.gap - context_run, 2)
                following = flat[flat.index((term, owners)) + 1 :]
                if following and following[0][0].kind == "particle":
                    room = 0  # a particle belongs to the entity before the gap, not to a filler word
                count = draw(st.integers(0, room))
                for _ in range(count):
                    word = draw(st.sampled_from(GAP_WORDS))
                    text, glue_next = _append(text, word, False, glue_next)
                    pieces.append((len(text) - len(word), len(text), "word"))
                context_run = 0
                continue
            if term.kind == "particle":
                piece = particle_after(text, term.text)
            elif term.kind == "stem":
                ending = term.ending or "past"
                if term is not last_term and ENDINGS[ending][0]:
                    ending = "go"
                piece = inflect(term.text, ending)
            else:
                piece = term.text
            glued = term.glued or term.kind == "particle"
            start = len(text) + (0 if (glued or glue_next or not text) else 1)
            text, glue_next = _append(text, piece, glued, glue_next)
            if term.sig == ("tags", frozenset(("NNP",))):
                names.append((start, len(text)))
            elif term.kind == "particle":
                pieces.append((start, len(text), "particle"))
            elif term.kind == "stem":
                # an inflected stem must still hold its morphemes: 미팅한 before 예정 is read as
                # 미팅/NNG 한/MM ("one"), and 갖았다 (the generator's regular 갖 + 았) is no word
                forms = [m.form for m in self.analyse(term.text, term.glued)] or [term.text]
                pieces.append((start, len(text), "stem:" + " ".join(forms)))
            elif term.sig == ("tags", frozenset()) and piece in GAP_WORDS:
                pieces.append((start, len(text), "word"))
            elif term.kind == "text" and term.sig[:1] == ("text",) and any(c.isalnum() for c in piece):
                # a literal (환담): read alone it gave the pattern's morphemes, and in the middle of
                # made-up words Kiwi may cut it otherwise (환/NNG 담/NNG)
                analysed = self.analyse(piece, term.glued)
                if analysed:
                    pieces.append((start, len(text), "form:" + analysed[0].form))
            elif term.kind == "text" and term.sig[:1] == ("tags",) and term.sig[1]:
                # a form/TAG test or a word for a bare tag (안/MAG): Kiwi must read it so
                pieces.append((start, len(text), "tags:" + ",".join(sorted(term.sig[1]))))
            if piece in ("(", "[", "{"):
                glue_next = True
            context_run = context_run + self.morpheme_count(piece) if in_context else 0
            if term.kind == "stem" and term.bare and term is not last_term:
                context_run += ENDING_MORPHEMES[ending]  # 서고 in 서/VV ~2 사진: 고 is in the gap
            for index, group in enumerate(owners):
                if group.context or any(g.context for g in owners[index:]):
                    continue
                span = spans.setdefault(id(group), [start, len(text)])
                span[1] = len(text)
                groups[id(group)] = group
                if group.label is not None:
                    break  # what a filler's own rule captures inside it is not this rule's
        if frame and last_term is not None:
            text = _frame(text, last_term)
        # A capture repeated in a list ([PERSON:object] 와 [PERSON:object]) holds every filler,
        # in order, as the record's list of mentions does.
        ordered = sorted(groups.items(), key=lambda item: spans[item[0]][0])
        captures: dict[str, str] = {}
        for key, group in ordered:
            if group.capture:
                piece = text[spans[key][0] : spans[key][1]]
                captures[group.capture] = captures[group.capture] + " " + piece if group.capture in captures else piece
        fillers = tuple((g.label, spans[k][0], spans[k][1]) for k, g in ordered if g.label is not None)
        return Sentence(text, captures, rule_id, tuple(names), fillers, tuple(pieces))

    def sentences(self, rule_id: str) -> st.SearchStrategy[Sentence]:
        """Sentences ``rule_id`` must match; raises :class:`Unsupported` when it cannot say."""
        reason = self.obstacle(rule_id)
        if reason is not None:
            raise Unsupported(reason)
        tree = self.trees[rule_id]
        label = self.labels[rule_id]

        @st.composite
        def sentence(draw: Callable[[Any], Any]) -> Sentence:
            self._used = set()
            items = self.plan(draw, tree, label)
            return self.realise(draw, self.settle(items, [], []), rule_id)

        return sentence()


def sentences_for(pack: Pack, rule_id: str) -> st.SearchStrategy[Sentence]:
    """A hypothesis strategy of sentences the rule must match (with the captures it must find)."""
    return Generator(pack).sentences(rule_id)


def _shown(regex: str, limit: int = 60) -> str:
    """A regex as a skip message shows it: a surname list of 300 characters hides the message."""
    return regex if len(regex) <= limit else regex[: limit - 1] + "…"


def _negated_hits(node: ast.Negated, word: str) -> bool:
    test = node.test
    if isinstance(test, ast.Literal):
        return word == test.text
    return test.form == word or (test.regex is not None and re.search(test.regex, word) is not None)


def _room_for_context(ahead: bool, preceding: Sequence[Any], following: Sequence[Any]) -> bool:
    """Whether made-up context for a filler's look-ahead fits: at the sentence's end, or in a gap.

    A look-behind's context is never made up: (?<= ^ | /SP | /SF) would put a full stop in
    the middle of the outer rule's sentence.
    """
    if not ahead:
        return False
    return not following or (isinstance(following[0], Term) and following[0].kind == "gap")


def _with_endings(items: list[Any]) -> list[Any]:
    """A stem followed by an ending written as a morpheme (만나 ᆫ/ETM) takes it as its inflection."""
    out: list[Any] = []
    for item in items:
        if (
            isinstance(item, Term)
            and item.kind == "ending"
            and out
            and isinstance(out[-1], Term)
            and out[-1].kind == "stem"
        ):
            out[-1] = replace(out[-1], ending=_ENDING_FORMS[item.text], bare=False)
            continue
        out.append(item)
    return out


def _holds_slot(node: ast.Node) -> bool:
    return isinstance(node, ast.Slot) or any(_holds_slot(child) for child in ast.children(node))


def _units(items: Sequence[Any]) -> list[Any]:
    return [i for i in items if not isinstance(i, Look) and not (isinstance(i, Term) and i.kind == "mark")]


def _first_term(unit: Any) -> Term | None:
    while isinstance(unit, Group):
        if not unit.items:
            return None
        unit = unit.items[0]
    return unit if isinstance(unit, Term) else None


def _compatible(want: Any, have: Any) -> bool:
    if isinstance(want, Group) and isinstance(have, Group) and want.label and have.label:
        return want.label == have.label
    a, b = _first_term(want), _first_term(have)
    if a is None or b is None or a.sig[:1] != b.sig[:1]:
        return False
    if a.sig[0] == "tags":
        return bool(a.sig[1] & b.sig[1]) or not a.sig[1]
    return a.sig == b.sig


def _aligned(wanted: Sequence[Any], have: Sequence[Any]) -> bool:
    return len(have) == len(wanted) and all(_compatible(w, h) for w, h in zip(wanted, have))


def _flatten(items: Sequence[Any], owners: tuple[Group, ...], out: list[tuple[Term, tuple[Group, ...]]]) -> None:
    for item in items:
        if isinstance(item, Group):
            _flatten(item.items, owners + (item,), out)
        elif isinstance(item, Term):
            out.append((item, owners))


def _append(text: str, piece: str, glued: bool, glue_next: bool) -> tuple[str, bool]:
    if not text or glued or glue_next:
        return text + piece, False
    return text + " " + piece, False


def _frame(text: str, last: Term) -> str:
    """Make a sentence of the generated words, the way news text ends one."""
    if last.kind == "stem":
        final, continuation = ENDINGS[last.ending or "past"]
        return text + ("" if final else continuation) + "."
    if last.kind == "particle":
        return text + " 참석했다."
    return attach_particle(text, "이") + " 참석했다."


# --------------------------------------------------------------- checking


def _strip(text: str) -> str:
    return "".join(text.split())


def _mention_text(value: Mention | tuple[Mention, ...]) -> str:
    mentions = value if isinstance(value, tuple) else (value,)
    return _strip("".join(m.text for m in mentions))


def offsets_problem(extraction: Extraction) -> str | None:
    """A record or mention whose offsets do not give back its text, if any."""
    text = extraction.document.text
    for record in extraction.records + extraction.suppressed:
        if text[record.start : record.end] != record.text:
            return f"record {record.rule} reports {record.text!r} at [{record.start}:{record.end}]"
        for value in record.args.values():
            for mention in value if isinstance(value, tuple) else (value,):
                if text[mention.start : mention.end] != mention.text:
                    return f"mention {mention.text!r} at [{mention.start}:{mention.end}] of {record.rule}"
    return None


def _rule_records(extraction: Extraction, rule_id: str, include_suppressed: bool) -> list[Record]:
    records = [r for r in extraction.records if r.rule == rule_id and r.origin is Origin.RULE]
    if include_suppressed:
        records += [r for r in extraction.suppressed if r.rule == rule_id]
    return records


class Inconclusive(Exception):
    """Kiwi read a generated name or word otherwise than meant, or the entity rules missed a
    filler: the case tests Kiwi or the generator, not the rule."""


def misread_names(
    extraction: Extraction, names: Sequence[tuple[int, int]], pools: NamePools | None = None
) -> list[str]:
    """Names (by span) Kiwi did not read here as it did when they were vetted.

    Misread: not covered exactly by NNP morphemes; covered by another number
    of them than in ``pools`` (홍준호 as 홍/NNP 준호/NNP before a parenthesis);
    or by one whose form is not its text (신시우 as 신시 우/NNP, a name of
    Kiwi's dictionary of multi-word names).
    """
    text = extraction.document.text
    morphemes = [m for s in extraction.document.sentences for m in s.morphemes]
    misread = []
    for start, end in names:
        count = _proper_noun_tokens(morphemes, start, end)
        expected = pools.tokens_of(text[start:end]) if pools is not None else None
        reshaped = any(m.form != text[m.start : m.end] for m in morphemes if m.start < end and m.end > start)
        if not count or (expected is not None and count != expected) or reshaped:
            misread.append(text[start:end])
    return misread


def misread_pieces(extraction: Extraction, pieces: Sequence[tuple[int, int, str]]) -> list[str]:
    """The generator's words Kiwi did not read as one morpheme (with its tag, for a form/TAG
    test), and its particles not read as particles.

    Such a sentence is not the one the generator meant: 어제 after 서고 read as 어/IC 저/NP 의/JKG,
    도 and 와 stacked (회장도와) read as 돕/VV, or 안/MAG after a name read as the surname 안/NNP.
    """
    text = extraction.document.text
    morphemes = [m for s in extraction.document.sentences for m in s.morphemes]
    misread = []
    for start, end, kind in pieces:
        inside = [m for m in morphemes if m.start < end and m.end > start]
        if kind == "word":
            read = len(inside) == 1 and inside[0].start == start and inside[0].end == end
        elif kind.startswith("stem:"):
            forms = kind[len("stem:") :].split(" ")
            read = (
                len(inside) >= len(forms)
                and inside[0].start == start
                and [m.form for m in inside[: len(forms)]] == forms
            )
        elif kind.startswith("form:"):  # a literal: it starts where it was put, with its first morpheme
            read = bool(inside) and inside[0].start == start and inside[0].form == kind[len("form:") :]
        elif kind.startswith("tags:"):
            tags = kind[len("tags:") :].split(",")
            read = (
                len(inside) == 1
                and inside[0].start == start
                and inside[0].end == end
                and any(inside[0].tag == t or (t.endswith("*") and inside[0].tag.startswith(t[:-1])) for t in tags)
            )
        else:
            read = bool(inside) and inside[0].start >= start and all(m.tag.startswith("J") for m in inside)
        if not read:
            misread.append(text[start:end])
    return misread


def check_match(
    pack: Pack,
    rule_id: str,
    text: str,
    captures: dict[str, str],
    record_text: str | None = None,
    names: Sequence[tuple[int, int]] = (),
    generated: bool = False,
    fillers: Sequence[tuple[str, int, int]] = (),
    pieces: Sequence[tuple[int, int, str]] = (),
) -> str | None:
    """None when ``rule_id`` matches ``text`` with ``captures``; otherwise what went wrong.

    Raises :class:`Inconclusive` when the rule fails but Kiwi misread one of ``names`` or
    ``pieces`` (:func:`misread_pieces`), and, for ``generated`` sentences, when the sentence is
    one the generator cannot vouch for (an entity rule missed one of ``fillers``, say).
    """
    extraction = pack.extract_document(text, "generated")
    problem = offsets_problem(extraction)
    if problem:
        return "offsets broken: " + problem
    problem = _match_problem(pack, extraction, rule_id, captures, record_text)
    misread = misread_names(extraction, names, name_pools(pack)) if problem is not None and names else []
    if problem is not None and pieces:
        misread += misread_pieces(extraction, pieces)
    if misread:
        raise Inconclusive(", ".join(misread))
    if problem is not None and generated:
        doubt = _generator_doubt(pack, extraction, rule_id, captures, fillers)
        if doubt:
            raise Inconclusive(doubt)
    return problem


def _generator_doubt(
    pack: Pack,
    extraction: Extraction,
    rule_id: str,
    captures: dict[str, str],
    fillers: Sequence[tuple[str, int, int]] = (),
) -> str | None:
    """Why a failing generated sentence may be the generator's fault, not the rule's.

    The generator honours positive look-arounds but not negative ones or
    anchors, and fills slots with what the entity rules should find; when a
    condition failed, or the entity rules read a filler otherwise (their own
    generated cases test them), the case says nothing about this rule.
    """
    kept: dict[str, list[Record]] = {}
    for record in extraction.records:
        kept.setdefault(record.label, []).append(record)
    for report in why_not(pack.compiled, extraction.document, rule_id, kept):
        if report.get("missing_labels"):
            return "the entity rules found no " + ", ".join(report["missing_labels"])
        if any(e.get("kind") in ("lookaround", "anchor") for e in report.get("expected", ())) or report.get(
            "stopped"
        ):  # one stopped every attempt before it consumed anything
            return "a look-around or anchor the generator does not model failed"
    text = extraction.document.text
    for label, start, end in fillers:
        if not any(r.label == label and r.start == start and r.end == end for r in extraction.records):
            return f"the entity rules did not read {text[start:end]!r} at {start} as one {label}"
    rule = pack.compiled.rule(rule_id).rule
    if rule.slot_labels and not fillers:
        found = {_strip(r.text) for r in extraction.records if r.label in rule.slot_labels}
        for value in captures.values():
            if _strip(value) not in found:
                return f"the entity rules did not read {value!r} as one span"
    return None


def _match_problem(
    pack: Pack, extraction: Extraction, rule_id: str, captures: dict[str, str], record_text: str | None
) -> str | None:
    records = _rule_records(extraction, rule_id, include_suppressed=True)
    if not records:
        return "did not match\n" + _why_not_text(pack, extraction, rule_id)
    wanted = {role: _strip(value) for role, value in captures.items()}
    for record in records:
        got = {role: _mention_text(record.args[role]) for role in wanted if role in record.args}
        if got == wanted and (record_text is None or _strip(record.text) == _strip(record_text)):
            return None
    described = "; ".join(
        f"{r.text!r} (" + ", ".join(f"{k}={_mention_text(v)}" for k, v in r.args.items()) + ")" for r in records
    )
    expected = f"{record_text!r} " if record_text else ""
    return f"matched, but expected {expected}with captures {wanted}; got {described}"


def check_no_match(pack: Pack, rule_id: str, text: str, names: Sequence[tuple[int, int]] = ()) -> str | None:
    extraction = pack.extract_document(text, "generated")
    problem = offsets_problem(extraction)
    if problem:
        return "offsets broken: " + problem
    records = _rule_records(extraction, rule_id, include_suppressed=False)
    misread = misread_names(extraction, names, name_pools(pack)) if records and names else []
    if misread:
        raise Inconclusive(", ".join(misread))
    if records:
        return "matched but should not: " + "; ".join(repr(r.text) for r in records)
    return None


# ------------------------------------------------------- metamorphic cases


@dataclass(frozen=True, slots=True)
class Case:
    """One changed example: the text and what the rule must (not) find in it."""

    text: str
    captures: dict[str, str] = field(default_factory=dict)
    record_text: str | None = None
    change: str = ""
    names: tuple[tuple[int, int], ...] = ()

    def __repr__(self) -> str:
        return f"Case({self.text!r}, {self.change})"


@dataclass(frozen=True, slots=True)
class Baseline:
    """A match example as the pack reads it now: the record that satisfies it, if any.

    Failing examples stay in (with the captures they declare), so a broken
    rule fails every property built on them, each with its smallest variant.
    """

    text: str
    record: Record | None
    captures: dict[str, str]
    record_text: str | None = None


def baselines(pack: Pack, rule_id: str) -> list[Baseline]:
    """The rule's match examples, with the record that makes each pass (None when it fails)."""
    from koie.testing.examples import captures_agree

    spec = pack.compiled.rule(rule_id).rule.spec
    out = []
    for example in spec.match_examples:
        extraction = pack.extract_document(example.text, "example")
        records = _rule_records(extraction, rule_id, include_suppressed=False)
        if example.expected_text is not None:
            records = [r for r in records if _strip(r.text) == _strip(example.expected_text)]
        if example.captures:
            records = [r for r in records if captures_agree(r, example.captures)]
        if records:
            record = records[0]
            captures = {role: _mention_text(value) for role, value in record.args.items()}
            out.append(Baseline(example.text, record, captures, record.text))
        else:
            declared = {
                role: _strip(" ".join(v) if isinstance(v, list) else str(v))
                for role, v in (example.captures or {}).items()
            }
            out.append(Baseline(example.text, None, declared, example.expected_text))
    return out


def surround(draw: Callable[[Any], Any], text: str) -> tuple[str, str]:
    before = draw(st.lists(st.sampled_from(NEUTRAL_SENTENCES), max_size=2))
    after = draw(st.lists(st.sampled_from(NEUTRAL_SENTENCES), max_size=2))
    joined = " ".join(list(before) + [text] + list(after))
    return joined, f"{len(before)} sentence(s) before, {len(after)} after"


def predicate_sites(pack: Pack, baseline: Baseline) -> list[tuple[int, int, str]]:
    """(start, end, stem) of stem-final literals that end the match and can be re-inflected."""
    record = baseline.record
    if record is None:
        return []
    compiled = pack.compiled.rule(record.rule)
    document = record.document
    assert document is not None
    sentence = document.sentences[record.sentence]
    sites = []
    steps = record.match.steps
    for step in steps[-1:]:
        element = compiled.rule.elements[step.element]
        stem = element.text.strip().strip('"')
        if (
            element.kind != "literal"
            or not element.analysis.endswith("+endings")
            or not stem
            or not _syllable(stem[-1])
        ):
            continue
        morphemes = sentence.morphemes[step.start : step.end]
        start = min(m.start for m in morphemes)
        end = max(m.end for m in morphemes)
        text = document.text
        while end < len(text) and _syllable(text[end]) is not None:
            end += 1
        if any(m.end > start for v in record.args.values() for m in (v if isinstance(v, tuple) else (v,))):
            continue
        sites.append((start, end, stem))
    return sites


def reinflect(text: str, start: int, end: int, stem: str, ending: str) -> str:
    """``text`` with the predicate at ``start:end`` given ``ending``, still a sentence."""
    final, continuation = ENDINGS[ending]
    rest = text[end:]
    sentence_over = not rest.strip() or rest.lstrip()[:1] in ".!?\n"
    middle = inflect(stem, ending)
    if final and not sentence_over:
        middle += "."
    elif not final and sentence_over:
        middle += continuation
    elif ending == "adnominal":
        middle += " 자리에서"
    return text[:start] + middle + rest


def _glued_particle(rest: str) -> str | None:
    for group in sorted(_PARTICLE_CHOICE, key=lambda g: -max(len(f) for f in g)):
        for form in sorted(group, key=len, reverse=True):
            if _syllable(form[0]) is None or not rest.startswith(form):
                continue
            after = rest[len(form) : len(form) + 1]
            if after == "" or _syllable(after) is None:
                return form
    return None


def swap_name(text: str, start: int, end: int, new: str) -> str:
    """Replace ``text[start:end]`` by ``new``, fixing a particle glued after it.

    >>> swap_name("홍길동이 왔다.", 0, 3, "김철수")
    '김철수가 왔다.'
    """
    rest = text[end:]
    particle = _glued_particle(rest)
    if particle is not None:
        rest = particle_after(new, particle) + rest[len(particle) :]
    return text[:start] + new + rest


def replacements(pools: NamePools, label: str | None, original: str, seen: dict[str, set[str]]) -> list[str]:
    """Names of the same kind and shape as ``original`` (a mention of ``label``)."""
    stripped = original.strip()
    kind = name_kind(label)
    if label is not None and kind == "person" and not _PERSON_LABEL.search(label):
        kind = "other"  # a DATE or TITLE is swapped only for texts the examples declare
    tokens = len(stripped.split())
    hangul = all(_syllable(c) is not None or c.isspace() for c in stripped)
    candidates: list[str] = []
    if hangul and kind == "person":
        if tokens == 1 and 2 <= len(stripped) <= 4:
            candidates = [n for n in pools.person.get(1, ()) if len(n) == 3]
        elif tokens > 1:
            candidates = [n for count, names in pools.person.items() for n in names if " " in n]
    elif hangul and kind == "company":
        candidates = list(pools.company)
    if label is not None:
        # a bare surname (최 회장) and a full name (최태원 회장) are different shapes
        surname = hangul and len(stripped) == 1
        candidates += sorted(
            t for t in seen.get(label, ()) if len(t.split()) == tokens and t != stripped and (len(t) == 1) == surname
        )
    return sorted({c for c in candidates if c != stripped})


def texts_by_label(pack: Pack) -> dict[str, set[str]]:
    """Names the pack's examples declare (a ``match:`` text or a capture), by the label found there.

    Only declared texts count: a record a broken rule finds (half a name) must
    not become a name to swap in.
    """
    rules = pack.compiled.resolved.spec.rules
    declared: set[str] = set()
    for rule in rules:
        for example in rule.match_examples:
            if example.expected_text:
                declared.add(_strip(example.expected_text))
            for value in (example.captures or {}).values():
                for item in value if isinstance(value, list) else [value]:
                    declared.add(_strip(str(item)))
    found: dict[str, set[str]] = {}
    for rule in rules:
        texts = [e.text for e in rule.match_examples] + [t for t, _ in rule.no_match_examples]
        for text in texts:
            for record in pack.extract_document(text, "example").records:
                if _strip(record.text) in declared:
                    found.setdefault(record.label, set()).add(record.text)
    return found


# ---------------------------------------------------------------- running


class PropertyFailure(Exception):
    def __init__(self, text: str, message: str) -> None:
        super().__init__(message)
        self.text = text
        self.message = message


def _settings(max_examples: int | None) -> settings:
    profile = settings.get_profile(current_profile())
    count = max_examples if max_examples is not None else min(profile.max_examples, DEFAULT_MAX_EXAMPLES)
    return settings(
        profile,
        max_examples=count,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _run(
    strategy: st.SearchStrategy[Any], check: Callable[[Any], str | None], config: settings, seed: int | None
) -> tuple[str, str] | None:
    """Run one property; the shrunk failing (text, message), or None."""

    def body(case: Any) -> None:
        try:
            problem = check(case)
        except Inconclusive:
            assume(False)
            return
        if problem is not None:
            raise PropertyFailure(case.text, problem)

    test = settings(config)(given(strategy)(body))
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    try:
        test()
    except PropertyFailure as failure:
        return failure.text, failure.message
    return None


def run_properties(
    pack: Pack, rule_ids: set[str] | None = None, seed: int | None = None, max_examples: int | None = None
) -> Iterator[ExampleResult]:
    """Run every rule's generated and metamorphic properties; one result per rule and property.

    A failing result's ``text`` is the smallest failing sentence hypothesis
    found; its message says what went wrong, why the rule did not match, and
    how to reproduce the run.
    """
    config = _settings(max_examples)
    if seed is None and not config.derandomize:
        seed = random.randrange(2**32)
    generator = Generator(pack)
    pools = generator.pools
    seen = texts_by_label(pack)
    file = pack.compiled.resolved.spec.file
    for compiled in pack.compiled.rules:
        spec = compiled.rule.spec
        if rule_ids is not None and spec.id not in rule_ids:
            continue
        reproduce = f"reproduce: koie test {file} --rule {spec.id}" + (
            f" --seed {seed}" if seed is not None else " (derandomised: every run is the same)"
        )
        properties = list(_properties(pack, generator, pools, seen, spec.id))
        for kind, strategy, check, skipped in properties:
            if skipped is not None:
                yield ExampleResult(spec.id, spec.where, kind, "", True, "skipped: " + skipped)
                continue
            assert strategy is not None and check is not None  # a property that is not skipped has both
            try:
                failure = _run(strategy, check, config, seed)
            except Unsatisfiable as error:
                failure = ("", f"could not generate a sentence the pattern allows: {error}")
            except FailedHealthCheck as error:  # pragma: no cover - health checks are suppressed
                failure = ("", f"hypothesis health check failed: {error}")
            except Unsupported as error:
                yield ExampleResult(spec.id, spec.where, kind, "", True, f"skipped: {error}")
                continue
            if failure is None:
                yield ExampleResult(spec.id, spec.where, kind, f"{config.max_examples} cases", True)
            else:
                text, message = failure
                yield ExampleResult(spec.id, spec.where, kind, text, False, message + "\n" + reproduce)


Property = tuple[str, "st.SearchStrategy[Any] | None", "Callable[[Any], str | None] | None", "str | None"]


def _properties(
    pack: Pack, generator: Generator, pools: NamePools, seen: dict[str, set[str]], rule_id: str
) -> Iterable[Property]:
    spec = pack.compiled.rule(rule_id).rule.spec
    try:
        strategy: st.SearchStrategy[Any] | None = generator.sentences(rule_id)
        yield (
            "generated",
            strategy,
            lambda s: check_match(
                pack, rule_id, s.text, s.captures, names=s.names, generated=True, fillers=s.fillers, pieces=s.pieces
            ),
            None,
        )
    except Unsupported as error:
        yield ("generated", None, None, f"cannot generate sentences: {error}")
    except PatternError as error:  # pragma: no cover - the pack compiled, so its patterns parse
        yield ("generated", None, None, f"pattern: {error}")

    bases = baselines(pack, rule_id)
    if bases:

        @st.composite
        def surrounded(draw: Callable[[Any], Any]) -> Case:
            base = draw(st.sampled_from(bases))
            text, change = surround(draw, base.text)
            return Case(text, base.captures, base.record_text, change)

        yield ("surround", surrounded(), lambda c: check_match(pack, rule_id, c.text, c.captures, c.record_text), None)

        sites = [(b, site) for b in bases for site in predicate_sites(pack, b)]
        if sites:

            @st.composite
            def reinflected(draw: Callable[[Any], Any]) -> Case:
                base, (start, end, stem) = draw(st.sampled_from(sites))
                ending = draw(st.sampled_from(endings_for(stem)))
                return Case(
                    reinflect(base.text, start, end, stem, ending), base.captures, None, f"{stem} with ending {ending}"
                )

            yield ("ending", reinflected(), lambda c: check_match(pack, rule_id, c.text, c.captures), None)
        else:
            yield ("ending", None, None, "no example ends in a predicate written as a stem (만나, 회동하)")

        swaps = []
        for base in bases:
            for role, value in base.record.args.items() if base.record is not None else ():
                if isinstance(value, tuple) or value.filler is None:
                    continue
                names = replacements(pools, value.label, value.text, seen)
                if names:
                    swaps.append((base, role, value, tuple(names)))
        if swaps:

            @st.composite
            def swapped(draw: Callable[[Any], Any]) -> Case:
                base, role, mention, names = draw(st.sampled_from(swaps))
                new = draw(st.sampled_from(names))
                text = swap_name(base.text, mention.start, mention.end, new)
                return Case(
                    text,
                    {**base.captures, role: _strip(new)},
                    None,
                    f"{role}: {mention.text} → {new}",
                    ((mention.start, mention.start + len(new)),),
                )

            yield ("swap", swapped(), lambda c: check_match(pack, rule_id, c.text, c.captures, names=c.names), None)
        else:
            yield ("swap", None, None, "no capture filled by a slot with names to swap")

    negatives = [text for text, _ in spec.no_match_examples]
    passing = [t for t in negatives if check_no_match(pack, rule_id, t) is None]
    if passing:

        @st.composite
        def negative_surrounded(draw: Callable[[Any], Any]) -> Case:
            text, change = surround(draw, draw(st.sampled_from(passing)))
            return Case(text, change=change)

        yield ("no_match-surround", negative_surrounded(), lambda c: check_no_match(pack, rule_id, c.text), None)
        labels = pack.compiled.rule(rule_id).rule.slot_labels
        swaps_n = []
        for text in passing:
            for record in pack.extract_document(text, "example").records:
                if record.label in labels:
                    names = replacements(pools, record.label, record.text, seen)
                    if names:
                        swaps_n.append((text, record, tuple(names)))
        if swaps_n:

            @st.composite
            def negative_swapped(draw: Callable[[Any], Any]) -> Case:
                text, record, names = draw(st.sampled_from(swaps_n))
                new = draw(st.sampled_from(names))
                return Case(
                    swap_name(text, record.start, record.end, new),
                    change=f"{record.text} → {new}",
                    names=((record.start, record.start + len(new)),),
                )

            yield ("no_match-swap", negative_swapped(), lambda c: check_no_match(pack, rule_id, c.text, c.names), None)


__all__ = [
    "Generator",
    "NamePools",
    "Sentence",
    "Unsupported",
    "attach_particle",
    "check_match",
    "check_no_match",
    "current_profile",
    "has_final_consonant",
    "inflect",
    "name_pools",
    "offsets_problem",
    "particle_after",
    "reinflect",
    "run_properties",
    "sentences_for",
    "swap_name",
]
