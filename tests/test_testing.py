"""koie.testing: Hangul helpers (no model), generated sentences and properties (Kiwi), profiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

import koie
from koie.cli import main
from koie.testing.checks import misread_names, misread_pieces
from koie.testing.generate import Generator
from koie.testing.metamorphic import reinflect
from koie.testing.properties import run_properties
from koie.testing.words import (
    ENDING_MORPHEMES,
    ENDINGS,
    NamePools,
    attach_particle,
    has_final_consonant,
    inflect,
    particle_after,
    replacements,
    swap_name,
)

PACK = Path(__file__).parent / "property" / "packs" / "visits.koie.yaml"


@pytest.mark.parametrize(
    "stem, ending, expected",
    [
        ("만나", "past", "만났다"),
        ("만나", "adnominal", "만난"),
        ("만나", "seo", "만나서"),
        ("만나", "go", "만나고"),
        ("만나", "past_myeo", "만났으며"),
        ("회동하", "past", "회동했다"),
        ("회동하", "adnominal", "회동한"),
        ("받", "past", "받았다"),
        ("받", "adnominal", "받은"),
        ("먹", "seo", "먹어서"),
        ("주", "past", "줬다"),
        ("보", "seo", "봐서"),
        ("기다리", "past", "기다렸다"),
        ("쓰", "past", "썼다"),
        ("만들", "adnominal", "만든"),
        ("되", "past", "됐다"),
        ("보내", "past", "보냈다"),
    ],
)
def test_testing_inflect_table(stem: str, ending: str, expected: str) -> None:
    assert inflect(stem, ending) == expected


@pytest.mark.parametrize(
    "word, particle, expected",
    [
        ("홍길동", "가", "홍길동이"),
        ("김철수", "이", "김철수가"),
        ("김철수", "과", "김철수와"),
        ("사장", "와", "사장과"),
        ("CEO", "이", "CEO가"),
        ("최고경영자(CEO)", "와", "최고경영자(CEO)와"),
        ("3M", "와", "3M과"),
        ("서울", "으로", "서울로"),
        ("본사", "으로", "본사로"),
        ("회장", "로", "회장으로"),
        ("부산", "를", "부산을"),
        ("도쿄", "은", "도쿄는"),
        ("회장", "나", "회장이나"),
    ],
)
def test_testing_attach_particle_table(word: str, particle: str, expected: str) -> None:
    assert attach_particle(word, particle) == expected


def test_testing_final_consonant_reads_latin_and_digits() -> None:
    assert [has_final_consonant(w) for w in ("LG", "KT", "AI", "XL", "10", "2")] == [
        False,
        False,
        False,
        True,
        True,
        False,
    ]
    assert particle_after("", "이") == "가"


def test_testing_swap_name_fixes_the_particle() -> None:
    assert swap_name("홍길동이 김철수와 만났다.", 5, 8, "홍길동") == "홍길동이 홍길동과 만났다."
    assert swap_name("김철수 대표와", 0, 3, "마리아 로페즈") == "마리아 로페즈 대표와"


@pytest.mark.parametrize(
    "ending, expected",
    [
        ("past", "홍길동이 만났다."),
        ("seo", "홍길동이 만나서 협력 방안을 논의했다."),
        ("adnominal", "홍길동이 만난 자리에서 협력 방안을 논의했다."),
    ],
)
def test_testing_reinflect_keeps_a_sentence(ending: str, expected: str) -> None:
    assert reinflect("홍길동이 만났다.", 5, 8, "만나", ending) == expected


def test_testing_inflect_agrees_with_kiwi_join(kiwi) -> None:
    pieces = {
        "past": [("었", "EP"), ("다", "EF")],
        "adnominal": [("ᆫ", "ETM")],
        "seo": [("어서", "EC")],
        "go": [("고", "EC")],
        "past_myeo": [("었", "EP"), ("으며", "EC")],
    }
    for stem, tag in (("만나", "VV"), ("회동하", "VV"), ("받", "VV"), ("주", "VV"), ("보", "VV")):
        for ending in ENDINGS:
            assert inflect(stem, ending) == kiwi.kiwi.join([(stem, tag)] + pieces[ending]), (stem, ending)
    # a form/TAG stem's ending falls in the gap after it (서/VV ~2 사진): the generator counts it
    assert {ending: len(added) for ending, added in pieces.items()} == ENDING_MORPHEMES


@pytest.fixture(scope="module")
def visits():
    return koie.load(PACK)


def test_testing_generated_sentences_carry_their_captures(visits) -> None:
    generator = Generator(visits)
    seen = []

    @settings(max_examples=15, database=None)
    @given(generator.sentences("visit"))
    def collect(sentence):
        seen.append(sentence)
        assert sentence.captures["city"] in sentence.text
        assert sentence.captures["visitor"] in sentence.text
        assert sentence.text.endswith(".")

    collect()
    assert any("방문" in s.text for s in seen)


def test_testing_properties_pass_on_a_sound_pack(visits) -> None:
    results = list(run_properties(visits, None, seed=3, max_examples=8))
    assert {(r.rule, r.kind) for r in results} >= {
        ("visit", "generated"),
        ("visit", "surround"),
        ("visit", "ending"),
        ("visit", "swap"),
        ("visit", "no_match-surround"),
    }
    assert [r for r in results if not r.ok] == []


@pytest.mark.parametrize(
    "change",
    [
        ("(이 | 은) @CITY", "(이) @CITY"),  # a particle deleted from an alternative
        ("@CITY:city 을? 방문하", "@CITY:city 에 방문하"),  # a particle changed
    ],
)
def test_testing_cli_fails_a_broken_rule_with_a_shrunk_counterexample(tmp_path: Path, change) -> None:
    broken = tmp_path / "broken.koie.yaml"
    broken.write_text(PACK.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(broken), "--seed", "1", "--max-examples", "8"])
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output and "visit surround:" in result.output
    # shrunk: the smallest failing variant is an example with nothing added around it
    surround = next(line for line in result.output.splitlines() if " visit surround: " in line)
    assert surround.split(" visit surround: ")[1] in (
        "홍길동 사장이 부산을 방문했다.",
        "김철수 대표는 도쿄를 방문하고 돌아왔다.",
    )
    assert "broken.koie.yaml:20" in result.output  # the rule's file:line
    assert "reproduce: koie test" in result.output and "--seed 1" in result.output
    assert "then expected" in result.output  # why it did not match


def test_testing_cli_passes_a_sound_pack() -> None:
    result = CliRunner().invoke(main, ["test", str(PACK), "--seed", "2", "--max-examples", "5"])
    assert result.exit_code == 0, result.output


def test_testing_swap_keeps_a_bare_surname_apart_from_full_names() -> None:
    # 최 (최 회장) swapped into 강재원's place gives 최 한결제약 회장, which no news writes
    pools = NamePools({1: ("김민수", "박서연")}, (), {})
    seen = {"PERSON": {"최", "이", "버핏", "강재원"}}
    assert "최" not in replacements(pools, "PERSON", "강재원", seen)
    assert "버핏" in replacements(pools, "PERSON", "강재원", seen)
    assert replacements(pools, "PERSON", "최", seen) == ["이"]


def test_testing_regex_tests_are_generated_from_the_name_pools(tmp_path) -> None:
    """A rule whose name is a regex on a proper noun still gets generated sentences."""
    pack_file = tmp_path / "regex.yaml"
    pack_file.write_text(
        "lexicons:\n  TITLE: [사장, 대표]\n"
        "rules:\n"
        "  - id: person\n    label: PERSON\n"
        "    pattern: 'r\"^[가-힣]{3}$\"/NNP (?= @TITLE)'\n"
        "    examples: {match: [{text: 홍길동 사장이 왔다., match: 홍길동}]}\n",
        encoding="utf-8",
    )
    results = [r for r in run_properties(koie.load(pack_file)) if r.kind == "generated"]
    assert results and results[0].ok and not results[0].message.startswith("skipped"), results


def test_testing_names_kiwi_reshapes_are_misread(kiwi) -> None:
    """A generated case says nothing about the rule when Kiwi read a pool name otherwise than when it
    was vetted: split into more proper nouns (홍준호 before a parenthesis) or re-spaced by its
    dictionary of multi-word names (신시우 as 신시 우/NNP)."""
    pack = koie.load(Path(__file__).parent.parent / "examples" / "hello.yaml", kiwi)
    pools = NamePools({1: ("홍준호", "신시우", "홍길동")}, (), {})
    split = pack.extract_document("홍준호(어제) 회장이 참석했다.", "t")
    assert [m.form for m in split.document.sentences[0].morphemes[:2]] == ["홍", "준호"]  # Kiwi's reading
    assert misread_names(split, [(0, 3)], pools) == ["홍준호"]
    assert misread_names(split, [(0, 3)]) == []  # two proper nouns: read as such without the pools
    spaced = pack.extract_document("신시우 회장이 참석했다.", "t")
    assert spaced.document.sentences[0].morphemes[0].form == "신시 우"
    assert misread_names(spaced, [(0, 3)], pools) == misread_names(spaced, [(0, 3)]) == ["신시우"]
    plain = pack.extract_document("홍길동 회장이 참석했다.", "t")
    assert misread_names(plain, [(0, 3)], pools) == []


RELATIONS = (
    "lexicons:\n  TITLE: [회장, 사장, 대표]\n"
    "rules:\n"
    "  - id: person\n    label: PERSON\n    output: false\n"
    "    pattern: 'r\"^[가-힣]{3}$\"/NNP (?= @TITLE)'\n"
    "    examples: {match: [{text: 홍길동 사장이 왔다., match: 홍길동}]}\n"
    "  - id: title\n    label: TITLE\n    output: false\n    pattern: '@TITLE'\n"
    "  - id: met\n    label: MET\n"
    "    pattern: '[PERSON:a] [TITLE]? (이 | 은) [PERSON:b] [TITLE]? (와 [PERSON:b] [TITLE]?)* 와 {verb}'\n"
    "    examples: {{match: [{{text: 홍길동 사장이 김민수 대표와 만났다., captures: {{a: 홍길동, b: 김민수}}}}]}}\n"
)


def test_testing_relation_rules_get_generated_sentences(tmp_path) -> None:
    """A rule whose slots are filled by entity rules with regex tests is generated too: each filler
    is a pool name the regex accepts, a repeated capture holds every filler, and the fillers' spans
    say where the entity rules must find them."""
    pack_file = tmp_path / "relations.yaml"
    pack_file.write_text(RELATIONS.replace("{verb}", "만나").replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    pack = koie.load(pack_file)
    generator = Generator(pack)
    seen = []

    # derandomised: in one random run of 40, thirty sentences held no list of three people
    @settings(max_examples=30, database=None, deadline=None, derandomize=True)
    @given(generator.sentences("met"))
    def collect(sentence):
        seen.append(sentence)
        for label, start, end in sentence.fillers:
            assert label in ("PERSON", "TITLE") and sentence.text[start:end].strip() == sentence.text[start:end]
        people = [sentence.text[s:e] for label, s, e in sentence.fillers if label == "PERSON"]
        assert sentence.captures["a"] == people[0]
        assert sentence.captures["b"] == " ".join(people[1:])  # every object, in order

    collect()
    assert any(len([f for f in s.fillers if f[0] == "PERSON"]) > 2 for s in seen)
    results = {r.kind: r for r in run_properties(pack, {"met"}, seed=4, max_examples=10)}
    assert results["generated"].ok and not results["generated"].message.startswith("skipped"), results["generated"]


def test_testing_relation_rules_fail_when_they_miss_their_sentences(tmp_path) -> None:
    """만나/VA is no verb Kiwi gives 만났다: the generated sentences find it, with a shrunk counterexample."""
    pack_file = tmp_path / "relations.yaml"
    pack_file.write_text(RELATIONS.replace("{verb}", "만나/VA").replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    results = {r.kind: r for r in run_properties(koie.load(pack_file), {"met"}, seed=4, max_examples=10)}
    assert not results["generated"].ok
    assert results["generated"].text.endswith(".")  # the shrunk sentence
    assert "did not match" in results["generated"].message


def test_testing_words_kiwi_reads_otherwise_make_a_case_inconclusive(kiwi) -> None:
    """A generated particle Kiwi does not read as one (도 and 와 stacked after a name: 도/NNG), a filler
    word it cuts, or a form/TAG word it tags otherwise says nothing about the rule."""
    pack = koie.load(Path(__file__).parent.parent / "examples" / "hello.yaml", kiwi)
    stacked = pack.extract_document("김민수 김지훈도와 회동했다.", "t")
    assert misread_pieces(stacked, [(7, 8, "particle"), (8, 9, "particle")]) == ["도"]
    plain = pack.extract_document("홍길동 회장과 직접 만났다.", "t")
    assert misread_pieces(plain, [(6, 7, "particle"), (8, 10, "word"), (8, 10, "tags:MAG")]) == []
    assert misread_pieces(plain, [(8, 10, "tags:NNP")]) == ["직접"]
    assert misread_pieces(plain, [(0, 2, "word")]) == ["홍길"]


def test_testing_skip_messages_shorten_long_regexes(tmp_path) -> None:
    pack_file = tmp_path / "latin.yaml"
    pack_file.write_text(
        "rules:\n  - id: gloss\n    label: GLOSS\n"
        "    pattern: 'r\"^(Alpha|Beta|Gamma|Delta|Epsilon|Zeta|Eta|Theta|Iota|Kappa|Lambda)[a-z]*$\"/SL'\n"
        "    examples: {match: [{text: Alpha가 왔다., match: Alpha}]}\n",
        encoding="utf-8",
    )
    results = [r for r in run_properties(koie.load(pack_file)) if r.kind == "generated"]
    assert results[0].message.startswith("skipped: cannot generate sentences: no generated name matches")
    assert len(results[0].message) < 130 and "…" in results[0].message


def test_testing_generates_surnames_latin_commas_endings_and_an_end(tmp_path) -> None:
    """Regexes on surnames and on Latin script, /SP, an ending written as a morpheme after a stem,
    and an end anchor each get text: no rule here is skipped."""
    pack_file = tmp_path / "shapes.yaml"
    pack_file.write_text(
        "lexicons:\n  TITLE: [회장, 사장]\n"
        "rules:\n"
        "  - {id: surname, label: SUR, pattern: 'r\"^[가-힣]$\"/NNP @TITLE'}\n"
        '  - {id: gloss, label: GLOSS, pattern: \'/NNP "(" r"^[A-Z][a-z]+$"/SL ")"\'}\n'
        "  - {id: never, label: NEVER, pattern: '/NNP /SP /NNP 와 만나 ᆫ/ETM 적/NNB'}\n"
        "  - {id: headline, label: HEAD, pattern: '/NNP 와 회동 (?= /SF | $)'}\n",
        encoding="utf-8",
    )
    generator = Generator(koie.load(pack_file))
    texts: dict[str, list[str]] = {}
    for rule in ("surname", "gloss", "never", "headline"):

        @settings(max_examples=15, database=None, deadline=None, derandomize=True)
        @given(generator.sentences(rule))
        def collect(sentence):
            texts.setdefault(sentence.rule, []).append(sentence.text)

        collect()
    assert all(len(t.split()[0]) == 1 for t in texts["surname"])  # 최 회장이 참석했다.
    assert all(re.search(r"\([A-Z][a-z]+\)", t) for t in texts["gloss"])
    assert all(re.search(r"[가-힣], [가-힣]", t) and "만난 적" in t for t in texts["never"])
    assert any(t.endswith("회동") for t in texts["headline"])  # $: the sentence ends at 회동
    names = [t.split(",")[0] for t in texts["never"]], [t.split(", ")[1].split("와")[0] for t in texts["never"]]
    assert all(first != second for first, second in zip(*names))  # never the same name twice


def test_testing_any_morpheme_after_a_negative_look_ahead_is_not_what_it_refuses(tmp_path) -> None:
    """((?! /NNP | 와) .): the word made for `.` is never one the look-ahead refuses (서울/NNP, once)."""
    pack_file = tmp_path / "tail.yaml"
    pack_file.write_text(
        "lexicons:\n  TITLE: [회장, 사장]\n"
        "rules:\n"
        "  - {id: tail, label: TAIL, pattern: '/NNP @TITLE /SP ((?! /NNP | /MAG) .){1,2} 등 이 참석하'}\n",
        encoding="utf-8",
    )
    generator = Generator(koie.load(pack_file))
    texts: list[str] = []

    @settings(max_examples=30, database=None, deadline=None, derandomize=True)
    @given(generator.sentences("tail"))
    def collect(sentence):
        texts.append(sentence.text)

    collect()
    assert texts
    refused = ("서울", "어제", "직접", "함께", "다시")  # /NNP and /MAG among the gap words
    assert not [t for t in texts if any(word in t for word in refused)]
    assert all(any(word in t for word in ("최근", "현지", "처음")) for t in texts)


@pytest.mark.parametrize(
    "requested, environment, expected",
    [
        (None, {}, "koie-dev"),
        (None, {"CI": "true"}, "koie-ci"),
        (None, {"CI": "true", "HYPOTHESIS_PROFILE": "koie-dev"}, "koie-dev"),
        (None, {"HYPOTHESIS_PROFILE": "ci"}, "ci"),  # a profile of the user's own (or hypothesis's)
        ("koie-ci", {"HYPOTHESIS_PROFILE": "koie-dev"}, "koie-ci"),  # the option wins
    ],
)
def test_testing_profile_follows_the_option_then_the_environment(
    monkeypatch, requested: str | None, environment: dict[str, str], expected: str
) -> None:
    from koie.testing.profiles import profile_name

    for name in ("CI", "HYPOTHESIS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert profile_name(requested) == expected


def test_testing_importing_registers_no_profile() -> None:
    """koie's testing modules register nothing with hypothesis on import: a user's ``ci`` stays theirs."""
    import subprocess
    import sys

    script = (
        "from hypothesis import settings\n"
        "from hypothesis.errors import InvalidArgument\n"
        "settings.register_profile('ci', max_examples=7)\n"
        "import koie.testing.properties, koie.testing.pytest_plugin, koie.cli\n"
        "try:\n"
        "    settings.get_profile('koie-ci')\n"
        "except InvalidArgument:\n"
        "    print(settings.get_profile('ci').max_examples, 'koie-ci unregistered')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["7", "koie-ci", "unregistered"], done.stderr


def test_testing_cli_names_a_profile_or_fails_as_a_usage_error(monkeypatch) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "koie-dev")
    result = CliRunner().invoke(main, ["test", str(PACK), "--profile", "koie-ci", "--max-examples", "2"])
    assert result.exit_code == 0, result.output
    unknown = CliRunner().invoke(main, ["test", str(PACK), "--profile", "nope"])
    assert unknown.exit_code == 2 and "unknown hypothesis profile 'nope'" in unknown.output
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "nope")
    assert CliRunner().invoke(main, ["test", str(PACK)]).exit_code == 2
    assert CliRunner().invoke(main, ["test", str(PACK), "--no-properties"]).exit_code == 0


def test_testing_name_pools_belong_to_the_pack_properties(visits) -> None:
    """The pools are vetted with the pack's own analyser, once for every run of the same PackProperties;
    a pack whose analyser reads no names gets none (not another analyser's pools)."""
    from word_analyzer import WordAnalyzer

    from koie.testing.properties import PackProperties

    properties = PackProperties(visits)
    pools = properties.pools
    assert pools.names("person") and pools.names("company")
    list(properties.run({"person"}, seed=1, max_examples=2))
    list(properties.run({"visit"}, seed=1, max_examples=2))
    assert properties.pools is pools and properties.generator is properties.generator
    words = PackProperties(koie.load(PACK, WordAnalyzer()))
    assert words.pools.names("person") == () and words.pools.names("company") == ()


def test_testing_a_property_whose_every_case_is_inconclusive_says_why() -> None:
    """When Kiwi misread every generated sentence, koie test showed hypothesis's own
    "Unable to satisfy assumptions" error; it names the first doubtful sentence instead."""
    from types import SimpleNamespace

    from hypothesis import strategies as st

    from koie.testing.checks import Inconclusive
    from koie.testing.profiles import profile_settings
    from koie.testing.properties import _run, _settings

    def check(case: SimpleNamespace) -> str | None:
        raise Inconclusive(f"Kiwi read {case.text!r} otherwise")

    cases = st.builds(SimpleNamespace, text=st.sampled_from(["한빛전자가 왔다.", "누리소프트가 왔다."]))
    failure = _run(cases, check, _settings(profile_settings("koie-ci"), 5), None)
    assert failure is not None
    text, message = failure
    assert text in ("한빛전자가 왔다.", "누리소프트가 왔다.")
    assert message.startswith("no case could be checked") and f"Kiwi read {text!r} otherwise" in message
