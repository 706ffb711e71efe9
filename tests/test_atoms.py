"""koie.lang.atoms: the surface atoms of morphemes, and what each rule and label needs a document to hold."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import koie
from koie.analysis.morphemes import NotationAnalyzer
from koie.lang.atoms import required_atoms
from koie.lang.ir import ENDING_TAGS, STEM_TAGS, MorphemeCheck, RMorph, RSeq, rchildren
from koie.lang.load import load_pack
from koie.lang.resolve import resolve_pack
from koie.lang.spellings import spellings
from koie.lang.surface import Atom, check_atom, fold, surface_atom

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
#: The shipped packs whose literals the inflection properties cover (rules/deals.yaml once it exists).
PACKS = [
    path
    for path in (ROOT / "rules" / "meetings.yaml", ROOT / "examples" / "hello.yaml", ROOT / "rules" / "deals.yaml")
    if path.exists()
]


@pytest.mark.parametrize(
    ("form", "tag", "surfaces"),
    [
        ("만나", "VV", ["만났다", "만난", "만날", "만납니다", "만나서", "만남"]),
        ("하", "VV", ["했다", "해", "한", "할", "합니다"]),
        ("돕", "VV", ["도와", "도운", "돕는"]),
        ("듣", "VV", ["들어", "들은", "듣고"]),
        ("부르", "VV", ["불러", "부른", "불렀다"]),
        ("오르", "VV", ["올라", "오른", "올랐다"]),
        ("가지", "VV", ["가져", "가졌다", "가진"]),
        ("되", "VV", ["됐다", "돼", "된", "됩니다"]),
        ("열", "VV", ["연다", "엽니다", "열린"]),
        ("그렇", "VA", ["그래", "그런", "그랬다"]),
        ("찾", "VV", ["찾아", "찾았다", "찾는"]),
        ("것", "NNB", ["게", "거야", "건", "걸"]),
        ("우리", "NP", ["우린"]),
        ("나", "NP", ["내가"]),
        ("누구", "NP", ["누가"]),
        ("에서", "JKB", ["에선"]),
        ("었", "EP", ["했", "났", "됐", "었"]),
        ("ᆫ", "ETM", ["한", "만난", "연"]),
        ("지", "EC", ["무심치"]),
        ("게", "EC", ["간편케"]),
        ("CEO", "SL", ["ＣＥＯ", "ceo"]),
    ],
)
def test_atoms_surface_atom_is_in_every_surface(form: str, tag: str, surfaces: list[str]) -> None:
    atom = surface_atom(form, tag)
    assert atom is not None
    for surface in surfaces:
        assert atom.found_in(fold(surface)), (form, tag, str(atom), surface)


@pytest.mark.parametrize(
    ("form", "tag"), [("이", "VCP"), ("하", "XSV"), ("하", "XSA"), ("어", "EC"), ("이", "JKS"), ("의", "JKG")]
)
def test_atoms_morphemes_that_may_be_written_as_nothing_give_none(form: str, tag: str) -> None:
    """생각지 (하 gone), CEO다 (이 gone), 만나 (+어), 게 (것+이), 내 (나+의)."""
    assert surface_atom(form, tag) is None


def test_atoms_noun_keeps_its_vowel() -> None:
    """조우 may become 조운 (a contracted particle), never 조원: 3조원 in a market report is not a meeting word."""
    atom = surface_atom("조우", "NNG")
    assert atom is not None and atom.found_in("조운") and not atom.found_in(fold("3조 원"))


def test_atoms_atom_strings_and_pattern_agree() -> None:
    atom = surface_atom("만나", "VV")
    assert atom is not None
    strings = list(atom.strings())
    assert len(strings) == atom.count == 56 and all(atom.found_in(s) for s in strings)
    assert not atom.found_in("만원") and str(Atom.exact("회동")) == "회동"


# ------------------------------------------------------------------ Kiwi's own inflections


def _literal_checks(path: Path) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Every literal test (forms, tags) of a shipped pack, as the resolver made it."""
    pack = koie.load(path)
    found: dict[tuple[frozenset[str], frozenset[str]], None] = {}

    def walk(node: object) -> None:
        if isinstance(node, RMorph) and node.check.forms and not node.check.negated:
            found[(node.check.forms, node.check.tags)] = None
        for child in rchildren(node):  # type: ignore[arg-type]
            walk(child)

    for rule in pack.compiled.resolved.rules:
        walk(rule.body)
    return list(found)


#: Endings Kiwi joins to a stem, alone and in chains (tense, honorific, connective, final, modifier).
STEM_ENDINGS: list[list[tuple[str, str]]] = [
    [("어", "EC")],
    [("아", "EC")],
    [("었", "EP"), ("다", "EF")],
    [("았", "EP"), ("다", "EF")],
    [("ᆫ", "ETM")],
    [("ᆯ", "ETM")],
    [("는", "ETM")],
    [("ᆫ다", "EF")],
    [("ᆸ니다", "EF")],
    [("어서", "EC")],
    [("어도", "EC")],
    [("고", "EC")],
    [("지", "EC")],
    [("기", "ETN")],
    [("ᆷ", "ETN")],
    [("으면", "EC")],
    [("시", "EP"), ("었", "EP"), ("다", "EF")],
    [("었", "EP"), ("던", "ETM")],
    [("겠", "EP"), ("다", "EF")],
    [("어요", "EF")],
    [("려고", "EC")],
    [("ᆯ", "ETM"), ("것", "NNB")],
]
NOUNS_BEFORE = [("사람", "NNG"), ("회사", "NNG"), ("우리", "NP"), ("그것", "NP")]


def _kiwi_literals() -> list[tuple[str, str, frozenset[str], frozenset[str]]]:
    """(form, tag, forms, tags) for each morpheme a shipped pack's literal tests name."""
    out: dict[tuple[str, str, frozenset[str], frozenset[str]], None] = {}
    for path in PACKS:
        for forms, tags in _literal_checks(path):
            for form in sorted(forms):
                for tag in sorted(tags):
                    out[(form, tag, forms, tags)] = None
    return list(out)


@pytest.mark.kiwi
def test_atoms_survive_kiwis_inflections_of_every_literal(kiwi) -> None:
    """For every literal of the shipped packs: Kiwi's own inflections of it (kiwi.join with every
    ending of STEM_ENDINGS after a stem, after nouns and with particles after a particle or an
    ending's stem) hold its atom, and so does every text where Kiwi reads the literal back."""
    joiner = kiwi.kiwi
    tried = 0
    for form, tag, forms, tags in _kiwi_literals():
        atoms = check_atom(forms, tags)
        if atoms is None:
            continue
        if tag in STEM_TAGS:
            frames = [[(form, tag), *ending] for ending in STEM_ENDINGS]
            frames += (
                [[(noun, "NNG"), (form, tag), *STEM_ENDINGS[2]] for noun in ("회동", "생각")]
                if tag in ("XSV", "XSA")
                else []
            )
        elif tag.startswith("J"):
            frames = [[noun, (form, tag)] for noun in NOUNS_BEFORE] + [[("했", "VV"), ("기", "ETN"), (form, tag)]]
        elif tag in ENDING_TAGS:
            frames = [[(stem, "VV"), (form, tag)] for stem in ("만나", "하", "찾", "듣", "돕", "되")]
        else:
            frames = [
                [(form, tag)],
                [(form, tag), ("은", "JX")],
                [(form, tag), ("를", "JKO")],
                [(form, tag), ("이", "VCP"), ("다", "EF")],
            ]
        for frame in frames:
            try:
                text = joiner.join(frame)
            except Exception:  # a combination Kiwi refuses to join (a tag it does not inflect)
                continue
            tried += 1
            read = kiwi.analyze(text).sentences[0].morphemes if text.strip() else ()
            if (tag.startswith("J") or tag in ENDING_TAGS) and not any(m.form in forms and m.tag in tags for m in read):
                # Kiwi joined the other form of a particle or an ending (사람+는 사람은, 만나+는다 만난다)
                # and reads that form back: the literal does not match this text, so it needs no atom here
                continue
            assert any(atom.found_in(fold(text)) for atom in atoms), (form, tag, frame, text, sorted(map(str, atoms)))
            for morpheme in read:
                if morpheme.form in forms and morpheme.tag in tags:
                    assert any(atom.found_in(fold(text)) for atom in atoms), (form, tag, text)
    assert tried > 500


STEMS = st.sampled_from(
    [(f, t) for f, t, _forms, _tags in _kiwi_literals() if t in ("VV", "VA", "VX")] or [("만나", "VV")]
)


@pytest.mark.kiwi
@settings(max_examples=150, deadline=None)
@given(
    stem=STEMS, endings=st.lists(st.sampled_from([e for chain in STEM_ENDINGS for e in chain]), min_size=1, max_size=3)
)
def test_atoms_property_random_ending_chains(kiwi, stem: tuple[str, str], endings: list[tuple[str, str]]) -> None:
    """A stem of a shipped pack with any chain of endings Kiwi joins: the stem's atom is in the result."""
    atom = surface_atom(*stem)
    assert atom is not None
    try:
        text = kiwi.kiwi.join([stem, *endings])
    except Exception:
        return
    assert atom.found_in(fold(text)), (stem, endings, text, str(atom))


def _corpus_texts() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples" / "news").glob("*.txt"))]
    for name in ("news", "realnews", "realdeals"):
        texts += [path.read_text(encoding="utf-8") for path in sorted((SHARED / name).glob("*.txt"))]
    return texts


@pytest.mark.kiwi
def test_atoms_every_morpheme_of_the_corpora_holds_its_atom(kiwi) -> None:
    """Every morpheme Kiwi reads in the examples and the shared corpora (where present) holds its
    atom in the spacing unit it stands in: what Kiwi does to forms in real text, checked."""
    checked = 0
    for document in kiwi.analyze_many(_corpus_texts()):
        text = document.text
        for sentence in document.sentences:
            for morpheme in sentence.morphemes:
                atom = surface_atom(morpheme.form, morpheme.tag)
                if atom is None:
                    continue
                start, end = morpheme.start, morpheme.end
                while start > 0 and not text[start - 1].isspace():
                    start -= 1
                while end < len(text) and not text[end].isspace():
                    end += 1
                assert atom.found_in(fold(text[start:end])), (morpheme, text[start:end], str(atom))
                checked += 1
    assert checked > 1000


def _literal(form: str, tag: str) -> RMorph:
    return RMorph(MorphemeCheck(frozenset({form}), frozenset({tag})), 0)


@pytest.mark.kiwi
def test_atoms_every_run_of_morphemes_of_the_corpora_holds_one_of_its_spellings(kiwi) -> None:
    """Every two and three morphemes next to each other that Kiwi reads in the examples and the
    shared corpora (where present), as literals in a row, have a spelling (koie.lang.spellings)
    whose joined atoms are all in the text they stand in: the seams join only where Kiwi's
    surfaces really touch (인사+를, 회동+하+었, 나+의 내, 생각+하 지)."""
    checked = joined = 0
    for document in kiwi.analyze_many(_corpus_texts()):
        text = document.text
        for sentence in document.sentences:
            morphemes = sentence.morphemes
            for size in (2, 3):
                for first in range(len(morphemes) - size + 1):
                    run = morphemes[first : first + size]
                    written = spellings(RSeq(tuple(_literal(m.form, m.tag) for m in run)))
                    if written is None:
                        continue
                    start, end = min(m.start for m in run), max(m.end for m in run)
                    while start > 0 and not text[start - 1].isspace():
                        start -= 1
                    while end < len(text) and not text[end].isspace():
                        end += 1
                    place = fold(text[start:end])
                    assert any(all(atom.found_in(place) for atom in spelling.atoms) for spelling in written), (
                        [(m.form, m.tag) for m in run],
                        text[start:end],
                        [[str(atom) for atom in spelling.atoms] for spelling in written],
                    )
                    checked += 1
                    joined += any(len(spelling.atoms) < size for spelling in written)
    assert checked > 10000 and joined > 1000


@pytest.mark.parametrize(
    ("run", "written", "elsewhere"),
    [
        ([("인사", "NNG"), ("를", "JKO"), ("나누", "VV")], "인사를 나눴다", "인상을 두고 나눴다"),
        ([("일", "NNG"), ("자리", "NNG")], "일자리", "자리에 일이"),
        ([("회동", "NNG"), ("하", "XSV")], "회동했다", "회동 이후 하루"),
        ([("자리", "NNG"), ("하", "XSV")], "자리했다", "일자리 확대"),
        ([("예방", "NNG"), ("을", "JKO"), ("받", "VV")], "예방을 받았다", "예방 접종을 받았다"),
    ],
)
def test_atoms_spellings_join_neighbours(run: list[tuple[str, str]], written: str, elsewhere: str) -> None:
    """Literals in a row need their joined spelling: found where they are written together, not in
    a text that only holds each of them apart."""
    found = spellings(RSeq(tuple(_literal(form, tag) for form, tag in run)))
    assert found is not None

    def holds(text: str) -> bool:
        return any(all(atom.found_in(fold(text)) for atom in spelling.atoms) for spelling in found or ())

    assert holds(written) and not holds(elsewhere), [[str(atom) for atom in spelling.atoms] for spelling in found]


# -------------------------------------------------------------------------- rules and labels


def _resolved(yaml_text: str, directory: Path, words: dict[str, str]):  # type: ignore[no-untyped-def]
    path = directory / "pack.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    return resolve_pack(load_pack(path), NotationAnalyzer(words))


def _atoms_of(yaml_text: str, words: dict[str, str], directory: Path) -> dict[str, list[str] | None]:
    resolved = _resolved(yaml_text, directory, words)
    labels = required_atoms(resolved).labels
    return {label: None if found.atoms is None else sorted(map(str, found.atoms)) for label, found in labels.items()}


WORDS = {"회동": "회동/NNG", "회장": "회장/NNG", "사장": "사장/NNG", "와": "와/JKB", "만남": "만남/NNG"}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("/NNP 회동", ["회동"]),
        ("/NNP (회동 | 만남)", ["만남", "회동"]),
        ("/NNP (회동 | /NNG)", None),  # an alternative with no literal
        ("/NNP 회동?", None),  # optional
        ("/NNP !회동", None),  # negated
        ('r"^회"/NNG', None),  # a regex test
        ("/NNP (?! 회동)", None),  # a negative look-around requires nothing
        ("/NNP (?= 회동)", ["회동"]),  # a positive one requires its body
        ("/NNP @TITLE", ["사장", "회장"]),  # a lexicon's entries
        ("/NNP 회동{0,2}", None),
        ("/NNP 회동{1,2}", ["회동"]),
    ],
)
def test_atoms_rule_needs(pattern: str, expected: list[str] | None, tmp_path: Path) -> None:
    yaml_text = f"""
name: t
lexicons:
  TITLE: [회장, 사장]
rules:
  - id: r
    label: X
    pattern: '{pattern}'
"""
    assert _atoms_of(yaml_text, WORDS, tmp_path)["X"] == expected


def test_atoms_slot_label_counts_only_without_a_literal_of_the_rules_own(tmp_path: Path) -> None:
    yaml_text = """
name: t
lexicons:
  TITLE: [회장, 사장]
rules:
  - id: person
    label: PERSON
    pattern: /NNP (?= @TITLE)
  - id: meeting
    label: MEETING
    pattern: '[PERSON] ~3 [PERSON] 와 회동'
  - id: pair
    label: PAIR
    pattern: '[PERSON] /NNG [PERSON]'
  - id: tagged
    label: TAGGED
    pattern: /NNP /NNG
  - id: uses-tagged
    label: USES
    pattern: '[TAGGED] /NNG'
"""
    atoms = _atoms_of(yaml_text, WORDS, tmp_path)
    assert atoms["PERSON"] == ["사장", "회장"]
    assert atoms["MEETING"] == ["회동"]  # a meeting word, not a PERSON's title
    assert atoms["PAIR"] == ["사장", "회장"]  # no literal of its own: its slots'
    assert atoms["TAGGED"] is None and atoms["USES"] is None


def test_atoms_reason_names_what_needs_no_literal(tmp_path: Path) -> None:
    yaml_text = "name: t\nrules:\n  - id: tagged\n    label: T\n    pattern: /NNP (회동 | /NNG)\n"
    labels = required_atoms(_resolved(yaml_text, tmp_path, WORDS)).labels
    (rule,) = labels["T"].unfilterable
    assert (
        rule.rule == "tagged" and "/NNP (a tag test)" in rule.reason and "alternative '/NNG' needs none" in rule.reason
    )


def test_atoms_of_the_shipped_meetings_pack_are_meeting_words(meetings_pack) -> None:
    """Whatever rules/meetings.yaml holds, its MEETING atoms are filterable and no PERSON title is among them."""
    meeting = meetings_pack.atoms.labels["MEETING"]
    assert meeting.atoms is not None and meeting.atoms
    assert not {"회장", "사장", "ceo"} & {str(atom) for atom in meeting.atoms}


def test_atoms_every_unit_of_every_shipped_atom_is_a_character_set() -> None:
    for path in PACKS:
        for found in koie.load(path).atoms.labels.values():
            for atom in found.atoms or ():
                assert all(unit and "".join(sorted(set(unit))) == unit for unit in atom.units)
                assert list(itertools.islice(atom.strings(), 1))
