"""Document-level completion: carried roles, fullest names, attachments, dates (koie/engine/mentions.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koie.engine.extract import Mention, mention_name
from koie.engine.mentions import shorter_form_of


@pytest.mark.parametrize(
    "short, full, expected",
    [
        ("저커버그", "마크 저커버그", True),
        ("젠슨", "젠슨 황", True),
        ("최", "최태원", True),
        ("이", "이재용", True),
        ("최", "박최민", False),  # a surname begins the name
        ("황", "젠슨황", False),  # unspaced foreign names are not split
        ("최태원", "최태원", False),  # not shorter
        ("회장", "최고경영자 겸 회장", True),
    ],
)
def test_mentions_shorter_form_of(short: str, full: str, expected: bool) -> None:
    assert shorter_form_of(short, full) is expected


def _meetings(pack, text: str, published: str | None = None):
    return [r for r in pack.extract(text, published=published) if r.label == "MEETING"]


def _people(value) -> list[str]:
    mentions = value if isinstance(value, tuple) else (value,)
    return [mention_name(m) for m in mentions]


def test_mentions_surname_and_title_resolve_to_full_name(meetings_pack) -> None:
    text = "한도윤 미르전자 회장은 지난 2일 출장길에 올랐다. 한 회장은 데이비드 워커 블루웨이브 CEO와 회동했다."
    [record] = _meetings(meetings_pack, text)
    subject = record.args["subject"]
    mention = subject[0] if isinstance(subject, tuple) else subject
    assert mention.text == "한"  # offsets stay on what the text says
    assert text[mention.start : mention.end] == "한"
    assert mention.filler.attrs["name"] == "한도윤"
    assert mention.filler.attrs["title"] == "회장"
    assert mention.filler.attrs["org"] == "미르전자"  # inherited from the introduction


def test_mentions_last_word_resolves_to_earlier_full_name(meetings_pack) -> None:
    text = "엘레나 로시 라임스톤 대표가 방한했다. 서도현 해솔건설 회장은 로시 대표와 만났다."
    [record] = _meetings(meetings_pack, text)
    assert _people(record.args["object"]) == ["엘레나 로시"]
    assert _people(record.args["subject"]) == ["서도현"]


def test_mentions_attach_title_and_org_next_to_the_name(meetings_pack) -> None:
    [record] = _meetings(meetings_pack, "서도현 해솔건설 회장은 데이비드 워커 블루웨이브 CEO와 만났다.")
    obj = record.args["object"]
    obj = obj[0] if isinstance(obj, tuple) else obj
    assert obj.filler.attrs["title"] == "CEO"
    assert obj.filler.attrs["org"] == "블루웨이브"
    data = record.to_json()
    object_json = data["args"]["object"][0] if isinstance(data["args"]["object"], list) else data["args"]["object"]
    assert object_json["name"] == "데이비드 워커"


def test_mentions_subject_carried_from_previous_sentence(meetings_pack) -> None:
    text = "권태오 미르전자 회장은 지난 5일 미국으로 출국했다. 이어 마이클 브라운 비트솔 CEO와 회동했다."
    [record] = _meetings(meetings_pack, text)
    assert record.attrs["carried"] == ["subject"]
    assert _people(record.args["subject"]) == ["권태오"]
    assert _people(record.args["object"]) == ["마이클 브라운"]


def test_mentions_subject_not_carried_beyond_the_window(meetings_pack) -> None:
    text = (
        "권태오 미르전자 회장은 지난 5일 미국으로 출국했다. "
        "현지 공장은 올해 완공됐다. 시장은 빠르게 커지고 있다. 투자도 늘었다. "
        "이어 마이클 브라운 비트솔 CEO와 회동했다."
    )
    records = _meetings(meetings_pack, text)
    assert records and all("subject" not in r.args for r in records)


def test_mentions_date_normalised_with_publication_date(meetings_pack) -> None:
    text = "서도현 해솔건설 회장은 지난달 27일 데이비드 워커 블루웨이브 CEO와 만났다."
    [record] = _meetings(meetings_pack, text, published="2024-07-01")
    date = record.args["date"]
    assert text[date.start : date.end] == "지난달 27일"
    assert date.filler.attrs["value"] == "2024-06-27"
    assert date.filler.attrs["precision"] == "day"
    [undated] = _meetings(meetings_pack, text)
    assert "value" not in undated.args["date"].filler.attrs


def test_mentions_name_without_filler_is_its_text() -> None:
    assert mention_name(Mention("젠슨  황", 0, 5, None)) == "젠슨 황"


def test_fullest_name_work_grows_linearly_with_names(monkeypatch) -> None:
    """Many names in one document: candidates come from an index, not from comparing every pair.

    Counted in calls of shorter_form_of, never timed: before the index a 1 MB
    single document spent 50 s here.
    """
    from types import SimpleNamespace

    from koie.engine import mentions
    from koie.lang.spec import MentionSettings

    calls = 0
    real = mentions.shorter_form_of

    def counting(short: str, full: str) -> bool:
        nonlocal calls
        calls += 1
        return real(short, full)

    monkeypatch.setattr(mentions, "shorter_form_of", counting)
    syllables = "가나다라마바사아자차카타파하"

    def work(count: int) -> int:
        nonlocal calls
        calls = 0
        records = []
        for index in range(count):
            name = syllables[index % 14] + syllables[(index // 14) % 14] + syllables[(index // 196) % 14]
            for start, text in ((index * 20, name), (index * 20 + 10, name[0])):  # 김철수 ... 김
                records.append(
                    SimpleNamespace(
                        rule="person", start=start, end=start + len(text), text=text, sentence=index, label="PERSON"
                    )
                )
        result = mentions._resolve_label(records, MentionSettings(name="fullest"), records, "")
        assert result[("person", 10, 11)]["name"] == records[0].text  # the short form got its full name
        return calls

    small, large = work(300), work(600)
    assert large <= 2.5 * small, (small, large)


def _reference_nearest(entity, entities):
    """The fullest-name choice as first written: every name compared with every other."""
    from koie.engine.mentions import shorter_form_of as shorter

    fuller = [e for e in entities if shorter(entity.record.text, e.record.text)]
    if not fuller:
        return None
    title = entity.attrs.get("title")
    if title is not None:
        fuller = [e for e in fuller if e.attrs.get("title") == title] or fuller
    before = [e for e in fuller if e.record.start < entity.record.start]
    return max(before, key=lambda e: e.record.start) if before else min(fuller, key=lambda e: e.record.start)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["김철수", "김", "김영희", "마크 저커버그", "저커버그", "마크", "이", "이순신"]),
            st.sampled_from([None, "회장", "대표"]),
            st.integers(0, 5),
        ),
        max_size=12,
    )
)
def test_fullest_name_index_agrees_with_comparing_every_pair(names) -> None:
    from types import SimpleNamespace

    from koie.engine import mentions

    entities = sorted(
        (
            mentions._Entity(SimpleNamespace(text=text, start=start), {"title": title} if title else {})
            for text, title, start in names
        ),
        key=lambda e: e.record.start,
    )
    longer = mentions._longer_forms(entities)
    for entity in entities:
        chosen = mentions._nearest(entity, longer.get(mentions._squash(entity.record.text)), entities)
        assert chosen is _reference_nearest(entity, entities)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 5), st.integers(1, 3), st.sampled_from("ABC"), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 3),
    st.sampled_from(["A", "B"]),
)
def test_carry_source_is_the_latest_earlier_record_in_the_window(rows, window: int, label: str) -> None:
    """The backward walk finds what the scan of every earlier record found."""
    from types import SimpleNamespace

    from koie.engine.mentions import carry_source
    from koie.lang.spec import CarrySpec

    records = sorted(
        (
            SimpleNamespace(sentence=s, start=a, end=a + n, label=lab, args={"x": 1} if has else {})
            for s, a, n, lab, has in rows
        ),
        key=lambda r: (r.sentence, r.start, r.end),
    )
    setting = CarrySpec("x", ("C",), window)
    for at, record in enumerate(records):
        record.label = label
        done = records[:at]
        sources = [
            r
            for r in done
            if (r.label in setting.sources or (r.label == record.label and "x" in r.args))
            and record.sentence - window <= r.sentence
            and (r.sentence < record.sentence or r.end <= record.start)
        ]
        expected = max(sources, key=lambda r: (r.sentence, r.start)) if sources else None
        assert carry_source(done, record, setting) is expected  # type: ignore[arg-type]


# ------------------------------------------------------------------ Hanja surnames


@pytest.mark.parametrize(
    "short, full, expected",
    [
        ("尹", "윤하람", True),  # the Korean reading
        ("李", "이도윤", True),
        ("李", "리하오", True),  # the Mandarin reading of the same surname
        ("習", "시하오밍", True),
        ("趙", "자오러펑", True),  # a reading of two syllables
        ("文", "문태양", True),
        ("尹", "윤", False),  # not shorter than the reading
        ("尹", "문태양", False),
        ("美", "미하람", False),  # a country, not a surname: not in the table
        ("尹", "윤하람 대통령", False),  # not a name of two to four syllables
    ],
)
def test_mentions_hanja_surname_is_a_shorter_form(short: str, full: str, expected: bool) -> None:
    assert shorter_form_of(short, full) is expected


def test_mentions_hanja_headline_resolves_to_the_full_name(tmp_path) -> None:
    from tests.helpers import notation_pack

    pack = notation_pack(
        tmp_path,
        [{"id": "person", "label": "PERSON", "pattern": "(/NNP | /SH) (?= 대통령/NNG)"}],
        mentions={"PERSON": {"name": "fullest"}},
    )
    text = "尹/SH 대통령/NNG ,/SP 방미/NNG || 문태양/NNP 대통령/NNG 은/JX || 윤하람/NNP 대통령/NNG 은/JX 출국하/VV"
    names = {r.text: r.attrs["name"] for r in pack.extract(text)}
    assert names == {"尹": "윤하람", "문태양": "문태양", "윤하람": "윤하람"}


def test_mentions_hanja_headline_on_kiwi() -> None:
    import koie

    pack = koie.load("tests/packs/groups.yaml")
    text = "尹 대통령, 한소율 회장과 회동\n윤하람 대통령은 2일 서울에서 한소율 회장을 만났다.\n"
    [record] = [r for r in pack.extract(text) if r.label == "MEETING"]
    subject = record.args["subject"]
    assert not isinstance(subject, tuple)
    assert subject.text == "尹" and text[subject.start : subject.end] == "尹"
    assert mention_name(subject) == "윤하람"
