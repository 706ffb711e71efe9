"""Pathological patterns cost work linear in the document, counted in VM steps, never timed.

The Pike VM does at most ``len(program)`` steps per morpheme per scan. The
worst patterns we could write stay within a small multiple of that on a
100,000-morpheme document; a pattern that rescans after every match (and so
is quadratic per sentence) is stopped by the step budget of koie.vm.limits, and
``--timeout`` skips a document that runs too long, with E403.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from koie.analysis.morphemes import Morpheme, NotationAnalyzer
from koie.api import Pack
from koie.run.runner import run_corpus
from koie.vm import limits
from koie.vm.match import MatchInput, find_matches

#: The worst patterns we could write, by what makes them bad.
WORST = {
    "nested": "(/NNG+)+ ~50 /SF",  # nested unbounded quantifiers, then a long gap
    "alternatives": "(. | .)* x/NNG",  # ambiguous alternation under a star
    "nested_alternation": "((/NNG | /NNP)+ /JKS?)+ x/NNG",
    "gaps": "~200 ~200 ~200 x/NNG",  # 600-morpheme window, unrolled into ~1200 instructions
    "lazy_gap": "/NNG ~200 /VV",
    "long_gaps_between": "/NNG ~200 /NNG ~200 /SF",
}


def _pack(tmp_path: Path, patterns: dict[str, str]) -> Pack:
    path = tmp_path / "worst.yaml"
    path.write_text(
        "rules:\n"
        + "".join(
            f"  - id: {name}\n    label: {name.upper()}\n    pattern: '{pattern}'\n"
            for name, pattern in patterns.items()
        ),
        encoding="utf-8",
    )
    return Pack.load(path, NotationAnalyzer())


def _sentence(count: int, tags: tuple[str, ...] = ("NNG",)) -> tuple[Morpheme, ...]:
    cycle = itertools.cycle(tags)
    return tuple(Morpheme("a", next(cycle), 2 * i, 2 * i + 1, i) for i in range(count))


def _steps(program: object, morphemes: tuple[Morpheme, ...]) -> int:
    sentence = MatchInput(morphemes, " ".join("a" for _ in morphemes))
    find_matches(program, sentence)  # type: ignore[arg-type]
    return sentence.steps


@pytest.mark.parametrize("name", sorted(WORST))
def test_pathological_steps_linear_in_sentence_length(tmp_path: Path, name: str) -> None:
    """Past the pattern's window, each further morpheme costs the same number of steps, at most len(program).

    Measured: nested 27.75 steps per morpheme, gaps 751.25, lazy_gap 101.5 (exactly constant increments).
    """
    program = _pack(tmp_path, {name: WORST[name]}).compiled.rules[0].program
    sizes = (640, 1280, 1920)  # all past the widest window (~200 ×3 = 600 morphemes)
    steps = [_steps(program, _sentence(n, ("NNG", "NNG", "NNP", "JKS"))) for n in sizes]
    assert steps[2] - steps[1] == steps[1] - steps[0], steps
    assert steps[2] <= len(program) * (sizes[2] + 1)


def test_pathological_100k_morpheme_document(tmp_path: Path) -> None:
    """Every cheap-to-run worst pattern over a 100,000-morpheme sentence: steps ≤ 4 × program × morphemes."""
    patterns = {name: WORST[name] for name in ("nested", "alternatives", "nested_alternation")}
    pack = _pack(tmp_path, patterns)
    morphemes = _sentence(100_000, ("NNG", "NNP", "NNG", "JKS"))
    for compiled in pack.compiled.rules:
        steps = _steps(compiled.program, morphemes)
        assert steps <= 4 * len(compiled.program) * len(morphemes), (compiled.rule.id, steps)


def test_pathological_rescan_is_stopped_by_the_step_budget(tmp_path: Path) -> None:
    """``/NNG (.* z)?`` rescans to the end after each of its n matches: the budget stops it, E403."""
    program = _pack(tmp_path, {"rescan": "/NNG (.* z/NNG)?"}).compiled.rules[0].program
    short = MatchInput(_sentence(200), "")
    assert len(find_matches(program, short)) == 200  # quadratic, but small: allowed
    long = MatchInput(_sentence(3000), "")
    with pytest.raises(limits.DocumentTimeout) as caught:
        find_matches(program, long)  # would take ~4.5 million steps; the budget is 1.34 million
    assert long.steps <= limits.step_budget(len(program), 3000) + limits.CHECK_EVERY + len(program) * 3000
    assert "matcher steps" in caught.value.reason


def test_pathological_timeout_skips_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--timeout: the slow document is reported (E403) and skipped, the others are processed.

    The clock is a counter (one "second" per look), so the test never depends on the machine's speed.
    """
    ticks = itertools.count()
    monkeypatch.setattr(limits, "clock", lambda: float(next(ticks)))
    pack = _pack(tmp_path, {"gaps": "/NNG ~200 ~200 ~200 x/NNG", "hit": "y/NNG"})
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("y/NNG b/NNG", encoding="utf-8")
    # ends in x/NNG: the rule needs an x, and sentences without one are skipped unmatched
    (corpus / "b-slow.txt").write_text(" ".join(["a/NNG"] * 1500 + ["x/NNG"]), encoding="utf-8")
    (corpus / "c.txt").write_text("b/NNG y/NNG", encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = run_corpus(pack, (str(corpus),), output=str(out), errors_file=str(errors), timeout=20)
    assert "b-slow.txt: E403" in capsys.readouterr().err
    (problem,) = [json.loads(line) for line in errors.read_text().splitlines()]
    assert problem["code"] == "E403" and problem["doc"].endswith("b-slow.txt")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [Path(r["doc"]).name for r in records] == ["a.txt", "c.txt"]
    assert summary.failed
    # without a timeout the same document goes through
    summary = run_corpus(pack, (str(corpus / "b-slow.txt"),), output=str(out), quiet=True)
    assert not summary.problems


# ------------------------------------------------------- exponential regexes

#: Backtracks about 2**n ways on n a's and a b: Python's re took 54 s on 30 a's.
EXPONENTIAL = 'r"^(a|aa)+$"/SL'


def _regex_document(a_count: int) -> tuple[Morpheme, ...]:
    form = "a" * a_count + "b"
    return (Morpheme(form, "SL", 0, len(form), 0),)


@pytest.mark.parametrize("engine", ["python", "native"])
def test_pathological_exponential_regex_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """A token test's regex runs with a time bound in both matchers: E403, not a hang."""
    from koie.lang import regexes
    from koie.vm import match as match_module

    if engine == "native" and match_module._native is None:
        pytest.skip("no native matcher in this build")
    monkeypatch.setattr(regexes, "MAX_REGEX_SECONDS", 0.05)
    if engine == "python":
        monkeypatch.setattr(match_module, "_native", None)
    program = _pack(tmp_path, {"exponential": EXPONENTIAL}).compiled.rules[0].program
    assert len(find_matches(program, MatchInput((Morpheme("aaa", "SL", 0, 3, 0),), ""))) == 1
    with pytest.raises(limits.DocumentTimeout) as caught:
        find_matches(program, MatchInput(_regex_document(60), ""))  # 2**60 ways without the bound
    assert "regular expression" in caught.value.reason and caught.value.code == "E403"


def test_pathological_exponential_regex_obeys_the_timeout(tmp_path: Path) -> None:
    """--timeout holds inside a regex too: the search gets what is left of the document's time."""
    program = _pack(tmp_path, {"exponential": EXPONENTIAL}).compiled.rules[0].program
    with limits.document_deadline(0.05), pytest.raises(limits.DocumentTimeout) as caught:
        find_matches(program, MatchInput(_regex_document(60), ""))
    assert "--timeout" in caught.value.reason


def test_pathological_exponential_regex_skips_only_its_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run reports the document (E403) and goes on: `--timeout 2` took 33 s and reported nothing."""
    from koie.lang import regexes

    monkeypatch.setattr(regexes, "MAX_REGEX_SECONDS", 0.05)
    pack = _pack(tmp_path, {"exponential": EXPONENTIAL})
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("aaaa/SL", encoding="utf-8")
    (corpus / "b-slow.txt").write_text("a" * 60 + "b/SL", encoding="utf-8")
    (corpus / "c.txt").write_text("aa/SL", encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    summary = run_corpus(pack, (str(corpus),), output=str(out), errors_file=str(errors), timeout=30)
    assert "b-slow.txt: E403" in capsys.readouterr().err
    (problem,) = [json.loads(line) for line in errors.read_text().splitlines()]
    assert problem["code"] == "E403" and "regular expression" in problem["message"]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [Path(r["doc"]).name for r in records] == ["a.txt", "c.txt"]
    assert summary.failed


def test_pathological_bounded_regex_pickles_and_matches_as_re() -> None:
    """Worker processes get the checks pickled; the regex module matches as Python's re does."""
    import pickle
    import re

    from koie.lang.ir import MorphemeCheck
    from koie.lang.regexes import BoundedRegex

    check = MorphemeCheck(regex=r"^[가-힣]{2,4}(?:씨|님)?$")
    again = pickle.loads(pickle.dumps(check))
    assert isinstance(again._compiled, BoundedRegex) and again == check
    for form in ("홍길동", "홍길동님", "홍", "hong", "홍길동홍길동"):
        assert (again._compiled.search(form) is not None) == (re.search(check.regex or "", form) is not None)
