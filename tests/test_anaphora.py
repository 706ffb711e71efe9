"""Plural and definite anaphora: ``anaphora:`` (koie/engine/anaphora.py), with invented people.

Documents are in form/TAG notation (sentences joined by `` || ``); the last
tests run tests/packs/groups.yaml on real Kiwi analyses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import koie
from koie.engine.anaphora import anaphor_count
from koie.engine.extract import mention_name, mentions_of
from koie.explain import explain_record, render_explanation
from koie.lang.spec import RelationSpec
from koie.measure.evaluate import NameKey, record_pairs
from tests.helpers import notation_pack

ROOT = Path(__file__).resolve().parent.parent

RULES: list[dict[str, Any]] = [
    {"id": "person", "label": "PERSON", "output": False, "pattern": "/NNP (?= 회장/NNG)"},
    {
        "id": "pair",
        "label": "MEETING",
        "pattern": "[PERSON:subject] 회장/NNG 은/JX [PERSON:object] 회장/NNG 와/JKB 만나/VV",
    },
    {"id": "group", "label": "MEETING", "pattern": "([PERSON:participants] 회장/NNG /SP?)+ 이/JKS 회동하/VV"},
    {
        "id": "people",
        "label": "PEOPLE",
        "output": False,
        "pattern": "(이/NP 들/XSN | (두/MM | 세/MM | 양/MM) (사람/NNG | 총수/NNG | 정상/NNG) | 양측/NNG)",
    },
    {"id": "he", "label": "PEOPLE", "output": False, "attrs": {"count": 1}, "pattern": "그/NP"},
    {"id": "people-met", "label": "MEETING", "pattern": "[PEOPLE:participants] 은/JX ~4 만나/VV"},
    {"id": "he-met", "label": "MEETING", "pattern": "[PEOPLE:subject] 는/JX [PERSON:object] 회장/NNG 와/JKB 만나/VV"},
]

MET = "{a}/NNP 회장/NNG 은/JX {b}/NNP 회장/NNG 와/JKB 만나/VV 었/EP 다/EF ./SF"
CAME = "{a}/NNP 회장/NNG 이/JKS 오/VV 었/EP 다/EF ./SF"
FILLER = "날씨/NNG 가/JKS 맑/VA 었/EP 다/EF ./SF"


def group(*names: str) -> str:
    return " ,/SP ".join(f"{n}/NNP 회장/NNG" for n in names) + " 이/JKS 회동하/VV 었/EP 다/EF ./SF"


def met_again(anaphor: str) -> str:
    return f"{anaphor} 은/JX 또/MAG 만나/VV 었/EP 다/EF ./SF"


TWO = "두/MM 사람/NNG"
THREE = "세/MM 총수/NNG"
THEY = "이/NP 들/XSN"


def _pack(tmp_path: Path, **setting: Any) -> koie.Pack:
    anaphora = {"PEOPLE": {"refers_to": "PERSON", "from": ["MEETING"], "sentences": 2} | setting}
    return notation_pack(tmp_path, RULES, anaphora=anaphora)


def _last_meeting(pack: koie.Pack, *sentences: str) -> koie.Record:
    return [r for r in pack.extract(" || ".join(sentences)) if r.label == "MEETING"][-1]


def _names(value: Any) -> list[str]:
    return [mention_name(m) for m in mentions_of(value)]


@pytest.mark.parametrize(
    "text, attrs, count",
    [
        ("두 사람", None, 2),
        ("양측", None, 2),
        ("양 정상", None, 2),
        ("세 총수", None, 3),
        ("네 사람", None, 4),
        ("다섯 명", None, 5),
        ("2명", None, 2),
        ("이들", None, None),
        ("세계", None, None),  # a word that starts like a numeral is not one
        ("그", {"count": 1}, 1),
        ("그", {"count": True}, None),
    ],
)
def test_anaphora_count(text: str, attrs: dict | None, count: int | None) -> None:
    assert anaphor_count(text, attrs) == count


def test_anaphora_two_people_are_the_two_of_the_latest_meeting(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    record = _last_meeting(pack, MET.format(a="가나", b="다라"), met_again(TWO))
    assert record.rule == "people-met"
    assert _names(record.args["participants"]) == ["가나", "다라"]
    document = record.document
    assert document is not None
    for mention in record.args["participants"]:  # the real mentions, with their offsets
        assert document.text[mention.start : mention.end] == mention.text and mention.start < 20
    anaphor = record.attrs["anaphora"]["participants"]
    assert anaphor["text"] == "두 사람" and anaphor["people"] == 2 and anaphor["rule"] == "people"
    assert document.text[anaphor["start"] : anaphor["end"]] == "두 사람"
    pairs = record_pairs(record, RelationSpec("MEETING"), NameKey())
    assert [tuple(sorted(p)) for p, _ in pairs] == [("가나", "다라")]


def test_anaphora_the_count_picks_the_group_of_that_size(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    text = [group("가나", "다라", "마바"), MET.format(a="사아", b="자차")]
    # 두 사람: the pair just before
    assert _names(_last_meeting(pack, *text, met_again(TWO)).args["participants"]) == ["사아", "자차"]
    # 세 총수: past the pair, the group of three
    assert _names(_last_meeting(pack, *text, met_again(THREE)).args["participants"]) == ["가나", "다라", "마바"]
    # 이들 (no count): the nearest group of two or more
    assert _names(_last_meeting(pack, *text, met_again(THEY)).args["participants"]) == ["사아", "자차"]


def test_anaphora_the_people_named_when_from_lists_the_person_label(tmp_path: Path) -> None:
    pack = _pack(tmp_path, **{"from": ["PERSON"]})
    record = _last_meeting(pack, CAME.format(a="가나"), CAME.format(a="다라"), met_again(TWO))
    assert _names(record.args["participants"]) == ["가나", "다라"]
    # without a count: the people of the nearest sentence that names two or more
    record = _last_meeting(pack, group("사아", "자차"), CAME.format(a="가나"), met_again(THEY))
    assert _names(record.args["participants"]) == ["사아", "자차"]


def test_anaphora_a_person_named_twice_counts_once(tmp_path: Path) -> None:
    rules = [*RULES, {"id": "surname", "label": "PERSON", "output": False, "pattern": "가/NNP (?= 회장/NNG)"}]
    pack = notation_pack(
        tmp_path,
        rules,
        anaphora={"PEOPLE": {"refers_to": "PERSON", "sentences": 3}},
        mentions={"PERSON": {"name": "fullest"}},
    )
    text = [CAME.format(a="가나다"), CAME.format(a="라마"), CAME.format(a="가"), met_again(TWO)]
    record = _last_meeting(pack, *text)
    # 가 회장 is 가나다 again: the two people are 라마 and 가나다 (its latest mention)
    assert _names(record.args["participants"]) == ["라마", "가나다"]
    assert [m.text for m in record.args["participants"]] == ["라마", "가"]


def test_anaphora_a_singular_anaphor_keeps_a_single_role(tmp_path: Path) -> None:
    pack = _pack(tmp_path, **{"from": ["PERSON"]})
    record = _last_meeting(pack, CAME.format(a="가나"), "그/NP 는/JX 다라/NNP 회장/NNG 와/JKB 만나/VV 었/EP 다/EF ./SF")
    assert record.rule == "he-met"
    subject = record.args["subject"]
    assert not isinstance(subject, tuple) and mention_name(subject) == "가나"


def test_anaphora_beyond_the_window_the_anaphor_stays_and_is_no_one(tmp_path: Path) -> None:
    pack = _pack(tmp_path, sentences=1)
    record = _last_meeting(pack, MET.format(a="가나", b="다라"), FILLER, met_again(TWO))
    assert [m.text for m in mentions_of(record.args["participants"])] == ["두 사람"]
    assert record.attrs["anaphora"]["participants"]["people"] == 0
    assert record_pairs(record, RelationSpec("MEETING"), NameKey(), anaphors={"PEOPLE"}) == []


def test_anaphora_the_anaphor_record_says_what_it_stands_for(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    records = pack.extract(" || ".join([MET.format(a="가나", b="다라"), met_again(TWO)]), include_hidden=True)
    [anaphor] = [r for r in records if r.label == "PEOPLE"]
    assert [m["text"] for m in anaphor.attrs["refers_to"]] == ["가나", "다라"]


def test_anaphora_the_explanation_names_the_anaphor(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    record = _last_meeting(pack, MET.format(a="가나", b="다라"), met_again(TWO))
    text = render_explanation(explain_record(pack.compiled, record))
    assert "participants <- the anaphor '두 사람'" in text and "(by people) stands for: '가나'" in text


def test_anaphora_packs_without_the_key_keep_the_anaphor(tmp_path: Path) -> None:
    pack = notation_pack(tmp_path, RULES)
    record = _last_meeting(pack, MET.format(a="가나", b="다라"), met_again(TWO))
    assert [m.text for m in mentions_of(record.args["participants"])] == ["두 사람"] and "anaphora" not in record.attrs


# ------------------------------------------------------------------ on Kiwi


def test_anaphora_groups_pack_on_kiwi() -> None:
    pack = koie.load(ROOT / "tests" / "packs" / "groups.yaml")
    text = "한소율 회장은 1일 방한했다. 서도현 사장도 2일 입국했다. 두 사람은 3일 서울에서 만났다."
    [record] = [r for r in pack.extract(text) if r.label == "MEETING"]
    assert _names(record.args["participants"]) == ["한소율", "서도현"]
    assert record.attrs["anaphora"]["participants"]["text"] == "두 사람"
