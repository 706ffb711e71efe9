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
from dataclasses import dataclass

from koie.analysis.morphemes import UserWord
from koie.analysis.protocol import Analyzer, KeepsPatterns
from koie.errors import Diagnostic, PackError, PatternError, did_you_mean
from koie.lang import ast
from koie.lang.context import (
    CLOSURE_HINT,
    MAX_CLOSURE_PATHS,
    MAX_LOOKAROUND,
    MAX_PROGRAM_SIZE,
    Lexicon,
    ResolveContext,
    RuleWork,
    TooManyElements,
    paths_text,
)
from koie.lang.convert import Converter, capture_counts, lazy_trailing_gaps
from koie.lang.document_keys import filled_roles
from koie.lang.grammar import parser_signature
from koie.lang.ir import (
    KNOWN_TAGS,
    Element,
    RNode,
    RSeq,
    closure_size,
    needs_slot,
    nullable,
    rchildren,
    unrolled_size,
)
from koie.lang.literals import (
    LiteralReading,
    LiteralWarning,
    analyse_literal,
)
from koie.lang.spec import OverlapGrouping, OverlapPolicy, OverlapSpec, PackSpec, RuleSpec
from koie.lang.yamlfile import PatternText


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
        converter = Converter(context, work, labels)
        pattern = work.spec.pattern
        try:
            work.body = lazy_trailing_gaps(converter.convert(work.tree, pattern, ()), True)
        except TooManyElements:
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
        work.list_captures = {name for name, count in capture_counts(work.body).items() if count > 1}
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
                    f"the optional parts of the pattern give its program {paths_text(paths)} ways to move on "
                    f"without consuming a morpheme, more than {MAX_CLOSURE_PATHS}",
                    (0, len(pattern.text)),
                    value=pattern.text.strip()[:60],
                    suggestion=CLOSURE_HINT,
                )
        if converter.errors:
            work.failed = True


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
