"""Plural and definite anaphora: 이들은, 두 사람은, 양측은, 세 총수는, 그는, resolved to the people the text named.

A pack declares which records are anaphors and what they stand for::

    anaphora:
      PEOPLE:                 # records of PEOPLE (이들, 두 사람, 양측 …) are anaphors
        refers_to: PERSON     # they stand for PERSON mentions
        from: [MEETING]       # groups they may stand for: the people of a MEETING record
        sentences: 2          # at most two sentences back

After matching, a role of any record filled by an anaphor (``[PEOPLE:participants]``)
holds the mentions the anaphor stands for instead: the real mentions, with
their own offsets and names. The record gets ``attrs.anaphora`` naming, for each
such role, the anaphor (``text``, ``start``, ``end``, ``rule``) and ``people``,
how many it stood for; the anaphor's own record gets ``attrs.refers_to``.

How many people an anaphor stands for (its count): the record's ``count``
attribute (``attrs: {count: 1}`` on a rule for 그는), else a numeral that
begins its text (양 2, 두 2, 세 3, 네 4, 다섯 5 … or digits: 두 사람, 세 총수, 양측,
2명), else none: "two or more".

The antecedent is the nearest one before the anaphor, at most ``sentences``
sentences back, walking back record by record:

- a record of a ``from`` label whose ``refers_to`` mentions (its people, each
  person once) number exactly the count, or two or more when there is none;
- when ``from`` is empty or lists ``refers_to`` itself, the people named: with
  a count n, the n people named last (each person once, by resolved name);
  without one, the people of the nearest sentence that names two or more.

An anaphor with no antecedent in reach stays in its role, as the text says it
(``people: 0`` in ``attrs.anaphora``); pairs (:mod:`koie.engine.relations`)
never count a mention of an anaphor label.

>>> anaphor_count("두 사람"), anaphor_count("양측"), anaphor_count("세 총수"), anaphor_count("이들")
(2, 2, 3, None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from koie.engine.extract import Mention, Record, mention_name, mentions_of
from koie.lang.spec import AnaphoraSpec

#: Native Korean numerals (determiner and noun forms) that count the people an anaphor stands for.
NUMERALS: Mapping[str, int] = {
    "한": 1,
    "하나": 1,
    "두": 2,
    "둘": 2,
    "양": 2,
    "세": 3,
    "셋": 3,
    "석": 3,
    "네": 4,
    "넷": 4,
    "넉": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
}
_DIGITS = re.compile(r"^(\d{1,2})")
#: 양측, 양국, 양사: 양 ("both") glued to a one-syllable noun.
_BOTH = re.compile(r"^양[가-힣]$")

RecordKey = tuple[str, int, int]


def anaphor_count(text: str, attrs: Mapping[str, Any] | None = None) -> int | None:
    """How many people an anaphor stands for: ``attrs['count']``, a numeral at its start, else None.

    >>> anaphor_count("그", {"count": 1}), anaphor_count("2명"), anaphor_count("양 정상"), anaphor_count("세계")
    (1, 2, 2, None)
    """
    given = (attrs or {}).get("count")
    if isinstance(given, int) and not isinstance(given, bool) and given > 0:
        return given
    words = text.split()
    if not words:
        return None
    first = words[0]
    digits = _DIGITS.match(first)
    if digits:
        return int(digits.group(1)) or None
    if first in NUMERALS and len(words) > 1:
        return NUMERALS[first]
    if _BOTH.match(first):
        return 2
    return None


def _key(record: Record) -> RecordKey:
    return (record.rule, record.start, record.end)


def _person_key(mention: Mention) -> str:
    return "".join(mention_name(mention).split())


class AnaphorResolver:
    """Resolves the anaphors of one document, each once.

    ``ordered``: the document's records in (sentence, start, end) order;
    ``completed``: each record's completed form once the document-level pass
    has reached it (groups are read from it, so a group whose roles were
    carried or resolved counts with them).
    """

    def __init__(
        self, ordered: Sequence[Record], settings: Mapping[str, AnaphoraSpec], completed: Mapping[RecordKey, Record]
    ) -> None:
        self.ordered = ordered
        self.settings = settings
        self.completed = completed
        self.position = {id(record): index for index, record in enumerate(ordered)}
        self.positions_by_key = {_key(record): index for index, record in enumerate(ordered)}
        self.cache: dict[RecordKey, tuple[Mention, ...]] = {}

    def resolve(self, anaphor: Record) -> tuple[Mention, ...]:
        """The mentions ``anaphor`` stands for, in text order (empty: none in reach)."""
        key = _key(anaphor)
        if key not in self.cache:
            self.cache[key] = self._resolve(anaphor)
        return self.cache[key]

    def _resolve(self, anaphor: Record) -> tuple[Mention, ...]:
        setting = self.settings[anaphor.label]
        at = self.position.get(id(anaphor), self.positions_by_key.get(_key(anaphor)))
        if at is None:
            return ()
        count = anaphor_count(anaphor.text, anaphor.attrs)
        groups = {label for label in setting.sources if label != setting.refers_to}
        named_mode = not setting.sources or setting.refers_to in setting.sources
        lowest = anaphor.sentence - setting.sentences
        named: dict[str, Mention] = {}  # the people named, nearest first
        sentence_people: dict[str, Mention] = {}
        current = anaphor.sentence
        for index in range(at - 1, -1, -1):
            candidate = self.ordered[index]
            if candidate.sentence < lowest:
                break
            if candidate.sentence == anaphor.sentence and candidate.end > anaphor.start:
                continue  # not before the anaphor
            if named_mode and count is None and candidate.sentence != current:
                if len(sentence_people) >= 2:
                    break  # the nearest sentence that names two or more
                sentence_people = {}
                current = candidate.sentence
            candidate = self.completed.get(_key(candidate), candidate)
            if candidate.label in groups:
                people = _distinct(
                    m for value in candidate.args.values() for m in mentions_of(value) if m.label == setting.refers_to
                )
                if (count is None and len(people) >= 2) or (count is not None and len(people) == count):
                    return tuple(sorted(people, key=lambda m: m.start))
            if named_mode and candidate.label == setting.refers_to:
                mention = Mention(candidate.text, candidate.start, candidate.end, candidate.label, candidate)
                person = _person_key(mention)
                named.setdefault(person, mention)
                sentence_people.setdefault(person, mention)
                if count is not None and len(named) == count:
                    return tuple(sorted(named.values(), key=lambda m: m.start))
        if named_mode and count is None and len(sentence_people) >= 2:
            return tuple(sorted(sentence_people.values(), key=lambda m: m.start))
        return ()

    def complete(self, record: Record) -> Record:
        """``record`` with each role an anaphor filled holding what the anaphor stands for.

        A record that is itself an anaphor gets ``attrs.refers_to``.
        """
        args: dict[str, Mention | tuple[Mention, ...]] | None = None
        notes: dict[str, Any] = {}
        for role, value in record.args.items():
            mentions = tuple(mentions_of(value))
            if not any(_is_anaphor(m, self.settings) for m in mentions):
                continue
            resolved: list[Mention] = []
            for mention in mentions:
                if not _is_anaphor(mention, self.settings):
                    resolved.append(mention)
                    continue
                assert mention.filler is not None
                found = self.resolve(mention.filler)
                notes[role] = {
                    "text": mention.text,
                    "start": mention.start,
                    "end": mention.end,
                    "rule": mention.filler.found_by,
                    "people": len(found),
                }
                resolved.extend(found or (mention,))
            people = _distinct(resolved)
            if args is None:
                args = dict(record.args)
            if len(people) == 1 and not isinstance(value, tuple):
                args[role] = people[0]
            else:
                args[role] = tuple(people)
        attrs: dict[str, Any] | None = None
        if notes:
            attrs = dict(record.attrs)
            attrs["anaphora"] = notes
        if record.label in self.settings:
            found = self.resolve(record)
            if found:
                attrs = dict(record.attrs) if attrs is None else attrs
                attrs["refers_to"] = [{"text": m.text, "start": m.start, "end": m.end} for m in found]
        if args is None and attrs is None:
            return record
        changes: dict[str, Any] = {}
        if args is not None:
            changes["args"] = args
        if attrs is not None:
            changes["attrs"] = attrs
        return record.but(**changes)


def _is_anaphor(mention: Mention, settings: Mapping[str, AnaphoraSpec]) -> bool:
    return mention.filler is not None and mention.filler.label in settings


def _distinct(mentions: Any) -> list[Mention]:
    """Each person once (by resolved name), the first mention of each, in the order given."""
    seen: dict[str, Mention] = {}
    for mention in mentions:
        seen.setdefault(_person_key(mention), mention)
    return list(seen.values())
