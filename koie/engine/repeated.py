"""Other mentions of a known entity: ``mentions: {PERSON: {repeat: true}}``.

Once the rules have found 젠슨 황 as a PERSON in a document, a later bare
``젠슨`` or a ``젠슨 황`` that Kiwi read as two common nouns is the same
person, though no pattern matches it there (GATE's orthomatcher does the
same). When a label settles, every record's text, and each word of two or
more syllables of a multi-word text, is looked for elsewhere in the
document: at the start of a spacing unit, ending at a morpheme boundary
before a particle, an ending, punctuation or a space. Such a place becomes a
record of the same label (its origin ``Origin.REPEATED``, its rule the one that
found the text; the output names it ``repeat:LABEL``), unless a record of the
label already covers it. Later phases then use it like any other record.

>>> from koie.analysis.morphemes import parse_notation
>>> document = parse_notation("젠슨황/NNP 대표/NNG || 젠슨/NNG+과/JKB 만났다/VV")
>>> spans = repeated_spans(document, [("젠슨 황", 0, 0, 1)])
>>> [(document.text[document.sentences[s].morphemes[a].start:document.sentences[s].morphemes[b - 1].end], source)
...  for s, a, b, source in spans]
[('젠슨', 0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koie import native
from koie.analysis.morphemes import AnalyzedDocument, Morpheme

#: koie/engine/_repeated.pyx: its repeated_places runs the search below compiled (or None).
_native: Any = native.load("koie.engine._repeated")

#: Tags that may follow a repeated mention inside its spacing unit.
_FOLLOWERS = ("J", "E", "S", "VCP", "XSN")


def _keys(text: str) -> list[str]:
    words = text.split()
    keys = ["".join(words)]
    if len(words) > 1:
        keys.extend(word for word in words if len(word) >= 2)
    return [key for key in keys if len(key) >= 2]


def _starts_unit(morphemes: Sequence[Morpheme], index: int) -> bool:
    return (
        index == 0 or morphemes[index - 1].eojeol != morphemes[index].eojeol or morphemes[index - 1].tag.startswith("S")
    )


def _ends_unit(morphemes: Sequence[Morpheme], end_index: int, end_char: int) -> bool:
    if end_index == len(morphemes):
        return True
    following = morphemes[end_index]
    if following.start < end_char:
        return False  # the span would cut a morpheme that overlaps it
    return following.eojeol != morphemes[end_index - 1].eojeol or following.tag.startswith(_FOLLOWERS)


def repeated_spans(
    document: AnalyzedDocument, sources: Sequence[tuple[str, int, int, int]]
) -> list[tuple[int, int, int, int]]:
    """Places where a source text occurs again, as (sentence, first, last, source index).

    ``sources`` are (text, sentence, first, last) of the records found by
    rules; places they already cover are not returned.
    """
    keys: dict[str, int] = {}
    for number, (text, *_rest) in enumerate(sources):
        for key in _keys(text):
            keys.setdefault(key.casefold(), number)
    if not keys:
        return []
    prefixes = {key[:i] for key in keys for i in range(1, len(key) + 1)}
    longest = max(len(key) for key in keys)
    covered: dict[int, set[int]] = {}
    for _text, number, first, last in sources:
        covered.setdefault(number, set()).update(range(first, last))
    openings = {key[:2] for key in keys}
    if _native is not None:
        found: list[tuple[int, int, int, int]] = _native.repeated_places(
            document.text, document.sentences, keys, prefixes, longest, covered, openings, FEW_KEYS, _sentence_places
        )
        return found
    found = []
    text = document.text
    for sentence_number, sentence in enumerate(document.sentences):
        if _may_hold(text[sentence.start : sentence.end], keys, openings):
            found += _sentence_places(
                text, sentence_number, sentence.morphemes, keys, prefixes, longest, covered.get(sentence_number, set())
            )
    return found


def _sentence_places(
    text: str,
    sentence_number: int,
    morphemes: Sequence[Morpheme],
    keys: dict[str, int],
    prefixes: set[str],
    longest: int,
    covered: set[int],
) -> list[tuple[int, int, int, int]]:
    """The places of one sentence (see :func:`repeated_spans`; ``covered``: its covered morphemes).

    koie.engine._repeated.repeated_places is this loop compiled, over the sentence's text
    case folded once; it calls this one for a sentence whose case folding
    changes its length (ß is ss), where character positions shift.
    """
    found: list[tuple[int, int, int, int]] = []
    index = 0
    while index < len(morphemes):
        best: tuple[int, int] | None = None
        start_char = morphemes[index].start
        first = text[start_char : start_char + 1]
        # The surface starts with this character: most places fail here, before any joining.
        if first and not first.isspace() and first.casefold() not in prefixes:
            index += 1
            continue
        if _starts_unit(morphemes, index) and index not in covered:
            end_char = start_char
            for end in range(index, len(morphemes)):
                if end in covered:
                    break
                end_char = max(end_char, morphemes[end].end)
                surface = "".join(text[start_char:end_char].split()).casefold()
                if surface not in prefixes:
                    break
                if surface in keys and _ends_unit(morphemes, end + 1, end_char):
                    best = (end + 1, keys[surface])
                if len(surface) >= longest:
                    break
        if best is not None:
            found.append((sentence_number, index, best[0], best[1]))
            index = best[0]
        else:
            index += 1
    return found


#: Up to this many keys a sentence is tested by a substring search for each; beyond, by the
#: keys' first two characters, at a cost per character instead of per key (a long document
#: can name thousands of people: a search per key and sentence made it quadratic).
FEW_KEYS = 16


def _may_hold(sentence_text: str, keys: dict[str, int], openings: set[str]) -> bool:
    """Whether a key may occur in the sentence once spaces are removed and case folded.

    A place found below has a surface (its text without spaces, case folded)
    equal to a key, and removing spaces and case folding keep a substring a
    substring: a sentence where no key occurs, or not even the first two
    characters of one (``openings``), is skipped whole.
    """
    compact = "".join(sentence_text.split()).casefold()
    if len(keys) <= FEW_KEYS:
        return any(key in compact for key in keys)
    return any(compact[at : at + 2] in openings for at in range(len(compact) - 1))
