"""Pack specs → resolved rules: names checked, literals analysed, macros expanded, phases ordered.

The resolver runs its passes in the order of :data:`PASSES` (as sqlglot's
optimizer lists its rules); each pass reads the shared :class:`ResolveContext`
and adds diagnostics to it rather than stopping at the first problem, so
``koie check`` can report every error of a pack at once. How a literal is read
into morphemes is :mod:`koie.lang.literals`.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from koie.analysis.morphemes import Morpheme, UserWord
from koie.analysis.protocol import Analyzer, KeepsPatterns
from koie.errors import Diagnostic, PackError, PatternError, did_you_mean
from koie.lang import ast
from koie.lang.ast import MAX_NESTING
from koie.lang.document_keys import filled_roles
from koie.lang.grammar import parser_signature
from koie.lang.ir import (
    ENDING_TAGS,
    KNOWN_TAGS,
    STEM_TAGS,
    Element,
    MorphemeCheck,
    RAlt,
    RAnchor,
    RGroup,
    RLexicon,
    RLook,
    RMorph,
    RNode,
    RRepeat,
    RSeq,
    RSet,
    RSlot,
    closure_size,
    expand_tag_pattern,
    max_length,
    needs_slot,
    nullable,
    rchildren,
    unrolled_size,
)
from koie.lang.literals import (
    LiteralReading,
    LiteralWarning,
    analyse_literal,
    describe_reading,
    jongseong_form,
    literal_check,
)
from koie.lang.regexes import HAZARD_HINTS, MAX_REGEX_SECONDS, regex_hazard
from koie.lang.spec import LexiconSpec, OverlapGrouping, OverlapPolicy, OverlapSpec, PackSpec, RuleSpec
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


class _TooManyElements(Exception):
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


@dataclass(frozen=True, slots=True)
class ResolvedRule:
    spec: RuleSpec
    body: RNode
    elements: tuple[Element, ...]
    list_captures: frozenset[str]
    captures: tuple[str, ...]
    slot_labels: frozenset[str]
    phase: int
    #: Every match fills a slot: the rule runs only on sentences with spans of its slots' labels
    #: (``(?! [PERSON]) /NNP`` needs none, and runs everywhere).
    needs_spans: bool = True

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def label(self) -> str:
        return self.spec.label


@dataclass(frozen=True, slots=True)
class ResolvedPack:
    spec: PackSpec
    rules: tuple[ResolvedRule, ...]
    lexicons: dict[str, Lexicon]
    user_words: tuple[UserWord, ...]
    warnings: tuple[Diagnostic, ...]
    overlap: OverlapSpec

    @property
    def phases(self) -> tuple[tuple[ResolvedRule, ...], ...]:
        count = max((r.phase for r in self.rules), default=-1) + 1
        return tuple(tuple(r for r in self.rules if r.phase == p) for p in range(count))

    def overlap_policy(self, label: str) -> OverlapPolicy:
        return self.overlap.policy(label)

    def overlap_grouping(self, label: str) -> OverlapGrouping | None:
        """Which records of ``label`` compete under its policy (None: all of them)."""
        return self.overlap.grouping(label)


def user_words_of(spec: PackSpec) -> tuple[UserWord, ...]:
    """Words the pack's lexicons add to the analyser (``analyzer: NNP``)."""
    words: dict[str, UserWord] = {}
    for lexicon in spec.lexicons:
        if lexicon.analyzer_tag:
            for entry in lexicon.entries:
                words.setdefault(entry, UserWord(entry, lexicon.analyzer_tag, lexicon.score))
    return tuple(words.values())


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


def _pattern_error(pattern: PatternText, error: PatternError, rule: str | None) -> Diagnostic:
    return pattern.diagnostic(
        error.code, error.message, error.offset, error.length, value=error.value, suggestion=error.suggestion, rule=rule
    )


# ------------------------------------------------------------------- passes


def parse_patterns(context: ResolveContext) -> None:
    """Parse every rule and macro pattern.

    An analyser with a cache (koie.analysis.cache.CachedAnalyzer) keeps the trees of the
    patterns it has seen: a run after an edit parses only the patterns that
    changed, and one that changed none never imports the parser (lark).
    """
    texts = [macro.pattern.text for macro in context.spec.macros] + [work.spec.pattern.text for work in context.rules]
    store = context.analyzer if isinstance(context.analyzer, KeepsPatterns) else None
    signature = parser_signature() if store is not None else ""
    known: dict[str, ast.Node] = {}
    for text, data in (store.parsed_patterns(texts, signature) if store is not None else {}).items():
        try:
            known[text] = ast.from_data(data)
        except (ValueError, TypeError, KeyError):  # a kept tree this version cannot read: parsed again, kept anew
            print("koie: warning: analysis cache entry of a pattern unreadable; parsing it again", file=sys.stderr)
    fresh: dict[str, ast.Node] = {}

    def parsed(text: str) -> tuple[ast.Node | None, PatternError | None]:
        tree = known.get(text)
        if tree is not None:
            return tree, None
        from koie.lang.parse import parse_pattern  # here: a cached tree needs no parser (lark)

        try:
            tree = known[text] = fresh[text] = parse_pattern(text)
        except PatternError as error:
            return None, error
        return tree, None

    for macro in context.spec.macros:
        tree, error = parsed(macro.pattern.text)
        if tree is not None:
            context.macros[macro.name] = (tree, macro.pattern)
        elif error is not None:
            context.report(_pattern_error(macro.pattern, error, None))
    for work in context.rules:
        work.tree, error = parsed(work.spec.pattern.text)
        if error is not None:
            context.report(_pattern_error(work.spec.pattern, error, work.spec.id))
            work.failed = True
    if fresh and store is not None:
        store.store_patterns({text: ast.to_data(tree) for text, tree in fresh.items()}, signature)


def build_lexicons(context: ResolveContext) -> None:
    """Index lexicon entries for matching by surface text."""
    for spec in context.spec.lexicons:
        if not spec.entries:
            context.report(
                spec.place.diagnostic(
                    "W104",
                    f"lexicon {spec.name!r} has no entries",
                    len(spec.name),
                    value=spec.name,
                    suggestion="add entries or remove the lexicon",
                )
            )
        if spec.analyzer_tag and spec.analyzer_tag not in KNOWN_TAGS:
            context.report(
                spec.place.diagnostic(
                    "E204",
                    f"lexicon {spec.name!r} adds words with unknown tag {spec.analyzer_tag!r}",
                    len(spec.name),
                    value=spec.analyzer_tag,
                    suggestion=did_you_mean(spec.analyzer_tag, KNOWN_TAGS) or "use NNP",
                )
            )
        context.lexicons[spec.name] = Lexicon.of(spec)


def convert_patterns(context: ResolveContext) -> None:
    """AST → resolved IR: expand macros, analyse literals, check names."""
    labels = {work.spec.label for work in context.rules}
    for work in context.rules:
        if work.tree is None:
            continue
        converter = _Converter(context, work, labels)
        pattern = work.spec.pattern
        try:
            work.body = _lazy_trailing_gaps(converter.convert(work.tree, pattern, ()), True)
        except _TooManyElements:
            # a macro that uses a macro twice, which uses one twice, ...: 2**30 elements from 30 lines
            where = converter.outer_macro.span if converter.outer_macro is not None else (0, len(pattern.text))
            converter.report(
                pattern,
                "E211",
                f"the pattern has more than {MAX_PROGRAM_SIZE} elements once its macros are expanded",
                where,
                value=pattern.text[where[0] : where[1]].strip()[:60],
                suggestion="a macro used several times in a macro is pasted in each time: use fewer levels of macros",
            )
            work.body = RSeq(())
            work.failed = True
            continue
        work.list_captures = {name for name, count in _capture_counts(work.body).items() if count > 1}
        work.needs_spans = needs_slot(work.body)
        size = unrolled_size(work.body)
        if size > MAX_PROGRAM_SIZE and not converter.errors:  # no one repetition is too large, all together are
            converter.report(
                pattern,
                "E211",
                f"the pattern unrolls to {size} instructions, more than {MAX_PROGRAM_SIZE}",
                (0, len(pattern.text)),
                value=pattern.text.strip()[:60],
                suggestion="use * or + for long repetitions, or smaller bounds",
            )
        if not converter.errors:
            paths = closure_size(work.body)
            if paths > MAX_CLOSURE_PATHS:
                converter.report(
                    pattern,
                    "E211",
                    f"the optional parts of the pattern give its program {_paths(paths)} ways to move on "
                    f"without consuming a morpheme, more than {MAX_CLOSURE_PATHS}",
                    (0, len(pattern.text)),
                    value=pattern.text.strip()[:60],
                    suggestion=_CLOSURE_HINT,
                )
        if converter.errors:
            work.failed = True


_CLOSURE_HINT = (
    "fewer optional parts in a row, and no optional look-arounds inside repetitions: "
    "(x?){1,n} is x{0,n}, and an optional look-around repeated n times makes 2**n combinations"
)


def _paths(count: int) -> str:
    return str(count) if count < 10**12 else "more than a trillion"


def check_shapes(context: ResolveContext) -> None:
    """Refuse patterns that match nothing at all, and unbounded look-arounds."""
    for work in context.rules:
        if work.body is None or work.failed:
            continue
        if nullable(work.body):
            context.report(
                work.spec.pattern.diagnostic(
                    "E207",
                    "the pattern can match without consuming any morpheme",
                    0,
                    len(work.spec.pattern.text),
                    value=work.spec.pattern.text.strip()[:60],
                    rule=work.spec.id,
                    suggestion="make at least one element required (remove a '?' or '*')",
                )
            )
            work.failed = True


def order_phases(context: ResolveContext) -> None:
    """Entity rules before the rules that use their labels; cycles are errors.

    A label's phase is one more than the phase of every label its rules' slots
    use (0 for a label whose rules have no slots). The dependencies are walked
    with a stack of their own, so a chain of a thousand labels is no deeper
    for Python than one.
    """
    producers: dict[str, list[RuleWork]] = {}
    for work in context.rules:
        producers.setdefault(work.spec.label, []).append(work)
    label_phase: dict[str, int] = {}

    def used_by(label: str) -> Iterator[str]:
        return (used for work in producers.get(label, []) for used in sorted(work.slot_labels))

    def phase_of_label(start: str) -> int | list[str]:
        """The label's phase, or the labels of a cycle it depends on (first label repeated last)."""
        visiting = [start]
        stack: list[tuple[str, Iterator[str], list[int]]] = [(start, used_by(start), [0])]
        while stack:
            label, uses, phase = stack[-1]
            for used in uses:
                if used in label_phase:
                    phase[0] = max(phase[0], label_phase[used] + 1)
                elif used in visiting:
                    return visiting[visiting.index(used) :] + [used]
                else:
                    visiting.append(used)
                    stack.append((used, used_by(used), [0]))
                    break
            else:
                stack.pop()
                visiting.pop()
                label_phase[label] = phase[0]
                if stack:
                    stack[-1][2][0] = max(stack[-1][2][0], phase[0] + 1)
        return label_phase[start]

    for work in context.rules:
        phase = 0
        for label in sorted(work.slot_labels):
            found = phase_of_label(label)
            if isinstance(found, list):
                context.report(_cycle_diagnostic(work, found, producers))
                work.failed = True
                return
            phase = max(phase, found + 1)
        work.phase = phase


def _cycle_diagnostic(work: RuleWork, labels: list[str], producers: dict[str, list[RuleWork]]) -> Diagnostic:
    """E206 naming each rule of the cycle, the slot that closes it and where it is."""
    steps: list[str] = []
    related: list[Diagnostic] = []
    for label, used in itertools.pairwise(labels):
        for other in producers.get(label, []):
            if used in other.slot_labels:
                steps.append(f"rule {other.spec.id!r} ({label}) uses [{used}]")
                if other is not work:
                    related.append(
                        other.spec.place.diagnostic("E206", f"rule {other.spec.id!r} uses [{used}]", len(other.spec.id))
                    )
                break
    if len(labels) == 2:
        message = f"rule {work.spec.id!r} uses its own label [{labels[0]}] in its pattern"
    else:
        message = "rules depend on each other in a cycle: " + ", ".join(steps) + " (" + " -> ".join(labels) + ")"
    return work.spec.place.diagnostic(
        "E206",
        message,
        len(work.spec.id),
        value=" -> ".join(labels),
        rule=work.spec.id,
        related=tuple(related),
        suggestion="a label cannot be built from itself: give the inner span another label",
    )


def check_overlap_settings(context: ResolveContext) -> None:
    """Roles named by an overlap's ``per:`` that no rule of the label captures (E219), and rules with
    ``matches: all`` whose overlapping matches the label's policy would drop again (W107)."""
    overlap = context.spec.overlap
    by_label: dict[str, list[RuleWork]] = {}
    for work in context.rules:
        by_label.setdefault(work.spec.label, []).append(work)
    for label, grouping in overlap.per.items():
        places = overlap.per_places.get(label, ())
        if not isinstance(grouping, tuple) or len(places) != len(grouping) or label not in by_label:
            continue
        captured = {name for work in by_label[label] for name in work.captures}
        for role, place in zip(grouping, places):
            if role not in captured:
                context.report(
                    place.diagnostic(
                        "E219",
                        f"overlap of {label} compares role {role!r}, which no {label} rule captures",
                        place.length,
                        value=role,
                        suggestion=did_you_mean(role, captured)
                        or f"name roles the rules capture: {', '.join(sorted(captured)) or '(none)'}",
                    )
                )
    for work in context.rules:
        spec = work.spec
        label = spec.label
        if spec.matches != "all" or overlap.policy(label) == "all" or overlap.grouping(label) is not None:
            continue
        where = spec.matches_place or spec.place
        context.report(
            where.diagnostic(
                "W107",
                f"rule {spec.id!r} finds overlapping matches (matches: all), but the {overlap.policy(label)!r} "
                f"overlap policy of {label} keeps one record of each overlapping group",
                where.length,
                value="all",
                rule=spec.id,
                suggestion=f"keep them: overlap: {{{label}: all}}, or {{{label}: {{policy: longest, per: args}}}} "
                "to keep those with other role values",
            )
        )


def check_examples_present(context: ResolveContext) -> None:
    for work in context.rules:
        if not work.spec.match_examples and not work.spec.no_match_examples:
            context.report(
                work.spec.place.diagnostic(
                    "W103",
                    f"rule {work.spec.id!r} has no examples",
                    len(work.spec.id),
                    value=work.spec.id,
                    rule=work.spec.id,
                    suggestion="add examples: match: [...] so koie test can check the rule",
                )
            )


def check_relation_roles(context: ResolveContext) -> None:
    """Every role under ``relations:`` is one that some rule of the label fills (E216)."""
    spec = context.spec
    if not spec.relations:
        return
    captures = {work.spec.id: tuple(work.captures) for work in context.rules}
    failed = {work.spec.id for work in context.rules if work.failed}
    for label, relation in spec.relations.items():
        rules = [rule.id for rule in spec.rules if rule.label == label]
        if not rules or any(rule in failed for rule in rules):
            continue  # an unknown label is E201; a rule that did not resolve has no captures to compare
        known = filled_roles(spec, captures, label)
        for named in relation.named:
            if named.role in known:
                continue
            context.report(
                named.place.diagnostic(
                    "E216",
                    f"no rule of label {label!r} fills role {named.role!r}",
                    len(named.role),
                    value=named.role,
                    suggestion=did_you_mean(named.role, known)
                    or f"roles of {label}: {', '.join(sorted(known)) or '(none)'}",
                )
            )


#: The resolver's passes, in order.
PASSES: tuple[Callable[[ResolveContext], None], ...] = (
    parse_patterns,
    build_lexicons,
    convert_patterns,
    check_shapes,
    order_phases,
    check_overlap_settings,
    check_examples_present,
    check_relation_roles,
)


# ---------------------------------------------------------------- converter


class _Converter:
    def __init__(self, context: ResolveContext, work: RuleWork, labels: set[str]) -> None:
        self.context = context
        self.work = work
        self.labels = labels
        self.errors = 0
        #: the macro reference of the rule's own pattern being expanded (for E211 on a macro bomb)
        self.outer_macro: ast.MacroRef | None = None
        #: look-arounds the node being converted sits in (an attribute set there reaches no record)
        self.look_depth = 0
        #: groups, look-arounds and macros the node being converted sits in (macros expanded)
        self.nesting = 0

    def report(self, pattern: PatternText, code: str, message: str, span: ast.Span, **extra: Any) -> None:
        self.context.report(
            pattern.diagnostic(code, message, span[0], max(span[1] - span[0], 1), rule=self.work.spec.id, **extra)
        )
        if not code.startswith("W"):
            self.errors += 1

    def element(self, kind: str, node: ast.Node, pattern: PatternText, analysis: str = "") -> int:
        text = pattern.text[node.span[0] : node.span[1]]
        file, line, col = pattern.position(node.span[0])
        where = f"{file}:{line}:{col}"
        if len(self.work.elements) >= MAX_PROGRAM_SIZE:
            raise _TooManyElements
        element = Element(len(self.work.elements), kind, text, where, analysis)
        self.work.elements.append(element)
        return element.id

    def capture(self, name: str | None) -> None:
        if name is not None and name not in self.work.captures:
            self.work.captures.append(name)

    def convert(self, node: ast.Node, pattern: PatternText, macro_chain: tuple[str, ...]) -> RNode:
        if not isinstance(node, (ast.Group, ast.Lookaround, ast.MacroRef)):
            return self.convert_node(node, pattern, macro_chain)
        # The parser bounds the nesting of one pattern; macros used inside groups (and macros
        # using macros) nest further, and each level is a level of recursion for every stage.
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                self.report(
                    pattern,
                    "E109",
                    f"groups, look-arounds and macros nest more than {MAX_NESTING} deep here once macros are expanded",
                    node.span,
                    value=pattern.text[node.span[0] : node.span[1]][:60],
                    suggestion="flatten the pattern: use fewer macros inside groups, or fewer levels of macros",
                )
                return RSeq(())
            return self.convert_node(node, pattern, macro_chain)
        finally:
            self.nesting -= 1

    def convert_node(self, node: ast.Node, pattern: PatternText, macro_chain: tuple[str, ...]) -> RNode:
        if isinstance(node, ast.Sequence):
            items: list[RNode] = []
            index = 0
            while index < len(node.items):
                item = node.items[index]
                aheads: list[ast.Lookaround] = []  # the look-aheads written right after this item
                while index + 1 + len(aheads) < len(node.items):
                    following = node.items[index + 1 + len(aheads)]
                    if not (isinstance(following, ast.Lookaround) and following.ahead):
                        break
                    aheads.append(following)
                if isinstance(item, ast.Literal) and aheads:
                    items.extend(self.literal_before_lookaheads(item, aheads, pattern, macro_chain))
                    index += 1 + len(aheads)
                    continue
                items.append(self.convert(item, pattern, macro_chain))
                index += 1
            return RSeq(tuple(items))
        if isinstance(node, ast.Alternation):
            return RAlt(tuple(self.convert(option, pattern, macro_chain) for option in node.options))
        if isinstance(node, ast.Group):
            self.capture(node.capture)
            return RGroup(self.convert(node.body, pattern, macro_chain), node.capture)
        if isinstance(node, ast.Repeat):
            errors = self.errors
            self.star_after_tag(node, pattern)
            body = self.convert(node.body, pattern, macro_chain)
            if self.errors == errors and max_length(body) == 0:
                # (^)+, ((?= a))?, $MACRO+ with a macro of anchors: the parser sees only what is written here
                self.report(
                    pattern,
                    "E212",
                    "a quantifier cannot repeat an anchor, look-around or attribute set (they consume nothing)",
                    node.span,
                    value=pattern.text[node.span[0] : node.span[1]][:60],
                    suggestion="remove the quantifier",
                )
                return body
            repeat = RRepeat(body, node.min, node.max, greedy=not node.lazy, lazy=node.lazy)
            size = unrolled_size(repeat)
            if size > MAX_PROGRAM_SIZE and not self.errors:
                # Counted repetitions are unrolled: nested ones multiply ((x{200}){200}){200} is 8 million.
                self.report(
                    pattern,
                    "E211",
                    f"the repetitions here unroll to {size} instructions, more than {MAX_PROGRAM_SIZE}",
                    node.span,
                    value=pattern.text[node.span[0] : node.span[1]][:60],
                    suggestion="use * or + for long repetitions, or smaller bounds",
                )
                return RSeq(())
            paths = closure_size(repeat) if not self.errors else 0
            if paths > MAX_CLOSURE_PATHS:
                # Optional parts repeated: each split reaches every later one ((x?){1,20}){1,20} lists 161,201
                # paths; optional look-arounds multiply by their combinations.
                self.report(
                    pattern,
                    "E211",
                    f"the optional parts repeated here give the program {_paths(paths)} ways to move on "
                    f"without consuming a morpheme, more than {MAX_CLOSURE_PATHS}",
                    node.span,
                    value=pattern.text[node.span[0] : node.span[1]][:60],
                    suggestion=_CLOSURE_HINT,
                )
                return RSeq(())
            return repeat
        if isinstance(node, ast.Lookaround):
            element = self.element("lookaround", node, pattern)
            self.look_depth += 1
            try:
                body = self.convert(node.body, pattern, macro_chain)
            finally:
                self.look_depth -= 1
            return RLook(body, node.ahead, node.negative, self.look_bound(node, body, pattern), element)
        if isinstance(node, ast.Anchor):
            return RAnchor(node.at_end, self.element("anchor", node, pattern), node.spacing)
        if isinstance(node, ast.AnyMorpheme):
            return RMorph(MorphemeCheck(description="."), self.element("any", node, pattern, "."))
        if isinstance(node, ast.Gap) and node.words:
            element = self.element("gap", node, pattern, f"morphemes of at most {node.max} more eojeols")
            return _word_gap(node.max, element)
        if isinstance(node, ast.Gap):
            element = self.element("gap", node, pattern, f"at most {node.max} morphemes")
            return RRepeat(RMorph(MorphemeCheck(description="."), element), 0, node.max, greedy=False, gap=True)
        if isinstance(node, ast.SetAttrs):
            shown = pattern.text[node.span[0] : node.span[1]]
            if self.look_depth:
                self.report(
                    pattern,
                    "E218",
                    "an attribute set inside a look-around never reaches the record: a look-around only tests",
                    node.span,
                    value=shown,
                    suggestion="move the {...} out of the look-around, after it: (?= 예정) {status=planned}",
                )
            return RSet(node.pairs, self.element("attrs", node, pattern, shown))
        if isinstance(node, ast.Slot):
            for index, label in enumerate(node.labels):
                if label not in self.labels:
                    # The caret goes under the label itself, not the whole slot.
                    label_span = node.label_spans[index] if index < len(node.label_spans) else node.span
                    self.report(
                        pattern,
                        "E201",
                        f"unknown label {label!r}",
                        label_span,
                        value=label,
                        suggestion=did_you_mean(label, self.labels)
                        or f"no rule has label {label!r}; known labels: {', '.join(sorted(self.labels))}",
                    )
            self.work.slot_labels.update(node.labels)
            self.capture(node.capture)
            return RSlot(frozenset(node.labels), node.capture, self.element("slot", node, pattern))
        if isinstance(node, ast.LexiconRef):
            if node.name not in self.context.lexicons:
                self.report(
                    pattern,
                    "E202",
                    f"unknown lexicon {node.name!r}",
                    node.span,
                    value=node.name,
                    suggestion=did_you_mean(node.name, self.context.lexicons) or "define it under 'lexicons:'",
                )
            self.capture(node.capture)
            return RLexicon(node.name, node.capture, self.element("lexicon", node, pattern))
        if isinstance(node, ast.MacroRef):
            if node.name in macro_chain:
                self.report(
                    pattern,
                    "E205",
                    "macros refer to each other in a cycle: " + " -> ".join(macro_chain + (node.name,)),
                    node.span,
                    value=node.name,
                    suggestion="a macro cannot contain itself",
                )
                return RSeq(())
            if node.name not in self.context.macros:
                self.report(
                    pattern,
                    "E203",
                    f"unknown macro {node.name!r}",
                    node.span,
                    value=node.name,
                    suggestion=did_you_mean(node.name, self.context.macros) or "define it under 'macros:'",
                )
                return RSeq(())
            tree, macro_pattern = self.context.macros[node.name]
            if not macro_chain:
                self.outer_macro = node
            return self.convert(tree, macro_pattern, macro_chain + (node.name,))
        if isinstance(node, ast.MorphTest):
            check = self.morph_check(node, pattern, negated=False)
            return RMorph(check, self.element("morpheme", node, pattern, check.description))
        if isinstance(node, ast.Negated):
            if isinstance(node.test, ast.MorphTest):
                check = self.morph_check(node.test, pattern, negated=True)
                return RMorph(check, self.element("morpheme", node, pattern, check.description))
            morphemes = self.analyse(node.test, pattern)
            if not morphemes:
                return RSeq(())  # E208 said why
            if len(morphemes) != 1:
                self.report(
                    pattern,
                    "E215",
                    f"'!' needs one morpheme, but {node.test.text!r} is " + " ".join(m.notation for m in morphemes),
                    node.span,
                    value=node.test.text,
                    suggestion="negate a single morpheme: !회장 or !만나/VV",
                )
                return RSeq(())
            base = literal_check(morphemes[0])
            check = MorphemeCheck(base.forms, base.tags, None, True, False, "!" + base.description)
            return RMorph(check, self.element("morpheme", node, pattern, check.description))
        if isinstance(node, ast.Literal):
            return self.literal(node, pattern)
        raise TypeError(f"unknown node {node!r}")

    def star_after_tag(self, node: ast.Repeat, pattern: PatternText) -> None:
        """W106 on ``/NNP*``: a star right after a whole tag repeats the test (it is no tag family)."""
        test = node.body.test if isinstance(node.body, ast.Negated) else node.body
        end = node.body.span[1]
        if not isinstance(test, ast.MorphTest) or not test.tags or test.tags[-1].endswith("*"):
            return
        if pattern.text[end : end + 1] != "*":
            return
        written = pattern.text[node.body.span[0] : end + 1]
        self.report(
            pattern,
            "W106",
            f"{written!r} is zero or more {written[:-1]!r}, not a tag family: {test.tags[-1]} is a whole tag",
            (node.body.span[0], end + 1),
            value=written,
            suggestion=f"write '{written[:-1]} *' to repeat it, or '{written[:-1]}' for exactly one morpheme",
        )

    def look_bound(self, node: ast.Lookaround, body: RNode, pattern: PatternText) -> int:
        """The look-around's reach in morphemes; E209 if it has none within :data:`MAX_LOOKAROUND`.

        Slots and lexicons count as 16 morphemes; a lexicon that makes the
        look-around too long counts as its longest entry instead (in morphemes).
        """
        bound = max_length(body)
        if bound is not None and bound <= MAX_LOOKAROUND:
            return bound
        if bound is not None:
            names = {n.name for n in _rwalk(body) if isinstance(n, RLexicon) and n.name in self.context.lexicons}
            widths = {name: self.context.lexicon_width(name) for name in names}
            tight = max_length(body, lexicon_widths=widths)
            if tight is not None and tight <= MAX_LOOKAROUND:
                # the search behind reaches as far as the entries' characters could (no further than before)
                reach = {name: min(16, max(widths[name], self.context.lexicons[name].longest)) for name in names}
                return max(tight, max_length(body, lexicon_widths=reach) or 0)
        words = any(isinstance(n, RRepeat) and n.gap and max_length(n) is None for n in _rwalk(body))
        self.report(
            pattern,
            "E209",
            "a look-around must have a bounded length",
            node.span,
            value=pattern.text[node.span[0] : node.span[1]],
            suggestion="use ~N (morphemes) instead of ~Nw inside (?= ...) and (?<= ...)"
            if words
            else "use {n,m} or ~N instead of * or + inside (?= ...) and (?<= ...)",
        )
        return MAX_LOOKAROUND

    def literal_before_lookaheads(
        self, node: ast.Literal, aheads: list[ast.Lookaround], pattern: PatternText, macro_chain: tuple[str, ...]
    ) -> list[RNode]:
        """A literal and the look-aheads written right after it.

        A literal that ends in a stem takes every ending of its eojeol, and each
        look-ahead is tried where the stem ends and after each of the endings:
        ``만나 (?! 예정)`` refuses 만날 예정 (after the ending ᆯ), ``투자하 (?! 기/ETN)``
        refuses 투자하기로 (at the ending 기). A negative look-ahead fails if its body
        matches at any of those places, a positive one holds if it matches at one.
        """
        readings, element = self.literal_readings(node, pattern)
        looks = [self.convert(ahead, pattern, macro_chain) for ahead in aheads]
        options: list[RNode] = []
        for items, tail in readings:
            if tail is None:
                options.append(RSeq((*items, *looks)))
                continue
            endings = RRepeat(RMorph(tail, element), 0, MAX_ENDINGS, greedy=False)
            tried = [
                RLook(RSeq((endings, look.body)), look.ahead, look.negative, look.max_length, look.element)
                if isinstance(look, RLook)
                else look
                for look in looks
            ]
            options.append(RSeq((*items, *tried, RRepeat(RMorph(tail, element), 0, MAX_ENDINGS, possessive=True))))
        if not options:
            return looks
        return [options[0] if len(options) == 1 else RAlt(tuple(options))]

    def morph_check(self, node: ast.MorphTest, pattern: PatternText, negated: bool) -> MorphemeCheck:
        tags: set[str] = set()
        for tag in node.tags:
            expanded = expand_tag_pattern(tag) & KNOWN_TAGS if tag.endswith("*") else frozenset((tag,))
            if not expanded or (not tag.endswith("*") and tag not in KNOWN_TAGS):
                self.report(
                    pattern,
                    "E204",
                    f"unknown tag {tag!r}",
                    node.span,
                    value=tag,
                    suggestion=did_you_mean(tag, KNOWN_TAGS) or "see docs/patterns.md for Kiwi's tags",
                )
            tags.update(expanded)
        if node.regex is not None:
            hazard = regex_hazard(node.regex)
            if hazard is not None:
                self.report(
                    pattern,
                    "W105",
                    f'the regular expression r"{node.regex}" can take exponential time: {hazard}',
                    node.span,
                    value=node.regex,
                    suggestion=HAZARD_HINTS[hazard]
                    + f"; a search is stopped after {MAX_REGEX_SECONDS:g} s (E403), and the document skipped",
                )
        description = ("!" if negated else "") + pattern.text[node.span[0] : node.span[1]].lstrip("!")
        form = node.form
        if form and tags and all(tag[0] in "EJ" for tag in tags) and jongseong_form(form) != form:
            # ㄴ/ETM typed with the keyboard's jamo: Kiwi writes the ending ᆫ/ETM (docs/patterns.md, W110)
            fixed = jongseong_form(form)
            self.report(
                pattern,
                "W110",
                f"{form!r} is written with compatibility jamo, which Kiwi never gives an ending or particle; "
                f"koie reads it as {fixed!r}, Kiwi's final consonant",
                node.span,
                value=form,
                suggestion=f"write {fixed}/{','.join(node.tags)}",
            )
            description = description.replace(form, fixed, 1)
            form = fixed
        return MorphemeCheck(
            frozenset((form,)) if form else frozenset(),
            frozenset(tags),
            node.regex,
            negated,
            False,
            description,
        )

    def analyse(self, node: ast.Literal, pattern: PatternText) -> tuple[Morpheme, ...]:
        key = (node.text, node.glued)
        if key not in self.context.literal_cache:
            self.context.literal_cache[key] = analyse_literal(self.context.analyzer, node.text, node.glued)
        reading = self.context.literal_cache[key]
        morphemes, warning = reading.morphemes, reading.warning
        if not morphemes:
            invisible = [c for c in node.text if not c.isprintable() or c.isspace()]
            hint = "write the morphemes out: form/TAG"
            if len(invisible) == len(node.text):
                codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in invisible))
                hint = f"the literal holds only invisible characters ({codes}): delete it, or write form/TAG"
            self.report(
                pattern,
                "E208",
                f"the analyser finds no morphemes in {node.text!r}",
                node.span,
                value=node.text,
                suggestion=hint,
            )
        if warning is not None:
            self.report(
                pattern,
                warning.code,
                warning.message,
                node.span,
                value=node.text,
                suggestion=warning.suggestion or "write form/TAG to say which reading you mean",
            )
        return morphemes

    def literal(self, node: ast.Literal, pattern: PatternText) -> RNode:
        """A literal: each reading it has (alone, and in sentences: koie.lang.literals) is an alternative,
        a reading that ends in a stem followed by the endings its eojeol takes."""
        readings, element = self.literal_readings(node, pattern)
        options: list[RNode] = []
        for items, tail in readings:
            if tail is not None:
                # Bounded so literals may sit inside look-arounds; no eojeol stacks more endings than this.
                items = [*items, RRepeat(RMorph(tail, element), 0, MAX_ENDINGS)]
            options.append(items[0] if len(items) == 1 else RSeq(tuple(items)))
        if not options:
            return RSeq(())
        return options[0] if len(options) == 1 else RAlt(tuple(options))

    def literal_readings(
        self, node: ast.Literal, pattern: PatternText
    ) -> tuple[list[tuple[list[RNode], MorphemeCheck | None]], int]:
        """Each reading's morpheme tests and the test of the endings it takes (None: it takes none), and
        the literal's element (none: the analyser found nothing, reported)."""
        if not self.analyse(node, pattern):
            return [], -1
        reading = self.context.literal_cache[(node.text, node.glued)]
        element = self.element("literal", node, pattern, describe_reading(reading))
        out: list[tuple[list[RNode], MorphemeCheck | None]] = []
        for morphemes in reading.readings:
            checks = [literal_check(m, previous) for m, previous in zip(morphemes, (None, *morphemes))]
            stem_final = morphemes[-1].tag in STEM_TAGS
            tail = MorphemeCheck(frozenset(), ENDING_TAGS, None, False, True, "ending") if stem_final else None
            out.append(([RMorph(check, element) for check in checks], tail))
        return out, element


def _rwalk(node: RNode) -> list[RNode]:
    out: list[RNode] = [node]
    for child in rchildren(node):
        out.extend(_rwalk(child))
    return out


def _word_gap(words: int, element: int) -> RNode:
    """``~Nw``: morphemes of at most N more eojeols, as few as the rest of the pattern allows.

    What is left of the eojeol the gap starts in is free; each eojeol the gap
    enters counts: ``(!_ .)* (_ . (!_ .)*){0,N}``.
    """
    same_word = RMorph(MorphemeCheck(same_eojeol=True, description="."), element)
    next_word = RMorph(MorphemeCheck(negated=True, same_eojeol=True, description="."), element)
    rest = RRepeat(same_word, 0, None, greedy=False)
    entered = RRepeat(RSeq((next_word, rest)), 0, words, greedy=False)
    return RRepeat(RSeq((rest, entered)), 0, 1, greedy=False, gap=True)


def _lazy_trailing_gaps(node: RNode, at_end: bool) -> RNode:
    """Gaps that only optional elements follow, made lazy: ``a ~3`` is ``a``, not ``a`` and three more morphemes.

    A gap inside a repetition that may go on (``(a ~3)+``) is left as it is, and so
    is everything inside look-arounds (they only test).
    """
    if isinstance(node, RRepeat):
        if node.gap and at_end and not node.lazy:
            return RRepeat(node.body, node.min, node.max, False, node.possessive, True, True)
        body = _lazy_trailing_gaps(node.body, at_end and node.max == 1)
        if body is node.body:
            return node
        return RRepeat(body, node.min, node.max, node.greedy, node.possessive, node.lazy, node.gap)
    if isinstance(node, RSeq):
        items = list(node.items)
        follows_nullable = at_end
        for index in range(len(items) - 1, -1, -1):
            item = items[index]
            items[index] = _lazy_trailing_gaps(item, follows_nullable)
            follows_nullable = follows_nullable and nullable(item)
        return node if all(a is b for a, b in zip(items, node.items)) else RSeq(tuple(items))
    if isinstance(node, RAlt):
        options = tuple(_lazy_trailing_gaps(option, at_end) for option in node.options)
        return node if all(a is b for a, b in zip(options, node.options)) else RAlt(options)
    if isinstance(node, RGroup):
        body = _lazy_trailing_gaps(node.body, at_end)
        return node if body is node.body else RGroup(body, node.capture)
    return node


def _capture_counts(node: RNode) -> dict[str, int]:
    """How many values each capture name can take in one match (2 stands for "more than one").

    A name that can take more than one value collects a list: inside a
    repetition, or written twice where both can match (``(?<x> c) d (?<x> e)``).
    Alternatives take the larger count; look-arounds capture nothing.
    """
    counts: dict[str, int] = {}
    if isinstance(node, (RSlot, RLexicon)):
        return {node.capture: 1} if node.capture else {}
    if isinstance(node, RGroup):
        counts = _capture_counts(node.body)
        if node.capture:
            counts[node.capture] = min(2, counts.get(node.capture, 0) + 1)
        return counts
    if isinstance(node, RSeq):
        for item in node.items:
            for name, count in _capture_counts(item).items():
                counts[name] = min(2, counts.get(name, 0) + count)
        return counts
    if isinstance(node, RAlt):
        for option in node.options:
            for name, count in _capture_counts(option).items():
                counts[name] = max(counts.get(name, 0), count)
        return counts
    if isinstance(node, RRepeat):
        many = node.max is None or node.max > 1
        return {name: 2 if many else count for name, count in _capture_counts(node.body).items()}
    return counts


# ------------------------------------------------------------------ entry


def resolve_pack(spec: PackSpec, analyzer: Analyzer) -> ResolvedPack:
    """Resolve every rule of a pack; raise :class:`~koie.errors.PackError` listing every error."""
    resolved, diagnostics = check_resolve(spec, analyzer)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or resolved is None:
        raise PackError(diagnostics)
    return resolved


def check_resolve(spec: PackSpec, analyzer: Analyzer) -> tuple[ResolvedPack | None, list[Diagnostic]]:
    """Run every pass and return the result with all diagnostics (errors and warnings)."""
    context = ResolveContext(spec, analyzer, [RuleWork(rule) for rule in spec.rules])
    for run_pass in PASSES:
        run_pass(context)
    if any(d.severity == "error" for d in context.diagnostics):
        return None, context.diagnostics
    rules = tuple(
        ResolvedRule(
            work.spec,
            work.body if work.body is not None else RSeq(()),
            tuple(work.elements),
            frozenset(work.list_captures),
            tuple(work.captures),
            frozenset(work.slot_labels),
            work.phase,
            work.needs_spans,
        )
        for work in context.rules
    )
    warnings = spec.warnings + tuple(d for d in context.diagnostics if d.severity == "warning")
    return ResolvedPack(spec, rules, context.lexicons, user_words_of(spec), warnings, spec.overlap), context.diagnostics


__all__ = [
    "MAX_CLOSURE_PATHS",
    "MAX_LOOKAROUND",
    "MAX_PROGRAM_SIZE",
    "PASSES",
    "Lexicon",
    "LiteralReading",
    "LiteralWarning",
    "ResolveContext",
    "ResolvedPack",
    "ResolvedRule",
    "RuleWork",
    "analyse_literal",
    "check_resolve",
    "rchildren",
    "resolve_pack",
    "user_words_of",
]
