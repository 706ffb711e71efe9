"""Event frames across sentences: ``joins`` (koie/engine/frames.py).

Documents are in form/TAG notation (sentences joined by `` || ``) with invented
people, so each case says exactly which records exist; the last tests run the
pack tests/packs/groups.yaml on real Kiwi analyses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import koie
from koie.engine.extract import mention_name, mentions_of
from koie.explain import explain_record, render_explanation
from koie.lang.spec import RelationSpec
from koie.measure.evaluate import NameKey, record_pairs
from tests.helpers import notation_pack

ROOT = Path(__file__).resolve().parent.parent

PERSON = {"id": "person", "label": "PERSON", "output": False, "pattern": "/NNP (?= 회장/NNG)"}
HOST = {
    "id": "host",
    "label": "HOST",
    "output": False,
    "pattern": "[PERSON:subject] 회장/NNG 은/JX ~4 (오찬/NNG | 만찬/NNG) 을/JKO 하/VV",
}
GROUP = {"id": "group", "label": "MEETING", "pattern": "([PERSON:participants] 회장/NNG /SP?)+ 이/JKS 회동하/VV"}


def _attend(**joins: Any) -> dict[str, Any]:
    return {
        "id": "attend",
        "label": "MEETING",
        "joins": {"from": ["HOST"], "role": "subject", "sentences": 2} | joins,
        "pattern": "이날/NNG ~2 에/JKB 는/JX ([PERSON:object] 회장/NNG /SP?)+ 이/JKS 참석하/VV",
    }


def hosts(name: str, meal: str = "오찬") -> str:
    return f"{name}/NNP 회장/NNG 은/JX {meal}/NNG 을/JKO 하/VV 었/EP 다/EF ./SF"


def attends(*names: str, meal: str = "오찬") -> str:
    people = " ,/SP ".join(f"{name}/NNP 회장/NNG" for name in names)
    return f"이날/NNG {meal}/NNG 에/JKB 는/JX {people} 이/JKS 참석하/VV 었/EP 다/EF ./SF"


FILLER = "날씨/NNG 가/JKS 맑/VA 었/EP 다/EF ./SF"


def _pack(tmp_path: Path, *rules: dict[str, Any]) -> koie.Pack:
    return notation_pack(tmp_path, [PERSON, HOST, *rules])


def _meetings(pack: koie.Pack, *sentences: str) -> list[koie.Record]:
    return [r for r in pack.extract(" || ".join(sentences)) if r.label == "MEETING"]


def _names(value: Any) -> list[str]:
    return [mention_name(m) for m in mentions_of(value)]


def test_frames_attendees_join_the_host_of_the_earlier_sentence(tmp_path: Path) -> None:
    pack = _pack(tmp_path, _attend())
    text = " || ".join([hosts("가나"), attends("다라", "마바")])
    [record] = [r for r in pack.extract(text) if r.label == "MEETING"]
    assert _names(record.args["subject"]) == ["가나"] and _names(record.args["object"]) == ["다라", "마바"]
    assert isinstance(record.args["subject"], tuple)  # a joined role is a list
    joined = record.attrs["joined"]
    assert joined == {"role": "subject", "rule": "host", "label": "HOST", "text": joined["text"], "start": 0, "end": 14}
    document = record.document
    assert document is not None
    for mention in record.args["subject"]:  # offsets stay those of the real mention
        assert document.text[mention.start : mention.end] == mention.text == "가나"
    # each attendee met the host: two pairs, the attendees not with each other
    pairs = record_pairs(record, RelationSpec("MEETING"), NameKey())
    assert sorted(tuple(sorted(p)) for p, _ in pairs) == [("가나", "다라"), ("가나", "마바")]


@pytest.mark.parametrize(
    "gap, window, joined",
    [
        (0, 2, True),
        (1, 2, True),  # the frame one sentence further back
        (2, 2, False),  # three sentences back: past the window
        (2, 3, True),
        (0, 0, False),  # 0: the same sentence only
    ],
)
def test_frames_stay_open_for_the_window(tmp_path: Path, gap: int, window: int, joined: bool) -> None:
    pack = _pack(tmp_path, _attend(sentences=window))
    [record] = _meetings(pack, hosts("가나"), *[FILLER] * gap, attends("다라"))
    assert ("subject" in record.args) is joined
    assert ("joined" in record.attrs) is joined


def test_frames_the_nearest_frame_wins(tmp_path: Path) -> None:
    pack = _pack(tmp_path, _attend())
    [record] = _meetings(pack, hosts("가나", "오찬"), hosts("사아", "만찬"), attends("다라", meal="오찬"))
    # the nearest frame, even though the attendance names the earlier event's noun
    assert _names(record.args["subject"]) == ["사아"]


def test_frames_without_a_frame_the_record_is_unchanged(tmp_path: Path) -> None:
    pack = _pack(tmp_path, _attend())
    [record] = _meetings(pack, FILLER, attends("다라"))
    assert "subject" not in record.args and "joined" not in record.attrs


def test_frames_a_frame_of_the_joiners_themselves_joins_nothing(tmp_path: Path) -> None:
    """The nearest frame has only the attendees' own people: no older frame is tried."""
    pack = _pack(tmp_path, _attend())
    [record] = _meetings(pack, hosts("가나"), hosts("다라"), attends("다라"))
    assert "subject" not in record.args


def test_frames_a_group_meeting_is_a_frame_for_a_later_attendee(tmp_path: Path) -> None:
    pack = _pack(tmp_path, GROUP, _attend(**{"from": ["HOST", "MEETING"]}))
    group = "가나/NNP 회장/NNG ,/SP 다라/NNP 회장/NNG 이/JKS 회동하/VV 었/EP 다/EF ./SF"
    records = _meetings(pack, group, attends("마바", "다라"))
    joined = records[-1]
    # 마바 met both of the group; 다라, an attendee, is not among the people joined
    assert _names(joined.args["subject"]) == ["가나"] and _names(joined.args["object"]) == ["마바", "다라"]
    assert joined.attrs["joined"]["rule"] == "group"


def test_frames_a_role_the_record_has_is_not_joined(tmp_path: Path) -> None:
    rule = _attend()
    rule["pattern"] = (
        "[PERSON:subject] 회장/NNG 과/JC 이날/NNG ~2 에/JKB 는/JX [PERSON:object] 회장/NNG 이/JKS 참석하/VV"
    )
    pack = _pack(tmp_path, rule)
    own = "사아/NNP 회장/NNG 과/JC 이날/NNG 오찬/NNG 에/JKB 는/JX 다라/NNP 회장/NNG 이/JKS 참석하/VV 었/EP 다/EF ./SF"
    [record] = _meetings(pack, hosts("가나"), own)
    assert _names(record.args["subject"]) == ["사아"] and "joined" not in record.attrs


def test_frames_the_explanation_says_which_frame_a_role_came_from(tmp_path: Path) -> None:
    pack = _pack(tmp_path, _attend())
    [record] = _meetings(pack, hosts("가나"), attends("다라"))
    explanation = explain_record(pack.compiled, record)
    [entry] = explanation["completed"]
    assert entry["role"] == "subject" and entry["how"] == "joined"
    assert entry["frame"] == {"rule": "host", "label": "HOST", "text": entry["frame"]["text"], "start": 0, "end": 14}
    assert entry["mentions"] == [{"text": "가나", "start": 0, "end": 2, "label": "PERSON", "rule": "person"}]
    assert "subject <- joined the frame" in render_explanation(explanation)
    assert "(HOST by host): '가나' [0:2] (PERSON by person)" in render_explanation(explanation)


def test_frames_carry_is_explained_too(tmp_path: Path) -> None:
    topic = {"id": "topic", "label": "TOPIC", "output": False, "pattern": "[PERSON:subject] 회장/NNG 은/JX"}
    met = {
        "id": "met",
        "label": "MEETING",
        "carry": {"subject": {"from": ["TOPIC"], "sentences": 1}},
        "pattern": "[PERSON:object] 회장/NNG 와/JKB 만나/VV",
    }
    pack = notation_pack(tmp_path, [PERSON, topic, met])
    text = "가나/NNP 회장/NNG 은/JX 출국하/VV 었/EP 다/EF ./SF || 다라/NNP 회장/NNG 와/JKB 만나/VV 었/EP 다/EF ./SF"
    [record] = [r for r in pack.extract(text) if r.label == "MEETING"]
    assert record.attrs["carried"] == ["subject"]
    text_form = render_explanation(explain_record(pack.compiled, record))
    assert "subject <- carried from an earlier record: '가나' [0:2] (PERSON by person)" in text_form


# ------------------------------------------------------------------ on Kiwi


@pytest.fixture(scope="module")
def groups_pack() -> koie.Pack:
    return koie.load(ROOT / "tests" / "packs" / "groups.yaml")


def test_frames_groups_pack_on_kiwi(groups_pack: koie.Pack) -> None:
    text = "한소율 회장은 2일 협력사 대표들과 오찬을 했다. 이날 오찬에는 서도현 사장, 오세린 대표가 참석했다."
    [record] = [r for r in groups_pack.extract(text) if r.label == "MEETING"]
    assert _names(record.args["subject"]) == ["한소율"]
    assert _names(record.args["object"]) == ["서도현", "오세린"]
    assert record.attrs["joined"]["rule"] == "host"
    assert all(text[m.start : m.end] == m.text for v in record.args.values() for m in mentions_of(v))


def test_frames_groups_pack_examples_pass() -> None:
    from click.testing import CliRunner

    from koie.cli import main

    # the written examples; generated sentences around a Hanja headline split where Kiwi splits them
    result = CliRunner().invoke(main, ["test", "--no-properties", "tests/packs/groups.yaml"])
    assert result.exit_code == 0, result.output
