"""koie eval: scoring against synthetic gold files written here (koie/measure/evaluate.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main
from koie.errors import KoieError
from koie.measure.evaluate import NameKey, evaluate, read_gold, read_names, score_pairs

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


@pytest.mark.parametrize(
    "predicted, gold, optional, expected",
    [
        ({pair("a", "b")}, {pair("a", "b")}, set(), (1, 0, 0)),
        ({pair("a", "b"), pair("a", "c")}, {pair("a", "b")}, set(), (1, 1, 0)),
        (set(), {pair("a", "b")}, set(), (0, 0, 1)),
        ({pair("a", "c")}, {pair("a", "b")}, {pair("a", "c")}, (0, 0, 1)),  # optional found: not a false positive
        (set(), set(), {pair("a", "c")}, (0, 0, 0)),  # optional missed: not a false negative
    ],
)
def test_evaluate_score_pairs(predicted: set, gold: set, optional: set, expected: tuple[int, int, int]) -> None:
    assert score_pairs(predicted, gold, optional) == expected


def test_evaluate_names_fold_spaces_and_aliases() -> None:
    key = NameKey({"_doc": "ignored", "마크 저커버그": ["저커버그"]})
    assert key("마크저커버그") == key("저커버그") == key(" 마크 저커버그 ")
    assert key("저커버그") != key("젠슨 황")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_evaluate_counts_on_written_documents(meetings_pack, tmp_path: Path) -> None:
    doc = _write(
        tmp_path,
        "a.txt",
        "한도윤 미르전자 회장이 데이비드 워커 블루웨이브 CEO와 만났다.\n"
        "한 회장은 엘레나 로시 라임스톤 대표와 만날 예정이다.\n",
    )
    gold = _write(
        tmp_path,
        "gold.jsonl",
        json.dumps(
            {
                "doc": "a.txt",
                "published": "2024-05-02",
                "meetings": [["한도윤", "데이비드 워커"], ["한도윤", "마이클 브라운"]],
                "optional": [],
            },
            ensure_ascii=False,
        ),
    )
    report = evaluate(meetings_pack, read_gold(gold), [str(doc)])
    # the planned meeting is not counted; the missing one is a false negative
    assert (report.true_positives, report.false_positives, report.false_negatives) == (1, 0, 1)
    assert report.precision == 1.0 and report.recall == 0.5
    assert report.documents[0].false_negatives == [("한도윤", "마이클 브라운")]


def test_evaluate_false_positive_is_reported_with_its_sentence(meetings_pack, tmp_path: Path) -> None:
    doc = _write(tmp_path, "b.txt", "한도윤 미르전자 회장이 데이비드 워커 블루웨이브 CEO와 만났다.\n")
    gold = _write(tmp_path, "gold.jsonl", json.dumps({"doc": "b.txt", "meetings": []}))
    report = evaluate(meetings_pack, read_gold(gold), [str(doc)])
    assert report.false_positives == 1 and report.precision == 0.0
    assert "데이비드 워커" in report.documents[0].false_positives[0].sentence


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("not json", "not JSON"),
        ('{"meetings": []}', "'doc'"),
        ('{"doc": "x", "meetings": [["only one"]]}', "name pairs"),
    ],
)
def test_evaluate_bad_gold_lines_are_errors(tmp_path: Path, line: str, fragment: str) -> None:
    gold = _write(tmp_path, "gold.jsonl", line + "\n")
    with pytest.raises(KoieError) as caught:
        read_gold(gold)
    assert caught.value.diagnostics[0].code == "E407"
    assert fragment in caught.value.diagnostics[0].message


def test_evaluate_bad_names_file(tmp_path: Path) -> None:
    with pytest.raises(KoieError):
        read_names(_write(tmp_path, "names.json", "[1, 2]"))


def test_evaluate_cli_prints_scores(tmp_path: Path) -> None:
    doc = _write(tmp_path, "c.txt", "한도윤 미르전자 회장이 데이비드 워커 블루웨이브 CEO와 회동했다.\n")
    gold = _write(
        tmp_path,
        "gold.jsonl",
        json.dumps({"doc": "c.txt", "meetings": [["한도윤", "데이비드워커"]]}, ensure_ascii=False),
    )
    result = CliRunner().invoke(main, ["eval", "rules/meetings.yaml", "--gold", str(gold), str(doc)])
    assert result.exit_code == 0, result.output
    assert "precision=1.000 recall=1.000 f1=1.000" in result.output


def test_evaluate_gold_file_inside_the_corpus_directory_is_not_a_document(tmp_path: Path) -> None:
    """The gold file kept beside the documents it grades is not read as a document (no E401 per line)."""
    _write(tmp_path, "c.txt", "한도윤 미르전자 회장이 데이비드 워커 블루웨이브 CEO와 회동했다.\n")
    gold = _write(
        tmp_path,
        "gold.jsonl",
        json.dumps({"doc": "c.txt", "meetings": [["한도윤", "데이비드워커"]]}, ensure_ascii=False),
    )
    result = CliRunner().invoke(main, ["eval", "rules/meetings.yaml", "--gold", str(gold), str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "E401" not in result.output and "gold.jsonl" not in result.output, result.output
    assert "MEETING: 1 document" in result.output and "precision=1.000 recall=1.000" in result.output


@pytest.mark.skipif(
    not (CORPUS / "news" / "meetings.gold.jsonl").exists(),
    reason="the development corpus /work/shared/corpus/news is not on this machine",
)
def test_evaluate_meetings_pack_reaches_targets_on_development_corpus(meetings_pack) -> None:
    news = CORPUS / "news"
    report = evaluate(
        meetings_pack,
        read_gold(news / "meetings.gold.jsonl"),
        [str(p) for p in sorted(news.glob("*.txt"))],
        read_names(CORPUS / "names.json"),
    )
    assert len(report.documents) >= 3
    assert report.precision >= 0.95, report.to_json()
    assert report.f1 >= 0.90, report.to_json()
