# cython: language_level=3
"""What the native matcher keeps between searches and reads of a sentence (koie/vm/_runtime.pyx),
for the search (koie/vm/_vm.pyx) and the engine's rule loop (koie/engine/_extract.pyx) to cimport."""

from libcpp.vector cimport vector
from libcpp.unordered_map cimport unordered_map
from libc.stdint cimport int64_t


cdef struct Thread:
    int pc
    int start
    int trail
    int lazy     # morphemes taken lazily so far (0 but in lazy programs)


cdef struct Event:
    int kind
    int a        # element (m) or capture name index (open/close)
    int first    # first morpheme (m) or position (open/close)
    int last
    int filler   # index of the span whose record filled a slot, or -1
    int capture  # capture name index, or -1
    int parent


cdef class Runtime:
    # Morpheme tests: MorphemeCheck -> id, the checks by id, each one's negation and eojeol condition.
    cdef dict check_ids
    cdef list checks
    cdef vector[int] negated, same_eojeol
    # By type id, then check id: whether the check's form/tag/regex part passes (2: not yet known;
    # negation and the eojeol condition are applied per position). Rows grow as checks appear.
    cdef vector[vector[char]] base
    cdef int64_t cells
    # Morpheme types: form -> tag -> type id, and back. Two lookups by strings whose hashes are
    # already known cost less than making, hashing and comparing a (form, tag) tuple per morpheme.
    cdef dict type_ids
    cdef list type_forms, type_tags
    # Bumped when the types are forgotten: a NativeSentence of an older generation is made again.
    cdef readonly int generation
    # Counts the types ever registered (and resets): a value computed from the registry (a start
    # check's types, NativeProgram.start_kinds) is current while this has not moved.
    cdef int64_t types_added
    cdef readonly Py_ssize_t max_types
    cdef readonly int64_t max_cells
    cdef dict label_ids, lexicon_ids
    # Look-around memo keys handed out so far (each body, direction and reach has one).
    cdef int look_count
    # id(lexicon) -> (lexicon, its view); a lexicon's prefixes -> its first characters.
    cdef dict views, first_characters
    # threading.local: this runtime's Scratch in each thread.
    cdef object local

    cdef int check_id(self, object check) except -1
    cdef int label_id(self, str label)
    cdef int lexicon_id(self, str name)
    cdef int keep_bounded(self) except -1


cdef class NativeSentence:
    cdef readonly Runtime runtime
    cdef int count
    cdef int generation
    cdef vector[int] types, eojeol
    cdef vector[Py_ssize_t] char_start, char_end
    cdef vector[int] look_offset
    cdef vector[char] look_results
    cdef unordered_map[int64_t, vector[int]] lexicon_ends
    cdef unordered_map[int, vector[char]] lexicon_known
    cdef unordered_map[int, vector[char]] lexicon_starts
    cdef char compact_state
    cdef object compact
    cdef Py_ssize_t compact_base
    cdef vector[Py_ssize_t] compact_offsets

    cdef int fill(self, Runtime runtime, object morphemes, dict form_sentences, int number) except -1


cdef class Scratch:
    cdef vector[vector[vector[Thread]]] pending_stack
    cdef vector[vector[Thread]] threads_stack, runnable_stack
    cdef vector[vector[int64_t]] seen_stack
    cdef vector[Event] events
    cdef vector[char] marked
    cdef vector[int] start_positions
    cdef int depth
    cdef int64_t serial


cdef class Run:
    cdef object input
    cdef object deadline
    cdef int64_t step_limit
    cdef NativeSentence sentence
    cdef Scratch scratch
    cdef int count
    cdef int64_t steps, next_check
    cdef vector[int] span_end, span_label, span_order, span_at
    cdef list span_refs
    cdef vector[int] no_ends, found_ends
    cdef str text
    cdef list lexicon_views


cdef inline void push(vector[int]& values, int value):
    # Cython 3.3 passes an expression's value to a C++ ``const T&`` parameter
    # through a pointer to a temporary that may be gone by the call (wrong
    # values at -O2): every push of a computed value goes through this parameter.
    values.push_back(value)


cdef char base_passes(Runtime runtime, int check, int type_id) except -1


cdef inline char verdict(NativeSentence sentence, int check, int position) except -1:
    """MorphemeCheck.accepts at ``position``, its form/tag/regex part memoised per morpheme type."""
    cdef Runtime runtime = sentence.runtime
    cdef int type_id = sentence.types[position]
    if <size_t>type_id >= runtime.base.size():
        runtime.base.resize(type_id + 1)
    cdef vector[char]* row = &runtime.base[type_id]
    cdef size_t width
    if <size_t>check >= row.size():
        width = len(runtime.checks)
        runtime.cells += width - row.size()
        row.resize(width, 2)
    cdef char base = row[0][check]
    if base == 2:
        base = base_passes(runtime, check, type_id)
        row = &runtime.base[type_id]  # base_passes runs Python code, but nothing in it touches the table
        row[0][check] = base
    cdef int ok = base
    if ok and runtime.same_eojeol[check]:
        ok = position > 0 and sentence.eojeol[position - 1] == sentence.eojeol[position]
    return 1 if ok != runtime.negated[check] else 0


#: Where entries of lexicon ``name`` (id ``lexicon_id``) starting at ``position`` end.
cdef vector[int]* lexicon_ends(Run r, int lexicon_id, str name, int position) except NULL
#: Where an entry of the lexicon starts in the sentence (1 or 0 per position).
cdef vector[char]* lexicon_starts(Run r, int lexicon_id, str name) except NULL
#: This thread's search buffers of ``runtime``.
cdef Scratch scratch_of(Runtime runtime)
#: The Run of a MatchInput for programs of ``runtime`` (one per input: rules sharing it share its spans).
cdef Run run_of(object sentence, Runtime runtime)
