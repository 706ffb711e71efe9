"""The pattern AST: what a pattern says, before names are resolved.

Every node is frozen and carries ``span``, its (start, end) character offsets
in the pattern text; spans do not take part in equality, so a pattern
pretty-printed and parsed again compares equal to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

Span = tuple[int, int]


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
    """``~N``: skip at most N morphemes."""

    max: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Slot:
    """``[PERSON]``, ``[PERSON|ORG:who]``: a span found by an earlier rule."""

    labels: tuple[str, ...]
    capture: str | None = None
    span: Span = _span()


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
    """``x?``, ``x*``, ``x+``, ``x{n,m}``; ``max`` None means unbounded."""

    body: Node
    min: int
    max: int | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Alternation:
    options: tuple[Node, ...]
    span: Span = _span()


Node = Union[
    Literal, MorphTest, Negated, AnyMorpheme, Gap, Slot, LexiconRef, MacroRef,
    Group, Lookaround, Anchor, Repeat, Sequence, Alternation,
]


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
