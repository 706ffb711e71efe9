"""Resolved patterns → programs for the matcher's Pike VM.

A program is a flat tuple of instructions (Thompson's construction, as
Odin's ``Inst.scala`` and RE2 do). Counted repetitions are unrolled, so the
program's size bounds the matcher's work per morpheme.

>>> from koie.lang.ir import RMorph, RSeq, MorphemeCheck
>>> program = compile_pattern(RSeq((RMorph(MorphemeCheck(frozenset({"회장"})), 0),)))
>>> [i.op for i in program.instructions]
['morph', 'match']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from koie.lang.ir import (
    MorphemeCheck,
    RAlt,
    RAnchor,
    RGroup,
    RLexicon,
    RLook,
    RMorph,
    RNode,
    RRepeat,
    RSeq,
    RSet,
    RSlot,
)


@dataclass(frozen=True, slots=True)
class Inst:
    """One instruction. Fields other than ``op`` are used by some ops only."""

    op: str  # morph | slot | lexicon | tail | split | jmp | open | close | set | anchor | look | match
    next: int = -1
    alt: int = -1  # second branch of split
    check: MorphemeCheck | None = None
    labels: frozenset[str] = frozenset()
    name: str | None = None  # capture name, lexicon name, or the attribute a set sets
    capture: str | None = None
    element: int = field(default=-1, compare=False)  # not part of what a program does
    at_end: bool = False
    sub: Program | None = None
    ahead: bool = True
    negative: bool = False
    max_length: int = 0
    #: A consuming instruction inside lazy repetitions: each morpheme it consumes adds this
    #: much (how many lazy repetitions it sits in) to the thread's count of lazily taken morphemes.
    lazy: int = 0
    value: str | None = None  # the value a set gives its attribute


@dataclass(frozen=True, slots=True)
class StartFilter:
    """What the first morpheme a match consumes must be: one of these tests passes there.

    A thread started anywhere else dies at its first consuming instruction, so
    the matcher starts threads only where the filter passes and jumps over the
    positions in between (the same matches, far fewer steps).
    """

    checks: tuple[MorphemeCheck, ...] = ()
    labels: frozenset[str] = frozenset()  # a span with one of these labels starts here
    lexicons: tuple[str, ...] = ()  # an entry of one of these lexicons starts here
    #: A match may also start at the sentence's first position (``^``) or end (``$``), consuming
    #: nothing there: ``(?<= ^ | /SP | /EC)`` tries two places, not every one.
    at_start: bool = False
    at_end: bool = False


@dataclass(frozen=True, slots=True)
class Program:
    instructions: tuple[Inst, ...]
    #: Forms one of which the first consumed morpheme must have (None: anything
    #: may start a match). Lets the matcher skip start positions cheaply.
    first_forms: frozenset[str] | None = None
    #: The general form of ``first_forms`` (None: any position may start a match).
    start: StartFilter | None = None
    #: For each instruction, the instructions reachable from it without
    #: consuming anything, in priority order: (target, capture events on the
    #: way, conditions on the way). The matcher walks these lists instead of
    #: following jumps and splits again at every position.
    closures: tuple[tuple[Path, ...], ...] = ()
    #: Forms a sentence must hold for a match: one of each set (a necessary
    #: condition from the pattern's mandatory literals, so the engine can skip
    #: sentences without running the VM).
    required: tuple[frozenset[str], ...] = ()
    #: The native matcher's form of the program (koie/vm/_vm.pyx), made on first use and kept here,
    #: so it goes with the program; a cache, like MorphemeCheck._compiled (never pickled).
    native: Any = field(default=None, compare=False, repr=False)
    #: Every match at each start position (``matches: all``), not only the leftmost-longest ones
    #: that do not overlap.
    all_matches: bool = False
    #: Some instruction consumes lazily (``*?``, a gap at the end): matches are ranked by the
    #: morphemes taken lazily, fewest first, before their length.
    lazy: bool = False

    def __post_init__(self) -> None:
        if not self.closures and self.instructions:
            object.__setattr__(self, "closures", _closures(self.instructions))
        if not self.lazy and any(inst.lazy for inst in self.instructions):
            object.__setattr__(self, "lazy", True)

    def __len__(self) -> int:
        return len(self.instructions)


#: (target instruction, events on the way, (anchor or look instruction, …)); an event is
#: ("o" or "c", capture name) for a capture group's open and close, ("s", (element, attribute, value)) for a set.
Path = tuple[int, tuple[tuple[str, Any], ...], tuple[int, ...]]

#: Instructions a closure stops at: they consume morphemes, end the match, or
#: (``tail``) decide at run time whether to consume.
_TARGETS = frozenset(("morph", "slot", "lexicon", "tail", "match"))


def _closures(code: tuple[Inst, ...]) -> tuple[tuple[Path, ...], ...]:
    """Every instruction's epsilon closure, as paths in depth-first priority order."""
    out: list[tuple[Path, ...]] = []
    ops = [inst.op for inst in code]
    for origin in range(len(code)):
        if ops[origin] in _TARGETS:  # most instructions: the closure is the instruction itself
            out.append(((origin, (), ()),))
            continue
        paths: list[Path] = []
        # Keyed by the conditions too: a route that bypasses a look-around
        # must survive when the look-around fails at run time.
        seen: set[tuple[int, tuple[int, ...]]] = set()
        stack: list[tuple[int, tuple[tuple[str, Any], ...], tuple[int, ...]]] = [(origin, (), ())]
        while stack:
            pc, events, conditions = stack.pop()
            if (pc, conditions) in seen:
                continue
            seen.add((pc, conditions))
            op = ops[pc]
            if op in _TARGETS:
                paths.append((pc, events, conditions))
                continue
            inst = code[pc]
            if op == "jmp":
                stack.append((inst.next, events, conditions))
            elif op == "split":
                stack.append((inst.alt, events, conditions))
                stack.append((inst.next, events, conditions))
            elif op == "open" or op == "close":
                stack.append((inst.next, events + ((op[0], inst.name or ""),), conditions))
            elif op == "set":
                stack.append((inst.next, events + (("s", (inst.element, inst.name, inst.value)),), conditions))
            else:  # anchor, look: conditions checked at run time (a set: a loop adds none twice)
                stack.append((inst.next, events, conditions if pc in conditions else tuple(sorted(conditions + (pc,)))))
        out.append(tuple(paths))
    return tuple(out)


class _Builder:
    def __init__(self, interned: dict[Program, Program]) -> None:
        self.code: list[Inst] = []
        self.interned = interned
        self.lazy = 0  # lazy repetitions around the node being compiled

    def emit(self, inst: Inst) -> int:
        self.code.append(inst)
        return len(self.code) - 1

    def patch(self, index: int, next: int, alt: int = -1) -> None:
        """Point a split or jmp, emitted before its targets were known, at them."""
        inst = self.code[index]
        assert inst.op in ("split", "jmp"), inst.op  # they carry nothing else: made anew, not replace()d
        self.code[index] = Inst(inst.op, next=next, alt=alt)

    def here(self) -> int:
        return len(self.code)

    def node(self, node: RNode) -> None:
        """Emit code for ``node``; control falls through to the next instruction."""
        if isinstance(node, RMorph):
            self.emit(Inst("morph", next=self.here() + 1, check=node.check, element=node.element, lazy=self.lazy))
        elif isinstance(node, RSlot):
            self.emit(
                Inst(
                    "slot",
                    next=self.here() + 1,
                    labels=node.labels,
                    capture=node.capture,
                    element=node.element,
                    lazy=self.lazy,
                )
            )
        elif isinstance(node, RLexicon):
            self.emit(
                Inst(
                    "lexicon",
                    next=self.here() + 1,
                    name=node.name,
                    capture=node.capture,
                    element=node.element,
                    lazy=self.lazy,
                )
            )
        elif isinstance(node, RSet):
            for key, value in node.pairs:
                self.emit(Inst("set", next=self.here() + 1, name=key, value=value, element=node.element))
        elif isinstance(node, RAnchor):
            self.emit(
                Inst(
                    "anchor", next=self.here() + 1, at_end=node.at_end, element=node.element, name=node.spacing or None
                )
            )
        elif isinstance(node, RLook):
            # one object per distinct look-around body, so results can be shared by identity
            sub = compile_pattern(node.body, self.interned)
            sub = self.interned.setdefault(sub, sub)
            self.emit(
                Inst(
                    "look",
                    next=self.here() + 1,
                    sub=sub,
                    ahead=node.ahead,
                    negative=node.negative,
                    max_length=node.max_length,
                    element=node.element,
                )
            )
        elif isinstance(node, RGroup):
            if node.capture:
                self.emit(Inst("open", next=self.here() + 1, name=node.capture))
            self.node(node.body)
            if node.capture:
                self.emit(Inst("close", next=self.here() + 1, name=node.capture))
        elif isinstance(node, RSeq):
            for item in node.items:
                self.node(item)
        elif isinstance(node, RAlt):
            jumps: list[int] = []
            for index, option in enumerate(node.options):
                if index < len(node.options) - 1:
                    split = self.emit(Inst("split"))
                    self.node(option)
                    jumps.append(self.emit(Inst("jmp")))
                    self.patch(split, next=split + 1, alt=self.here())
                else:
                    self.node(option)
            for jump in jumps:
                self.patch(jump, next=self.here())
        elif isinstance(node, RRepeat) and node.possessive and isinstance(node.body, RMorph) and node.min == 0:
            self.emit(
                Inst(
                    "tail",
                    next=self.here() + 1,
                    check=node.body.check,
                    element=node.body.element,
                    max_length=node.max or 0,
                    lazy=self.lazy,
                )
            )
        elif isinstance(node, RRepeat) and node.lazy:
            self.lazy += 1
            try:
                self.node(RRepeat(node.body, node.min, node.max, node.greedy, node.possessive))
            finally:
                self.lazy -= 1
        elif isinstance(node, RRepeat):
            for _ in range(node.min):
                self.node(node.body)
            if node.max is None:
                loop = self.emit(Inst("split"))
                self.node(node.body)
                self.emit(Inst("jmp", next=loop))
                self._branch(loop, loop + 1, self.here(), node.greedy)
            else:
                splits: list[int] = []
                for _ in range(node.max - node.min):
                    splits.append(self.emit(Inst("split")))
                    self.node(node.body)
                end = self.here()
                for split in splits:
                    self._branch(split, split + 1, end, node.greedy)
        else:  # pragma: no cover - the resolver produces only the nodes above
            raise TypeError(f"cannot compile {node!r}")

    def _branch(self, split: int, body: int, skip: int, greedy: bool) -> None:
        if greedy:
            self.patch(split, next=body, alt=skip)
        else:
            self.patch(split, next=skip, alt=body)


def _first_forms(node: RNode) -> frozenset[str] | None:
    """Forms the first consumed morpheme must have, if the pattern fixes them."""
    if isinstance(node, RMorph):
        check = node.check
        return check.forms if check.forms and not check.negated and check.regex is None else None
    if isinstance(node, (RSlot, RLexicon, RLook, RAnchor, RSet)):
        return None
    if isinstance(node, RGroup):
        return _first_forms(node.body)
    if isinstance(node, RRepeat):
        return _first_forms(node.body) if node.min > 0 else None
    if isinstance(node, RSeq):
        for item in node.items:
            if isinstance(item, RSet):
                continue
            if isinstance(item, (RLook, RAnchor)):
                return None
            return _first_forms(item)
        return None
    forms: set[str] = set()
    for option in node.options:
        sub = _first_forms(option)
        if sub is None:
            return None
        forms |= sub
    return frozenset(forms)


def _start_filter(node: RNode) -> StartFilter | None:
    """The tests one of which the first consumed morpheme passes; None if unknown or if ``node`` may be empty."""
    if isinstance(node, RMorph):
        return StartFilter(checks=(node.check,))
    if isinstance(node, RSlot):
        return StartFilter(labels=node.labels)
    if isinstance(node, RLexicon):
        return StartFilter(lexicons=(node.name,))
    if isinstance(node, RAnchor):
        if node.spacing:  # _ and !_ hold between any two eojeols
            return None
        return StartFilter(at_end=node.at_end, at_start=not node.at_end)
    if isinstance(node, RLook):
        return None
    if isinstance(node, RSet):
        return None  # consumes nothing: in a sequence, the next item's filter counts
    if isinstance(node, RGroup):
        return _start_filter(node.body)
    if isinstance(node, RRepeat):
        return _start_filter(node.body) if node.min > 0 else None
    if isinstance(node, RSeq):
        for item in node.items:
            # Look-arounds and anchors consume nothing: the first consumed
            # morpheme is the next item's (they can only reject more starts).
            if isinstance(item, (RLook, RAnchor, RSet)):
                continue
            return _start_filter(item)
        return None
    checks: list[MorphemeCheck] = []
    labels: set[str] = set()
    lexicons: list[str] = []
    at_start = at_end = False
    for option in node.options:
        sub = _start_filter(option)
        if sub is None:
            return None
        checks.extend(c for c in sub.checks if c not in checks)
        labels |= sub.labels
        lexicons.extend(name for name in sub.lexicons if name not in lexicons)
        at_start = at_start or sub.at_start
        at_end = at_end or sub.at_end
    return StartFilter(tuple(checks), frozenset(labels), tuple(lexicons), at_start, at_end)


def _required(node: RNode) -> list[frozenset[str]]:
    """Sets of forms one of which every match consumes (mandatory literals only).

    >>> from koie.lang.ir import RAlt, RMorph, RSeq, MorphemeCheck
    >>> m = lambda f: RMorph(MorphemeCheck(frozenset({f})), 0)
    >>> [sorted(s) for s in _required(RSeq((m("회장"), RAlt((m("만나"), m("회동"))))))]
    [['회장'], ['만나', '회동']]
    """
    if isinstance(node, RMorph):
        check = node.check
        return [check.forms] if check.forms and not check.negated and not check.same_eojeol else []
    if isinstance(node, RGroup):
        return _required(node.body)
    if isinstance(node, RRepeat):
        return _required(node.body) if node.min > 0 else []
    if isinstance(node, RSeq):
        return [group for item in node.items for group in _required(item)]
    if isinstance(node, RAlt):
        firsts: set[str] = set()
        for option in node.options:
            groups = _required(option)
            if not groups:
                return []
            firsts |= min(groups, key=lambda group: (form_chance(group), len(group)))
        return [frozenset(firsts)]
    if isinstance(node, RLook) and not node.negative:
        return _required(node.body)  # a positive look-around's body matches in the same sentence
    return []  # slots, lexicons, negative look-arounds and anchors require no form


#: The share of news sentences that hold a morpheme of each form, for the forms of grammar that
#: most sentences hold (punctuation, particles, endings, 하, 있, 것, 등 …), measured with Kiwi on
#: business news; any other form counts as :data:`_RARE_FORM`. An alternative's gate is its rarest
#: group (a sentence with 참석 is rarer than one with 의).
_FORM_CHANCES = {
    **dict.fromkeys([".", "하", "다", "었", "이"], 0.55),
    **dict.fromkeys(["을", "ᆫ", "은", "에", "어", "는", "았"], 0.4),
    **dict.fromkeys(["를", "의", "고", ",", "과", "에서", "일"], 0.25),
    **dict.fromkeys(["으로", "되", "가", "있", "(", ")", "등", "ᆯ", "로", "와", "ᆫ다", "것", "도", "들"], 0.13),
    **dict.fromkeys(['"', "며", "적", "기", "습니다", "지", "한", "게", "월", "년", "다고", "였", "아", "면"], 0.06),
}
_RARE_FORM = 0.01


def form_chance(forms: Iterable[str]) -> float:
    """A rough share of sentences holding one of ``forms`` (lower: a better gate).

    >>> form_chance({"의"}) > form_chance({"참석", "자리", "함께"})
    True
    """
    return sum(_FORM_CHANCES.get(form, _RARE_FORM) for form in forms)


def compile_pattern(node: RNode, interned: dict[Program, Program] | None = None, all_matches: bool = False) -> Program:
    """Compile one resolved pattern into a :class:`Program`.

    ``interned`` holds the look-around bodies compiled so far, one object per
    distinct body: the patterns compiled with the same dict (a pack's) share a
    body's look-around results in every sentence. It lives as long as the
    caller keeps it; without one, the pattern's own bodies are shared.
    ``all_matches``: the matcher finds a match at every start position (``matches: all``).
    """
    builder = _Builder({} if interned is None else interned)
    builder.node(node)
    builder.emit(Inst("match"))
    required = tuple(dict.fromkeys(_required(node)))
    return Program(
        tuple(builder.code), _first_forms(node), _start_filter(node), required=required, all_matches=all_matches
    )
