"""The pattern AST: what a pattern says, before names are resolved.

Every node is frozen and carries ``span``, its (start, end) character offsets
in the pattern text; spans do not take part in equality, so a pattern
pretty-printed and parsed again compares equal to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Span = tuple[int, int]

#: Groups and look-arounds nest at most this deep in a pattern, macros expanded (each macro a level):
#: each level is a level of recursion for every stage after the parser; real patterns nest a few.
MAX_NESTING = 32


def _span() -> Span:
    return field(default=(0, 0), compare=False)


@dataclass(frozen=True, slots=True)
class Literal:
    """Text to be analysed into morphemes: ``회장이``, ``"젠슨 황"``.

    ``glued`` says the literal touches the element before it with no space
    (``[PERSON]와``): such a literal is analysed after a carrier noun, because
    a particle alone reads as something else (``와`` alone is an interjection).
    """

    text: str
    quoted: bool = False
    glued: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MorphTest:
    """One morpheme by form, form regex and/or tags: ``만나/VV``, ``/N*``, ``r"^김"/NNP``."""

    form: str | None = None
    regex: str | None = None
    tags: tuple[str, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Negated:
    """``!test``: one morpheme that fails ``test``."""

    test: MorphTest | Literal
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AnyMorpheme:
    """``.``: any one morpheme."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Gap:
    """``~N``: skip at most N morphemes; ``~Nw`` (``words``): skip morphemes of at most N eojeols."""

    max: int
    span: Span = _span()
    words: bool = False


@dataclass(frozen=True, slots=True)
class Slot:
    """``[PERSON]``, ``[PERSON|ORG:who]``: a span found by an earlier rule."""

    labels: tuple[str, ...]
    capture: str | None = None
    span: Span = _span()
    #: where each label is written in the pattern
    label_spans: tuple[Span, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class LexiconRef:
    """``@TITLE`` or ``@TITLE:title``: any entry of a lexicon."""

    name: str
    capture: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MacroRef:
    """``$NAME``: a named sub-pattern of the pack."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Group:
    """``( … )``, or ``(?<name> … )`` when ``capture`` is set."""

    body: Node
    capture: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Lookaround:
    """``(?= …)``, ``(?! …)``, ``(?<= …)``, ``(?<! …)``: a zero-width test."""

    body: Node
    ahead: bool = True
    negative: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Anchor:
    """``^`` (sentence start), ``$`` (sentence end), ``_`` (between two eojeols) or ``!_`` (inside one).

    ``spacing`` is "" for the sentence anchors, "space" for ``_`` and "join" for ``!_``.
    """

    at_end: bool
    span: Span = _span()
    spacing: str = ""


@dataclass(frozen=True, slots=True)
class Repeat:
    """``x?``, ``x*``, ``x+``, ``x{n,m}``; ``max`` None means unbounded; ``lazy``: ``x*?``, ``x{n,m}?``…"""

    body: Node
    min: int
    max: int | None
    span: Span = _span()
    lazy: bool = False


@dataclass(frozen=True, slots=True)
class SetAttrs:
    """``{status=planned}``: attributes of the record, set when a match passes this point."""

    pairs: tuple[tuple[str, str], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Alternation:
    options: tuple[Node, ...]
    span: Span = _span()


Node = (
    Literal
    | MorphTest
    | Negated
    | AnyMorpheme
    | Gap
    | Slot
    | LexiconRef
    | MacroRef
    | Group
    | Lookaround
    | Anchor
    | SetAttrs
    | Repeat
    | Sequence
    | Alternation
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``."""
    if isinstance(node, (Sequence,)):
        return node.items
    if isinstance(node, Alternation):
        return node.options
    if isinstance(node, (Group, Lookaround, Repeat)):
        return (node.body,)
    if isinstance(node, Negated):
        return (node.test,)
    return ()


def walk(node: Node) -> list[Node]:
    """All nodes of the tree, parents before children.

    >>> [type(n).__name__ for n in walk(Sequence((Literal("회장"), Slot(("PERSON",)))))]
    ['Sequence', 'Literal', 'Slot']
    """
    out: list[Node] = [node]
    for child in children(node):
        out.extend(walk(child))
    return out


# ------------------------------------------------------------ as plain data

_NODE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Literal,
        MorphTest,
        Negated,
        AnyMorpheme,
        Gap,
        Slot,
        LexiconRef,
        MacroRef,
        Group,
        Lookaround,
        Anchor,
        SetAttrs,
        Repeat,
        Sequence,
        Alternation,
    )
}


def to_data(node: Node) -> Any:
    """The tree as JSON-ready data (spans included), for the analysis cache: see :func:`from_data`.

    A node is ``{"node": class name, "fields": [its field values, in order]}``;
    every tuple is a list, so :func:`from_data` makes every list a tuple again.
    """
    return {"node": type(node).__name__, "fields": [_value_data(getattr(node, name)) for name in node.__slots__]}


def _value_data(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_value_data(item) for item in value]
    if type(value).__name__ in _NODE_TYPES:
        return to_data(value)
    return value


def from_data(data: Any) -> Node:
    """The tree :func:`to_data` wrote. Only koie's node classes are made; anything else is a ValueError.

    >>> tree = Sequence((Slot(("PERSON",), "subject", (0, 16)), Literal("회장이", span=(17, 20))), (0, 20))
    >>> again = from_data(to_data(tree))
    >>> again == tree, [n.span for n in walk(again)] == [n.span for n in walk(tree)]
    (True, True)
    """
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise ValueError(f"not a pattern node: {data!r:.80}")
    cls = _NODE_TYPES.get(data.get("node"))  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(f"unknown pattern node {data.get('node')!r:.80}")
    names = cls.__slots__  # type: ignore[attr-defined]
    if len(data["fields"]) != len(names):
        raise ValueError(f"{cls.__name__} has {len(names)} fields, not {len(data['fields'])}")
    node: Node = cls(*(_value_of(item) for item in data["fields"]))
    return node


def _value_of(data: Any) -> Any:
    if isinstance(data, list):
        return tuple(_value_of(item) for item in data)
    if isinstance(data, dict):
        return from_data(data)
    return data
