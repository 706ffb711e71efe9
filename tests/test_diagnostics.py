"""Broken rule packs give a diagnostic a rule writer can act on, never a traceback.

Every file ``tests/bad_rules/<case>.yaml`` has a golden ``<case>.expected``:
the exact stderr of ``koie check tests/bad_rules/<case>.yaml``. A change in
wording is then a reviewable diff. Regenerate the goldens with::

    KOIE_UPDATE_GOLDEN=1 python -m pytest -q tests/test_diagnostics.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main
from koie.errors import CODES, KoieError
from koie.lang.load import load_pack, load_pack_lenient

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad_rules"
CASES = sorted(p.stem for p in BAD.glob("*.yaml"))
UPDATE = bool(os.environ.get("KOIE_UPDATE_GOLDEN"))

#: The mistakes issue 7 lists, each with the case that shows it and the code it must give.
REQUIRED = {
    "yaml_bad_indent": "E001",
    "yaml_tab": "E001",
    "yaml_unclosed_quote": "E001",
    "yaml_unquoted_slot": "E001",
    "yaml_colon_in_value": "E001",
    "unknown_top_key": "E002",
    "unknown_rule_key": "E002",
    "missing_pattern": "E003",
    "missing_label": "E003",
    "duplicate_id": "E005",
    "import_missing": "E006",
    "import_cycle": "E007",
    "unsafe_tag": "E008",
    "empty_pack": "E009",
    "no_rules": "E009",
    "lexicon_file_missing": "E010",
    "duplicate_key": "E011",
    "pattern_as_list": "E004",
    "wrong_type": "E004",
    "unbalanced_bracket": "E102",
    "unbalanced_paren": "E102",
    "extra_closing": "E106",
    "nothing_to_repeat": "E103",
    "bounds_reversed": "E104",
    "invalid_regex": "E105",
    "big_quantifier": "E211",
    "unknown_label": "E201",
    "unknown_setting_label": "E201",
    "unknown_lexicon": "E202",
    "unknown_macro": "E203",
    "unknown_tag": "E204",
    "macro_cycle": "E205",
    "rule_cycle": "E206",
    "empty_match": "E207",
    "literal_unanalysable": "E208",
}

_HEADER = re.compile(r"^(?P<file>[^\s:]+\.yaml):(?P<line>\d+):(?P<col>\d+): (?P<code>[EW]\d{3}) \S")


def _check_stderr(case: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", f"tests/bad_rules/{case}.yaml"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize("case", CASES)
def test_diagnostics_golden(case: str) -> None:
    code, stderr = _check_stderr(case)
    golden = BAD / f"{case}.expected"
    if UPDATE:
        golden.write_text(stderr, encoding="utf-8")
    assert golden.exists(), f"no golden for {case}: run with KOIE_UPDATE_GOLDEN=1"
    assert stderr == golden.read_text(encoding="utf-8")
    assert code == 1
    assert "Traceback" not in stderr


@pytest.mark.parametrize("case,code", sorted(REQUIRED.items()))
def test_diagnostics_required_case_gives_located_error(case: str, code: str) -> None:
    """Each required mistake has its case, and the case gives file:line:col, the line, a caret and a hint."""
    assert case in CASES, f"tests/bad_rules/{case}.yaml is missing"
    _exit, stderr = _check_stderr(case)
    lines = stderr.splitlines()
    headers = [(i, m) for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m["code"] == code]
    assert headers, f"{case}: no {code} diagnostic in\n{stderr}"
    index, header = headers[0]
    assert header["code"] in CODES
    assert "hint: " in stderr
    if case != "empty_pack":  # an empty file has no line to show
        source_line, caret = lines[index + 1], lines[index + 2]
        assert caret.strip() and set(caret.strip()) == {"^"}, f"{case}: no caret under\n{source_line}"
        file_line = (ROOT / header["file"]).read_text(encoding="utf-8").splitlines()[int(header["line"]) - 1]
        assert source_line == file_line


def test_diagnostics_every_golden_has_its_case() -> None:
    assert sorted(p.stem for p in BAD.glob("*.expected")) == CASES


def test_diagnostics_yaml_caret_points_at_the_cause() -> None:
    """PyYAML gives up at the end of the file for an unclosed quote; the caret goes to the quote."""
    _spec, diagnostics = load_pack_lenient(BAD / "yaml_unclosed_quote.yaml")
    (diagnostic,) = diagnostics
    assert (diagnostic.line, diagnostic.col) == (5, 14)
    _spec, diagnostics = load_pack_lenient(BAD / "yaml_bad_indent.yaml")
    assert (diagnostics[0].line, diagnostics[0].col) == (5, 6)
    assert "align 'pattern:' with 'label:' on line 4" in (diagnostics[0].suggestion or "")


def test_diagnostics_caret_after_tab_and_hangul_lines_up() -> None:
    _spec, diagnostics = load_pack_lenient(BAD / "yaml_tab.yaml")
    assert diagnostics[0].render().splitlines()[2] == "^"
    from koie.errors import Diagnostic

    rendered = Diagnostic("E101", "x", "f.yaml", 1, 5, "\t회장 x", 1).render().splitlines()
    assert rendered[2] == "\t" + " " * 5 + "^"


def test_diagnostics_cli_exit_1_without_traceback() -> None:
    """The real process: exit 1, a diagnostic on stderr, nothing on stdout, no traceback."""
    for case in ("yaml_tab", "unsafe_tag"):
        done = subprocess.run(
            [sys.executable, "-m", "koie", "check", f"tests/bad_rules/{case}.yaml"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1
        assert done.stdout == ""
        assert "Traceback" not in done.stderr
        assert re.search(r"^tests/bad_rules/" + case + r"\.yaml:\d+:\d+: E0\d\d ", done.stderr, re.MULTILINE)
    done = subprocess.run(
        [sys.executable, "-m", "koie", "run", "tests/bad_rules/yaml_tab.yaml", "-"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input="x",
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "E001" in done.stderr and "Traceback" not in done.stderr


def test_diagnostics_yaml_tags_never_run(tmp_path: Path) -> None:
    """A pack is data: a python tag is refused before anything is constructed."""
    marker = tmp_path / "ran"
    pack = tmp_path / "evil.yaml"
    pack.write_text(
        f"rules:\n  - id: x\n    label: !!python/object/apply:os.system ['touch {marker}']\n    pattern: /NNP\n",
        encoding="utf-8",
    )
    with pytest.raises(KoieError) as caught:
        load_pack(pack)
    assert [d.code for d in caught.value.diagnostics] == ["E008"]
    assert not marker.exists()


def test_diagnostics_imports_resolve_relative_to_the_importing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "packs" / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "packs" / "main.yaml").write_text(
        "imports: [sub/people.yaml]\nrules:\n  - id: m\n    label: M\n    pattern: /NNP\n", encoding="utf-8"
    )
    (tmp_path / "packs" / "sub" / "people.yaml").write_text(
        "imports: [../titles.yaml]\nrules:\n  - id: p\n    label: P\n    pattern: /NNG\n", encoding="utf-8"
    )
    (tmp_path / "packs" / "titles.yaml").write_text(
        "rules:\n  - id: t\n    label: T\n    pattern: /VV\n", encoding="utf-8"
    )
    # a decoy beside the current directory must not be picked up
    (tmp_path / "elsewhere" / "sub").mkdir()
    (tmp_path / "elsewhere" / "sub" / "people.yaml").write_text("rules: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "elsewhere")
    spec = load_pack(Path("..") / "packs" / "main.yaml")
    assert [rule.id for rule in spec.rules] == ["t", "p", "m"]
