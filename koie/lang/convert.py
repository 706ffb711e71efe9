"""Patterns to the resolved IR: macros expanded, literals analysed, names and shapes checked.

One :class:`Converter` per rule (:func:`koie.lang.resolve.convert_patterns`)
walks the pattern's AST and gives the typed IR of :mod:`koie.lang.ir`,
reporting each problem at its place in the rule file.
"""

from __future__ import annotations

from typing import Any

from koie.analysis.morphemes import Morpheme
from koie.errors import did_you_mean
from koie.lang import ast
from koie.lang.ast import MAX_NESTING
from koie.lang.context import (
    CLOSURE_HINT,
    MAX_CLOSURE_PATHS,
    MAX_ENDINGS,
    MAX_LOOKAROUND,
    MAX_PROGRAM_SIZE,
    ResolveContext,
    RuleWork,
    TooManyElements,
    paths_text,
)
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
    nullable,
    rchildren,
    unrolled_size,
)
from koie.lang.literals import (
    analyse_literal,
    describe_reading,
    jongseong_form,
    literal_check,
)
from koie.lang.regexes import HAZARD_HINTS, MAX_REGEX_SECONDS, regex_hazard
from koie.lang.yamlfile import PatternText


class Converter:
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
            raise TooManyElements
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
                    f"the optional parts repeated here give the program {paths_text(paths)} ways to move on "
                    f"without consuming a morpheme, more than {MAX_CLOSURE_PATHS}",
                    node.span,
                    value=pattern.text[node.span[0] : node.span[1]][:60],
                    suggestion=CLOSURE_HINT,
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
            return word_gap(node.max, element)
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


def word_gap(words: int, element: int) -> RNode:
    """``~Nw``: morphemes of at most N more eojeols, as few as the rest of the pattern allows.

    What is left of the eojeol the gap starts in is free; each eojeol the gap
    enters counts: ``(!_ .)* (_ . (!_ .)*){0,N}``.
    """
    same_word = RMorph(MorphemeCheck(same_eojeol=True, description="."), element)
    next_word = RMorph(MorphemeCheck(negated=True, same_eojeol=True, description="."), element)
    rest = RRepeat(same_word, 0, None, greedy=False)
    entered = RRepeat(RSeq((next_word, rest)), 0, words, greedy=False)
    return RRepeat(RSeq((rest, entered)), 0, 1, greedy=False, gap=True)


def lazy_trailing_gaps(node: RNode, at_end: bool) -> RNode:
    """Gaps that only optional elements follow, made lazy: ``a ~3`` is ``a``, not ``a`` and three more morphemes.

    A gap inside a repetition that may go on (``(a ~3)+``) is left as it is, and so
    is everything inside look-arounds (they only test).
    """
    if isinstance(node, RRepeat):
        if node.gap and at_end and not node.lazy:
            return RRepeat(node.body, node.min, node.max, False, node.possessive, True, True)
        body = lazy_trailing_gaps(node.body, at_end and node.max == 1)
        if body is node.body:
            return node
        return RRepeat(body, node.min, node.max, node.greedy, node.possessive, node.lazy, node.gap)
    if isinstance(node, RSeq):
        items = list(node.items)
        follows_nullable = at_end
        for index in range(len(items) - 1, -1, -1):
            item = items[index]
            items[index] = lazy_trailing_gaps(item, follows_nullable)
            follows_nullable = follows_nullable and nullable(item)
        return node if all(a is b for a, b in zip(items, node.items)) else RSeq(tuple(items))
    if isinstance(node, RAlt):
        options = tuple(lazy_trailing_gaps(option, at_end) for option in node.options)
        return node if all(a is b for a, b in zip(options, node.options)) else RAlt(options)
    if isinstance(node, RGroup):
        body = lazy_trailing_gaps(node.body, at_end)
        return node if body is node.body else RGroup(body, node.capture)
    return node


def capture_counts(node: RNode) -> dict[str, int]:
    """How many values each capture name can take in one match (2 stands for "more than one").

    A name that can take more than one value collects a list: inside a
    repetition, or written twice where both can match (``(?<x> c) d (?<x> e)``).
    Alternatives take the larger count; look-arounds capture nothing.
    """
    counts: dict[str, int] = {}
    if isinstance(node, (RSlot, RLexicon)):
        return {node.capture: 1} if node.capture else {}
    if isinstance(node, RGroup):
        counts = capture_counts(node.body)
        if node.capture:
            counts[node.capture] = min(2, counts.get(node.capture, 0) + 1)
        return counts
    if isinstance(node, RSeq):
        for item in node.items:
            for name, count in capture_counts(item).items():
                counts[name] = min(2, counts.get(name, 0) + count)
        return counts
    if isinstance(node, RAlt):
        for option in node.options:
            for name, count in capture_counts(option).items():
                counts[name] = max(counts.get(name, 0), count)
        return counts
    if isinstance(node, RRepeat):
        many = node.max is None or node.max > 1
        return {name: 2 if many else count for name, count in capture_counts(node.body).items()}
    return counts
