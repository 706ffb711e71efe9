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


# -- a news archive: one document in ten reports a meeting, the rest are other news -----------------

TEAMS = [
    "한빛 이글스",
    "누리 타이거즈",
    "바다 돌핀스",
    "하늘 유나이티드",
    "금강 FC",
    "솔빛 스타즈",
    "은하 레이더스",
    "가람 시티",
]
PLAYERS = ["김태윤", "박서진", "이도현", "최민호", "정우성", "강하늘", "조현우", "윤지호", "장민재", "한도윤"]
STADIUMS = ["잠실", "고척", "수원", "인천", "대구", "광주", "창원", "상암"]
LEAGUES = ["정규리그", "컵대회", "플레이오프", "시범경기"]
PRODUCTS = [
    "스마트폰",
    "노트북",
    "태블릿",
    "무선 이어폰",
    "스마트워치",
    "전기차",
    "로봇청소기",
    "공기청정기",
    "게임기",
    "TV",
]
SECTORS = ["반도체", "자동차", "조선", "화학", "철강", "바이오", "게임", "유통", "건설", "항공"]
INDEXES = ["코스피", "코스닥"]
BILLS = [
    "주택임대차보호법",
    "근로기준법",
    "정보통신망법",
    "전기사업법",
    "중소기업기본법",
    "도로교통법",
    "조세특례제한법",
]
PARTIES = ["여당", "제1야당", "소수 야당", "원내 교섭단체"]
MINISTRIES = ["기획재정부", "산업통상자원부", "국토교통부", "고용노동부", "환경부", "보건복지부"]
POLICIES = ["전세 사기 대책", "저출생 대응", "에너지 요금 인상", "청년 일자리 확대", "지방 소멸 대응", "의료 인력 확충"]
REGIONS = ["서울", "경기 북부", "강원 영동", "충청", "전북", "경남 해안", "제주", "부산", "대구·경북", "수도권"]
GRADES = ["좋음", "보통", "나쁨", "매우 나쁨"]


class _News(_Generator):
    """Sentences of other news: markets, products, sports, politics, weather (no meeting among them, and
    now and then a word a meeting rule needs: :meth:`incidental`)."""

    def number(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def markets(self) -> str:
        r, n = self.random, self.number
        day = f"{n(1, 28)}일"
        pct = f"{n(0, 9)}.{self.serial % 100:02d}"
        return r.choice(
            [
                f"{day} {r.choice(INDEXES)}는 전 거래일보다 {n(1, 80)}.{self.serial % 100}포인트({pct}%) "
                f"{r.choice(['오른', '내린'])} {n(600, 3200)}.{n(10, 99)}에 장을 마쳤다.",
                f"외국인은 {r.choice(INDEXES)} 시장에서 {n(100, 9999)}억 원어치를 순매수했고 기관은 "
                f"{n(100, 9999)}억 원어치를 순매도했다({self.serial}번째 집계).",
                f"원·달러 환율은 {n(1100, 1499)}.{self.serial % 10}원으로 전날보다 {n(1, 15)}.{n(0, 9)}원 "
                f"{r.choice(['올라', '내려'])} 마감했다.",
                f"{self.org()} 주가는 {r.choice(PRODUCTS)} 수요 기대감에 {pct}% 올라 {n(1000, 99999) * 10}원을 기록했다.",
                f"{r.choice(SECTORS)} 업종 지수는 {pct}% 하락하며 {n(2, 9)}거래일 연속 약세를 보였다"
                f"(거래대금 {n(1, 99)}조 {self.serial % 10000}억 원).",
                f"증권가에서는 {self.org()}의 {n(1, 4)}분기 영업이익이 {n(100, 9999)}억 원에 이를 것으로 내다봤다.",
                f"한국은행은 기준금리를 연 {n(1, 4)}.{r.choice(['00', '25', '50', '75'])}%로 유지했다고 {day} 밝혔다"
                f"(회의 {self.serial}차).",
            ]
        )

    def products(self) -> str:
        r, n = self.random, self.number
        product = r.choice(PRODUCTS)
        model = f"{r.choice(['X', 'S', 'Z', 'Q', 'N'])}{n(1, 99)}-{self.serial}"
        return r.choice(
            [
                f"{josa(self.org(), '은/는')} {n(1, 28)}일 신형 {product} '{model}'을 내놓았다.",
                f"새 {josa(product, '은/는')} {n(8, 40)}시간 쓸 수 있는 배터리와 {n(12, 200)}만 화소 카메라를 갖췄다"
                f"(모델 {model}).",
                f"출고가는 {n(10, 300) * 10000 + self.serial % 10000}원으로 이전 모델보다 {n(1, 30)}% 낮다.",
                f"{self.org()} 관계자는 “{product} 시장 점유율을 {n(5, 60)}%까지 끌어올리겠다”고 했다(제품군 {model}).",
                f"사전 예약은 {n(1, 28)}일부터 {n(3, 14)}일간 진행되며 전국 {n(10, 900)}개 매장에서 체험할 수 있다"
                f"({model}).",
                f"업계는 올해 {product} 출하량이 {n(100, 9000)}만 대로 작년보다 {n(1, 40)}% 늘 것으로 본다"
                f"({self.serial}차 조사).",
            ]
        )

    def sports(self) -> str:
        r, n = self.random, self.number
        team, other = r.sample(TEAMS, 2)
        player = r.choice(PLAYERS)
        return r.choice(
            [
                f"{josa(team, '은/는')} {n(1, 28)}일 {r.choice(STADIUMS)}에서 열린 {r.choice(LEAGUES)} 경기에서 "
                f"{josa(other, '을/를')} {n(2, 12)}대 {n(0, 1)}로 꺾었다({self.serial}번째 경기).",
                f"{josa(player, '은/는')} {n(1, 90)}분 결승골을 터뜨리며 시즌 {n(1, 30)}호 골을 기록했다"
                f"(통산 {self.serial % 500}경기).",
                f"{josa(team, '은/는')} 이날 승리로 {n(10, 90)}승 {n(10, 90)}패를 기록하며 리그 {n(1, 10)}위로 올라섰다"
                f"(관중 {n(1000, 30000)}명).",
                f"{josa(player, '은/는')} {n(5, 9)}이닝 동안 삼진 {n(3, 14)}개를 잡아내며 무실점으로 호투했다"
                f"(투구 수 {n(70, 120)}개, {self.serial}번째 등판).",
                f"{team} 감독은 경기 뒤 선수들의 집중력을 칭찬하며 시즌 {self.serial % 200 + 1}번째 승리를 자평했다.",
            ]
        )

    def politics(self) -> str:
        r, n = self.random, self.number
        bill = r.choice(BILLS)
        return r.choice(
            [
                f"국회는 {n(1, 28)}일 본회의를 열고 {bill} 개정안을 재석 {n(200, 300)}명 중 찬성 {n(150, 199)}명으로 "
                f"가결했다(안건 {self.serial}호).",
                f"{josa(r.choice(PARTIES), '은/는')} {josa(r.choice(POLICIES), '을/를')} 두고 정부 대책이 부족하다고 "
                f"비판했다({self.serial}번째 논평).",
                f"{josa(r.choice(MINISTRIES), '은/는')} {r.choice(POLICIES)} 관련 예산 {n(100, 9999)}억 원을 편성하겠다고 "
                f"{n(1, 28)}일 발표했다.",
                f"여야는 {bill} 처리 일정을 놓고 {n(2, 9)}차례 협상을 벌였지만 합의에 이르지 못했다"
                f"(협상안 {self.serial}건).",
                f"{r.choice(REGIONS)} 유권자 {n(500, 3000)}명을 대상으로 한 여론조사에서 정당 지지율은 "
                f"{n(10, 50)}.{self.serial % 10}%로 나타났다.",
            ]
        )

    def weather(self) -> str:
        r, n = self.random, self.number
        region = r.choice(REGIONS)
        return r.choice(
            [
                f"기상청에 따르면 {n(1, 28)}일 {region}에는 {n(5, 30)}~{n(31, 120)}㎜의 비가 내릴 전망이다"
                f"(관측 지점 {self.serial}곳).",
                f"낮 최고기온은 {n(-5, 20)}~{n(21, 36)}도로 평년보다 {n(1, 6)}.{self.serial % 10}도가량 높겠다.",
                f"{region} 앞바다의 물결은 {n(1, 3)}.{self.serial % 10}~{n(4, 6)}m로 높게 일겠다.",
                f"미세먼지 농도는 {region}에서 '{r.choice(GRADES)}' 수준을 보이겠다(측정소 {self.serial}곳 기준).",
                f"{region}에는 {n(1, 28)}일 오전까지 {n(1, 30)}㎝ 안팎의 눈이 쌓일 것으로 예상된다"
                f"(예보 {self.serial}호).",
            ]
        )

    def incidental(self, topic: str) -> str:
        """A sentence of other news with a word a meeting rule needs (a visit, a photo, a talk): such
        documents hold an atom of MEETING and are analysed, though they report no meeting."""
        r, n = self.random, self.number
        return {
            "markets": lambda: (
                f"{self.org()} 기업설명회에는 투자자 {n(50, 900)}명이 찾아 {r.choice(SECTORS)} 전망을 물었다."
            ),
            "products": lambda: f"체험 매장에는 첫 주말에만 방문객 {n(1000, 90000)}명이 몰렸다(매장 {self.serial}곳).",
            "sports": lambda: f"{josa(r.choice(PLAYERS), '은/는')} 경기 뒤 팬 {n(100, 999)}명과 만나 사인회를 열었다.",
            "politics": lambda: (
                f"{josa(r.choice(PARTIES), '은/는')} {n(1, 28)}일 정상회담 결과를 두고 "
                f"{n(2, 9)}쪽 분량의 논평을 냈다({self.serial}호)."
            ),
            "weather": lambda: (
                f"기상청은 {r.choice(REGIONS)} 해안의 높은 물결을 찍은 사진 {n(10, 99)}장을 공개했다"
                f"({self.serial}번째 자료)."
            ),
        }[topic]()

    #: The chance that a sentence of other news is :meth:`incidental`.
    INCIDENTAL = 0.003

    def topic_sentence(self, topic: str) -> str:
        while True:
            self.serial += 1
            incidental = self.random.random() < self.INCIDENTAL
            candidate = self.incidental(topic) if incidental else getattr(self, topic)()
            if candidate not in self.seen:
                self.seen.add(candidate)
                return candidate

    def article(self, topic: str, target: int) -> str:
        paragraphs: list[str] = []
        size = 0
        while size < target:
            if topic == "meetings":
                paragraph = " ".join(self.sentence() for _ in range(self.random.randint(2, 5)))
            else:
                paragraph = " ".join(self.topic_sentence(topic) for _ in range(self.random.randint(2, 5)))
            paragraphs.append(paragraph)
            size += len(paragraph.encode("utf-8")) + 1
        return "\n".join(paragraphs) + "\n"


#: The kinds of other news in the archive, in turn.
OTHER_NEWS = ("markets", "products", "sports", "politics", "weather")


def make_archive(
    total_bytes: int, seed: int = 0, meeting_share: float = 0.1, document_bytes: tuple[int, int] = (1_000, 4_000)
) -> tuple[list[str], list[bool]]:
    """A news archive of ``total_bytes``: about ``meeting_share`` of its documents are the business
    news of :func:`make_documents` (meetings among them), the rest markets, products, sports,
    politics and weather. Every sentence is distinct. Returns the documents and, for each, whether
    it is business news.

    >>> documents, business = make_archive(20_000, seed=2)
    >>> len(documents) == len(business) and 0 < sum(business) < len(documents)
    True
    """
    generator = _News(seed)
    documents: list[str] = []
    business: list[bool] = []
    size = 0
    while size < total_bytes:
        is_business = generator.random.random() < meeting_share
        topic = "meetings" if is_business else generator.random.choice(OTHER_NEWS)
        text = generator.article(topic, generator.random.randint(*document_bytes))
        documents.append(text)
        business.append(is_business)
        size += len(text.encode("utf-8"))
    return documents, business
