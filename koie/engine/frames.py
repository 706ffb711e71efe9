"""Event frames across sentences: a later sentence that lists who attended joins the event named earlier.

::

    문태양 대표는 2일 협력사 대표들과 오찬 간담회를 했다.     # opens a frame (a HOST record: 문태양)
    이날 오찬에는 서도현 회장, 오세린 사장이 참석했다.        # joins it: 문태양 met 서도현 and 오세린

The rule of the second sentence says which frames it joins and the role that
receives the frame's people::

    - id: attendees
      label: MEETING
      joins: {from: [HOST, MEETING], role: subject, sentences: 3}
      pattern: (이날 | 이 자리) ~3 에 는 ([PERSON:object] /SP?)+ ~3 참석하

A record of the rule without ``role`` takes, in ``role``, the people of its
frame: the latest earlier record of a ``from`` label, at most ``sentences``
sentences back (0: the same sentence, before the record), that has people.
A frame's people are the mentions of its roles whose label is that of the
joining record's own mentions (PERSON for a list of attendees), each person
once, in text order, without the joining record's own people. The role holds
a list; ``attrs.joined`` names the role and the frame (``role``, ``rule``,
``label``, ``text``, ``start``, ``end``).

Limits: the nearest frame wins when two are open (이날 오찬에는 joins the last
event named, even when an earlier one was an 오찬 too); a frame whose people
are all the record's own people joins nothing, and no older frame is tried;
the anaphor (이날, 이 자리에는, 참석자는) is the rule's pattern, not the frame's
business; a frame is a record, so a record that joined one can open one for
a later sentence when its label is listed in ``from``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koie.engine.extract import Mention, Record, mention_name, mentions_of
from koie.lang.spec import JoinSpec


def _person(mention: Mention) -> str:
    return "".join(mention_name(mention).split())


def frame_of(done: Sequence[Record], record: Record, setting: JoinSpec) -> Record | None:
    """The frame ``record`` joins: the latest record of ``done`` (document order) of a ``from`` label before it,
    within ``setting.sentences`` sentences, that has mentions of a label of the record's own people."""
    labels = _own_labels(record)
    lowest = record.sentence - setting.sentences
    for candidate in reversed(done):
        if candidate.sentence < lowest:
            break
        if candidate.label not in setting.sources:
            continue
        if candidate.sentence == record.sentence and candidate.end > record.start:
            continue
        if _people(candidate, labels):
            return candidate
    return None


def _own_labels(record: Record) -> set[str]:
    return {m.label for value in record.args.values() for m in mentions_of(value) if m.label}


def _people(frame: Record, labels: set[str]) -> list[Mention]:
    """The frame's mentions of ``labels`` (of any label when empty), each person once, in text order."""
    seen: dict[str, Mention] = {}
    for value in frame.args.values():
        for mention in mentions_of(value):
            if mention.label and (not labels or mention.label in labels):
                seen.setdefault(_person(mention), mention)
    return sorted(seen.values(), key=lambda m: m.start)


def join_frame(done: Sequence[Record], record: Record, setting: JoinSpec) -> Record:
    """``record`` with ``setting.role`` filled from its frame (the same record when it has the role or no frame)."""
    if setting.role in record.args:
        return record
    frame = frame_of(done, record, setting)
    if frame is None:
        return record
    own = {_person(m) for value in record.args.values() for m in mentions_of(value)}
    people = tuple(m for m in _people(frame, _own_labels(record)) if _person(m) not in own)
    if not people:
        return record
    args = dict(record.args)
    args[setting.role] = people
    attrs: dict[str, Any] = dict(record.attrs)
    attrs["joined"] = {
        "role": setting.role,
        "rule": frame.found_by,
        "label": frame.label,
        "text": frame.text,
        "start": frame.start,
        "end": frame.end,
    }
    return record.but(args=args, attrs=attrs)
