"""The native matcher and the Python one agree on every shipped pack: same matches, same misses.

Records come from the native VM (koie/vm/_vm.pyx) and the engine's compiled
loop; "why not" explanations come from the Python VM (koie.vm.match), the
only one that records how far a rule got (:class:`~koie.vm.match.Progress`).
An explanation describes the matcher that produced the result only if the two
agree, so this holds them to it on real text: every shipped pack
(rules/meetings.yaml, examples/hello.yaml) on the example news and, where
``../shared/corpus`` is on the machine, on its ``news`` and ``realnews``
documents:

- the engine, compiled and in Python, makes the same records with the same
  alignments (which pattern element took which morphemes) and captures;
- every rule, on every sentence it is tried on, gets the same matches from the
  native VM as from the Python VM run the way ``why_not`` runs it (with a
  Progress), given the spans ``why_not`` gives it: so a rule is missed in a
  sentence by one exactly where it is missed by the other.

All of it on every document takes the Python engine and VM about twenty
seconds, too long for every run of the suite: the examples and the news corpus
are checked whole, and of the realnews corpus every other document (by sorted
name), with the per-rule check on every other sentence of those (by position),
so every run checks the same ones, in a few seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from koie.engine import extract as engine
from koie.vm import match as match_module
from koie.vm.match import MatchInput, Progress, RawMatch, find_matches

pytestmark = pytest.mark.kiwi

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
#: Every shipped pack, by the session's fixture that loads it (tests/conftest.py).
PACKS = {"rules/meetings.yaml": "meetings_pack", "examples/hello.yaml": "hello_pack"}
#: corpus -> (every how many of its documents are checked, every how many of their sentences the per-rule
#: check tries): 1, all of them
CORPORA = {ROOT / "examples" / "news": (1, 1), SHARED / "news": (1, 1), SHARED / "realnews": (2, 2)}

if match_module._native is None:
    pytest.skip("the native matcher is not in use (KOIE_MATCHER=python, or not built)", allow_module_level=True)
NATIVE_VM = match_module._native


def _texts() -> Iterator[tuple[str, str, int]]:
    for corpus, (documents, sentences) in CORPORA.items():
        for path in sorted(corpus.glob("*.txt"))[::documents] if corpus.is_dir() else ():
            yield f"{corpus.name}/{path.name}", path.read_text(encoding="utf-8"), sentences


@pytest.fixture(scope="module", params=sorted(PACKS))
def analysed(request: Any) -> tuple[Any, list[tuple[str, Any, int]]]:
    """A shipped pack, and every document analysed by its analyser (as ``koie run`` analyses them)."""
    pack = request.getfixturevalue(PACKS[request.param])
    return pack, [(name, pack.analyzer.analyze(text), every) for name, text, every in _texts()]


@contextmanager
def _python_vm() -> Iterator[None]:
    """The Python VM (and the Python engine loop, which goes with it) while the block runs."""
    saved = match_module._native
    match_module._native = None
    try:
        yield
    finally:
        match_module._native = saved


def _alignment(match: RawMatch) -> tuple[Any, ...]:
    """A match as data: its span, which element took which morphemes (and which record filled a slot), and
    its captures (with their fillers)."""
    steps = tuple((s.element, s.start, s.end, _record_key(s.filler)) for s in match.steps)
    captures = {
        name: [(first, last, _record_key(filler)) for first, last, filler in values]
        for name, values in sorted(match.captures.items())
    }
    return match.start, match.end, steps, captures


def _record_key(record: Any) -> Any:
    if record is None:
        return None
    return record.found_by, record.label, record.sentence, record.first, record.last


def _records(extraction: engine.Extraction) -> list[tuple[Any, ...]]:
    return [
        (record, record.origin, repr(record.args), record.attrs, _alignment(record.match))
        for record in extraction.records + extraction.suppressed
    ]


def test_shipped_packs_records_are_the_same_with_either_matcher(analysed: Any) -> None:
    """The compiled engine and native VM, and the Python engine and VM: the same records, alignments, captures."""
    pack, documents = analysed
    assert documents, "no documents to match"
    for name, document, _every in documents:
        native = _records(engine.extract(pack.compiled, document, name))
        with _python_vm():
            python = _records(engine.extract(pack.compiled, document, name))
        assert native == python, name


def test_shipped_packs_every_rule_matches_and_misses_alike_in_both_matchers(analysed: Any) -> None:
    """What the engine does with the native VM, and what ``why_not`` asks of the Python VM: for every rule
    and sentence, the same matches (so the same misses)."""
    pack, documents = analysed
    compiled = pack.compiled
    lexicons = compiled.resolved.lexicons
    tried = matched = 0
    for name, document, every in documents:
        extraction = engine.extract(compiled, document, name)
        kept: dict[str, list[engine.Record]] = {}
        for record in extraction.records:
            kept.setdefault(record.label, []).append(record)
        for index, sentence in enumerate(document.sentences):
            if index % every:
                continue
            for rule in compiled.rules:
                spans = engine._spans_for(index, rule.rule.slot_labels, kept)
                native = find_matches(rule.program, MatchInput(sentence.morphemes, document.text, spans, lexicons))
                progress = Progress(ignore=frozenset(e.id for e in rule.rule.elements if e.kind in ("gap", "any")))
                with _python_vm():  # as why_not runs it
                    python = find_matches(
                        rule.program, MatchInput(sentence.morphemes, document.text, spans, lexicons), progress
                    )
                assert [_alignment(m) for m in native] == [_alignment(m) for m in python], (name, index, rule.rule.id)
                tried += 1
                matched += bool(native)
    assert matched and tried > matched  # both kinds of outcome were compared
