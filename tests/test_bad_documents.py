"""Bad documents never stop a corpus run: each is reported with its id and every other one is processed.

Most tests use :class:`WordAnalyzer`, a stand-in that makes one morpheme per
whitespace-separated word, so they need no Kiwi model and stay fast; one test
checks offsets through real Kiwi on emoji, Hanja, a BOM and CRLF.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from word_analyzer import WordAnalyzer

from koie.api import Pack
from koie.report.sink import HtmlSink
from koie.run.inputs import decode_items, read_inputs
from koie.run.runner import run_corpus

PACK = """\
rules:
  - id: chair
    label: CHAIR
    pattern: . 회장/NNG
"""


@pytest.fixture()
def word_pack(tmp_path: Path) -> Pack:
    path = tmp_path / "pack.yaml"
    path.write_text(PACK, encoding="utf-8")
    return Pack.load(path, WordAnalyzer())


#: name → (bytes, what the run must say about it: None = processed, else the problem code)
BAD = {
    "01-empty.txt": (b"", "E402"),
    "02-blank.txt": (b" \n\t\n", "E402"),
    "03-binary.txt": (bytes(range(256)) * 8, "E401"),
    "04-invalid.txt": ("홍길동 회장".encode() + b" \xff\xfe " + "김 회장".encode(), "E401"),
    "05-utf16.txt": ("홍길동 회장".encode("utf-16"), "E401"),
    "06-bom.txt": (b"\xef\xbb\xbf" + "홍길동 회장 왔다".encode(), None),
    "07-crlf.txt": ("첫 줄\r\n홍길동 회장\r\n".encode(), None),
    "08-nul.txt": ("가\x00 홍길동 회장".encode(), None),
    "09-emoji-hanja.txt": ("😀🇰🇷 李 회장 漢字 홍길동 회장".encode(), None),
    "10-good.txt": ("홍길동 회장".encode(), None),
}


def _corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "corpus"
    directory.mkdir()
    for name, (data, _code) in BAD.items():
        (directory / name).write_bytes(data)
    return directory


def test_bad_documents_reported_and_others_processed(
    word_pack: Pack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = run_corpus(word_pack, (str(corpus),), output=str(out), errors_file=str(errors))
    stderr = capsys.readouterr().err
    reported = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    expected = {str(corpus / name): code for name, (_data, code) in BAD.items() if code}
    assert {(p["doc"], p["code"]) for p in reported} == set(expected.items())
    for problem in reported:
        assert f"{problem['doc']}: {problem['code']}" in stderr
    assert summary.failed  # E401s make the exit code 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    processed = {str(corpus / name) for name, (_data, code) in BAD.items() if code is None}
    assert {r["doc"] for r in records} == processed
    assert summary.documents == len(processed)
    # offsets are sacred: every record's span is its text in the document as decoded
    for record in records:
        text = Path(record["doc"]).read_bytes().decode("utf-8-sig")
        assert text[record["start"] : record["end"]] == record["text"]
        assert record["text"].endswith("회장")


def test_bad_documents_bom_is_not_part_of_the_text() -> None:
    (document,) = decode_items(b"\xef\xbb\xbf" + "홍길동".encode(), "d")
    assert document.text == "홍길동"  # offset 0 is the first character after the BOM


def test_bad_documents_crlf_offsets_count_both_characters(word_pack: Pack) -> None:
    text = "첫 줄\r\n홍길동 회장\r\n"
    (record,) = word_pack.extract(text)
    assert (record.start, record.end) == (text.index("홍길동"), text.index("회장") + 2)


def test_bad_documents_invalid_utf8_reports_byte_offset() -> None:
    data = "가나\n다".encode() + b"\xff" + "라".encode()
    (problem,) = decode_items(data, "d")
    assert problem.code == "E401"
    assert "at byte 10 (line 2)" in problem.message and "--lossy" in problem.message


def test_bad_documents_lossy_keeps_one_character_per_bad_byte() -> None:
    data = "홍길동".encode() + b"\xe2\x82" + " 회장".encode()  # a truncated 3-byte character
    warning, document = decode_items(data, "d", errors="replace")
    assert warning.code == "W401" and "2 undecodable bytes" in warning.message
    assert document.text == "홍길동\ufffd\ufffd 회장"  # Python's own "replace" would give one U+FFFD


def test_bad_documents_lossy_run_processes_and_warns(word_pack: Pack, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = run_corpus(
        word_pack, (str(corpus / "04-invalid.txt"),), output=str(out), errors_file=str(errors), lossy=True, quiet=True
    )
    assert not summary.failed
    (problem,) = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert problem["code"] == "W401"
    text = (corpus / "04-invalid.txt").read_bytes().decode("utf-8", errors="koie-replace")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in records] == ["홍길동 회장", "김 회장"]
    assert all(text[r["start"] : r["end"]] == r["text"] for r in records)


def test_bad_documents_other_encoding(word_pack: Pack, tmp_path: Path) -> None:
    path = tmp_path / "cp949.txt"
    path.write_bytes("홍길동 회장".encode("cp949"))
    assert [p.code for p in read_inputs((str(path),))] == ["E401"]
    (document,) = read_inputs((str(path),), encoding="cp949")
    assert document.text == "홍길동 회장"  # type: ignore[union-attr]


def test_bad_documents_jsonl_bad_lines_skipped(word_pack: Pack, tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps({"id": "a", "text": "홍길동 회장"}, ensure_ascii=False).encode()
        + b"\n{not json\n"
        + b'{"id": "c"}\n'
        + b'{"id": "d", "text": "\xff"}\n'
        + json.dumps({"id": "e", "text": "김 회장"}, ensure_ascii=False).encode()
        + b"\n"
    )
    items = list(read_inputs((str(path),)))
    assert [(i.id, getattr(i, "code", None)) for i in items] == [
        ("a", None),
        (f"{path}:2", "E401"),
        (f"{path}:3", "E401"),
        (f"{path}:4", "E401"),
        ("e", None),
    ]


@pytest.mark.parametrize("lossy", [False, True])
def test_bad_documents_jsonl_lone_surrogates(hello_pack: Pack, tmp_path: Path, lossy: bool) -> None:
    """JSON can spell a lone surrogate ("\\ud800"), which no UTF-8 output holds: it once stopped the
    whole run when a record's text took it in. Now it is E401 (the document is skipped), or with
    --lossy U+FFFD in its place (W401), one character for one, so offsets stay those of the input."""
    path = tmp_path / "docs.jsonl"
    path.write_text(
        '{"id": "a", "text": "홍길동 회장이 \\ud800 김철수 대표와 만났다."}\n'
        '{"id": "b\\udc80", "text": "이영희 사장이 왔다."}\n',
        encoding="utf-8",
    )
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = run_corpus(
        hello_pack, (str(path),), output=str(out), errors_file=str(errors), quiet=True, lossy=lossy, include_hidden=True
    )
    problems = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [(p["doc"], p["code"]) for p in problems] == [("a", "W401" if lossy else "E401")]
    assert "lone surrogate (\\ud800) at character 8" in problems[0]["message"]
    assert summary.documents == 1 + lossy
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["doc"] for r in records} == ({"a", "b\ufffd"} if lossy else {"b\ufffd"})
    text = "홍길동 회장이 \ufffd 김철수 대표와 만났다."
    for record in records:
        if record["doc"] == "a":
            assert text[record["start"] : record["end"]] == record["text"]


def test_analysis_takes_a_lone_surrogate_one_for_one(hello_pack: Pack) -> None:
    """Kiwi fails on a lone surrogate; the analysis sees U+FFFD in its place, offsets unchanged."""
    text = "홍길동 사장이 \ud800 김철수 대표와 만났다."
    document = hello_pack.analyze(text)
    assert document.text == text
    assert [m.form for s in document.sentences for m in s.morphemes][:2] == ["홍길동", "사장"]
    assert all(0 <= m.start <= m.end <= len(text) for s in document.sentences for m in s.morphemes)


def test_bad_documents_exit_code_and_errors_file_from_cli(tmp_path: Path) -> None:
    """The CLI path: --errors writes JSON Lines with the document id; exit 1 when a document failed."""
    from koie.cli import main

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    (corpus / "b.txt").write_bytes(b"")
    result = CliRunner().invoke(
        main, ["run", "examples/hello.yaml", str(corpus), "--errors", str(tmp_path / "e.jsonl"), "-q", "--no-cache"]
    )
    assert result.exit_code == 1, result.output
    problems = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert [(p["doc"], p["code"]) for p in problems] == [
        (str(corpus / "a.txt"), "E401"),
        (str(corpus / "b.txt"), "E402"),
    ]


def test_bad_documents_large_single_line_and_many_sentences(word_pack: Pack, tmp_path: Path) -> None:
    """A 20 MB single-line document and a document of 100,000 sentences go through the runner.

    Before the overlap policy compared records within their sentence only,
    the 100,000-sentence document took 282 s here (quadratic); now ~8 s.
    """
    big = tmp_path / "big"
    big.mkdir()
    unit = "가" * 5000 + " 홍길동 회장 "  # long words keep the stand-in analyser light
    line = unit * (20_000_000 // len(unit.encode()))
    (big / "a-one-line.txt").write_text(line, encoding="utf-8")
    (big / "b-sentences.txt").write_text("홍길동 회장\n" * 100_000, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_corpus(word_pack, (str(big),), output=str(out), quiet=True)
    assert not summary.problems and summary.documents == 2
    assert summary.records == line.count("회장") + 100_000
    with out.open(encoding="utf-8") as handle:
        last = json.loads(handle.readline())
    assert line[last["start"] : last["end"]] == "홍길동 회장"


def test_bad_documents_memory_bounded_by_largest_document(word_pack: Pack, tmp_path: Path) -> None:
    """Peak memory of a run over many documents stays near that of two batches, not the corpus."""
    corpus = tmp_path / "many"
    corpus.mkdir()
    body = "홍길동 회장 " * 20
    for index in range(320):  # ten batches
        (corpus / f"{index:04d}.txt").write_text(body, encoding="utf-8")

    def peak(paths: tuple[str, ...]) -> int:
        tracemalloc.start()
        run_corpus(word_pack, paths, output=str(tmp_path / "out.jsonl"), quiet=True)
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    two_batches = peak(tuple(str(corpus / f"{i:04d}.txt") for i in range(64)))
    every = peak((str(corpus),))
    assert every < 1.5 * two_batches, (two_batches, every)


def test_bad_documents_offsets_through_kiwi(hello_pack: Pack, tmp_path: Path) -> None:
    """Emoji, Hanja, a BOM and CRLF with the real analyser: every span is the text it claims."""
    text = "😀 오늘 🇰🇷 李 회장.\r\n홍길동 사장이 김철수 대표와 만났다.\r\n"
    path = tmp_path / "doc.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = tmp_path / "out.jsonl"
    summary = run_corpus(hello_pack, (str(path),), output=str(out), quiet=True)
    assert not summary.problems
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["start"] == text.index("홍길동")
    assert text[record["start"] : record["end"]] == record["text"]
    assert text[record["args"]["object"]["start"] : record["args"]["object"]["end"]] == "김철수"


def test_a_document_the_analyser_fails_on_is_reported_and_its_batch_goes_on(word_pack: Pack, tmp_path: Path) -> None:
    """The next batch is analysed in a thread (koie.run.runner._pipelined); a batch whose analysis
    raises is redone document by document, so only the bad document is lost (E405)."""

    class Failing:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def versions(self) -> dict[str, str]:
            return self.inner.versions()

        def analyze_many(self, texts: list[str]) -> list[Any]:
            if any("폭발" in text for text in texts):
                raise RuntimeError("the analyser broke")
            return self.inner.analyze_many(texts)

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(70):  # three batches of 32; the bad document is in the second
        text = "폭발 홍길동 회장" if index == 40 else f"홍길동 회장 {index}"
        (corpus / f"{index:03d}.txt").write_text(text, encoding="utf-8")
    pack = Pack(word_pack.compiled, Failing(word_pack.analyzer))  # type: ignore[arg-type]
    out = tmp_path / "out.jsonl"
    summary = run_corpus(pack, (str(corpus),), output=str(out), quiet=True)
    assert [(problem.code, Path(problem.id).name) for problem in summary.problems] == [("E405", "040.txt")]
    documents = {json.loads(line)["doc"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert len(documents) == 69 and not any(doc.endswith("040.txt") for doc in documents)


@pytest.mark.usefixtures("kiwi")
def test_koie_command_exit_code_and_streams(tmp_path: Path) -> None:
    """As a command (which leaves without tearing the interpreter down), koie run still writes every
    record and report line and exits 1 when a document failed."""
    import os
    import subprocess
    import sys

    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_text("홍길동 사장이 김철수 대표와 만났다.\n", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\x00broken")
    done = subprocess.run(
        [sys.executable, "-m", "koie", "run", "examples/hello.yaml", str(corpus), "--no-cache"],
        capture_output=True,
        text=True,
        env={**os.environ, "KOIE_NO_PROGRESS": "1"},
    )
    assert done.returncode == 1, done.stderr
    assert '"rule": "met"' in done.stdout and done.stdout.endswith("\n")
    assert "bad.txt" in done.stderr and "1 problem" in done.stderr


@pytest.mark.usefixtures("kiwi")
def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path) -> None:
    """``koie run ... | head -1``: no "internal error", the status of a SIGPIPE death (as cat's)."""
    import os
    import subprocess
    import sys

    corpus = tmp_path / "in"
    corpus.mkdir()
    for number in range(40):
        (corpus / f"d{number:02d}.txt").write_text("홍길동 사장이 김철수 대표와 만났다.\n" * 50, encoding="utf-8")
    command = [sys.executable, "-m", "koie", "run", "examples/hello.yaml", str(corpus), "--no-cache"]
    run = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "KOIE_NO_PROGRESS": "1"}
    )
    assert run.stdout is not None and run.stderr is not None
    first = run.stdout.readline()
    run.stdout.close()  # the reader goes away after one line, as head -1 does
    errors = run.stderr.read().decode()
    assert run.wait(timeout=120) == 141, errors
    assert b'"rule"' in first
    assert "internal error" not in errors and "Traceback" not in errors, errors


def test_a_broken_pipe_that_is_not_stdout_stays_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A BrokenPipeError from elsewhere (a worker's pipe) is still reported, not swallowed."""
    from click.testing import CliRunner

    from koie import cli

    def broken(*_: object, **__: object) -> None:
        raise BrokenPipeError("a worker's pipe")

    monkeypatch.setattr("koie.run.runner.run_corpus", broken)
    result = CliRunner().invoke(cli.main, ["run", "examples/hello.yaml", "-", "--no-cache", "-q"], input="가\n")
    assert result.exit_code == 1
    assert "internal error: BrokenPipeError" in result.output


class StreamingWords(WordAnalyzer):
    """WordAnalyzer with koie.analysis.kiwi's streaming interface; fails on texts holding ``fail_on``.

    Records how far ahead of the matching the analysis ran: ``ahead`` is the
    most texts it had read that the run had not yet matched.
    """

    def __init__(self, fail_on: str = "\0") -> None:
        self.fail_on = fail_on
        self.read = 0
        self.matched = 0
        self.ahead = 0

    def analyze_many(self, texts: Any) -> list[Any]:
        if any(self.fail_on in text for text in texts):
            raise RuntimeError("the analyser broke")
        return super().analyze_many(texts)

    def analyze_stream(self, texts: Any) -> Any:
        for text in texts:
            self.read += 1
            self.ahead = max(self.ahead, self.read - self.matched)
            if self.fail_on in text:
                raise RuntimeError("the analyser broke")
            yield self.analyze(text), False


def _numbered_corpus(tmp_path: Path, count: int, bad: int | None = None) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(count):
        text = "폭발 홍길동 회장" if index == bad else f"홍길동 회장 {index}"
        (corpus / f"{index:04d}.txt").write_text(text, encoding="utf-8")
    return corpus


def test_a_streamed_run_redoes_only_what_the_failed_stream_held(word_pack: Pack, tmp_path: Path) -> None:
    """An analyser that streams (koie.run.runner._streamed) and breaks on one text: that document is
    lost (E405), the documents read with it are redone one by one, and the stream starts again."""
    from koie.run.runner import BATCH

    analyzer = StreamingWords(fail_on="폭발")
    corpus = _numbered_corpus(tmp_path, 3 * BATCH + 5, bad=BATCH + 3)
    out = tmp_path / "out.jsonl"
    summary = run_corpus(Pack(word_pack.compiled, analyzer), (str(corpus),), output=str(out), quiet=True)
    assert [(p.code, Path(p.id).name) for p in summary.problems] == [("E405", f"{BATCH + 3:04d}.txt")]
    documents = [json.loads(line)["doc"] for line in out.read_text(encoding="utf-8").splitlines()]
    expected = [str(corpus / f"{i:04d}.txt") for i in range(3 * BATCH + 5) if i != BATCH + 3]
    assert documents == expected  # every other document, in input order
    assert analyzer.read > BATCH + 4  # the stream went on after the failure


def test_a_streamed_run_keeps_its_analyses_within_the_window(
    word_pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysing thread runs at most STREAM_WINDOW documents ahead of the matching, however
    fast it is: memory stays bounded."""
    import koie.run.records as run_records
    import koie.run.runner as runner

    analyzer = StreamingWords()
    matching = run_records.document_records

    def counted(pack: Any, documents: Any, *args: Any, **kwargs: Any) -> Any:
        records = matching(pack, documents, *args, **kwargs)
        time.sleep(0.02)  # matching is the slow side here: the analysing thread would run to the end
        analyzer.matched += len(documents)
        return records

    monkeypatch.setattr(run_records, "document_records", counted)
    count = 12 * runner.BATCH
    summary = run_corpus(
        Pack(word_pack.compiled, analyzer),
        (str(_numbered_corpus(tmp_path, count)),),
        output=str(tmp_path / "out.jsonl"),
        quiet=True,
    )
    assert summary.documents == count and analyzer.read == count
    # waiting in the window, the batch being matched (counted when it is done), the text being read
    assert analyzer.ahead <= runner.STREAM_WINDOW + runner.BATCH + 1, analyzer.ahead


def test_a_streamed_run_reports_unreadable_inputs_after_the_batches_before(
    word_pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysing thread reads the inputs; an error there (--resume with other inputs) is raised
    in the run, after the batches read before it were written."""
    import koie.run.runner as runner
    from koie.run.inputs import InputDocument

    def inputs(*args: Any, **kwargs: Any) -> Any:
        for index in range(runner.BATCH + 1):
            yield InputDocument(f"d{index}", f"홍길동 회장 {index}", {})
        raise ValueError("the inputs changed")

    monkeypatch.setattr(runner, "read_inputs", inputs)
    out = tmp_path / "out.jsonl"
    with pytest.raises(ValueError, match="the inputs changed"):
        run_corpus(Pack(word_pack.compiled, StreamingWords()), ("ignored",), output=str(out), quiet=True, workers=1)
    # the first batch was written and committed before the error: it is there for --resume
    kept = [json.loads(line)["doc"] for line in (tmp_path / "out.jsonl.part").read_text(encoding="utf-8").splitlines()]
    assert kept == [f"d{index}" for index in range(runner.BATCH)]


@pytest.mark.parametrize("bad", [None, 40])
def test_a_streamed_run_with_a_window_smaller_than_a_batch_finishes(
    word_pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: int | None
) -> None:
    """Each analysis handed to the matching frees its place in the window at once, not at the end of
    its batch: a window of 3 documents neither deadlocks nor loses one, with or without a failure."""
    import threading

    import koie.run.runner as runner

    monkeypatch.setattr(runner, "STREAM_WINDOW", 3)
    corpus = _numbered_corpus(tmp_path, 3 * runner.BATCH, bad=bad)
    summaries: list[Any] = []
    worker = threading.Thread(
        target=lambda: summaries.append(
            run_corpus(
                Pack(word_pack.compiled, StreamingWords(fail_on="폭발")),
                (str(corpus),),
                output=str(tmp_path / "out.jsonl"),
                quiet=True,
            )
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=120)
    assert summaries, "the run did not finish"
    assert summaries[0].documents == 3 * runner.BATCH and len(summaries[0].problems) == (bad is not None)


class WaitingForTheStream(StreamingWords):
    """StreamingWords whose literal analyses wait (up to 10 s) until the stream has read a document."""

    def __init__(self) -> None:
        import threading

        super().__init__()
        self.streaming = threading.Event()
        self.literals_waited: list[bool] = []

    def analyze_stream(self, texts: Any) -> Any:
        for text in texts:
            self.streaming.set()
            yield from super().analyze_stream([text])

    def analyze_fragment(self, text: str) -> Any:
        self.literals_waited.append(self.streaming.wait(timeout=10))
        return super().analyze_fragment(text)


def test_a_deferred_pack_compiles_while_the_documents_are_analysed(tmp_path: Path) -> None:
    """koie run starts the analysis before it compiles the pack (Pack.deferred): the compile's
    literal analyses find the document stream already reading (they would wait 10 s in vain,
    and then fail this test, if the compile came first)."""
    from koie.lang.load import load_pack

    path = tmp_path / "pack.yaml"
    path.write_text(PACK.replace("회장/NNG", "회장"), encoding="utf-8")  # a literal, analysed when compiled
    analyzer = WaitingForTheStream()
    pack = Pack.deferred(load_pack(path), analyzer)
    assert not pack.is_compiled
    corpus = _numbered_corpus(tmp_path, 3)
    out = tmp_path / "out.jsonl"
    summary = run_corpus(pack, (str(corpus),), output=str(out), quiet=True, workers=1)
    assert pack.is_compiled and analyzer.literals_waited and all(analyzer.literals_waited)
    assert summary.documents == 3 and summary.records == 3
    assert [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()] == ["홍길동 회장"] * 3


@pytest.mark.parametrize("workers", [1, 2])
def test_a_deferred_pack_that_does_not_compile_leaves_no_output(tmp_path: Path, workers: int) -> None:
    """A pack whose rules fail to resolve raises where it compiles, after the analysis started:
    the analysis stops, and no FILE, FILE.part, journal or errors file is left."""
    from koie.errors import KoieError
    from koie.lang.load import load_pack

    path = tmp_path / "pack.yaml"
    path.write_text(PACK.replace(". 회장/NNG", "'[PERSN] 회장/NNG'"), encoding="utf-8")
    pack = Pack.deferred(load_pack(path), StreamingWords())
    corpus = _numbered_corpus(tmp_path, 40)
    out = tmp_path / "out" / "records.jsonl"
    out.parent.mkdir()
    with pytest.raises(KoieError, match="PERSN"):
        run_corpus(
            pack,
            (str(corpus),),
            output=str(out),
            errors_file=str(out.parent / "errors.jsonl"),
            quiet=True,
            workers=workers,
        )
    assert list(out.parent.iterdir()) == []


class FailingOn(WordAnalyzer):
    """WordAnalyzer whose batch analysis breaks on a text holding ``폭발``."""

    def analyze_many(self, texts: Any) -> Any:
        if any("폭발" in text for text in texts):
            raise RuntimeError("the analyser broke")
        return super().analyze_many(texts)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "html"])
def test_every_format_reports_the_same_problems_and_writes_the_other_documents(
    word_pack: Pack, tmp_path: Path, fmt: str
) -> None:
    """Every format is a sink of the same run: the same problems (E401, E402, E405) in --errors and on
    stderr, the same counts, and every other document in the output. (The page once read its inputs
    and extracted on its own, and counted its documents its own way.)"""
    corpus = _corpus(tmp_path)
    (corpus / "11-breaks.txt").write_text("폭발 홍길동 회장", encoding="utf-8")
    out, errors = tmp_path / f"out.{fmt}", tmp_path / "errors.jsonl"
    pack = Pack(word_pack.compiled, FailingOn())
    sink = HtmlSink(pack) if fmt == "html" else None  # as the command line passes it
    summary = run_corpus(pack, (str(corpus),), output=str(out), fmt=fmt, sink=sink, errors_file=str(errors), quiet=True)
    reported = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    expected = {str(corpus / name): code for name, (_data, code) in BAD.items() if code}
    expected[str(corpus / "11-breaks.txt")] = "E405"
    assert {(p["doc"], p["code"]) for p in reported} == set(expected.items())
    assert [(p.id, p.code) for p in summary.problems] == [(p["doc"], p["code"]) for p in reported]
    processed = [str(corpus / name) for name, (_data, code) in BAD.items() if code is None]
    assert summary.documents == len(processed) + 1  # the one that broke was read and failed
    assert summary.records == len(processed) + 1  # 09 has two chairmen
    text = out.read_text(encoding="utf-8")
    if fmt == "jsonl":
        shown = [json.loads(line)["doc"] for line in text.splitlines()]
    elif fmt == "csv":
        shown = [line.split(",")[0] for line in text.splitlines()[1:]]
    elif fmt == "table":
        shown = [line.split()[0] for line in text.splitlines()[2:]]
    else:
        index = json.loads(text.split('<script type="application/json" id="koie-index">')[1].split("</script>")[0])
        shown = [doc for doc, counts in index["docs"] for _rule, count in counts for _ in range(count)]
        assert [doc for doc, _counts in index["docs"]] == processed  # a document that failed is not shown
    assert sorted(set(shown)) == processed and len(shown) == summary.records
