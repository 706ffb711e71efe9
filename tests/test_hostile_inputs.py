"""Hostile and unlucky input: every path that cannot be read is a problem in its place and the run goes on;
streams are read as streams, and never past the document size limit; JSON Lines fields are checked; nothing
a document holds reaches the terminal as a control character or a spreadsheet as a formula.

Most tests use :class:`WordAnalyzer` (no model). File modes stop nobody who runs as root, and the suite often
does: the unreadable-path tests run a real ``koie run`` as the ``nobody`` user through ``setpriv`` where they
can (tests/unprivileged.py), and the same behaviour is also tested with the operating system's answers
replaced (``os.stat``, ``os.walk``, ``open``), which runs everywhere.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from unprivileged import as_unprivileged, shared_directory, unprivileged_available
from word_analyzer import WordAnalyzer

from koie.api import Pack
from koie.cli import main
from koie.run.inputs import InputTally, read_inputs
from koie.run.runner import run_corpus

ROOT = Path(__file__).resolve().parent.parent

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


def _items(*paths: str, **options: object) -> list[tuple[str, str]]:
    """(id, code or 'doc') of each item read."""
    return [
        (item.id, getattr(item, "code", "doc"))
        for item in read_inputs(tuple(paths), **options)  # type: ignore[arg-type]
    ]


# -- unreadable directories and files -----------------------------------------------------------------


def _tree(root: Path) -> Path:
    """d/ok.txt, d/closed/x.txt (closed: no access), d/secret.txt (no read)."""
    tree = root / "d"
    (tree / "closed").mkdir(parents=True)
    (tree / "ok.txt").write_text("홍길동 회장 왔다", encoding="utf-8")
    (tree / "closed" / "x.txt").write_text("김철수 회장 왔다", encoding="utf-8")
    (tree / "secret.txt").write_text("이영희 회장 왔다", encoding="utf-8")
    for path in (tree, tree / "ok.txt", tree / "closed" / "x.txt", tree / "secret.txt"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (tree / "closed").chmod(0o000)
    (tree / "secret.txt").chmod(0o000)
    return tree


@pytest.mark.skipif(not unprivileged_available(), reason="no way to run a command that file modes apply to")
def test_unreadable_paths_are_each_a_problem_for_a_real_user() -> None:
    """As a user who may not read d/closed (mode 000): `koie run hello.yaml d` once said "1 document, 0
    problems", skipping closed/x.txt unreported, and `koie run hello.yaml d/ok.txt d/closed/x.txt` ended in
    "internal error: PermissionError", losing ok.txt's record."""
    with shared_directory() as shared:
        tree = _tree(shared)
        pack = str(ROOT / "examples" / "hello.yaml")
        command = [sys.executable, "-m", "koie", "run", "--no-cache", pack]
        walked = as_unprivileged([*command, str(tree)], cwd=shared)
        named = as_unprivileged([*command, str(tree / "ok.txt"), str(tree / "closed" / "x.txt")], cwd=shared)
    assert walked.returncode == 1 and "internal error" not in walked.stderr
    assert walked.stderr.splitlines() == [
        f"{tree / 'closed'}: E404 cannot read the directory: Permission denied",
        f"{tree / 'secret.txt'}: E404 cannot read: Permission denied",
        "koie: 1 document, 0 records, 2 problems",
    ]
    assert named.returncode == 1 and "internal error" not in named.stderr
    assert named.stderr.splitlines() == [
        f"{tree / 'closed' / 'x.txt'}: E404 cannot read: Permission denied",
        "koie: 1 document, 0 records, 1 problem",
    ]


def test_unreadable_paths_are_each_a_problem_when_the_system_says_so(
    word_pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same as the real user's run, with os.stat, os.walk's listing and open refusing as the system does
    for a user without the rights (this runs wherever the tests run, as root too)."""
    import koie.run.inputs as inputs

    tree = tmp_path / "d"
    (tree / "closed").mkdir(parents=True)
    for name in ("ok.txt", "closed/x.txt", "secret.txt"):
        (tree / name).write_text("홍길동 회장 왔다", encoding="utf-8")
    closed, secret = str(tree / "closed"), str(tree / "secret.txt")
    stat, scandir, opened = os.stat, os.scandir, Path.open

    def denied(path: object) -> OSError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def refusing_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).startswith(closed + os.sep):
            raise denied(path)
        return stat(path, *args, **kwargs)  # type: ignore[arg-type]

    def refusing_scandir(path: object = ".") -> object:
        if str(path) == closed:
            raise denied(path)
        return scandir(path)  # type: ignore[arg-type]

    def refusing_open(self: Path, *args: object, **kwargs: object) -> object:
        if str(self) == secret or str(self).startswith(closed + os.sep):
            raise denied(self)
        return opened(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inputs.os, "stat", refusing_stat)
    monkeypatch.setattr(os, "scandir", refusing_scandir)  # what os.walk lists a directory with
    monkeypatch.setattr(Path, "open", refusing_open)
    out = tmp_path / "out.jsonl"
    summary = run_corpus(word_pack, (str(tree),), output=str(out))
    assert capsys.readouterr().err.splitlines() == [
        f"{closed}: E404 cannot read the directory: Permission denied",
        f"{secret}: E404 cannot read: Permission denied",
        "koie: 1 document, 1 record, 2 problems",
    ]
    assert summary.failed and [json.loads(line)["doc"] for line in out.read_text().splitlines()] == [
        str(tree / "ok.txt")
    ]
    summary = run_corpus(word_pack, (str(tree / "ok.txt"), str(tree / "closed" / "x.txt")), output=str(out))
    assert capsys.readouterr().err.splitlines() == [
        f"{tree / 'closed' / 'x.txt'}: E404 cannot read: Permission denied",
        "koie: 1 document, 1 record, 1 problem",
    ]


def test_inputs_a_broken_link_and_a_pipe_inside_a_directory_are_problems_in_their_place(tmp_path: Path) -> None:
    tree = tmp_path / "d"
    tree.mkdir()
    (tree / "a.txt").write_text("가", encoding="utf-8")
    (tree / "b.txt").symlink_to(tree / "gone.txt")
    os.mkfifo(tree / "c.txt")  # never opened inside a directory: it could block the run forever
    (tree / "d.txt").write_text("나", encoding="utf-8")
    assert _items(str(tree)) == [
        (str(tree / "a.txt"), "doc"),
        (str(tree / "b.txt"), "E404"),
        (str(tree / "c.txt"), "E404"),
        (str(tree / "d.txt"), "doc"),
    ]
    problem = next(item for item in read_inputs((str(tree),)) if item.id.endswith("c.txt"))
    assert problem.message == (  # type: ignore[union-attr]
        "is a named pipe (FIFO): not read inside a directory; name it on its own to read it as a stream"
    )


# -- files a directory holds that are not documents ---------------------------------------------------


def test_files_with_other_names_are_counted_and_the_summary_says_so(
    word_pack: Pack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files in a directory not ending in .txt, .text, .md, .jsonl or .ndjson were skipped silently."""
    tree = tmp_path / "d"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("홍길동 회장", encoding="utf-8")
    (tree / "b.TXT").write_text("김철수 회장", encoding="utf-8")  # suffixes are matched in any case
    for name in ("notes.docx", "sub/data.csv", "README"):
        (tree / name).write_text("이영희 회장", encoding="utf-8")
    tally = InputTally()
    assert [item.id for item in read_inputs((str(tree),), tally=tally)] == [str(tree / "a.txt"), str(tree / "b.TXT")]
    assert tally.skipped == 3
    run_corpus(word_pack, (str(tree),), output=str(tmp_path / "out.jsonl"))
    assert capsys.readouterr().err == (
        "koie: 2 documents, 2 records, 0 problems; 3 files in directories skipped "
        "(not .txt, .text, .md, .jsonl or .ndjson)\n"
    )
    run_corpus(word_pack, (str(tree / "notes.docx"),), output=str(tmp_path / "out.jsonl"))  # named: read
    assert capsys.readouterr().err == "koie: 1 document, 1 record, 0 problems\n"


# -- streams and the size of a document ---------------------------------------------------------------


def test_a_named_pipe_is_read_as_a_stream(word_pack: Pack, tmp_path: Path) -> None:
    """A FIFO (or /dev/stdin, or <(cat f)) given as input was "E404 no such file or directory"."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write("홍길동 회장 왔다".encode())

    writer = threading.Thread(target=write)
    writer.start()
    items = list(read_inputs((str(fifo),)))
    writer.join()
    assert [(item.id, item.text) for item in items] == [(str(fifo), "홍길동 회장 왔다")]  # type: ignore[union-attr]


@pytest.mark.parametrize("given", ["/dev/stdin", "<(cat f)"])
def test_dev_stdin_and_process_substitution_are_read_as_streams(tmp_path: Path, given: str) -> None:
    source = tmp_path / "f.txt"
    source.write_text("홍길동 사장이 김철수 대표와 만났다.", encoding="utf-8")
    koie = f"{sys.executable} -m koie run -q --no-cache examples/hello.yaml"
    if given == "/dev/stdin":
        script = f"cat {source} | {koie} /dev/stdin"
    else:
        script = f"{koie} <(cat {source})"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["label"] == "MEETING" and done.stderr == ""


def test_a_file_over_the_size_limit_is_a_problem_and_not_read(word_pack: Pack, tmp_path: Path) -> None:
    (tmp_path / "small.txt").write_text("홍길동 회장", encoding="utf-8")
    (tmp_path / "big.txt").write_text("홍길동 회장 " * 100, encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    inputs = (str(tmp_path / "small.txt"), str(tmp_path / "big.txt"))
    summary = run_corpus(
        word_pack, inputs, output=str(out), errors_file=str(errors), quiet=True, max_document_bytes=100
    )
    (problem,) = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert problem == {
        "doc": str(tmp_path / "big.txt"),
        "code": "E409",
        "message": "the document is 1,700 bytes, over the limit of 100 bytes: not read; "
        "split it, or raise the limit with --max-document-size",
    }
    assert summary.failed and summary.documents == 1


def test_a_jsonl_line_over_the_size_limit_is_a_problem_and_the_next_lines_are_read(tmp_path: Path) -> None:
    lines = [{"id": "a", "text": "가"}, {"id": "b", "text": "나" * 200}, {"id": "c", "text": "다"}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    assert _items(str(path), max_bytes=100) == [("a", "doc"), (f"{path}:2", "E409"), ("c", "doc")]


def test_stdin_from_dev_zero_stops_with_a_problem() -> None:
    """`koie run P - < /dev/zero` grew without limit; now it stops reading at the limit and says so."""
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "koie", "run", "--no-cache", "--max-document-size", "2", "examples/hello.yaml", "-"],
            stdin=zero,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "<stdin>: E409 the stream holds more than 2,000,000 bytes, over the limit of 2,000,000 bytes: not read; "
        "split it, or raise the limit with --max-document-size",
        "koie: 0 documents, 0 records, 1 problem",
    ]


def test_the_default_size_limit_is_the_same_in_the_command_and_the_reader() -> None:
    from koie.cli import MAX_DOCUMENT_MB
    from koie.run.inputs import MAX_DOCUMENT_BYTES

    assert int(MAX_DOCUMENT_MB * 1_000_000) == MAX_DOCUMENT_BYTES


# -- JSON Lines fields ---------------------------------------------------------------------------------


def test_jsonl_ids_that_are_not_strings_or_numbers_are_refused_and_repeated_ids_warned(tmp_path: Path) -> None:
    """An id of null, a list or an object became Python's text of it (None, ['a']); a repeated id passed."""
    path = tmp_path / "in.jsonl"
    lines = [
        {"id": None, "text": "가"},
        {"id": ["a"], "text": "나"},
        {"id": {"x": 1}, "text": "다"},
        {"id": True, "text": "라"},
        {"id": 7, "text": "마"},
        {"id": "7", "text": "바"},
        {"text": "사"},
    ]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    items = list(read_inputs((str(path),)))
    assert [(item.id, getattr(item, "code", "doc")) for item in items] == [
        (f"{path}:1", "E401"),
        (f"{path}:2", "E401"),
        (f"{path}:3", "E401"),
        (f"{path}:4", "E401"),
        ("7", "doc"),
        ("7", "W404"),
        ("7", "doc"),
        (f"{path}:7", "doc"),
    ]
    assert [getattr(item, "message", "") for item in items[:4]] == [
        f"line {n}: 'id' must be a string or a number, not {kind}; give each document an id of its own, "
        "or none (the id is then FILE:LINE)"
        for n, kind in ((1, "null"), (2, "a list"), (3, "an object"), (4, "true or false"))
    ]
    assert items[5].message == (  # type: ignore[union-attr]
        "line 6: an earlier document has this id too: both are read, and their records and problems carry "
        "the same id; give each document an id of its own"
    )


def test_jsonl_published_that_is_not_a_date_is_warned_and_not_used(hello_pack: Pack, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "text": "가", "published": "yesterday"},
        {"id": "b", "text": "나", "published": "2024-02-30"},
        {"id": "c", "text": "다", "published": "2024-02-29"},
        {"id": "d", "text": "라", "published": None},
    ]
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    items = list(read_inputs((str(path),)))
    assert [(item.id, getattr(item, "code", "doc")) for item in items] == [
        ("a", "W403"),
        ("a", "doc"),
        ("b", "W403"),
        ("b", "doc"),
        ("c", "doc"),
        ("d", "doc"),
    ]
    assert items[0].message == (  # type: ignore[union-attr]
        "line 1: 'published' is not a date: 'yesterday'; relative dates in this document are read without it "
        "(or with --published); write YYYY-MM-DD"
    )
    assert "published" not in items[1].meta and items[4].meta == {"published": "2024-02-29"}  # type: ignore[union-attr]


@pytest.mark.parametrize("given", ["nonsense", "2024-02-30", "yesterday"])
def test_published_option_that_is_not_a_date_is_a_usage_error(given: str) -> None:
    """--published nonsense and 2024-02-30 were silently ignored."""
    for command in (
        ["run", "examples/hello.yaml", "-", "--published", given],
        ["eval", "examples/hello.yaml", "x.txt", "--gold", "g.jsonl", "--published", given],
    ):
        result = CliRunner().invoke(main, command, input="홍길동 회장")
        assert result.exit_code == 2
        assert f"Invalid value for '--published': {given!r} is not a date: write YYYY-MM-DD" in result.output


# -- what reaches a terminal or a spreadsheet ---------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\u202e"


def test_control_characters_in_document_ids_never_reach_the_terminal(
    word_pack: Pack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    lines = [{"id": f"a{ESCAPES}", "text": "홍길동 회장"}, {"id": f"b{ESCAPES}", "text": " "}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    run_corpus(word_pack, (str(path),), fmt="table", errors_file=str(errors))
    out, err = capsys.readouterr()
    shown = "\\x1b]0;owned\\x07\\x1b[2J\\u202e"
    assert f"b{shown}: E402 the document is empty" in err
    assert out.splitlines()[2].startswith(f"a{shown}  CHAIR")
    for stream in (out, err):
        assert not any(char in stream for char in "\x1b\x07\u202e")
    assert json.loads(errors.read_text(encoding="utf-8"))["doc"] == f"b{ESCAPES}"  # the data keeps it as it is


def test_control_characters_in_a_table_cell_are_escaped_and_the_columns_hold() -> None:
    from io import StringIO

    from koie.run.sinks import write_table

    out = StringIO()
    row = {"doc": "a\tb", "label": "X", "rule": "r", "start": 0, "end": 5, "text": "가\n나\x1b", "args": {}}
    write_table([row], out)
    assert out.getvalue().splitlines()[2] == "a\\tb  X      r     0-5   가\\n나\\x1b"


def test_diagnostic_source_lines_show_control_characters_as_escapes() -> None:
    """An ESC in a rule file reached the terminal inside E001's source line."""
    from koie.errors import Diagnostic

    diagnostic = Diagnostic(
        "E201", "unknown label 'X'", file="p\x1b.yaml", line=1, col=8, source_line="\x1b]0;t\x07 [X] 회장", length=3
    )
    assert diagnostic.render().splitlines() == [
        "p\\x1b.yaml:1:8: E201 unknown label 'X'",
        "\\x1b]0;t\\x07 [X] 회장",
        " " * len("\\x1b]0;t\\x07 ") + "^^^",  # under [X] as the escapes show it
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path: Path) -> None:
    """CSV cells could start with = (formula injection): now =, +, -, @, a tab or CR get a ' in front."""
    import csv

    path = tmp_path / "pack.yaml"
    path.write_text(PACK.replace(". 회장/NNG", ". 회장/NNG"), encoding="utf-8")
    pack = Pack.load(path, WordAnalyzer())
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": '=HYPERLINK("http://x")', "text": "=1+2 회장 @SUM(A1) 회장 -3 회장 홍길동 회장"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    run_corpus(pack, (str(source),), output=str(out), fmt="csv", quiet=True)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(row["doc"], row["text"]) for row in rows] == [
        ('\'=HYPERLINK("http://x")', "'=1+2 회장"),
        ('\'=HYPERLINK("http://x")', "'@SUM(A1) 회장"),
        ('\'=HYPERLINK("http://x")', "'-3 회장"),
        ('\'=HYPERLINK("http://x")', "홍길동 회장"),
    ]


# -- long lines and long documents ---------------------------------------------------------------------

MEETING = "홍길동 사장이 김철수 대표와 만났다. "


@pytest.mark.usefixtures("kiwi")
def test_a_long_line_is_cut_at_sentence_ends_and_no_meeting_is_lost(tmp_path: Path) -> None:
    """Lines over 4,000 characters were cut at a space, and the matches across a cut were lost silently:
    the sentence below 500 times on one line gave 498 MEETINGs."""
    source = tmp_path / "line.txt"
    source.write_text(MEETING * 500, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "examples/hello.yaml", str(source), "--no-cache"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    text = source.read_text(encoding="utf-8")
    assert len([r for r in records if r["label"] == "MEETING"]) == 500
    assert all(text[r["start"] : r["end"]] == r["text"] for r in records)
    assert "W402" not in result.stderr


def test_a_long_line_without_sentence_ends_is_cut_at_spaces_and_said(tmp_path: Path) -> None:
    from koie.analysis.cache import CachedAnalyzer
    from koie.analysis.kiwi import KiwiAnalyzer, blind_cuts, split_into_pieces
    from koie.run.inputs import InputDocument
    from koie.run.records import cut_warnings

    with_ends = MEETING * 500
    pieces = split_into_pieces(with_ends)
    assert all(piece.endswith("만났다. ") for _offset, piece in pieces[:-1]) and not blind_cuts(with_ends)
    assert "".join(piece for _offset, piece in pieces).rstrip() == with_ends.rstrip()
    without = "홍길동 사장 " * 1500  # 10,500 characters, no sentence end
    assert blind_cuts(without) == [3996, 7993]
    document = InputDocument("d", without, offset=100)
    for analyzer in (KiwiAnalyzer(), CachedAnalyzer(KiwiAnalyzer(), tmp_path / "c.sqlite")):  # no model is loaded
        pack = Pack.load(ROOT / "examples" / "hello.yaml", analyzer)
        (warning,) = cut_warnings(pack, [document, InputDocument("e", with_ends)])
        assert (warning.id, warning.code) == ("d", "W402")
        assert warning.message == (
            "a line longer than 4,000 characters has no sentence end (. ? ! and a space) in the 4,000 before "
            "character 4,096: the analyser reads it in pieces and cut it at a space there (and 1 more place); "
            "a match across a cut is lost"
        )


def test_a_long_document_is_processed_in_sections_with_the_document_s_offsets(
    word_pack: Pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory once grew with the document (13 GB for 50 MB): a document longer than SECTION_CHARS is cut at line
    ends into sections, each analysed and matched alone; its records carry the document's offsets and id."""
    import koie.run.inputs as inputs

    lines = [f"문장{n} 홍길동{n} 회장 만남" for n in range(400)]
    text = "\n".join(lines) + "\n"
    source = tmp_path / "long.txt"
    source.write_text(text, encoding="utf-8")
    whole = tmp_path / "whole.jsonl"
    run_corpus(word_pack, (str(source),), output=str(whole), quiet=True)
    monkeypatch.setattr(inputs, "SECTION_CHARS", 1000)
    parts = list(inputs.sections(read_inputs((str(source),))))
    assert len(parts) > 5 and [s.part for s in parts] == list(range(len(parts)))  # type: ignore[union-attr]
    assert "".join(s.text for s in parts) == text  # type: ignore[union-attr]
    cut = tmp_path / "sections.jsonl"
    summary = run_corpus(word_pack, (str(source),), output=str(cut), quiet=True)
    assert cut.read_bytes() == whole.read_bytes()  # this pack links nothing across lines
    assert summary.documents == 1 and summary.records == 400
    records = [json.loads(line) for line in cut.read_text(encoding="utf-8").splitlines()]
    assert all(text[r["start"] : r["end"]] == r["text"] for r in records)


def test_a_section_s_records_are_moved_to_the_document_s_offsets() -> None:
    from koie.run.records import shifted

    row = {
        "doc": "d",
        "start": 3,
        "end": 5,
        "args": {"s": {"start": 3, "end": 4, "repeat_of": {"start": 0, "end": 1}}, "o": [{"start": 4, "end": 5}]},
        "attrs": {"start": "kept: the pack's own", "repeat_of": {"text": "가", "start": 0, "end": 1}},
        "explanation": {"steps": [{"start": 3, "end": 4, "morphemes": [{"start": 3, "end": 4}]}]},
        "analyzer": {"kiwipiepy": "0.24.1"},
    }
    moved = shifted(row, 1000)
    assert (moved["start"], moved["end"]) == (1003, 1005)
    assert moved["args"] == {
        "s": {"start": 1003, "end": 1004, "repeat_of": {"start": 1000, "end": 1001}},
        "o": [{"start": 1004, "end": 1005}],
    }
    assert moved["attrs"] == {"start": "kept: the pack's own", "repeat_of": {"text": "가", "start": 1000, "end": 1001}}
    assert moved["explanation"]["steps"] == [{"start": 1003, "end": 1004, "morphemes": [{"start": 1003, "end": 1004}]}]
