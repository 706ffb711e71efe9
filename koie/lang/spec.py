"""The rule pack as loaded: typed, frozen specs, each value with its place in the rule file.

:func:`koie.lang.load.load_pack` returns a :class:`PackSpec`; the later stages
read these types and never the YAML they came from. Settings the engine applies
after matching (``mentions``, ``carry``, ``dates``, ``overlap``) are specs too:
:class:`MentionSettings`, :class:`CarrySpec`, :class:`OverlapSpec`.

>>> OverlapSpec(default="all", labels={"PERSON": "longest"}).policy("ORG")
'all'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

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
)
RULE_KEYS = ("id", "label", "pattern", "priority", "output", "attrs", "examples", "description", "carry", "matches")
#: Keys of one label under the pack's ``mentions:`` (:class:`MentionSettings`).
MENTION_KEYS = ("name", "attach", "repeat")
#: Keys of one role under a rule's ``carry:`` (:class:`CarrySpec`).
CARRY_KEYS = ("from", "sentences")
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
    #: every label named under mentions, dates and carry, checked when the pack is loaded
    label_references: tuple[LabelReference, ...] = ()
