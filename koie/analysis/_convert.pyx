# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""Analysis compiled: Kiwi's tokens as koie's morphemes (koie.analysis.kiwi), and the cache's encoding
of them (koie.analysis.cache).

Each function gives what its Python twin gives: :func:`convert_document` is
koie.analysis.kiwi._convert and _number_eojeols over a document,
:func:`encode_sentences` the bytes of koie.analysis.cache.encode_document
(tests/test_native_vm.py and tests/test_cache.py compare them).
"""

from libcpp.string cimport string
from cpython.unicode cimport PyUnicode_READ_CHAR, Py_UNICODE_ISSPACE

from koie._jsontext cimport append_int, append_text
from koie._slots cimport SlotFiller, morpheme_slots, FORM, TAG, START, END, EOJEOL, LEMMA


def convert_document(str text, list pieces, dict base_tags, object base_tag, object predicate_tags):
    """koie.analysis.kiwi._convert and _number_eojeols over one document, in one pass.

    ``pieces`` holds (offset, sentences) for each piece of the document, in
    order, ``sentences`` being Kiwi's token lists for the piece; ``base_tags``
    is the shared VV-I -> VV table (``base_tag`` fills it). Returns (start,
    end, morphemes) for each non-empty sentence, eojeols numbered across the
    document: whitespace between a morpheme and the text already covered
    starts a new eojeol.
    """
    cdef SlotFiller slots = morpheme_slots()
    cdef list out = []
    cdef Py_ssize_t offset, start, end, previous_end, lowest, highest, at
    cdef int eojeol, next_eojeol = 0
    cdef bint spaced
    cdef list morphemes
    for offset, sentences in pieces:
        for tokens in sentences:
            if not tokens:
                continue
            eojeol = next_eojeol
            previous_end = -1
            lowest = -1
            highest = -1
            morphemes = []
            for token in tokens:
                raw_tag = token.tag
                tag = base_tags.get(raw_tag)
                if tag is None:
                    tag = base_tags[raw_tag] = base_tag(str(raw_tag))
                start = offset + <Py_ssize_t>token.start
                end = start + <Py_ssize_t>token.len
                lemma = token.lemma if tag in predicate_tags else None
                if not lemma:
                    lemma = None
                if 0 <= previous_end < start:
                    spaced = False
                    for at in range(previous_end, start):
                        if Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, at)):
                            spaced = True
                            break
                    if spaced:
                        eojeol += 1
                if end > previous_end:
                    previous_end = end
                if lowest < 0 or start < lowest:
                    lowest = start
                if end > highest:
                    highest = end
                morpheme = slots.make()
                slots.put(morpheme, FORM, token.form)
                slots.put(morpheme, TAG, tag)
                slots.put(morpheme, START, start)
                slots.put(morpheme, END, end)
                slots.put(morpheme, EOJEOL, eojeol)
                slots.put(morpheme, LEMMA, lemma)
                morphemes.append(morpheme)
            next_eojeol = eojeol + 1
            out.append((lowest, highest, tuple(morphemes)))
    return out


def encode_sentences(sentences):
    """koie.analysis.cache.encode_document's bytes for a document's sentences, written in one pass.

    The same bytes as ``json.dumps([[start, end, columns], ...], ensure_ascii=False,
    separators=(",", ":")).encode("utf-8")``, ``columns`` being the six lists of
    koie.analysis.cache.encode_morphemes; tests/test_cache.py holds the two equal. Caching
    a megabyte's analyses built 1.2 million list items for json to walk: 0.17 s
    of a 6 s cold run, in the thread that matches.
    """
    cdef SlotFiller slots = morpheme_slots()
    cdef string out
    cdef int field
    cdef bint first_sentence = True, first
    morpheme_type = slots.cls
    out.push_back(b'[')
    for sentence in sentences:
        if not first_sentence:
            out.push_back(b',')
        first_sentence = False
        out.push_back(b'[')
        append_int(out, sentence.start)
        out.push_back(b',')
        append_int(out, sentence.end)
        out.append(b',[')
        morphemes = <tuple?>sentence.morphemes
        for morpheme in morphemes:
            if type(morpheme) is not morpheme_type:
                raise TypeError(f"not a Morpheme: {type(morpheme).__name__}")
        for field in range(6):
            out.append(b'[' if field == 0 else b',[')
            first = True
            for morpheme in morphemes:
                if not first:
                    out.push_back(b',')
                first = False
                value = slots.get(morpheme, field)
                if field < 2:
                    append_text(out, <str?>value)
                elif field < 5:
                    append_int(out, value)
                elif value is None:
                    out.append(b'null')
                else:
                    append_text(out, <str?>value)
            out.push_back(b']')
        out.append(b']]')
    out.push_back(b']')
    return <bytes>out
