# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The search for other mentions of a known entity (koie.engine.repeated), compiled.

:func:`repeated_places` takes the arguments koie.engine.repeated.repeated_spans
has prepared and returns the places its Python loop finds;
tests/property/test_propagate_props.py holds the two to the same places.
"""

from libcpp.vector cimport vector
from libcpp.unordered_set cimport unordered_set
from libc.stdint cimport uint64_t
from cpython.unicode cimport PyUnicode_READ_CHAR, Py_UNICODE_ISSPACE
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ

from koie._slots cimport SlotFiller, morpheme_slots, TAG, START, END, EOJEOL

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)


cdef inline bint _starts_unit_at(SlotFiller slots, tuple morphemes, Py_ssize_t index):
    if index == 0:
        return True
    before = morphemes[index - 1]
    return slots.get(before, EOJEOL) != slots.get(morphemes[index], EOJEOL) or (<str>slots.get(before, TAG)).startswith("S")


cdef inline bint _ends_unit_at(SlotFiller slots, tuple morphemes, Py_ssize_t end_index, Py_ssize_t end_char):
    if end_index == len(morphemes):
        return True
    following = morphemes[end_index]
    if <Py_ssize_t>slots.get(following, START) < end_char:
        return False
    return slots.get(following, EOJEOL) != slots.get(morphemes[end_index - 1], EOJEOL) or \
        (<str>slots.get(following, TAG)).startswith(("J", "E", "S", "VCP", "XSN"))


def repeated_places(str text, tuple sentences, dict keys, set prefixes, int longest, dict covered, set openings,
                    int few_keys, object sentence_places):
    """koie.engine.repeated.repeated_spans's search, over each sentence's text case folded once.

    The surface of a place (its text without spaces, case folded) is a slice
    of the sentence's compact folded text instead of a join per morpheme and
    length. A sentence whose case folding changes its length goes to
    ``sentence_places`` (the Python loop). tests/property/test_propagate_props.py
    holds the two to the same places.
    """
    cdef SlotFiller slots = morpheme_slots()
    cdef list found = []
    cdef Py_ssize_t sentence_number = -1, start, end, length, at, compact_length, index, count, last_index
    cdef Py_ssize_t start_char, end_char, morpheme_end, best_end
    cdef vector[Py_ssize_t] offsets  # the compact position of each character of the sentence (and its end)
    cdef unordered_set[uint64_t] pairs
    cdef uint64_t pair
    cdef unsigned int c, previous
    cdef int kind
    cdef void* data
    cdef bint many = len(keys) > few_keys, holds
    cdef unordered_set[uint64_t] firsts  # the keys' first characters (prefixes of one character)
    for key in keys:
        firsts.insert(<uint64_t>ord((<str>key)[0]))
    cdef int folded_kind
    cdef void* folded_data
    if many:
        for opening in openings:
            if len(opening) == 2:
                pairs.insert((<uint64_t>ord(opening[0]) << 32) | <uint64_t>ord(opening[1]))
    # the whole text case folded once, where that keeps every character's position
    folded_text = text.casefold()
    cdef bint text_keeps_positions = len(folded_text) == len(text)
    cdef vector[Py_UCS4] compact_buffer
    for sentence in sentences:
        sentence_number += 1
        start = sentence.start
        end = sentence.end
        sentence_text = text[start:end]
        folded = folded_text[start:end] if text_keeps_positions else sentence_text.casefold()
        covered_here = covered.get(sentence_number)
        if covered_here is None:
            covered_here = set()
        morphemes = <tuple?>sentence.morphemes
        for morpheme in morphemes:
            if type(morpheme) is not slots.cls:
                raise TypeError(f"not a Morpheme: {type(morpheme).__name__}")
        length = len(sentence_text)
        if len(folded) != length:
            if _may_hold_py(sentence_text, keys, openings, few_keys):
                found += sentence_places(text, sentence_number, morphemes, keys, prefixes, longest, covered_here)
            continue
        # the compact folded text, and where each character of the sentence falls in it
        offsets.resize(length + 1)
        folded_kind = kind = PyUnicode_KIND(folded)
        folded_data = data = PyUnicode_DATA(folded)
        compact_length = 0
        compact_buffer.clear()
        for at in range(length):
            offsets[at] = compact_length
            c = PyUnicode_READ(kind, data, at)
            if not Py_UNICODE_ISSPACE(c):
                compact_buffer.push_back(c)
                compact_length += 1
        offsets[length] = compact_length
        # "".join(folded.split()), without the list of words
        compact = PyUnicode_FromKindAndData(4, compact_buffer.data(), compact_length) if compact_length else ""
        # _may_hold: a key, or (many keys) a key's first two characters, somewhere in the sentence
        holds = False
        if not many:
            for key in keys:
                if key in compact:
                    holds = True
                    break
        else:
            kind = PyUnicode_KIND(compact)
            data = PyUnicode_DATA(compact)
            for at in range(1, compact_length):
                pair = (<uint64_t>PyUnicode_READ(kind, data, at - 1) << 32) | <uint64_t>PyUnicode_READ(kind, data, at)
                if pairs.count(pair):
                    holds = True
                    break
        if not holds:
            continue
        count = len(morphemes)
        index = 0
        while index < count:
            best_end = -1
            best_source = None
            start_char = slots.get(morphemes[index], START)
            # the place's first character, as _sentence_places reads it from the text
            if start_char < len(text):
                if start_char >= end:  # past the sentence (an empty morpheme at its end): read it there
                    first = text[start_char]
                    if not first.isspace() and first.casefold() not in prefixes:
                        index += 1
                        continue
                else:
                    c = PyUnicode_READ(folded_kind, folded_data, start_char - start)
                    if not Py_UNICODE_ISSPACE(c) and not firsts.count(<uint64_t>c):
                        index += 1
                        continue
            if _starts_unit_at(slots, morphemes, index) and index not in covered_here:
                end_char = start_char
                for last_index in range(index, count):
                    if last_index in covered_here:
                        break
                    morpheme_end = slots.get(morphemes[last_index], END)
                    if morpheme_end > end_char:
                        end_char = morpheme_end
                    surface = compact[offsets[start_char - start]:offsets[end_char - start]] \
                        if start_char <= end and end_char <= end else \
                        "".join(text[start_char:end_char].split()).casefold()
                    if surface not in prefixes:
                        break
                    if surface in keys and _ends_unit_at(slots, morphemes, last_index + 1, end_char):
                        best_end = last_index + 1
                        best_source = keys[surface]
                    if len(surface) >= longest:
                        break
            if best_end >= 0:
                found.append((sentence_number, index, best_end, best_source))
                index = best_end
            else:
                index += 1
    return found


cdef bint _may_hold_py(str sentence_text, dict keys, set openings, int few_keys):
    compact = "".join(sentence_text.split()).casefold()
    if len(keys) <= few_keys:
        return any(key in compact for key in keys)
    return any(compact[at:at + 2] in openings for at in range(len(compact) - 1))
