"""Repeated mentions: skipping sentences where no key occurs finds exactly what searching every sentence finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from koie.analysis.morphemes import parse_notation
from koie.engine import repeated as propagate

EOJEOLS = [
    "젠슨/NNP",
    "황/NNP",
    "젠슨황/NNP",
    "젠슨/NNG+과/JKB",
    "Jensen/SL",
    "JENSEN/SL+은/JX",
    "이재용/NNP",
    "이/MM",
    "재용/NNP+이/JKS",
    "회장/NNG+이/JKS",
    "만나/VV+었/EP+다/EF",
    "삼성/NNP+전자/NNG",
    "(/SS+젠슨/NNP+)/SS",
    "Straße/SL",
    "STRASSE/SL+는/JX",
    "ǅ/SL",
    "./SF",
]
SENTENCES = st.lists(st.lists(st.sampled_from(EOJEOLS), min_size=1, max_size=6).map(" ".join), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(SENTENCES, st.data(), st.sampled_from([16, 0]))
def test_skipping_sentences_changes_nothing(
    monkeypatch_module, sentences: list[str], data: st.DataObject, few_keys: int
) -> None:
    """Both tests of a sentence (a search per key, or the keys' first two characters) skip only
    sentences where nothing would be found; the compiled search (koie.engine._repeated.repeated_places) finds
    what the Python one finds, case folding that changes lengths (ß, ǅ) included."""
    monkeypatch_module.setattr(propagate, "FEW_KEYS", few_keys)
    document = parse_notation(" || ".join(sentences))
    sources = []
    for _ in range(data.draw(st.integers(1, 3))):
        number = data.draw(st.integers(0, len(document.sentences) - 1))
        morphemes = document.sentences[number].morphemes
        first = data.draw(st.integers(0, len(morphemes) - 1))
        last = data.draw(st.integers(first + 1, min(first + 3, len(morphemes))))
        start, end = morphemes[first].start, max(m.end for m in morphemes[first:last])
        sources.append((document.text[start:end], number, first, last))
    compiled = propagate.repeated_spans(document, sources)  # koie.engine._repeated.repeated_places where it is built
    with monkeypatch_module.context() as patched:
        patched.setattr(propagate, "_native", None)
        skipping = propagate.repeated_spans(document, sources)
        patched.setattr(propagate, "_may_hold", lambda sentence_text, keys, openings: True)  # every sentence
        searching = propagate.repeated_spans(document, sources)
    assert skipping == searching
    assert compiled == skipping
