"""The matcher: a Pike VM over one sentence's morphemes.

Threads advance in lock step over morpheme positions; at each position at
most one thread per instruction survives (the one that started earliest), so
the work per position is bounded by the program's size, and a slot or
lexicon entry simply schedules its thread at the position where the span
ends. Matches are leftmost-longest and do not overlap within one rule, the
semantics of Stanford TokensRegex's ``find`` and of POSIX regexes.

The matcher knows nothing of YAML, Kiwi or records: it reads morphemes, the
spans found by earlier rules (by label) and lexicons, and returns
:class:`RawMatch` values with the element that consumed each morpheme.

>>> from koie.analysis.morphemes import parse_notation
>>> from koie.lang.ir import RMorph, RSeq, MorphemeCheck
>>> from koie.lang.compile import compile_pattern
>>> doc = parse_notation("최/NNP 회장/NNG+이/JKS")
>>> program = compile_pattern(RSeq((RMorph(MorphemeCheck(frozenset({"회장"})), 0),
...                                 RMorph(MorphemeCheck(frozenset({"이", "가"})), 1))))
>>> [(m.start, m.end) for m in find_matches(program, MatchInput(doc.sentences[0].morphemes, doc.text))]
[(1, 3)]
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from koie import native
from koie.analysis.morphemes import Morpheme
from koie.lang.compile import Inst, Program, StartFilter
from koie.vm import limits

#: A thread's history: a cons list of events, shared between threads.
Trail = tuple[Any, "Trail"] | None


#: The native VM (koie/vm/_vm.pyx), or None: find_matches uses it for every search without a "why not"
#: Progress. tests/test_match_shipped_packs.py holds the two to the same matches and misses on every
#: shipped pack, so a "why not" made by this module describes what the native VM did.
_native: Any = native.load("koie.vm._vm")


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """A span found by an earlier rule, in morpheme positions of the sentence."""

    start: int
    end: int
    label: str
    ref: Any = None


@dataclass(slots=True)
class MatchInput:
    """What a sentence offers the matcher."""

    morphemes: Sequence[Morpheme]
    text: str
    spans: Sequence[EntitySpan] = ()
    lexicons: Mapping[str, Any] = field(default_factory=dict)
    _by_start: dict[int, list[EntitySpan]] | None = None
    _lexicon_cache: dict[tuple[str, int], tuple[int, ...]] = field(init=False)  # the index's
    _forms: frozenset[str] | None = None
    steps: int = 0
    #: The document's deadline (koie.vm.limits), read when the input is made.
    deadline: float | None = field(default_factory=limits.current_deadline)
    _next_check: int = limits.CHECK_EVERY
    _step_limit: int = 1 << 62
    #: Per-sentence indexes shared by every rule run over this sentence (the engine passes one).
    index: SentenceIndex | None = None
    #: Look-around results by (body, direction, reach, position), from the shared index.
    _looks: dict[tuple[int, bool, int, int], bool] = field(init=False)  # the index's
    #: The native matcher's state for this input (koie.vm._runtime.Run), reused by every rule that shares it.
    native_run: Any = None

    def __post_init__(self) -> None:
        if self.index is None:
            self.index = SentenceIndex(self.morphemes)
        self._lexicon_cache = self.index.lexicon_cache
        self._looks = self.index.looks

    def check_limits(self) -> None:
        """Every CHECK_EVERY steps: stop a runaway rule (step budget) or document (deadline)."""
        if self.steps > self._step_limit:
            raise limits.DocumentTimeout(
                f"a rule needs more than {self._step_limit:,} matcher steps on one sentence of "
                f"{len(self.morphemes)} morphemes (see koie.vm.limits: a pattern that rescans after each match)"
            )
        limits.check_deadline(self.deadline)
        self._next_check = self.steps + limits.CHECK_EVERY

    def spans_at(self, index: int) -> list[EntitySpan]:
        if self._by_start is None:
            by_start: dict[int, list[EntitySpan]] = {}
            for span in self.spans:
                by_start.setdefault(span.start, []).append(span)
            self._by_start = by_start
        return self._by_start.get(index, [])

    @property
    def forms(self) -> frozenset[str]:
        if self._forms is None:
            assert self.index is not None
            self._forms = self.index.forms()
        return self._forms

    def lexicon_ends(self, name: str, index: int) -> tuple[int, ...]:
        """Positions where an entry of lexicon ``name`` starting at ``index`` ends.

        Entries match the surface text (spaces ignored, case-folded), and only
        at morpheme boundaries, so they do not depend on how Kiwi split a name.
        """
        key = (name, index)
        cached = self._lexicon_cache.get(key)
        if cached is not None:
            return cached
        lexicon = self.lexicons.get(name)
        ends: list[int] = []
        if lexicon is not None and index < len(self.morphemes):
            morphemes = self.morphemes
            start_char = morphemes[index].start
            end_char = start_char
            for j in range(index, len(morphemes)):
                end_char = max(end_char, morphemes[j].end)
                surface = "".join(self.text[start_char:end_char].split()).casefold()
                if surface and surface not in lexicon.prefixes:
                    break
                boundary = j + 1 == len(morphemes) or morphemes[j + 1].start >= end_char
                if boundary and surface in lexicon.entries:
                    ends.append(j + 1)
                if len(surface) >= lexicon.longest:
                    break
        result = tuple(ends)
        self._lexicon_cache[key] = result
        return result


class SentenceIndex:
    """Where each form and tag occurs in a sentence, and the lexicon entries found so far.

    Built once per sentence and shared by every rule, so finding a rule's
    possible start positions costs a few dictionary lookups, not a scan.
    """

    __slots__ = ("_by_form", "_by_tag", "_forms", "lexicon_cache", "looks", "morphemes", "native")

    def __init__(self, morphemes: Sequence[Morpheme], forms: frozenset[str] | None = None) -> None:
        self.morphemes = morphemes
        self._by_form: dict[str, list[int]] | None = None
        self._by_tag: dict[str, list[int]] | None = None
        self._forms = forms  # every form in the sentence, when the caller already has them
        self.lexicon_cache: dict[tuple[str, int], tuple[int, ...]] = {}
        #: Look-around results, shared by every rule: identical look-around
        #: bodies (a macro used by many rules) compile to one interned program.
        self.looks: dict[tuple[int, bool, int, int], bool] = {}
        #: The native matcher's view of the sentence (koie.vm._runtime.NativeSentence), made on first use.
        self.native: Any = None

    def _build(self) -> None:
        by_form: dict[str, list[int]] = {}
        by_tag: dict[str, list[int]] = {}
        for position, morpheme in enumerate(self.morphemes):
            by_form.setdefault(morpheme.form, []).append(position)
            by_tag.setdefault(morpheme.tag, []).append(position)
        self._by_form = by_form
        self._by_tag = by_tag

    def forms(self) -> frozenset[str]:
        """Every form in the sentence (built once, shared by every rule)."""
        if self._forms is None:
            self._forms = frozenset([morpheme.form for morpheme in self.morphemes])
        return self._forms

    def by_form(self) -> dict[str, list[int]]:
        if self._by_form is None:
            self._build()
        assert self._by_form is not None
        return self._by_form

    def by_tag(self) -> dict[str, list[int]]:
        if self._by_tag is None:
            self._build()
        assert self._by_tag is not None
        return self._by_tag


def start_positions(start: StartFilter, sentence: MatchInput) -> list[int]:
    """Positions where the first consuming element of a program can succeed, in order."""
    morphemes = sentence.morphemes
    index = sentence.index
    assert index is not None
    positions: set[int] = set()
    for check in start.checks:
        simple = not check.negated and check.regex is None and not check.same_eojeol
        if simple and check.forms:
            by_form = index.by_form()
            for form in check.forms:
                for position in by_form.get(form, ()):
                    if check.accepts(morphemes, position):
                        positions.add(position)
        elif simple and check.tags:
            by_tag = index.by_tag()
            for tag in check.tags:
                positions.update(by_tag.get(tag, ()))
        else:
            positions.update(p for p in range(len(morphemes)) if check.accepts(morphemes, p))
    if start.labels:
        positions.update(span.start for span in sentence.spans if span.label in start.labels and span.end > span.start)
    if start.at_start:
        positions.add(0)
    if start.at_end:
        positions.add(len(morphemes))
    for name in start.lexicons:
        lexicon = sentence.lexicons.get(name)
        if lexicon is None:
            continue
        text = sentence.text
        for position, morpheme in enumerate(morphemes):
            if position in positions:
                continue
            # An entry's surface starts with this morpheme's first character:
            # skip the morpheme unless that character begins some entry.
            if (
                morpheme.end > morpheme.start
                and not text[morpheme.start].isspace()
                and text[morpheme.start].casefold() not in lexicon.prefixes
            ):
                continue
            if sentence.lexicon_ends(name, position):
                positions.add(position)
    return sorted(positions)


def may_start(start: StartFilter, sentence: MatchInput, origin: int) -> bool:
    """Whether ``origin`` is one of :func:`start_positions` (the same answer, for one place)."""
    morphemes = sentence.morphemes
    inside = origin < len(morphemes)
    if (start.at_start and origin == 0) or (start.at_end and origin == len(morphemes)):
        return True
    if inside and any(check.accepts(morphemes, origin) for check in start.checks):
        return True
    if start.labels and any(span.label in start.labels and span.end > span.start for span in sentence.spans_at(origin)):
        return True
    return inside and any(
        name in sentence.lexicons and bool(sentence.lexicon_ends(name, origin)) for name in start.lexicons
    )


@dataclass(frozen=True, slots=True)
class Step:
    """Element ``element`` consumed morphemes ``start``..``end`` (exclusive)."""

    element: int
    start: int
    end: int
    filler: Any = None


@dataclass(frozen=True, slots=True)
class RawMatch:
    start: int
    end: int
    steps: tuple[Step, ...]
    captures: dict[str, list[tuple[int, int, Any]]]
    #: The attribute sets ``{key=value}`` the match passed, in order: (element, key, value).
    sets: tuple[tuple[int, str, str], ...] = ()


@dataclass(slots=True)
class Progress:
    """How far a rule got, for "why not" explanations.

    The matcher notes every attempt that failed after consuming something: a
    consuming element that did not accept the morpheme where it was due, or a
    condition (look-around, anchor) that did not hold there. The report
    follows the attempts that got deepest into the pattern (the most elements
    matched, then the most steps: one more /NNP of /NNP+ is progress, a gap's
    morphemes are not) and, among them, the earliest place where one failed
    (where the next element was due: a gap could go on swallowing words after
    it). Only failures count: a thread still inside a literal (투자 of 투자하
    taken, 하 to come) has not failed, so it is not blamed for the element it
    was in the middle of.
    """

    #: Where the best attempt started, and the position where it failed (-1: none consumed anything).
    start: int = -1
    furthest: int = -1
    #: Element ids that failed at ``furthest`` for the best attempts (optional continuations left out
    #: when something else failed there too).
    expected: set[int] = field(default_factory=set)
    #: How many pattern elements the best attempt had matched: attempts are
    #: ranked by this first, so the report follows the attempt that got
    #: furthest into the pattern, not merely into the sentence.
    elements: int = -1
    #: Elements that do not count as progress (gaps and '.': they match anything).
    ignore: frozenset[int] = frozenset()
    #: Elements whose morphemes in a row are one step (literals: 투자 하 and their endings).
    runs: frozenset[int] = frozenset()
    #: The best attempt's (elements, steps) (see :func:`_depth`).
    depth: tuple[int, int] = (-1, -1)
    #: The element the best attempt consumed last.
    last: int = -1
    #: Conditions (look-arounds, anchors) that stopped an attempt before it
    #: consumed anything: element id -> the first position where one did. With
    #: no progress at all, they say why ("the condition failed there"), where
    #: the first written element would not.
    stopped: dict[int, int] = field(default_factory=dict)
    #: (start, position) of every failure of an attempt that matched as many elements as the best
    #: one: after a gap, the same attempt tries its next element at several places.
    tried: set[tuple[int, int]] = field(default_factory=set)
    #: Elements of ``expected`` that some attempt needed as a new element, not only to continue what
    #: it had matched last (one more ending, one more /NNP of /NNP+).
    news: set[int] = field(default_factory=set)


def find_matches(program: Program, sentence: MatchInput, progress: Progress | None = None) -> list[RawMatch]:
    """Every leftmost-longest, non-overlapping match of ``program`` in the sentence.

    With ``program.all_matches`` (``matches: all``), the best match at every
    start position instead: matches may overlap. Work is bounded: see
    :mod:`koie.vm.limits` for the step budget and the deadline.
    """
    limits.check_deadline(sentence.deadline)
    sentence._step_limit = sentence.steps + limits.step_budget(len(program.instructions), len(sentence.morphemes))
    if program.first_forms is not None and progress is None and program.first_forms.isdisjoint(sentence.forms):
        return []
    if progress is None and _native is not None:
        result: list[RawMatch] = _native.find_all(program, sentence)
        return result
    starts: list[int] | None = None
    if program.start is not None:
        starts = start_positions(program.start, sentence)
        if not starts:
            return []
    matches: list[RawMatch] = []
    position = 0
    count = len(sentence.morphemes)
    while position <= count:
        found = _search(program, sentence, position, anchored=False, must_end=None, progress=progress, starts=starts)
        if found is None:
            break
        matches.append(found)
        position = found.end if found.end > found.start and not program.all_matches else found.start + 1
    return matches


def find_matches_in(program: Program, inputs: Sequence[MatchInput]) -> list[list[RawMatch]]:
    """:func:`find_matches` for each input (no "why not"): one native call for them all where it is built.

    The engine runs a rule over every candidate sentence this way: the
    per-sentence call of a Python function was a tenth of matching time.
    """
    if _native is not None:
        found: list[list[RawMatch]] = _native.find_all_many(program, list(inputs), limits)
        return found
    return [find_matches(program, sentence) for sentence in inputs]


def _search(
    program: Program,
    sentence: MatchInput,
    origin: int,
    anchored: bool,
    must_end: int | None,
    progress: Progress | None,
    starts: list[int] | None = None,
) -> RawMatch | None:
    code = program.instructions
    morphemes = sentence.morphemes
    count = len(morphemes)
    first_forms = program.first_forms
    # A thread is (instruction, start, trail, morphemes it took lazily); the best match so far is
    # (start, end, trail, morphemes taken lazily). Lazy counts are 0 but in lazy programs.
    pending: dict[int, list[tuple[int, int, Trail, int]]] = {}
    best: tuple[int, int, Trail, int] | None = None
    position = origin
    # With ``starts`` (unanchored only), threads start at those positions
    # alone: a thread started elsewhere would die at its first consuming
    # instruction without reaching a match or a "why not" note.
    next_start = bisect_left(starts, origin) if starts is not None else 0
    while position <= count:
        if sentence.steps >= sentence._next_check:
            sentence.check_limits()
        threads = pending.pop(position, [])
        if best is None and (not anchored or position == origin):
            if starts is not None:
                while next_start < len(starts) and starts[next_start] < position:
                    next_start += 1
                if next_start < len(starts) and starts[next_start] == position:
                    threads.append((0, position, None, 0))
            elif first_forms is None or (position < count and morphemes[position].form in first_forms):
                threads.append((0, position, None, 0))
        if not threads:
            if anchored or best is not None:
                if not pending:
                    break
                position = min(pending)
                continue
            if starts is not None:
                upcoming = starts[next_start] if next_start < len(starts) else count + 1
                if pending:
                    upcoming = min(upcoming, min(pending))
                position = upcoming
                continue
            position += 1
            continue
        # Earlier starts first, and among equals fewer morphemes taken lazily (insertion order among equals):
        # the first thread to claim an instruction here is the best one to go on from it.
        threads.sort(key=lambda thread: (thread[1], thread[3]))
        seen: set[int] = set()
        runnable: list[tuple[int, int, Trail, int]] = []
        blocked: list[tuple[int, int, Trail, int]] = []  # threads stopped by a look-around or anchor
        for pc, start, trail, lazy in threads:
            if best is not None and _worse(start, lazy, best):
                continue
            best = _closure(
                program,
                pc,
                start,
                trail,
                position,
                sentence,
                seen,
                runnable,
                best,
                must_end,
                blocked if progress is not None else None,
                lazy,
            )
        if progress is not None and (runnable or blocked):
            _note_progress(progress, code, [t[:3] for t in runnable], [t[:3] for t in blocked], position, sentence)
            blocked.clear()
        for pc, start, trail, lazy in runnable:
            if best is not None and _worse(start, lazy, best):
                continue
            inst = code[pc]
            sentence.steps += 1
            if inst.op == "morph":
                assert inst.check is not None
                if position < count and inst.check.accepts(morphemes, position):
                    event: tuple[Any, ...] = ("m", inst.element, position, position + 1, None, None)
                    pending.setdefault(position + 1, []).append((inst.next, start, (event, trail), lazy + inst.lazy))
            elif inst.op == "slot":
                for span in sentence.spans_at(position):
                    if span.label in inst.labels and span.end > position:
                        event = ("m", inst.element, position, span.end, span.ref, inst.capture)
                        taken = lazy + inst.lazy * (span.end - position)
                        pending.setdefault(span.end, []).append((inst.next, start, (event, trail), taken))
            elif inst.op == "tail":
                assert inst.check is not None
                end = position
                limit = min(count, position + (inst.max_length or count))
                while end < limit and inst.check.accepts(morphemes, end):
                    end += 1
                event = ("m", inst.element, position, end, None, None)
                taken = lazy + inst.lazy * (end - position)
                pending.setdefault(end, []).append((inst.next, start, (event, trail), taken))
            elif inst.op == "lexicon":
                assert inst.name is not None
                for end in sentence.lexicon_ends(inst.name, position):
                    event = ("m", inst.element, position, end, None, inst.capture)
                    taken = lazy + inst.lazy * (end - position)
                    pending.setdefault(end, []).append((inst.next, start, (event, trail), taken))
        if best is not None and all(_worse(t[1], t[3], best) for ts in pending.values() for t in ts):
            break
        position += 1
    if best is None:
        return None
    return _build(best)


def _worse(start: int, lazy: int, best: tuple[int, int, Trail, int]) -> bool:
    """Whether a thread can no longer beat ``best``: it started later, or as early but took more lazily.

    Lazy counts only grow, and a match is ranked by (start, lazy count, -end).
    """
    return start > best[0] or (start == best[0] and lazy > best[3])


def _closure(
    program: Program,
    pc: int,
    start: int,
    trail: Trail,
    position: int,
    sentence: MatchInput,
    seen: set[int],
    runnable: list[tuple[int, int, Trail, int]],
    best: tuple[int, int, Trail, int] | None,
    must_end: int | None,
    blocked: list[tuple[int, int, Trail, int]] | None = None,
    lazy: int = 0,
) -> tuple[int, int, Trail, int] | None:
    """Follow the precomputed non-consuming paths from ``pc``, in priority order.

    ``seen`` holds the targets already claimed at this position by threads of
    higher priority (Pike's rule: one thread per instruction and position).
    ``lazy``: the morphemes the thread has taken lazily.
    """
    code = program.instructions
    morphemes = sentence.morphemes
    for target, events, conditions in program.closures[pc]:
        if target in seen:
            continue
        failed = -1
        for condition in conditions:
            inst = code[condition]
            holds = (
                _anchor_holds(inst, morphemes, position)
                if inst.op == "anchor"
                else _look(inst, sentence, position) != inst.negative
            )
            if not holds:
                failed = condition
                break
        if failed >= 0:
            if blocked is not None:
                blocked.append((failed, start, trail, lazy))
            continue
        seen.add(target)
        path_trail = trail
        for kind, name in events:
            path_trail = ((kind, name, position), path_trail)
        inst = code[target]
        op = inst.op
        if op == "match":
            if must_end is not None and position != must_end:
                continue
            if (
                best is None
                or start < best[0]
                or (start == best[0] and (lazy < best[3] or (lazy == best[3] and position > best[1])))
            ):
                best = (start, position, path_trail, lazy)
        elif op == "tail":
            # A possessive run of endings: with none here, go straight on.
            assert inst.check is not None
            if position < len(morphemes) and inst.check.accepts(morphemes, position):
                runnable.append((target, start, path_trail, lazy))
            else:
                best = _closure(
                    program,
                    inst.next,
                    start,
                    path_trail,
                    position,
                    sentence,
                    seen,
                    runnable,
                    best,
                    must_end,
                    blocked,
                    lazy,
                )
        else:
            runnable.append((target, start, path_trail, lazy))
    return best


def _anchor_holds(inst: Inst, morphemes: Sequence[Morpheme], position: int) -> bool:
    """^ and $ at the sentence's ends; _ between eojeols; !_ inside one."""
    count = len(morphemes)
    if inst.name is None:
        return position == count if inst.at_end else position == 0
    between = position == 0 or position == count or morphemes[position - 1].eojeol != morphemes[position].eojeol
    return between if inst.name == "space" else not between


def _look(inst: Inst, sentence: MatchInput, position: int) -> bool:
    """Whether the look-around's body matches at ``position`` (ahead) or ends there (behind)."""
    # A body's result depends only on the sentence, the position and the spans
    # of its slot labels, which are settled (and the same for every rule)
    # before any rule that uses them runs.
    key = (id(inst.sub), inst.ahead, inst.max_length, position)
    known = sentence._looks.get(key)
    if known is None:
        known = sentence._looks[key] = _look_uncached(inst, sentence, position)
    return known


def _look_uncached(inst: Inst, sentence: MatchInput, position: int) -> bool:
    body = inst.sub
    assert body is not None
    # A body with a start filter is searched only where its first consuming element can
    # succeed: a look-behind of reach 21 tried 21 searches at every place it was asked about,
    # and for a slot-led body ([PERSON] ...) nearly all of them died at their first step.
    start = body.start
    if inst.ahead:
        if start is not None and not may_start(start, sentence, position):
            return False
        return _search(body, sentence, position, anchored=True, must_end=None, progress=None) is not None
    for origin in range(position, max(-1, position - inst.max_length - 1), -1):
        if start is not None and not may_start(start, sentence, origin):
            continue
        if _search(body, sentence, origin, anchored=True, must_end=position, progress=None) is not None:
            return True
    return False


def _note_progress(
    progress: Progress,
    code: tuple[Inst, ...],
    runnable: list[tuple[int, int, Trail]],
    blocked: list[tuple[int, int, Trail]],
    position: int,
    sentence: MatchInput,
) -> None:
    """Note the attempts that fail at ``position``: ``blocked`` by a condition, or ``runnable`` ones whose
    element does not take the morpheme there (the same test the matcher runs next)."""
    for pc, start, trail in blocked:
        _note_failure(progress, code, pc, start, trail, position)
    for pc, start, trail in runnable:
        if _fails(code[pc], sentence, position):
            _note_failure(progress, code, pc, start, trail, position)


def _fails(inst: Inst, sentence: MatchInput, position: int) -> bool:
    """Whether the consuming instruction ``inst`` takes nothing at ``position``."""
    morphemes = sentence.morphemes
    if inst.op in ("morph", "tail"):
        assert inst.check is not None
        return position >= len(morphemes) or not inst.check.accepts(morphemes, position)
    if inst.op == "slot":
        return not any(s.label in inst.labels and s.end > position for s in sentence.spans_at(position))
    if inst.op == "lexicon":
        assert inst.name is not None
        return not sentence.lexicon_ends(inst.name, position)
    return True  # an instruction this note does not know: report it as what was due


def _note_failure(progress: Progress, code: tuple[Inst, ...], pc: int, start: int, trail: Trail, position: int) -> None:
    element = code[pc].element
    if position == start:  # a thread that has consumed nothing has got nowhere
        if code[pc].op in ("look", "anchor"):  # but a condition stopped it here
            progress.stopped.setdefault(element, position)
        return
    depth = _depth(trail, progress.ignore, progress.runs)
    # The deepest attempt first; among equals the earliest place, where the next
    # real element was due (a gap could go on swallowing words after it).
    rank = (depth, -position, -start)
    best = (progress.depth, -progress.furthest, -progress.start)
    if depth > progress.depth:
        progress.tried = set()
    if depth >= progress.depth:
        progress.tried.add((start, position))
    if rank < best:
        return
    last = _last_element(trail)
    if rank > best:
        progress.depth, progress.furthest, progress.start = depth, position, start
        progress.elements = depth[0]
        progress.expected, progress.news = set(), set()
        progress.last = last
    progress.expected.add(element)
    if element != last:
        progress.news.add(element)


def blamed(progress: Progress) -> list[int]:
    """The elements a "why not" names: what failed where the best attempt stopped; continuations of what it
    had matched (one more ending) and gaps only when nothing else failed there."""
    return sorted(progress.news - progress.ignore) or sorted(progress.news) or sorted(progress.expected)


def _last_element(trail: Trail) -> int:
    while trail is not None:
        event, trail = trail
        if event[0] == "m":
            return int(event[1])
    return -1


def _depth(trail: Trail, ignore: frozenset[int], runs: frozenset[int]) -> tuple[int, int]:
    """How far into the pattern an attempt got: the elements it matched, then its steps.

    A step is one morpheme or span an element took; a literal's morphemes in a
    row (투자 하 and the endings after them) are one step, while each /NNP of
    /NNP+ is one. Gaps and '.' (``ignore``) count for nothing.
    """
    elements: set[int] = set()
    steps = 0
    after = -1  # the element of the event after this one (the trail runs backwards)
    while trail is not None:
        event, trail = trail
        if event[0] == "m" and event[1] not in ignore:
            elements.add(event[1])
            if not (event[1] == after and event[1] in runs):
                steps += 1
            after = event[1]
        elif event[0] == "m":
            after = -1
    return len(elements), steps


def _build(best: tuple[int, int, Trail, int]) -> RawMatch:
    start, end, trail, _lazy = best
    events: list[Any] = []
    while trail is not None:
        event, trail = trail
        events.append(event)
    events.reverse()
    steps: list[Step] = []
    captures: dict[str, list[tuple[int, int, Any]]] = {}
    open_groups: dict[str, list[int]] = {}
    sets: list[tuple[int, str, str]] = []
    for event in events:
        kind = event[0]
        if kind == "m":
            _, element, first, last, filler, capture = event
            previous = steps[-1] if steps else None
            if (
                previous
                and previous.element == element
                and previous.end == first
                and filler is None
                and previous.filler is None
                and capture is None
            ):
                steps[-1] = Step(element, previous.start, last, None)
            else:
                steps.append(Step(element, first, last, filler))
            if capture is not None:
                captures.setdefault(capture, []).append((first, last, filler))
        elif kind == "o":
            open_groups.setdefault(event[1], []).append(event[2])
        elif kind == "c":
            opened = open_groups.get(event[1], [])
            begin = opened.pop() if opened else event[2]
            if event[2] > begin:
                captures.setdefault(event[1], []).append((begin, event[2], None))
        elif kind == "s":
            sets.append(event[1])
    return RawMatch(start, end, tuple(steps), captures, tuple(sets))
