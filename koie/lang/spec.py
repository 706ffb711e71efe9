"""The rule pack as loaded: typed, frozen specs, each value with its place in the rule file.

:func:`koie.lang.load.load_pack` returns a :class:`PackSpec`; the later stages
read these types and never the YAML they came from. Settings the engine applies
after matching (``mentions``, ``carry``, ``joins``, ``dates``, ``anaphora``,
``overlap``) are specs too: :class:`MentionSettings`, :class:`CarrySpec`,
:class:`JoinSpec`, :class:`AnaphoraSpec`, :class:`OverlapSpec`; ``relations``
(:class:`RelationSpec`) says who is related to whom in a record.

>>> OverlapSpec(default="all", labels={"PERSON": "longest"}).policy("ORG")
'all'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from koie.errors import Diagnostic
from koie.lang.yamlfile import PatternText, Place, PlainValue

PACK_KEYS = (
    "koie",
    "name",
    "version",
    "description",
    "imports",
    "overlap",
    "lexicons",
    "macros",
    "rules",
    "mentions",
    "dates",
    "relations",
    "anaphora",
)
RULE_KEYS = (
    "id",
    "label",
    "pattern",
    "priority",
    "output",
    "attrs",
    "examples",
    "description",
    "carry",
    "joins",
    "matches",
)
#: Keys of one label under the pack's ``mentions:`` (:class:`MentionSettings`).
MENTION_KEYS = ("name", "attach", "repeat")
#: Keys of one role under a rule's ``carry:`` (:class:`CarrySpec`).
CARRY_KEYS = ("from", "sentences")
#: Keys of a rule's ``joins:`` (:class:`JoinSpec`).
JOIN_KEYS = ("from", "role", "sentences")
#: Keys of one label under the pack's ``relations:`` (:class:`RelationSpec`).
RELATION_KEYS = ("pairs", "all_pairs")
#: Keys of one label under the pack's ``anaphora:`` (:class:`AnaphoraSpec`).
ANAPHORA_KEYS = ("refers_to", "from", "sentences")
LEXICON_KEYS = ("entries", "file", "analyzer", "score")
EXAMPLE_KEYS = ("match", "no_match")
MATCH_EXAMPLE_KEYS = ("text", "captures", "match")

OverlapPolicy = Literal["longest", "priority", "all"]
OVERLAP_POLICIES: tuple[OverlapPolicy, ...] = ("longest", "priority", "all")
#: Keys of one label's policy written as a mapping: ``{policy: longest, per: args}``.
OVERLAP_KEYS = ("policy", "per")
#: Which records of a label compete (``per:``): "args" (records with the same value in every
#: role), or the roles to compare; a label without one: every record of the label.
OverlapGrouping = Literal["args"] | tuple[str, ...]
#: How a rule's matches are found (``matches:``): the leftmost-longest ones that do not
#: overlap, or the best one at every start position.
MatchMode = Literal["longest", "all"]
MATCH_MODES: tuple[MatchMode, ...] = ("longest", "all")
#: How ``mentions: {LABEL: {name: ...}}`` resolves a mention's name.
NameResolution = Literal["fullest"]
NAME_RESOLUTIONS: tuple[NameResolution, ...] = ("fullest",)
#: The rule-file formats this koie reads (``koie: 1``).
FORMAT_VERSIONS = (1,)


@dataclass(frozen=True, slots=True)
class LexiconSpec:
    name: str
    entries: tuple[str, ...]
    analyzer_tag: str | None
    score: float
    place: Place
    #: The file its entries were read from (``file:``), in the folder of the rule file that names it.
    file: str | None = None


@dataclass(frozen=True, slots=True)
class MacroSpec:
    name: str
    pattern: PatternText


@dataclass(frozen=True, slots=True)
class MatchExample:
    """``examples: {match: [...]}``: a sentence the rule must match."""

    text: str
    #: role -> the text expected (or a list of texts, for a repeated capture)
    captures: Mapping[str, str | list[str]] | None
    #: the text the record must span (``match:``)
    expected_text: str | None
    place: Place


@dataclass(frozen=True, slots=True)
class CarrySpec:
    """``carry: {role: {from: [LABEL, ...], sentences: n}}``: fill a missing role from an earlier record.

    See :mod:`koie.engine.mentions`.
    """

    role: str
    #: the labels whose latest record supplies the role (``from:``)
    sources: tuple[str, ...]
    #: how many sentences back to look; 0: the same sentence only
    sentences: int = 1


@dataclass(frozen=True, slots=True)
class JoinSpec:
    """``joins: {from: [LABEL, ...], role: subject, sentences: n}``: join the event an earlier record opened.

    A record of the rule without ``role`` takes, in ``role``, the people of the
    latest earlier record of a ``from`` label (the frame) at most ``sentences``
    back. See :mod:`koie.engine.frames`.
    """

    #: the labels whose records open a frame (``from:``)
    sources: tuple[str, ...]
    #: the role that receives the frame's people
    role: str
    #: how many sentences back a frame stays open; 0: the same sentence only
    sentences: int = 1


@dataclass(frozen=True, slots=True)
class RoleName:
    """A role named in a setting (``relations``, ``joins``), with its place for diagnostics."""

    role: str
    place: Place


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """``relations: {LABEL: {pairs: [[subject, object]], all_pairs: [participants]}}``: who met whom in a record.

    Each mention of a ``pairs`` entry's first role is related to each mention of
    its second role (in that direction); every two mentions of an ``all_pairs``
    role are related to each other. See :mod:`koie.engine.relations`.

    >>> RelationSpec("MEETING").roles
    ('subject', 'object', 'participants')
    """

    label: str
    pairs: tuple[tuple[str, str], ...] = (("subject", "object"),)
    all_pairs: tuple[str, ...] = ("participants",)
    #: every role as written, for the check that some rule of the label fills it (empty: the default)
    named: tuple[RoleName, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles that take part in a pair, in the order they are declared."""
        found = [role for pair in self.pairs for role in pair] + list(self.all_pairs)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class AnaphoraSpec:
    """``anaphora: {LABEL: {refers_to: PERSON, from: [MEETING], sentences: 2}}``: records that stand for people.

    A slot filled by a record of ``label`` (이들, 두 사람, 양측) holds, after
    matching, the ``refers_to`` mentions it stands for. See :mod:`koie.engine.anaphora`.
    """

    label: str
    #: the label of the mentions an anaphor resolves to
    refers_to: str
    #: labels of records whose ``refers_to`` mentions form a group an anaphor can stand for
    sources: tuple[str, ...] = ()
    #: how many sentences back the antecedent may be; 0: the same sentence only
    sentences: int = 1


@dataclass(frozen=True, slots=True)
class MentionSettings:
    """``mentions: {LABEL: {name: fullest, attach: {attribute: LABEL}, repeat: true}}`` for one label.

    See :mod:`koie.engine.mentions` and :mod:`koie.engine.repeated`.
    """

    name: NameResolution | None = None
    #: attribute -> the label whose records next to a mention supply it
    attach: Mapping[str, str] = field(default_factory=dict)
    #: other mentions of a found entity's text are records too
    repeat: bool = False


@dataclass(frozen=True, slots=True)
class OverlapSpec:
    """``overlap:``: which records of a label stay when they overlap (see :mod:`koie.engine.extract`)."""

    #: the policy of labels not named (None: not given, ``longest``)
    default: OverlapPolicy | None = None
    labels: Mapping[str, OverlapPolicy] = field(default_factory=dict)
    #: label (or "default") -> which of its records compete (``per: args``, ``per: [acquirer, target]``)
    per: Mapping[str, OverlapGrouping] = field(default_factory=dict)
    #: where each role of a ``per: [role, ...]`` is written (for diagnostics about its roles)
    per_places: Mapping[str, tuple[Place, ...]] = field(default_factory=dict, compare=False)

    def policy(self, label: str) -> OverlapPolicy:
        return self.labels.get(label, self.default or "longest")

    def grouping(self, label: str) -> OverlapGrouping | None:
        """Which records of ``label`` compete: None for all of them (the default)."""
        return self.per.get(label, self.per.get("default"))

    def then(self, later: OverlapSpec) -> OverlapSpec:
        """These settings with ``later``'s over them (an importing pack's over its imports')."""
        return OverlapSpec(
            later.default or self.default,
            {**self.labels, **later.labels},
            {**self.per, **later.per},
            {**self.per_places, **later.per_places},
        )


@dataclass(frozen=True, slots=True)
class LabelReference:
    """A label named in a setting (``mentions``, ``dates``, ``carry``): it must be some rule's label."""

    label: str
    #: what names it, for the message: "dates", "carry: object of rule meeting"…
    where: str
    place: Place


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    label: str
    pattern: PatternText
    priority: int
    output: bool
    #: set on every record of the rule
    attrs: Mapping[str, PlainValue]
    match_examples: tuple[MatchExample, ...]
    no_match_examples: tuple[tuple[str, Place], ...]
    place: Place
    description: str = ""
    carry: tuple[CarrySpec, ...] = ()
    joins: JoinSpec | None = None
    #: ``matches: all``: the rule's best match at every start position, overlapping
    matches: MatchMode = "longest"
    #: where ``matches:`` is written (None: not written)
    matches_place: Place | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        return self.place.where


@dataclass(frozen=True, slots=True)
class PackSpec:
    """A rule pack with its imports merged in (imported rules come first)."""

    name: str
    version: str
    description: str
    file: str
    lexicons: tuple[LexiconSpec, ...]
    macros: tuple[MacroSpec, ...]
    rules: tuple[RuleSpec, ...]
    overlap: OverlapSpec = field(default_factory=OverlapSpec)
    files: tuple[str, ...] = ()
    #: label -> what the engine does with its records after matching
    mentions: Mapping[str, MentionSettings] = field(default_factory=dict)
    #: labels whose records get a normalised date (:mod:`koie.engine.dates`)
    dates: tuple[str, ...] = ()
    #: every label named under mentions, dates, carry, joins, relations and anaphora, checked when the pack is loaded
    label_references: tuple[LabelReference, ...] = ()
    #: the warnings of loading (W001): the resolver adds them to the pack's warnings
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def source_files(self) -> tuple[str, ...]:
        """Every file the pack was read from: its rule files (imports too) and its lexicon files."""
        lexicon_files = (lexicon.file for lexicon in self.lexicons if lexicon.file is not None)
        return tuple(dict.fromkeys((*self.files, *lexicon_files)))

    #: label -> who is related to whom in its records (``relations:``)
    relations: Mapping[str, RelationSpec] = field(default_factory=dict)
    #: label -> how its records resolve to the mentions they stand for (``anaphora:``)
    anaphora: Mapping[str, AnaphoraSpec] = field(default_factory=dict)

    def relation(self, label: str) -> RelationSpec:
        """Who is related to whom in ``label``'s records: as declared, else ``subject`` × ``object`` and
        every two ``participants``.

        >>> PackSpec("p", "0", "", "p.yaml", (), (), ()).relation("MEETING").pairs
        (('subject', 'object'),)
        """
        declared = self.relations.get(label)
        return declared if declared is not None else RelationSpec(label)
