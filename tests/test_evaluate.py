"""koie eval: scoring against synthetic gold files written here (koie/measure/evaluate.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main
from koie.errors import KoieError
from koie.measure.evaluate import NameKey, evaluate, read_gold, read_names, render_report, score_pairs

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


def test_evaluate_names_listed_under_each_other_are_one_person() -> None:
    # a transliteration given under both spellings; a short alias both share joins nothing else
    names = {"하산 빈 라시드": ["하산 빈 라쉬드", "하산"], "하산 빈 라쉬드": ["하산 빈 라시드", "하산"]}
    key = NameKey({**names, "하산 알리": ["하산"]})
    assert key("하산 빈 라쉬드") == key("하산 빈 라시드") == key("하산")
    assert key("하산 알리") != key("하산 빈 라시드")


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


# ------------------------------------------------------------------ relations, direction, schemes, options

DEALS_RULES = [
    {"id": "org", "label": "ORG", "output": False, "pattern": "/NNP (?= (이/JKS | 을/JKO))"},
    {
        "id": "bought",
        "label": "ACQUISITION",
        "attrs": {"status": "asserted"},
        "pattern": "[ORG:acquirer] 이/JKS [ORG:target] 을/JKO 인수하/VV 었/EP",
    },
    {
        "id": "plans",
        "label": "ACQUISITION",
        "attrs": {"status": "planned"},
        "pattern": "[ORG:acquirer] 이/JKS [ORG:target] 을/JKO 인수하/VV 기/ETN",
    },
    {
        "id": "invested",
        "label": "INVESTMENT",
        "attrs": {"status": "asserted"},
        "pattern": "[ORG:investor] 이/JKS [ORG:investee] 을/JKO 투자하/VV",
    },
]
DEALS_RELATIONS = {
    "ACQUISITION": {"pairs": [["acquirer", "target"]]},
    "INVESTMENT": {"pairs": [["investor", "investee"]]},
}
BOUGHT = "{a}/NNP 이/JKS {b}/NNP 을/JKO 인수하/VV 었/EP 다/EF ./SF"
PLANS = "{a}/NNP 이/JKS {b}/NNP 을/JKO 인수하/VV 기/ETN 로/JKB 하/VV 었/EP 다/EF ./SF"
INVESTED = "{a}/NNP 이/JKS {b}/NNP 을/JKO 투자하/VV 었/EP 다/EF ./SF"


def _deals_pack(tmp_path: Path, **pack: object):
    from tests.helpers import notation_pack

    return notation_pack(tmp_path, DEALS_RULES, relations=DEALS_RELATIONS, **pack)


def _gold_lines(tmp_path: Path, *items: dict) -> Path:
    return _write(tmp_path, "gold.jsonl", "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))


def test_evaluate_directed_pairs_are_compared_in_order(tmp_path: Path) -> None:
    pack = _deals_pack(tmp_path)
    doc = _write(tmp_path, "d.txt", BOUGHT.format(a="다라", b="가나"))  # 다라 bought 가나
    gold = read_gold(_gold_lines(tmp_path, {"doc": "d.txt", "deals": [["가나", "다라"]]}), "deals")
    undirected = evaluate(pack, gold, [str(doc)], label="ACQUISITION", gold_key="deals")
    assert (undirected.true_positives, undirected.false_positives, undirected.false_negatives) == (1, 0, 0)
    directed = evaluate(pack, gold, [str(doc)], label="ACQUISITION", gold_key="deals", directed=True)
    assert (directed.true_positives, directed.false_positives, directed.false_negatives) == (0, 1, 1)
    assert "d.txt: 다라 → 가나 (rule bought)" in render_report(directed)
    assert "d.txt: 가나 → 다라" in render_report(directed)


def test_evaluate_directed_optional_pairs_count_neither_way(tmp_path: Path) -> None:
    pack = _deals_pack(tmp_path)
    doc = _write(tmp_path, "d.txt", BOUGHT.format(a="다라", b="가나"))
    gold = read_gold(_gold_lines(tmp_path, {"doc": "d.txt", "deals": [], "optional": [["가나", "다라"]]}), "deals")
    report = evaluate(pack, gold, [str(doc)], label="ACQUISITION", gold_key="deals", directed=True)
    assert (report.true_positives, report.false_positives, report.false_negatives) == (0, 0, 0)


SCHEME = """\
# the realdeals gold format, in small
directed: true
names: {ignore_parentheses: true}
optional: optional
keys:
  acq_asserted: {label: ACQUISITION, status: asserted}
  acq_planned: {label: ACQUISITION, status: planned}
  investments: {label: INVESTMENT, status_not: [negated]}
"""


def test_evaluate_scheme_scores_each_key_and_their_micro_average(tmp_path: Path) -> None:
    from koie.measure.scheme import read_scheme

    pack = _deals_pack(tmp_path)
    text = " || ".join(
        [BOUGHT.format(a="가나", b="다라"), PLANS.format(a="마바", b="사아"), INVESTED.format(a="자차", b="카타")]
    )
    doc = _write(tmp_path, "e01.txt", text)
    gold = _gold_lines(
        tmp_path,
        {
            "doc": "e01.txt",
            "acq_asserted": [["가나(GANA)", "다라"]],  # parenthesised parts are ignored
            "acq_planned": [["사아", "마바"]],  # the wrong direction: a miss and a false positive
            "investments": [["자차", "카타"], ["자차", "파하"]],
            "optional": [],
        },
    )
    scheme = read_scheme(_write(tmp_path, "deals.scheme.yaml", SCHEME))
    report = evaluate(pack, read_gold(gold, keys=[k.key for k in scheme.keys]), [str(doc)], scheme=scheme)
    assert report.counts("acq_asserted") == (1, 0, 0)
    assert report.counts("acq_planned") == (0, 1, 1)
    assert report.counts("investments") == (1, 0, 1)
    assert (report.true_positives, report.false_positives, report.false_negatives) == (2, 1, 2)
    shown = render_report(report)
    assert "e01.txt [acq_planned]: 마바 → 사아 (rule plans)" in shown
    assert "acq_planned: tp=0 fp=1 fn=1 precision=0.000 recall=0.000 f1=0.000" in shown
    assert "all keys: 1 documents, tp=2 fp=1 fn=2" in shown
    assert report.to_json()["keys"]["investments"]["recall"] == 0.5


@pytest.mark.parametrize(
    "scheme, line, col, fragment",
    [
        ("keys:\n  acq_asserd: {label: ACQUISITION}\n", 2, 3, "Did you mean 'acq_asserted'?"),
        ("keys:\n  acq_asserted: {label: ACQUISITION, roles: [acquirer, targt]}\n", 2, 56, "Did you mean 'target'?"),
        ("keys:\n  acq_asserted: {label: ACQUISITION, statuss: asserted}\n", 2, 38, "Did you mean 'status'?"),
        ("directed: yes please\nkeys: {}\n", 1, 11, "directed: true"),
        ("keys: [acq_asserted]\n", 1, 7, "keys: {GOLD_FIELD"),
    ],
)
def test_evaluate_scheme_file_mistakes_are_located(
    tmp_path: Path, scheme: str, line: int, col: int, fragment: str
) -> None:
    from koie.measure.evaluate import check_options
    from koie.measure.scheme import read_scheme

    pack = _deals_pack(tmp_path)
    gold = read_gold(
        _gold_lines(tmp_path, {"doc": "e01.txt", "acq_asserted": [], "acq_planned": []}), keys=["acq_asserted"]
    )
    path = _write(tmp_path, "bad.scheme.yaml", scheme)
    with pytest.raises(KoieError) as caught:
        check_options(pack, read_scheme(path), gold)
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == ("E407", line, col), diagnostic.render()
    assert fragment in diagnostic.render()


def test_evaluate_scheme_key_the_pack_cannot_fill_is_a_note(tmp_path: Path) -> None:
    """A scheme describes a gold format a pack may cover in part: such keys can only miss, and the report says so."""
    from koie.measure.evaluate import check_options
    from koie.measure.scheme import read_scheme

    pack = _deals_pack(tmp_path)
    gold = read_gold(
        _gold_lines(tmp_path, {"doc": "e01.txt", "acq_negated": [], "appointments": []}),
        keys=["acq_negated", "appointments"],
    )
    scheme = _write(
        tmp_path,
        "s.yaml",
        "keys:\n  acq_negated: {label: ACQUISITION, status: negatd}\n"
        "  appointments: {label: APPOINTMENT, roles: [o, p]}\n",
    )
    assert check_options(pack, read_scheme(scheme), gold) == [
        "no rule of label 'ACQUISITION' sets status 'negatd': key acq_negated can only miss",
        "no rule of the pack has the label 'APPOINTMENT': key appointments can only miss",
    ]


@pytest.mark.parametrize(
    "options, fragment",
    [
        (
            ["--label", "MEETNG"],
            "Invalid value for --label: no rule of the pack has the label 'MEETNG'. Did you mean 'MEETING'?",
        ),
        (["--roles", "subjct,object"], "no rule of label 'MEETING' fills role 'subjct'. Did you mean 'subject'?"),
        (["--roles", "guest"], "fills role 'guest'. roles of MEETING: date, object, participants, subject"),
        (["--gold-key", "meeting"], "no document of the gold file has the field 'meeting'. Did you mean 'meetings'?"),
        (["--status", "asserte"], "no rule of label 'MEETING' sets status 'asserte'. Did you mean 'asserted'?"),
        (["--roles", "a,b,c"], "give two roles separated by a comma"),
        (["--scheme", "s.yaml", "--label", "MEETING"], "--label: the scheme file says these"),
    ],
)
def test_evaluate_misspelt_options_are_usage_errors(tmp_path: Path, options: list[str], fragment: str) -> None:
    doc = _write(tmp_path, "c.txt", "한도윤 미르전자 회장이 데이비드 워커 블루웨이브 CEO와 회동했다.\n")
    gold = _write(tmp_path, "gold.jsonl", json.dumps({"doc": "c.txt", "meetings": []}))
    _write(tmp_path, "s.yaml", "keys: {meetings: {label: MEETING}}\n")
    options = [str(tmp_path / o) if o == "s.yaml" else o for o in options]
    result = CliRunner().invoke(main, ["eval", "rules/meetings.yaml", "--gold", str(gold), *options, str(doc)])
    assert result.exit_code == 2, result.output
    assert fragment in " ".join(result.output.split()), result.output
    assert "precision" not in result.output


def test_evaluate_follows_the_pack_relations_and_roles_override_them(tmp_path: Path) -> None:
    from tests.helpers import notation_pack

    rules = [
        {"id": "person", "label": "PERSON", "output": False, "pattern": "/NNP (?= 회장/NNG)"},
        {"id": "group", "label": "MEETING", "pattern": "([PERSON:participants] 회장/NNG /SP?)+ 이/JKS 회동하/VV"},
        {
            "id": "host",
            "label": "MEETING",
            "pattern": "[PERSON:host] 회장/NNG 은/JX [PERSON:guest] 회장/NNG 을/JKO 만나/VV",
        },
    ]
    text = " || ".join(
        [
            "가나/NNP 회장/NNG ,/SP 다라/NNP 회장/NNG ,/SP 마바/NNP 회장/NNG 이/JKS 회동하/VV 었/EP 다/EF ./SF",
            "사아/NNP 회장/NNG 은/JX 가나/NNP 회장/NNG 을/JKO 만나/VV 었/EP 다/EF ./SF",
        ]
    )
    doc = _write(tmp_path, "g.txt", text)
    gold = read_gold(
        _gold_lines(
            tmp_path,
            {"doc": "g.txt", "meetings": [["가나", "다라"], ["가나", "마바"], ["다라", "마바"], ["사아", "가나"]]},
        )
    )
    # the default relation: every two participants (host and guest are not subject and object)
    pack = notation_pack(tmp_path, rules)
    report = evaluate(pack, gold, [str(doc)])
    assert (report.true_positives, report.false_positives, report.false_negatives) == (3, 0, 1)
    # the pack declares its roles
    pack = notation_pack(
        tmp_path, rules, relations={"MEETING": {"pairs": [["host", "guest"]], "all_pairs": ["participants"]}}
    )
    report = evaluate(pack, gold, [str(doc)])
    assert (report.true_positives, report.false_positives, report.false_negatives) == (4, 0, 0)
    # --roles host,guest overrides the pack: the group no longer counts
    report = evaluate(pack, gold, [str(doc)], roles=[("host", "guest")])
    assert (report.true_positives, report.false_positives, report.false_negatives) == (1, 0, 3)


@pytest.mark.skipif(
    not (CORPUS / "realdeals" / "gold.jsonl").exists(),
    reason="the corpus /work/shared/corpus/realdeals is not on this machine",
)
def test_evaluate_scheme_runs_on_realdeals(tmp_path: Path) -> None:
    """The realdeals gold format, scored with a scheme and a small pack of our own: it runs and grades every key."""
    pack_path = _write(
        tmp_path,
        "deals.yaml",
        "rules:\n"
        "  - {id: org, label: ORG, output: false, pattern: '/NNP (?= (이 | 가 | 은 | 는 | 을 | 를))'}\n"
        "  - id: bought\n    label: ACQUISITION\n    attrs: {status: asserted}\n"
        "    pattern: '[ORG:acquirer] ~6 [ORG:target] ~2 인수하'\n"
        "  - id: invested\n    label: INVESTMENT\n    attrs: {status: asserted}\n"
        "    pattern: '[ORG:investor] ~6 [ORG:investee] ~2 투자하'\n"
        "  - id: appointed\n    label: APPOINTMENT\n    attrs: {status: asserted}\n"
        "    pattern: '[ORG:org] ~6 (?<person> /NNP) ~4 선임하'\n",
    )
    scheme = _write(
        tmp_path,
        "realdeals.scheme.yaml",
        "directed: true\nnames: {ignore_parentheses: true}\nkeys:\n"
        "  acq_asserted: {label: ACQUISITION, status: asserted, roles: [acquirer, target]}\n"
        "  acq_planned: {label: ACQUISITION, status: planned, roles: [acquirer, target]}\n"
        "  acq_negated: {label: ACQUISITION, status: negated, roles: [acquirer, target]}\n"
        "  inv_asserted: {label: INVESTMENT, status: asserted, roles: [investor, investee]}\n"
        "  inv_planned: {label: INVESTMENT, status: planned, roles: [investor, investee]}\n"
        "  appointments: {label: APPOINTMENT, status_not: [negated], roles: [org, person]}\n",
    )
    documents = sorted(str(p) for p in (CORPUS / "realdeals").glob("e*.txt"))
    result = CliRunner().invoke(
        main,
        [
            "eval",
            str(pack_path),
            "--scheme",
            str(scheme),
            "--gold",
            str(CORPUS / "realdeals" / "gold.jsonl"),
            *documents,
        ],
    )
    # the pack sets no planned or negated status: those keys can only miss, and the report says so
    assert result.exit_code == 0, result.output
    assert "note: no rule of label 'ACQUISITION' sets status 'planned': key acq_planned can only miss" in result.output
    assert "all keys: 31 documents" in result.output
    unknown_label = _write(
        tmp_path,
        "labels.scheme.yaml",
        "keys:\n  acq_asserted: {label: ACQUISITON, roles: [acquirer, target]}\n"
        "  appointments: {label: APPOINTMENT, roles: [org, person]}\n",
    )
    result = CliRunner().invoke(
        main,
        [
            "eval",
            str(pack_path),
            "--scheme",
            str(unknown_label),
            "--gold",
            str(CORPUS / "realdeals" / "gold.jsonl"),
            *documents,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "note: no rule of the pack has the label 'ACQUISITON' (Did you mean 'ACQUISITION'?)" in result.output
    lenient = _write(
        tmp_path,
        "lenient.scheme.yaml",
        "directed: true\nnames: {ignore_parentheses: true}\nkeys:\n"
        "  acq_asserted: {label: ACQUISITION, roles: [acquirer, target]}\n"
        "  inv_asserted: {label: INVESTMENT, roles: [investor, investee]}\n"
        "  appointments: {label: APPOINTMENT, roles: [org, person]}\n",
    )
    result = CliRunner().invoke(
        main,
        [
            "eval",
            str(pack_path),
            "--scheme",
            str(lenient),
            "--gold",
            str(CORPUS / "realdeals" / "gold.jsonl"),
            *documents,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "all keys: 31 documents" in result.output
    assert "appointments: tp=" in result.output
