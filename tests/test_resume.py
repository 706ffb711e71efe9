"""Interrupted and repeated runs: -o FILE is atomic, --resume loses and duplicates nothing.

The in-process tests interrupt a run deterministically (an analyser that
raises KeyboardInterrupt on its n-th batch, as Ctrl-C would) and tear the
last lines of the output and the journal as a kill mid-write would. One
test SIGKILLs a real ``koie run`` twice and resumes it with real Kiwi.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from word_analyzer import WordAnalyzer

from koie.analysis.morphemes import AnalyzedDocument
from koie.api import Pack
from koie.errors import KoieError
from koie.report.sink import HtmlSink
from koie.run.runner import BATCH, run_corpus

ROOT = Path(__file__).resolve().parent.parent
PACK = """\
rules:
  - id: chair
    label: CHAIR
    pattern: . 회장/NNG
"""


class InterruptingAnalyzer(WordAnalyzer):
    """Ctrl-C arrives while batch number ``at`` (1-based) is being analysed."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.calls = 0

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return super().analyze_many(texts)


def _pack(tmp_path: Path, analyzer: WordAnalyzer) -> Pack:
    path = tmp_path / "pack.yaml"
    path.write_text(PACK, encoding="utf-8")
    return Pack.load(path, analyzer)


def _corpus(tmp_path: Path, count: int = 5 * BATCH + 7) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(count):
        if index % 23 == 5:
            (corpus / f"{index:04d}.txt").write_bytes(b"\xff broken")  # a problem in many batches
        else:
            (corpus / f"{index:04d}.txt").write_text(f"사람{index} 회장 만남\n이{index} 회장", encoding="utf-8")
    return corpus


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_after_interrupt_equals_uninterrupted_run(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus(tmp_path)
    reference, reference_errors = tmp_path / f"reference.{fmt}", tmp_path / "reference-errors.jsonl"
    expected = run_corpus(
        _pack(tmp_path, WordAnalyzer()),
        (str(corpus),),
        output=str(reference),
        fmt=fmt,
        errors_file=str(reference_errors),
        quiet=True,
    )

    out, errors = tmp_path / f"out.{fmt}", tmp_path / "errors.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_corpus(
            _pack(tmp_path, InterruptingAnalyzer(at=4)),
            (str(corpus),),
            output=str(out),
            fmt=fmt,
            errors_file=str(errors),
        )
    message = capsys.readouterr().err
    good = sum(1 for index in range(3 * BATCH) if index % 23 != 5)  # three batches were committed
    assert f"interrupted after {good} documents, {2 * good} records" in message
    assert "--resume" in message
    assert not out.exists()  # never a half-written FILE
    part, journal = Path(f"{out}.part"), Path(f"{out}.journal")
    assert part.exists() and journal.exists()
    # a kill mid-write leaves a torn record and a torn journal line: both must be dropped
    with part.open("a", encoding="utf-8") as handle:
        handle.write('{"doc": "torn", "rul')
    with errors.open("a", encoding="utf-8") as handle:
        handle.write('{"doc": "torn"')
    with journal.open("a", encoding="utf-8") as handle:
        handle.write('{"items": 999, "ids"')

    summary = run_corpus(
        _pack(tmp_path, WordAnalyzer()),
        (str(corpus),),
        output=str(out),
        fmt=fmt,
        errors_file=str(errors),
        resume=True,
        quiet=True,
    )
    assert out.read_bytes() == reference.read_bytes()
    assert errors.read_bytes() == reference_errors.read_bytes()
    assert (summary.documents, summary.records, summary.problems) == (
        expected.documents,
        expected.records,
        expected.problems,
    )
    assert not part.exists() and not journal.exists()


def test_resume_refuses_changed_options(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_corpus(_pack(tmp_path, InterruptingAnalyzer(at=3)), (str(corpus),), output=str(out), quiet=True)
    with pytest.raises(KoieError) as caught:
        run_corpus(
            _pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(out), resume=True, quiet=True, explain=True
        )
    assert caught.value.diagnostics[0].code == "E406" and "explain" in caught.value.diagnostics[0].message


def _interrupted_then_resumed(tmp_path: Path, corpus: Path, change: Callable[[], None], at: int = 4) -> str:
    """The output of a run interrupted at batch ``at``, ``change``d, then resumed."""
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_corpus(_pack(tmp_path, InterruptingAnalyzer(at=at)), (str(corpus),), output=str(out), quiet=True)
    change()
    run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(out), resume=True, quiet=True)
    return out.read_text(encoding="utf-8")


def _fresh(tmp_path: Path, corpus: Path) -> str:
    fresh = tmp_path / "fresh.jsonl"
    run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(fresh), quiet=True)
    return fresh.read_text(encoding="utf-8")


@pytest.mark.parametrize("where", [1, 2 * BATCH + 3, 4 * BATCH])
def test_resume_redoes_an_input_edited_since_the_kill(
    tmp_path: Path, where: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input edited between the kill and --resume (same id) once gave an output unlike a fresh run: done
    documents were known by their ids. Now by their contents: the edited one is redone, and all after it."""
    corpus = _corpus(tmp_path)
    edited = corpus / f"{where:04d}.txt"

    def edit() -> None:
        edited.write_text(f"다른사람{where} 회장 만남\n또{where} 회장 그리고 새{where} 회장", encoding="utf-8")

    resumed = _interrupted_then_resumed(tmp_path, corpus, edit)
    assert resumed == _fresh(tmp_path, corpus)
    assert f"다른사람{where}" in resumed
    message = capsys.readouterr().err
    if where < 3 * BATCH:  # a document of a committed batch changed
        assert f"the inputs changed since the interrupted run, from item {where // BATCH * BATCH + 1} on" in message


def test_resume_redoes_from_an_input_removed_or_added_since_the_kill(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    resumed = _interrupted_then_resumed(tmp_path, corpus, (corpus / "0040.txt").unlink)
    assert resumed == _fresh(tmp_path, corpus)
    added = corpus / "0040a.txt"
    resumed = _interrupted_then_resumed(
        tmp_path, corpus, lambda: added.write_text("새사람 회장 만남", encoding="utf-8")
    )
    assert resumed == _fresh(tmp_path, corpus) and "새사람" in resumed


@pytest.mark.parametrize("left", ["nothing", "a journal without a batch", "an empty journal"])
def test_resume_with_nothing_to_continue_starts_from_the_beginning(
    tmp_path: Path, left: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kill before the first batch once left nothing --resume could use (E406 "no interrupted run")."""
    corpus = _corpus(tmp_path)
    out = tmp_path / "out.csv"
    part, journal = Path(f"{out}.part"), Path(f"{out}.journal")
    if left != "nothing":
        with pytest.raises(KeyboardInterrupt):
            run_corpus(_pack(tmp_path, InterruptingAnalyzer(at=3)), (str(corpus),), output=str(out), fmt="csv")
        header = journal.read_text(encoding="utf-8").splitlines(keepends=True)[0]
        journal.write_text("" if left == "an empty journal" else header, encoding="utf-8")  # killed that early
    summary = run_corpus(
        _pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(out), fmt="csv", resume=True, quiet=True
    )
    fresh = tmp_path / "fresh.csv"
    expected = run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(fresh), fmt="csv", quiet=True)
    assert out.read_bytes() == fresh.read_bytes() and summary.records == expected.records
    err = capsys.readouterr().err
    if left != "a journal without a batch":
        assert f"koie: no interrupted run of {out} to resume: starting from the beginning" in err
    assert not part.exists() and not journal.exists()


LEXICON_PACK = """\
imports: [common.yaml]
rules:
  - id: chair
    label: CHAIR
    pattern: . @TITLE
"""

COMMON = """\
lexicons:
  TITLE: {file: titles.txt}
rules:
  - id: title
    label: T
    output: false
    pattern: "@TITLE"
"""


def test_resume_refuses_a_changed_lexicon_file_of_an_import(tmp_path: Path) -> None:
    """A pack importing a file whose lexicon reads titles.txt: kill, edit titles.txt, --resume once gave exit 0
    and a mixed output (35 records where a fresh run gives 101 or 0). Every file the pack reads is in the run key."""
    from koie.cli import _run_key

    (tmp_path / "pack.yaml").write_text(LEXICON_PACK, encoding="utf-8")
    (tmp_path / "common.yaml").write_text(COMMON, encoding="utf-8")
    titles = tmp_path / "titles.txt"
    titles.write_text("회장\n", encoding="utf-8")
    corpus = _corpus(tmp_path)
    out = tmp_path / "out.jsonl"

    def load(analyzer: WordAnalyzer) -> tuple[Pack, dict[str, object]]:
        pack = Pack.load(tmp_path / "pack.yaml", analyzer)
        return pack, _run_key(str(tmp_path / "pack.yaml"), pack)

    pack, key = load(InterruptingAnalyzer(at=3))
    assert set(key["pack_files"]) == {str(tmp_path / name) for name in ("pack.yaml", "common.yaml", "titles.txt")}
    with pytest.raises(KeyboardInterrupt):
        run_corpus(pack, (str(corpus),), output=str(out), quiet=True, run_key=key)
    titles.write_text("사장\n", encoding="utf-8")
    pack, changed = load(WordAnalyzer())
    with pytest.raises(KoieError) as caught:
        run_corpus(pack, (str(corpus),), output=str(out), quiet=True, run_key=changed, resume=True)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "E406"
    assert diagnostic.message == f"the interrupted run had other settings: pack_files ({titles})"


def test_resume_same_run_twice_is_byte_identical(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(first), quiet=True)
    run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(second), quiet=True)
    assert first.read_bytes() == second.read_bytes() and first.stat().st_size > 0


def _wait_for_entries(journal: Path, entries: int, process: subprocess.Popen[bytes], limit: float = 120) -> None:
    """Until the journal has ``entries`` committed batches after its header."""
    deadline = time.monotonic() + limit  # a safety net against a hung test, not a measurement
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_bytes().count(b"\n") >= entries + 1:
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {process.stderr.read()!r}")  # type: ignore[union-attr]
        time.sleep(0.02)
    pytest.fail("the journal did not grow")


def test_resume_after_sigkill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """Kill a real run twice with SIGKILL, resume it, and compare with an uninterrupted run."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["홍길동", "김철수", "이영희", "박민수", "최지훈", "정수진"]
    for index in range(12 * BATCH):
        a, b = names[index % 6], names[(index + 1 + index // 6) % 6]
        body = f"{a} 사장이 {b} 대표와 만났다. 두 사람은 오늘 협력 방안을 논의했다.\n" * 25
        (corpus / f"{index:04d}.txt").write_text(body, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "koie",
        "run",
        "examples/hello.yaml",
        str(corpus),
        "--no-cache",
        "-q",
        "--workers",
        "1",
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    reference = tmp_path / "reference.jsonl"
    subprocess.run(command + ["-o", str(reference)], cwd=ROOT, env=env, check=True, timeout=600)

    out = tmp_path / "out.jsonl"
    journal = Path(f"{out}.journal")
    for resume, entries in (([], 2), (["--resume"], 6)):
        process = subprocess.Popen(command + ["-o", str(out)] + resume, cwd=ROOT, env=env, stderr=subprocess.PIPE)
        _wait_for_entries(journal, entries, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert not out.exists()
    done = subprocess.run(
        command + ["-o", str(out), "--resume"],
        cwd=ROOT,
        env=env,
        timeout=600,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == reference.read_bytes()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    per_document = Counter(r["doc"] for r in records)
    assert len(per_document) == 12 * BATCH  # no document lost
    assert set(per_document.values()) == {25}  # none duplicated: one meeting per line, 25 lines each


def test_resume_ctrl_c_stops_cleanly_and_says_how_far(tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) to a real run: exit 130, no traceback, a message with the count and --resume."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(40 * BATCH):
        (corpus / f"{index:04d}.txt").write_text("홍길동 사장이 김철수 대표와 만났다.\n" * 20, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    command = [
        sys.executable,
        "-m",
        "koie",
        "run",
        "examples/hello.yaml",
        str(corpus),
        "--no-cache",
        "-q",
        "--workers",
        "1",
        "-o",
        str(out),
    ]
    # A shell's background job inherits SIGINT ignored, and Python then installs no handler for it:
    # the run must start with the default, as it does from a terminal.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_for_entries(Path(f"{out}.journal"), 1, process)
    process.send_signal(signal.SIGINT)
    _stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert re.search(
        r"interrupted after \d+ documents, \d+ records; what is done is in .*out\.jsonl\.part: "
        r"continue with --resume",
        stderr,
    ), stderr
    assert not out.exists() and Path(f"{out}.part").exists()


def test_resume_with_other_worker_count_is_byte_identical(tmp_path: Path) -> None:
    """A run interrupted with one worker and resumed with two gives the one-worker output."""
    corpus = _corpus(tmp_path)
    reference = tmp_path / "reference.jsonl"
    run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(reference), quiet=True)
    out = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_corpus(_pack(tmp_path, InterruptingAnalyzer(at=3)), (str(corpus),), output=str(out), quiet=True)
    run_corpus(_pack(tmp_path, WordAnalyzer()), (str(corpus),), output=str(out), resume=True, quiet=True, workers=2)
    assert out.read_bytes() == reference.read_bytes()


@pytest.mark.parametrize("fmt", ["table", "html"])
def test_an_interrupted_run_of_a_format_written_at_the_end_leaves_nothing(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table or a page is written whole at the end: Ctrl-C leaves neither FILE nor a part of it, and
    the message says it cannot be resumed (a table's run once said "continue with --resume", which the
    command then refused)."""
    out, errors = tmp_path / "out" / f"records.{fmt}", tmp_path / "errors.jsonl"
    out.parent.mkdir()
    pack = _pack(tmp_path, InterruptingAnalyzer(at=3))
    with pytest.raises(KeyboardInterrupt):
        run_corpus(
            pack,
            (str(_corpus(tmp_path)),),
            output=str(out),
            fmt=fmt,
            sink=HtmlSink(pack) if fmt == "html" else None,  # as the command line passes it
            errors_file=str(errors),
        )
    message = capsys.readouterr().err
    good = sum(1 for index in range(2 * BATCH) if index % 23 != 5)
    assert f"interrupted after {good} documents" in message
    assert f"nothing was written to {out}: {fmt} is written at the end and cannot be resumed" in message
    assert "--resume" not in message
    assert list(out.parent.iterdir()) == []
    assert errors.exists()  # the problems met so far are reported
    with pytest.raises(KoieError) as caught:
        again = _pack(tmp_path, WordAnalyzer())
        sink = HtmlSink(again) if fmt == "html" else None
        run_corpus(again, ("x",), output=str(out), fmt=fmt, sink=sink, resume=True, quiet=True)
    assert caught.value.diagnostics[0].code == "E406" and "cannot be resumed" in caught.value.diagnostics[0].message


@pytest.mark.parametrize("fmt", ["table", "html"])
def test_cli_resume_is_refused_for_a_format_written_at_the_end(tmp_path: Path, fmt: str) -> None:
    from click.testing import CliRunner

    from koie.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "examples/hello.yaml", "-", "-o", str(out), "--format", fmt, "--resume"])
    assert result.exit_code == 2
    assert "--resume continues a run written with -o FILE in jsonl or csv format" in result.output
