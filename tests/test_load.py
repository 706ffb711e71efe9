"""Loading rule files: values keep their file positions; imports and lexicon files resolve relative to the file."""

from __future__ import annotations

import pytest

from koie.errors import KoieError
from koie.lang.load import load_pack


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_load_block_scalar_pattern_maps_offsets_to_file_positions(tmp_path) -> None:
    pack = write(
        tmp_path / "p.yaml",
        ("rules:\n  - id: r\n    label: X\n    pattern: |\n      [PERSON:s]   # who\n      회장이 만나\n"),
    )
    rule = load_pack(pack).rules[0]
    text = rule.pattern.text
    offset = text.index("회장이")
    diagnostic = rule.pattern.diagnostic("E000", "here", offset, 3)
    assert (diagnostic.line, diagnostic.col) == (6, 7)
    assert diagnostic.source_line == "      회장이 만나"


def test_load_folded_and_quoted_patterns(tmp_path) -> None:
    pack = write(
        tmp_path / "p.yaml",
        (
            "rules:\n"
            '  - {id: a, label: X, pattern: "[PERSON] 와"}\n'
            "  - id: b\n"
            "    label: X\n"
            "    pattern: >\n"
            "      [ORG]의\n"
            "      [PERSON]\n"
        ),
    )
    first, second = load_pack(pack).rules
    d = first.pattern.diagnostic("E000", "x", first.pattern.text.index("와"))
    assert (d.line, d.col) == (2, 42)
    d = second.pattern.diagnostic("E000", "x", second.pattern.text.index("[PERSON]"))
    assert (d.line, d.col) == (7, 7)


def test_load_imports_and_lexicon_files_are_relative_to_the_importing_file(tmp_path) -> None:
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib" / "titles.txt", "# titles\n회장\n\n사장  # comment\n")
    write(
        tmp_path / "lib" / "common.yaml",
        ("lexicons:\n  TITLE: {file: titles.txt}\nrules:\n  - {id: title, label: TITLE, pattern: '@TITLE'}\n"),
    )
    main = write(
        tmp_path / "main.yaml", ("imports: [lib/common.yaml]\nrules:\n  - {id: p, label: P, pattern: '/NNP [TITLE]'}\n")
    )
    pack = load_pack(main)
    assert [r.id for r in pack.rules] == ["title", "p"]
    assert pack.lexicons[0].entries == ("회장", "사장")


def test_load_refuses_python_tags(tmp_path) -> None:
    pack = write(tmp_path / "p.yaml", "rules: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(KoieError) as caught:
        load_pack(pack)
    assert [d.code for d in caught.value.errors] == ["E008"]


def test_load_unknown_keys_suggest(tmp_path) -> None:
    pack = write(tmp_path / "p.yaml", "rules:\n  - {id: a, label: X, patern: 회장}\n")
    with pytest.raises(KoieError) as caught:
        load_pack(pack)
    codes = {d.code: d for d in caught.value.errors}
    assert codes["E002"].suggestion == "Did you mean 'pattern'?"
    assert len(caught.value.errors) == 1  # the typo explains the missing pattern; no second error
