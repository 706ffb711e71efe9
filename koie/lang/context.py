"""What the resolver's passes share: the pack's lexicons, each rule's work in progress, the diagnostics.

:mod:`koie.lang.resolve` runs the passes over a :class:`ResolveContext`;
:mod:`koie.lang.convert` turns each rule's pattern into the resolved IR within it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from koie.analysis.protocol import Analyzer
from koie.errors import Diagnostic
from koie.lang import ast
from koie.lang.ir import (
    Element,
    RNode,
)
from koie.lang.literals import (
    LiteralReading,
)
from koie.lang.spec import LexiconSpec, PackSpec, RuleSpec
from koie.lang.yamlfile import PatternText

#: Look-behind searches at most this many morphemes back.
MAX_LOOKAROUND = 32

#: Most endings a stem-final literal takes after its stem (만나+시+었+겠+다…).
MAX_ENDINGS = 8

#: Most instructions a rule's program may have, counted repetitions unrolled (the largest rule of
#: rules/meetings.yaml has 1,232; the matcher's setup grows with the size).
MAX_PROGRAM_SIZE = 100_000

#: Most paths a rule's program may list in its epsilon closures (the largest rule of
#: rules/meetings.yaml has 3,379; a program of MAX_PROGRAM_SIZE plain instructions about 200,000).
#: Optional parts and look-arounds nested in repetitions multiply them (koie.lang.ir.closure_size).
MAX_CLOSURE_PATHS = 500_000


class TooManyElements(Exception):
    """Macros expanded past :data:`MAX_PROGRAM_SIZE` elements: converting the rest would never end."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A lexicon ready for matching: entries compared without spaces, case-folded."""

    name: str
    entries: frozenset[str]
    prefixes: frozenset[str]
    longest: int

    @staticmethod
    def of(spec: LexiconSpec) -> Lexicon:
        keys = {_lexicon_key(entry) for entry in spec.entries if _lexicon_key(entry)}
        prefixes = {key[:i] for key in keys for i in range(1, len(key) + 1)}
        return Lexicon(spec.name, frozenset(keys), frozenset(prefixes), max((len(k) for k in keys), default=0))


def _lexicon_key(text: str) -> str:
    return "".join(text.split()).casefold()


# --------------------------------------------------------------- the context


@dataclass
class RuleWork:
    spec: RuleSpec
    tree: ast.Node | None = None
    body: RNode | None = None
    elements: list[Element] = field(default_factory=list)
    list_captures: set[str] = field(default_factory=set)
    captures: list[str] = field(default_factory=list)
    slot_labels: set[str] = field(default_factory=set)
    phase: int = 0
    failed: bool = False
    needs_spans: bool = True


@dataclass
class ResolveContext:
    spec: PackSpec
    analyzer: Analyzer
    rules: list[RuleWork]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    macros: dict[str, tuple[ast.Node, PatternText]] = field(default_factory=dict)
    lexicons: dict[str, Lexicon] = field(default_factory=dict)
    literal_cache: dict[tuple[str, bool], LiteralReading] = field(default_factory=dict)
    #: lexicon name -> morphemes in its longest entry, analysed alone (the bound of a look-around using it)
    lexicon_morphemes: dict[str, int] = field(default_factory=dict)

    def lexicon_width(self, name: str) -> int:
        """Morphemes in the lexicon's longest entry, as the analyser reads each entry alone (at least 1)."""
        width = self.lexicon_morphemes.get(name)
        if width is None:
            lexicon = next((spec for spec in self.spec.lexicons if spec.name == name), None)
            entries = lexicon.entries if lexicon is not None else ()
            width = max((len(self.analyzer.analyze_fragment(entry)) for entry in entries if entry.strip()), default=1)
            width = self.lexicon_morphemes[name] = max(width, 1)
        return width

    reported: set[Diagnostic] = field(default_factory=set)

    def report(self, diagnostic: Diagnostic) -> None:
        # A macro used by several rules would repeat its diagnostics otherwise (a set: a pack of
        # 20,000 rules has 20,000 W103 warnings, and a list would be searched for each).
        if diagnostic not in self.reported:
            self.reported.add(diagnostic)
            self.diagnostics.append(diagnostic)


CLOSURE_HINT = (
    "fewer optional parts in a row, and no optional look-arounds inside repetitions: "
    "(x?){1,n} is x{0,n}, and an optional look-around repeated n times makes 2**n combinations"
)


def paths_text(count: int) -> str:
    return str(count) if count < 10**12 else "more than a trillion"
