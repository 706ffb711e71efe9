"""Loading rule files: values keep their file positions; imports and lexicon files resolve relative to the file."""

from __future__ import annotations

from pathlib import Path

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
    "imports, code, message",
    [
        ('["a\\0b.yaml"]', "E006", "cannot read imported pack: embedded null byte"),
        ('["."]', "E016", "the imported file '.' is not a rule pack: its name does not end in .yaml or .yml"),
        ('["d.yaml"]', "E006", "cannot read imported pack: '{tmp}/d.yaml' is a directory, not a file"),
    ],
)
def test_load_an_unreadable_import_is_located_at_the_import(tmp_path, imports: str, code: str, message: str) -> None:
    """A NUL in an import's path was a ValueError (internal error); a directory was E012 without a place."""
    from koie.lang.load import load_pack_lenient

    (tmp_path / "d.yaml").mkdir()
    pack = write(tmp_path / "p.yaml", f"imports: {imports}\nrules:\n  - {{id: a, label: X, pattern: /NNP}}\n")
    _spec, diagnostics = load_pack_lenient(pack)
    assert [(d.code, d.line, d.col, d.message) for d in diagnostics] == [(code, 1, 11, message.format(tmp=tmp_path))]


def test_load_a_lexicon_file_path_with_a_nul_is_e010(tmp_path) -> None:
    from koie.lang.load import load_pack_lenient

    pack = write(tmp_path / "p.yaml", 'lexicons:\n  T: {file: "a\\0b"}\nrules:\n  - {id: a, label: X, pattern: "@T"}\n')
    _spec, diagnostics = load_pack_lenient(pack)
    assert [d.code for d in diagnostics] == ["E010"]


# ------------------------------------------------------- hostile and unlucky files

RULE = "rules:\n  - {id: a, label: X, pattern: /NNP}\n"


def _codes(pack, **options) -> list[tuple[str, str]]:
    from koie.lang.load import load_pack_lenient

    _spec, diagnostics = load_pack_lenient(pack, **options)
    return [(d.code, d.message) for d in diagnostics]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("imports: [/dev/zero]\n" + RULE, None),  # not a .yaml: refused by its name, never read
        ("lexicons:\n  A: {file: /dev/zero}\n" + RULE, "a character device"),
        ("imports: [zero.yaml]\n" + RULE, "a character device"),  # a link named like a pack
        ("lexicons:\n  A: {file: fifo.txt}\n" + RULE, "a FIFO (named pipe)"),
        ("imports: [fifo.yaml]\n" + RULE, "a FIFO (named pipe)"),
    ],
    ids=["import_dev_zero", "lexicon_dev_zero", "import_link_to_dev_zero", "lexicon_fifo", "import_fifo"],
)
def test_load_special_files_are_refused_not_read(tmp_path, text: str, kind: str | None) -> None:
    """/dev/zero grew `koie check` to 24 GB; a FIFO blocked it forever."""
    import os

    os.mkfifo(tmp_path / "fifo.txt")
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    codes = _codes(write(tmp_path / "p.yaml", text))
    errors = [(code, message) for code, message in codes if code.startswith("E")]
    assert len(errors) == 1, codes
    code, message = errors[0]
    if kind is None:
        assert code == "E016"
    else:
        assert code in ("E006", "E010") and f"is {kind}, not a file" in message


def test_load_files_over_the_size_limit_are_refused(tmp_path) -> None:
    """Rule and lexicon files are read up to a limit (sparse files: nothing is written to disk)."""
    from koie.lang.yamlfile import MAX_LEXICON_FILE_BYTES, MAX_RULE_FILE_BYTES

    with open(tmp_path / "big.yaml", "wb") as big:
        big.truncate(MAX_RULE_FILE_BYTES + 1)
    with open(tmp_path / "big.txt", "wb") as big:
        big.truncate(MAX_LEXICON_FILE_BYTES + 1)
    codes = _codes(write(tmp_path / "p.yaml", "imports: [big.yaml]\nlexicons:\n  A: {file: big.txt}\n" + RULE))
    assert sorted(code for code, _ in codes) == ["E006", "E010"]
    assert all("larger than the 10 MB koie reads" in message for _, message in codes)
    assert _codes(tmp_path / "big.yaml")[0][0] == "E012"


def test_load_diamond_imports_read_each_file_once(tmp_path) -> None:
    """pack -> common, pack -> b -> common said `E005 rule id 'person' is used twice`, pointing at itself."""
    write(tmp_path / "common.yaml", "rules:\n  - {id: person, label: PERSON, pattern: /NNP}\n")
    write(tmp_path / "b.yaml", "imports: [common.yaml]\nrules:\n  - {id: b, label: B, pattern: '[PERSON] 사장'}\n")
    pack = write(
        tmp_path / "pack.yaml", "imports: [common.yaml, b.yaml]\nrules:\n  - {id: m, label: M, pattern: '[B] 만나'}\n"
    )
    spec = load_pack(pack)
    assert [rule.id for rule in spec.rules] == ["person", "b", "m"]
    assert [Path(name).name for name in spec.files] == ["common.yaml", "b.yaml", "pack.yaml"]


def test_load_an_import_repeated_at_every_level_is_read_once(tmp_path, monkeypatch) -> None:
    """Each of 25 files imports the next twice: 2**25 reads took minutes; each file is read once."""
    from koie.lang import load

    for level in range(25):
        write(
            tmp_path / f"a{level}.yaml",
            f"imports: [a{level + 1}.yaml, ./a{level + 1}.yaml]\n" + RULE.replace("a,", f"r{level},"),
        )
    write(tmp_path / "a25.yaml", RULE.replace("a,", "r25,"))
    reads: list[str] = []
    real = load.read_rule_file

    def counted(path, imported_at):  # type: ignore[no-untyped-def]
        reads.append(path.resolve().name)
        return real(path, imported_at)

    monkeypatch.setattr(load, "read_rule_file", counted)
    spec = load_pack(tmp_path / "a0.yaml")
    assert len(spec.rules) == 26
    assert sorted(reads) == sorted(f"a{level}.yaml" for level in range(26))


@pytest.mark.parametrize(
    "name, content",
    [
        (".env", "DB_PASSWORD=hunter2\n"),
        ("shadow", "root:$6$hunter2:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"),
        ("settings.yaml", "database:\n  password: hunter2\n  user: admin\n"),
        ("notes.yaml", "hunter2 is the password\n"),
    ],
)
def test_load_an_import_that_is_not_a_pack_is_one_error_without_its_content(tmp_path, name: str, content: str) -> None:
    """`imports: [../../etc/shadow]` printed its lines in 25 E002 errors; a .env its DB_PASSWORD."""
    from koie.lang.load import load_pack_lenient

    write(tmp_path / name, content)
    _spec, diagnostics = load_pack_lenient(write(tmp_path / "p.yaml", f"imports: ['{name}']\n" + RULE))
    assert [d.code for d in diagnostics] == ["E016"]
    shown = "\n".join(d.render() for d in diagnostics)
    assert "hunter2" not in shown and "admin" not in shown
    assert diagnostics[0].file == str(tmp_path / "p.yaml") and diagnostics[0].value == name


def test_load_an_imported_file_not_in_utf8_shows_none_of_it(tmp_path) -> None:
    from koie.lang.load import load_pack_lenient

    (tmp_path / "secret.yaml").write_bytes("rules: 비밀번호 hunter2\n".encode("cp949"))
    _spec, diagnostics = load_pack_lenient(write(tmp_path / "p.yaml", "imports: [secret.yaml]\n" + RULE))
    assert [d.code for d in diagnostics] == ["E006"]
    assert "cp949" in diagnostics[0].message and "hunter2" not in diagnostics[0].render()


def test_load_files_outside_the_pack_folder_warn_and_can_be_refused(tmp_path, monkeypatch) -> None:
    """An import or lexicon file outside the pack's folder is W001; KOIE_CONFINE=1 (or confine=True) refuses it."""
    from koie.lang.load import CONFINE_VARIABLE, load_pack_lenient

    (tmp_path / "pack").mkdir()
    (tmp_path / "shared").mkdir()
    write(tmp_path / "shared" / "common.yaml", "rules:\n  - {id: c, label: C, pattern: /NNG}\n")
    write(tmp_path / "shared" / "titles.txt", "회장\n")
    write(tmp_path / "pack" / "inside.txt", "사장\n")
    pack = write(
        tmp_path / "pack" / "p.yaml",
        "imports: [../shared/common.yaml]\n"
        "lexicons:\n  T: {file: ../shared/titles.txt}\n  U: {file: inside.txt}\n" + RULE,
    )
    monkeypatch.delenv(CONFINE_VARIABLE, raising=False)
    spec = load_pack(pack)  # warnings do not stop a load
    assert [rule.id for rule in spec.rules] == ["c", "a"]
    assert sorted((d.code, d.line) for d in spec.warnings) == [("W001", 1), ("W001", 3)]
    assert "imported file '../shared/common.yaml' is outside the pack's folder" in [d.message for d in spec.warnings]

    _spec, diagnostics = load_pack_lenient(pack, confine=True)
    assert sorted((d.code, d.line) for d in diagnostics) == [("E017", 1), ("E017", 3)]
    monkeypatch.setenv(CONFINE_VARIABLE, "1")
    with pytest.raises(KoieError) as caught:
        load_pack(pack)
    assert [d.code for d in caught.value.diagnostics] == ["E017", "E017"]
    assert load_pack(pack, confine=False).lexicons[0].entries == ("회장",)


def test_load_a_link_out_of_the_folder_is_outside(tmp_path) -> None:
    """The folder is checked on resolved paths: a symbolic link inside pointing outside is outside."""
    (tmp_path / "pack").mkdir()
    write(tmp_path / "names.txt", "홍길동\n")
    (tmp_path / "pack" / "names.txt").symlink_to(tmp_path / "names.txt")
    pack = write(tmp_path / "pack" / "p.yaml", "lexicons:\n  N: {file: names.txt}\n" + RULE)
    assert [code for code, _ in _codes(pack, confine=True)] == ["E017"]


def test_load_lexicon_files_are_part_of_the_pack_files(tmp_path) -> None:
    """Every file a pack reads is listed (a resumed run keys on them)."""
    write(tmp_path / "titles.txt", "회장\n")
    spec = load_pack(write(tmp_path / "p.yaml", "lexicons:\n  T: {file: titles.txt}\n" + RULE))
    assert [Path(name).name for name in spec.files] == ["titles.txt", "p.yaml"]


def test_load_lexicon_entries_are_bounded(tmp_path) -> None:
    """Every prefix of every entry is kept for matching: one 30,000-character entry took a gigabyte."""
    from koie.lang.load import MAX_LEXICON_ENTRY

    long = "가" * (MAX_LEXICON_ENTRY + 1)
    write(tmp_path / "names.txt", f"홍길동\n{long}\n")
    inline = write(tmp_path / "p.yaml", f"lexicons:\n  A: [홍길동, {long}]\n" + RULE)
    assert [code for code, _ in _codes(inline)] == ["E018"]
    from_file = write(tmp_path / "q.yaml", "lexicons:\n  A: {file: names.txt}\n" + RULE)
    ((code, message),) = _codes(from_file)
    assert code == "E018" and message.startswith("line 2 of lexicon file 'names.txt' has 101 characters")
    assert load_pack(write(tmp_path / "r.yaml", f"lexicons:\n  A: ['{long[:-1]}']\n" + RULE)).lexicons


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_load_a_utf16_rule_file_is_named_so(tmp_path, encoding: str) -> None:
    """A UTF-16 file was hinted as cp949 (or, without Hangul, failed on its NUL bytes)."""
    from koie.lang.load import load_pack_lenient

    (tmp_path / "p.yaml").write_bytes("rules:\n  - {id: a, label: 회사, pattern: /NNP}\n".encode(encoding))
    _spec, diagnostics = load_pack_lenient(tmp_path / "p.yaml")
    (diagnostic,) = diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == ("E012", 1, 1)
    assert "UTF-16" in diagnostic.message and diagnostic.source_line == "rules:"


@pytest.mark.parametrize("char, name", [("\x00", "NUL"), ("\x1b", "ESC"), ("\x07", "BEL")])
def test_load_control_characters_are_located_and_escaped(tmp_path, char: str, name: str) -> None:
    """YAML refuses them with `position 16`; koie says file:line:col and never prints them raw."""
    from koie.lang.load import load_pack_lenient

    pack = write(tmp_path / "p.yaml", f"rules:\n  - id: a\n    label: A{char}]0;title\n    pattern: /NNP\n")
    _spec, diagnostics = load_pack_lenient(pack)
    (diagnostic,) = diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == ("E001", 3, 13)
    assert f"({name})" in diagnostic.message
    rendered = diagnostic.render()
    assert char not in rendered
    assert rendered.splitlines()[1:3] == [f"    label: A\\x{ord(char):02x}]0;title", " " * 12 + "^^^^"]
