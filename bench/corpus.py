"""A generated corpus of Korean news-style text for the benchmarks.

Every sentence is distinct (each carries its own combination of people,
companies, places, dates and figures), so no analysis cache helps a first
run. The text is built from small word lists and templates written for koie;
nothing is copied from any real corpus. The same ``seed`` always gives the
same corpus.

>>> docs = make_documents(3_000, seed=1)
>>> sum(len(d.encode("utf-8")) for d in docs) >= 3_000
True
>>> josa("회장", "이/가"), josa("대표", "이/가"), josa("CEO", "와/과")
('회장이', '대표가', 'CEO와')
"""

from __future__ import annotations

import random
from pathlib import Path

SURNAMES = [
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
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
    "손",
    "양",
    "배",
    "백",
    "허",
    "유",
    "남",
    "심",
    "노",
    "하",
]
GIVEN = [
    "민",
    "서",
    "준",
    "지",
    "현",
    "우",
    "영",
    "수",
    "진",
    "호",
    "연",
    "경",
    "태",
    "성",
    "하",
    "윤",
    "재",
    "은",
    "동",
    "상",
    "혜",
    "희",
    "석",
    "원",
    "주",
    "훈",
    "철",
    "미",
    "정",
    "선",
    "용",
    "기",
    "규",
    "찬",
    "빈",
    "율",
    "람",
    "솔",
    "건",
    "형",
    "승",
]
FOREIGN = [
    "젠슨 황",
    "샘 올트먼",
    "팀 쿡",
    "순다르 피차이",
    "마크 저커버그",
    "일론 머스크",
    "리사 수",
    "팻 겔싱어",
    "앤디 재시",
    "사티아 나델라",
    "마리아 로페즈",
    "앤드루 첸",
    "크리스 밀러",
    "에밀리 존슨",
    "다니엘 브라운",
]
ORG_HEAD = [
    "한빛",
    "누리",
    "미래",
    "대한",
    "새솔",
    "푸른",
    "금강",
    "태양",
    "하늘",
    "바다",
    "솔빛",
    "은하",
    "가람",
    "다온",
    "라온",
    "별빛",
    "청솔",
    "한결",
    "아름",
    "온누리",
    "새벽",
    "동해",
    "서해",
    "남산",
    "북악",
    "백두",
    "한강",
    "우리",
    "나래",
    "이음",
]
ORG_TAIL = [
    "전자",
    "소프트",
    "바이오",
    "화학",
    "건설",
    "금융",
    "통신",
    "반도체",
    "제약",
    "물산",
    "중공업",
    "에너지",
    "로보틱스",
    "모빌리티",
    "증권",
    "항공",
]
FOREIGN_ORGS = ["엔비디아", "오픈AI", "애플", "구글", "메타", "테슬라", "AMD", "인텔", "아마존", "마이크로소프트"]
TITLES = ["회장", "부회장", "사장", "부사장", "대표", "대표이사", "CEO", "최고경영자", "창업자", "의장", "전무", "상무"]
PLACES = [
    "서울 중구 본사",
    "판교 사옥",
    "여의도 본점",
    "부산 해운대 호텔",
    "미국 실리콘밸리",
    "일본 도쿄 사무소",
    "베트남 하노이 공장",
    "경기 평택 캠퍼스",
    "대전 연구소",
    "인천 송도 센터",
    "광주 공장",
    "제주 연수원",
]
TOPICS = [
    "인공지능 반도체 공급",
    "배터리 합작 투자",
    "데이터센터 건설",
    "차세대 통신망 구축",
    "신약 공동 개발",
    "전기차 부품 협력",
    "클라우드 사업 확대",
    "로봇 자동화 설비",
    "친환경 에너지 전환",
    "해외 시장 진출",
    "스마트 공장 도입",
    "메모리 반도체 증산",
    "자율주행 기술 개발",
    "바이오 위탁생산",
    "금융 플랫폼 통합",
]
MEET_VERBS = [("만났다", "만나"), ("회동했다", "회동하"), ("면담했다", "면담하"), ("회담했다", "회담하")]
DAYS = ["지난달", "지난해", "이달 초", "지난주", "올해 상반기", "지난 분기"]


def has_coda(word: str) -> bool:
    """Whether the last syllable of ``word`` ends in a consonant (for particle allomorphs)."""
    last = word.rstrip()[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 != 0
    return last.lower() in "lmnr0136789"


def josa(word: str, pair: str) -> str:
    """``word`` with the allomorph of a particle pair that fits its last sound (이/가, 은/는, 을/를, 와/과)."""
    after_vowel_first = pair in ("와/과",)
    first, second = pair.split("/")
    if after_vowel_first:
        return word + (second if has_coda(word) else first)
    return word + (first if has_coda(word) else second)


class _Generator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.serial = 0
        self.seen: set[str] = set()

    def person(self) -> str:
        r = self.random
        if r.random() < 0.15:
            return r.choice(FOREIGN)
        return r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(GIVEN)

    def org(self) -> str:
        r = self.random
        if r.random() < 0.2:
            return r.choice(FOREIGN_ORGS)
        return r.choice(ORG_HEAD) + r.choice(ORG_TAIL)

    def who(self) -> str:
        return f"{self.person()} {self.org()} {self.random.choice(TITLES)}"

    def sentence(self) -> str:
        while True:
            candidate = self._sentence()
            if candidate not in self.seen:
                self.seen.add(candidate)
                return candidate

    def _sentence(self) -> str:
        r = self.random
        self.serial += 1
        # The serial number makes every sentence distinct without changing its shape much.
        day = f"{r.randint(1, 28)}일"
        amount = f"{r.randint(1, 999)}억{self.serial % 10_000}만 원"
        share = f"{r.randint(1, 99)}.{self.serial % 100}%"
        a, b = self.who(), self.who()
        verb, _stem = r.choice(MEET_VERBS)
        topic, place = r.choice(TOPICS), r.choice(PLACES)
        templates = [
            f"{josa(a, '이/가')} {josa(b, '와/과')} {day} {place}에서 {verb}.",
            f"{josa(a, '은/는')} {r.choice(DAYS)} {josa(b, '와/과')} {topic} 방안을 놓고 {verb}.",
            f"{josa(a, '은/는')} {day} {place}에서 {josa(b, '을/를')} 접견하고 {topic} 협력 방안을 논의했다.",
            f"{josa(self.org(), '은/는')} {day} {topic}에 {amount}을 투자한다고 밝혔다.",
            f"{self.org()}의 {r.choice(DAYS)} 영업이익은 {amount}으로 전년보다 {share} 늘었다.",
            f"업계에 따르면 {josa(a, '은/는')} 다음 달 {josa(b, '와/과')} 만날 예정이다 (관계자 {self.serial}명 확인).",
            f"“{topic}에서 {share}의 성장을 기대한다”고 {josa(a, '이/가')} {day} 기자간담회에서 말했다.",
            f"{josa(self.org(), '은/는')} {place}에 {amount} 규모의 설비를 새로 짓기로 하고 {day} 착공식을 열었다.",
            f"시장에서는 {josa(self.org(), '와/과')} {self.org()}의 {topic} 경쟁이 {share} 수준의 점유율 차이로 "
            f"이어질 것으로 본다.",
            f"{josa(a, '은/는')} {day} 사내 게시판에 {josa(topic, '을/를')} 위한 조직 개편안 {self.serial % 97 + 1}건을 공개했다.",
        ]
        return r.choice(templates)

    def document(self, target: int) -> str:
        paragraphs: list[str] = []
        size = 0
        while size < target:
            paragraph = " ".join(self.sentence() for _ in range(self.random.randint(2, 5)))
            paragraphs.append(paragraph)
            size += len(paragraph.encode("utf-8")) + 1
        return "\n".join(paragraphs) + "\n"


def make_documents(total_bytes: int, seed: int = 0, document_bytes: tuple[int, int] = (1_000, 4_000)) -> list[str]:
    """Documents of ``document_bytes`` (UTF-8) each, ``total_bytes`` in all."""
    generator = _Generator(seed)
    documents: list[str] = []
    size = 0
    while size < total_bytes:
        text = generator.document(generator.random.randint(*document_bytes))
        documents.append(text)
        size += len(text.encode("utf-8"))
    return documents


def make_document(size_bytes: int, seed: int = 0) -> str:
    """One document of about ``size_bytes`` (for the document-length scaling figures)."""
    return _Generator(seed).document(size_bytes)


def write_corpus(directory: Path, documents: list[str]) -> Path:
    """One ``.txt`` file per document, numbered so the run order is the input order."""
    directory.mkdir(parents=True, exist_ok=True)
    for index, text in enumerate(documents):
        (directory / f"doc{index:05d}.txt").write_text(text, encoding="utf-8")
    return directory
