# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The Pike VM of :mod:`koie.vm.match`, compiled: the same program, the same steps, the same matches.

:mod:`koie.vm.match` is the definition; this module runs its ``_search`` and
``_closure`` over C arrays instead of Python tuples, lists and dicts:

- threads are (instruction, start, trail) structs, and a trail is an index
  into a pool of events; only the match that wins becomes Python objects
  (``_raw_match`` builds the same ``RawMatch`` as ``match._build``);
- a morpheme test's Python code runs once per (test, form/tag type) in the
  whole run (a table by type, started again past ``MAX_TYPES`` types so
  memory stays bounded), and its verdict once per position in a sentence;
- look-around results, lexicon entries and lexicon start positions are kept
  per sentence (``NativeSentence``, on the shared ``SentenceIndex``) for every
  rule, as the Python VM keeps its look-around memo;
- rules that share a ``MatchInput`` share one ``Run``: its span arrays and
  search buffers.

Step counting, the step budget and the deadline follow the Python VM
exactly. ``tests/test_native_vm.py`` holds the two to identical matches and
step counts. "Why not" explanations (a :class:`~koie.vm.match.Progress`) always
use the Python VM. Every value pushed into a C++ container goes through a
typed variable or parameter (``_push``, ``_push_thread``): see
``hatch_build.py`` for the Cython bug that makes this necessary.
"""

from libcpp.vector cimport vector
from libcpp.unordered_map cimport unordered_map
from libc.stdint cimport int64_t
from cython.operator cimport dereference as deref
import threading
import weakref as _weakref
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_READ_CHAR, Py_UNICODE_ISSPACE
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ

cdef extern from "Python.h":
    int PyUnicode_IS_ASCII(object o)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t items)

cdef enum:
    OP_MORPH = 0
    OP_SLOT = 1
    OP_LEXICON = 2
    OP_TAIL = 3
    OP_MATCH = 4
    OP_ANCHOR = 5
    OP_LOOK = 6
    OP_OTHER = 7

cdef enum:
    EV_M = 0
    EV_OPEN = 1
    EV_CLOSE = 2

cdef struct Thread:
    int pc
    int start
    int trail

cdef struct Event:
    int kind
    int a        # element (m) or capture name index (open/close)
    int first    # first morpheme (m) or position (open/close)
    int last
    int filler   # index of the span whose record filled a slot, or -1
    int capture  # capture name index, or -1
    int parent

cdef struct Best:
    int found
    int start
    int end
    int trail

_OPS = {"morph": OP_MORPH, "slot": OP_SLOT, "lexicon": OP_LEXICON, "tail": OP_TAIL, "match": OP_MATCH,
        "anchor": OP_ANCHOR, "look": OP_LOOK}


# -- instances of koie's slotted frozen dataclasses, made without their __init__ -----------------------


cdef class SlotFiller:
    """Makes instances of a slotted frozen dataclass by filling its slots directly.

    A frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``; analysis and the cache make hundreds of thousands
    of morphemes per megabyte, and matching tens of thousands of steps. This
    allocates the object as ``object.__new__`` would and stores each value in
    its slot (the offsets come from the class's own slot descriptors), so the
    object is the one the constructor makes, at a fraction of the cost.
    ``tests/test_native_vm.py`` compares the two.
    """

    cdef PyTypeObject* kind
    cdef object cls
    cdef vector[Py_ssize_t] offsets
    cdef readonly int size

    def __init__(self, cls, names):
        if getattr(cls, "__post_init__", None) is not None or "__slots__" not in cls.__dict__:
            raise TypeError(f"{cls.__name__}: only slotted classes without __post_init__ can be filled")
        if type(cls).__new__ is not type.__new__ or cls.__new__ is not object.__new__:
            raise TypeError(f"{cls.__name__}: a custom __new__ or metaclass")
        member_type = type(type("_Probe", (), {"__slots__": ("x",)}).x)
        for name in names:
            descriptor = cls.__dict__.get(name)
            if type(descriptor) is not member_type:
                raise TypeError(f"{cls.__name__}.{name} is not a slot of the class itself")
            self.offsets.push_back((<PyMemberDescrObject*>descriptor).d_member.offset)
        if self.offsets.size() != len(cls.__slots__):
            raise TypeError(f"{cls.__name__}: every slot must be named")
        self.cls = cls
        self.kind = <PyTypeObject*>cls
        self.size = <int>self.offsets.size()

    cdef inline object make(self):
        return PyType_GenericAlloc(self.kind, 0)

    cdef inline object get(self, object instance, int field):
        # the caller has checked type(instance) is the class, whose instances have every slot set
        return <object>(<PyObject**>((<char*><PyObject*>instance) + self.offsets[field]))[0]

    cdef inline void put(self, object instance, int field, object value):
        # a fresh object's slots are NULL: nothing to release
        Py_INCREF(value)
        (<PyObject**>((<char*><PyObject*>instance) + self.offsets[field]))[0] = <PyObject*>value

    def new(self, *values):
        """An instance with ``values`` in slot order (every slot given)."""
        if len(values) != self.size:
            raise TypeError(f"{self.cls.__name__} takes {self.size} values, got {len(values)}")
        instance = self.make()
        cdef int field
        for field in range(self.size):
            self.put(instance, field, values[field])
        return instance

    def copy(self, instance, *changes):
        """A copy of ``instance`` with some slots changed: ``changes`` is slot index, value, index, value..."""
        if type(instance) is not self.cls:
            raise TypeError(f"not a {self.cls.__name__}: {type(instance).__name__}")
        if len(changes) % 2:
            raise TypeError("changes come in (slot index, value) pairs")
        copy = self.make()
        cdef int field
        cdef PyObject* value
        for field in range(self.size):
            value = (<PyObject**>((<char*><PyObject*>instance) + self.offsets[field]))[0]
            if value != NULL:
                self.put(copy, field, <object>value)
        cdef Py_ssize_t at
        cdef PyObject** slot
        for at in range(0, len(changes), 2):
            field = changes[at]
            if not 0 <= field < self.size:
                raise IndexError(f"{self.cls.__name__} has no slot {field}")
            slot = <PyObject**>((<char*><PyObject*>copy) + self.offsets[field])
            Py_XDECREF(slot[0])
            slot[0] = NULL
            self.put(copy, field, changes[at + 1])
        return copy

    def columns(self, *columns):
        """A tuple of instances, the i-th made of the i-th value of each column (columns in slot order)."""
        if len(columns) != self.size:
            raise TypeError(f"{self.cls.__name__} takes {self.size} columns, got {len(columns)}")
        cdef list lists = [list(column) for column in columns]
        cdef Py_ssize_t count = len(lists[0]) if lists else 0
        cdef Py_ssize_t row
        cdef int field
        for column in lists:
            if len(column) != count:
                raise ValueError("columns of different lengths")
        out = []
        for row in range(count):
            instance = self.make()
            for field in range(self.size):
                self.put(instance, field, (<list>lists[field])[row])
            out.append(instance)
        return tuple(out)


# -- registries shared by every program and sentence of the process ------------------------------------

cdef class _Memo:
    """C++ containers shared by every program and sentence (a class, so their constructors run)."""

    #: Each check's negation and eojeol condition, by check id.
    cdef vector[int] negated, same_eojeol
    #: By type id, then check id: whether the check's form/tag/regex part passes (2: not yet known;
    #: negation and the eojeol condition are applied per position). Rows grow as checks appear.
    cdef vector[vector[char]] base
    cdef int64_t cells


cdef _Memo _memo = _Memo()
#: MorphemeCheck -> id, and the checks by id.
cdef dict _check_ids = {}
cdef list _checks = []
#: form -> tag -> type id, and back. Two lookups by strings whose hashes are already known
#: cost less than making, hashing and comparing a (form, tag) tuple per morpheme, and a
#: start check's forms give the types it can accept (_start_positions).
cdef dict _type_ids = {}
cdef list _type_forms = []
cdef list _type_tags = []
#: label -> id
cdef dict _label_ids = {}
#: (look body, ahead, reach) -> id, the first half of a look-around memo key.
cdef dict _look_ids = {}
#: id(Program) -> (weak reference to the Program, NativeProgram). An entry goes when its program is
#: collected (a process that loads pack after pack keeps only the live packs' programs), and the
#: reference is compared on lookup, so an id reused by a newer program is never served the old one.
cdef dict _programs = {}


cdef inline void _push(vector[int]& values, int value):
    # Cython 3.3 passes an expression's value to a C++ ``const T&`` parameter
    # through a pointer to a temporary that may be gone by the call (wrong
    # values at -O2): every push of a computed value goes through this parameter.
    values.push_back(value)


cdef int _check_id(object check) except -1:
    cdef object known = _check_ids.get(check)
    if known is not None:
        return known
    cdef int new_id = len(_checks)
    _check_ids[check] = new_id
    _checks.append(check)
    _push(_memo.negated, 1 if check.negated else 0)
    _push(_memo.same_eojeol, 1 if check.same_eojeol else 0)
    return new_id


cdef dict _lexicon_ids = {}


cdef int _lexicon_id(str name):
    cdef object known = _lexicon_ids.get(name)
    if known is None:
        known = _lexicon_ids[name] = len(_lexicon_ids)
    return known


cdef class _LexiconView:
    """What the searches read of one lexicon, as C fields (its Python attributes cost a lookup each)."""

    cdef object prefixes, entries
    cdef Py_ssize_t longest
    cdef _FirstCharacters first_characters


#: id(lexicon) -> (lexicon, its _LexiconView): the lexicon is kept so its id stays unique.
cdef dict _views = {}


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
    entry = _views.get(id(lexicon))
    if entry is not None and (<tuple>entry)[0] is lexicon:
        view = (<tuple>entry)[1]
    else:
        if len(_views) >= 1000:  # packs loaded again and again: stay bounded
            _views.clear()
        made = _LexiconView.__new__(_LexiconView)
        made.prefixes = lexicon.prefixes
        made.entries = lexicon.entries
        made.longest = lexicon.longest
        made.first_characters = _first_characters(made.prefixes)
        view = made
        _views[id(lexicon)] = (lexicon, view)
    views[lexicon_id] = view
    return view


cdef vector[int]* _lexicon_ends(Run r, int lexicon_id, str name, int position) except NULL:
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
    # _lexicon_starts). With a thousand rules asking, the searches were 40% of the matching.
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
                _push(ends, j + 1)
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
            _push(ends, j + 1)
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


cdef int _label_id(str label):
    cdef object known = _label_ids.get(label)
    if known is None:
        known = _label_ids[label] = len(_label_ids)
    return known


cdef bint _base_passes(object check, str form, str tag):
    """MorphemeCheck.accepts without its negation and eojeol condition (see koie.lang.ir)."""
    if check.forms and form not in check.forms or check.tags and tag not in check.tags:
        return False
    if check.regex is not None:
        compiled = check._compiled
        if compiled is None:
            import re
            compiled = re.compile(check.regex)
            object.__setattr__(check, "_compiled", compiled)
        return compiled.search(form) is not None
    return True


cdef class NativeProgram:
    """A :class:`~koie.lang.compile.Program` as flat C arrays, with its closures flattened the same way."""

    cdef int size
    cdef vector[int] op, next_pc, element, check, capture, name, sub, ahead, negative, max_length, at_end
    cdef vector[int] spacing, label_off, labels, look_key
    # Closure paths of instruction pc: clo_off[pc] .. clo_off[pc + 1]; each path's capture events
    # and conditions are slices of ev_* and conds given by the *_off arrays (one entry more than paths).
    cdef vector[int] clo_off, path_target, path_ev_off, path_cond_off, ev_kind, ev_name, conds
    cdef list names  # capture and lexicon names, by index
    cdef vector[int] lexicon  # the process-wide id of each instruction's lexicon name, or -1
    cdef list subs  # the NativeProgram of each look-around body, by index
    cdef object first_forms
    cdef int depth  # 1 + the deepest nesting of look-around bodies
    # The start filter (koie.lang.compile.StartFilter): checks, labels and lexicon names.
    cdef bint has_start, start_at_begin, start_at_end  # the last two: StartFilter.at_start, at_end
    cdef vector[int] start_checks, start_labels
    cdef list start_lexicons
    cdef vector[int] start_lexicon_ids  # by _lexicon_id, in the order of start_lexicons
    #: Per start check, its forms when only morphemes with one of them can pass it (not negated),
    #: else None: its possible start positions are where those forms' types are.
    cdef list start_check_forms
    #: Per start check, the types of those forms, as of _types_added == start_kinds_at.
    cdef vector[vector[int]] start_kinds
    cdef int64_t start_kinds_at

    def __init__(self, program):
        cdef int pc
        self.names = []
        self.subs = []
        name_index = {}

        def name_id(value):
            if value is None:
                return -1
            if value not in name_index:
                name_index[value] = len(self.names)
                self.names.append(value)
            return name_index[value]

        code = program.instructions
        self.size = len(code)
        self.first_forms = program.first_forms
        self.has_start = program.start is not None
        self.start_lexicons = []
        self.start_check_forms = []
        self.start_kinds_at = -1
        if program.start is not None:
            for check in program.start.checks:
                _push(self.start_checks, _check_id(check))
                self.start_check_forms.append(check.forms if check.forms and not check.negated else None)
            for label in program.start.labels:
                _push(self.start_labels, _label_id(label))
            self.start_lexicons = list(program.start.lexicons)
            self.start_at_begin = program.start.at_start
            self.start_at_end = program.start.at_end
            for name in self.start_lexicons:
                _push(self.start_lexicon_ids, _lexicon_id(name))
        for pc in range(self.size):
            inst = code[pc]
            _push(self.op, _OPS.get(inst.op, OP_OTHER))
            _push(self.next_pc, inst.next)
            _push(self.element, inst.element)
            _push(self.check, _check_id(inst.check) if inst.check is not None else -1)
            _push(self.capture, name_id(inst.capture))
            _push(self.name, name_id(inst.name) if inst.op == "lexicon" else -1)
            _push(self.lexicon, _lexicon_id(inst.name) if inst.op == "lexicon" else -1)
            _push(self.ahead, 1 if inst.ahead else 0)
            _push(self.negative, 1 if inst.negative else 0)
            _push(self.max_length, inst.max_length)
            _push(self.at_end, 1 if inst.at_end else 0)
            _push(self.spacing, 0 if inst.op != "anchor" or inst.name is None
                  else (1 if inst.name == "space" else 2))
            _push(self.label_off, self.labels.size())
            for label in sorted(inst.labels):
                _push(self.labels, _label_id(label))
            if inst.op == "look":
                _push(self.sub, len(self.subs))
                self.subs.append(native_program(inst.sub))
                key = (id(inst.sub), bool(inst.ahead), inst.max_length)
                if key not in _look_ids:
                    _look_ids[key] = len(_look_ids)
                _push(self.look_key, _look_ids[key])
            else:
                _push(self.sub, -1)
                _push(self.look_key, -1)
        _push(self.label_off, self.labels.size())
        self.depth = 1 + max([(<NativeProgram>sub).depth for sub in self.subs], default=0)
        for pc in range(self.size):
            _push(self.clo_off, self.path_target.size())
            for target, events, conditions in program.closures[pc]:
                _push(self.path_target, target)
                _push(self.path_ev_off, self.ev_kind.size())
                for kind, capture_name in events:
                    _push(self.ev_kind, EV_OPEN if kind == "o" else EV_CLOSE)
                    _push(self.ev_name, name_id(capture_name))
                _push(self.path_cond_off, self.conds.size())
                for condition in conditions:
                    _push(self.conds, condition)
        _push(self.clo_off, self.path_target.size())
        _push(self.path_ev_off, self.ev_kind.size())
        _push(self.path_cond_off, self.conds.size())


def native_program(program):
    """The compiled form of a :class:`~koie.lang.compile.Program` (made once per program, gone with it)."""
    key = id(program)
    entry = _programs.get(key)
    if entry is None or (<tuple>entry)[0]() is not program:
        entry = _programs[key] = (_weakref.ref(program, _forget_program(key)), NativeProgram(program))
    return (<tuple>entry)[1]


def _forget_program(key):
    """The callback that drops ``key``'s entry when its program is collected (not a newer one's)."""
    def forget(reference):
        entry = _programs.get(key)
        if entry is not None and (<tuple>entry)[0] is reference:
            del _programs[key]
    return forget


def program_count():
    """How many programs have their native form kept (for tests: it falls as packs are dropped)."""
    return len(_programs)


#: The type registry and its verdicts are a cache: past these sizes (a corpus with millions of
#: distinct words) they start again, so memory stays bounded whatever the corpus.
MAX_TYPES = 1_000_000
MAX_CELLS = 200_000_000
cdef int _generation = 0
#: Counts the types ever registered (and registry resets): a value computed from the registry
#: (a start check's types, NativeProgram.start_kinds) is current while this has not moved.
cdef int64_t _types_added = 0


def _forget_types():
    """Empty the type registry and its verdicts; sentences made before are remade on next use."""
    global _generation, _types_added
    _types_added += 1
    _type_ids.clear()
    del _type_forms[:]
    del _type_tags[:]
    _memo.base.clear()
    _memo.base.shrink_to_fit()
    _memo.cells = 0
    _generation += 1


def type_count():
    """How many morpheme types the registry holds (for tests and curiosity)."""
    return len(_type_forms)


def check_count():
    """How many distinct morpheme tests the programs made so far use."""
    return len(_checks)


cdef class NativeSentence:
    """A sentence's morphemes as type ids and eojeol numbers, and its look-around results.

    Kept on the sentence's :class:`~koie.vm.match.SentenceIndex`, so every rule
    shares it, as the Python VM shares its look-around memo.
    """

    cdef int count
    cdef int generation  # of the type registry its type ids come from
    cdef vector[int] types, eojeol
    cdef vector[Py_ssize_t] char_start, char_end
    #: Look-around results: look key -> offset of its count + 1 verdicts (2 unknown) in look_results.
    cdef vector[int] look_offset
    cdef vector[char] look_results
    #: (lexicon id << 32 | position) -> where entries starting there end (MatchInput.lexicon_ends),
    #: for the places that start one; lexicon id -> per position 0 not looked at, 1 none, 2 some.
    cdef unordered_map[int64_t, vector[int]] lexicon_ends
    cdef unordered_map[int, vector[char]] lexicon_known
    #: lexicon id -> where entries start (1 or 0 per position), for start filters.
    cdef unordered_map[int, vector[char]] lexicon_starts
    #: The sentence's text case folded without spaces (lexicon surfaces are slices of it), made on
    #: its first lexicon lookup: state 0 not yet, 1 made, 2 not usable (case folding moved a
    #: character: the surfaces are joined as before). compact_offsets[i]: where the character
    #: compact_base + i of the text falls in it.
    cdef char compact_state
    cdef object compact
    cdef Py_ssize_t compact_base
    cdef vector[Py_ssize_t] compact_offsets

    def __init__(self, morphemes):
        if len(_type_forms) > MAX_TYPES or _memo.cells > MAX_CELLS:
            _forget_types()
        self._fill(morphemes, None, 0)

    cdef int _fill(self, object morphemes, dict form_sentences, int number) except -1:
        """Read the morphemes; with ``form_sentences``, also add sentence ``number`` under each of its forms."""
        cdef object type_id
        cdef list holding
        self.generation = _generation
        self.count = len(morphemes)
        cdef SlotFiller slots = _morpheme_slots()
        cdef object morpheme_class = slots.cls
        cdef Py_ssize_t start, end
        self.types.reserve(self.count)
        self.eojeol.reserve(self.count)
        self.char_start.reserve(self.count)
        self.char_end.reserve(self.count)
        for morpheme in morphemes:
            if type(morpheme) is morpheme_class:  # read the slots directly, not through getattr
                form = slots.get(morpheme, 0)
                tag = slots.get(morpheme, 1)
                start = slots.get(morpheme, 2)
                end = slots.get(morpheme, 3)
                eojeol = slots.get(morpheme, 4)
            else:
                form, tag, start, end, eojeol = morpheme.form, morpheme.tag, morpheme.start, morpheme.end, \
                    morpheme.eojeol
            of_form = _type_ids.get(form)
            if of_form is None:
                of_form = _type_ids[form] = {}
            type_id = (<dict>of_form).get(tag)
            if type_id is None:
                _note_new_type()
                type_id = (<dict>of_form)[tag] = len(_type_forms)
                _type_forms.append(form)
                _type_tags.append(tag)
            _push(self.types, type_id)
            _push(self.eojeol, eojeol)
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


def index_document(sentences):
    """Each sentence as a NativeSentence, and form -> the sentences holding it (ascending), in one pass.

    The engine's per-document index (koie.engine.extract): a pack with many
    rules visits nearly every sentence, so making every NativeSentence here,
    in the pass that indexes the forms, costs less than reading the morphemes
    twice (once for the index, once per sentence on first use).
    """
    if len(_type_forms) > MAX_TYPES or _memo.cells > MAX_CELLS:
        _forget_types()
    cdef dict form_sentences = {}
    cdef list natives = []
    cdef NativeSentence native
    cdef int number = 0
    for sentence in sentences:
        native = NativeSentence.__new__(NativeSentence)
        native._fill(sentence.morphemes, form_sentences, number)
        natives.append(native)
        number += 1
    return form_sentences, natives


cdef class Scratch:
    """Search buffers, one set per thread, reused by every search of every rule and sentence.

    Before, each Run (one per sentence and slot labels) had its own, and the
    first thread pushed at each position of each sentence cost a heap
    allocation (malloc was a fifth of the search's time). Buffers only grow,
    and are left empty after each search.
    """

    # Buffers of each nesting level of searches (a look-around searches inside a search): sized at
    # the start of find_all, never during a search, so pointers into them stay valid.
    cdef vector[vector[vector[Thread]]] pending_stack
    cdef vector[vector[Thread]] threads_stack, runnable_stack
    cdef vector[vector[int64_t]] seen_stack
    cdef vector[Event] events  # the event pool of the current find_all
    cdef vector[char] marked  # _start_positions' scratch
    cdef vector[int] start_positions  # where the current rule's threads may start (find_all)
    cdef int depth
    cdef int64_t serial  # numbers searches: a "seen" stamp is (serial << 32 | position)


_local = threading.local()


cdef Scratch _scratch():
    cdef Scratch scratch = getattr(_local, "scratch", None)
    if scratch is None:
        scratch = _local.scratch = Scratch()
    return scratch


cdef class Run:
    """Matching over one MatchInput: the sentence, the rule's spans and the step count."""

    cdef object input  # the MatchInput
    cdef object deadline  # the input's (find_visits reads it once)
    #: The step limit of the current rule when find_visits set it here instead of on the input
    #: (-1: it is the input's ``_step_limit``); written to the input only when the limits are checked.
    cdef int64_t step_limit
    cdef NativeSentence sentence
    cdef Scratch scratch  # this thread's, set by find_all
    cdef int count
    cdef int64_t steps, next_check
    cdef vector[int] span_end, span_label, span_order, span_at
    cdef list span_refs
    cdef vector[int] no_ends, found_ends  # always empty; _lexicon_ends' scratch
    cdef str text  # the input's
    cdef list lexicon_views  # lexicon id -> its _LexiconView, None (not in the input) or _MISSING


cdef inline int _event(Run r, int kind, int a, int first, int last, int filler, int capture, int parent):
    cdef Event event
    event.kind = kind
    event.a = a
    event.first = first
    event.last = last
    event.filler = filler
    event.capture = capture
    event.parent = parent
    r.scratch.events.push_back(event)
    return <int>r.scratch.events.size() - 1


cdef inline void _push_thread(vector[Thread]& threads, int pc, int start, int trail):
    cdef Thread thread
    thread.pc = pc
    thread.start = start
    thread.trail = trail
    threads.push_back(thread)


cdef int _check_limits(Run r) except -1:
    r.input.steps = r.steps
    if r.step_limit >= 0:
        r.input._step_limit = r.step_limit
    r.input.check_limits()
    r.next_check = r.input._next_check
    return 0


cdef inline int _accepts(Run r, int check, int position) except -1:
    return _verdict(r.sentence, check, position)


cdef char _verdict(NativeSentence sentence, int check, int position) except -1:
    """MorphemeCheck.accepts at ``position``, its form/tag/regex part memoised per morpheme type."""
    cdef int type_id = sentence.types[position]
    if <size_t>type_id >= _memo.base.size():
        _memo.base.resize(type_id + 1)
    cdef vector[char]* row = &_memo.base[type_id]
    cdef size_t width
    if <size_t>check >= row.size():
        width = len(_checks)
        _memo.cells += width - row.size()
        row.resize(width, 2)
    cdef char base = row[0][check]
    if base == 2:
        base = 1 if _base_passes(_checks[check], _type_forms[type_id], _type_tags[type_id]) else 0
        row = &_memo.base[type_id]  # _base_passes runs Python code, but nothing in it touches the table
        row[0][check] = base
    cdef int ok = base
    if ok and _memo.same_eojeol[check]:
        ok = position > 0 and sentence.eojeol[position - 1] == sentence.eojeol[position]
    return 1 if ok != _memo.negated[check] else 0


cdef int _anchor_holds(Run r, NativeProgram p, int pc, int position):
    cdef int count = r.count
    cdef int spacing = p.spacing[pc]
    if spacing == 0:
        return position == count if p.at_end[pc] else position == 0
    cdef bint between = position == 0 or position == count or \
        r.sentence.eojeol[position - 1] != r.sentence.eojeol[position]
    return between if spacing == 1 else not between


cdef int _look(Run r, NativeProgram p, int pc, int position) except -1:
    cdef NativeSentence sentence = r.sentence
    cdef int look_key = p.look_key[pc]
    if <size_t>look_key >= sentence.look_offset.size():
        sentence.look_offset.resize(look_key + 1, -1)
    cdef int offset = sentence.look_offset[look_key]
    if offset < 0:
        offset = sentence.look_results.size()
        sentence.look_offset[look_key] = offset
        sentence.look_results.resize(offset + r.count + 1, 2)
    cdef char known = sentence.look_results[offset + position]
    if known != 2:
        return known
    cdef NativeProgram body = p.subs[p.sub[pc]]
    cdef Best found
    cdef int result = 0
    cdef int origin, lowest
    # A body with a start filter is searched only where its first consuming element can succeed
    # (koie.vm.match._look_uncached): most places a look-behind is asked about start no search at all.
    if p.ahead[pc]:
        if not body.has_start or _may_start(r, body, position):
            _search(r, body, position, True, -1, NULL, &found)
            result = found.found
    else:
        lowest = position - p.max_length[pc]
        if lowest < 0:
            lowest = 0
        origin = position
        while origin >= lowest:
            if not body.has_start or _may_start(r, body, origin):
                _search(r, body, origin, True, position, NULL, &found)
                if found.found:
                    result = 1
                    break
            origin -= 1
    sentence.look_results[offset + position] = result  # by index: the search may have grown the vector
    return result


cdef int _may_start(Run r, NativeProgram p, int origin) except -1:
    """Whether ``origin`` is one of :func:`_start_positions`: the first consuming element can succeed there."""
    cdef size_t i, k
    cdef int span, label
    if (p.start_at_begin and origin == 0) or (p.start_at_end and origin == r.count):
        return 1
    if origin < r.count:
        for i in range(p.start_checks.size()):
            if _accepts(r, p.start_checks[i], origin):
                return 1
    if not p.start_labels.empty():
        for span in range(r.span_at[origin], r.span_at[origin + 1]):
            if r.span_end[span] <= origin:
                continue
            label = r.span_label[span]
            for k in range(p.start_labels.size()):
                if p.start_labels[k] == label:
                    return 1
    if origin < r.count:
        for i in range(p.start_lexicon_ids.size()):
            if _lexicon_starts(r, p.start_lexicon_ids[i], p.start_lexicons[i])[0][origin]:
                return 1
    return 0


cdef int _closure(Run r, NativeProgram p, int pc, int start, int trail, int position, vector[int64_t]& seen,
                  int64_t stamp, vector[Thread]& runnable, Best* best, int must_end) except -1:
    """Follow the precomputed non-consuming paths from ``pc`` (koie.vm.match._closure)."""
    cdef int i, c, e, target, condition, op, path_trail
    cdef bint holds
    for i in range(p.clo_off[pc], p.clo_off[pc + 1]):
        target = p.path_target[i]
        if seen[target] == stamp:
            continue
        holds = True
        for c in range(p.path_cond_off[i], p.path_cond_off[i + 1]):
            condition = p.conds[c]
            if p.op[condition] == OP_ANCHOR:
                holds = _anchor_holds(r, p, condition, position)
            else:
                holds = _look(r, p, condition, position) != p.negative[condition]
            if not holds:
                break
        if not holds:
            continue
        seen[target] = stamp
        path_trail = trail
        for e in range(p.path_ev_off[i], p.path_ev_off[i + 1]):
            path_trail = _event(r, p.ev_kind[e], p.ev_name[e], position, position, -1, -1, path_trail)
        op = p.op[target]
        if op == OP_MATCH:
            if must_end >= 0 and position != must_end:
                continue
            if not best.found or start < best.start or (start == best.start and position > best.end):
                best.found = 1
                best.start = start
                best.end = position
                best.trail = path_trail
        elif op == OP_TAIL:
            # A possessive run of endings: with none here, go straight on.
            if position < r.count and _accepts(r, p.check[target], position):
                _push_thread(runnable, target, start, path_trail)
            else:
                _closure(r, p, p.next_pc[target], start, path_trail, position, seen, stamp, runnable, best, must_end)
        else:
            _push_thread(runnable, target, start, path_trail)
    return 0


cdef int _next_pending(vector[vector[Thread]]& pending, int position, int last):
    """The first position after ``position`` where a thread waits (``last`` is the furthest one)."""
    cdef int at = position + 1
    while at <= last and pending[at].empty():
        at += 1
    return at


cdef int _search(Run r, NativeProgram p, int origin, bint anchored, int must_end, vector[int]* starts,
                 Best* best) except -1:
    """The leftmost-longest match starting at or after ``origin`` (koie.vm.match._search)."""
    cdef int count = r.count
    if r.scratch.depth >= <int>r.scratch.pending_stack.size():
        raise RuntimeError("koie.vm._vm: look-arounds nested deeper than the program said")
    cdef vector[vector[Thread]]* pending = &r.scratch.pending_stack[r.scratch.depth]
    if pending.size() < <size_t>(count + 2):
        pending.resize(count + 2)
    cdef vector[Thread]* threads = &r.scratch.threads_stack[r.scratch.depth]
    cdef vector[Thread]* runnable = &r.scratch.runnable_stack[r.scratch.depth]
    cdef vector[int64_t]* seen = &r.scratch.seen_stack[r.scratch.depth]
    if seen.size() < <size_t>p.size:
        seen.resize(p.size, -1)
    r.scratch.serial += 1
    cdef int64_t stamp_base = r.scratch.serial << 32
    cdef int k
    cdef int furthest = count + 1  # if the loop fails, every position may hold threads
    r.scratch.depth += 1
    try:
        furthest = _search_loop(r, p, origin, anchored, must_end, starts, best, pending[0], threads[0], runnable[0],
                                seen[0], stamp_base)
    finally:
        r.scratch.depth -= 1
        for k in range(origin, furthest + 1):  # leave the buffer empty for the next search
            pending[0][k].clear()
    return 0


cdef int _search_loop(Run r, NativeProgram p, int origin, bint anchored, int must_end, vector[int]* starts,
                      Best* best, vector[vector[Thread]]& pending, vector[Thread]& threads,
                      vector[Thread]& runnable, vector[int64_t]& seen, int64_t stamp_base) except -2:
    """The search proper; returns the furthest position a thread was scheduled at (-1: none)."""
    cdef int count = r.count
    cdef int pending_total = 0
    cdef int pending_max = -1  # the furthest position a thread waits at (scans stop there)
    cdef int position = origin
    cdef size_t next_start = 0
    cdef size_t i, j
    cdef int upcoming, pc, op, end, limit, k, span, event, label_at
    cdef Thread thread, moving
    cdef bint start_here, waiting
    cdef vector[int]* ends
    best.found = 0
    if starts != NULL:
        while next_start < starts.size() and starts[0][next_start] < origin:
            next_start += 1
    while position <= count:
        if r.steps >= r.next_check:
            _check_limits(r)
        threads.clear()
        threads.swap(pending[position])
        pending_total -= <int>threads.size()
        if not best.found and (not anchored or position == origin):
            if starts != NULL:
                while next_start < starts.size() and starts[0][next_start] < position:
                    next_start += 1
                start_here = next_start < starts.size() and starts[0][next_start] == position
            else:
                start_here = p.first_forms is None or (position < count and _type_forms[r.sentence.types[position]] in p.first_forms)
            if start_here:
                _push_thread(threads, 0, position, -1)
        if threads.empty():
            if anchored or best.found:
                if pending_total == 0:
                    break
                position = _next_pending(pending, position, pending_max)
                continue
            if starts != NULL:
                upcoming = starts[0][next_start] if next_start < starts.size() else count + 1
                if pending_total:
                    upcoming = min(upcoming, _next_pending(pending, position, pending_max))
                position = upcoming
                continue
            position += 1
            continue
        # Stable sort by start: earlier starts first, insertion order among equals.
        for i in range(1, threads.size()):
            moving = threads[i]
            j = i
            while j > 0 and threads[j - 1].start > moving.start:
                threads[j] = threads[j - 1]
                j -= 1
            threads[j] = moving
        runnable.clear()
        for i in range(threads.size()):
            thread = threads[i]
            if best.found and thread.start > best.start:
                continue
            _closure(r, p, thread.pc, thread.start, thread.trail, position, seen, stamp_base | position, runnable, best,
                     must_end)
        for i in range(runnable.size()):
            thread = runnable[i]
            if best.found and thread.start > best.start:
                continue
            pc = thread.pc
            op = p.op[pc]
            r.steps += 1
            if op == OP_MORPH:
                if position < count and _accepts(r, p.check[pc], position):
                    event = _event(r, EV_M, p.element[pc], position, position + 1, -1, -1, thread.trail)
                    _push_thread(pending[position + 1], p.next_pc[pc], thread.start, event)
                    pending_total += 1
                    if position + 1 > pending_max:
                        pending_max = position + 1
            elif op == OP_SLOT:
                for k in range(r.span_at[position], r.span_at[position + 1]):
                    span = r.span_order[k]
                    end = r.span_end[span]
                    if end <= position:
                        continue
                    for label_at in range(p.label_off[pc], p.label_off[pc + 1]):
                        if p.labels[label_at] == r.span_label[span]:
                            event = _event(r, EV_M, p.element[pc], position, end, span, p.capture[pc], thread.trail)
                            _push_thread(pending[end], p.next_pc[pc], thread.start, event)
                            pending_total += 1
                            if end > pending_max:
                                pending_max = end
                            break
            elif op == OP_TAIL:
                end = position
                limit = position + (p.max_length[pc] or count)
                if limit > count:
                    limit = count
                while end < limit and _accepts(r, p.check[pc], end):
                    end += 1
                event = _event(r, EV_M, p.element[pc], position, end, -1, -1, thread.trail)
                _push_thread(pending[end], p.next_pc[pc], thread.start, event)
                pending_total += 1
                if end > pending_max:
                    pending_max = end
            elif op == OP_LEXICON:
                ends = _lexicon_ends(r, p.lexicon[pc], p.names[p.name[pc]], position)
                for k in range(<int>ends.size()):
                    end = ends[0][k]
                    event = _event(r, EV_M, p.element[pc], position, end, -1, p.capture[pc], thread.trail)
                    _push_thread(pending[end], p.next_pc[pc], thread.start, event)
                    pending_total += 1
                    if end > pending_max:
                        pending_max = end
        if best.found:
            waiting = False
            for k in range(position + 1, (pending_max if pending_total else position) + 1):
                for i in range(pending[k].size()):
                    if pending[k][i].start <= best.start:
                        waiting = True
                        break
                if waiting:
                    break
            if not waiting:
                break
        position += 1
    return pending_max


cdef vector[char]* _lexicon_starts(Run r, int lexicon_id, str name) except NULL:
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
        if not _lexicon_ends(r, lexicon_id, name, position).empty():
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


#: A lexicon's prefixes (a frozenset: its hash is kept) -> its _FirstCharacters; a few per pack.
cdef dict _first_characters_of = {}


cdef _FirstCharacters _first_characters(object prefixes):
    cdef _FirstCharacters known = _first_characters_of.get(prefixes)
    if known is None:
        if len(_first_characters_of) > 1000:  # packs loaded again and again: stay bounded
            _first_characters_of.clear()
        known = _FirstCharacters()
        known.prefixes = prefixes
        _first_characters_of[prefixes] = known
    return known


_MORPHEME_FIELDS = ("form", "tag", "start", "end", "eojeol", "lemma")
cdef SlotFiller _morpheme_reader = None


cdef SlotFiller _morpheme_slots():
    global _morpheme_reader
    if _morpheme_reader is None:
        from koie.analysis.morphemes import Morpheme  # not at import: koie.analysis.morphemes imports this module
        _morpheme_reader = SlotFiller(Morpheme, _MORPHEME_FIELDS)
    return _morpheme_reader


cdef int _find_start_kinds(NativeProgram p) except -1:
    """The types each start check's forms have, from the registry as it is now."""
    cdef int type_id
    p.start_kinds.resize(p.start_checks.size())
    for i in range(p.start_checks.size()):
        p.start_kinds[i].clear()
        forms = p.start_check_forms[i]
        if forms is None:
            continue
        for form in forms:
            of_form = _type_ids.get(form)
            if of_form is not None:
                for known in (<dict>of_form).values():
                    type_id = known
                    _push(p.start_kinds[i], type_id)
    p.start_kinds_at = _types_added
    return 0


cdef int _start_positions(Run r, NativeProgram p, vector[int]& out) except -1:
    """Positions where the first consuming element can succeed, in order (koie.vm.match.start_positions)."""
    cdef int count = r.count
    cdef char* marked
    cdef size_t i, k
    cdef int position, check, span, label, type_id
    cdef vector[int]* kinds
    cdef int* types = r.sentence.types.data()
    if p.start_kinds_at != _types_added:
        _find_start_kinds(p)
    cdef int* kind_ids
    cdef size_t kind_count
    if p.start_checks.size() == 1 and p.start_labels.empty() and not p.start_lexicons \
            and p.start_check_forms[0] is not None and not p.start_at_begin and not p.start_at_end:
        # One literal first element (a thousand-rule pack's every rule): its positions in order,
        # without the marks the general case needs to merge several checks.
        check = p.start_checks[0]
        kind_ids = p.start_kinds[0].data()
        kind_count = p.start_kinds[0].size()
        for position in range(count):
            type_id = types[position]
            for k in range(kind_count):
                if type_id == kind_ids[k]:
                    if _accepts(r, check, position):
                        out.push_back(position)
                    break
        return 0
    r.scratch.marked.assign(count + 1, 0)  # a buffer of the thread, not a new vector per call
    marked = r.scratch.marked.data()
    for i in range(p.start_checks.size()):
        check = p.start_checks[i]
        forms = p.start_check_forms[i]
        if forms is None:
            for position in range(count):
                if not marked[position] and _accepts(r, check, position):
                    marked[position] = 1
            continue
        # Only morphemes of these forms can pass: test the positions holding their types, not every
        # position (a thousand literal-led rules each scanned every sentence they were run over).
        kinds = &p.start_kinds[i]
        if kinds.empty():
            continue
        for position in range(count):
            if marked[position]:
                continue
            for k in range(kinds.size()):
                if types[position] == kinds[0][k]:
                    if _accepts(r, check, position):
                        marked[position] = 1
                    break
    if not p.start_labels.empty():
        for position in range(count + 1):
            for span in range(r.span_at[position], r.span_at[position + 1]):
                if r.span_end[span] <= position:
                    continue
                label = r.span_label[span]
                for i in range(p.start_labels.size()):
                    if p.start_labels[i] == label:
                        marked[position] = 1
                        break
    if p.start_at_begin:
        marked[0] = 1
    if p.start_at_end:
        marked[count] = 1
    cdef vector[char]* starts
    for i in range(p.start_lexicon_ids.size()):
        starts = _lexicon_starts(r, p.start_lexicon_ids[i], p.start_lexicons[i])
        for position in range(count):
            if starts[0][position]:
                marked[position] = 1
    for position in range(count + 1):
        if marked[position]:
            _push(out, position)
    return 0


cdef object _raw_match(Run r, NativeProgram p, Best* best, object step_type, object match_type):
    """The RawMatch of the best thread: koie.vm.match._build, over the event pool."""
    cdef vector[int] chain
    cdef int index = best.trail
    while index >= 0:
        chain.push_back(index)
        index = r.scratch.events[index].parent
    cdef vector[int] step_element, step_start, step_end, step_filler
    cdef Event event
    cdef int at, last_step
    cdef dict captures = {}
    cdef dict open_groups = {}
    cdef list opened
    for at in range(<int>chain.size() - 1, -1, -1):
        event = r.scratch.events[chain[at]]
        if event.kind == EV_M:
            last_step = <int>step_element.size() - 1
            if last_step >= 0 and step_element[last_step] == event.a and step_end[last_step] == event.first \
                    and event.filler < 0 and step_filler[last_step] < 0 and event.capture < 0:
                step_end[last_step] = event.last  # one element consuming morpheme after morpheme
            else:
                _push(step_element, event.a)
                _push(step_start, event.first)
                _push(step_end, event.last)
                _push(step_filler, event.filler)
            if event.capture >= 0:
                captures.setdefault(p.names[event.capture], []).append(
                    (event.first, event.last, r.span_refs[event.filler] if event.filler >= 0 else None))
        elif event.kind == EV_OPEN:
            open_groups.setdefault(p.names[event.a], []).append(event.first)
        else:
            opened = open_groups.get(p.names[event.a], [])
            begin = opened.pop() if opened else event.first
            if event.first > begin:
                captures.setdefault(p.names[event.a], []).append((begin, event.first, None))
    cdef SlotFiller steps_filler = _filler(step_type, _STEP_FIELDS)
    cdef SlotFiller match_filler = _filler(match_type, _MATCH_FIELDS)
    cdef int count = <int>step_element.size()
    steps = PyTuple_New(count)
    for at in range(count):
        step = steps_filler.make()
        steps_filler.put(step, 0, step_element[at])
        steps_filler.put(step, 1, step_start[at])
        steps_filler.put(step, 2, step_end[at])
        steps_filler.put(step, 3, r.span_refs[step_filler[at]] if step_filler[at] >= 0 else None)
        Py_INCREF(step)  # PyTuple_SET_ITEM takes a reference
        PyTuple_SET_ITEM(steps, at, step)
    found = match_filler.make()
    match_filler.put(found, 0, best.start)
    match_filler.put(found, 1, best.end)
    match_filler.put(found, 2, steps)
    match_filler.put(found, 3, captures)
    return found


_STEP_FIELDS = ("element", "start", "end", "filler")
_MATCH_FIELDS = ("start", "end", "steps", "captures")
#: The step and match classes find_all was given (koie.vm.match's Step and RawMatch), by class.
cdef dict _fillers = {}


cdef SlotFiller _filler(object cls, tuple names):
    cdef SlotFiller known = _fillers.get(cls)
    if known is None:
        known = _fillers[cls] = SlotFiller(cls, names)
    return known


def _span_start(span):
    return span.start


cdef Run _new_run(object sentence, NativeSentence native):
    cdef Run r = Run()
    r.sentence = native
    r.count = native.count
    r.span_refs = []
    r.text = sentence.text
    cdef int count = native.count
    cdef int position
    spans = sentence.spans
    r.span_at.resize(count + 2, 0)
    # Spans by start, in their given order among equal starts (as spans_at lists them).
    for span in (sorted([s for s in spans if 0 <= s.start <= count], key=_span_start) if spans else ()):
        _push(r.span_order, len(r.span_refs))
        r.span_refs.append(span.ref)
        _push(r.span_end, span.end)
        _push(r.span_label, _label_id(span.label))
        r.span_at[span.start + 1] += 1
    for position in range(1, count + 2):
        r.span_at[position] += r.span_at[position - 1]
    return r


def find_all(program, sentence, step_type, match_type):
    """Every leftmost-longest, non-overlapping match (koie.vm.match.find_matches without "why not").

    ``sentence`` is a MatchInput whose step limit is already set; matches are
    ``match_type`` (RawMatch) values made of ``step_type`` (Step) values.
    """
    return _find_all(native_program(program), sentence, step_type, match_type, _scratch())


def find_all_many(program, list inputs, step_type, match_type, object limits):
    """koie.vm.match.find_matches for each of ``inputs`` (no "why not"), in one call: a list per input.

    Each input gets what find_matches gives it first: the deadline check
    (``limits.check_deadline``), its step limit (``limits.step_budget``'s
    formula, with the module's constants as they are now) and the test of
    the program's first forms against the sentence's forms.
    """
    cdef NativeProgram p = native_program(program)
    cdef int64_t size = len(program.instructions)
    cdef int64_t per_step = limits.BUDGET_PER_STEP
    cdef int64_t floor = limits.BUDGET_FLOOR
    check_deadline = limits.check_deadline
    first_forms = program.first_forms
    cdef list out = []
    cdef Scratch scratch = _scratch()
    for sentence in inputs:
        out.append(_find_checked(p, first_forms, size, per_step, floor, check_deadline, sentence, step_type,
                                 match_type, scratch))
    return out


cdef list _find_checked(NativeProgram p, object first_forms, int64_t size, int64_t per_step, int64_t floor,
                        object check_deadline, object sentence, object step_type, object match_type,
                        Scratch scratch):
    """find_all_many's work for one input: deadline, step limit, first forms, then the search.

    ``first_forms`` is None where the caller knows the sentence holds one of them.
    """
    cdef int64_t budget
    deadline = sentence.deadline
    if deadline is not None:
        check_deadline(deadline)
    budget = per_step * size * (len(sentence.morphemes) + 1)
    sentence._step_limit = sentence.steps + (budget if budget > floor else floor)
    if first_forms is not None and first_forms.isdisjoint(sentence.forms):
        return []
    return _find_all(p, sentence, step_type, match_type, scratch)


cdef object _MISSING = object()


cdef inline void _note_new_type():
    global _types_added
    _types_added += 1


cdef class RulePlan:
    """What find_visits needs of one rule of a phase, read from its Python objects once per pack."""

    cdef NativeProgram program
    cdef object single_form  # the one form of its only gate, or None
    cdef object first_gate_form  # the one form of its first gate, or None
    cdef tuple gates
    cdef object labels  # its slot labels (a frozenset, maybe empty)
    cdef object first_forms  # None where its gates already guarantee a first form
    cdef int64_t size
    # what its records carry (koie.engine.extract._record): read once, not per match
    cdef object rule_id, label, captures, list_captures, attrs, priority, output


#: id(phase) -> (phase, [RulePlan]): the phase is kept so its id stays unique.
cdef dict _plans = {}


cdef list _plans_of(tuple phase, tuple phase_gates):
    entry = _plans.get(id(phase))
    if entry is not None and (<tuple>entry)[0] is phase:
        return <list>(<tuple>entry)[1]
    cdef list plans = []
    cdef RulePlan plan
    if len(_plans) >= 256:  # a process that loads pack after pack (tests, a server) keeps few of them
        _plans.clear()
    for compiled, gates in zip(phase, phase_gates):
        plan = RulePlan.__new__(RulePlan)
        program = compiled.program
        plan.program = native_program(program)
        plan.gates = gates
        plan.first_gate_form = next(iter(gates[0])) if len(gates) >= 1 and len(gates[0]) == 1 else None
        plan.single_form = plan.first_gate_form if len(gates) == 1 else None
        plan.labels = compiled.rule.slot_labels
        rule = compiled.rule
        plan.rule_id = rule.id
        plan.label = rule.label
        plan.captures = tuple(rule.captures)
        plan.list_captures = rule.list_captures
        plan.attrs = rule.spec.attrs
        plan.priority = rule.spec.priority
        plan.output = rule.spec.output
        plan.first_forms = program.first_forms
        if plan.first_forms is not None:
            for group in gates:
                if (<frozenset>plan.first_forms).issuperset(group):
                    plan.first_forms = None  # every candidate holds one of this gate's forms, so one of these
                    break
        plan.size = len(program.instructions)
        plans.append(plan)
    _plans[id(phase)] = (phase, plans)
    return plans


def find_visits(list positions, tuple phase, tuple phase_gates, dict form_sentences, dict group_sentences,
                int sentence_count, dict inputs, object make_input, object step_type, object match_type,
                object limits):
    """koie.engine.extract._find_visits compiled: one phase's visited rules over their candidate sentences.

    The same arguments and the same result: ``[(rule position, sentence number, matches)]``
    for every non-empty result, in visit order. A thousand-rule pack visits tens of
    rules per document; in Python this loop cost more than the searches it drives.
    """
    cdef int64_t per_step = limits.BUDGET_PER_STEP
    cdef int64_t floor = limits.BUDGET_FLOOR
    check_deadline = limits.check_deadline
    cdef list found = []
    cdef Scratch scratch = _scratch()
    cdef Run r
    # key -> the Run of its input (None: the rule needs spans and the sentence has none). A Run holds
    # the input's step count and deadline while this call lasts, so a search costs no Python
    # attribute traffic; the counts go back to the inputs at the end.
    cdef dict runs = {}
    try:
        _visit(positions, phase, phase_gates, form_sentences, group_sentences, sentence_count, inputs,
               make_input, step_type, match_type, per_step, floor, check_deadline, scratch, runs, found)
    finally:
        for held in runs.values():
            if held is not None:
                r = <Run>held
                r.input.steps = r.steps
                r.input._next_check = r.next_check
                r.input = None
    return found


cdef inline object _morpheme_start(SlotFiller slots, object morpheme):
    return slots.get(morpheme, 2) if type(morpheme) is slots.cls else morpheme.start


cdef inline object _morpheme_end(SlotFiller slots, object morpheme):
    return slots.get(morpheme, 3) if type(morpheme) is slots.cls else morpheme.end


cdef tuple _char_span(SlotFiller slots, object sentence, object morphemes, Py_ssize_t first, Py_ssize_t last):
    """koie.engine.extract._char_span: the characters morphemes ``first`` to ``last`` (exclusive) cover."""
    cdef Py_ssize_t count = len(morphemes), at
    if last == first + 1:
        morpheme = morphemes[first]
        return _morpheme_start(slots, morpheme), _morpheme_end(slots, morpheme)
    if first >= last or first >= count:
        position = _morpheme_start(slots, morphemes[first]) if first < count else sentence.end
        return position, position
    if last > count:
        last = count
    lowest = _morpheme_start(slots, morphemes[first])
    highest = _morpheme_end(slots, morphemes[first])
    for at in range(first + 1, last):
        value = _morpheme_start(slots, morphemes[at])
        if value < lowest:
            lowest = value
        value = _morpheme_end(slots, morphemes[at])
        if value > highest:
            highest = value
    return lowest, highest


def add_records(list found, tuple phase, tuple phase_gates, object document, str doc_id, dict unsettled,
                SlotFiller record_slots, SlotFiller mention_slots):
    """koie.engine.extract._add_records compiled: a record for every match find_visits found, by label.

    The same records (tests/test_native_vm.py compares them): a megabyte of news
    makes tens of thousands, and their Python loop cost about as much as the
    searches of a third of the rules.
    """
    cdef list plans = _plans_of(phase, phase_gates)
    cdef SlotFiller slots = _morpheme_slots()
    cdef RulePlan plan
    cdef Py_ssize_t first, last
    sentences = document.sentences
    text = <str>document.text
    for position, sentence_index, matches in found:
        plan = <RulePlan>plans[position]
        sentence = sentences[sentence_index]
        morphemes = sentence.morphemes  # a tuple from Kiwi, any sequence from other analysers
        into = unsettled.get(plan.label)
        if into is None:
            into = unsettled[plan.label] = []
        for match in matches:
            first = match.start
            last = match.end
            start, end = _char_span(slots, sentence, morphemes, first, last)
            args = {}
            if plan.captures:
                captures = match.captures
                for name in <tuple>plan.captures:
                    values = captures.get(name)
                    if not values:
                        continue
                    mentions = []
                    for value in values:
                        filler = value[2]
                        mention = mention_slots.make()
                        if filler is not None:
                            mention_slots.put(mention, 0, filler.text)
                            mention_slots.put(mention, 1, filler.start)
                            mention_slots.put(mention, 2, filler.end)
                            mention_slots.put(mention, 3, filler.label)
                            mention_slots.put(mention, 4, filler)
                        else:
                            m_start, m_end = _char_span(slots, sentence, morphemes, value[0], value[1])
                            mention_slots.put(mention, 0, text[m_start:m_end])
                            mention_slots.put(mention, 1, m_start)
                            mention_slots.put(mention, 2, m_end)
                            mention_slots.put(mention, 3, None)
                            mention_slots.put(mention, 4, None)
                        mentions.append(mention)
                    args[name] = tuple(mentions) if name in plan.list_captures else mentions[len(mentions) - 1]
            record = record_slots.make()
            record_slots.put(record, 0, doc_id)
            record_slots.put(record, 1, plan.rule_id)
            record_slots.put(record, 2, plan.label)
            record_slots.put(record, 3, start)
            record_slots.put(record, 4, end)
            record_slots.put(record, 5, text[start:end])
            record_slots.put(record, 6, args)
            record_slots.put(record, 7, dict(plan.attrs))
            record_slots.put(record, 8, sentence_index)
            record_slots.put(record, 9, first)
            record_slots.put(record, 10, last)
            record_slots.put(record, 11, plan.priority)
            record_slots.put(record, 12, plan.output)
            record_slots.put(record, 13, match)
            record_slots.put(record, 14, document)
            record_slots.put(record, 15, None)
            (<list>into).append(record)
    return None


cdef class _StartIndex:
    """A phase's start form -> rule positions, read by morpheme type (an array, not a dict of strings)."""

    cdef object by_form  # the phase's Mapping[str, tuple[int, ...]] (kept: its id is the key)
    cdef int generation  # of the type registry the entries below come from
    #: type id -> index into ``rules`` (-1: no rule starts with its form; -2: not looked up yet)
    cdef vector[int] of_type
    cdef vector[vector[int]] rules


#: id(by_form) -> its _StartIndex (few per pack: one per phase).
cdef dict _start_indexes = {}


def visited_rules(object by_form, tuple unindexed, list natives, dict form_sentences, int rule_count):
    """The positions of a phase's rules a document visits, ascending (koie.engine.extract's set of visited rules).

    A rule is visited if it is unindexed or one of its start forms is in the document.
    ``natives`` and ``form_sentences`` are the document's sentences and form index
    from :func:`index_document`. With many start forms, they are found by type id,
    one array read per morpheme: intersecting the document's forms with a thousand
    rules' forms as dictionaries cost 40 µs a document. With few (a pack of tens of
    rules), each start form is looked up in the document's index instead.
    None if the type registry was reset since the sentences were made (a search
    can fill it past its limit): the caller then intersects the forms itself.
    """
    cdef vector[char] marked
    marked.assign(rule_count, 0)
    cdef int position
    cdef size_t i, k
    cdef Py_ssize_t morpheme_count = 0
    for held in natives:
        morpheme_count += (<NativeSentence>held).types.size()
    if len(by_form) * 16 <= morpheme_count:  # a dictionary lookup costs about what 16 array reads do
        for position in unindexed:
            marked[position] = 1
        for form, positions in by_form.items():
            if form in form_sentences:
                for position in positions:
                    marked[position] = 1
        return [position for position in range(rule_count) if marked[position]]
    cdef _StartIndex index = _start_indexes.get(id(by_form))
    if index is None or index.by_form is not by_form:
        if len(_start_indexes) >= 256:  # packs loaded again and again: stay bounded
            _start_indexes.clear()
        index = _StartIndex.__new__(_StartIndex)
        index.by_form = by_form
        index.generation = -1
        _start_indexes[id(by_form)] = index
    if index.generation != _generation:  # type ids were handed out again: forget what they meant
        index.of_type.clear()
        index.rules.clear()
        index.generation = _generation
    cdef NativeSentence native
    cdef int type_id, at
    for position in unindexed:
        marked[position] = 1
    for held in natives:
        native = <NativeSentence>held
        if native.generation != _generation:
            return None  # the registry was reset since this document was indexed: the caller's way
        for i in range(native.types.size()):
            type_id = native.types[i]
            if <size_t>type_id >= index.of_type.size():
                index.of_type.resize(type_id + 1, -2)
            at = index.of_type[type_id]
            if at == -2:
                found = by_form.get(_type_forms[type_id])
                if found is None:
                    at = -1
                else:
                    at = <int>index.rules.size()
                    index.rules.push_back(vector[int]())
                    for position in found:
                        index.rules.back().push_back(position)
                index.of_type[type_id] = at
            if at >= 0:
                for k in range(index.rules[at].size()):
                    marked[index.rules[at][k]] = 1
    return [position for position in range(rule_count) if marked[position]]


cdef set _holding(frozenset forms, dict form_sentences, dict group_sentences):
    """The sentences holding one of ``forms`` (koie.engine.extract._holding)."""
    found = group_sentences.get(forms)
    if found is None:
        found = group_sentences[forms] = set()
        for form in forms:
            where = form_sentences.get(form)
            if where is not None:
                (<set>found).update(<list>where)
    return <set>found


cdef int _visit(list positions, tuple phase, tuple phase_gates, dict form_sentences, dict group_sentences,
                int sentence_count, dict inputs, object make_input, object step_type, object match_type,
                int64_t per_step, int64_t floor, object check_deadline, Scratch scratch, dict runs,
                list found) except -1:
    cdef tuple gates
    cdef NativeProgram p
    cdef int64_t size, budget
    cdef list matches
    cdef Run r
    cdef RulePlan plan
    cdef list plans = _plans_of(phase, phase_gates)
    for position in positions:
        plan = <RulePlan>plans[position]
        gates = plan.gates
        if plan.single_form is not None:  # one literal form (a noun, a title): most rules
            numbers = form_sentences.get(plan.single_form)
            if numbers is None:
                continue
        elif len(gates) == 0:
            numbers = range(sentence_count)
        else:
            # the first gate's sentences (in order), kept if they hold a form of every other gate
            if plan.first_gate_form is not None:
                numbers = form_sentences.get(plan.first_gate_form)
                if numbers is None:
                    continue
            else:
                numbers = sorted(_holding(<frozenset>gates[0], form_sentences, group_sentences))
            for at in range(1, len(gates)):
                holding = _holding(<frozenset>gates[at], form_sentences, group_sentences)
                kept = []
                for number in <list>numbers:
                    if number in holding:
                        kept.append(number)
                numbers = kept
                if not kept:
                    break
            if not numbers:
                continue
        labels = plan.labels
        p = plan.program
        first_forms = plan.first_forms
        size = plan.size
        for sentence_index in numbers:
            key = (sentence_index, labels) if labels else sentence_index
            held = runs.get(key, _MISSING)
            if held is _MISSING:
                sentence_input = inputs.get(key, _MISSING)
                if sentence_input is _MISSING:
                    sentence_input = inputs[key] = make_input(sentence_index, labels)
                if sentence_input is None:
                    held = runs[key] = None
                else:
                    r = _run_of(sentence_input)
                    r.input = sentence_input
                    r.steps = sentence_input.steps
                    r.next_check = sentence_input._next_check
                    r.deadline = sentence_input.deadline
                    held = runs[key] = r
            if held is None:
                continue  # the rule needs spans and the sentence has none
            r = <Run>held
            # what _find_checked does, on the Run's copies of the input's fields
            if r.deadline is not None:
                check_deadline(r.deadline)
            budget = per_step * size * (r.sentence.count + 1)
            r.step_limit = r.steps + (budget if budget > floor else floor)
            if first_forms is not None and first_forms.isdisjoint(r.input.forms):
                continue
            matches = _find_in(p, r, scratch, step_type, match_type)
            if matches:
                found.append((position, sentence_index, matches))
    return 0


cdef Run _run_of(object sentence):
    """The Run of a MatchInput (one per input: rules sharing an input share its span arrays)."""
    index = sentence.index
    cdef NativeSentence native = index.native
    if native is None or native.generation != _generation:
        native = index.native = NativeSentence(sentence.morphemes)
    cdef Run r = sentence.native_run
    if r is None or r.sentence is not native:
        r = sentence.native_run = _new_run(sentence, native)
    return r


cdef list _find_all(NativeProgram p, object sentence, object step_type, object match_type, Scratch scratch):
    cdef Run r = _run_of(sentence)
    r.input = sentence  # only while this call runs: a Run kept on its input must not keep it alive
    r.steps = sentence.steps
    r.next_check = sentence._next_check
    r.step_limit = -1  # the input's _step_limit, set by the caller
    try:
        return _find_in(p, r, scratch, step_type, match_type)
    finally:
        sentence.steps = r.steps
        r.input = None


cdef list _find_in(NativeProgram p, Run r, Scratch scratch, object step_type, object match_type):
    """Every match of ``p`` in the Run's sentence, its step count and input already set."""
    r.scratch = scratch
    cdef int count = r.sentence.count
    cdef int position = 0
    cdef vector[int]* start_positions = &r.scratch.start_positions
    cdef vector[int]* starts_pointer = NULL
    cdef Best best
    matches = []
    r.scratch.events.clear()
    if p.has_start:
        start_positions.clear()
        _start_positions(r, p, start_positions[0])
        if start_positions.empty():
            return matches
        starts_pointer = start_positions
    if r.scratch.pending_stack.size() < <size_t>p.depth:
        r.scratch.pending_stack.resize(p.depth)
        r.scratch.threads_stack.resize(p.depth)
        r.scratch.runnable_stack.resize(p.depth)
        r.scratch.seen_stack.resize(p.depth)
    while position <= count:
        r.scratch.events.clear()
        _search(r, p, position, False, -1, starts_pointer, &best)
        if not best.found:
            break
        matches.append(_raw_match(r, p, &best, step_type, match_type))
        position = best.end if best.end > best.start else best.start + 1
    return matches





# -- Kiwi's tokens as koie's morphemes ------------------------------------------------------------------


def convert_document(str text, list pieces, dict base_tags, object base_tag, object predicate_tags):
    """koie.analysis.kiwi._convert and _number_eojeols over one document, in one pass.

    ``pieces`` holds (offset, sentences) for each piece of the document, in
    order, ``sentences`` being Kiwi's token lists for the piece; ``base_tags``
    is the shared VV-I -> VV table (``base_tag`` fills it). Returns (start,
    end, morphemes) for each non-empty sentence, eojeols numbered across the
    document: whitespace between a morpheme and the text already covered
    starts a new eojeol.
    """
    cdef SlotFiller slots = _morpheme_slots()
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
                slots.put(morpheme, 0, token.form)
                slots.put(morpheme, 1, tag)
                slots.put(morpheme, 2, start)
                slots.put(morpheme, 3, end)
                slots.put(morpheme, 4, eojeol)
                slots.put(morpheme, 5, lemma)
                morphemes.append(morpheme)
            next_eojeol = eojeol + 1
            out.append((lowest, highest, tuple(morphemes)))
    return out


# -- analyses as the cache stores them ----------------------------------------------------------------

from libcpp.string cimport string
import json as _json

_dumps_text = _json.JSONEncoder(ensure_ascii=False).encode




cdef inline int _append_int(string& out, object value) except -1:
    cdef long long number = value
    cdef unsigned long long rest = <unsigned long long>(-number) if number < 0 else <unsigned long long>number
    cdef char digits[24]
    cdef int at = 24
    while True:
        at -= 1
        digits[at] = <char>(48 + rest % 10)
        rest //= 10
        if rest == 0:
            break
    if number < 0:
        at -= 1
        digits[at] = b'-'
    out.append(&digits[at], 24 - at)
    return 0


cdef int _append_text(string& out, str text) except -1:
    """``text`` as json.dumps(ensure_ascii=False) writes it, in UTF-8."""
    cdef Py_ssize_t at, length = PyUnicode_GET_LENGTH(text)
    cdef unsigned int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef unsigned int c
    for at in range(length):
        c = PyUnicode_READ(kind, data, at)
        if c < 0x20 or c == 0x22 or c == 0x5C or 0xD800 <= c <= 0xDFFF:
            # what JSON escapes (and a surrogate, which UTF-8 refuses, as the Python encoder does)
            encoded = (<str>_dumps_text(text)).encode("utf-8")
            out.append(<char*>encoded, len(encoded))
            return 0
    out.push_back(b'"')
    if PyUnicode_IS_ASCII(text):
        out.append(<const char*>data, length)
    else:
        for at in range(length):
            c = PyUnicode_READ(kind, data, at)
            if c < 0x80:
                out.push_back(<char>c)
            elif c < 0x800:
                out.push_back(<char>(0xC0 | (c >> 6)))
                out.push_back(<char>(0x80 | (c & 0x3F)))
            elif c < 0x10000:
                out.push_back(<char>(0xE0 | (c >> 12)))
                out.push_back(<char>(0x80 | ((c >> 6) & 0x3F)))
                out.push_back(<char>(0x80 | (c & 0x3F)))
            else:
                out.push_back(<char>(0xF0 | (c >> 18)))
                out.push_back(<char>(0x80 | ((c >> 12) & 0x3F)))
                out.push_back(<char>(0x80 | ((c >> 6) & 0x3F)))
                out.push_back(<char>(0x80 | (c & 0x3F)))
    out.push_back(b'"')
    return 0


def encode_sentences(sentences):
    """koie.analysis.cache.encode_document's bytes for a document's sentences, written in one pass.

    The same bytes as ``json.dumps([[start, end, columns], ...], ensure_ascii=False,
    separators=(",", ":")).encode("utf-8")``, ``columns`` being the six lists of
    koie.analysis.cache.encode_morphemes; tests/test_cache.py holds the two equal. Caching
    a megabyte's analyses built 1.2 million list items for json to walk: 0.17 s
    of a 6 s cold run, in the thread that matches.
    """
    cdef SlotFiller slots = _morpheme_slots()
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
        _append_int(out, sentence.start)
        out.push_back(b',')
        _append_int(out, sentence.end)
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
                    _append_text(out, <str?>value)
                elif field < 5:
                    _append_int(out, value)
                elif value is None:
                    out.append(b'null')
                else:
                    _append_text(out, <str?>value)
            out.push_back(b']')
        out.append(b']]')
    out.push_back(b']')
    return <bytes>out



# -- records as JSON Lines (koie.run.sinks.record_lines) ---------------------------------------------------

from cpython.unicode cimport PyUnicode_DecodeUTF8
from cpython.long cimport PyLong_AsLongLongAndOverflow


cdef int _append_line_text(string& out, str text) except -1:
    """``text`` as a JSON string the way record_line writes it; 1 where it holds a surrogate (not here)."""
    cdef Py_ssize_t at, length = PyUnicode_GET_LENGTH(text)
    cdef unsigned int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef unsigned int c
    if not PyUnicode_IS_ASCII(text):
        for at in range(length):
            c = PyUnicode_READ(kind, data, at)
            if 0xD800 <= c <= 0xDFFF:
                return 1  # json keeps it in the str; UTF-8 has no way to carry it
    _append_text(out, text)
    return 0


cdef int _append_value(string& out, object value, int depth) except -1:
    """``value`` as record_line's encoder writes it (", " and ": " between items), in UTF-8.

    Returns 1 for what only json's encoder writes here (a float, a non-str key,
    a subclass, a surrogate, nesting past 32): the caller encodes the line with it.
    """
    cdef type kind = type(value)
    cdef bint first = True
    cdef int overflow = 0
    if kind is str:
        return _append_line_text(out, <str>value)
    if value is None:
        out.append(b'null')
        return 0
    if value is True:
        out.append(b'true')
        return 0
    if value is False:
        out.append(b'false')
        return 0
    if kind is int:
        PyLong_AsLongLongAndOverflow(value, &overflow)
        if overflow:
            return 1  # past 64 bits: json writes it
        _append_int(out, value)
        return 0
    if depth >= 32:
        return 1
    if kind is dict:
        out.push_back(b'{')
        for key, item in (<dict>value).items():
            if type(key) is not str:
                return 1
            if not first:
                out.append(b', ')
            first = False
            if _append_line_text(out, <str>key):
                return 1
            out.append(b': ')
            if _append_value(out, item, depth + 1):
                return 1
        out.push_back(b'}')
        return 0
    if kind is list or kind is tuple:
        out.push_back(b'[')
        for item in value:
            if not first:
                out.append(b', ')
            first = False
            if _append_value(out, item, depth + 1):
                return 1
        out.push_back(b']')
        return 0
    return 1


def record_lines(list rows, object line_of):
    """koie.run.sinks.record_lines compiled: each row's JSON Lines line and a newline, as one str.

    The same text as ``"".join(line_of(row) + "\\n" for row in rows)``, ``line_of``
    being koie.run.sinks.record_line (tests/property/test_output_props.py holds the
    two equal); a row holding what this writer leaves to json (a float, say) is
    written by ``line_of``. json's C encoder took 5 µs a record, a seventh of a
    megabyte's matching and output.
    """
    cdef string out
    cdef size_t mark
    cdef list chunks = []
    for row in rows:
        mark = out.size()
        if _append_value(out, row, 0) == 0:
            out.push_back(b'\n')
            continue
        out.resize(mark)
        if out.size():
            chunks.append(PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL))
            out.clear()
        chunks.append(line_of(row) + "\n")
    if not chunks:
        return PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL)
    if out.size():
        chunks.append(PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL))
    return "".join(chunks)


cdef int _append_key(string& out, bint first, const char* key) except -1:
    if not first:
        out.append(b', ')
    out.push_back(b'"')
    out.append(key)
    out.append(b'": ')
    return 0


#: The keys Mention.to_json writes before its filler's attributes (which never replace them).
_MENTION_KEYS = frozenset(("text", "start", "end", "label", "rule"))


cdef int _append_mention(string& out, SlotFiller mentions, SlotFiller records, object mention) except -1:
    """koie.engine.extract.Mention.to_json as record_line writes it; 1: not here."""
    if type(mention) is not mentions.cls:
        return 1
    _append_key(out, True, b'text')
    if _append_line_text(out, <str?>mentions.get(mention, 0)):
        return 1
    _append_key(out, False, b'start')
    if _append_value(out, mentions.get(mention, 1), 1):
        return 1
    _append_key(out, False, b'end')
    if _append_value(out, mentions.get(mention, 2), 1):
        return 1
    _append_key(out, False, b'label')
    if _append_value(out, mentions.get(mention, 3), 1):
        return 1
    filler = mentions.get(mention, 4)
    if filler is not None:
        if type(filler) is not records.cls:
            return 1
        _append_key(out, False, b'rule')
        if _append_value(out, records.get(filler, 1), 1):
            return 1
        attrs = records.get(filler, 7)
        if type(attrs) is not dict:
            return 1
        for key, value in (<dict>attrs).items():
            if type(key) is not str:
                return 1
            if key in _MENTION_KEYS:
                continue  # setdefault: the mention's own fields stay
            out.append(b', ')
            if _append_line_text(out, <str>key):
                return 1
            out.append(b': ')
            if _append_value(out, value, 2):
                return 1
    return 0


cdef int _append_record(string& out, SlotFiller records, SlotFiller mentions, object record, string& analyzer
                        ) except -1:
    """record_line(record.to_json() | {"analyzer": analyzer}), the analyzer already written; 1: not here."""
    cdef bint first = True
    cdef int field
    if type(record) is not records.cls or records.get(record, 15) is not None:
        return 1  # a suppressed record's line names its winner: Python writes it
    out.push_back(b'{')
    for field, name in enumerate((b'doc', b'rule', b'label', b'start', b'end', b'text')):
        _append_key(out, field == 0, <bytes>name)
        if _append_value(out, records.get(record, field), 1):
            return 1
    _append_key(out, False, b'args')
    args = records.get(record, 6)
    if type(args) is not dict:
        return 1
    out.push_back(b'{')
    for role, value in (<dict>args).items():
        if type(role) is not str:
            return 1
        if not first:
            out.append(b', ')
        first = False
        if _append_line_text(out, <str>role):
            return 1
        out.append(b': ')
        if type(value) is tuple:
            out.push_back(b'[')
            for at, mention in enumerate(<tuple>value):
                if at:
                    out.append(b', ')
                out.push_back(b'{')
                if _append_mention(out, mentions, records, mention):
                    return 1
                out.push_back(b'}')
            out.push_back(b']')
        else:
            out.push_back(b'{')
            if _append_mention(out, mentions, records, value):
                return 1
            out.push_back(b'}')
    out.push_back(b'}')
    _append_key(out, False, b'attrs')
    attrs = records.get(record, 7)
    if type(attrs) is not dict or _append_value(out, attrs, 1):
        return 1
    out.append(b', "analyzer": ')
    out.append(analyzer)
    out.push_back(b'}')
    return 0


def record_json_lines(list records, dict analyzer, SlotFiller record_slots, SlotFiller mention_slots,
                      object line_of):
    """Each record's JSON Lines line, made from the record (koie.run.runner.document_records's lines).

    The same text as ``line_of(record)`` (in koie.run.runner.document_records: record_line
    of the record's dict from koie.run.runner._row, with its ``analyzer``), without making the dicts:
    those and json's encoding were a tenth of a megabyte's matching. A record
    holding what this writer leaves to json is written by ``line_of``.
    tests/test_native_vm.py compares the two.
    """
    cdef string out
    cdef string encoded_analyzer
    cdef list lines = []
    if _append_value(encoded_analyzer, analyzer, 1):
        return [line_of(record) for record in records]
    for record in records:
        out.clear()
        if _append_record(out, record_slots, mention_slots, record, encoded_analyzer) == 0:
            lines.append(PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL))
        else:
            lines.append(line_of(record))
    return lines

# -- other mentions of a known entity (koie.engine.repeated) ------------------------------------------------

from libcpp.unordered_set cimport unordered_set
from libc.stdint cimport uint64_t


cdef inline bint _starts_unit_at(SlotFiller slots, tuple morphemes, Py_ssize_t index):
    if index == 0:
        return True
    before = morphemes[index - 1]
    return slots.get(before, 4) != slots.get(morphemes[index], 4) or (<str>slots.get(before, 1)).startswith("S")


cdef inline bint _ends_unit_at(SlotFiller slots, tuple morphemes, Py_ssize_t end_index, Py_ssize_t end_char):
    if end_index == len(morphemes):
        return True
    following = morphemes[end_index]
    if <Py_ssize_t>slots.get(following, 2) < end_char:
        return False
    return slots.get(following, 4) != slots.get(morphemes[end_index - 1], 4) or \
        (<str>slots.get(following, 1)).startswith(("J", "E", "S", "VCP", "XSN"))


def repeated_places(str text, tuple sentences, dict keys, set prefixes, int longest, dict covered, set openings,
                    int few_keys, object sentence_places):
    """koie.engine.repeated.repeated_spans's search, over each sentence's text case folded once.

    The surface of a place (its text without spaces, case folded) is a slice
    of the sentence's compact folded text instead of a join per morpheme and
    length. A sentence whose case folding changes its length goes to
    ``sentence_places`` (the Python loop). tests/property/test_propagate_props.py
    holds the two to the same places.
    """
    cdef SlotFiller slots = _morpheme_slots()
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
            start_char = slots.get(morphemes[index], 2)
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
                    morpheme_end = slots.get(morphemes[last_index], 3)
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
