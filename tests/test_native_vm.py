"""koie's compiled modules against their pure-Python twins (koie/native.py lists them).

koie.vm.match is the definition of matching; the native VM (koie/vm/_vm.pyx) is
its speed. On generated patterns (every instruction kind: morpheme tests with
regexes, negation and eojeol conditions, slots, lexicons, captures, anchors,
spacing anchors, all four look-arounds, possessive tails, lazy repetitions,
attribute sets, word gaps, matches at every start) over generated
morpheme streams, both must return identical RawMatch values (spans, steps,
fillers, captures, attribute sets) and count the same number of VM steps. The engine's
compiled rule loop (koie/engine/_extract.pyx), the cache's encoder
(koie/analysis/_convert.pyx) and the JSON Lines writer (koie/run/_jsonl.pyx)
are held to their twins here too. No model needed.
"""

from __future__ import annotations

import itertools
import os
import shutil
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koie.analysis.morphemes import Morpheme
from koie.lang.compile import compile_pattern
from koie.lang.convert import word_gap
from koie.lang.ir import (
    MorphemeCheck,
    RAlt,
    RAnchor,
    RGroup,
    RLexicon,
    RLook,
    RMorph,
    RNode,
    RRepeat,
    RSeq,
    RSet,
    RSlot,
)
from koie.lang.load import LexiconSpec
from koie.lang.resolve import Lexicon
from koie.vm import match as match_module
from koie.vm.match import EntitySpan, MatchInput, find_matches, find_matches_in

if shutil.which("g++") is None and shutil.which("c++") is None:
    pytest.skip("no C++ compiler here, so no native matcher to compare", allow_module_level=True)
import koie._slots as native_slots
import koie.analysis._convert as native_convert
import koie.engine._extract as native_extract
import koie.run._jsonl as native_jsonl
import koie.vm._runtime as native_runtime
import koie.vm._vm as native

#: "B" and "A" case fold onto lexicon entries; "ß" folds to two characters ("ss"), which sends the
#: native lexicon search from its compact folded text back to joining surfaces.
FORMS = ("a", "b", "c", "ab", "B", "A", "ß")
TAGS = ("NNG", "JKS", "NNP")


def _lexicons() -> dict[str, Lexicon]:
    spec = LexiconSpec("L", ("ab", "b c", "abc", "ssa"), None, 0.0, None)  # type: ignore[arg-type]
    return {"L": Lexicon.of(spec)}


def _checks() -> st.SearchStrategy[MorphemeCheck]:
    return st.builds(
        lambda forms, tags, regex, negated, same: MorphemeCheck(
            frozenset(forms), frozenset(tags), regex, negated, same
        ),
        st.sets(st.sampled_from(FORMS), max_size=2),
        st.sets(st.sampled_from(TAGS), max_size=1),
        st.sampled_from([None, None, "^a", "b$"]),
        st.booleans(),
        st.sampled_from([False, False, True]),
    )


def _patterns() -> st.SearchStrategy[RNode]:
    counter = itertools.count()
    leaves = st.one_of(
        _checks().map(lambda check: RMorph(check, next(counter))),
        st.sampled_from([frozenset({"X"}), frozenset({"X", "Y"}), frozenset({"Y"})]).map(
            lambda labels: RSlot(labels, "x", next(counter))
        ),
        st.just(None).map(lambda _: RLexicon("L", "lex", next(counter))),
        st.tuples(st.booleans(), st.sampled_from(["", "", "space", "join"])).map(
            lambda t: RAnchor(t[0], next(counter), t[1])
        ),
        st.sampled_from(["a", "b"]).map(lambda value: RSet((("s", value),), next(counter))),
        st.integers(1, 3).map(lambda words: word_gap(words, next(counter))),
    )

    def extend(inner: st.SearchStrategy[RNode]) -> st.SearchStrategy[RNode]:
        return st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda items: RSeq(tuple(items))),
            st.lists(inner, min_size=2, max_size=3).map(lambda options: RAlt(tuple(options))),
            st.tuples(inner, st.sampled_from([(0, 1), (0, None), (1, None), (1, 2), (2, 3)]), st.booleans()).map(
                lambda t: RRepeat(t[0], t[1][0], t[1][1], t[2])
            ),
            inner.map(lambda body: RGroup(body, "g")),
            st.tuples(inner, st.booleans(), st.booleans()).map(lambda t: RLook(t[0], t[1], t[2], 4, next(counter))),
            _checks().map(lambda check: RRepeat(RMorph(check, next(counter)), 0, None, True, possessive=True)),
            st.tuples(inner, st.sampled_from([(0, 1), (0, None), (1, None), (1, 2)])).map(
                lambda t: RRepeat(t[0], t[1][0], t[1][1], False, lazy=True)
            ),
        )

    return st.recursive(leaves, extend, max_leaves=7)


@st.composite
def _streams(draw: Any) -> tuple[list[Morpheme], str, list[EntitySpan]]:
    size = draw(st.integers(0, 9))
    forms = [draw(st.sampled_from(FORMS)) for _ in range(size)]
    spaced = [draw(st.booleans()) for _ in range(size)]
    morphemes: list[Morpheme] = []
    text = ""
    eojeol = 0
    for index, form in enumerate(forms):
        if index and spaced[index]:
            text += " "
            eojeol += 1
        morphemes.append(Morpheme(form, draw(st.sampled_from(TAGS)), len(text), len(text) + len(form), eojeol))
        text += form
    spans = []
    for number in range(draw(st.integers(0, 4))):
        if size:
            start = draw(st.integers(0, size - 1))
            end = draw(st.integers(start + 1, size))
            spans.append(EntitySpan(start, end, draw(st.sampled_from(["X", "Y"])), ref=f"record{number}"))
    return morphemes, text, spans


def _both(program: Any, morphemes: list[Morpheme], text: str, spans: list[EntitySpan]) -> tuple[Any, Any]:
    results = []
    for engine in (native, None):
        saved = match_module._native
        match_module._native = engine
        try:
            sentence = MatchInput(morphemes, text, spans, _lexicons())
            results.append((find_matches(program, sentence), sentence.steps))
        finally:
            match_module._native = saved
    return results[0], results[1]


@settings(max_examples=400, deadline=None)
@given(_patterns(), _streams(), st.booleans())
def test_native_vm_matches_python_vm(pattern: RNode, stream: Any, every_start: bool) -> None:
    morphemes, text, spans = stream
    program = compile_pattern(pattern, all_matches=every_start)
    (native_matches, native_steps), (python_matches, python_steps) = _both(program, morphemes, text, spans)
    assert native_matches == python_matches
    assert native_steps == python_steps
    # the engine's batched call: the same matches, steps and step limits as one find_matches per input
    inputs = [MatchInput(morphemes, text, spans, _lexicons()) for _ in range(2)]
    alone = MatchInput(morphemes, text, spans, _lexicons())
    find_matches(program, alone)
    assert find_matches_in(program, inputs) == [native_matches, native_matches]
    assert [(i.steps, i._step_limit) for i in inputs] == [(alone.steps, alone._step_limit)] * 2


def test_native_vm_is_what_find_matches_uses() -> None:
    """Installed on a machine with a C++ compiler, koie matches with the compiled VM, and every stage
    uses its compiled module."""
    from koie import native as loader
    from koie.analysis import cache, kiwi
    from koie.engine import extract, repeated
    from koie.run import lines, records

    if os.environ.get("KOIE_MATCHER", "").lower() == "python":
        assert [module for module in (match_module, extract, repeated, cache, kiwi) if module._native is not None] == []
        assert (lines._NATIVE_LINES, records._NATIVE_RECORD_LINES, loader.slot_filler(Morpheme, ())) == (None,) * 3
        return
    assert match_module._native is native
    assert extract._native is native_extract and repeated._native is not None
    assert cache._native is native_convert and kiwi._native is native_convert
    assert lines._NATIVE_LINES is native_jsonl.record_lines
    assert records._NATIVE_RECORD_LINES is native_jsonl.record_json_lines


def test_native_vm_on_a_shipped_pack_gives_the_same_records(tmp_path: Any) -> None:
    """End to end on a notation pack with look-arounds, slots, lexicons and tails: identical records."""
    from koie.analysis.morphemes import NotationAnalyzer
    from koie.api import Pack
    from koie.engine.extract import extract

    path = tmp_path / "pack.yaml"
    path.write_text(
        """
lexicons:
  TITLE: [회장, 사장, 대표 이사]
rules:
  - id: person
    label: PERSON
    pattern: '/NNP{1,2} (?= @TITLE)'
  - id: met
    label: MET
    pattern: '[PERSON:a] @TITLE:t (이/JKS | 는/JX) ~3 [PERSON:b] @TITLE (와/JKB | 을/JKO) ~1 (?<! 안/MAG) 만나/VV'
  - id: tail
    label: TAIL
    pattern: '만나/VV (?! 예정/NNG)'
  - id: twice
    label: TWICE
    attrs: {kind: both}
    pattern: '[PERSON:a] ~4 [PERSON:a] @TITLE:t ([PERSON:b] ~1)* 와/JKB'
""",
        encoding="utf-8",
    )
    pack = Pack.load(path, NotationAnalyzer())
    document = NotationAnalyzer().analyze(
        "김철수/NNP 회장/NNG+이/JKS 어제/NNG 이영희/NNP 대표/NNG 이사/NNG+와/JKB 만나/VV+었/EP+다/EF+./SF "
        "박/NNP 사장/NNG+은/JX 최/NNP 회장/NNG+을/JKO 안/MAG 만나/VV+ᆯ/ETM 예정/NNG+이/VCP+다/EF+./SF"
    )
    saved = match_module._native
    try:
        match_module._native = None
        python_records = [(r, repr(r.args), r.attrs) for r in extract(pack.compiled, document).records]
        match_module._native = native
        native_records = [(r, repr(r.args), r.attrs) for r in extract(pack.compiled, document).records]
    finally:
        match_module._native = saved
    assert native_records == python_records
    [twice] = [r for r, *_ in native_records if r.rule == "twice"]
    # a name captured twice outside a repetition collects both; one repeated no times is left out
    assert ([m.text for m in twice.args["a"]], twice.args["t"].text, "b" in twice.args, twice.attrs) == (
        ["김철수", "이영희"],
        "대표 이사",
        False,
        {"kind": "both"},
    )
    assert [r.rule for r, *_ in native_records].count("met") == 1, native_records  # not the one after 안


def test_native_type_registry_stays_bounded() -> None:
    """Past its max_types distinct morphemes a runtime's registry starts again, and matching is unchanged."""
    check = MorphemeCheck(frozenset(), frozenset({"NNP"}))
    program = compile_pattern(RSeq((RMorph(check, 0), RMorph(MorphemeCheck(frozenset({"b"})), 1))))
    runtime = native_runtime.Runtime(max_types=3)
    native.bind(runtime, program)
    for round_ in range(5):
        morphemes = [Morpheme(f"w{round_}{i}", "NNP" if i % 2 else "NNG", 3 * i, 3 * i + 2, i) for i in range(8)]
        morphemes.append(Morpheme("b", "NNG", 30, 31, 9))
        text = " ".join(m.form for m in morphemes)
        (native_matches, native_steps), (python_matches, python_steps) = _both(program, morphemes, text, [])
        assert native_matches == python_matches and native_steps == python_steps
        assert runtime.sizes()["types"] <= 3 + len(morphemes)  # reset before the sentence was registered
    assert runtime.generation >= 3


def _live(kind: type) -> int:
    import gc

    gc.collect()
    return sum(1 for item in gc.get_objects() if type(item) is kind)


def test_native_programs_go_with_their_programs(monkeypatch: Any) -> None:
    """A process that compiles program after program keeps only the live ones' native forms and runtimes:
    each program carries its own (Program.native), nothing is kept in the module."""
    monkeypatch.setattr(match_module, "_native", native)  # (with KOIE_MATCHER=python too)
    morphemes = [Morpheme("a", "NNG", 0, 1, 0), Morpheme("b", "NNG", 2, 3, 1)]
    before = _live(native.NativeProgram), _live(native_runtime.Runtime)
    kept = []
    for number in range(50):
        pattern = RSeq(
            (
                RMorph(MorphemeCheck(frozenset({"a"})), 0),
                RLook(RMorph(MorphemeCheck(frozenset({"b"}), frozenset({"NNP"})), 3), True, True, 1, 1),
                RMorph(MorphemeCheck(frozenset({"b"})), 2),
            )
        )
        program = compile_pattern(pattern)  # a new Program object each time, with its look-around body
        sentence = MatchInput(morphemes, "a b", (), {})
        assert [(m.start, m.end) for m in find_matches(program, sentence)] == [(0, 2)]
        assert program.native is not None and program.native.runtime is not None
        if number % 10 == 0:
            kept.append(program)
    del program, sentence
    # the five kept programs with their bodies, and their five runtimes, no more
    after = _live(native.NativeProgram), _live(native_runtime.Runtime)
    assert (after[0] - before[0], after[1] - before[1]) == (2 * len(kept), len(kept))
    sentence = MatchInput(morphemes, "a b", (), {})
    assert [(m.start, m.end) for m in find_matches(kept[0], sentence)] == [(0, 2)]


def test_a_pickled_program_makes_its_native_form_again(monkeypatch: Any) -> None:
    """A program's native form is a cache: a pickled program (a pack sent to a worker) carries none."""
    import pickle

    monkeypatch.setattr(match_module, "_native", native)

    program = compile_pattern(RSeq((RMorph(MorphemeCheck(frozenset({"a"})), 0),)))
    sentence = MatchInput([Morpheme("a", "NNG", 0, 1, 0)], "a", (), {})
    assert len(find_matches(program, sentence)) == 1 and program.native is not None
    copy = pickle.loads(pickle.dumps(program))
    assert copy == program and copy.native is None
    assert len(find_matches(copy, MatchInput([Morpheme("a", "NNG", 0, 1, 0)], "a", (), {}))) == 1


def test_a_pickled_pack_makes_its_own_native_pack_where_it_is_unpickled(tmp_path: Any, monkeypatch: Any) -> None:
    """A compiled pack sent to a worker (pickled) makes its native pack, and a runtime of its own, where it
    is unpickled: the same records, none of the sender's caches; without the native module there, none."""
    import pickle

    from koie.analysis.morphemes import NotationAnalyzer
    from koie.api import Pack
    from koie.engine import extract as engine

    path = tmp_path / "pack.yaml"
    path.write_text(
        """
lexicons:
  TITLE: [회장, 사장]
rules:
  - id: person
    label: PERSON
    pattern: '/NNP (?= @TITLE)'
  - id: met
    label: MET
    pattern: '[PERSON:a] @TITLE ~3 [PERSON:b] ~2 (?<! 안/MAG) 만나/VV'
""",
        encoding="utf-8",
    )
    pack = Pack.load(path, NotationAnalyzer())
    document = NotationAnalyzer().analyze("김/NNP 회장/NNG+이/JKS 박/NNP 사장/NNG+을/JKO 만나/VV+었/EP+다/EF")

    def records(compiled: Any) -> list[tuple[str, str, int, int]]:
        return [(r.rule, r.label, r.start, r.end) for r in engine.extract(compiled, document).records]

    expected = records(pack.compiled)
    assert sorted(label for _rule, label, _start, _end in expected) == ["MET", "PERSON", "PERSON"]
    copy = pickle.loads(pickle.dumps(pack.compiled))
    if pack.compiled.native is not None:
        assert copy.native is not None and copy.native.runtime is not pack.compiled.native.runtime
        assert {compiled.program.native.runtime for compiled in copy.rules} == {copy.native.runtime}
    assert records(copy) == expected
    monkeypatch.setattr(engine, "_native", None)  # a worker where the engine's module is not built
    bare = pickle.loads(pickle.dumps(pack.compiled))
    assert bare.native is None and records(bare) == expected


def test_slot_filler_makes_the_objects_the_constructors_make() -> None:
    """Morphemes, steps and matches made by filling slots equal (and hash like) the constructed ones."""
    import dataclasses
    import gc
    import sys

    from koie.analysis.morphemes import morphemes_from_columns
    from koie.vm.match import RawMatch, Step

    fields = tuple(f.name for f in dataclasses.fields(Morpheme))
    filler = native_slots.SlotFiller(Morpheme, fields)
    form = "회장" + str(len(fields))  # a fresh string, so its reference count is this test's to watch
    before = sys.getrefcount(form)
    made = [filler.new(form, "NNG", 0, 2, 1, None) for _ in range(1000)]
    assert sys.getrefcount(form) == before + 1000  # each object holds one reference, no more
    assert made[0] == Morpheme(form, "NNG", 0, 2, 1) and hash(made[0]) == hash(Morpheme(form, "NNG", 0, 2, 1))
    del made
    gc.collect()
    assert sys.getrefcount(form) == before
    columns = (["가", "나"], ["NNG", "JKS"], [0, 1], [1, 2], [0, 0], [None, "나다"])
    expected = (Morpheme("가", "NNG", 0, 1, 0, None), Morpheme("나", "JKS", 1, 2, 0, "나다"))
    assert filler.columns(*columns) == expected == morphemes_from_columns(*columns)
    assert native_slots.SlotFiller(Step, ("element", "start", "end", "filler")).new(1, 2, 3, None) == Step(
        1, 2, 3, None
    )
    assert native_slots.SlotFiller(RawMatch, ("start", "end", "steps", "captures", "sets")).new(
        0, 1, (), {}, ((3, "status", "planned"),)
    ) == RawMatch(0, 1, (), {}, ((3, "status", "planned"),))
    with pytest.raises(TypeError):
        native_slots.SlotFiller(Morpheme, fields[:-1])  # every slot must be named
    with pytest.raises(TypeError):
        native_slots.SlotFiller(dict, ())  # not a slotted class
    with pytest.raises(ValueError):
        filler.columns(["가"], [], [], [], [], [])


def test_native_searches_in_two_threads_match_one_thread(tmp_path: Any) -> None:
    """Matching in several threads at once (search buffers are per thread) gives what one thread finds."""
    import threading

    from koie.analysis.morphemes import NotationAnalyzer
    from koie.api import Pack
    from koie.engine.extract import extract

    path = tmp_path / "pack.yaml"
    path.write_text(
        """
lexicons:
  TITLE: [회장, 사장]
rules:
  - id: person
    label: PERSON
    pattern: '/NNP{1,2} (?= @TITLE)'
  - id: met
    label: MET
    pattern: '[PERSON:a] @TITLE ~3 [PERSON:b] @TITLE (와/JKB | 을/JKO) ~1 (?<! 안/MAG) 만나/VV'
""",
        encoding="utf-8",
    )
    pack = Pack.load(path, NotationAnalyzer())
    sentence = (
        "김철수/NNP 회장/NNG+이/JKS 어제/NNG 이영희/NNP 사장/NNG+와/JKB 만나/VV+었/EP+다/EF+./SF "
        "박/NNP 사장/NNG+은/JX 최/NNP 회장/NNG+을/JKO 안/MAG 만나/VV+ᆯ/ETM 예정/NNG+이/VCP+다/EF+./SF "
    )
    documents = [NotationAnalyzer().analyze(sentence * (1 + n % 7)) for n in range(60)]

    def records(document: Any) -> list[tuple[str, int, int]]:
        return [(r.rule, r.start, r.end) for r in extract(pack.compiled, document).records]

    expected = [records(document) for document in documents]
    found: dict[int, list[list[tuple[str, int, int]]]] = {}

    def work(number: int) -> None:
        found[number] = [records(document) for document in documents]

    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, inside searches too
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(found[n] == expected for n in range(3)) and sum(map(len, expected)) > 60


# -- the engine's rule loop: koie.engine.extract._find_visits and its compiled twin -----------------------------

_WORDS = (
    "가/NNG",
    "나/NNG",
    "회장/NNG",
    "김/NNP",
    "박/NNP",
    "이/JKS",
    "을/JKO",
    "만나/VV",
    "었/EP",
    "다/EF",
    "안/MAG",
    "의/JKG",
)
_RULE_SHAPES = (
    "{n}/NNG",
    "{n}/NNG ~2 {m}/NNG",
    "{n}/NNG (이/JKS | 을/JKO) ~3 만나/VV",
    "/NNP{{1,2}}",
    "{n}/NNG 의/JKG ~2 /NNG",
    "{n}/NNG (?= 이/JKS)",
    "(?<! 안/MAG) 만나/VV 었/EP",
    "@T ~1 {n}/NNG",
    "[P:a] ~2 {n}/NNG",
    "[P] 이/JKS ~2 만나/VV",
    "(가/NNG | 나/NNG) ~1 [P]",
    "만나/VV (?! 었/EP)",
    "([P:a] 의/JKG)* [P:a] ~1 {n}/NNG",
    "@T:t ~2 [P:a]",
    "[P:a] ~1 [P:a] {n}/NNG",
    "{n}/NNG ~2",
    "{n}/NNG .*? 만나/VV",
    "(?! [P]) {n}/NNG",
    "[P:a] ~1w {n}/NNG",
    "({n}/NNG {{s=n}} | [P] {{s=p, t=1}}) ~1 (이/JKS {{t=2}})?",
    "{n}/NNG+?",
)


@settings(max_examples=60, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(
            st.sampled_from(_RULE_SHAPES), st.sampled_from(("가", "나", "회장")), st.sampled_from(("가", "나", "회장"))
        ),
        min_size=1,
        max_size=12,
    ),
    sentences=st.lists(
        st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3), min_size=1, max_size=8),
        min_size=1,
        max_size=5,
    ),
)
def test_compiled_rule_loop_gives_the_python_loops_records(
    shapes: list[tuple[str, str, str]], sentences: list[list[list[str]]]
) -> None:
    """Many rules over many sentences (start forms, required groups, slots, look-arounds, lexicons,
    repeated captures): koie.engine._extract.find_visits and koie.engine.extract._find_visits make the same
    records, and so do the whole Python matcher and the native one (koie.engine._extract.add_records and
    koie.engine.extract._add_records making the records from the matches)."""
    import tempfile
    from pathlib import Path

    import yaml

    from koie.analysis.morphemes import NotationAnalyzer
    from koie.api import Pack
    from koie.engine.extract import extract

    rules = [{"id": "p", "label": "P", "pattern": "/NNP"}]
    rules += [
        {
            "id": f"r{i}",
            "label": f"L{i % 3}",
            "pattern": shape.format(n=n, m=m),
            "priority": i % 4,
            "attrs": {"shape": i, "s": "rule"} if i % 2 else {},
            "output": i % 5 != 4,
            **({"matches": "all"} if i % 3 == 1 else {}),
        }
        for i, (shape, n, m) in enumerate(shapes)
    ]
    overlap = {"L0": {"policy": "longest", "per": "args"}, "L1": "all", "L2": {"policy": "priority", "per": "args"}}
    body = {"lexicons": {"T": ["회장", "가 나"]}, "overlap": overlap, "rules": rules}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pack.yaml"
        path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
        pack = Pack.load(path, NotationAnalyzer())
    text = " ".join(" ".join("+".join(eojeol) for eojeol in sentence) + " ./SF" for sentence in sentences)
    document = NotationAnalyzer().analyze(text)

    def records() -> list[tuple[Any, ...]]:
        # every field a record compares by (mentions and their fillers included), and the args' shapes
        return [
            (
                r,
                r.label,
                r.sentence,
                r.first,
                r.last,
                r.priority,
                r.output,
                r.attrs,
                repr(r.args),
                {role: type(value).__name__ for role, value in r.args.items()},
            )
            for r in extract(pack.compiled, document).records
        ]

    saved, saved_visits = match_module._native, native_extract.find_visits
    try:
        match_module._native = None
        python_records = records()  # the Python loop and the Python VM
        match_module._native = native
        native_records = records()  # the compiled loop and the native VM
        native_extract.find_visits = _python_loop_only
        mixed_records = records()  # the Python loop, the native VM
    finally:
        match_module._native, native_extract.find_visits = saved, saved_visits
    assert native_records == python_records
    assert mixed_records == python_records


_START_FORMS = ("가", "나", "회장", "김", "만나")


@settings(max_examples=150, deadline=None)
@given(
    by_form=st.dictionaries(
        st.sampled_from(_START_FORMS), st.lists(st.integers(0, 11), min_size=1, max_size=3).map(tuple), max_size=4
    ),
    unindexed=st.lists(st.integers(0, 11), max_size=3, unique=True).map(lambda xs: tuple(sorted(xs))),
    sentences=st.lists(
        st.lists(
            st.tuples(st.sampled_from(_START_FORMS + ("다", "x")), st.sampled_from(("NNG", "NNP", "VV"))), max_size=6
        ),
        max_size=4,
    ),
)
def test_visited_rules_are_the_unindexed_and_those_whose_start_form_the_document_holds(
    by_form: dict[str, tuple[int, ...]], unindexed: tuple[int, ...], sentences: list[list[tuple[str, str]]]
) -> None:
    """koie.engine._extract's StartIndex finds the forms by type id; koie.engine.extract intersects the forms
    as strings."""
    from koie.analysis.morphemes import Sentence

    document = [
        Sentence(0, 0, tuple(Morpheme(form, tag, 0, 0, i) for i, (form, tag) in enumerate(morphemes)))
        for morphemes in sentences
    ]
    runtime = native_runtime.Runtime()
    form_sentences, natives = runtime.index_document(document)
    expected = set(unindexed)
    for form in form_sentences.keys() & by_form.keys():
        expected.update(by_form[form])
    # by type id (many start forms for the document's morphemes: padded with forms no text has) and by
    # looking each start form up (few start forms: the sentences repeated, as a long document would be)
    padded = by_form | {f"없는 말 {number}": (0,) for number in range(100)}
    few, many_forms = (native_extract.StartIndex(runtime, forms, unindexed, 12) for forms in (by_form, padded))
    many = natives * 64
    for _ in range(2):  # the second time from the arrays the first call filled
        assert few.visited(natives, form_sentences) == sorted(expected)
        assert many_forms.visited(natives, form_sentences) == sorted(expected)
        assert few.visited(many, form_sentences) == sorted(expected)
    runtime.forget_types()  # the type ids of these sentences mean nothing now: the caller must intersect
    stale = many_forms.visited(natives, form_sentences)
    assert stale is None if natives else stale == sorted(expected)
    if any(sentences):  # looking the forms up reads no type ids
        assert few.visited(many, form_sentences) == sorted(expected)
    fresh_forms, fresh = runtime.index_document(document)
    assert many_forms.visited(fresh, fresh_forms) == sorted(expected)
    other_forms, other = native_runtime.Runtime().index_document(document)  # another runtime's type ids
    result = many_forms.visited(other, other_forms)
    assert result is None if other else result == sorted(expected)


def _python_loop_only(*arguments: Any) -> Any:
    from koie.engine.extract import _find_visits

    return _find_visits(*arguments)


# -- the cache's encoding ----------------------------------------------------------------------------

_FORMS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6) | st.sampled_from(
    ["회장", "만나", '"', "\\", "a\nb", "\x00", "\u2028", "😀", "CEO", ""]
)


@st.composite
def _sentences(draw: Any) -> tuple[Any, ...]:
    from koie.analysis.morphemes import Sentence

    sentences = []
    for _ in range(draw(st.integers(0, 3))):
        morphemes = tuple(
            Morpheme(
                draw(_FORMS),
                draw(st.sampled_from(["NNG", "VV", "SF", "SW"]) | _FORMS),
                draw(st.integers(0, 10**12)),
                draw(st.integers(-5, 10**6)),
                draw(st.integers(0, 99)),
                draw(st.none() | _FORMS),
            )
            for _ in range(draw(st.integers(0, 4)))
        )
        sentences.append(Sentence(draw(st.integers(0, 10**6)), draw(st.integers(0, 10**9)), morphemes))
    return tuple(sentences)


@settings(max_examples=300, deadline=None)
@given(_sentences())
def test_native_cache_encoding_writes_the_bytes_json_writes(sentences: tuple[Any, ...]) -> None:
    """koie.analysis._convert.encode_sentences and the JSON the Python encoder writes: byte for byte (escapes,
    control characters, non-BMP characters, None lemmas, negative and large numbers)."""
    import json

    from koie.analysis.cache import encode_morphemes

    expected = json.dumps(
        [[s.start, s.end, encode_morphemes(s.morphemes)] for s in sentences], ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    assert native_convert.encode_sentences(sentences) == expected


def test_native_cache_encoding_refuses_a_lone_surrogate_as_json_does() -> None:
    from koie.analysis.morphemes import Sentence

    sentence = Sentence(0, 1, (Morpheme("\ud800", "SW", 0, 1, 0),))
    with pytest.raises(UnicodeEncodeError):
        native_convert.encode_sentences((sentence,))


# -- records straight to JSON Lines: koie.run._jsonl.record_json_lines and koie.run.records' dicts ----------------

_JSON_TEXT = st.text(max_size=6) | st.sampled_from(["회장", "\x00", '"', "\\", "😀", "\ud800", "text", "rule"])
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_JSON_TEXT, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None)
@given(
    attrs=st.lists(st.dictionaries(_JSON_TEXT, _JSON_VALUES, max_size=4), min_size=1, max_size=6),
    texts=st.lists(_JSON_TEXT, min_size=1, max_size=3),
    suppress=st.booleans(),
    repeated=st.sets(st.integers(0, 5)),
)
def test_record_lines_made_from_records_are_the_lines_of_their_dicts(
    attrs: list[dict[str, Any]], texts: list[str], suppress: bool, repeated: set[int]
) -> None:
    """A run's JSON Lines lines made straight from the records (koie.run._jsonl.record_json_lines) are
    record_line of the records' dicts: single and repeated captures, fillers whose attributes
    clash with a mention's own keys, floats, escapes and lone surrogates (written by json), a
    suppressed record (which names its winner), and records (fillers too) that are other mentions
    of a found text (origin REPEATED: the output names them repeat:LABEL)."""
    import tempfile
    from pathlib import Path

    from koie.analysis.morphemes import NotationAnalyzer
    from koie.api import Pack
    from koie.engine import extract as engine
    from koie.run.records import record_row
    from koie.run.sinks import record_line

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pack.yaml"
        path.write_text(
            """
rules:
  - id: p
    label: P
    pattern: /NNP
  - id: pair
    label: PAIR
    pattern: '([P:a] 의/JKG)* [P:b] 회장/NNG'
""",
            encoding="utf-8",
        )
        pack = Pack.load(path, NotationAnalyzer())
    document = NotationAnalyzer().analyze("김/NNP+의/JKG 박/NNP 회장/NNG ./SF 최/NNP 회장/NNG ./SF")
    records = list(engine.extract(pack.compiled, document, "d").records)
    assert {r.rule for r in records} == {"p", "pair"}
    assert any(isinstance(value, tuple) for r in records for value in r.args.values())  # a repeated capture
    # the P records (fillers) and the PAIR records get the generated attributes and texts
    varied = [
        r.but(
            attrs=attrs[i % len(attrs)],
            text=texts[i % len(texts)],
            origin=engine.Origin.REPEATED if i in repeated else engine.Origin.RULE,
        )
        for i, r in enumerate(records)
    ]
    by_place = {(r.rule, r.start, r.end): r for r in varied}
    refilled = [
        r.but(
            args={
                role: tuple(
                    m.__class__(
                        m.text, m.start, m.end, m.label, by_place.get((m.filler.rule, m.filler.start, m.filler.end))
                    )
                    for m in value
                )
                if isinstance(value, tuple)
                else value.__class__(
                    value.text,
                    value.start,
                    value.end,
                    value.label,
                    by_place.get((value.filler.rule, value.filler.start, value.filler.end))
                    if value.filler is not None
                    else None,
                )
                for role, value in r.args.items()
            }
        )
        for r in varied
    ]
    if suppress:
        refilled[0] = refilled[0].but(suppressed_by=refilled[-1])
    versions = {"kiwipiepy": "0.24.1", "kiwipiepy_model": "0.24.0"}

    def line_of(record: Any) -> str:
        return record_line(record_row(pack.compiled, record, versions))

    expected = [line_of(record) for record in refilled]
    assert native_jsonl.record_json_lines(refilled, versions, line_of) == expected


def test_record_lines_from_records_are_what_a_run_writes() -> None:
    """koie run's JSON Lines come from koie.run._jsonl.record_json_lines wherever the module is built."""
    from koie.run import records

    if os.environ.get("KOIE_MATCHER", "").lower() == "python":
        pytest.skip("KOIE_MATCHER=python chooses the Python writers for this run")
    assert records._NATIVE_RECORD_LINES is native_jsonl.record_json_lines
