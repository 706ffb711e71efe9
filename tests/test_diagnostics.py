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
from koie.errors import CODES, Diagnostic, DocumentError, DocumentProblem, KoieError, PackError, PatternError, printable
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

#: Inputs that reached "internal error" (a traceback's last line) before they had a diagnostic of their
#: own; each must give file:line:col, the line, a caret, the bad value and a hint, and exit 1.
NO_INTERNAL_ERROR = {
    "lexicon_score_high": "E004",  # the loader made a YAML node without marks to report it
    "lexicon_score_abc": "E004",
    "lexicon_score_exponent": "E004",  # YAML 1.1 reads 1e308 as text
    "deep_nesting": "E109",  # 120 nested ( ): a RecursionError in the transformer
    "macro_nesting": "E109",  # macros inside groups nest deeper than any one pattern
    "yaml_alias_loop": "E015",  # an alias inside its own anchor: a RecursionError
    "yaml_too_deep": "E015",
    "yaml_alias_bomb": "E015",  # aliases of aliases: 100,000 values in attrs
    "attrs_list_key": "E004",  # a list as a mapping key: unhashable
    "format_version": "E013",
    "name_resolution": "E214",
    "carry_sentences": "E014",
    "negated_literal": "E215",
    "nested_repetition": "E211",  # 8 million instructions: a MemoryError when the rule was compiled
    # document-level keys: bad values of relations, joins and anaphora
    "relation_role": "E216",
    "relations_values": "E004",
    "joins_values": "E014",
    "anaphora_values": "E004",
}

#: Hostile and unlucky rule inputs (issue 26): each case, the code it must give, and no content of files it names.
HOSTILE = {
    "warn_regex_exponential": "W105",  # r"^(a+)+$" took 54 s on 30 a's; `koie check` was silent
    "import_not_a_pack": "E016",  # an import of a .env printed its DB_PASSWORD
    "import_not_a_pack_yaml": "E016",
    "import_etc_passwd": "E016",  # /etc/shadow printed its lines in 25 E002 errors
    "lexicon_dev_zero": "E010",  # koie check grew to 24 GB
    "warn_import_outside": "W001",
    "yaml_nul": "E001",  # "position 16" instead of file:line:col
    "yaml_escape": "E001",  # and the ESC reached the terminal
    "macro_bomb": "E211",  # 2**30 elements: koie check never ended
    "closure_explosion": "E211",  # passed koie check, then a MemoryError at 6 GB
    "lexicon_entry_too_long": "E018",
}

_HEADER = re.compile(r"^(?P<file>[^\s:]+\.yaml):(?P<line>\d+):(?P<col>\d+): (?P<code>[EW]\d{3}) \S")


def _check_stderr(case: str) -> tuple[int, str]:
    """``koie check`` on the case; a case named ``warn_*`` shows a warning, and is checked with ``--strict``."""
    strict = ["--strict"] if case.startswith("warn_") else []
    result = CliRunner().invoke(main, ["check", *strict, f"tests/bad_rules/{case}.yaml"])
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


@pytest.mark.parametrize(
    "case,code", sorted(REQUIRED.items()) + sorted(NO_INTERNAL_ERROR.items()) + sorted(HOSTILE.items())
)
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
        assert source_line == printable(file_line, keep="\t")  # invisible and control characters shown as escapes
    if case in NO_INTERNAL_ERROR or case in HOSTILE:
        assert lines[index + 3].startswith("  bad value: "), f"{case}: no bad value in\n{stderr}"
        assert "internal error" not in stderr
    if case in HOSTILE:
        assert "do-not-print-me" not in stderr and "root:" not in stderr
        assert all(char.isprintable() for line in lines for char in line), f"{case}: a control character in\n{stderr}"


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


def test_diagnostics_missing_rule_file_has_a_rule_file_code(tmp_path: Path) -> None:
    """A rule file that does not exist is E012 (a rule-file code), not E404 (a document's)."""
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.yaml'}: E012 rule file" in result.stderr
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path / "nope.yaml")
    assert [d.code for d in caught.value.diagnostics] == ["E012"]


def test_diagnostics_yaml_nested_past_the_composer_is_located(tmp_path: Path) -> None:
    """Nesting deep enough to exhaust the YAML composer's recursion is E015 at the first level too deep."""
    pack = tmp_path / "deep.yaml"
    pack.write_text("rules:\n  - {id: a, label: X, pattern: 회장, attrs: {x: " + "[" * 5000 + "]" * 5000 + "}}\n")
    _spec, diagnostics = load_pack_lenient(pack)
    assert [(d.code, d.line) for d in diagnostics] == [("E015", 2)]
    # 65 deep from the document: the pack, rules, the rule and attrs, then the 61st list
    assert diagnostics[0].col == diagnostics[0].source_line.index("[") + 1 + 60


# ---------------------------------------------------------------- the code table


def _sections() -> dict[str, str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    parts = re.split(r"^### ([EW]\d{3})\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_diagnostics_errors_page_gives_each_code_its_meaning() -> None:
    """docs/errors.md has a section per code, headed by the very meaning CODES gives it."""
    sections = _sections()
    assert sorted(sections) == sorted(CODES)
    for code, meaning in CODES.items():
        first = sections[code].strip().split("\n", 1)[0]
        assert first.startswith(f"**{meaning}.**"), f"{code}: docs say {first[:80]!r}, CODES say {meaning!r}"


def _codes_in_source() -> dict[str, set[str]]:
    """Every diagnostic code written as a string in koie's source, with the files that write it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "koie").rglob("*")):
        if path.suffix in (".py", ".pyx") and path.name != "errors.py":
            for code in re.findall(r"[\"']([EW]\d{3})[\"']", path.read_text(encoding="utf-8")):
                found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found


def test_diagnostics_every_code_in_the_source_is_in_the_table_and_back() -> None:
    found = _codes_in_source()
    assert sorted(set(found) - set(CODES)) == [], "codes koie emits but CODES lacks"
    assert sorted(set(CODES) - set(found)) == [], "codes in CODES that nothing emits"


def test_diagnostics_codes_outside_the_table_are_refused() -> None:
    """A diagnostic or a document problem carries a code of the one table, or is not made."""
    with pytest.raises(ValueError, match="E999"):
        Diagnostic("E999", "no such code")
    with pytest.raises(ValueError, match="E213x"):
        DocumentProblem("doc", "E213x", "no such code")
    assert DocumentProblem("doc", "E402", "the document is empty").code == "E402"


def test_diagnostics_every_koie_exception_is_a_koie_error() -> None:
    from koie.run.inputs import DocumentProblem as ReadProblem
    from koie.vm.limits import DocumentTimeout

    assert issubclass(PackError, KoieError) and issubclass(PatternError, PackError)
    assert issubclass(DocumentError, KoieError) and issubclass(DocumentTimeout, DocumentError)
    assert ReadProblem is DocumentProblem  # one record of a document's problem, from the errors module


def test_diagnostics_pattern_error_alone_is_placed_in_its_pattern() -> None:
    from koie.lang.parse import parse_pattern

    with pytest.raises(KoieError) as caught:
        parse_pattern("회장 [PERSN")
    assert isinstance(caught.value, PatternError)
    assert (caught.value.code, caught.value.offset) == ("E102", 3)
    assert str(caught.value).splitlines()[:3] == [
        "<pattern>:1:4: E102 expected ']' to close slot '[PERSN'",
        "회장 [PERSN",
        "     ^^^^^^",
    ]


@pytest.mark.parametrize(
    "error",
    [
        KoieError([Diagnostic("E406", "stale journal")]),
        PatternError("E102", "unclosed", 3, 2, "[P", "close it").in_pattern("회장 [P"),
        DocumentError([Diagnostic("E405", "failed")]),
    ],
    ids=["KoieError", "PatternError", "DocumentError"],
)
def test_diagnostics_koie_errors_pickle(error: KoieError) -> None:
    """Worker processes send errors back pickled; every subclass comes back whole."""
    import pickle

    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert again.diagnostics == error.diagnostics and str(again) == str(error)
    assert vars(again) == vars(error)


def test_diagnostics_document_timeout_pickles() -> None:
    import pickle

    from koie.vm.limits import DocumentTimeout

    again = pickle.loads(pickle.dumps(DocumentTimeout("too slow")))
    assert isinstance(again, DocumentTimeout) and again.reason == "too slow" and again.code == "E403"
