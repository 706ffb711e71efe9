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
    diagnostic = rule.pattern.diagnostic("E201", "here", offset, 3)
    assert (diagnostic.line, diagnostic.col) == (6, 7)
    assert diagnostic.source_line == "      회장이 만나"
    assert rule.pattern.position(offset) == (str(pack), 6, 7)


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
    assert first.pattern.position(first.pattern.text.index("와"))[1:] == (2, 42)
    assert second.pattern.position(second.pattern.text.index("[PERSON]"))[1:] == (7, 7)


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


def test_load_settings_are_typed_specs(tmp_path) -> None:
    """mentions, carry, overlap and dates come out as frozen specs, not the YAML's dicts."""
    import dataclasses

    from koie.lang.spec import CarrySpec, MentionSettings, OverlapSpec

    pack = write(
        tmp_path / "p.yaml",
        "overlap: {default: all, PERSON: priority}\n"
        "mentions:\n  PERSON: {name: fullest, attach: {org: ORG}, repeat: true}\n"
        "dates: [DATE]\n"
        "rules:\n"
        "  - {id: p, label: PERSON, pattern: /NNP}\n"
        "  - {id: o, label: ORG, pattern: /NNG}\n"
        "  - {id: d, label: DATE, pattern: /SN}\n"
        "  - id: m\n    label: MEETING\n    pattern: '[PERSON:subject] 만나/VV'\n"
        "    attrs: {kind: meeting, true: 1, 1.5: [a, {b: c}]}\n"
        "    carry: {object: {from: [PERSON, ORG], sentences: 2}, place: {from: ORG}}\n",
    )
    spec = load_pack(pack)
    assert spec.mentions == {"PERSON": MentionSettings("fullest", {"org": "ORG"}, True)}
    assert spec.overlap == OverlapSpec("all", {"PERSON": "priority"})
    assert (spec.overlap.policy("PERSON"), spec.overlap.policy("ORG")) == ("priority", "all")
    assert spec.dates == ("DATE",)
    meeting = spec.rules[-1]
    assert meeting.carry == (CarrySpec("object", ("PERSON", "ORG"), 2), CarrySpec("place", ("ORG",), 1))
    # keys as the JSON output writes them, so attrs are a mapping of str to plain values
    assert dict(meeting.attrs) == {"kind": "meeting", "true": 1, "1.5": ["a", {"b": "c"}]}
    with pytest.raises(dataclasses.FrozenInstanceError):
        meeting.carry[0].sentences = 3  # type: ignore[misc]


def test_load_an_importing_pack_overrides_its_imports_settings(tmp_path) -> None:
    write(
        tmp_path / "base.yaml",
        "overlap: {default: all, ORG: priority}\nrules:\n  - {id: o, label: ORG, pattern: /NNG}\n",
    )
    main = write(
        tmp_path / "main.yaml", "imports: [base.yaml]\noverlap: longest\nrules:\n  - {id: p, label: P, pattern: /NNP}\n"
    )
    overlap = load_pack(main).overlap
    assert (overlap.policy("ORG"), overlap.policy("P")) == ("priority", "longest")


@pytest.mark.parametrize(
    "score, code",
    [("high", "E004"), ("abc", "E004"), ("1e308", "E004"), ("[1]", "E004"), (".nan", "E014"), ("-1.0e+39", "E014")],
)
def test_load_a_bad_lexicon_score_is_a_diagnostic(tmp_path, score: str, code: str) -> None:
    """Before, the loader reported a bad score through a YAML node without marks: an internal error."""
    from koie.lang.load import load_pack_lenient

    pack = write(
        tmp_path / "p.yaml",
        f"lexicons:\n  T: {{entries: [회장], score: {score}}}\nrules:\n  - {{id: a, label: X, pattern: '@T'}}\n",
    )
    _spec, diagnostics = load_pack_lenient(pack)
    assert [(d.code, d.line, d.col, d.value) for d in diagnostics] == [(code, 2, 29, score)]
    assert load_pack(write(tmp_path / "ok.yaml", pack.read_text().replace(score, "-2.5"))).lexicons[0].score == -2.5


def test_load_a_huge_alias_expansion_costs_its_size(tmp_path) -> None:
    """Nested aliases are checked once per node: 10 levels of ten aliases (10^10 values) load at once."""
    from koie.lang.load import load_pack_lenient

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    pack = write(tmp_path / "p.yaml", "\n".join(lines) + "\nrules:\n  - {id: a, label: X, pattern: /NNP}\n")
    _spec, diagnostics = load_pack_lenient(pack)
    assert {d.code for d in diagnostics} == {"E002"}  # the a0..a9 keys are not pack keys; nothing else


@pytest.mark.parametrize(
    "imports, message",
    [
        ('["a\\0b.yaml"]', "cannot read imported pack: embedded null byte"),
        ('["."]', "cannot read imported pack: Is a directory"),
    ],
)
def test_load_an_unreadable_import_is_located_at_the_import(tmp_path, imports: str, message: str) -> None:
    """A NUL in an import's path was a ValueError (internal error); a directory was E012 without a place."""
    from koie.lang.load import load_pack_lenient

    pack = write(tmp_path / "p.yaml", f"imports: {imports}\nrules:\n  - {{id: a, label: X, pattern: /NNP}}\n")
    _spec, diagnostics = load_pack_lenient(pack)
    assert [(d.code, d.line, d.col, d.message) for d in diagnostics] == [("E006", 1, 11, message)]


def test_load_a_lexicon_file_path_with_a_nul_is_e010(tmp_path) -> None:
    from koie.lang.load import load_pack_lenient

    pack = write(tmp_path / "p.yaml", 'lexicons:\n  T: {file: "a\\0b"}\nrules:\n  - {id: a, label: X, pattern: "@T"}\n')
    _spec, diagnostics = load_pack_lenient(pack)
    assert [d.code for d in diagnostics] == ["E010"]
