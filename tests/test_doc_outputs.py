"""What the docs show koie printing is what koie prints.

Every ``console`` block of README.md and of the pages in ``PAGES`` is a
transcript: ``$ koie …`` lines, each followed by what the command prints
(standard output and standard error together, as a terminal shows them).
Each command runs here, through click's test runner, and its output must equal
the transcript's. A command may read its standard input from ``echo TEXT |``
or ``printf TEXT |``; a command longer than a line goes on after ``\\``.

The commands run in a folder of their own that holds the repository's
``docs``, ``examples`` and ``rules`` (so paths print as the docs show them)
and the files the page itself defines: a fenced block whose info string
names a file (```` ```yaml file=overlap.yaml ````) is written there before
the page's commands run.

Normalised on both sides, and nothing else: spaces at the ends of lines, and
durations (``0.12 s``, ``34 ms``), which change from run to run. A line that
is only ``...`` stands for any number of lines, as in doctest.

The README's table of the meetings pack's scores holds what its ``koie eval``
commands print (where ``../shared/corpus`` exists).

Every ``python`` block of README.md runs too, from the repository root; a
``text`` block right after it is what it must print. So do the ``>>>`` examples
of docs/python.md, as doctests.
"""

from __future__ import annotations

import contextlib
import doctest
import glob
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
#: The pages whose transcripts are checked (docs/errors.md has tests of its own, tests/test_docs.py).
PAGES = (
    "README.md",
    "docs/tutorial.md",
    "docs/output.md",
    "docs/patterns.md",
    "docs/rules.md",
    "docs/testing.md",
    "docs/performance.md",
    "docs/running.md",
    "docs/eval.md",
)
#: What the commands may see of the repository.
SHARED_FOLDERS = ("docs", "eval", "examples", "rules")

#: Transcripts koie does not print yet, by page and command, with the reason. Strict: once koie
#: prints them, the test fails until the entry goes.
KNOWN_WRONG: dict[tuple[str, str], str] = {}

_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
_DURATION = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s)\b")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    info: str
    body: str

    @property
    def language(self) -> str:
        return self.info.split(maxsplit=1)[0] if self.info.strip() else ""

    @property
    def file(self) -> str | None:
        match = re.search(r"\bfile=(\S+)", self.info)
        return match.group(1) if match else None


@dataclass(frozen=True)
class Command:
    page: str
    line: int
    text: str
    expected: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _blocks(page: str) -> list[Block]:
    path = ROOT / page
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [
        Block(page, text.count("\n", 0, match.start()) + 1, match.group(1).strip(), match.group(2))
        for match in _FENCE.finditer(text)
    ]


def _commands(block: Block) -> list[Command]:
    """The ``$`` commands of a console block, each with the lines up to the next command."""
    commands: list[Command] = []
    lines = block.body.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            raise AssertionError(f"{block.page}:{block.line + 1 + index}: output before any '$ ' command: {line!r}")
        start = index
        command = line[2:]
        while command.endswith("\\"):
            index += 1
            command = command[:-1] + lines[index].strip()
        index += 1
        expected = []
        while index < len(lines) and not lines[index].startswith("$ "):
            expected.append(lines[index])
            index += 1
        commands.append(Command(block.page, block.line + 1 + start, command, tuple(expected)))
    return commands


def _all_commands() -> list[Command]:
    return [
        command
        for page in PAGES
        for block in _blocks(page)
        if block.language == "console"
        for command in _commands(block)
    ]


def _stdin_and_args(command: str) -> tuple[str | None, list[str]]:
    """Split ``[echo TEXT | ]koie ARGS`` into the standard input and koie's arguments."""
    words = shlex.split(command)
    stdin = None
    if "|" in words:
        bar = words.index("|")
        feeder, words = words[:bar], words[bar + 1 :]
        if feeder[:1] == ["echo"]:
            stdin = " ".join(feeder[1:]) + "\n"
        elif feeder[:1] == ["printf"] and len(feeder) == 2:
            stdin = feeder[1].replace("\\n", "\n")
        else:
            raise AssertionError(f"only 'echo …' or 'printf …' may feed a command: {command!r}")
    if words[:1] != ["koie"] or "|" in words:
        raise AssertionError(f"a transcript runs koie commands only (write others in a 'sh' block): {command!r}")
    return stdin, words[1:]


def _normalised(lines: list[str] | tuple[str, ...]) -> list[str]:
    out = [_DURATION.sub("<duration>", line.rstrip()) for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` is ``expected``, a line ``...`` in it standing for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_matches(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and _matches(expected[1:], actual[1:])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the repository's docs, examples and rules, and every file the pages define."""
    folder = tmp_path_factory.mktemp("doc-outputs")
    for name in SHARED_FOLDERS:
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    for page in PAGES:
        for block in _blocks(page):
            if block.file is not None:
                target = folder / block.file
                assert not target.exists(), f"{block.page}:{block.line}: two blocks define {block.file}"
                target.parent.mkdir(parents=True, exist_ok=True)  # a page may define a folder of files
                target.write_text(block.body, encoding="utf-8")
    return folder


COMMANDS = _all_commands()
assert set(KNOWN_WRONG) <= {(c.page, c.text) for c in COMMANDS}, "KNOWN_WRONG names a command no page shows"


def _params(commands: list[Command]) -> list[object]:
    params = []
    for command in commands:
        reason = KNOWN_WRONG.get((command.page, command.text))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(command, id=command.id, marks=marks))
    return params


def test_doc_outputs_every_page_has_transcripts() -> None:
    pages = {command.page for command in COMMANDS}
    assert {"README.md", "docs/tutorial.md"} <= pages


@pytest.mark.kiwi
@pytest.mark.parametrize("command", _params(COMMANDS))
def test_doc_outputs_command_prints_what_the_page_shows(
    command: Command, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koie.cli import main

    monkeypatch.chdir(workdir)
    monkeypatch.setenv("KOIE_NO_PROGRESS", "1")
    stdin, args = _stdin_and_args(command.text)
    result = CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)
    expected, actual = _normalised(command.expected), _normalised(result.output.splitlines())
    if not _matches(expected, actual):
        assert actual == expected, f"{command.id}: $ {command.text}"


def _python_examples() -> list[tuple[Block, Block | None]]:
    blocks = _blocks("README.md")
    text = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    examples = []
    for index, block in enumerate(blocks):
        if block.language != "python":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        end = block.line + block.body.count("\n") + 1  # the closing fence's line
        between = text[end : following.line - 1] if following else []
        adjacent = following is not None and following.language == "text" and not any(s.strip() for s in between)
        examples.append((block, following if adjacent else None))
    return examples


PYTHON_EXAMPLES = _python_examples()


@pytest.mark.kiwi
@pytest.mark.parametrize(("example", "prints"), PYTHON_EXAMPLES, ids=[f"{b.page}:{b.line}" for b, _ in PYTHON_EXAMPLES])
def test_doc_outputs_python_example_runs_and_prints_what_the_page_shows(example: Block, prints: Block | None) -> None:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(example.body, f"{example.page}:{example.line}", "exec"), {"__name__": "__readme__"})
    if prints is not None:
        assert _normalised(output.getvalue().splitlines()) == _normalised(prints.body.splitlines())


def _readme_scores() -> list[tuple[str, dict[str, str], str]]:
    """The README's table of measured scores: (corpus, its row, the command numbered in its last column)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Measured", 1)[1].split("\n## ", 1)[0]
    header, *rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    names = [cell.strip() for cell in header.strip("|").split("|")]
    commands: dict[str, str] = {}
    block = next(b for b in _FENCE.finditer(section) if b.group(1).strip() == "sh").group(2)
    number = ""
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("# ("):
            number = line[2 : line.index(")") + 1]
        elif line.startswith("koie "):
            commands[number] = " ".join(line.split())
    table = []
    for row in rows:
        cells = dict(zip(names, (cell.strip() for cell in row.strip("|").split("|"))))
        table.append((cells["corpus"].split()[0].strip("`"), cells, commands[cells["command"]]))
    return table


README_SCORES = _readme_scores()
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.mark.kiwi
@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus is not on this machine")
@pytest.mark.parametrize(("corpus", "row", "command"), README_SCORES, ids=[c for c, _, _ in README_SCORES])
def test_doc_outputs_readme_scores_are_what_koie_eval_prints(corpus: str, row: dict[str, str], command: str) -> None:
    from koie.cli import main

    args = []
    for word in shlex.split(command)[1:]:
        matches = sorted(glob.glob(word, root_dir=ROOT)) if "*" in word else [word]
        args.extend(matches or [word])
    assert any(f"corpus/{corpus}/" in arg for arg in args), f"the command of {corpus} does not read it: {command}"
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    counts = re.search(r"(\d+) documents, tp=(\d+) fp=(\d+) fn=(\d+)", result.output)
    # the last scores are the overall ones (a scheme prints each key's first)
    scores = list(re.finditer(r"^precision=(\S+) recall=(\S+) f1=(\S+)", result.output, re.M))[-1:]
    assert counts and scores, result.output
    documents, tp, _fp, fn = (int(n) for n in counts.groups())
    assert row["documents, gold pairs"] == f"{documents}, {tp + fn}"
    assert (row["precision"], row["recall"], row["F1"]) == scores[0].groups()


@pytest.mark.kiwi
def test_doc_outputs_python_page_examples_run() -> None:
    """docs/python.md's ``>>>`` examples, as doctests (the suite's doctest glob covers only tests/ and koie/)."""
    result = doctest.testfile(
        str(ROOT / "docs" / "python.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "...", "d"], ["a", "d"], True),
        (["a", "...", "d"], ["a", "b", "c"], False),
        (["a", "b"], ["a", "b", "c"], False),
        (["...", "b"], ["a", "b"], True),
    ],
)
def test_doc_outputs_ellipsis_line_stands_for_any_lines(expected: list[str], actual: list[str], same: bool) -> None:
    assert _matches(expected, actual) is same


@pytest.mark.parametrize(
    ("command", "stdin", "args"),
    [
        ('koie tokenize "홍길동 사장"', None, ["tokenize", "홍길동 사장"]),
        ('echo "홍길동 사장" | koie run x.yaml -', "홍길동 사장\n", ["run", "x.yaml", "-"]),
        ("printf 'a\\nb\\n' | koie run x.yaml -", "a\nb\n", ["run", "x.yaml", "-"]),
    ],
)
def test_doc_outputs_command_line_is_split_as_a_shell_would(command: str, stdin: str | None, args: list[str]) -> None:
    assert _stdin_and_args(command) == (stdin, args)


def test_doc_outputs_refuses_commands_other_than_koie() -> None:
    with pytest.raises(AssertionError, match="koie commands only"):
        _stdin_and_args("pip install .")


def test_doc_outputs_durations_are_normalised() -> None:
    assert _normalised(["analysis 260 ms, matching 1.5 s  "]) == _normalised(["analysis 31 ms, matching 0.2 s"])
