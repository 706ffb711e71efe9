"""After matching: resolve names, attach titles and dates, fill roles from earlier sentences and anaphors.

The engine finds records sentence by sentence; some facts only exist at the
level of the document. This stage runs after :func:`koie.engine.extract` on
one document and returns a new :class:`~koie.engine.extract.Extraction` whose
records carry them. Everything it does is declared in the rule pack:

``carry`` (a rule key)
    ``carry: {subject: {from: [TOPIC], sentences: 2}}``: when a record of
    the rule has no ``subject``, take it from the latest earlier record
    whose label is listed in ``from`` or that has the same label as the
    rule and a ``subject`` of its own, at most ``sentences`` sentences back
    (0: the same sentence only). The value taken is that record's arg of
    the same role, else its only arg, else the record itself. The record
    gets ``attrs.carried`` listing the roles so filled.

``joins`` (a rule key)
    ``joins: {from: [HOST], role: subject, sentences: 3}``: a record of the
    rule without ``subject`` takes the people of the latest earlier record
    of a ``from`` label (the event frame it joins); see :mod:`koie.engine.frames`.

``anaphora`` (a pack key)
    ``anaphora: {PEOPLE: {refers_to: PERSON, from: [MEETING], sentences: 2}}``:
    a role filled by a PEOPLE record (이들, 두 사람) holds the PERSON mentions
    it stands for; see :mod:`koie.engine.anaphora`.

``mentions`` (a pack key)
    ``mentions: {PERSON: {name: fullest, attach: {org: ORG, title: TITLE}}}``.
    ``name: fullest`` gives every record of the label a ``name`` attribute:
    the fullest mention of the same entity in the document. A mention is a
    shorter form of another when it is one of its space-separated words
    (저커버그 → 마크 저커버그, 젠슨 → 젠슨 황) or a single Hangul syllable
    that begins a Hangul name of two to four syllables (최 → 최태원, the
    Korean surname used with a title), or a Hanja surname whose Hangul reading
    begins one (尹 → 윤석열, 習 → 시진핑; :mod:`koie.engine.hanja`). Among the fuller mentions the nearest
    earlier one wins (the nearest later one if none precedes), and one with
    the same title first. ``attach`` fills attributes from records of other
    labels next to the mention: the records that follow it with nothing but
    spaces or a parenthesis between (이재용 삼성전자 회장, 최태원(왼쪽) SK그룹
    회장), and an attribute still missing from a record just before it
    (메타의 마크 저커버그). A mention resolved to a fuller one inherits the
    attributes it lacks from it.

``dates`` (a pack key)
    ``dates: [DATE]``: records of these labels get ``value`` (an ISO date)
    and ``precision`` (day, month or year) when the publication date is
    known; see :mod:`koie.engine.dates`.

The limits are deliberate: carrying looks back a fixed number of sentences
and never across a record of the listed labels that is nearer, and names
are resolved within one document only.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from koie.engine.anaphora import AnaphorResolver
from koie.engine.dates import normalize_date
from koie.engine.extract import CompiledPack, Extraction, Mention, Origin, Record, mentions_of
from koie.engine.frames import join_frame
from koie.engine.hanja import HANJA_BY_READING, readings
from koie.lang.spec import CarrySpec, MentionSettings

_HANGUL_NAME = re.compile(r"^[가-힣]{2,4}$")
_HANGUL_SYLLABLE = re.compile(r"^[가-힣]$")
#: What may stand between a mention and an attached record: spaces, a parenthesis (왼쪽), a comma-free gap.
_ATTACH_GAP = re.compile(r"^\s*(?:[(\[][^()\[\]]{0,20}[)\]])?\s*$")
#: Between an organisation and the mention after it: spaces or the genitive 의.
_BEFORE_GAP = re.compile(r"^(?:의)?\s*$")

RecordKey = tuple[str, int, int]


def _key(record: Record) -> RecordKey:
    return (record.rule, record.start, record.end)


# ------------------------------------------------------------------ names


def _squash(text: str) -> str:
    return "".join(text.split())


def shorter_form_of(short: str, full: str) -> bool:
    """Whether mention ``short`` can be a shorter way to name ``full``.

    >>> shorter_form_of("저커버그", "마크 저커버그"), shorter_form_of("최", "최태원")
    (True, True)
    >>> shorter_form_of("최", "최고경영자 겸 의장"), shorter_form_of("황", "젠슨황")
    (False, False)

    A Hanja surname is read as each of its Hangul readings (:mod:`koie.engine.hanja`):

    >>> shorter_form_of("尹", "윤하람"), shorter_form_of("趙", "자오러펑"), shorter_form_of("美", "미하람")
    (True, True, False)
    """
    short_squashed, full_squashed = _squash(short), _squash(full)
    if not short_squashed or len(short_squashed) >= len(full_squashed):
        return False
    words = full.split()
    if len(words) > 1 and short_squashed in words:
        return True
    if not _HANGUL_NAME.match(full_squashed):
        return False
    if _HANGUL_SYLLABLE.match(short_squashed):
        return full_squashed.startswith(short_squashed)
    return any(
        len(full_squashed) > len(reading) and full_squashed.startswith(reading) for reading in readings(short_squashed)
    )


@dataclass(slots=True)
class _Entity:
    record: Record
    attrs: dict[str, Any]


def _by_sentence(pool: list[Record], labels: Mapping[str, str]) -> dict[int, list[Record]]:
    """The records of ``labels`` (attribute -> label) grouped by sentence, in pool order."""
    wanted = set(labels.values())
    grouped: dict[int, list[Record]] = {}
    for other in pool:
        if other.label in wanted:
            grouped.setdefault(other.sentence, []).append(other)
    return grouped


def _attachments(
    record: Record, pool: Mapping[int, list[Record]], labels: Mapping[str, str], text: str
) -> dict[str, Any]:
    """Attributes from records of ``labels`` (attribute -> label) right next to ``record``.

    ``pool``: those records by sentence (:func:`_by_sentence`).
    """
    found: dict[str, Any] = {}
    wanted = {label: attribute for attribute, label in labels.items()}
    same_sentence = sorted(pool.get(record.sentence, ()), key=lambda r: (r.start, -r.end))
    position = record.end
    progressed = True
    while progressed:
        progressed = False
        for other in same_sentence:
            attribute = wanted[other.label]
            if other.start >= position and attribute not in found and _ATTACH_GAP.match(text[position : other.start]):
                found[attribute] = _squash_spaces(other.text)
                position = other.end
                progressed = True
                break
    for other in reversed(same_sentence):
        attribute = wanted[other.label]
        if other.end <= record.start and attribute not in found and _BEFORE_GAP.match(text[other.end : record.start]):
            found[attribute] = _squash_spaces(other.text)
            break
    return found


def _squash_spaces(text: str) -> str:
    return " ".join(text.split())


def _resolve_label(
    records: list[Record], setting: MentionSettings, pool: list[Record], text: str
) -> dict[RecordKey, dict[str, Any]]:
    """New attributes for every record of one label."""
    attach = setting.attach
    nearby = _by_sentence(pool, attach) if attach else {}
    entities = [_Entity(r, dict(_attachments(r, nearby, attach, text)) if attach else {}) for r in records]
    entities.sort(key=lambda e: e.record.start)
    result: dict[RecordKey, dict[str, Any]] = {}
    fullest = setting.name == "fullest"
    longer = _longer_forms(entities) if fullest else {}
    for entity in entities:
        attrs = dict(entity.attrs)
        if fullest:
            chosen = _nearest(entity, longer.get(_squash(entity.record.text)), entities)
            if chosen is not None:
                attrs["name"] = _squash_spaces(chosen.record.text)
                for attribute, value in chosen.attrs.items():
                    attrs.setdefault(attribute, value)
            else:
                attrs["name"] = _squash_spaces(entity.record.text)
        result[_key(entity.record)] = attrs
    return result


def _longer_forms(entities: list[_Entity]) -> dict[str, tuple[list[int], list[int]]]:
    """For each text a shorter form could have, the entities it could be short for: (positions, starts).

    :func:`shorter_form_of` holds only for one word of a multi-word name or the
    first syllable of a Korean name, so those keys find every candidate, and a
    document with thousands of names costs no comparison of each with each.
    """
    index: dict[str, set[int]] = {}
    for position, entity in enumerate(entities):
        words = entity.record.text.split()
        keys = set(words) if len(words) > 1 else set()
        squashed = "".join(words)
        if _HANGUL_NAME.match(squashed):
            keys.add(squashed[0])
            # the Hanja surnames read as its first syllable or two (尹 for 윤하람, 趙 for 자오러펑)
            keys.update(HANJA_BY_READING.get(squashed[:1], ()))
            keys.update(HANJA_BY_READING.get(squashed[:2], ()))
        for key in keys:
            index.setdefault(key, set()).add(position)
    out: dict[str, tuple[list[int], list[int]]] = {}
    for key, found in index.items():
        positions = sorted(found)
        out[key] = (positions, [entities[i].record.start for i in positions])
    return out


def _nearest(
    entity: _Entity, candidates: tuple[list[int], list[int]] | None, entities: list[_Entity]
) -> _Entity | None:
    """The fuller name ``entity`` stands for: the nearest one before it, else the first after it.

    Names with the entity's own title win over the others. ``candidates``
    (from :func:`_longer_forms`) are positions in ``entities``, sorted by start.
    """
    if not candidates:
        return None
    title = entity.attrs.get("title")
    if title is not None:
        chosen = _nearest_passing(entity, candidates, entities, title)
        if chosen is not None:
            return chosen
    return _nearest_passing(entity, candidates, entities, None)


def _nearest_passing(
    entity: _Entity, candidates: tuple[list[int], list[int]], entities: list[_Entity], title: Any
) -> _Entity | None:
    positions, starts = candidates
    short, start = entity.record.text, entity.record.start

    def fits(at: int) -> bool:
        other = entities[positions[at]]
        return (title is None or other.attrs.get("title") == title) and shorter_form_of(short, other.record.text)

    at = bisect_left(starts, start) - 1
    while at >= 0 and not fits(at):
        at -= 1
    if at >= 0:
        # among names that start at the same place, the first one (as max() over a list keeps it)
        earlier = at - 1
        while earlier >= 0 and starts[earlier] == starts[at]:
            if fits(earlier):
                at = earlier
            earlier -= 1
        return entities[positions[at]]
    for at in range(len(positions)):
        if fits(at):
            return entities[positions[at]]
    return None


# ------------------------------------------------------------------ carry


def _carried_value(source: Record, role: str) -> Mention | tuple[Mention, ...]:
    if role in source.args:
        return source.args[role]
    if len(source.args) == 1:
        return next(iter(source.args.values()))
    return Mention(source.text, source.start, source.end, source.label, source)


def _carry(done: Sequence[Record], record: Record, carry: tuple[CarrySpec, ...]) -> Record:
    """``record`` with the roles its rule's ``carry`` settings fill (``done``: the records before it)."""
    args = dict(record.args)
    carried: list[str] = []
    for setting in carry:
        role = setting.role
        if role in args:
            continue
        source = carry_source(done, record, setting)
        if source is None:
            continue
        if source.label == record.label and role not in source.args:
            continue
        args[role] = _carried_value(source, role)
        carried.append(role)
    if not carried:
        return record
    attrs = dict(record.attrs)
    attrs["carried"] = carried
    return record.but(args=args, attrs=attrs)


def _complete_roles(records: list[Record], pack: CompiledPack) -> list[Record]:
    """Fill roles across sentences, record by record in document order: anaphors resolved, then ``carry``,
    then ``joins``. Each record sees the completed records before it."""
    carries = {c.rule.id: c.rule.spec.carry for c in pack.rules if c.rule.spec.carry}
    joins = {c.rule.id: c.rule.spec.joins for c in pack.rules if c.rule.spec.joins is not None}
    anaphora = pack.resolved.spec.anaphora
    if not carries and not joins and not anaphora:
        return records
    ordered = sorted(records, key=lambda r: (r.sentence, r.start, r.end))
    completed: dict[RecordKey, Record] = {}
    resolver = AnaphorResolver(ordered, anaphora, completed) if anaphora else None
    done: list[Record] = []
    for record in ordered:
        if resolver is not None:
            record = resolver.complete(record)
        if record.origin is Origin.RULE:
            carry = carries.get(record.rule)
            if carry:
                record = _carry(done, record, carry)
            join = joins.get(record.rule)
            if join is not None:
                record = join_frame(done, record, join)
        if resolver is not None:
            completed[_key(record)] = record
        done.append(record)
    by_key = {_key(r): r for r in done}
    return [by_key[_key(r)] for r in records]


def carry_source(done: Sequence[Record], record: Record, setting: CarrySpec) -> Record | None:
    """The record ``setting.role`` is carried from: the latest (sentence, start) before ``record``, within
    ``setting.sentences`` sentences, of a ``from`` label or of the record's own label with the role.

    ``done`` is in document order (sentence, start, end), so the search walks back from its end and
    stops at the window's first sentence: a document of 100,000 sentences stays linear (a scan of
    every earlier record made a 1 MB document quadratic). Among records with the same (sentence,
    start) the earliest in ``done`` wins, as ``max`` over them all did.
    """
    role = setting.role
    lowest = record.sentence - setting.sentences
    best: Record | None = None
    for candidate in reversed(done):
        if candidate.sentence < lowest:
            break
        if best is not None and (candidate.sentence, candidate.start) < (best.sentence, best.start):
            break
        if (candidate.label in setting.sources or (candidate.label == record.label and role in candidate.args)) and (
            candidate.sentence < record.sentence or candidate.end <= record.start
        ):
            best = candidate
    return best


# ------------------------------------------------------------------ the stage


def _refill(value: Mention | tuple[Mention, ...], updated: Mapping[RecordKey, Record]) -> Mention | tuple[Mention, ...]:
    if isinstance(value, tuple):
        refilled = tuple(_refill_one(m, updated) for m in value)
        return value if all(new is old for new, old in zip(refilled, value)) else refilled
    return _refill_one(value, updated)


def _refilled(record: Record, updated: Mapping[RecordKey, Record]) -> Record:
    """The record with its arguments' fillers updated (the same object when none changed)."""
    args = {role: _refill(value, updated) for role, value in record.args.items()}
    if all(args[role] is value for role, value in record.args.items()):
        return record
    return record.but(args=args)


def _refill_one(mention: Mention, updated: Mapping[RecordKey, Record]) -> Mention:
    if mention.filler is None:
        return mention
    new = updated.get(_key(mention.filler))
    if new is None:
        return mention
    # Mention(...) directly: dataclasses.replace inspects the fields on every call (thousands per document)
    return Mention(mention.text, mention.start, mention.end, mention.label, new)


def complete_extraction(pack: CompiledPack, extraction: Extraction, published: date | None = None) -> Extraction:
    """Apply the pack's ``mentions``, ``dates``, ``anaphora``, ``carry`` and ``joins`` settings to one
    document's records."""
    spec = pack.resolved.spec
    if (
        not spec.mentions
        and not spec.dates
        and not spec.anaphora
        and not any(c.rule.spec.carry or c.rule.spec.joins for c in pack.rules)
    ):
        return extraction
    text = extraction.document.text
    records = list(extraction.records)
    new_attrs: dict[RecordKey, dict[str, Any]] = {}
    for label, setting in spec.mentions.items():
        mine = [r for r in records if r.label == label]
        for key, attrs in _resolve_label(mine, setting, records, text).items():
            new_attrs.setdefault(key, {}).update(attrs)
    if spec.dates:
        for record in records:
            if record.label in spec.dates:
                normal = normalize_date(record.text, published)
                if normal is not None:
                    new_attrs.setdefault(_key(record), {}).update(normal.attrs())
    updated: dict[RecordKey, Record] = {}
    for record in records:
        extra = new_attrs.get(_key(record))
        if extra:
            updated[_key(record)] = record.but(attrs={**record.attrs, **extra})
    records = [updated.get(_key(r), r) for r in records]
    if updated:
        records = [_refilled(r, updated) if r.args else r for r in records]
    records = _complete_roles(records, pack)
    return replace(extraction, records=tuple(records))


def completed_roles(record: Record) -> list[dict[str, Any]]:
    """How the document-level stage filled the record's roles, for explanations: one entry per role.

    ``how`` is ``carried`` (``carry``: the mentions came from an earlier
    record), ``joined`` (``joins``: ``frame`` is the record joined) or ``anaphor``
    (``anaphora``: ``anaphor`` is the anaphor the mentions replace); ``mentions``
    are the role's mentions now.
    """
    entries: list[dict[str, Any]] = []

    def mentions_json(role: str) -> list[dict[str, Any]]:
        found = []
        for mention in mentions_of(record.args.get(role)):
            entry: dict[str, Any] = {"text": mention.text, "start": mention.start, "end": mention.end}
            if mention.filler is not None:
                entry |= {"label": mention.filler.label, "rule": mention.filler.found_by}
            found.append(entry)
        return found

    for role in record.attrs.get("carried", ()) or ():
        if isinstance(role, str):
            entries.append({"role": role, "how": "carried", "mentions": mentions_json(role)})
    joined = record.attrs.get("joined")
    if isinstance(joined, dict) and isinstance(joined.get("role"), str):
        frame = {k: joined.get(k) for k in ("rule", "label", "text", "start", "end")}
        role = joined["role"]
        entries.append({"role": role, "how": "joined", "frame": frame, "mentions": mentions_json(role)})
    anaphora = record.attrs.get("anaphora")
    if isinstance(anaphora, dict):
        for role, anaphor in anaphora.items():
            entries.append({"role": role, "how": "anaphor", "anaphor": anaphor, "mentions": mentions_json(role)})
    return entries


def render_completed(entry: Mapping[str, Any]) -> str:
    """One line of :func:`completed_roles` for a text explanation.

    >>> render_completed({"role": "subject", "how": "carried", "mentions": [{"text": "권태오", "start": 0, "end": 3,
    ...     "label": "PERSON", "rule": "person"}]})
    "subject <- carried from an earlier record: '권태오' [0:3] (PERSON by person)"
    """
    people = (
        ", ".join(
            f"{m['text']!r} [{m['start']}:{m['end']}]" + (f" ({m['label']} by {m['rule']})" if "rule" in m else "")
            for m in entry.get("mentions", ())
        )
        or "(none in reach)"
    )
    how = entry.get("how")
    if how == "joined":
        frame = entry["frame"]
        source = (
            f"joined the frame {frame['text']!r} [{frame['start']}:{frame['end']}]"
            f" ({frame['label']} by {frame['rule']})"
        )
    elif how == "anaphor":
        anaphor = entry["anaphor"]
        source = (
            f"the anaphor {anaphor['text']!r} [{anaphor['start']}:{anaphor['end']}] (by {anaphor['rule']}) stands for"
        )
    else:
        source = "carried from an earlier record"
    return f"{entry['role']} <- {source}: {people}"
