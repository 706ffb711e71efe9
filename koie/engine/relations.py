"""Who is related to whom in a record: the pair semantics that ``koie eval`` and the report's graph follow.

A pack says it with ``relations:`` (:class:`~koie.lang.spec.RelationSpec`)::

    relations:
      MEETING:
        pairs: [[subject, object]]     # each subject with each object, in that direction
        all_pairs: [participants]      # every two participants, either way

A label the pack does not declare has the default relation above: the same
``subject`` × ``object`` pairs koie always gave, and every two ``participants``.

- ``pairs: [[A, B]]``: each mention of role A is related to each mention of
  role B (A → B when direction counts: ``koie eval --directed``). Two mentions
  on the same side are not related by this record (``A와 B가 C를 만났다``: A
  and B both met C; whether A met B the record does not say).
- ``all_pairs: [R]``: every two mentions of role R are related, in no
  direction (``A, B, C가 회동했다``: three people, three pairs).
- A mention is never related to itself; callers drop pairs of one name too
  (``이 회장`` and ``이도윤`` may be one person).
- A mention of an ``anaphora:`` label (이들 that nothing resolved) is no one:
  it is in no pair.

The function is generic in what a mention is: :class:`~koie.engine.extract.Mention`
objects for ``koie eval``, JSON mentions for the report.

>>> from koie.lang.spec import RelationSpec
>>> args = {"subject": ["A"], "object": ["B", "C"], "participants": ["D", "E"]}
>>> relation_pairs(RelationSpec("MEETING"), lambda role: args.get(role, []))
[('A', 'B', True), ('A', 'C', True), ('D', 'E', False)]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

from koie.engine.extract import CompiledPack, Mention, Record, mentions_of
from koie.lang.document_keys import filled_roles
from koie.lang.spec import RelationSpec

T = TypeVar("T")


def relation_pairs(relation: RelationSpec, members: Callable[[str], Sequence[T]]) -> list[tuple[T, T, bool]]:
    """The related pairs of one record: ``(a, b, directed)``, ``directed`` False for ``all_pairs``.

    ``members(role)`` gives the role's mentions in text order (empty when the
    record lacks the role). Pairs come in declaration order, each role's
    mentions in text order; a pair of the same object is left out, and a pair
    already given (by an earlier entry) is not given again.
    """
    found: list[tuple[T, T, bool]] = []
    seen: set[tuple[int, int]] = set()

    def add(a: T, b: T, directed: bool) -> None:
        forward, backward = (id(a), id(b)), (id(b), id(a))
        if a is b or forward in seen or (not directed and backward in seen):
            return
        seen.add(forward)
        if not directed:
            seen.add(backward)
        found.append((a, b, directed))

    for first, second in relation.pairs:
        seconds = members(second)
        for a in members(first):
            for b in seconds:
                add(a, b, True)
    for role in relation.all_pairs:
        group = members(role)
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                add(a, b, False)
    return found


def record_relation_pairs(
    record: Record, relation: RelationSpec, anaphors: Collection[str] = ()
) -> list[tuple[Mention, Mention, bool]]:
    """:func:`relation_pairs` of a record: its mentions, related as ``relation`` says.

    ``anaphors``: the pack's anaphora labels; a mention of one is an anaphor
    nothing resolved (이들 with no antecedent in reach) and is in no pair.
    """

    def members(role: str) -> tuple[Mention, ...]:
        return tuple(m for m in mentions_of(record.args.get(role)) if m.label not in anaphors)

    return relation_pairs(relation, members)


def label_roles(pack: CompiledPack, label: str) -> set[str]:
    """The roles ``label``'s records can have: its rules' captures and the roles they carry or join."""
    captures = {compiled.rule.id: compiled.rule.captures for compiled in pack.rules}
    return filled_roles(pack.resolved.spec, captures, label)
