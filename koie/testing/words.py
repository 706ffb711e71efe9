"""Korean words for generated sentences: particles, inflections, and names Kiwi reads as names.

The functions that only handle Hangul need no analyser: a particle takes the
allomorph the syllable before it asks for (이/가, 와/과, 으로/로), a regular
predicate stem takes one of :data:`ENDINGS`, and a name swapped into a
sentence brings the particle after it along.

>>> inflect("만나", "past"), inflect("회동하", "adnominal"), inflect("만나", "seo")
('만났다', '회동한', '만나서')
>>> attach_particle("김철수", "와"), attach_particle("홍길동", "가")
('김철수와', '홍길동이')

The name pools are vetted by an analyser (:func:`name_pools`): a generated
sentence holds only names Kiwi reads as proper nouns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from koie.analysis.morphemes import Morpheme
from koie.analysis.protocol import Analyzer
from koie.lang.ir import ALLOMORPH_SETS

# ------------------------------------------------------------------- Hangul

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_FINAL_NIEUN, _FINAL_RIEUL, _FINAL_SSANGSIOS = 4, 8, 20
#: Latin letters and digits as Koreans read them: True when the reading ends
#: in a consonant (엘, 엠, 엔, 알; 영, 일, 삼, 육, 칠, 팔, 십).
_READ_WITH_CODA = {
    **{c: c in "LMNR" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{d: d in "0136780" for d in "0123456789"},
}


def syllable(char: str) -> tuple[int, int, int] | None:
    """A Hangul syllable's (initial, vowel, final) indices; None for any other character."""
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
        parts = syllable(char)
        if parts is not None:
            return parts[2] != 0
        if char.upper() in _READ_WITH_CODA:
            return _READ_WITH_CODA[char.upper()]
    return False


def _ends_in_rieul(word: str) -> bool:
    parts = syllable(word.strip()[-1:] or " ")
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
    last = syllable(stem[-1])
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
    initial, vowel, _ = syllable(text[-1]) or (0, 0, 0)
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
        final = (syllable(stem[-1]) or (0, 0, -1))[2]
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


def _glued_particle(rest: str) -> str | None:
    for group in sorted(_PARTICLE_CHOICE, key=lambda g: -max(len(f) for f in g)):
        for form in sorted(group, key=len, reverse=True):
            if syllable(form[0]) is None or not rest.startswith(form):
                continue
            after = rest[len(form) : len(form) + 1]
            if after == "" or syllable(after) is None:
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


# ------------------------------------------------------------- name pools

SURNAMES = [
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
LATIN_WORDS = ("SK", "LG", "KT", "AI", "IT")
#: Names in Latin script, for regex tests on SL (an English gloss: 마리아 로페즈(Maria Lopez)).
LATIN_NAMES = ("Maria", "Lopez", "David", "Walker", "Elena", "Rossi", "Andrew", "Chen")
#: Endings written as morphemes that the generator makes by inflecting the stem before them
#: (만나 ᆫ/ETM 적, $MEET_VERB (?<= ᆫ/ETM)); other endings are not generated.
ENDING_FORMS = {"ᆫ": "adnominal", "고": "go"}

#: Plain words for gaps and ``.``: each one morpheme, none a name or title.
GAP_WORDS = ("어제", "직접", "함께", "다시", "최근", "서울", "현지", "처음")
#: Kiwi's tag of each gap word in a sentence (그는 어제 갔다.), for negative look-aheads before a ``.``.
GAP_WORD_TAGS = {
    "어제": "MAG",
    "직접": "MAG",
    "함께": "MAG",
    "다시": "MAG",
    "최근": "NNG",
    "서울": "NNP",
    "현지": "NNG",
    "처음": "NNG",
}
#: Unrelated sentences for the ``surround`` property.
NEUTRAL_SENTENCES = (
    "날씨가 맑았다.",
    "행사는 오후 늦게 끝났다.",
    "자세한 내용은 공개되지 않았다.",
    "업계의 관심이 커지고 있다.",
    "주가는 소폭 올랐다.",
    "관계자는 말을 아꼈다.",
)
WORDS_BY_TAG = {
    "NNG": ("협력", "사업", "투자", "계약"),
    "SL": LATIN_WORDS,
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


def proper_noun_tokens(morphemes: Sequence[Morpheme], start: int, end: int) -> int:
    """How many NNP morphemes cover exactly ``start:end`` (0 when anything else does)."""
    inside = [m for m in morphemes if m.start < end and m.end > start]
    if not inside or min(m.start for m in inside) != start or max(m.end for m in inside) != end:
        return 0
    return len(inside) if all(m.tag == "NNP" for m in inside) else 0


def name_pools(analyzer: Analyzer) -> NamePools:
    """Vet candidate names with ``analyzer`` (two thousand short sentences: keep the result).

    A candidate stays when Kiwi reads it as proper nouns in every frame: the
    generated sentences test the rules, not Kiwi's coverage of rare names
    (which the ``swap`` property still meets through the pack's own examples).
    The pools belong to whoever vets them: a :class:`koie.testing.generate.Generator`,
    or the :class:`koie.testing.properties.PackProperties` of a pack.
    """
    frames = ("{} 사장이 왔다.", "어제 {} 대표와 만났다.")
    korean = [s + g for s in SURNAMES for g in _GIVEN]
    companies = [h + t for h in _COMPANY_HEADS for t in _COMPANY_TAILS]
    candidates = [(n, "person") for n in korean + list(_FOREIGN)] + [(c, "company") for c in companies]
    texts = []
    for name, kind in candidates:
        for frame in frames:
            texts.append(frame.format(name if kind == "person" else "홍길동 " + name))
    documents = analyzer.analyze_many(texts)
    person: dict[int, list[str]] = {}
    company: list[str] = []
    for index, (name, kind) in enumerate(candidates):
        counts = set()
        for offset in range(len(frames)):
            document = documents[index * len(frames) + offset]
            text = texts[index * len(frames) + offset]
            start = text.index(name, 4 if kind == "company" else 0)
            morphemes = [m for s in document.sentences for m in s.morphemes]
            counts.add(proper_noun_tokens(morphemes, start, start + len(name)))
        if len(counts) == 1 and 0 not in counts:
            (count,) = counts
            if kind == "person":
                person.setdefault(count, []).append(name)
            elif count == 1:
                company.append(name)
    return NamePools({k: tuple(v) for k, v in person.items()}, tuple(company), {})


def replacements(pools: NamePools, label: str | None, original: str, seen: dict[str, set[str]]) -> list[str]:
    """Names of the same kind and shape as ``original`` (a mention of ``label``)."""
    stripped = original.strip()
    kind = name_kind(label)
    if label is not None and kind == "person" and not _PERSON_LABEL.search(label):
        kind = "other"  # a DATE or TITLE is swapped only for texts the examples declare
    tokens = len(stripped.split())
    hangul = all(syllable(c) is not None or c.isspace() for c in stripped)
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
