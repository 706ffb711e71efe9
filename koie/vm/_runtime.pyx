# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""What the native matcher (koie/vm/_vm.pyx) keeps between searches, and what it reads of a sentence.

Nothing is kept for the life of the process. A :class:`Runtime` holds what
outlives one search: the registries of morpheme tests, form/tag types and
labels, each test's verdict on each type, what the searches read of each
lexicon, and each thread's search buffers. The engine makes one per compiled
pack (koie/engine/_extract.pyx), so the pack's rules share the verdicts; a
program searched on its own gets one on first use. It goes with its pack.

A :class:`NativeSentence` is a sentence's morphemes as type ids of a runtime,
with its look-around results and lexicon entries, kept on the sentence's
:class:`~koie.vm.match.SentenceIndex` for every rule; a :class:`Run` is one
MatchInput as the searches read it (its spans by start, its step count).
"""

from libcpp.vector cimport vector
from libcpp.unordered_map cimport unordered_map
from libc.stdint cimport int64_t
from cython.operator cimport dereference as deref
import threading
from cpython.unicode cimport PyUnicode_READ_CHAR, Py_UNICODE_ISSPACE
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ

from koie._slots cimport SlotFiller, morpheme_slots, FORM, TAG, START, END, EOJEOL

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)

#: A runtime's type registry and its verdicts are a cache: past these sizes (a corpus with millions
#: of distinct words) they start again, so memory stays bounded whatever the corpus.
MAX_TYPES = 1_000_000
MAX_CELLS = 200_000_000


cdef class Runtime:
    """The native matcher's caches for the programs of one compiled pack (or of one program).

    Whatever a search learns that outlives it is kept here, never in the
    module: which morpheme tests the programs use (ids for C arrays), the
    form/tag types of the morphemes seen and each test's verdict on each type,
    label and lexicon ids, what the searches read of each lexicon, and each
    thread's search buffers. The registry of types and verdicts starts again
    past ``max_types`` types or ``max_cells`` verdicts; the rest is bounded
    by the pack. The runtime goes with its pack.
    """

    def __init__(self, max_types=None, max_cells=None):
        self.check_ids = {}
        self.checks = []
        self.type_ids = {}
        self.type_forms = []
        self.type_tags = []
        self.label_ids = {}
        self.lexicon_ids = {}
        self.views = {}
        self.first_characters = {}
        self.local = threading.local()
        self.max_types = MAX_TYPES if max_types is None else max_types
        self.max_cells = MAX_CELLS if max_cells is None else max_cells

    def __reduce__(self):
        return Runtime, (self.max_types, self.max_cells)  # a cache: a copy starts empty

    cdef int check_id(self, object check) except -1:
        cdef object known = self.check_ids.get(check)
        if known is not None:
            return known
        cdef int new_id = len(self.checks)
        self.check_ids[check] = new_id
        self.checks.append(check)
        push(self.negated, 1 if check.negated else 0)
        push(self.same_eojeol, 1 if check.same_eojeol else 0)
        return new_id

    cdef int label_id(self, str label):
        cdef object known = self.label_ids.get(label)
        if known is None:
            known = self.label_ids[label] = len(self.label_ids)
        return known

    cdef int lexicon_id(self, str name):
        cdef object known = self.lexicon_ids.get(name)
        if known is None:
            known = self.lexicon_ids[name] = len(self.lexicon_ids)
        return known

    cdef int keep_bounded(self) except -1:
        if len(self.type_forms) > self.max_types or self.cells > self.max_cells:
            self.forget_types()
        return 0

    def forget_types(self):
        """Empty the type registry and its verdicts; sentences made before are remade on next use."""
        self.types_added += 1
        self.type_ids.clear()
        del self.type_forms[:]
        del self.type_tags[:]
        self.base.clear()
        self.base.shrink_to_fit()
        self.cells = 0
        self.generation += 1

    def sizes(self):
        """How much each of the runtime's caches holds (for tests: they stay bounded)."""
        return {
            "types": len(self.type_forms),
            "checks": len(self.checks),
            "verdicts": self.cells,
            "labels": len(self.label_ids),
            "lexicons": len(self.lexicon_ids),
            "lexicon views": len(self.views),
            "first characters": len(self.first_characters),
        }

    def index_document(self, sentences):
        """Each sentence as a NativeSentence, and form -> the sentences holding it (ascending), in one pass.

        The engine's per-document index (koie.engine.extract): a pack with many
        rules visits nearly every sentence, so making every NativeSentence here,
        in the pass that indexes the forms, costs less than reading the morphemes
        twice (once for the index, once per sentence on first use).
        """
        self.keep_bounded()
        cdef dict form_sentences = {}
        cdef list natives = []
        cdef NativeSentence native
        cdef int number = 0
        for sentence in sentences:
            native = NativeSentence.__new__(NativeSentence)
            native.fill(self, sentence.morphemes, form_sentences, number)
            natives.append(native)
            number += 1
        return form_sentences, natives


cdef class _LexiconView:
    """What the searches read of one lexicon, as C fields (its Python attributes cost a lookup each)."""

    cdef object prefixes, entries
    cdef Py_ssize_t longest
    cdef _FirstCharacters first_characters


cdef object _MISSING = object()


cdef object _lexicon_view(Run r, int lexicon_id, str name):
    """The _LexiconView of lexicon ``name`` in the Run's input (None: the input has no such lexicon).

    Kept on the Run by lexicon id: with a thousand rules, the first look at each place
    of a sentence fetched the lexicon, its prefixes and its first characters through
    Python lookups (a third of the search's instructions)."""
    cdef _LexiconView made
    cdef list views = r.lexicon_views
    if views is None:
        views = r.lexicon_views = []
    while len(views) <= lexicon_id:
        views.append(_MISSING)
    view = views[lexicon_id]
    if view is not _MISSING:
        return view
    lexicon = r.input.lexicons.get(name)
    if lexicon is None:
        views[lexicon_id] = None
        return None
    cdef Runtime runtime = r.sentence.runtime
    # id(lexicon) -> (lexicon, its view): the lexicon is kept so its id stays unique
    entry = runtime.views.get(id(lexicon))
    if entry is not None and (<tuple>entry)[0] is lexicon:
        view = (<tuple>entry)[1]
    else:
        if len(runtime.views) >= 1000:  # inputs made with lexicons again and again: stay bounded
            runtime.views.clear()
        made = _LexiconView.__new__(_LexiconView)
        made.prefixes = lexicon.prefixes
        made.entries = lexicon.entries
        made.longest = lexicon.longest
        made.first_characters = _first_characters(runtime, made.prefixes)
        view = made
        runtime.views[id(lexicon)] = (lexicon, view)
    views[lexicon_id] = view
    return view


cdef vector[int]* lexicon_ends(Run r, int lexicon_id, str name, int position) except NULL:
    """Where entries of lexicon ``name`` starting at ``position`` end, kept per sentence for every rule.

    Most places start no entry: those are remembered in a byte per position,
    and only places with entries take a map entry.
    """
    cdef NativeSentence sentence = r.sentence
    cdef vector[char]* known = &sentence.lexicon_known[lexicon_id]
    if known.empty():
        known.resize(r.count + 1, 0)
    cdef int64_t key = ((<int64_t>lexicon_id) << 32) | position
    cdef char state = known[0][position]
    if state == 1:
        return &r.no_ends
    if state == 2:
        return &sentence.lexicon_ends[key]
    r.found_ends.clear()
    view = _lexicon_view(r, lexicon_id, name)
    # Most places a rule asks about cannot begin an entry (their first character begins none): the
    # search proper, which slices and hashes the surface, runs only where one can (as in
    # lexicon_starts). With a thousand rules asking, the searches were 40% of the matching.
    if view is not None and position < r.count and \
            _may_begin_entry((<_LexiconView>view).first_characters, r.text, sentence, position):
        _find_lexicon_ends(r, <_LexiconView>view, position, r.found_ends)
    if r.found_ends.empty():
        known[0][position] = 1
        return &r.no_ends
    known = &sentence.lexicon_known[lexicon_id]  # (the lexicon's Python code ran in between)
    known[0][position] = 2
    cdef vector[int]* ends = &sentence.lexicon_ends[key]
    ends[0] = r.found_ends
    return ends


cdef int _find_lexicon_ends(Run r, _LexiconView lexicon, int index, vector[int]& ends) except -1:
    """MatchInput.lexicon_ends: entries match the surface text (spaces ignored, case-folded) and end
    only at morpheme boundaries. The surface grows a morpheme at a time instead of being re-joined."""
    morphemes = r.input.morphemes
    cdef str text = r.text
    cdef int count = r.count
    if index >= count:
        return 0
    cdef object prefixes = lexicon.prefixes
    cdef object entries = lexicon.entries
    cdef Py_ssize_t longest = lexicon.longest
    cdef Py_ssize_t start_char, end_char, covered, morpheme_end
    cdef str surface = ""
    cdef int j
    cdef bint boundary
    cdef NativeSentence native = r.sentence
    cdef Py_ssize_t base, surface_from, last_char
    if native.compact_state == 0:
        _make_compact(native, text)
    if native.compact_state == 1:
        # the surface of morphemes index..j is a slice of the sentence's compact folded text
        base = native.compact_base
        last_char = native.char_start[index]
        surface_from = native.compact_offsets[last_char - base]
        compact = <str>native.compact
        for j in range(index, count):
            if native.char_end[j] > last_char:
                last_char = native.char_end[j]
            surface = compact[surface_from:native.compact_offsets[last_char - base]]
            if surface and surface not in prefixes:
                break
            boundary = j + 1 == count or native.char_start[j + 1] >= last_char
            if boundary and surface in entries:
                push(ends, j + 1)
            if len(surface) >= longest:
                break
        return 0
    start_char = morphemes[index].start
    end_char = start_char
    covered = start_char  # text[start_char:covered] is in the surface
    for j in range(index, count):
        morpheme_end = morphemes[j].end
        if morpheme_end > end_char:
            end_char = morpheme_end
        if end_char > covered:
            surface += "".join(text[covered:end_char].split()).casefold()
            covered = end_char
        if surface and surface not in prefixes:
            break
        boundary = j + 1 == count or morphemes[j + 1].start >= end_char
        if boundary and surface in entries:
            push(ends, j + 1)
        if len(surface) >= longest:
            break
    return 0


cdef int _make_compact(NativeSentence native, str text) except -1:
    """The sentence's text without spaces, case folded, and where each of its characters falls in it."""
    native.compact_state = 2
    if native.count == 0:
        return 0
    cdef Py_ssize_t low = native.char_start[0], high = native.char_end[0], at, length, compact_length = 0
    cdef int position
    for position in range(native.count):
        if native.char_start[position] < low:
            low = native.char_start[position]
        if native.char_end[position] > high:
            high = native.char_end[position]
    if low < 0 or high > len(text) or high < low:
        return 0
    folded = text[low:high].casefold()
    length = high - low
    if len(folded) != length:  # a character folds to two (ß is ss): positions would shift
        return 0
    cdef int kind = PyUnicode_KIND(folded)
    cdef void* data = PyUnicode_DATA(folded)
    cdef Py_UCS4 c
    cdef vector[Py_UCS4] kept
    native.compact_offsets.resize(length + 1)
    for at in range(length):
        native.compact_offsets[at] = compact_length
        c = PyUnicode_READ(kind, data, at)
        if not Py_UNICODE_ISSPACE(c):
            kept.push_back(c)
            compact_length += 1
    native.compact_offsets[length] = compact_length
    native.compact = PyUnicode_FromKindAndData(4, kept.data(), compact_length) if compact_length else ""
    native.compact_base = low
    native.compact_state = 1
    return 0


cdef char base_passes(Runtime runtime, int check, int type_id) except -1:
    """MorphemeCheck.accepts without its negation and eojeol condition (see koie.lang.ir), for a type."""
    check_object = runtime.checks[check]
    cdef str form = runtime.type_forms[type_id]
    if check_object.forms and form not in check_object.forms or \
            check_object.tags and runtime.type_tags[type_id] not in check_object.tags:
        return 0
    if check_object.regex is not None:
        compiled = check_object._compiled
        if compiled is None:
            import re
            compiled = re.compile(check_object.regex)
            object.__setattr__(check_object, "_compiled", compiled)
        return 1 if compiled.search(form) is not None else 0
    return 1


cdef class NativeSentence:
    """A sentence's morphemes as type ids and eojeol numbers, and its look-around results.

    Kept on the sentence's :class:`~koie.vm.match.SentenceIndex`, so every rule
    shares it, as the Python VM shares its look-around memo. Its type ids are
    those of ``runtime`` as of ``generation``.
    """

    # Look-around results: look key -> offset of its count + 1 verdicts (2 unknown) in look_results.
    # (lexicon id << 32 | position) -> where entries starting there end (MatchInput.lexicon_ends),
    # for the places that start one; lexicon_known: lexicon id -> per position 0 not looked at,
    # 1 none, 2 some; lexicon_starts: lexicon id -> where entries start (1 or 0 per position).
    # compact: the sentence's text case folded without spaces (lexicon surfaces are slices of it),
    # made on its first lexicon lookup: compact_state 0 not yet, 1 made, 2 not usable (case folding
    # moved a character: the surfaces are joined as before). compact_offsets[i]: where the
    # character compact_base + i of the text falls in it.

    cdef int fill(self, Runtime runtime, object morphemes, dict form_sentences, int number) except -1:
        """Read the morphemes; with ``form_sentences``, also add sentence ``number`` under each of its forms."""
        cdef object type_id
        cdef list holding
        self.runtime = runtime
        self.generation = runtime.generation
        self.count = len(morphemes)
        cdef SlotFiller slots = morpheme_slots()
        cdef object morpheme_class = slots.cls
        cdef Py_ssize_t start, end
        cdef dict type_ids = runtime.type_ids
        cdef list type_forms = runtime.type_forms
        self.types.reserve(self.count)
        self.eojeol.reserve(self.count)
        self.char_start.reserve(self.count)
        self.char_end.reserve(self.count)
        for morpheme in morphemes:
            if type(morpheme) is morpheme_class:  # read the slots directly, not through getattr
                form = slots.get(morpheme, FORM)
                tag = slots.get(morpheme, TAG)
                start = slots.get(morpheme, START)
                end = slots.get(morpheme, END)
                eojeol = slots.get(morpheme, EOJEOL)
            else:
                form, tag, start, end, eojeol = morpheme.form, morpheme.tag, morpheme.start, morpheme.end, \
                    morpheme.eojeol
            of_form = type_ids.get(form)
            if of_form is None:
                of_form = type_ids[form] = {}
            type_id = (<dict>of_form).get(tag)
            if type_id is None:
                runtime.types_added += 1
                type_id = (<dict>of_form)[tag] = len(type_forms)
                type_forms.append(form)
                runtime.type_tags.append(tag)
            push(self.types, type_id)
            push(self.eojeol, eojeol)
            self.char_start.push_back(start)
            self.char_end.push_back(end)
            if form_sentences is not None:
                found = form_sentences.get(form)
                if found is None:
                    form_sentences[form] = [number]
                else:
                    holding = <list>found
                    if holding[len(holding) - 1] != number:
                        holding.append(number)
        return 0


cdef class Scratch:
    """Search buffers of one thread, reused by every search of every rule and sentence (kept on the runtime).

    The first thread pushed at each position of each sentence cost a heap
    allocation when each Run had its own (malloc was a fifth of the search's
    time). Buffers only grow, and are left empty after each search. Buffers
    of each nesting level of searches (a look-around searches inside a
    search) are sized at the start of find_in, never during a search, so
    pointers into them stay valid. ``events`` is the event pool of the current
    find_in, ``marked`` _start_positions' scratch, ``start_positions`` where the
    current rule's threads may start; ``serial`` numbers searches: a "seen"
    stamp is (serial << 32 | position).
    """


cdef Scratch scratch_of(Runtime runtime):
    cdef Scratch scratch = getattr(runtime.local, "scratch", None)
    if scratch is None:
        scratch = runtime.local.scratch = Scratch()
    return scratch


cdef class Run:
    """Matching over one MatchInput: the sentence, the rule's spans and the step count.

    ``input`` is set only while a search runs (a Run kept on its input must not
    keep it alive); ``step_limit`` is the current rule's limit when the engine's
    loop set it here instead of on the input (-1: it is the input's
    ``_step_limit``), written to the input only when the limits are checked;
    ``lexicon_views``: lexicon id -> its _LexiconView, None (not in the input)
    or _MISSING; ``no_ends`` (always empty) and ``found_ends``: lexicon_ends' scratch.
    """


cdef vector[char]* lexicon_starts(Run r, int lexicon_id, str name) except NULL:
    """Where an entry of lexicon ``name`` (id ``lexicon_id``) starts in the sentence (1 or 0 per position),
    kept for every rule."""
    it = r.sentence.lexicon_starts.find(lexicon_id)
    if it != r.sentence.lexicon_starts.end():
        return &deref(it).second
    cdef vector[char]* starts = &r.sentence.lexicon_starts[lexicon_id]
    cdef int count = r.count
    cdef int position
    starts.resize(count + 1, 0)
    view = _lexicon_view(r, lexicon_id, name)
    if view is None:
        return starts
    cdef _FirstCharacters first_characters = (<_LexiconView>view).first_characters
    cdef NativeSentence native = r.sentence
    for position in range(count):
        if not _may_begin_entry(first_characters, r.text, native, position):
            continue
        if not lexicon_ends(r, lexicon_id, name, position).empty():
            starts = &r.sentence.lexicon_starts[lexicon_id]  # (the lexicon's Python code ran in between)
            starts[0][position] = 1
    return &r.sentence.lexicon_starts[lexicon_id]


cdef class _FirstCharacters:
    """Per lexicon: whether a character can begin one of its entries (a space always can)."""

    cdef object prefixes
    cdef unordered_map[Py_UCS4, char] verdicts


cdef char _may_begin_entry(_FirstCharacters first_characters, str text, NativeSentence native,
                           int position) except -1:
    """Whether an entry's surface may start at morpheme ``position`` (< the sentence's count): it starts
    with the morpheme's first character, case folded (or a space); a morpheme without characters always may."""
    if native.char_end[position] <= native.char_start[position]:
        return 1
    cdef Py_UCS4 first = PyUnicode_READ_CHAR(text, native.char_start[position])
    it = first_characters.verdicts.find(first)
    if it != first_characters.verdicts.end():
        return deref(it).second
    character = chr(first)
    cdef char verdict = 1 if character.isspace() or character.casefold() in first_characters.prefixes else 0
    first_characters.verdicts[first] = verdict
    return verdict


cdef _FirstCharacters _first_characters(Runtime runtime, object prefixes):
    """A lexicon's _FirstCharacters, kept on the runtime by its prefixes (a frozenset: its hash is kept)."""
    cdef _FirstCharacters known = runtime.first_characters.get(prefixes)
    if known is None:
        if len(runtime.first_characters) > 1000:  # inputs made with lexicons again and again: stay bounded
            runtime.first_characters.clear()
        known = _FirstCharacters()
        known.prefixes = prefixes
        runtime.first_characters[prefixes] = known
    return known


def _span_start(span):
    return span.start


cdef Run _new_run(object sentence, NativeSentence native):
    cdef Run r = Run()
    r.sentence = native
    r.count = native.count
    r.span_refs = []
    r.text = sentence.text
    cdef Runtime runtime = native.runtime
    cdef int count = native.count
    cdef int position
    spans = sentence.spans
    r.span_at.resize(count + 2, 0)
    # Spans by start, in their given order among equal starts (as spans_at lists them).
    for span in (sorted([s for s in spans if 0 <= s.start <= count], key=_span_start) if spans else ()):
        push(r.span_order, len(r.span_refs))
        r.span_refs.append(span.ref)
        push(r.span_end, span.end)
        push(r.span_label, runtime.label_id(span.label))
        r.span_at[span.start + 1] += 1
    for position in range(1, count + 2):
        r.span_at[position] += r.span_at[position - 1]
    return r


cdef Run run_of(object sentence, Runtime runtime):
    """The Run of a MatchInput (one per input: rules sharing an input share its span arrays).

    Its NativeSentence is the one on the input's SentenceIndex, made again if
    it belongs to another runtime or to an older generation of this one's types.
    """
    index = sentence.index
    cdef NativeSentence native = index.native
    if native is None or native.runtime is not runtime or native.generation != runtime.generation:
        runtime.keep_bounded()
        native = NativeSentence.__new__(NativeSentence)
        native.fill(runtime, sentence.morphemes, None, 0)
        index.native = native
    cdef Run r = sentence.native_run
    if r is None or r.sentence is not native:
        r = sentence.native_run = _new_run(sentence, native)
    return r
