"""The resolved pattern: names checked, literals analysed, macros expanded.

This is what the compiler reads. Each leaf points at an :class:`Element`, the
piece of pattern text the rule writer wrote, so a match can say which element
matched which morphemes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from koie.analysis.morphemes import Morpheme
from koie.lang.regexes import BoundedRegex

#: Allomorphs a literal particle stands for: the form after a vowel and after
#: a consonant, and Kiwi's contracted coda forms (나+ᆯ = 날).
ALLOMORPH_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        ("이", "가"),
        ("은", "는", "ᆫ"),
        ("을", "를", "ᆯ"),
        ("와", "과"),
        ("으로", "로"),
        ("이나", "나"),
        ("이랑", "랑"),
        ("아", "야"),
        ("이여", "여"),
        ("으로서", "로서"),
        ("으로써", "로써"),
        ("으로부터", "로부터"),
        ("이며", "며"),
        ("이란", "란"),
        ("이든", "든"),
        ("이라도", "라도"),
        ("이든지", "든지"),
        ("이나마", "나마"),
        ("이야말로", "야말로"),
        ("이라고", "라고"),
    )
)

#: Kiwi's tag set (Sejong-based, with its web and special tags).
KNOWN_TAGS: frozenset[str] = frozenset(
    [
        "NNG",
        "NNP",
        "NNB",
        "NR",
        "NP",
        "VV",
        "VA",
        "VX",
        "VCP",
        "VCN",
        "MM",
        "MAG",
        "MAJ",
        "IC",
        "JKS",
        "JKC",
        "JKG",
        "JKO",
        "JKB",
        "JKV",
        "JKQ",
        "JX",
        "JC",
        "EP",
        "EF",
        "EC",
        "ETN",
        "ETM",
        "XPN",
        "XSN",
        "XSV",
        "XSA",
        "XSM",
        "XR",
        "SF",
        "SP",
        "SS",
        "SSO",
        "SSC",
        "SE",
        "SO",
        "SW",
        "SL",
        "SH",
        "SN",
        "SB",
        "UN",
        "W_URL",
        "W_EMAIL",
        "W_HASHTAG",
        "W_MENTION",
        "W_SERIAL",
        "W_EMOJI",
        "Z_CODA",
        "Z_SIOT",
        "USER0",
        "USER1",
        "USER2",
        "USER3",
        "USER4",
    ]
)

ENDING_TAGS = frozenset(("EP", "EF", "EC", "ETM", "ETN"))
STEM_TAGS = frozenset(("VV", "VA", "VX", "XSV", "XSA"))


def allomorphs(form: str) -> frozenset[str]:
    """All forms a literal particle matches.

    >>> sorted(allomorphs("와"))
    ['과', '와']
    """
    for group in ALLOMORPH_SETS:
        if form in group:
            return group
    return frozenset((form,))


def expand_tag_pattern(pattern: str) -> frozenset[str]:
    """``N*`` → every tag starting with N; a plain tag stands for itself.

    >>> sorted(expand_tag_pattern("J*"))[:3]
    ['JC', 'JKB', 'JKC']
    """
    if pattern.endswith("*"):
        prefix = pattern[:-1]
        return frozenset(t for t in KNOWN_TAGS if t.startswith(prefix))
    return frozenset((pattern,))


@dataclass(frozen=True, slots=True)
class MorphemeCheck:
    """A test on one morpheme. ``forms``/``tags`` empty mean "any"."""

    forms: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    regex: str | None = None
    negated: bool = False
    #: Only morphemes in the same eojeol as the one before (inflection tails).
    same_eojeol: bool = False
    description: str = "."
    #: The regex, compiled with a time bound (koie.lang.regexes); both matchers call its ``search``.
    _compiled: BoundedRegex | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.regex is not None and self._compiled is None:
            object.__setattr__(self, "_compiled", BoundedRegex(self.regex))

    def accepts(self, morphemes: Sequence[Morpheme], index: int) -> bool:
        morpheme = morphemes[index]
        ok = True
        if (self.forms and morpheme.form not in self.forms) or (self.tags and morpheme.tag not in self.tags):
            ok = False
        elif self._compiled is not None:
            ok = self._compiled.search(morpheme.form) is not None
        if ok and self.same_eojeol:
            ok = index > 0 and morphemes[index - 1].eojeol == morpheme.eojeol
        return ok != self.negated


@dataclass(frozen=True, slots=True)
class Element:
    """A piece of pattern text as written, for explanations and "why not"."""

    id: int
    kind: str
    text: str
    where: str
    analysis: str = ""


@dataclass(frozen=True, slots=True)
class RMorph:
    check: MorphemeCheck
    element: int


@dataclass(frozen=True, slots=True)
class RSlot:
    labels: frozenset[str]
    capture: str | None
    element: int


@dataclass(frozen=True, slots=True)
class RLexicon:
    name: str
    capture: str | None
    element: int


@dataclass(frozen=True, slots=True)
class RGroup:
    body: RNode
    capture: str | None


@dataclass(frozen=True, slots=True)
class RLook:
    body: RNode
    ahead: bool
    negative: bool
    max_length: int
    element: int


@dataclass(frozen=True, slots=True)
class RAnchor:
    at_end: bool
    element: int
    spacing: str = ""  # "space" (_), "join" (!_) or "" (^ and $)


@dataclass(frozen=True, slots=True)
class RRepeat:
    body: RNode
    min: int
    max: int | None
    greedy: bool = True
    #: Take every repetition there is, never fewer (used for inflection tails
    #: before a look-ahead, so ``만나 (?! 예정)`` cannot stop short of 만날).
    possessive: bool = False
    #: Lazy (``x*?``, a gap at the end of a pattern): among the matches that start
    #: leftmost, the matcher keeps those whose lazy elements consume the fewest
    #: morphemes, and of those the longest.
    lazy: bool = False
    #: A gap (``~N``, ``~Nw``): lazy when nothing but optional elements follows it.
    gap: bool = False


@dataclass(frozen=True, slots=True)
class RSet:
    """``{key=value, …}``: attributes the record takes when its match passes here."""

    pairs: tuple[tuple[str, str], ...]
    element: int


@dataclass(frozen=True, slots=True)
class RSeq:
    items: tuple[RNode, ...]


@dataclass(frozen=True, slots=True)
class RAlt:
    options: tuple[RNode, ...]


RNode = RMorph | RSlot | RLexicon | RGroup | RLook | RAnchor | RSet | RRepeat | RSeq | RAlt


def rchildren(node: RNode) -> tuple[RNode, ...]:
    if isinstance(node, RSeq):
        return node.items
    if isinstance(node, RAlt):
        return node.options
    if isinstance(node, (RGroup, RLook, RRepeat)):
        return (node.body,)
    return ()


def nullable(node: RNode) -> bool:
    """Whether the node can match without consuming a morpheme."""
    if isinstance(node, (RMorph, RSlot, RLexicon)):
        return False
    if isinstance(node, (RLook, RAnchor, RSet)):
        return True
    if isinstance(node, RGroup):
        return nullable(node.body)
    if isinstance(node, RRepeat):
        return node.min == 0 or nullable(node.body)
    if isinstance(node, RSeq):
        return all(nullable(item) for item in node.items)
    return any(nullable(option) for option in node.options)


def max_length(node: RNode, slot_width: int = 16, lexicon_widths: Mapping[str, int] | None = None) -> int | None:
    """Most morphemes the node can consume (None: unbounded). Slots and lexicon
    entries count as ``slot_width`` morphemes, a bound they may exceed; the
    matcher checks the actual spans, this only bounds look-behind search.
    ``lexicon_widths`` gives some lexicons a width of their own (their longest entry).

    >>> entry = RLexicon("ROLE", None, 0)
    >>> max_length(RSeq((entry, entry))), max_length(RSeq((entry, entry)), lexicon_widths={"ROLE": 2})
    (32, 4)
    """
    if isinstance(node, RMorph):
        return 1
    if isinstance(node, RLexicon) and lexicon_widths is not None and node.name in lexicon_widths:
        return lexicon_widths[node.name]
    if isinstance(node, (RSlot, RLexicon)):
        return slot_width
    if isinstance(node, (RLook, RAnchor, RSet)):
        return 0
    if isinstance(node, RGroup):
        return max_length(node.body, slot_width, lexicon_widths)
    if isinstance(node, RRepeat):
        inner = max_length(node.body, slot_width, lexicon_widths)
        if node.max is None or inner is None:
            return None if inner != 0 else 0
        return inner * node.max
    if isinstance(node, RSeq):
        total = 0
        for item in node.items:
            size = max_length(item, slot_width, lexicon_widths)
            if size is None:
                return None
            total += size
        return total
    sizes = [max_length(option, slot_width, lexicon_widths) for option in node.options]
    return None if any(s is None for s in sizes) else max(s for s in sizes if s is not None)


def needs_slot(node: RNode) -> bool:
    """Whether every match of ``node`` fills a slot (a positive look-around's slots count, a negative one's do not).

    A rule that needs no slot runs on sentences with no span of its slots' labels:
    ``(?! [PERSON]) /NNP`` matches where there is no PERSON at all.

    >>> slot = RSlot(frozenset({"PERSON"}), None, 0)
    >>> needs_slot(RSeq((slot,))), needs_slot(RLook(slot, True, True, 16, 1)), needs_slot(RRepeat(slot, 0, 1))
    (True, False, False)
    """
    if isinstance(node, RSlot):
        return True
    if isinstance(node, RSeq):
        return any(needs_slot(item) for item in node.items)
    if isinstance(node, RAlt):
        return all(needs_slot(option) for option in node.options)
    if isinstance(node, RGroup):
        return needs_slot(node.body)
    if isinstance(node, RRepeat):
        return node.min > 0 and needs_slot(node.body)
    if isinstance(node, RLook):
        return not node.negative and needs_slot(node.body)
    return False


def unrolled_size(node: RNode) -> int:
    """Instructions the compiler makes of ``node`` (its look-arounds' programs included, no final match).

    Counted repetitions are unrolled, so nested ones multiply: the resolver
    refuses a pattern this makes too large before the compiler builds it.

    >>> body = RMorph(MorphemeCheck(frozenset({"회장"})), 0)
    >>> unrolled_size(RRepeat(body, 2, 3))  # body body (split body)
    4
    >>> unrolled_size(RRepeat(RRepeat(body, 2, 3), 0, 2))  # (split inner) twice
    10
    """
    if isinstance(node, (RMorph, RSlot, RLexicon, RAnchor, RSet)):
        return 1
    if isinstance(node, RLook):
        return 1 + unrolled_size(node.body) + 1  # the instruction, and its own program with its match
    if isinstance(node, RGroup):
        return unrolled_size(node.body) + (2 if node.capture else 0)
    if isinstance(node, RSeq):
        return sum(unrolled_size(item) for item in node.items)
    if isinstance(node, RAlt):
        return sum(unrolled_size(option) for option in node.options) + 2 * (len(node.options) - 1)
    if node.possessive and isinstance(node.body, RMorph) and node.min == 0:
        return 1
    body = unrolled_size(node.body)
    if node.max is None:
        return node.min * body + body + 2
    return node.min * body + (node.max - node.min) * (body + 1)


# ------------------------------------------------------------ closure sizes

#: Where :func:`closure_size` stops counting (its sums and products saturate here).
_SATURATED = 10**15

#: Routes between two points of a program that consume nothing, counted by the conditions
#: (anchors, look-arounds) on them: ``free`` is 1 if a route has none, ``conditional`` is
#: how many distinct sets of conditions the other routes may have (an upper bound).
_Routes = tuple[int, int]

_NONE: _Routes = (0, 0)
_FREE: _Routes = (1, 0)


def _cap(value: int) -> int:
    return value if value < _SATURATED else _SATURATED


def _count(routes: _Routes) -> int:
    return routes[0] + routes[1]


def _then(first: _Routes, second: _Routes) -> _Routes:
    """Routes through ``first`` and then ``second``."""
    free = first[0] * second[0]
    return free, _cap(_count(first) * _count(second) - free)


def _either(first: _Routes, second: _Routes) -> _Routes:
    """Routes through ``first`` or through ``second`` (free routes are one route: no conditions)."""
    return max(first[0], second[0]), _cap(first[1] + second[1])


def _plus(first: _Routes, second: _Routes) -> _Routes:
    """The routes of two different instructions, summed (kept apart: they are different closures)."""
    return _cap(first[0] + second[0]), _cap(first[1] + second[1])


@dataclass(frozen=True, slots=True)
class _Closures:
    """What the compiled code of a node adds to the program's epsilon closures (see :func:`closure_size`).

    ``targets``: its instructions that consume (or end) a match, each its own closure of one path;
    ``first``: (target, conditions) pairs reachable from its entry inside it; ``through``: routes
    from its entry to its exit; ``inside``: paths of its non-consuming instructions that end inside
    it; ``out``: routes of its non-consuming instructions to its exit, summed over them.
    """

    targets: int = 0
    first: int = 0
    through: _Routes = _FREE
    inside: int = 0
    out: _Routes = _NONE

    def then(self, rest: _Closures) -> _Closures:
        """This node's code followed by ``rest``'s."""
        return _Closures(
            _cap(self.targets + rest.targets),
            _cap(self.first + _count(self.through) * rest.first),
            _then(self.through, rest.through),
            _cap(self.inside + rest.inside + _count(self.out) * rest.first),
            _plus(rest.out, _then(self.out, rest.through)),
        )


_EMPTY = _Closures()
_TARGET = _Closures(targets=1, first=1, through=_NONE)


def _closures_of(node: RNode) -> _Closures:
    if isinstance(node, (RMorph, RSlot, RLexicon)):
        return _TARGET
    if isinstance(node, (RAnchor, RSet)):
        # one instruction that consumes nothing: a test, or the attributes the record takes here
        return _Closures(through=(0, 1), out=(0, 1))
    if isinstance(node, RLook):
        return _Closures(through=(0, 1), inside=closure_size(node.body), out=(0, 1))
    if isinstance(node, RGroup):
        body = _closures_of(node.body)
        if not node.capture:
            return body
        # open, body, close: open reaches what the body starts with; close reaches the exit
        return _Closures(
            body.targets,
            body.first,
            body.through,
            _cap(body.inside + body.first),
            _plus(_plus(body.out, body.through), _FREE),
        )
    if isinstance(node, RSeq):
        result = _EMPTY
        for item in reversed(node.items):
            result = _closures_of(item).then(result)
        return result
    if isinstance(node, RAlt):
        options = [_closures_of(option) for option in node.options]
        targets = first = inside = 0
        through = out = _NONE
        skipped: _Routes = _NONE  # routes of the options from the i-th on
        reach = 0  # what the options from the i-th on start with
        for index, option in enumerate(reversed(options)):
            targets, inside = _cap(targets + option.targets), _cap(inside + option.inside)
            reach = _cap(reach + option.first)
            skipped = _either(skipped, option.through)
            out = _plus(out, option.out)
            if index:  # the split before this option reaches it and every option after it
                inside = _cap(inside + reach)
                out = _plus(_plus(out, skipped), _FREE)  # the split, and the jump after this option
            first, through = reach, skipped
        return _Closures(targets, first, through, inside, out)
    assert isinstance(node, RRepeat)
    if node.possessive and isinstance(node.body, RMorph) and node.min == 0:
        return _TARGET  # one 'tail' instruction
    body = _closures_of(node.body)
    if node.max is None:
        # split L; body; jmp L: the split and the jump both reach the body's start and the exit
        through = _either(_FREE, body.through)
        first = _cap(body.first * _count(through))
        rest = _Closures(
            body.targets,
            first,
            through,
            _cap(2 * first + body.inside + _count(body.out) * first),
            _plus(_plus(through, through), _then(body.out, through)),
        )
    else:
        rest = _EMPTY
        for _ in range(node.max - node.min):
            # split (to this copy, or past every copy to the exit), then the copy, then the copies after it
            reach = _cap(body.first + _count(body.through) * rest.first)
            to_exit = _either(_FREE, _then(body.through, rest.through))
            rest = _Closures(
                _cap(body.targets + rest.targets),
                reach,
                to_exit,
                _cap(reach + body.inside + _count(body.out) * rest.first + rest.inside),
                _plus(_plus(to_exit, _then(body.out, rest.through)), rest.out),
            )
            if rest.inside >= _SATURATED:
                break
    for _ in range(node.min):
        rest = body.then(rest)
        if rest.inside >= _SATURATED:
            break
    return rest


def closure_size(node: RNode) -> int:
    """At least the paths the compiler's epsilon closures of ``node`` hold (its look-arounds' programs too).

    The compiler lists, for each instruction, every (target, conditions)
    pair it reaches without consuming a morpheme. Optional parts in a row
    make those lists grow with the square of the program, and optional
    look-arounds with the number of their combinations, so a pattern can
    compile to a program of modest size whose closures fill the memory. The
    resolver refuses a pattern this counts too many paths for (E211). The count
    is an upper bound, computed on the resolved pattern in one pass.

    >>> m = RMorph(MorphemeCheck(frozenset({"회장"})), 0)
    >>> closure_size(RSeq((m, m)))  # two morphemes and the match, each its own closure
    3
    >>> closure_size(RRepeat(m, 0, 3))  # 3 splits, each reaching its copy and the exit
    10
    """
    code = _closures_of(node)
    return _cap(code.targets + 1 + code.inside + _count(code.out))
