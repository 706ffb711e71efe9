"""The command line, end to end (needs the Kiwi model)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "이재용 삼성전자 회장이 젠슨 황 엔비디아 CEO와 지난해 미국 실리콘밸리 일식집에서 만났다."


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_cli_run_finds_the_meeting_with_both_people(tmp_path) -> None:
    source = tmp_path / "doc.txt"
    source.write_text(SENTENCE, encoding="utf-8")
    result = invoke("run", "rules/meetings.yaml", str(source))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    meetings = [r for r in records if r["label"] == "MEETING"]
    assert len(meetings) == 1
    meeting = meetings[0]
    assert SENTENCE[meeting["start"] : meeting["end"]] == meeting["text"]
    people = {}
    for role in ("subject", "object"):
        value = meeting["args"][role]
        mention = value[0] if isinstance(value, list) else value
        assert mention["label"] == "PERSON"
        assert SENTENCE[mention["start"] : mention["end"]] == mention["text"]
        people[role] = mention["text"]
    assert people == {"subject": "이재용", "object": "젠슨 황"}
    assert meeting["analyzer"]["kiwipiepy"] == "0.24.1"


def test_cli_run_explain_shows_the_trace(tmp_path) -> None:
    result = invoke("run", "rules/meetings.yaml", "--explain", "-", input=SENTENCE)
    meeting = next(json.loads(line) for line in result.stdout.splitlines() if '"MEETING"' in line)
    explanation = meeting["explanation"]
    assert explanation["where"].startswith("rules/meetings.yaml:")
    notations = [f"{m['form']}/{m['tag']}" for step in explanation["steps"] for m in step["morphemes"]]
    assert "만나/VV" in notations
    assert any("filled_by" in step for step in explanation["steps"])


def test_cli_check_reports_unknown_label_with_caret() -> None:
    result = invoke("check", "tests/packs/persn.yaml")
    assert result.exit_code == 1
    err = result.stderr
    assert "tests/packs/persn.yaml:8:16: E201 unknown label 'PERSN'" in err
    assert "Did you mean 'PERSON'?" in err
    lines = err.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith('    pattern: "[PERSN'))
    assert lines[index + 1] == " " * 15 + "^" * 5
    assert "Traceback" not in result.output


def test_cli_run_with_bad_pack_exits_1_without_traceback() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "koie", "run", "tests/packs/persn.yaml", "-"],
        input="홍길동",
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert "E201" in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.parametrize("cache", ["--no-cache", "--cache"])
def test_cli_run_reports_unknown_setting_labels_with_or_without_the_cache(tmp_path, cache) -> None:
    """Labels under mentions, dates and carry are checked when the pack loads, whatever runs it.

    They used to be checked only by a run without the cache: ``koie check`` and a
    cached run (the default) took a misspelt label and ignored the setting.
    """
    output = tmp_path / "out.jsonl"
    where = [cache] + ([str(tmp_path / "cache.sqlite")] if cache == "--cache" else [])
    result = invoke(
        "run", "tests/bad_rules/unknown_setting_label.yaml", "-", "-o", str(output), *where, input="홍길동 회장이 왔다."
    )
    assert result.exit_code == 1
    assert "unknown_setting_label.yaml:3:3: E201 unknown label 'PERSN' under mentions" in result.stderr
    assert "unknown_setting_label.yaml:6:9: E201 unknown label 'DAET' under dates" in result.stderr
    assert not output.exists() and not list(tmp_path.glob("out.jsonl*"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "html"])
def test_cli_run_with_a_pack_that_does_not_compile_writes_nothing(tmp_path, fmt) -> None:
    """koie run compiles the rules while the first documents are analysed; a rule that does not
    resolve still gives its diagnostic with a caret and exit 1, as the pack's error (not a
    document's: the HTML report once called it E405 of each document), and no output file is left."""
    output = tmp_path / "out.txt"
    result = invoke(
        "run",
        "tests/bad_rules/unknown_label.yaml",
        "-",
        "-o",
        str(output),
        "--format",
        fmt,
        "--cache",
        str(tmp_path / "cache.sqlite"),
        input="홍길동 회장이 왔다.\n" * 3,
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("tests/bad_rules/unknown_label.yaml:8:16: E201 unknown label 'PERSN'")
    assert " " * 15 + "^" * 5 in result.stderr.splitlines()
    assert "E405" not in result.stderr
    assert not list(tmp_path.glob("out.txt*"))


def test_cli_debug_shows_traceback() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "koie", "--debug", "check", "tests/packs/persn.yaml"], capture_output=True, text=True
    )
    assert completed.returncode == 1


def test_cli_usage_error_exits_2() -> None:
    assert invoke("run").exit_code == 2
    assert invoke("frobnicate").exit_code == 2


def test_cli_test_passes_and_fails(tmp_path) -> None:
    assert invoke("test", "--no-properties", "examples/hello.yaml").exit_code == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        Path("examples/hello.yaml").read_text(encoding="utf-8").replace("(만나 | 회동하)", "(회동하)"), encoding="utf-8"
    )
    result = invoke("test", "--no-properties", str(broken))
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "met match" in result.stdout


def test_cli_explain_shows_analysis_matches_and_why_not() -> None:
    result = invoke("explain", "examples/hello.yaml", "홍길동 사장이 김철수 대표와 통화했다.")
    assert result.exit_code == 0
    assert "홍길동/NNP" in result.stdout
    assert "not matched:" in result.stdout and "rule met" in result.stdout
    assert "expected" in result.stdout


def test_cli_tokenize() -> None:
    result = invoke("tokenize", "회장이 만났다")
    assert result.stdout.strip() == "회장/NNG+이/JKS 만나/VV+었/EP+다/EF"


def test_cli_formats(tmp_path) -> None:
    text = "홍길동 사장이 김철수 대표와 만났다."
    table = invoke("run", "examples/hello.yaml", "--format", "table", "-", input=text)
    assert "MEETING" in table.stdout and "subject=홍길동" in table.stdout
    rows = list(
        csv.DictReader(io.StringIO(invoke("run", "examples/hello.yaml", "--format", "csv", "-", input=text).stdout))
    )
    assert rows[0]["label"] == "MEETING" and json.loads(rows[0]["args"])["object"]["text"] == "김철수"
    out = tmp_path / "out.jsonl"
    assert invoke("run", "examples/hello.yaml", "-o", str(out), "-", input=text).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["label"] == "MEETING"


def test_cli_jsonl_input_and_directories(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "a.txt").write_text("홍길동 사장이 김철수 대표와 만났다.", encoding="utf-8")
    (corpus / "b.jsonl").write_text(
        json.dumps({"id": "doc-b", "text": "이영희 회장이 박민수 대표와 만났다."}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = invoke("run", "examples/hello.yaml", str(corpus))
    docs = [json.loads(line)["doc"] for line in result.stdout.splitlines()]
    assert docs == ["doc-b", str(corpus / "sub" / "a.txt")]


def test_cli_bad_documents_are_reported_and_skipped(tmp_path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa broken")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "good.txt").write_text("홍길동 사장이 김철수 대표와 만났다.", encoding="utf-8")
    result = invoke("run", "examples/hello.yaml", str(tmp_path))
    assert result.exit_code == 1
    assert "E401" in result.stderr and "byte 0" in result.stderr
    assert [json.loads(line)["label"] for line in result.stdout.splitlines()] == ["MEETING"]


def test_cli_python_m_koie() -> None:
    completed = subprocess.run([sys.executable, "-m", "koie", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0 and "tokenize" in completed.stdout


def test_cli_check_test_and_explain_reuse_the_cache_without_the_model(tmp_path, monkeypatch) -> None:
    """A second check, test or explain with the same cache needs no Kiwi call: the literals, the
    pattern trees and the texts come from the cache, and the output is what the first run gave."""
    import koie.analysis.kiwi as analysis

    cache = str(tmp_path / "analyses.sqlite")
    commands = [
        ["check", "examples/hello.yaml"],
        ["test", "examples/hello.yaml", "--no-properties", "-v"],
        ["explain", "examples/hello.yaml", "홍길동 사장이 김철수 대표와 만났다."],
    ]
    first = [invoke(*command, "--cache", cache) for command in commands]
    assert [result.exit_code for result in first] == [0, 0, 0], [r.output for r in first]

    def no_kiwi(*_args, **_kwargs):
        raise AssertionError("Kiwi was asked for an analysis the cache holds")

    for method in ("analyze_many", "analyze_fragment", "scored_alternatives", "analyze_stream"):
        monkeypatch.setattr(analysis.KiwiAnalyzer, method, no_kiwi)
    again = [invoke(*command, "--cache", cache) for command in commands]
    assert [result.output for result in again] == [result.output for result in first]
    without = invoke("check", "examples/hello.yaml", "--no-cache")  # the stand-in above is asked
    assert without.exit_code == 1 and "cache holds" in without.output


def test_cli_no_cache_writes_no_cache_file(tmp_path) -> None:
    cache = tmp_path / "analyses.sqlite"
    for command in (["check", "examples/hello.yaml"], ["explain", "examples/hello.yaml", "홍길동 사장이 왔다."]):
        result = invoke(*command, "--cache", str(cache), "--no-cache")
        assert result.exit_code == 0, result.output
    assert not cache.exists()
    assert invoke("check", "examples/hello.yaml", "--cache", str(cache)).exit_code == 0
    assert cache.exists()


#: Written for koie. Rule by rule, 신승현 is a PERSON only in the second sentence (before 상무); Kiwi
#: reads the first 신승현 as 신승/NNG 현/MM, so the first sentence's meeting has a repeated mention
#: (mentions: {PERSON: {repeat: true}}) in its object slot.
REPEATED = (
    "정시우 상무와 신승현 대표의 회동은 서울 여의도에서 열렸다. "
    "업계에 따르면, 신승현 상무는 서도윤 솔빛건설 CEO를 찾아 사업을 논의했다."
)


def _repeated_fillers(explanation: dict) -> list[dict]:
    return [s["filled_by"] for s in explanation["steps"] if "repeat_of" in s.get("filled_by", {})]


def test_cli_run_explain_a_slot_filled_by_a_repeated_mention() -> None:
    """--explain once failed the document (E405 KeyError: 'repeat:PERSON'): the explanation looked the
    filler's rule up in the pack. Now the filler says which mention it repeats and which rule found it."""
    result = invoke("run", "tests/packs/repeated.yaml", "--explain", "--no-cache", "-", input=REPEATED)
    assert result.exit_code == 0, result.stderr
    assert "E405" not in result.stderr
    explained = [json.loads(line) for line in result.stdout.splitlines()]
    fillers = [f for record in explained for f in _repeated_fillers(record["explanation"])]
    assert fillers, "the meeting's slot is filled by a repeated mention"
    first = REPEATED.index("신승현")
    second = REPEATED.index("신승현", first + 1)
    assert {(f["rule"], f["text"], f["start"]) for f in fillers} == {("repeat:PERSON", "신승현", first)}
    repeated = fillers[0]["repeat_of"]
    assert (repeated["text"], repeated["start"], repeated["end"]) == ("신승현", second, second + 3)
    assert repeated["where"].startswith("tests/packs/repeated.yaml:") and not repeated["rule"].startswith("repeat:")
    # the records are those of a run without --explain
    plain = invoke("run", "tests/packs/repeated.yaml", "--no-cache", "-", input=REPEATED).stdout.splitlines()
    assert [{k: v for k, v in r.items() if k != "explanation"} for r in explained] == [json.loads(x) for x in plain]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_explain_a_slot_filled_by_a_repeated_mention(fmt: str) -> None:
    """koie explain once ended in "internal error: KeyError: 'repeat:PERSON'" on this text."""
    result = invoke("explain", "tests/packs/repeated.yaml", REPEATED, "--format", fmt, "--no-cache")
    assert result.exit_code == 0, result.output
    second = REPEATED.index("신승현", REPEATED.index("신승현") + 1)
    if fmt == "text":
        assert f"(a repeated mention of the PERSON '신승현' [{second}:{second + 3}], found by rule " in result.stdout
        return
    data = json.loads(result.stdout)
    fillers = [f for match in data["matches"] for f in _repeated_fillers(match["explanation"])]
    assert fillers and all(f["repeat_of"]["start"] == second for f in fillers)


def test_cli_tunes_the_collector_for_its_run_and_library_calls_never_do(tmp_path, monkeypatch) -> None:
    """gc tuning is koie run's process setup: extract, run_corpus, koie.dask and profile_pack leave the
    collector as the caller set it (extract once switched it off, and run_corpus raised its thresholds);
    the command switches it off for its run."""
    import gc

    import koie
    from koie.dask import _partition_records
    from koie.measure.profile import profile_pack
    from koie.run.records import RecordOptions
    from koie.run.runner import run_corpus

    calls: list[str] = []
    for name in ("disable", "enable", "set_threshold", "freeze"):
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda *args, name=name, real=real: calls.append(name) or real(*args))
    pack = koie.load("examples/hello.yaml")
    text = "홍길동 사장이 김철수 대표와 만났다."
    assert len(pack.extract(text)) == 1
    source = tmp_path / "doc.txt"
    source.write_text(text, encoding="utf-8")
    assert run_corpus(pack, (str(source),), output=str(tmp_path / "out.jsonl"), quiet=True).records == 1
    assert len(list(_partition_records([{"id": "a", "text": text}], pack, RecordOptions()))) == 1
    assert profile_pack(pack, [text]).rules
    assert calls == []
    seen: list[bool] = []
    monkeypatch.setattr(
        "koie.run.runner.run_corpus", lambda *args, **kwargs: seen.append(gc.isenabled()) or run_corpus(*args, **kwargs)
    )
    assert invoke("run", "examples/hello.yaml", str(source), "-q").exit_code == 0
    assert seen == [False] and gc.isenabled()  # off for the run, on again afterwards


@pytest.mark.parametrize("command", ["explain", "test"])
def test_cli_unknown_rule_is_a_usage_error_with_the_closest_id(command: str) -> None:
    """--rule with an id the pack lacks: exit 2 and "Did you mean", not an internal error or 0 tests passed."""
    if command == "explain":
        args = ["explain", "examples/hello.yaml", "홍길동 사장이 김철수 대표와 만났다."]
    else:
        args = ["test", "--no-properties", "examples/hello.yaml"]
    result = CliRunner().invoke(main, [*args, "--rule", "mett"])
    assert result.exit_code == 2, result.output
    assert "no rule 'mett'. Did you mean 'met'?" in result.stderr
    assert "internal error" not in result.output
    far = CliRunner().invoke(main, [*args, "--rule", "zzz"])
    assert far.exit_code == 2 and "The rules: met, person-before-title." in far.stderr


def test_cli_run_directory_skips_a_jsonl_file_that_holds_no_documents(tmp_path) -> None:
    """A gold file beside the corpus is noted (W410) and skipped; koie's own JSON Lines inputs are read."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("홍길동 사장이 김철수 대표와 만났다.", encoding="utf-8")
    (corpus / "gold.jsonl").write_text(
        json.dumps({"doc": "a.txt", "meetings": [["홍길동", "김철수"]]}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (corpus / "more.jsonl").write_text(
        json.dumps({"id": "doc-b", "text": "이영희 회장이 박민수 대표와 만났다."}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["run", "examples/hello.yaml", str(corpus), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert f"{corpus / 'gold.jsonl'}: W410 skipped" in result.stderr
    assert [json.loads(line)["doc"] for line in result.stdout.splitlines()] == [str(corpus / "a.txt"), "doc-b"]
    # named on its own, the file is read as documents, and its lines are reported
    named = CliRunner().invoke(main, ["run", "examples/hello.yaml", str(corpus / "gold.jsonl"), "--no-cache"])
    assert named.exit_code == 1 and "E401 line 1 has no string field 'text'" in named.stderr


def test_cli_table_shows_resolved_names_and_attrs() -> None:
    """이 회장 is 이도윤: the table says 이(이도윤); the attrs column shows asserted, planned or negated."""
    text = "이도윤 한빛전자 회장은 19일 최유진 대표와 만났다. 이 회장은 다음 달 박지훈 사장과 만날 예정이다.\n"
    result = invoke("run", "-q", "--format", "table", "rules/meetings.yaml", "-", input=text)
    header, _rule, *rows = result.stdout.splitlines()
    assert header.split() == ["doc", "label", "rule", "span", "text", "args", "attrs"]
    meetings = [row for row in rows if "MEETING" in row]
    assert "subject=[이(이도윤)]" in meetings[1] and meetings[1].rstrip().endswith("status=planned")
    assert meetings[0].rstrip().endswith("status=asserted") and "subject=[이도윤]" in meetings[0]


def test_cli_test_reproduce_line_is_shell_quoted(tmp_path) -> None:
    """A rule id `x; touch /tmp/p #` in the reproduce: line once ran touch when the line was pasted."""
    import shlex

    pack = tmp_path / "my pack.yaml"
    source = (ROOT / "tests" / "property" / "packs" / "visits.koie.yaml").read_text(encoding="utf-8")
    broken = source.replace("(이 | 은) @CITY", "(이) @CITY").replace("id: visit\n", "id: 'visit; touch p #'\n")
    assert broken != source and "visit; touch p #" in broken
    pack.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(pack), "--seed", "1", "--max-examples", "8", "--no-cache"])
    assert result.exit_code == 1, result.output
    line = next(line.strip() for line in result.output.splitlines() if "reproduce: " in line)
    command = line.removeprefix("reproduce: ")
    assert shlex.split(command) == ["koie", "test", str(pack), "--rule", "visit; touch p #", "--seed", "1"]
