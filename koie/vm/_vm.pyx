# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The Pike VM of :mod:`koie.vm.match`, compiled: the same program, the same steps, the same matches.

:mod:`koie.vm.match` is the definition; this module runs its ``_search`` and
``_closure`` over C arrays instead of Python tuples, lists and dicts:

- threads are (instruction, start, trail) structs, and a trail is an index
  into a pool of events; only the match that wins becomes Python objects
  (``_raw_match`` builds the same ``RawMatch`` as ``match._build``);
- a morpheme test's Python code runs once per (test, form/tag type), and its
  verdict once per position in a sentence;
- look-around results, lexicon entries and lexicon start positions are kept
  per sentence (``NativeSentence``, on the shared ``SentenceIndex``) for every
  rule, as the Python VM keeps its look-around memo;
- rules that share a ``MatchInput`` share one ``Run``: its span arrays.

What outlives a search is kept on a :class:`~koie.vm._runtime.Runtime`
(koie/vm/_runtime.pyx), never in this module: the engine makes one per
compiled pack, and a program searched on its own gets one on first use. A
program's native form is kept on the program (``Program.native``) and refers
to its runtime: both go when the pack (or the program) goes.

Step counting, the step budget and the deadline follow the Python VM
exactly. ``tests/test_native_vm.py`` holds the two to identical matches and
step counts, and ``tests/test_match_shipped_packs.py`` to identical matches
and misses on every shipped pack, so "why not" explanations, which need the
Python VM's :class:`~koie.vm.match.Progress`, describe the matcher that ran.
Every value pushed into a C++ container goes through a typed variable or
parameter (``push``, ``_push_thread``): see ``hatch_build.py`` for the
Cython bug that makes this necessary.
"""

from libcpp.vector cimport vector
from libc.stdint cimport int64_t
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM

from koie._slots cimport SlotFiller
from koie.vm._runtime cimport (
    Event, Thread, Runtime, NativeSentence, Scratch, Run, push, verdict, lexicon_ends, lexicon_starts,
    scratch_of, run_of,
)

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
    EV_SET = 3

cdef struct Best:
    int found
    int start
    int end
    int trail
    int lazy

_OPS = {"morph": OP_MORPH, "slot": OP_SLOT, "lexicon": OP_LEXICON, "tail": OP_TAIL, "match": OP_MATCH,
        "anchor": OP_ANCHOR, "look": OP_LOOK}


cdef class NativeProgram:
    """A :class:`~koie.lang.compile.Program` as flat C arrays, with its closures flattened the same way.

    Its morpheme tests, labels and lexicon names are ids of its runtime.
    """

    # cdef int size; vector[int] op, next_pc, element, ...: see _vm.pxd. Closure paths of
    # instruction pc: clo_off[pc] .. clo_off[pc + 1]; each path's capture events and conditions
    # are slices of ev_* and conds given by the *_off arrays (one entry more than paths).
    # lazy: each instruction's weight in the count of morphemes taken lazily (koie.lang.compile.Inst.lazy);
    # all_matches: a match at every start position (matches: all).
    # names: capture and lexicon names and the (element, attribute, value) of attribute sets, by index; lexicon: each instruction's lexicon id or -1;
    # subs: the NativeProgram of each look-around body; look_keys: (ahead, reach) -> the runtime's
    # look-around memo key of this program as a body; depth: 1 + the deepest nesting of bodies.
    # The start filter (koie.lang.compile.StartFilter): start_checks, start_labels, start_lexicons
    # (and their ids); start_at_begin and start_at_end are its at_start and at_end. start_check_forms:
    # per start check, its forms when only morphemes with one of them can pass it (not negated),
    # else None; start_kinds: the types of those forms, as of runtime.types_added == start_kinds_at.

    def __init__(self, Runtime runtime, program):
        cdef int pc
        self.runtime = runtime
        self.names = []
        self.subs = []
        self.look_keys = {}
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
        self.all_matches = program.all_matches
        self.start_lexicons = []
        self.start_check_forms = []
        self.start_kinds_at = -1
        if program.start is not None:
            for check in program.start.checks:
                push(self.start_checks, runtime.check_id(check))
                self.start_check_forms.append(check.forms if check.forms and not check.negated else None)
            for label in program.start.labels:
                push(self.start_labels, runtime.label_id(label))
            self.start_lexicons = list(program.start.lexicons)
            self.start_at_begin = program.start.at_start
            self.start_at_end = program.start.at_end
            for name in self.start_lexicons:
                push(self.start_lexicon_ids, runtime.lexicon_id(name))
        cdef NativeProgram body
        for pc in range(self.size):
            inst = code[pc]
            push(self.op, _OPS.get(inst.op, OP_OTHER))
            push(self.next_pc, inst.next)
            push(self.element, inst.element)
            push(self.check, runtime.check_id(inst.check) if inst.check is not None else -1)
            push(self.capture, name_id(inst.capture))
            push(self.name, name_id(inst.name) if inst.op == "lexicon" else -1)
            push(self.lexicon, runtime.lexicon_id(inst.name) if inst.op == "lexicon" else -1)
            push(self.ahead, 1 if inst.ahead else 0)
            push(self.negative, 1 if inst.negative else 0)
            push(self.max_length, inst.max_length)
            push(self.lazy, inst.lazy)
            push(self.at_end, 1 if inst.at_end else 0)
            push(self.spacing, 0 if inst.op != "anchor" or inst.name is None
                  else (1 if inst.name == "space" else 2))
            push(self.label_off, self.labels.size())
            for label in sorted(inst.labels):
                push(self.labels, runtime.label_id(label))
            if inst.op == "look":
                push(self.sub, len(self.subs))
                # the body's own native form: a body shared by rules (koie.lang.compile interns
                # them per pack) shares its look-around results in every sentence
                body = native_program(runtime, inst.sub)
                self.subs.append(body)
                key = (bool(inst.ahead), inst.max_length)
                if key not in body.look_keys:
                    body.look_keys[key] = runtime.look_count
                    runtime.look_count += 1
                push(self.look_key, body.look_keys[key])
            else:
                push(self.sub, -1)
                push(self.look_key, -1)
        push(self.label_off, self.labels.size())
        self.depth = 1 + max([(<NativeProgram>sub).depth for sub in self.subs], default=0)
        for pc in range(self.size):
            push(self.clo_off, self.path_target.size())
            for target, events, conditions in program.closures[pc]:
                push(self.path_target, target)
                push(self.path_ev_off, self.ev_kind.size())
                for kind, capture_name in events:
                    push(self.ev_kind, EV_OPEN if kind == "o" else (EV_CLOSE if kind == "c" else EV_SET))
                    push(self.ev_name, name_id(capture_name))
                push(self.path_cond_off, self.conds.size())
                for condition in conditions:
                    push(self.conds, condition)
        push(self.clo_off, self.path_target.size())
        push(self.path_ev_off, self.ev_kind.size())
        push(self.path_cond_off, self.conds.size())

    def __reduce__(self):
        # a cache: a pickled program (a pack sent to a worker) carries None and makes its own again
        return type(None), ()


cdef NativeProgram native_program(Runtime runtime, object program):
    """The NativeProgram of ``program`` in ``runtime``: made once and kept on the program (``Program.native``).

    A program searched with another runtime (rare: the same Program object in
    two packs) gets a native form for that one, which then replaces the first.
    """
    known = program.native
    if known is not None and (<NativeProgram>known).runtime is runtime:
        return <NativeProgram>known
    cdef NativeProgram made = NativeProgram(runtime, program)
    object.__setattr__(program, "native", made)
    return made


def bind(Runtime runtime, program):
    """Search ``program`` (and its look-around bodies) with ``runtime`` from now on; returns its native form."""
    return native_program(runtime, program)


cdef NativeProgram _own_native_program(object program):
    """The program's native form, made with a runtime of its own if it has none yet (a program searched alone)."""
    known = program.native
    if known is not None:
        return <NativeProgram>known
    return native_program(Runtime(), program)


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


cdef inline void _push_thread(vector[Thread]& threads, int pc, int start, int trail, int lazy):
    cdef Thread thread
    thread.pc = pc
    thread.start = start
    thread.trail = trail
    thread.lazy = lazy
    threads.push_back(thread)


cdef inline bint _worse(int start, int lazy, Best* best):
    """Whether a thread can no longer beat ``best`` (koie.vm.match._worse)."""
    return start > best.start or (start == best.start and lazy > best.lazy)


cdef inline int _accepts(Run r, int check, int position) except -1:
    return verdict(r.sentence, check, position)


cdef int _check_limits(Run r) except -1:
    r.input.steps = r.steps
    if r.step_limit >= 0:
        r.input._step_limit = r.step_limit
    r.input.check_limits()
    r.next_check = r.input._next_check
    return 0


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
            if lexicon_starts(r, p.start_lexicon_ids[i], p.start_lexicons[i])[0][origin]:
                return 1
    return 0


cdef int _closure(Run r, NativeProgram p, int pc, int start, int trail, int position, vector[int64_t]& seen,
                  int64_t stamp, vector[Thread]& runnable, Best* best, int must_end, int lazy) except -1:
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
            if not best.found or start < best.start or (start == best.start and (
                    lazy < best.lazy or (lazy == best.lazy and position > best.end))):
                best.found = 1
                best.start = start
                best.end = position
                best.trail = path_trail
                best.lazy = lazy
        elif op == OP_TAIL:
            # A possessive run of endings: with none here, go straight on.
            if position < r.count and _accepts(r, p.check[target], position):
                _push_thread(runnable, target, start, path_trail, lazy)
            else:
                _closure(r, p, p.next_pc[target], start, path_trail, position, seen, stamp, runnable, best, must_end,
                         lazy)
        else:
            _push_thread(runnable, target, start, path_trail, lazy)
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
                start_here = p.first_forms is None or (
                    position < count and p.runtime.type_forms[r.sentence.types[position]] in p.first_forms)
            if start_here:
                _push_thread(threads, 0, position, -1, 0)
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
        # Stable sort by start, then by the morphemes taken lazily: insertion order among equals.
        for i in range(1, threads.size()):
            moving = threads[i]
            j = i
            while j > 0 and (threads[j - 1].start > moving.start or (
                    threads[j - 1].start == moving.start and threads[j - 1].lazy > moving.lazy)):
                threads[j] = threads[j - 1]
                j -= 1
            threads[j] = moving
        runnable.clear()
        for i in range(threads.size()):
            thread = threads[i]
            if best.found and _worse(thread.start, thread.lazy, best):
                continue
            _closure(r, p, thread.pc, thread.start, thread.trail, position, seen, stamp_base | position, runnable, best,
                     must_end, thread.lazy)
        for i in range(runnable.size()):
            thread = runnable[i]
            if best.found and _worse(thread.start, thread.lazy, best):
                continue
            pc = thread.pc
            op = p.op[pc]
            r.steps += 1
            if op == OP_MORPH:
                if position < count and _accepts(r, p.check[pc], position):
                    event = _event(r, EV_M, p.element[pc], position, position + 1, -1, -1, thread.trail)
                    _push_thread(pending[position + 1], p.next_pc[pc], thread.start, event, thread.lazy + p.lazy[pc])
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
                            _push_thread(pending[end], p.next_pc[pc], thread.start, event,
                                         thread.lazy + p.lazy[pc] * (end - position))
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
                _push_thread(pending[end], p.next_pc[pc], thread.start, event,
                             thread.lazy + p.lazy[pc] * (end - position))
                pending_total += 1
                if end > pending_max:
                    pending_max = end
            elif op == OP_LEXICON:
                ends = lexicon_ends(r, p.lexicon[pc], p.names[p.name[pc]], position)
                for k in range(<int>ends.size()):
                    end = ends[0][k]
                    event = _event(r, EV_M, p.element[pc], position, end, -1, p.capture[pc], thread.trail)
                    _push_thread(pending[end], p.next_pc[pc], thread.start, event,
                                 thread.lazy + p.lazy[pc] * (end - position))
                    pending_total += 1
                    if end > pending_max:
                        pending_max = end
        if best.found:
            waiting = False
            for k in range(position + 1, (pending_max if pending_total else position) + 1):
                for i in range(pending[k].size()):
                    if not _worse(pending[k][i].start, pending[k][i].lazy, best):
                        waiting = True
                        break
                if waiting:
                    break
            if not waiting:
                break
        position += 1
    return pending_max


cdef int _find_start_kinds(NativeProgram p) except -1:
    """The types each start check's forms have, from the registry as it is now."""
    cdef int type_id
    cdef dict type_ids = p.runtime.type_ids
    p.start_kinds.resize(p.start_checks.size())
    for i in range(p.start_checks.size()):
        p.start_kinds[i].clear()
        forms = p.start_check_forms[i]
        if forms is None:
            continue
        for form in forms:
            of_form = type_ids.get(form)
            if of_form is not None:
                for known in (<dict>of_form).values():
                    type_id = known
                    push(p.start_kinds[i], type_id)
    p.start_kinds_at = p.runtime.types_added
    return 0


cdef int _start_positions(Run r, NativeProgram p, vector[int]& out) except -1:
    """Positions where the first consuming element can succeed, in order (koie.vm.match.start_positions)."""
    cdef int count = r.count
    cdef char* marked
    cdef size_t i, k
    cdef int position, check, span, label, type_id
    cdef vector[int]* kinds
    cdef int* types = r.sentence.types.data()
    if p.start_kinds_at != p.runtime.types_added:
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
        starts = lexicon_starts(r, p.start_lexicon_ids[i], p.start_lexicons[i])
        for position in range(count):
            if starts[0][position]:
                marked[position] = 1
    for position in range(count + 1):
        if marked[position]:
            push(out, position)
    return 0


cdef object _raw_match(Run r, NativeProgram p, Best* best):
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
    cdef list sets = []
    for at in range(<int>chain.size() - 1, -1, -1):
        event = r.scratch.events[chain[at]]
        if event.kind == EV_M:
            last_step = <int>step_element.size() - 1
            if last_step >= 0 and step_element[last_step] == event.a and step_end[last_step] == event.first \
                    and event.filler < 0 and step_filler[last_step] < 0 and event.capture < 0:
                step_end[last_step] = event.last  # one element consuming morpheme after morpheme
            else:
                push(step_element, event.a)
                push(step_start, event.first)
                push(step_end, event.last)
                push(step_filler, event.filler)
            if event.capture >= 0:
                captures.setdefault(p.names[event.capture], []).append(
                    (event.first, event.last, r.span_refs[event.filler] if event.filler >= 0 else None))
        elif event.kind == EV_OPEN:
            open_groups.setdefault(p.names[event.a], []).append(event.first)
        elif event.kind == EV_SET:
            sets.append(p.names[event.a])
        else:
            opened = open_groups.get(p.names[event.a], [])
            begin = opened.pop() if opened else event.first
            if event.first > begin:
                captures.setdefault(p.names[event.a], []).append((begin, event.first, None))
    cdef SlotFiller steps_filler = _step_filler
    cdef SlotFiller match_filler = _match_filler
    if steps_filler is None:
        steps_filler, match_filler = _match_fillers()
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
    match_filler.put(found, 4, tuple(sets))
    return found






#: koie.vm.match's Step and RawMatch fillers, made on first use (that module imports this one).
cdef SlotFiller _step_filler = None
cdef SlotFiller _match_filler = None


cdef tuple _match_fillers():
    global _step_filler, _match_filler
    from koie.vm.match import RawMatch, Step

    _step_filler = SlotFiller(Step, ("element", "start", "end", "filler"))
    _match_filler = SlotFiller(RawMatch, ("start", "end", "steps", "captures", "sets"))
    return _step_filler, _match_filler


def find_all(program, sentence):
    """Every leftmost-longest, non-overlapping match, or with ``matches: all`` the best at every start
    (koie.vm.match.find_matches without "why not").

    ``sentence`` is a MatchInput whose step limit is already set.
    """
    cdef NativeProgram p = _own_native_program(program)
    cdef Run r = run_of(sentence, p.runtime)
    r.input = sentence  # only while this call runs: a Run kept on its input must not keep it alive
    r.steps = sentence.steps
    r.next_check = sentence._next_check
    r.step_limit = -1  # the input's _step_limit, set by the caller
    try:
        return find_in(p, r, scratch_of(p.runtime))
    finally:
        sentence.steps = r.steps
        r.input = None


def find_all_many(program, list inputs, object limits):
    """koie.vm.match.find_matches for each of ``inputs`` (no "why not"), in one call: a list per input.

    Each input gets what find_matches gives it first: the deadline check
    (``limits.check_deadline``), its step limit (``limits.step_budget``'s
    formula, with the module's constants as they are now) and the test of
    the program's first forms against the sentence's forms.
    """
    cdef NativeProgram p = _own_native_program(program)
    cdef int64_t size = len(program.instructions)
    cdef int64_t per_step = limits.BUDGET_PER_STEP
    cdef int64_t floor = limits.BUDGET_FLOOR
    cdef int64_t budget
    check_deadline = limits.check_deadline
    first_forms = program.first_forms
    cdef list out = []
    cdef Scratch scratch = scratch_of(p.runtime)
    cdef Run r
    for sentence in inputs:
        deadline = sentence.deadline
        if deadline is not None:
            check_deadline(deadline)
        budget = per_step * size * (len(sentence.morphemes) + 1)
        sentence._step_limit = sentence.steps + (budget if budget > floor else floor)
        if first_forms is not None and first_forms.isdisjoint(sentence.forms):
            out.append([])
            continue
        r = run_of(sentence, p.runtime)
        r.input = sentence
        r.steps = sentence.steps
        r.next_check = sentence._next_check
        r.step_limit = -1
        try:
            out.append(find_in(p, r, scratch))
        finally:
            sentence.steps = r.steps
            r.input = None
    return out


cdef list find_in(NativeProgram p, Run r, Scratch scratch):
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
        matches.append(_raw_match(r, p, &best))
        position = best.end if best.end > best.start and not p.all_matches else best.start + 1
    return matches
