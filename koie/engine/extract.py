"""Applying a compiled pack to analysed documents, phase by phase.

Rules run in phases: a rule whose pattern has a slot ``[PERSON]`` runs after
every rule that produces PERSON. Once the last rule producing a label has
run, the label's overlap policy picks which of its records stay:

``longest``  (default) longer span first, then higher priority;
``priority`` higher priority first, then longer span;
``all``      every record stays.

With ``per: args`` (or ``per: [role, ...]``) only records with the same text
in every role (in those roles) compete: an asserted (A, B) acquisition is not
suppressed by a longer planned (A, C) one. Ties are broken by earlier start,
then rule id, then the captures' offsets, so the same input always gives the
same records in the same order. A record that loses is kept aside with
``suppressed_by`` naming the winner.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from koie import native
from koie.analysis.morphemes import AnalyzedDocument, Sentence
from koie.lang.compile import Program, compile_pattern
from koie.lang.resolve import ResolvedPack, ResolvedRule
from koie.lang.spec import OverlapGrouping
from koie.vm import match as match_module
from koie.vm.limits import current_deadline
from koie.vm.match import EntitySpan, MatchInput, RawMatch, SentenceIndex, Step, find_matches_in

#: koie/engine/_extract.pyx: the rule loop below compiled, used with the native VM (or None).
_native: Any = native.load("koie.engine._extract")


class Origin(enum.Enum):
    """How the engine found a record (``Record.origin``); ``Record.rule`` is the rule behind it either way."""

    #: A match of the rule's pattern.
    RULE = "rule"
    #: Another mention of the text of a record the rule found (``mentions: {LABEL: {repeat: true}}``,
    #: :mod:`koie.engine.repeated`): no pattern matched here.
    REPEATED = "repeated"


@dataclass(frozen=True, slots=True)
class Mention:
    """An argument of a record: a span of the document, maybe filled by another record."""

    text: str
    start: int
    end: int
    label: str | None
    filler: Record | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end, "label": self.label}
        if self.filler is not None:
            data["rule"] = self.filler.found_by
            for key, value in self.filler.attrs.items():
                data.setdefault(key, value)
            if self.filler.args:
                data["args"] = {role: _args_json(value) for role, value in self.filler.args.items()}
        return data


def _args_json(value: Mention | tuple[Mention, ...]) -> Any:
    if isinstance(value, tuple):
        return [mention.to_json() for mention in value]
    return value.to_json()


def mention_name(mention: Mention) -> str:
    """The name a mention stands for: its resolved ``name`` attribute, else its text."""
    if mention.filler is not None:
        name = mention.filler.attrs.get("name")
        if isinstance(name, str) and name:
            return name
    return " ".join(mention.text.split())


def mentions_of(value: Mention | tuple[Mention, ...] | None) -> Iterable[Mention]:
    """A role's mentions: none, one, or a list's."""
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


@dataclass(frozen=True, slots=True)
class Record:
    """One match of one rule, with offsets into the document as read.

    ``rule`` is the id of the rule whose pattern matched, or, for another
    mention of a found text (``origin`` REPEATED), of the rule that found the text.
    """

    doc: str
    rule: str
    label: str
    start: int
    end: int
    text: str
    args: Mapping[str, Mention | tuple[Mention, ...]]
    attrs: Mapping[str, Any]
    sentence: int
    first: int  # morpheme positions in the sentence, end exclusive
    last: int
    priority: int
    output: bool
    match: RawMatch = field(compare=False, repr=False)
    document: AnalyzedDocument | None = field(default=None, compare=False, repr=False)
    suppressed_by: Record | None = field(default=None, compare=False, repr=False)
    origin: Origin = Origin.RULE

    @property
    def found_by(self) -> str:
        """What found the record, as the output's ``rule`` field names it.

        >>> found = Record("d", "person", "PERSON", 0, 1, "가", {}, {}, 0, 0, 1, 0, True, None)  # type: ignore
        >>> found.found_by, found.but(origin=Origin.REPEATED).found_by
        ('person', 'repeat:PERSON')
        """
        if self.origin is Origin.RULE:
            return self.rule
        return f"repeat:{self.label}"

    def to_json(self) -> dict[str, Any]:
        """The stable output schema (docs/output.md)."""
        return {
            "doc": self.doc,
            "rule": self.found_by,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "args": {role: _args_json(value) for role, value in self.args.items()},
            "attrs": dict(self.attrs),
        }

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.start, self.end, self.label, self.rule)

    def but(self, **changes: Any) -> Record:
        """This record with some fields changed (``dataclasses.replace``, at a fraction of its cost).

        Document-level passes (mentions, dates, overlap policies) make tens of
        thousands of these per megabyte; ``replace`` inspects the fields and
        runs ``__init__`` every time, this copies the slots.

        >>> import dataclasses
        >>> record = Record("d", "r", "L", 0, 1, "가", {}, {}, 0, 0, 1, 0, True, None)  # type: ignore[arg-type]
        >>> record.but(attrs={"a": 1}) == dataclasses.replace(record, attrs={"a": 1})
        True
        """
        unknown = changes.keys() - _RECORD_FIELDS
        if unknown:
            raise TypeError(f"Record has no field {sorted(unknown)[0]!r}")
        if _RECORD_FILLER is not None:
            pairs: list[Any] = []
            for name, value in changes.items():
                pairs += (_RECORD_SLOTS[name], value)
            copied: Record = _RECORD_FILLER.copy(self, *pairs)
            return copied
        copy = object.__new__(Record)
        for name in _RECORD_FIELDS:
            object.__setattr__(copy, name, changes[name] if name in changes else getattr(self, name))
        return copy


_RECORD_FIELDS: tuple[str, ...] = tuple(Record.__dataclass_fields__)
_RECORD_SLOTS = {name: index for index, name in enumerate(_RECORD_FIELDS)}
#: Records are made by filling their slots (koie._slots.SlotFiller) where the native module is built:
#: matching a megabyte makes tens of thousands, and the frozen dataclass __init__ is most of their cost.
_RECORD_FILLER: Any = native.slot_filler(Record, _RECORD_FIELDS)
_new_record: Any = Record if _RECORD_FILLER is None else _RECORD_FILLER.new
_SPAN_FILLER: Any = native.slot_filler(EntitySpan, ("start", "end", "label", "ref"))
_new_span: Any = EntitySpan if _SPAN_FILLER is None else _SPAN_FILLER.new


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: ResolvedRule
    program: Program
    order: int


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """A resolved pack with one program per rule, grouped into phases."""

    resolved: ResolvedPack
    rules: tuple[CompiledRule, ...]
    phases: tuple[tuple[CompiledRule, ...], ...]
    #: label -> the phase after which its overlap policy is applied
    settle_after: Mapping[str, int]
    #: Per phase, the rules that can only start at one of a few literal forms, by form (rule
    #: positions in the phase), and the others: a document visits only the rules whose forms it holds.
    starts_by_form: tuple[Mapping[str, tuple[int, ...]], ...] = ()
    unindexed: tuple[tuple[int, ...], ...] = ()
    #: Per phase, each rule's gates: its start forms (when it has them) and the forms of each
    #: group every match needs; a sentence is a candidate only if it holds a form of each gate.
    gates: tuple[tuple[tuple[frozenset[str], ...], ...], ...] = ()
    #: Per phase, the labels whose overlap policy is applied after it.
    settling: tuple[frozenset[str], ...] = ()
    #: rule id -> position in the pack (ties in overlap policies).
    rule_order: Mapping[str, int] = field(default_factory=dict)
    #: What the compiled rule loop reads of the pack (koie.engine._extract.NativePack: each rule's
    #: plan, and the native matcher's runtime the pack's rules share), or None without it. Its
    #: caches live as long as the pack.
    native: Any = field(default=None, compare=False, repr=False)

    def rule(self, rule_id: str) -> CompiledRule:
        for compiled in self.rules:
            if compiled.rule.id == rule_id:
                return compiled
        raise KeyError(rule_id)


def compile_pack(resolved: ResolvedPack) -> CompiledPack:
    """Compile every rule once; the result is reused for every document."""
    interned: dict[Program, Program] = {}  # the pack's look-around bodies: rules share their results
    compiled = tuple(
        CompiledRule(rule, compile_pattern(rule.body, interned, rule.spec.matches == "all"), order)
        for order, rule in enumerate(resolved.rules)
    )
    phase_count = max((c.rule.phase for c in compiled), default=-1) + 1
    phases = tuple(tuple(c for c in compiled if c.rule.phase == p) for p in range(phase_count))
    settle: dict[str, int] = {}
    for c in compiled:
        settle[c.rule.label] = max(settle.get(c.rule.label, 0), c.rule.phase)
    starts_by_form: list[dict[str, tuple[int, ...]]] = []
    unindexed: list[tuple[int, ...]] = []
    gates: list[tuple[tuple[frozenset[str], ...], ...]] = []
    for phase in phases:
        forms_of = tuple(_start_forms(c.program) for c in phase)
        by_form: dict[str, list[int]] = {}
        for position, forms in enumerate(forms_of):
            for form in forms or ():
                by_form.setdefault(form, []).append(position)
        starts_by_form.append({form: tuple(rules) for form, rules in by_form.items()})
        unindexed.append(tuple(position for position, forms in enumerate(forms_of) if forms is None))
        gates.append(tuple(_gates(forms, c.program.required) for forms, c in zip(forms_of, phase)))
    settling = tuple(frozenset(label for label, last in settle.items() if last == p) for p in range(phase_count))
    return CompiledPack(
        resolved,
        compiled,
        phases,
        settle,
        tuple(starts_by_form),
        tuple(unindexed),
        tuple(gates),
        settling,
        {c.rule.id: c.order for c in compiled},
        native_pack(phases, tuple(gates), tuple(starts_by_form), tuple(unindexed)),
    )


def native_pack(
    phases: tuple[tuple[CompiledRule, ...], ...],
    gates: tuple[tuple[tuple[frozenset[str], ...], ...], ...],
    starts_by_form: tuple[Mapping[str, tuple[int, ...]], ...],
    unindexed: tuple[tuple[int, ...], ...],
) -> Any:
    """What the compiled rule loop reads of a pack (``CompiledPack.native``), or None without the native module.

    Also how a pickled pack makes its own again in the process that unpickles it.
    """
    return None if _native is None else _native.NativePack(phases, gates, starts_by_form, unindexed)


def _gates(start_forms: frozenset[str] | None, required: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """The groups a candidate sentence must hold a form of, none implied by another, start forms first.

    A group holding all of a smaller group's forms adds nothing (a sentence with
    a form of the smaller one has one of it), and a rule's start forms are
    usually among its required groups too; each group left costs a test per
    candidate sentence.

    >>> a, ab = frozenset("a"), frozenset("ab")
    >>> _gates(a, (a, ab, frozenset("c")))
    (frozenset({'a'}), frozenset({'c'}))
    """
    groups = ([start_forms] if start_forms is not None else []) + list(required)
    kept: list[frozenset[str]] = []
    for group in groups:
        if not any(other <= group for other in kept):
            kept = [other for other in kept if not group < other] + [group]
    return tuple(kept)


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything a pack found in one document."""

    doc: str
    document: AnalyzedDocument
    records: tuple[Record, ...]  # kept records of every rule, in output order
    suppressed: tuple[Record, ...]

    def output(self, include_hidden: bool = False) -> list[Record]:
        return [r for r in self.records if include_hidden or r.output]


def extract(
    pack: CompiledPack, document: AnalyzedDocument, doc_id: str = "", costs: RuleCosts | None = None
) -> Extraction:
    """Run every phase of ``pack`` over one analysed document.

    With ``costs``, each rule's searches are timed apart and added to it
    (:mod:`koie.measure.profile`); the records are the same. The garbage
    collector is left as the caller set it (``koie run`` tunes it for its process).
    """
    return _extract(pack, document, doc_id, costs)


#: rule id -> [seconds searching, matches found]
RuleCosts = dict[str, list[float]]

#: One phase's searches: ``(rule position, sentence number, matches)`` for each non-empty result.
Visits = list[tuple[int, int, list[RawMatch]]]


def _timed_visits(find_visits: Callable[..., Visits], costs: RuleCosts) -> Callable[..., Visits]:
    """``find_visits`` run one rule at a time, each timed into ``costs`` (results in the same order)."""
    import time

    def timed(pack: CompiledPack, phase_index: int, positions: list[int], *rest: Any) -> Visits:
        found: Visits = []
        for position in positions:
            started = time.perf_counter()
            visits = find_visits(pack, phase_index, [position], *rest)
            cost = costs.setdefault(pack.phases[phase_index][position].rule.id, [0.0, 0])
            cost[0] += time.perf_counter() - started
            cost[1] += sum(len(matches) for _rule, _sentence, matches in visits)
            found.extend(visits)
        return found

    return timed


def _extract(pack: CompiledPack, document: AnalyzedDocument, doc_id: str, costs: RuleCosts | None = None) -> Extraction:
    kept: dict[str, list[Record]] = {}
    unsettled: dict[str, list[Record]] = {}
    suppressed: list[Record] = []
    # Shared by every rule: form/tag positions and lexicon hits per sentence,
    # and each label's kept records by sentence (so slots cost no document scan).
    # Rules whose first morpheme is a literal run only in sentences holding
    # one of its forms (found through one form -> sentences index), so a
    # thousand literal-led rules cost little more than ten.
    # A pack-wide form -> rules index turns that around: a document visits
    # only the rules one of whose start forms it holds.
    form_sentences: dict[str, list[int]]
    # The compiled loop goes with the native VM (tests turn the VM off to run the Python one).
    compiled = _native if match_module._native is not None and pack.native is not None else None
    natives: list[Any] = []
    if compiled is not None:
        # one native pass: the form index, and each sentence as the native matcher reads it
        form_sentences, natives = compiled.index_document(pack, document.sentences)
        indexes = [SentenceIndex(sentence.morphemes) for sentence in document.sentences]
        for index, native_sentence in zip(indexes, natives):
            index.native = native_sentence
    else:
        sentence_forms = [frozenset([m.form for m in sentence.morphemes]) for sentence in document.sentences]
        indexes = [
            SentenceIndex(sentence.morphemes, forms) for sentence, forms in zip(document.sentences, sentence_forms)
        ]
        form_sentences = _form_sentences(sentence_forms)
    lexicons = pack.resolved.lexicons
    deadline = current_deadline()
    # a set of forms -> the sentences holding one of them; rules share groups (이 | 가, a verb's forms)
    group_sentences: dict[frozenset[str], set[int]] = {}
    rule_order = pack.rule_order
    # each label's kept records as slot spans, by sentence: made once, offered to every rule
    spans_by_sentence: dict[str, dict[int, list[EntitySpan]]] = {}

    def make_input(sentence_index: int, labels: frozenset[str]) -> MatchInput | None:
        """What a rule with slots ``labels`` sees of a sentence (None: it needs spans and there are none)."""
        spans: Sequence[EntitySpan] = ()
        if labels:
            spans = _sentence_spans(sentence_index, labels, spans_by_sentence)
            if not spans:
                return None
        return MatchInput(
            document.sentences[sentence_index].morphemes,
            document.text,
            spans,
            lexicons,
            deadline=deadline,
            index=indexes[sentence_index],
        )

    find_visits: Callable[..., Visits] = _find_visits if compiled is None else compiled.find_visits
    if costs is not None:
        find_visits = _timed_visits(find_visits, costs)
    add_records: Callable[..., None] = _add_records if compiled is None else compiled.add_records
    for phase_index in range(len(pack.phases)):
        positions: list[int] | None = None
        if compiled is not None:  # by the index's type ids: intersecting strings cost more
            # than the searches for a thousand-rule pack (None: the type registry was reset since)
            positions = compiled.visited_rules(pack, phase_index, natives, form_sentences)
        if positions is None:
            positions = _visited_rules(pack, phase_index, natives, form_sentences)
        # Rules with the same slot labels in one phase see the same settled spans:
        # one input per sentence and label set serves them all.
        inputs: dict[Any, MatchInput | None] = {}
        found = find_visits(
            pack, phase_index, positions, form_sentences, group_sentences, len(document.sentences), inputs, make_input
        )
        add_records(pack, phase_index, found, document, doc_id, unsettled)
        # A label with no record in this document has nothing to settle (and no entry: no spans).
        settling = pack.settling[phase_index]
        for label in [label for label in unsettled if label in settling]:
            winners, losers = apply_overlap_policy(
                unsettled.pop(label),
                pack.resolved.overlap_policy(label),
                rule_order,
                pack.resolved.overlap_grouping(label),
            )
            settings = pack.resolved.spec.mentions.get(label)
            if settings is not None and settings.repeat and winners:
                winners = winners + _repeated_records(winners, document, doc_id)
            kept[label] = winners
            grouped: dict[int, list[EntitySpan]] = {}
            for record in winners:
                grouped.setdefault(record.sentence, []).append(
                    _new_span(record.first, record.last, record.label, record)
                )
            spans_by_sentence[label] = grouped
            suppressed.extend(losers)
    records = sorted((r for rs in kept.values() for r in rs), key=_output_order)
    suppressed.sort(key=_output_order)
    return Extraction(doc_id, document, tuple(records), tuple(suppressed))


def _visited_rules(
    pack: CompiledPack, phase_index: int, natives: list[Any], form_sentences: Mapping[str, list[int]]
) -> list[int]:
    """The positions of the phase's rules a document visits, ascending: the unindexed ones, and those
    one of whose start forms the document holds (``form_sentences``: its form index).

    ``koie.engine._extract.visited_rules`` finds the same by the sentences' type ids (``natives``).
    """
    visited = set(pack.unindexed[phase_index])
    by_form = pack.starts_by_form[phase_index]
    if by_form:
        for form in form_sentences.keys() & by_form.keys():
            visited.update(by_form[form])
    return sorted(visited)


def _find_visits(
    pack: CompiledPack,
    phase_index: int,
    positions: list[int],
    form_sentences: Mapping[str, list[int]],
    group_sentences: dict[frozenset[str], set[int]],
    sentence_count: int,
    inputs: dict[Any, Any],
    make_input: Callable[[int, frozenset[str]], MatchInput | None],
) -> Visits:
    """Each visited rule (``positions`` in the phase) over the sentences holding a form of each of its gates.

    Returns ``(rule position, sentence number, matches)`` for every non-empty
    result, in visit order. ``koie.engine._extract.find_visits`` is this loop
    compiled, with the same arguments; ``inputs`` caches inputs by sentence, or by
    (sentence, slot labels) for rules with slots.
    """
    phase = pack.phases[phase_index]
    phase_gates = pack.gates[phase_index]
    found: Visits = []
    for position in positions:
        compiled = phase[position]
        gates = phase_gates[position]
        numbers: Iterable[int]
        if not gates:
            numbers = range(sentence_count)
        elif len(gates) == 1 and len(gates[0]) == 1:  # one literal form (a noun, a title): most rules
            [form] = gates[0]
            numbers = form_sentences.get(form, ())  # already ascending
        else:
            # the first gate's sentences (in order), kept if they hold a form of every other gate
            first = gates[0]
            if len(first) == 1:
                [form] = first
                numbers = form_sentences.get(form, ())
            else:
                numbers = sorted(_holding(first, form_sentences, group_sentences))
            for group in gates[1:]:
                if not numbers:
                    break
                holding = _holding(group, form_sentences, group_sentences)
                numbers = [number for number in numbers if number in holding]
        labels = compiled.rule.slot_labels
        needs_spans = compiled.rule.needs_spans
        chosen: list[int] = []
        chosen_inputs: list[MatchInput] = []
        for sentence_index in numbers:
            key = (sentence_index, labels) if labels else sentence_index
            if key in inputs:
                sentence_input = inputs[key]
            else:
                sentence_input = inputs[key] = make_input(sentence_index, labels)
            if sentence_input is None and not needs_spans:
                # no span of its labels here, and the rule needs none ((?! [PERSON]) /NNP): the plain input
                if sentence_index in inputs:
                    sentence_input = inputs[sentence_index]
                else:
                    sentence_input = inputs[sentence_index] = make_input(sentence_index, frozenset())
            if sentence_input is not None:
                chosen.append(sentence_index)
                chosen_inputs.append(sentence_input)
        if chosen:
            for sentence_index, matches in zip(chosen, find_matches_in(compiled.program, chosen_inputs)):
                if matches:
                    found.append((position, sentence_index, matches))
    return found


def _add_records(
    pack: CompiledPack,
    phase_index: int,
    found: Visits,
    document: AnalyzedDocument,
    doc_id: str,
    unsettled: dict[str, list[Record]],
) -> None:
    """A record for every match :func:`_find_visits` found, added to ``unsettled`` by label.

    ``koie.engine._extract.add_records`` is this loop compiled, with the same arguments.
    """
    phase = pack.phases[phase_index]
    for position, sentence_index, matches in found:
        compiled = phase[position]
        sentence = document.sentences[sentence_index]
        for match in matches:
            record = _record(compiled, document, sentence, sentence_index, match, doc_id)
            unsettled.setdefault(record.label, []).append(record)


def _repeated_records(records: list[Record], document: AnalyzedDocument, doc_id: str) -> list[Record]:
    """Records for other mentions of the same texts (``mentions: {LABEL: {repeat: true}}``).

    Each one's origin is REPEATED and its rule the rule that found the text.
    """
    from koie.engine.repeated import repeated_spans

    ordered = sorted(records, key=lambda r: (r.start, r.end, r.rule))
    sources = [(r.text, r.sentence, r.first, r.last) for r in ordered]
    out: list[Record] = []
    for sentence_index, first, last, source_index in repeated_spans(document, sources):
        source = ordered[source_index]
        sentence = document.sentences[sentence_index]
        start, end = _char_span(sentence, first, last)
        attrs = dict(source.attrs) | {"repeat_of": {"text": source.text, "start": source.start, "end": source.end}}
        match = RawMatch(first, last, (Step(-1, first, last, None),), {})
        out.append(
            _new_record(
                doc_id,
                source.rule,
                source.label,
                start,
                end,
                document.text[start:end],
                {},
                attrs,
                sentence_index,
                first,
                last,
                source.priority,
                source.output,
                match,
                document,
                None,
                Origin.REPEATED,
            )
        )
    return out


def _start_forms(program: Program) -> frozenset[str] | None:
    """The forms one of which a match's first morpheme has, when the start filter says so exactly."""
    start = program.start
    if start is None or start.labels or start.lexicons or not start.checks or start.at_start or start.at_end:
        return None
    forms: set[str] = set()
    for check in start.checks:
        if not check.forms or check.negated:
            return None
        forms |= check.forms
    return frozenset(forms)


def _form_sentences(sentence_forms: list[frozenset[str]]) -> dict[str, list[int]]:
    """form -> the sentences (numbers, ascending) that hold it."""
    index: dict[str, list[int]] = {}
    for number, forms in enumerate(sentence_forms):
        for form in forms:
            index.setdefault(form, []).append(number)
    return index


def _holding(
    forms: frozenset[str], form_sentences: Mapping[str, list[int]], group_sentences: dict[frozenset[str], set[int]]
) -> set[int]:
    """The sentences holding one of ``forms`` (kept in ``group_sentences``: rules share groups)."""
    found = group_sentences.get(forms)
    if found is None:
        found = group_sentences[forms] = set()
        for form in forms:
            found.update(form_sentences.get(form, ()))
    return found


def _sentence_spans(
    sentence_index: int, labels: frozenset[str], spans_by_sentence: Mapping[str, Mapping[int, list[EntitySpan]]]
) -> list[EntitySpan]:
    """:func:`_spans_for` over spans already made and grouped by sentence (same spans, same order)."""
    spans: list[EntitySpan] = []
    for label in labels:
        by_sentence = spans_by_sentence.get(label)
        if by_sentence:
            spans += by_sentence.get(sentence_index, ())
    return spans


def _spans_for(sentence_index: int, labels: frozenset[str], kept: Mapping[str, list[Record]]) -> list[EntitySpan]:
    spans: list[EntitySpan] = []
    for label in labels:
        for record in kept.get(label, ()):
            if record.sentence == sentence_index:
                spans.append(EntitySpan(record.first, record.last, record.label, record))
    return spans


def _char_span(sentence: Sentence, first: int, last: int) -> tuple[int, int]:
    if last == first + 1:  # one morpheme (a name, a title): most spans
        morpheme = sentence.morphemes[first]
        return morpheme.start, morpheme.end
    morphemes = sentence.morphemes[first:last]
    if not morphemes:
        position = sentence.morphemes[first].start if first < len(sentence.morphemes) else sentence.end
        return position, position
    return min(m.start for m in morphemes), max(m.end for m in morphemes)


def _record(
    compiled: CompiledRule,
    document: AnalyzedDocument,
    sentence: Sentence,
    sentence_index: int,
    match: RawMatch,
    doc_id: str,
) -> Record:
    rule = compiled.rule
    start, end = _char_span(sentence, match.start, match.end)
    args: dict[str, Mention | tuple[Mention, ...]] = {}
    for name in rule.captures:
        values = match.captures.get(name)
        if not values:
            continue
        mentions = []
        for first, last, filler in values:
            if filler is not None:
                mentions.append(Mention(filler.text, filler.start, filler.end, filler.label, filler))
            else:
                m_start, m_end = _char_span(sentence, first, last)
                element_label = None
                mentions.append(Mention(document.text[m_start:m_end], m_start, m_end, element_label))
        args[name] = tuple(mentions) if name in rule.list_captures else mentions[-1]
    attrs = dict(rule.spec.attrs)
    for _element, key, value in match.sets:  # {key=value} the match passed: over the rule's attrs, the last one wins
        attrs[key] = value
    record: Record = _new_record(
        doc_id,
        rule.id,
        rule.label,
        start,
        end,
        document.text[start:end],
        args,
        attrs,
        sentence_index,
        match.start,
        match.end,
        rule.spec.priority,
        rule.spec.output,
        match,
        document,
        None,
        Origin.RULE,
    )
    return record


def _output_order(record: Record) -> tuple[Any, ...]:
    """Record.sort_key, then the captures' offsets (one flat tuple: the same order, fewer objects)."""
    return record.start, record.end, record.label, record.rule, _capture_key(record)


def _capture_key(record: Record) -> tuple[Any, ...]:
    if not record.args:  # entities: most records
        return ()
    key: list[Any] = []
    for role in sorted(record.args):
        value = record.args[role]
        mentions = value if isinstance(value, tuple) else (value,)
        key.append((role, tuple((m.start, m.end) for m in mentions)))
    return tuple(key)


def apply_overlap_policy(
    records: Iterable[Record],
    policy: str,
    rule_order: Mapping[str, int] | None = None,
    grouping: OverlapGrouping | None = None,
) -> tuple[list[Record], list[Record]]:
    """Split records of one label into (kept, suppressed) under ``policy``.

    With ``grouping`` ("args", or the roles to compare), records compete only
    with records whose roles hold the same texts.
    """
    candidates = list(records)
    if policy == "all":
        return candidates, []

    # r.start - r.end is minus the length (longest first); entities, most records, have no args
    if policy == "priority":
        order = sorted(
            candidates, key=lambda r: (-r.priority, r.start - r.end, r.start, r.rule, _capture_key(r) if r.args else ())
        )
    else:
        order = sorted(
            candidates, key=lambda r: (r.start - r.end, -r.priority, r.start, r.rule, _capture_key(r) if r.args else ())
        )
    kept: list[Record] = []
    suppressed: list[Record] = []
    # Records only compete within their sentence: indexing the winners by
    # sentence keeps a document of 100,000 sentences linear, not quadratic.
    kept_in: dict[Any, list[Record]] = {}
    for record in order:
        where: Any = record.sentence if grouping is None else (record.sentence, _role_texts(record, grouping))
        same_sentence = kept_in.get(where)
        if same_sentence is None:  # the first record of its sentence (and roles): nothing to lose to
            kept_in[where] = [record]
            kept.append(record)
            continue
        winner = _first_overlapping(same_sentence, record)
        if winner is None:
            kept.append(record)
            same_sentence.append(record)
        else:
            suppressed.append(record.but(suppressed_by=winner))
    return kept, suppressed


def _role_texts(record: Record, grouping: OverlapGrouping) -> tuple[Any, ...]:
    """What records must share to compete under ``per:``: each role's text(s), spaces ignored."""
    roles = sorted(record.args) if grouping == "args" else grouping
    key: list[Any] = []
    for role in roles:
        value = record.args.get(role)
        mentions = value if isinstance(value, tuple) else (value,) if value is not None else ()
        key.append((role, tuple("".join(m.text.split()) for m in mentions)))
    return tuple(key)


def _first_overlapping(winners: list[Record], record: Record) -> Record | None:
    """The first of ``winners`` whose morphemes overlap ``record``'s (an empty span overlaps none)."""
    first, last = record.first, record.last
    if first == last:
        return None
    for winner in winners:
        if winner.first < last and first < winner.last and winner.first != winner.last:
            return winner
    return None
