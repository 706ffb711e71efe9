"""Offsets are sacred: for any document, every span gives back its text, and output is deterministic."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from koie.testing.checks import offsets_problem
from koie.testing.words import NEUTRAL_SENTENCES

MATCHING = ("홍길동 사장이 김철수 대표와 만났다.", "김민수 한빛전자 사장은 박서연 대표와 회동했다.")
PIECES = st.one_of(
    st.sampled_from(MATCHING + NEUTRAL_SENTENCES),
    st.text(max_size=12),  # any code point, controls and surrogate-free non-BMP included
    st.text(alphabet="😀👍🏽🇰🇷\u200b\u00ad\ufeffＣＥＯ漢字會長\t\r\n abcXYZ0123", max_size=12),
    st.sampled_from(["", " ", "\n\n", "\u3000", "CEO다", "(CEO)", "王 회장"]),
)
DOCUMENTS = st.lists(PIECES, max_size=5).map("".join)


@settings(max_examples=40)
@given(DOCUMENTS)
def test_every_span_gives_back_its_text(hello_pack, text: str) -> None:
    extraction = hello_pack.extract_document(text, "doc")
    assert offsets_problem(extraction) is None
    for sentence in extraction.document.sentences:
        for morpheme in sentence.morphemes:
            assert 0 <= morpheme.start <= morpheme.end <= len(text)


@settings(max_examples=25)
@given(DOCUMENTS)
def test_output_is_deterministic(hello_pack, text: str) -> None:
    first = [json.dumps(r.to_json(), ensure_ascii=False, sort_keys=True) for r in hello_pack.extract(text, "d", True)]
    again = [json.dumps(r.to_json(), ensure_ascii=False, sort_keys=True) for r in hello_pack.extract(text, "d", True)]
    assert first == again


def test_matching_sentences_are_found_inside_noise(hello_pack) -> None:
    """The strategy above does reach matches: a match survives emoji and Hanja around it."""
    text = "😀漢字 " + MATCHING[0] + " \u200bＣＥＯ"
    records = hello_pack.extract(text)
    assert [r.text for r in records] == ["홍길동 사장이 김철수 대표와 만났다"]
    assert text[records[0].start : records[0].end] == records[0].text
