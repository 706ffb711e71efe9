"""The deals pack on sentences written for these tests: companies and people it has never seen.

Every construction of rules/deals.yaml has a case here, with invented companies and people, run
through ``koie.load("rules/deals.yaml").extract(text)``: the records' labels, directed arguments
and ``attrs.status`` are checked, and no other pair of the label may appear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLES = {
    "ACQUISITION": ("acquirer", "target"),
    "INVESTMENT": ("investor", "investee"),
    "APPOINTMENT": ("org", "person"),
}


@pytest.fixture(scope="module")
def deals_pack():
    import koie

    return koie.load(ROOT / "rules" / "deals.yaml")


def _texts(value) -> list[str]:
    if value is None:
        return []
    return [m.text.replace(" ", "") for m in (value if isinstance(value, tuple) else (value,))]


def _triples(pack, text: str, label: str) -> set[tuple[str, str, str]]:
    """(status, first, second) for every directed pair of ``label`` records in ``text``."""
    first, second = ROLES[label]
    found = set()
    for record in pack.extract(text):
        if record.label != label:
            continue
        for a in _texts(record.args.get(first)):
            for b in _texts(record.args.get(second)):
                found.add((record.attrs.get("status"), a, b))
    return found


ACQUISITIONS = [
    # a signed purchase with stake, price and stock code
    (
        "한빛전자(012340)는 누리소프트 주식 50만주(지분 100%)를 120억원에 인수하는 계약을 체결했다고 3일 공시했다.",
        {("asserted", "한빛전자", "누리소프트")},
    ),
    ("가온제약이 새벽바이오의 인수 절차를 완료했다.", {("asserted", "가온제약", "새벽바이오")}),
    ("가온제약은 지난 7월 새벽바이오를 인수한 바 있다.", {("asserted", "가온제약", "새벽바이오")}),
    (
        "한빛전자는 누리소프트와 새벽바이오를 인수했다.",
        {("asserted", "한빛전자", "누리소프트"), ("asserted", "한빛전자", "새벽바이오")},
    ),
    # the largest shareholder
    ("가온제약은 새벽바이오 지분을 51% 보유한 최대주주로 올라섰다.", {("asserted", "가온제약", "새벽바이오")}),
    ("가온제약이 새벽바이오의 단독 최대주주로 등극했다.", {("asserted", "가온제약", "새벽바이오")}),
    # passive, relative clauses, nominalisation
    ("누리소프트는 지난해 한빛전자에 인수됐다.", {("asserted", "한빛전자", "누리소프트")}),
    ("한빛전자가 인수한 누리소프트는 흑자를 냈다.", {("asserted", "한빛전자", "누리소프트")}),
    ("누리소프트를 인수한 한빛전자는 흑자를 냈다.", {("asserted", "한빛전자", "누리소프트")}),
    ("한빛전자의 누리소프트 인수가 마무리됐다.", {("asserted", "한빛전자", "누리소프트")}),
    ("누리소프트는 한빛전자에 인수된 뒤 실적이 좋아졌다.", {("asserted", "한빛전자", "누리소프트")}),
    ("한빛전자에 인수된 누리소프트는 흑자로 돌아섰다.", {("asserted", "한빛전자", "누리소프트")}),
    ("한빛전자가 누리소프트를 품었다.", {("asserted", "한빛전자", "누리소프트")}),
    ("한빛전자는 누리소프트를 자회사로 편입했다.", {("asserted", "한빛전자", "누리소프트")}),
    # headlines: the acquirer before the comma
    ("가온제약, 새벽바이오 지분 30% 인수…신약 개발 속도", {("asserted", "가온제약", "새벽바이오")}),
    ("한빛전자, 누리소프트 인수 추진…반도체 장비 강화", {("planned", "한빛전자", "누리소프트")}),
    ('한결홀딩스, 미르전자 인수설 부인…"사실무근"', {("negated", "한결홀딩스", "미르전자")}),
    # the seller's view: the buyer is the acquirer, the seller is not
    (
        "누리건설이 누리익스프레스 지분 50%를 1200억원에 한결홀딩스에 매각했다.",
        {("asserted", "한결홀딩스", "누리익스프레스")},
    ),
    # plans
    (
        "가온제약은 새벽바이오 지분 17%를 200억원에 다음 달 인수키로 했다고 공시했다.",
        {("planned", "가온제약", "새벽바이오")},
    ),
    ("가온제약은 새벽바이오를 인수하기로 결정했다.", {("planned", "가온제약", "새벽바이오")}),
    # a plan reported (인수한다고 밝혔다)
    ("가온제약은 새벽바이오를 인수한다고 밝혔다.", {("planned", "가온제약", "새벽바이오")}),
    ("가온제약은 새벽바이오 인수를 추진하고 있다.", {("planned", "가온제약", "새벽바이오")}),
    ("가온제약은 새벽바이오 인수 우선협상대상자로 선정됐다.", {("planned", "가온제약", "새벽바이오")}),
    ("가온제약은 새벽바이오 지분 30%를 넘겨 받기로 했다.", {("planned", "가온제약", "새벽바이오")}),
    # denials and withdrawals
    ("한결홀딩스는 누리소프트 인수를 포기하기로 했다.", {("negated", "한결홀딩스", "누리소프트")}),
    ('한결홀딩스는 8일 누리소프트 인수설에 대해 "사실무근"이라고 밝혔다.', {("negated", "한결홀딩스", "누리소프트")}),
    ("가온제약은 새벽바이오를 인수할 계획을 갖고 있지 않다.", {("negated", "가온제약", "새벽바이오")}),
    ("가온제약은 새벽바이오를 인수하려던 계획을 철회했다.", {("negated", "가온제약", "새벽바이오")}),
    ("한빛전자의 누리소프트 인수가 무산됐다.", {("negated", "한빛전자", "누리소프트")}),
    ("한빛전자는 누리소프트를 인수했다는 보도를 부인했다.", {("negated", "한빛전자", "누리소프트")}),
    # a list of companies denying, one after another
    (
        "미르전자에 이어 해솔건설·태산중공업 등이 누리소프트 인수를 부인했다.",
        {
            ("negated", "미르전자", "누리소프트"),
            ("negated", "해솔건설", "누리소프트"),
            ("negated", "태산중공업", "누리소프트"),
        },
    ),
    # a denial naming no target takes the one of the sentence before
    (
        '한결홀딩스는 누리소프트 인수설을 부인했다. 이어 가온제약도 "인수를 검토한 적이 없다"고 밝혔다.',
        {("negated", "한결홀딩스", "누리소프트"), ("negated", "가온제약", "누리소프트")},
    ),
    # the head of the company speaks for it
    (
        '박지훈 한결홀딩스 회장이 "이사회를 열고 누리소프트 인수를 포기하기로 했다"고 밝혔다.',
        {("negated", "한결홀딩스", "누리소프트")},
    ),
    # bought, then the largest holder; a contract with the company bought
    ("가온제약이 새벽바이오 지분 51%를 취득해 최대주주가 됐다.", {("asserted", "가온제약", "새벽바이오")}),
    ("가온제약은 지난달 새벽바이오와 인수 계약을 맺었다.", {("asserted", "가온제약", "새벽바이오")}),
    # the preferred bidder named after the company for sale
    ("누리건설 매각 우선협상대상자로 가온제약이 선정됐다.", {("planned", "가온제약", "누리건설")}),
    # not being considered, never considered, out of the race
    ("가온제약은 새벽바이오 인수를 검토하고 있지 않다고 밝혔다.", {("negated", "가온제약", "새벽바이오")}),
    ('가온제약 측은 "새벽바이오 인수를 검토한 바 없다"고 말했다.', {("negated", "가온제약", "새벽바이오")}),
    ("가온제약은 새벽바이오 인수전에서 발을 뺐다.", {("negated", "가온제약", "새벽바이오")}),
    # a plan given up later in the sentence is no plan
    (
        "한결홀딩스는 지난 7월 누리소프트 인수 우선협상대상자로 선정된 지 석 달 만에 인수를 포기했다.",
        set(),
    ),
]


@pytest.mark.parametrize(("text", "expected"), ACQUISITIONS)
def test_deals_acquisitions(deals_pack, text: str, expected: set) -> None:
    assert _triples(deals_pack, text, "ACQUISITION") == expected


def test_deals_acquisition_amount_and_stake(deals_pack) -> None:
    text = "한빛전자는 누리소프트 지분 51%를 300억원에 인수했다."
    records = [r for r in deals_pack.extract(text) if r.label == "ACQUISITION"]
    assert len(records) == 1
    assert records[0].args["stake"].text == "51%"
    assert records[0].args["amount"].text == "300억원"


@pytest.mark.parametrize(
    "text",
    [
        # a contract that buys nothing
        "가온제약은 새벽바이오와 공급 계약을 맺었다.",
        # speculation and rumours are not acquisitions
        "가온제약이 새벽바이오를 인수할 가능성이 거론된다.",
        "가온제약이 새벽바이오를 인수한다는 소문이 돌았다.",
        # another subject inside a report
        "업계에서는 새벽바이오의 실적이 개선됐다고 본다.",
        # a byline and a product
        "[가람일보 윤하준 기자] 한빛전자가 신제품을 공개했다.",
        # shares held are not bought; partners and suppliers are not targets
        "가온제약은 새벽바이오 지분 5%를 보유하고 있다.",
        "가온제약은 새벽바이오와 전략적 제휴를 맺었다.",
        "가온제약은 새벽바이오에 원료를 공급하는 계약을 체결했다.",
        "가온제약은 새벽바이오 인수를 위한 실사를 진행하고 있다.",
    ],
)
def test_deals_not_acquisitions(deals_pack, text: str) -> None:
    assert _triples(deals_pack, text, "ACQUISITION") == set()


INVESTMENTS = [
    ("라온캐피탈은 누리소프트에 50억원을 투자했다.", {("asserted", "라온캐피탈", "누리소프트")}),
    ("라온캐피탈은 누리소프트에 70억원을 출자하기로 결정했다고 공시했다.", {("planned", "라온캐피탈", "누리소프트")}),
    ("라온캐피탈이 누리소프트에 1억 달러를 투자한다.", {("planned", "라온캐피탈", "누리소프트")}),
    ("라온캐피탈은 누리소프트에 30억원을 투자한다고 밝혔다.", {("planned", "라온캐피탈", "누리소프트")}),
    ("누리소프트는 라온캐피탈로부터 50억원의 투자를 유치했다.", {("asserted", "라온캐피탈", "누리소프트")}),
    (
        "누리소프트는 한결벤처스와 라온캐피탈 등으로부터 100억원 규모의 투자를 유치했다.",
        {("asserted", "한결벤처스", "누리소프트"), ("asserted", "라온캐피탈", "누리소프트")},
    ),
    ("한빛전자는 미국 스타트업 누리AI에 500만 달러를 투자했다.", {("asserted", "한빛전자", "누리AI")}),
    ("라온캐피탈은 누리소프트 유상증자에 참여했다.", {("asserted", "라온캐피탈", "누리소프트")}),
    # a fund is the investee of 출자
    (
        "태산중공업은 가온에쿼티제2호 사모투자 합자회사(PEF)에 80억원을 출자하기로 결정했다.",
        {("planned", "태산중공업", "가온에쿼티제2호사모투자합자회사")},
    ),
    # a funding round: the investee is the company, not the round
    (
        "라온캐피탈은 이사회를 열어 누리소프트의 시리즈C 라운드에 2000만 달러를 투자하는 안건을 의결했다.",
        {("planned", "라온캐피탈", "누리소프트")},
    ),
    # a list of investees
    (
        "한결제약은 가온바이오(GAON), 새벽바이오(SAEB) 등 신약 개발사에 지분투자를 진행했다.",
        {("asserted", "한결제약", "가온바이오"), ("asserted", "한결제약", "새벽바이오")},
    ),
    # founders
    (
        "누리파트너스는 지난 2015년 한국대학교와 졸업생 기업들이 출자해 설립한 투자사이다.",
        {("asserted", "한국대학교", "누리파트너스")},
    ),
    # joining a rights issue or a round, several investors
    (
        "라온캐피탈은 누리소프트의 제3자배정 유상증자에 참여해 80억원을 냈다.",
        {("asserted", "라온캐피탈", "누리소프트")},
    ),
    (
        "한결벤처스와 라온캐피탈 등이 누리소프트 투자에 참여했다.",
        {("asserted", "한결벤처스", "누리소프트"), ("asserted", "라온캐피탈", "누리소프트")},
    ),
    # shares issued to a named investor (third-party allotment), decided, not yet paid in
    (
        "누리소프트는 라온캐피탈을 대상으로 200억원 규모의 제3자배정 유상증자를 실시한다고 공시했다.",
        {("planned", "라온캐피탈", "누리소프트")},
    ),
    (
        "누리소프트는 다음 달 라온캐피탈을 대상으로 보통주 100만주를 발행해 50억원을 조달한다.",
        {("planned", "라온캐피탈", "누리소프트")},
    ),
    # a round led by one investor and joined by another
    (
        "새벽바이오는 시리즈B 투자를 유치했다. 이번 투자는 한결벤처스가 주도했고 가온인베스트먼트가 참여했다.",
        {("asserted", "한결벤처스", "새벽바이오"), ("asserted", "가온인베스트먼트", "새벽바이오")},
    ),
    # a round raised, then who took part
    (
        "새벽바이오는 시리즈B 투자를 유치했다고 밝혔다. 이번 투자에는 한결벤처스와 가온인베스트먼트 등이 참여했다.",
        {("asserted", "한결벤처스", "새벽바이오"), ("asserted", "가온인베스트먼트", "새벽바이오")},
    ),
]


@pytest.mark.parametrize(("text", "expected"), INVESTMENTS)
def test_deals_investments(deals_pack, text: str, expected: set) -> None:
    assert _triples(deals_pack, text, "INVESTMENT") == expected


@pytest.mark.parametrize(
    "text",
    [
        # a briefing for an investor is no investment
        "누리소프트는 라온캐피탈을 대상으로 설명회를 열었다.",
        # a field, not a company
        "라온캐피탈은 AI 분야에 투자를 늘릴 계획이다.",
        # an unnamed fund, a local branch
        "라온캐피탈은 300억원 규모의 펀드에 60억원을 출자했다.",
        "라온캐피탈은 베트남 현지 법인에 200억원을 출자했다.",
        # places are not investees
        "한빛전자는 텍사스에 1조원을 투자한다.",
        "한빛전자는 평택에 20조원을 투자했다.",
        # an analyst's rating
        "라온증권은 한빛전자에 대해 투자의견 매수를 유지했다.",
    ],
)
def test_deals_not_investments(deals_pack, text: str) -> None:
    assert _triples(deals_pack, text, "INVESTMENT") == set()


APPOINTMENTS = [
    ("가온제약은 박지훈 전무를 부사장으로 승진시켰다.", {("asserted", "가온제약", "박지훈")}),
    ("가온제약은 박지훈 부사장을 신임 사장으로 임명했다.", {("asserted", "가온제약", "박지훈")}),
    ("한빛전자는 신임 대표이사에 박지훈 부사장을 선임했다.", {("asserted", "한빛전자", "박지훈")}),
    ("가온제약은 최유진 부사장을 신임 대표이사로 영입했다.", {("asserted", "가온제약", "최유진")}),
    ("한빛전자 역시 박지훈(54세) 부사장을 사장으로 승진시켰다.", {("asserted", "한빛전자", "박지훈")}),
    # several people, titles by office
    (
        "한빛전자는 박지훈 생산기술 TF장과 최유진 전략본부장 등 상무 3명을 전무로 승진 발령했다.",
        {("asserted", "한빛전자", "박지훈"), ("asserted", "한빛전자", "최유진")},
    ),
    # the post is at the company named with the person, not at the group
    ("가온그룹이 박지훈 가온건설 부사장을 사장으로 승진시켰다.", {("asserted", "가온건설", "박지훈")}),
    (
        "가온그룹은 가온전자 김하준, 오태민, 서도윤 전무를 부사장으로 승진시켰다.",
        {("asserted", "가온전자", "김하준"), ("asserted", "가온전자", "오태민"), ("asserted", "가온전자", "서도윤")},
    ),
    # promoted, or named to a post elsewhere
    ("한빛전자는 박지훈 전무를 다온랩스 신임 대표이사로 선임했다.", {("asserted", "다온랩스", "박지훈")}),
    ("박지훈 한빛전자 전무는 부사장으로 승진했다.", {("asserted", "한빛전자", "박지훈")}),
    (
        "한빛전자 박지훈 전무와 최유진 상무가 부사장으로 승진했다.",
        {("asserted", "한빛전자", "박지훈"), ("asserted", "한빛전자", "최유진")},
    ),
    ("박지훈 한빛전자 부사장은 한빛건설 사장으로 승진했다.", {("asserted", "한빛건설", "박지훈")}),
    ("박지훈 부사장이 19일자로 누리에너지 신임사장에 부임했다.", {("asserted", "누리에너지", "박지훈")}),
    ("박지훈 전 가온제약 대표가 누리소프트 대표이사로 선임됐다.", {("asserted", "누리소프트", "박지훈")}),
    ("누리소프트 신임 대표이사에 박지훈 부사장이 선임됐다.", {("asserted", "누리소프트", "박지훈")}),
    # the head of the company appoints; a successor; posts listed before one verb
    ("박지훈 가온제약 사장은 이날 최유진 부사장을 신임 CFO로 선임했다고 밝혔다.", {("asserted", "가온제약", "최유진")}),
    ("가온제약은 최유진 대표의 후임으로 박지훈 부사장을 선임했다.", {("asserted", "가온제약", "박지훈")}),
    (
        "가온제약은 사장에 박지훈 부사장을, 부사장에 최유진 전무를 각각 선임했다.",
        {("asserted", "가온제약", "박지훈"), ("asserted", "가온제약", "최유진")},
    ),
    # older news: posts glued to the company, 씨 after the name
    (
        "가온그룹은 13일 새벽물산사장에 박지훈씨, 가온정밀사장에 최유진씨를 선임했다.",
        {("asserted", "새벽물산", "박지훈"), ("asserted", "가온정밀", "최유진")},
    ),
    # the company carried from the sentence the text is about
    ("가온제약은 임원 인사를 했다. 박지훈 상무 등 7명이 전무로 승진했다.", {("asserted", "가온제약", "박지훈")}),
    (
        "가온제약 측은 대표이사를 선임했다고 설명했다. 임시 대표이사에 선임된 박지훈 상무는 재무 전문가다.",
        {("asserted", "가온제약", "박지훈")},
    ),
    ("정하윤 상무보가 가온제약 최초의 여성 임원으로 발탁됐다.", {("asserted", "가온제약", "정하윤")}),
    # designated (내정) and planned
    ("가온제약은 박지훈 부사장을 신임 사장으로 내정했다.", {("designated", "가온제약", "박지훈")}),
    ("한빛전자는 신임 사장에 박지훈 부사장을 내정했다.", {("designated", "한빛전자", "박지훈")}),
    ("누리소프트 신임 사장에 박지훈 부사장이 내정됐다.", {("designated", "누리소프트", "박지훈")}),
    ("박지훈 가온제약 부사장이 누리소프트 신임 사장으로 내정됐다.", {("designated", "누리소프트", "박지훈")}),
    (
        "가온제약은 오는 3월 주주총회에서 박지훈 부사장을 사내이사로 선임할 예정이다.",
        {("planned", "가온제약", "박지훈")},
    ),
    # a former post at another company; a new post with its English gloss
    ("한빛전자는 박지훈 전 누리소프트 사장을 신임 CEO로 영입했다.", {("asserted", "한빛전자", "박지훈")}),
    ("한빛전자는 박지훈 상무를 최고재무책임자(CFO)로 임명했다.", {("asserted", "한빛전자", "박지훈")}),
    # promoted from the title before the particle (부사장이 사장으로)
    ("박지훈 한빛전자 부사장이 사장으로 승진했다.", {("asserted", "한빛전자", "박지훈")}),
    # 새 대표, and 씨 after the name
    ("한빛전자의 새 대표로 박지훈 부사장이 내정됐다.", {("designated", "한빛전자", "박지훈")}),
    ("한빛전자 대표이사에 박지훈씨가 선임됐다.", {("asserted", "한빛전자", "박지훈")}),
]


@pytest.mark.parametrize(("text", "expected"), APPOINTMENTS)
def test_deals_appointments(deals_pack, text: str, expected: set) -> None:
    assert _triples(deals_pack, text, "APPOINTMENT") == expected


def test_deals_appointment_role(deals_pack) -> None:
    records = [
        r for r in deals_pack.extract("가온제약은 박지훈 전무를 부사장으로 승진시켰다.") if r.label == "APPOINTMENT"
    ]
    assert [r.args["role"].text for r in records] == ["부사장"]


@pytest.mark.parametrize(
    "text",
    [
        # not promoted
        "박지훈 한빛전자 전무는 부사장으로 승진하지 않았다.",
        "가온제약은 박지훈 전무를 부사장으로 승진시키지 않았다.",
        # staying in post is no appointment
        "가온제약은 박지훈 사장을 대표이사로 재선임했다.",
        # career history and a current title
        "박지훈 사장은 가온제약 부사장을 역임했다.",
        "박지훈 가온제약 사장은 기자간담회를 열었다.",
        # two companies, each its own post (각각): no pair is sure
        "가온제약과 새벽바이오는 신임사장에 각각 박지훈 부사장과 최유진 부사장을 내정했다.",
    ],
)
def test_deals_not_appointments(deals_pack, text: str) -> None:
    assert {t for t in _triples(deals_pack, text, "APPOINTMENT") if t[0] != "negated"} == set()


def test_deals_offsets_are_sacred(deals_pack) -> None:
    text = "한빛전자(012340)는 누리소프트 주식 50만주(지분 100%)를 120억원에 인수하는 계약을 체결했다."
    for record in deals_pack.extract(text, include_hidden=True):
        assert text[record.start : record.end] == record.text
        for value in record.args.values():
            for mention in value if isinstance(value, tuple) else (value,):
                assert text[mention.start : mention.end] == mention.text


def test_deals_pack_loads_without_warnings(deals_pack) -> None:
    assert deals_pack.warnings == ()


def test_deals_pack_examples_pass(deals_pack) -> None:
    from koie.testing.examples import run_examples

    failures = [r for r in run_examples(deals_pack) if not r.ok]
    assert not failures, "\n".join(f"{r.rule}: {r.text}: {r.message}" for r in failures)


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "deals").glob("*.txt")), ids=lambda p: p.name)
def test_deals_example_texts_give_records(deals_pack, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    labels = {r.label for r in deals_pack.extract(text)}
    assert labels & {"ACQUISITION", "INVESTMENT", "APPOINTMENT"}


def test_deals_scheme_grades_the_example_texts() -> None:
    """eval/deals.scheme.yaml maps the gold keys to labels and statuses: the examples score 1.000."""
    from click.testing import CliRunner

    from koie.cli import main

    args = ["eval", "rules/deals.yaml", "--scheme", "eval/deals.scheme.yaml"]
    args += ["--gold", "eval/deals.examples.gold.jsonl", "examples/deals"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "all keys: 5 documents, tp=20 fp=0 fn=0" in result.output
    for key in ("acq_asserted", "acq_planned", "acq_negated", "inv_asserted", "inv_planned", "appointments"):
        assert f"{key}: " in result.output


def test_deals_scheme_is_the_one_docs_show() -> None:
    scheme = (ROOT / "eval" / "deals.scheme.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{scheme}```" in (ROOT / "docs" / "eval.md").read_text(encoding="utf-8")
