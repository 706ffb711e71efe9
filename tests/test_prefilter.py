"""koie.run.prefilter and --labels: skipped documents are exactly documents without records of the labels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import koie
from koie.analysis.morphemes import AnalyzedDocument
from koie.cli import main
from koie.errors import KoieError
from koie.lang.surface import fold
from koie.run.runner import run_corpus
from koie.testing.generate import Unsupported, sentences_for

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
#: The corpora the identity is checked on: the examples, and the shared corpora where they exist.
CORPORA = [ROOT / "examples" / "news"] + [SHARED / name for name in ("news", "realnews", "realdeals")]


def _texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for corpus in CORPORA for path in sorted(corpus.glob("*.txt"))]


def _records_by_label(pack: koie.Pack, text: str | AnalyzedDocument) -> dict[str, int]:
    extraction = pack.extract_document(text)
    counts: dict[str, int] = {}
    for record in [*extraction.records, *extraction.suppressed]:
        counts[record.label] = counts.get(record.label, 0) + 1
    return counts


def _assert_skips_only_empty(pack: koie.Pack, texts: list[str] | list[AnalyzedDocument]) -> tuple[int, int]:
    """For every label of the pack: a text the pre-filter skips has no record of it (hidden and
    suppressed ones included). Returns (texts skipped for some label, records seen)."""
    labels = sorted(pack.atoms.labels)
    prefilters = {label: pack.prefilter([label]) for label in labels}
    skipped = records = 0
    for item in texts:
        counts = _records_by_label(pack, item)
        text = item if isinstance(item, str) else item.text
        records += sum(counts.values())
        for label, prefilter in prefilters.items():
            if not prefilter.admits(text):
                skipped += 1
                assert counts.get(label, 0) == 0, (label, text[:200])
    return skipped, records


@pytest.fixture(scope="module")
def corpora_analysed(kiwi) -> list[AnalyzedDocument]:  # type: ignore[no-untyped-def]
    """The corpora analysed once (neither shipped pack adds user words: the analyses are theirs)."""
    return kiwi.analyze_many(_texts())


@pytest.mark.kiwi
@pytest.mark.parametrize("rules", ["rules/meetings.yaml", "examples/hello.yaml"])
def test_prefilter_skips_only_documents_without_records_on_the_corpora(rules: str, corpora_analysed) -> None:
    pack = koie.load(ROOT / rules)
    assert not pack.compiled.resolved.user_words
    skipped, records = _assert_skips_only_empty(pack, corpora_analysed)
    assert records and skipped  # neither side of the claim is empty


@pytest.mark.kiwi
def test_prefilter_skips_only_documents_without_records_on_sentences_of_the_examples(meetings_pack) -> None:
    """Each example sentence of the pack alone, and all of a rule's examples as one document."""
    texts: list[str] = []
    for rule in meetings_pack.spec.rules:
        sentences = [example.text for example in rule.match_examples]
        sentences += [text for text, _place in rule.no_match_examples]
        texts += sentences + [" ".join(sentences)]
    _skipped, records = _assert_skips_only_empty(meetings_pack, texts)
    assert records


#: Sentences of other news, written for this test: they pad generated documents.
OTHER = [
    "코스피는 전 거래일보다 12.3포인트 오른 2650.1에 장을 마쳤다.",
    "기상청에 따르면 내일 서울에는 10~40㎜의 비가 내릴 전망이다.",
    "한빛 이글스는 잠실에서 열린 경기에서 누리 타이거즈를 5대 3으로 꺾었다.",
    "국회는 본회의를 열고 도로교통법 개정안을 가결했다.",
    "새 노트북은 20시간 쓸 수 있는 배터리를 갖췄다.",
    "시장에서는 3조 원 규모의 투자가 이어질 것으로 본다.",
]


def _generatable(pack: koie.Pack) -> list[str]:
    return [rule.id for rule in pack.spec.rules if rule.output]


@pytest.mark.kiwi
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_prefilter_property_generated_documents(meetings_pack, data: st.DataObject) -> None:
    """Documents of sentences koie's generator writes for the pack's rules, among other news: for
    every label, a document with a record holds one of the label's atoms (so skipping it loses nothing)."""
    rule_ids = _generatable(meetings_pack)
    pieces: list[str] = []
    for _ in range(data.draw(st.integers(1, 3))):
        rule_id = data.draw(st.sampled_from(rule_ids))
        try:
            pieces.append(data.draw(sentences_for(meetings_pack, rule_id)).text)
        except Unsupported:
            continue
        pieces.append(data.draw(st.sampled_from(OTHER)))
    text = "\n".join(data.draw(st.permutations(pieces))) if pieces else OTHER[0]
    counts = _records_by_label(meetings_pack, text)
    for label, count in counts.items():
        if count:
            assert meetings_pack.prefilter([label]).admits(text), (label, text)


def test_prefilter_folds_as_the_analyser_reads(hello_pack) -> None:
    """Full-width Latin is read as ASCII, spaces do not split an atom, case does not matter."""
    prefilter = hello_pack.prefilter(["PERSON"])  # PERSON needs a title: 회장, 사장, CEO …
    assert prefilter.admits("홍길동 ＣＥＯ가 왔다.") and prefilter.admits("홍길동 ceo가 왔다.")
    assert fold("회 장") == "회장" and not prefilter.admits("코스피가 올랐다.")


def test_prefilter_unknown_label_is_a_koie_error(hello_pack) -> None:
    with pytest.raises(KoieError, match="MEETNG") as caught:
        hello_pack.prefilter(["MEETNG"])
    assert caught.value.diagnostics[0].code == "E201" and "MEETING" in (caught.value.diagnostics[0].suggestion or "")


def test_prefilter_api_extract_with_labels(hello_pack) -> None:
    text = "홍길동 사장이 김철수 대표와 만났다."
    assert [r.label for r in hello_pack.extract(text, labels=["MEETING"])] == ["MEETING"]
    assert hello_pack.extract("코스피가 올랐다.", labels=["MEETING"]) == []


def _write_corpus(directory: Path) -> Path:
    directory.mkdir()
    texts = [
        "홍길동 한빛전자 사장이 김철수 누리소프트 대표와 만났다.\n",
        "코스피가 올랐다.\n기상청은 비가 온다고 밝혔다.\n",
        "박서준 회장은 출국했다. 이어 데이비드 워커 블루웨이브 CEO와 회동했다.\n",
        "한빛 이글스가 이겼다.\n",
    ]
    for index, text in enumerate(texts):
        (directory / f"d{index}.txt").write_text(text, encoding="utf-8")
    return directory


@pytest.mark.kiwi
def test_prefilter_run_corpus_records_identical_with_and_without(tmp_path: Path, meetings_pack, capsys) -> None:
    corpus = _write_corpus(tmp_path / "corpus")
    outputs = {}
    for name, labels, prefilter in (
        ("all", None, True),
        ("on", frozenset({"MEETING"}), True),
        ("off", frozenset({"MEETING"}), False),
    ):
        out = tmp_path / f"{name}.jsonl"
        summary = run_corpus(meetings_pack, (str(corpus),), output=str(out), labels=labels, prefilter=prefilter)
        outputs[name] = out.read_text(encoding="utf-8")
        if name == "on":
            assert summary.skipped == 2 and summary.documents == 4
    meetings = "".join(line + "\n" for line in outputs["all"].splitlines() if json.loads(line)["label"] == "MEETING")
    assert outputs["on"] == outputs["off"] == meetings and meetings
    assert "4 documents (2 skipped by the pre-filter)" in capsys.readouterr().err


@pytest.mark.kiwi
def test_prefilter_cli_labels(tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "corpus")
    runner = CliRunner()
    result = runner.invoke(main, ["run", "examples/hello.yaml", str(corpus), "--labels", "MEETING", "--no-cache"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and {row["label"] for row in rows} == {"MEETING"}
    assert "koie: 4 documents (2 skipped by the pre-filter)" in result.stderr
    wrong = runner.invoke(main, ["run", "examples/hello.yaml", str(corpus), "--labels", "MEETNG", "--no-cache"])
    assert wrong.exit_code == 1 and "E201" in wrong.stderr and "Did you mean 'MEETING'?" in wrong.stderr


@pytest.mark.kiwi
def test_prefilter_cli_unfilterable_label_analyses_everything_and_says_why(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "name: t\nrules:\n  - id: names\n    label: NAME\n    pattern: /NNP\n"
        "  - id: met\n    label: MET\n    pattern: '[NAME] ~3 만나'\n",
        encoding="utf-8",
    )
    corpus = _write_corpus(tmp_path / "corpus")
    result = CliRunner().invoke(main, ["run", str(pack), str(corpus), "--labels", "NAME,MET", "--no-cache"])
    assert result.exit_code == 0, result.output
    reason = "no literal every match needs: /NNP (a tag test)"
    assert f"NAME cannot be pre-filtered (rule 'names': {reason})" in result.stderr
    assert "(0 skipped by the pre-filter)" in result.stderr


@pytest.mark.kiwi
def test_prefilter_python_matcher_gives_the_same_records(tmp_path: Path) -> None:
    """KOIE_MATCHER=python: the pre-filter does not depend on the matcher, the records are the same."""
    outputs = []
    for matcher, labels in (("python", ["--labels", "MEETING"]), ("native", [])):
        env = {**os.environ, "KOIE_NO_PROGRESS": "1"}
        if matcher == "python":
            env["KOIE_MATCHER"] = "python"
        done = subprocess.run(
            [sys.executable, "-m", "koie", "run", "rules/meetings.yaml", "examples/news", "-q", "--no-cache", *labels],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        outputs.append(done.stdout)
    meetings = "".join(line + "\n" for line in outputs[1].splitlines() if json.loads(line)["label"] == "MEETING")
    assert outputs[0] == meetings and meetings


@pytest.mark.kiwi
def test_prefilter_dask_records_with_labels(tmp_path: Path) -> None:
    pytest.importorskip("dask.bag")
    import dask.bag as db

    import koie.dask

    corpus = _write_corpus(tmp_path / "corpus")
    pack = koie.load("examples/hello.yaml")
    local = tmp_path / "local.jsonl"
    run_corpus(pack, (str(corpus),), output=str(local), quiet=True, labels=frozenset({"MEETING"}))
    texts = [{"id": str(path), "text": path.read_text(encoding="utf-8")} for path in sorted(corpus.glob("*.txt"))]
    bag = koie.dask.records_bag(pack, db.from_sequence(texts, npartitions=2), labels=["MEETING"])
    rows = bag.compute(scheduler="sync")
    expected = [json.loads(line) for line in local.read_text(encoding="utf-8").splitlines()]
    assert [(r["label"], r["text"]) for r in rows] == [(r["label"], r["text"]) for r in expected] and rows


@pytest.mark.kiwi
def test_prefilter_check_and_profile_name_the_unfilterable_rule(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text("name: t\nrules:\n  - id: names\n    label: NAME\n    pattern: /NNP\n", encoding="utf-8")
    checked = CliRunner().invoke(main, ["check", str(pack), "--no-cache"])
    assert checked.exit_code == 0
    assert "note: --labels NAME cannot skip documents: rule 'names' has no literal every match needs" in checked.stderr
    assert "0 errors, 1 warning, 1 note" in checked.stderr
    corpus = _write_corpus(tmp_path / "corpus")
    profiled = CliRunner().invoke(main, ["profile", str(pack), str(corpus), "--no-cache"])
    assert profiled.exit_code == 0 and "--labels NAME cannot skip documents: rule 'names'" in profiled.stdout
    atoms = CliRunner().invoke(main, ["check", "--atoms", "examples/hello.yaml", "--no-cache"])
    assert "MEETING: 만[나-냏] 회동" in atoms.stdout
