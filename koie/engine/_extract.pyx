# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""The engine's rule loop compiled (koie.engine.extract's _visited_rules, _find_visits and _add_records).

A thousand-rule pack visits tens of rules per document, and each rule tens
of sentences: in Python, choosing the rules and sentences and making records
from the matches cost more than the searches they drive. These functions
take the same arguments as their Python twins in koie/engine/extract.py and
give the same results (tests/test_native_vm.py compares them on generated
packs). What they read of a pack once (each rule's plan, each phase's start
index, the matcher's runtime) is a :class:`NativePack`, kept on the
CompiledPack (``CompiledPack.native``): it goes with the pack.
"""

from libcpp.vector cimport vector
from libc.stdint cimport int64_t

from koie._slots cimport SlotFiller, morpheme_slots, START, END
from koie.vm._runtime cimport Runtime, NativeSentence, Run, Scratch, scratch_of, run_of
from koie.vm._vm cimport NativeProgram, native_program, find_in

from koie.vm import limits as _limits

#: The fields of koie.engine.extract.Record and Mention in the order add_records fills them.
_RECORD_FIELDS = ("doc", "rule", "label", "start", "end", "text", "args", "attrs", "sentence", "first", "last",
                  "priority", "output", "match", "document", "suppressed_by", "origin")
_MENTION_FIELDS = ("text", "start", "end", "label", "filler")


cdef class RulePlan:
    """What find_visits needs of one rule of a phase, read from its Python objects once per pack."""

    cdef NativeProgram program
    cdef object single_form  # the one form of its only gate, or None
    cdef object first_gate_form  # the one form of its first gate, or None
    cdef tuple gates
    cdef object labels  # its slot labels (a frozenset, maybe empty)
    cdef bint needs_spans  # every match fills a slot: a sentence without spans of its labels is skipped
    cdef object first_forms  # None where its gates already guarantee a first form
    cdef int64_t size
    # what its records carry (koie.engine.extract._record): read once, not per match
    cdef object rule_id, label, captures, list_captures, attrs, priority, output


cdef RulePlan _plan(Runtime runtime, object compiled, tuple gates):
    cdef RulePlan plan = RulePlan.__new__(RulePlan)
    program = compiled.program
    plan.program = native_program(runtime, program)
    plan.gates = gates
    plan.first_gate_form = next(iter(gates[0])) if len(gates) >= 1 and len(gates[0]) == 1 else None
    plan.single_form = plan.first_gate_form if len(gates) == 1 else None
    plan.labels = compiled.rule.slot_labels
    plan.needs_spans = compiled.rule.needs_spans
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
    return plan


cdef class NativePack:
    """What the compiled rule loop reads of a CompiledPack, read once: made by compile_pack, kept on the pack.

    Each phase's rules as RulePlans, each phase's StartIndex, and the matcher's
    :class:`~koie.vm._runtime.Runtime` that every rule of the pack shares (the
    pack's programs are bound to it). Pickled, it is made again from the pack
    (a worker process gets a runtime of its own).
    """

    cdef readonly Runtime runtime
    cdef list plans  # per phase: [RulePlan]
    cdef list start_indexes  # per phase: its StartIndex
    cdef tuple recipe
    cdef SlotFiller records, mentions
    cdef object rule_origin  # Origin.RULE, what every record add_records makes says

    def __init__(self, tuple phases, tuple gates, tuple starts_by_form, tuple unindexed):
        from koie.engine.extract import Mention, Origin, Record

        self.rule_origin = Origin.RULE

        self.recipe = (phases, gates, starts_by_form, unindexed)
        self.runtime = Runtime()
        self.records = SlotFiller(Record, _RECORD_FIELDS)
        self.mentions = SlotFiller(Mention, _MENTION_FIELDS)
        self.plans = []
        self.start_indexes = []
        for phase, phase_gates, by_form, phase_unindexed in zip(phases, gates, starts_by_form, unindexed):
            self.plans.append([_plan(self.runtime, compiled, rule_gates)
                               for compiled, rule_gates in zip(phase, phase_gates)])
            self.start_indexes.append(StartIndex(self.runtime, by_form, phase_unindexed, len(phase)))

    def __reduce__(self):
        from koie.engine.extract import native_pack

        return native_pack, self.recipe  # made again where it is unpickled, if the module is there


cdef NativePack _native_of(object pack):
    native = pack.native
    if native is None:
        raise ValueError("the pack was compiled without the native module (KOIE_MATCHER=python)")
    return <NativePack>native


def index_document(object pack, sentences):
    """The pack's runtime's Runtime.index_document: each sentence as a NativeSentence, and form -> sentences."""
    return _native_of(pack).runtime.index_document(sentences)


# -- which rules a document visits --------------------------------------------------------------------------


cdef class StartIndex:
    """A phase's start form -> rule positions, read by morpheme type (an array, not a dict of strings).

    ``by_form`` is the phase's CompiledPack.starts_by_form, ``unindexed`` its
    rules without start forms; the arrays are those of ``runtime``'s types.
    """

    cdef Runtime runtime
    cdef object by_form  # Mapping[str, tuple[int, ...]]
    cdef tuple unindexed
    cdef int rule_count
    cdef int generation  # of the runtime's types the entries below come from
    #: type id -> index into ``rules`` (-1: no rule starts with its form; -2: not looked up yet)
    cdef vector[int] of_type
    cdef vector[vector[int]] rules

    def __init__(self, Runtime runtime, by_form, tuple unindexed, int rule_count):
        self.runtime = runtime
        self.by_form = by_form
        self.unindexed = unindexed
        self.rule_count = rule_count
        self.generation = -1

    def visited(self, list natives, dict form_sentences):
        """The positions of the phase's rules a document visits, ascending.

        A rule is visited if it is unindexed or one of its start forms is in the
        document. ``natives`` and ``form_sentences`` are the document's sentences
        and form index from Runtime.index_document. With many start forms, they
        are found by type id, one array read per morpheme: intersecting the
        document's forms with a thousand rules' forms as dictionaries cost 40 µs
        a document. With few (a pack of tens of rules), each start form is
        looked up in the document's index instead. None if the runtime's types
        were forgotten since the sentences were made (a search can fill the
        registry past its limit): the caller then intersects the forms itself.
        """
        cdef vector[char] marked
        marked.assign(self.rule_count, 0)
        cdef int position
        cdef size_t k
        cdef Py_ssize_t morpheme_count = 0
        by_form = self.by_form
        for held in natives:
            morpheme_count += (<NativeSentence>held).types.size()
        for position in self.unindexed:
            marked[position] = 1
        if len(by_form) * 16 <= morpheme_count:  # a dictionary lookup costs about what 16 array reads do
            for form, positions in by_form.items():
                if form in form_sentences:
                    for position in positions:
                        marked[position] = 1
            return [position for position in range(self.rule_count) if marked[position]]
        cdef Runtime runtime = self.runtime
        if self.generation != runtime.generation:  # type ids were handed out again: forget what they meant
            self.of_type.clear()
            self.rules.clear()
            self.generation = runtime.generation
        cdef NativeSentence native
        cdef int type_id, at
        cdef size_t i
        for held in natives:
            native = <NativeSentence>held
            if native.runtime is not runtime or native.generation != runtime.generation:
                return None  # the registry was reset since this document was indexed: the caller's way
            for i in range(native.types.size()):
                type_id = native.types[i]
                if <size_t>type_id >= self.of_type.size():
                    self.of_type.resize(type_id + 1, -2)
                at = self.of_type[type_id]
                if at == -2:
                    found = by_form.get(runtime.type_forms[type_id])
                    if found is None:
                        at = -1
                    else:
                        at = <int>self.rules.size()
                        self.rules.push_back(vector[int]())
                        for position in found:
                            self.rules.back().push_back(position)
                    self.of_type[type_id] = at
                if at >= 0:
                    for k in range(self.rules[at].size()):
                        marked[self.rules[at][k]] = 1
        return [position for position in range(self.rule_count) if marked[position]]


def visited_rules(object pack, int phase_index, list natives, dict form_sentences):
    """koie.engine.extract._visited_rules by the phase's StartIndex (None: the caller's way, see StartIndex.visited)."""
    return (<StartIndex>_native_of(pack).start_indexes[phase_index]).visited(natives, form_sentences)


# -- the rules' searches ------------------------------------------------------------------------------------


cdef object _MISSING = object()


def find_visits(object pack, int phase_index, list positions, dict form_sentences, dict group_sentences,
                int sentence_count, dict inputs, object make_input):
    """koie.engine.extract._find_visits compiled: one phase's visited rules over their candidate sentences.

    The same arguments and the same result: ``[(rule position, sentence number, matches)]``
    for every non-empty result, in visit order. ``inputs`` caches inputs by sentence, or by
    (sentence, slot labels) for rules with slots; ``make_input`` makes one (None: the rule
    needs spans and the sentence has none).
    """
    cdef NativePack native = _native_of(pack)
    cdef int64_t per_step = _limits.BUDGET_PER_STEP  # as the module has them now (tests change them)
    cdef int64_t floor = _limits.BUDGET_FLOOR
    cdef list found = []
    cdef Run r
    # key -> the Run of its input (None: the rule needs spans and the sentence has none). A Run holds
    # the input's step count and deadline while this call lasts, so a search costs no Python
    # attribute traffic; the counts go back to the inputs at the end.
    cdef dict runs = {}
    try:
        _visit(native, phase_index, positions, form_sentences, group_sentences, sentence_count, inputs,
               make_input, per_step, floor, _limits.check_deadline, scratch_of(native.runtime), runs, found)
    finally:
        for held in runs.values():
            if held is not None:
                r = <Run>held
                r.input.steps = r.steps
                r.input._next_check = r.next_check
                r.input = None
    return found


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


cdef object _run_for(object key, object sentence_index, object labels, dict runs, dict inputs, object make_input,
                     Runtime runtime):
    """The Run of the input under ``key`` (made, and its input, on first use), or None: no spans of ``labels``."""
    cdef Run r
    held = runs.get(key, _MISSING)
    if held is not _MISSING:
        return held
    sentence_input = inputs.get(key, _MISSING)
    if sentence_input is _MISSING:
        sentence_input = inputs[key] = make_input(sentence_index, labels)
    if sentence_input is None:
        runs[key] = None
        return None
    r = run_of(sentence_input, runtime)
    r.input = sentence_input
    r.steps = sentence_input.steps
    r.next_check = sentence_input._next_check
    r.deadline = sentence_input.deadline
    runs[key] = r
    return r


cdef int _visit(NativePack native, int phase_index, list positions, dict form_sentences, dict group_sentences,
                int sentence_count, dict inputs, object make_input, int64_t per_step, int64_t floor,
                object check_deadline, Scratch scratch, dict runs, list found) except -1:
    cdef tuple gates
    cdef NativeProgram p
    cdef int64_t size, budget
    cdef list matches
    cdef Run r
    cdef RulePlan plan
    cdef list plans = native.plans[phase_index]
    cdef Runtime runtime = native.runtime
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
            held = _run_for(key, sentence_index, labels, runs, inputs, make_input, runtime)
            if held is None:
                if plan.needs_spans:
                    continue  # the rule needs spans and the sentence has none
                # no span of its labels here, and the rule needs none ((?! [PERSON]) /NNP): the plain input
                held = _run_for(sentence_index, sentence_index, frozenset(), runs, inputs, make_input, runtime)
            r = <Run>held
            # what koie.vm._vm.find_all_many does for each input, on the Run's copies of its fields
            if r.deadline is not None:
                check_deadline(r.deadline)
            budget = per_step * size * (r.sentence.count + 1)
            r.step_limit = r.steps + (budget if budget > floor else floor)
            if first_forms is not None and first_forms.isdisjoint(r.input.forms):
                continue
            matches = find_in(p, r, scratch)
            if matches:
                found.append((position, sentence_index, matches))
    return 0


# -- records from the matches ------------------------------------------------------------------------------


cdef inline object _morpheme_start(SlotFiller slots, object morpheme):
    return slots.get(morpheme, START) if type(morpheme) is slots.cls else morpheme.start


cdef inline object _morpheme_end(SlotFiller slots, object morpheme):
    return slots.get(morpheme, END) if type(morpheme) is slots.cls else morpheme.end


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


def add_records(object pack, int phase_index, list found, object document, str doc_id, dict unsettled):
    """koie.engine.extract._add_records compiled: a record for every match find_visits found, by label.

    The same records (tests/test_native_vm.py compares them): a megabyte of news
    makes tens of thousands, and their Python loop cost about as much as the
    searches of a third of the rules.
    """
    cdef NativePack native = _native_of(pack)
    cdef list plans = native.plans[phase_index]
    cdef SlotFiller slots = morpheme_slots()
    cdef SlotFiller record_slots = native.records
    cdef SlotFiller mention_slots = native.mentions
    cdef RulePlan plan
    cdef Py_ssize_t first, last
    found_by_rule = native.rule_origin
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
            attrs = dict(plan.attrs)
            for element_key_value in match.sets:  # {key=value} the match passed, over the rule's attrs
                attrs[element_key_value[1]] = element_key_value[2]
            record_slots.put(record, 7, attrs)
            record_slots.put(record, 8, sentence_index)
            record_slots.put(record, 9, first)
            record_slots.put(record, 10, last)
            record_slots.put(record, 11, plan.priority)
            record_slots.put(record, 12, plan.output)
            record_slots.put(record, 13, match)
            record_slots.put(record, 14, document)
            record_slots.put(record, 15, None)
            record_slots.put(record, 16, found_by_rule)
            (<list>into).append(record)
    return None

