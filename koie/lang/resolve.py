"""Pack specs → resolved rules: names checked, literals analysed, phases ordered.

The resolver runs its passes in the order of :data:`PASSES` (as sqlglot's
optimizer lists its rules); each pass reads the shared :class:`_Context` and
adds diagnostics to it rather than stopping at the first problem, so
``koie check`` can report every error of a pack at once.

Literal analysis (see docs/patterns.md, "How literals are analysed"):

1. A literal is analysed alone by the same analyser as the documents.
2. A literal glued to the element before it (``[PERSON]와``) is analysed
   after a carrier noun (회사 or 사람, whichever suits the particle's
   phonology), because alone ``와`` reads as an interjection. A literal that
   stands alone but reads after a carrier as particles only (``(이|은)``)
   is taken as those particles.
3. An ending Kiwi inserts without a character of its own (alone, ``만나``
   comes out 만나/VV + 어/EC) is dropped.
4. A literal that does not end in a predicate stem, particle or ending is
   analysed again with 다 appended; if that ends in a predicate stem
   (``회동하`` → 회동/NNG 하/XSV), that reading is used.
5. A literal ending in a predicate stem matches any inflection: it takes the
   endings that follow in the same eojeol (``만나`` matches 만났다, 만난, 만나서).
6. Each morpheme of a literal matches by form and coarse tag class (nouns
   N*, verb stems VV/VA/VX, endings E*, particles J*), and a particle matches
   its allomorphs (이/가, 은/는, 을/를, 와/과, 으로/로 …).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from koie.analysis.morphemes import Morpheme, UserWord
from koie.analysis.protocol import Analyzer, KeepsPatterns, ScoresReadings
from koie.errors import Diagnostic, KoieError, did_you_mean
from koie.lang import ast
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
    RSlot,
    allomorphs,
    expand_tag_pattern,
    max_length,
    nullable,
    rchildren,
)
from koie.lang.load import LexiconSpec, PackSpec, PatternText, RuleSpec

if TYPE_CHECKING:
    from koie.lang.parse import PatternError

#: Look-behind searches at most this many morphemes back.
MAX_LOOKAROUND = 32

#: Most endings a stem-final literal takes after its stem (만나+시+었+겠+다…).
MAX_ENDINGS = 8

_CONSONANT_INITIAL_PARTICLES = ("이", "은", "을", "과", "으", "아")
_NOUN_TAGS = frozenset(("NNG", "NNP", "NNB", "NR", "NP"))


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
    overlap: dict[str, str]

    @property
    def phases(self) -> tuple[tuple[ResolvedRule, ...], ...]:
        count = max((r.phase for r in self.rules), default=-1) + 1
        return tuple(tuple(r for r in self.rules if r.phase == p) for p in range(count))

    def overlap_policy(self, label: str) -> str:
        return self.overlap.get(label, self.overlap.get("default", "longest"))


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
class _RuleWork:
    spec: RuleSpec
    tree: ast.Node | None = None
    body: RNode | None = None
    elements: list[Element] = field(default_factory=list)
    list_captures: set[str] = field(default_factory=set)
    captures: list[str] = field(default_factory=list)
    slot_labels: set[str] = field(default_factory=set)
    phase: int = 0
    failed: bool = False


@dataclass
class _Context:
    spec: PackSpec
    analyzer: Analyzer
    rules: list[_RuleWork]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    macros: dict[str, tuple[ast.Node, PatternText]] = field(default_factory=dict)
    lexicons: dict[str, Lexicon] = field(default_factory=dict)
    literal_cache: dict[tuple[str, bool], tuple[tuple[Morpheme, ...], str | None]] = field(default_factory=dict)

    def report(self, diagnostic: Diagnostic) -> None:
        # A macro used by several rules would repeat its diagnostics otherwise.
        if diagnostic not in self.diagnostics:
            self.diagnostics.append(diagnostic)


def _pattern_error(pattern: PatternText, error: PatternError, rule: str | None) -> Diagnostic:
    return pattern.diagnostic(
        error.code, error.message, error.offset, error.length, value=error.value, suggestion=error.suggestion, rule=rule
    )


# ------------------------------------------------------------------- passes


def parse_patterns(context: _Context) -> None:
    """Parse every rule and macro pattern.

    An analyser with a cache (koie.analysis.cache.CachedAnalyzer) keeps the trees of the
    patterns it has seen: a run after an edit parses only the patterns that
    changed, and one that changed none never imports the parser (lark).
    """
    texts = [macro.pattern.text for macro in context.spec.macros] + [work.spec.pattern.text for work in context.rules]
    store = context.analyzer if isinstance(context.analyzer, KeepsPatterns) else None
    signature = parser_signature() if store is not None else ""
    known: dict[str, ast.Node] = store.parsed_patterns(texts, signature) if store is not None else {}
    fresh: dict[str, ast.Node] = {}

    def parsed(text: str) -> tuple[ast.Node | None, PatternError | None]:
        tree = known.get(text)
        if tree is not None:
            return tree, None
        from koie.lang.parse import PatternError, parse_pattern  # here: a cached tree needs no parser

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
        store.store_patterns(fresh, signature)


def build_lexicons(context: _Context) -> None:
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


def convert_patterns(context: _Context) -> None:
    """AST → resolved IR: expand macros, analyse literals, check names."""
    labels = {work.spec.label for work in context.rules}
    for work in context.rules:
        if work.tree is None:
            continue
        converter = _Converter(context, work, labels)
        work.body = converter.convert(work.tree, work.spec.pattern, ())
        if converter.errors:
            work.failed = True


def check_shapes(context: _Context) -> None:
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


def order_phases(context: _Context) -> None:
    """Entity rules before the rules that use their labels; cycles are errors."""
    producers: dict[str, list[_RuleWork]] = {}
    for work in context.rules:
        producers.setdefault(work.spec.label, []).append(work)
    label_phase: dict[str, int] = {}
    visiting: list[str] = []

    def phase_of_label(label: str) -> int:
        if label in label_phase:
            return label_phase[label]
        if label in visiting:
            cycle = visiting[visiting.index(label) :] + [label]
            raise _Cycle(cycle)
        visiting.append(label)
        phase = 0
        for work in producers.get(label, []):
            phase = max(phase, phase_of_rule(work))
        visiting.pop()
        label_phase[label] = phase
        return phase

    def phase_of_rule(work: _RuleWork) -> int:
        return max((phase_of_label(label) + 1 for label in work.slot_labels), default=0)

    for work in context.rules:
        try:
            work.phase = phase_of_rule(work)
        except _Cycle as cycle:
            visiting.clear()
            context.report(_cycle_diagnostic(work, cycle.labels, producers))
            work.failed = True
            return


def _cycle_diagnostic(work: _RuleWork, labels: list[str], producers: dict[str, list[_RuleWork]]) -> Diagnostic:
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


class _Cycle(Exception):
    def __init__(self, labels: list[str]) -> None:
        super().__init__(labels)
        self.labels = labels


def check_examples_present(context: _Context) -> None:
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


#: The resolver's passes, in order.
PASSES: tuple[Callable[[_Context], None], ...] = (
    parse_patterns,
    build_lexicons,
    convert_patterns,
    check_shapes,
    order_phases,
    check_examples_present,
)


# ---------------------------------------------------------------- converter


class _Converter:
    def __init__(self, context: _Context, work: _RuleWork, labels: set[str]) -> None:
        self.context = context
        self.work = work
        self.labels = labels
        self.errors = 0
        self.repeat_depth = 0

    def report(self, pattern: PatternText, code: str, message: str, span: ast.Span, **extra: Any) -> None:
        self.context.report(
            pattern.diagnostic(code, message, span[0], max(span[1] - span[0], 1), rule=self.work.spec.id, **extra)
        )
        if not code.startswith("W"):
            self.errors += 1

    def element(self, kind: str, node: ast.Node, pattern: PatternText, analysis: str = "") -> int:
        text = pattern.text[node.span[0] : node.span[1]]
        diagnostic = pattern.diagnostic("", "", node.span[0])
        where = f"{diagnostic.file}:{diagnostic.line}:{diagnostic.col}"
        element = Element(len(self.work.elements), kind, text, where, analysis)
        self.work.elements.append(element)
        return element.id

    def capture(self, name: str | None) -> None:
        if name is None:
            return
        if name not in self.work.captures:
            self.work.captures.append(name)
        if self.repeat_depth:
            self.work.list_captures.add(name)

    def convert(self, node: ast.Node, pattern: PatternText, macro_chain: tuple[str, ...]) -> RNode:
        if isinstance(node, ast.Sequence):
            items: list[RNode] = []
            for index, item in enumerate(node.items):
                following = node.items[index + 1] if index + 1 < len(node.items) else None
                if isinstance(item, ast.Literal) and isinstance(following, ast.Lookaround) and following.ahead:
                    items.append(self.literal(item, pattern, possessive=True))
                else:
                    items.append(self.convert(item, pattern, macro_chain))
            return RSeq(tuple(items))
        if isinstance(node, ast.Alternation):
            return RAlt(tuple(self.convert(option, pattern, macro_chain) for option in node.options))
        if isinstance(node, ast.Group):
            self.capture(node.capture)
            return RGroup(self.convert(node.body, pattern, macro_chain), node.capture)
        if isinstance(node, ast.Repeat):
            repeats = node.max is None or node.max > 1
            self.repeat_depth += repeats
            body = self.convert(node.body, pattern, macro_chain)
            self.repeat_depth -= repeats
            return RRepeat(body, node.min, node.max)
        if isinstance(node, ast.Lookaround):
            element = self.element("lookaround", node, pattern)
            body = self.convert(node.body, pattern, macro_chain)
            bound = max_length(body)
            if bound is None or bound > MAX_LOOKAROUND:
                self.report(
                    pattern,
                    "E209",
                    "a look-around must have a bounded length",
                    node.span,
                    value=pattern.text[node.span[0] : node.span[1]],
                    suggestion="use {n,m} or ~N instead of * or + inside (?= ...) and (?<= ...)",
                )
                bound = MAX_LOOKAROUND
            return RLook(body, node.ahead, node.negative, bound, element)
        if isinstance(node, ast.Anchor):
            return RAnchor(node.at_end, self.element("anchor", node, pattern), node.spacing)
        if isinstance(node, ast.AnyMorpheme):
            return RMorph(MorphemeCheck(description="."), self.element("any", node, pattern, "."))
        if isinstance(node, ast.Gap):
            element = self.element("gap", node, pattern, f"at most {node.max} morphemes")
            return RRepeat(RMorph(MorphemeCheck(description="."), element), 0, node.max, greedy=False)
        if isinstance(node, ast.Slot):
            for label in node.labels:
                if label not in self.labels:
                    # Point the caret at the label itself, not the whole slot.
                    at = pattern.text.find(label, node.span[0], node.span[1])
                    label_span = (at, at + len(label)) if at >= 0 else node.span
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
            return self.convert(tree, macro_pattern, macro_chain + (node.name,))
        if isinstance(node, ast.MorphTest):
            check = self.morph_check(node, pattern, negated=False)
            return RMorph(check, self.element("morpheme", node, pattern, check.description))
        if isinstance(node, ast.Negated):
            if isinstance(node.test, ast.MorphTest):
                check = self.morph_check(node.test, pattern, negated=True)
                return RMorph(check, self.element("morpheme", node, pattern, check.description))
            morphemes = self.analyse(node.test, pattern)
            if len(morphemes) != 1:
                self.report(
                    pattern,
                    "E208",
                    f"'!' needs one morpheme, but {node.test.text!r} is " + " ".join(m.notation for m in morphemes),
                    node.span,
                    value=node.test.text,
                    suggestion="negate a single morpheme: !회장 or !만나/VV",
                )
                return RSeq(())
            base = _literal_check(morphemes[0])
            check = MorphemeCheck(base.forms, base.tags, None, True, False, "!" + base.description)
            return RMorph(check, self.element("morpheme", node, pattern, check.description))
        if isinstance(node, ast.Literal):
            return self.literal(node, pattern)
        raise TypeError(f"unknown node {node!r}")

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
        description = ("!" if negated else "") + pattern.text[node.span[0] : node.span[1]].lstrip("!")
        return MorphemeCheck(
            frozenset((node.form,)) if node.form else frozenset(),
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
        morphemes, warning = self.context.literal_cache[key]
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
        if warning:
            # W102: the literal reads one way alone and another before an ending;
            # W101: Kiwi finds another reading about as likely.
            code = "W102" if "before an ending" in warning else "W101"
            self.report(
                pattern,
                code,
                warning,
                node.span,
                value=node.text,
                suggestion="write form/TAG to say which reading you mean",
            )
        return morphemes

    def literal(self, node: ast.Literal, pattern: PatternText, possessive: bool = False) -> RNode:
        morphemes = self.analyse(node, pattern)
        if not morphemes:
            return RSeq(())
        checks = [_literal_check(m, previous) for m, previous in zip(morphemes, (None, *morphemes))]
        analysis = " ".join(c.description for c in checks)
        stem_final = morphemes[-1].tag in STEM_TAGS
        if stem_final:
            analysis += " +endings"
        element = self.element("literal", node, pattern, analysis)
        items: list[RNode] = [RMorph(check, element) for check in checks]
        if stem_final:
            tail = MorphemeCheck(frozenset(), ENDING_TAGS, None, False, True, "ending")
            # Bounded so literals may sit inside look-arounds; no eojeol
            # stacks more endings than this.
            # Before a look-ahead the tail takes every ending, so the look-ahead
            # sees what follows the word (만나 (?! 예정) must not stop at 만나 in 만날).
            items.append(RRepeat(RMorph(tail, element), 0, MAX_ENDINGS, possessive=possessive))
        return items[0] if len(items) == 1 else RSeq(tuple(items))


def _tag_class(tag: str) -> frozenset[str]:
    if tag in _NOUN_TAGS:
        return frozenset(_NOUN_TAGS)
    if tag in ("VV", "VA", "VX"):
        return frozenset(("VV", "VA", "VX"))
    if tag in ("XSV", "XSA"):
        return frozenset(("XSV", "XSA"))
    if tag.startswith("J"):
        return expand_tag_pattern("J*")
    if tag.startswith("E"):
        return frozenset(ENDING_TAGS)
    if tag in ("MAG", "MAJ"):
        return frozenset(("MAG", "MAJ"))
    return frozenset((tag,))


#: Verb-making suffixes Kiwi tags either way after a noun: 취소되 alone is 취소/NNG 되/VV and in a
#: sentence 되/XSV; 미팅하 in an odd sentence is 하/VV.
_NOUN_SUFFIXES = frozenset(("하", "되"))
_PREDICATE_TAGS = frozenset(("VV", "VA", "VX", "XSV", "XSA"))


def _literal_check(morpheme: Morpheme, previous: Morpheme | None = None) -> MorphemeCheck:
    forms = allomorphs(morpheme.form) if morpheme.tag.startswith("J") else frozenset((morpheme.form,))
    tags = _tag_class(morpheme.tag)
    if (
        morpheme.form in _NOUN_SUFFIXES
        and morpheme.tag in _PREDICATE_TAGS
        and previous is not None
        and previous.tag in _NOUN_TAGS
        and previous.end == morpheme.start
    ):
        tags = _PREDICATE_TAGS
    form_text = "|".join(sorted(forms, key=lambda f: (f != morpheme.form, f)))
    tag_text = morpheme.tag
    if len(tags) > 1:
        tag_text = (
            {"N": "N*", "J": "J*", "E": "E*"}.get(morpheme.tag[0], "/".join(sorted(tags)))
            if morpheme.tag[0] in "NJE"
            else ",".join(sorted(tags))
        )
    return MorphemeCheck(forms, tags, None, False, False, f"{form_text}/{tag_text}")


def analyse_literal(analyzer: Analyzer, text: str, glued: bool) -> tuple[tuple[Morpheme, ...], str | None]:
    """Analyse a pattern literal as described in the module docstring.

    Returns the morphemes (offsets relative to the literal) and a warning when
    the literal reads differently alone and in a frame.
    """
    alone = list(analyzer.analyze_fragment(text))
    morphemes = alone
    warning = None
    carriers = ("사람", "회사") if text.startswith(_CONSONANT_INITIAL_PARTICLES) else ("회사", "사람")
    for carrier in carriers:
        if not glued and (not alone or alone[0].tag.startswith("J")):
            break
        framed = _framed(analyzer, carrier, text)
        if not framed:
            continue
        if glued and (framed[0].tag[0] in "JEX" or framed[0].tag in ("NNB", "VCP")):
            morphemes = framed
            break
        # A standalone particle (``(이|은)``) is still a particle: alone, Kiwi
        # reads 이 as an interjection, so take the framed reading when it is
        # made only of particles.
        if not glued and all(m.tag.startswith("J") for m in framed):
            morphemes = framed
            break
    morphemes = _drop_phantom_endings(morphemes)
    # Retry with 다 when the literal does not end grammatically, or ends in an
    # ending that may really be part of a stem (가지 alone is 가/VV + 지/EF).
    if morphemes and (not _ends_grammatically(morphemes) or morphemes[-1].tag in ENDING_TAGS) and text[-1:].isalpha():
        with_ending = list(analyzer.analyze_fragment(text + "다"))
        inside = [m for m in with_ending if m.start < len(text)]
        if inside and all(m.end <= len(text) for m in inside) and inside[-1].tag in STEM_TAGS:
            if morphemes[-1].tag in ENDING_TAGS or (
                len(inside) == len(morphemes)
                and morphemes[-1].form == inside[-1].form
                and morphemes[-1].tag in _NOUN_TAGS
                and len(morphemes[-1].form) > 1
            ):
                warning = (
                    f"{text!r} reads as {' '.join(m.notation for m in morphemes)} alone and as "
                    f"{' '.join(m.notation for m in inside)} before an ending; koie uses the second"
                )
            morphemes = inside
    if warning is None and not glued and morphemes == _drop_phantom_endings(alone):
        warning = _close_reading(analyzer, text, morphemes)
    return tuple(morphemes), warning


#: Readings whose scores are closer than this (log-probability) count as ambiguous.
AMBIGUITY_MARGIN = 2.0


def _signature(morphemes: Sequence[Morpheme]) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((m.form, _tag_class(m.tag)) for m in morphemes)


def _close_reading(analyzer: Analyzer, text: str, chosen: list[Morpheme]) -> str | None:
    """A warning when Kiwi finds another reading of ``text`` about as likely as the chosen one."""
    if not isinstance(analyzer, ScoresReadings):
        return None
    readings = analyzer.scored_alternatives(text, 3)
    if not readings:
        return None
    best_score = readings[0][1]
    mine = _signature(chosen)
    for reading, score in readings[1:]:
        other = _drop_phantom_endings(list(reading))
        if any(m.tag in ("Z_CODA", "Z_SIOT", "UN") for m in other):
            continue  # readings that need an orphan coda are artefacts, not alternatives
        if chosen[-1].tag in STEM_TAGS and [m.form for m in other] == [m.form for m in chosen]:
            continue  # 면담하 as 면담/NNG 하/NNG: a stem-final literal is meant as a predicate
        if best_score - score <= AMBIGUITY_MARGIN and other and _signature(other) != mine:
            return (
                f"{text!r} is ambiguous out of context: Kiwi reads it as "
                f"{' '.join(m.notation for m in chosen)} or {' '.join(m.notation for m in other)}; "
                f"koie uses the first"
            )
    return None


def _framed(analyzer: Analyzer, carrier: str, text: str) -> list[Morpheme]:
    analysed = analyzer.analyze_fragment(carrier + text)
    shift = len(carrier)
    if any(m.start < shift < m.end for m in analysed):
        return []
    return [Morpheme(m.form, m.tag, m.start - shift, m.end - shift, 0, m.lemma) for m in analysed if m.start >= shift]


def _drop_phantom_endings(morphemes: list[Morpheme]) -> list[Morpheme]:
    out = list(morphemes)
    while len(out) > 1 and out[-1].tag in ENDING_TAGS and out[-1].end <= max(m.end for m in out[:-1]):
        out.pop()
    return out


def _ends_grammatically(morphemes: list[Morpheme]) -> bool:
    last = morphemes[-1].tag
    return last in STEM_TAGS or last in ENDING_TAGS or last.startswith("J") or last in ("VCP", "VCN")


# ------------------------------------------------------------------ entry


def resolve_pack(spec: PackSpec, analyzer: Analyzer) -> ResolvedPack:
    """Resolve every rule of a pack; raise :class:`KoieError` listing every error."""
    resolved, diagnostics = check_resolve(spec, analyzer)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or resolved is None:
        raise KoieError(diagnostics)
    return resolved


def check_resolve(spec: PackSpec, analyzer: Analyzer) -> tuple[ResolvedPack | None, list[Diagnostic]]:
    """Run every pass and return the result with all diagnostics (errors and warnings)."""
    context = _Context(spec, analyzer, [_RuleWork(rule) for rule in spec.rules])
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
        )
        for work in context.rules
    )
    warnings = tuple(d for d in context.diagnostics if d.severity == "warning")
    return ResolvedPack(
        spec, rules, context.lexicons, user_words_of(spec), warnings, dict(spec.overlap)
    ), context.diagnostics


__all__ = [
    "Lexicon",
    "ResolvedPack",
    "ResolvedRule",
    "analyse_literal",
    "check_resolve",
    "rchildren",
    "resolve_pack",
    "user_words_of",
]
