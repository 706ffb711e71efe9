"""Pattern text → AST, and AST → pattern text.

:func:`parse_pattern` is the only code that sees ``lark.Tree``: the grammar
(``koie.lark``) says what a pattern is, and the transformer :class:`_ToAst`
builds the AST from lark's tree. Syntax errors come out as
:class:`~koie.errors.PatternError` with an offset into the pattern, which the
loader turns into ``file:line:col``; lark's own errors are put in words by a
table of known bad patterns (:data:`SYNTAX_EXAMPLES`) and by what the parser
holds open where it stopped.

>>> parse_pattern("[PERSON:subject] 회장이") == ast.Sequence((ast.Slot(("PERSON",), "subject"), ast.Literal("회장이")))
True
>>> format_pattern(parse_pattern("( 만나/VV | 회동하 )+ ~3"))
'(만나/VV | 회동하)+ ~3'
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Any

from lark import Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from koie.errors import PatternError
from koie.lang import ast
from koie.lang.ast import MAX_NESTING
from koie.lang.grammar import pattern_parser
from koie.lang.ir import KNOWN_TAGS
from koie.lang.regexes import regex_error

#: Repetition bounds above this are refused: {n,m} is unrolled into the program.
MAX_REPEAT = 200

#: Opening brackets as the parser holds them, and what closes each.
_CLOSER_OF = {"[": "]", "(": ")", "(?<": ")", "(?=": ")", "(?!": ")", "(?<=": ")", "(?<!": ")", "{": "}"}
_CLOSERS = {"]": "[", ")": "(", "}": "{"}


#: Known bad patterns and what to tell the rule writer (lark's match_examples).
#: The table doubles as a test: tests/test_parse.py checks every example.
SYNTAX_EXAMPLES: dict[tuple[str, str, str], list[str]] = {
    ("E103", "quantifier with nothing to repeat", "put the quantifier after the element it repeats"): [
        "?",
        "*",
        "+ 회장",
        "{1,2}",
        "회장 | ?",
        "(? 회장)",
        "회장 ( + )",
        "회장 ++",
        "회장 *??",
    ],
    ("E101", "a slot is written [LABEL] or [LABEL:capture]", "write the slot as [PERSON] or [PERSON:subject]"): [
        "[]",
        "[회장 이]",
        "[PERSON:]",
        "[PERSON::a]",
        "[:a]",
        "[PERSON a]",
    ],
    ("E101", "an alternative is empty", "write something on both sides of '|', or make the group optional with '?'"): [
        "|",
        "회장 |",
        "| 회장",
        "(회장 | )",
        "( | 회장)",
        "(회장 || 사장)",
    ],
    ("E101", "a group is empty", "put elements inside the parentheses"): ["()", "(?<x>)", "(?=)", "(?!)"],
    ("E101", "a capture group is written (?<name> ...)", "name the capture: (?<topic> ...)"): [
        "(?<> 회장)",
        "(?<1a> 회장)",
        "(?<x 회장)",
    ],
    ("E101", "'!' negates one morpheme test", "write !/NNP, !만나/VV or !회장"): [
        "!",
        "! [PERSON]",
        "!(회장)",
        "!@TITLE",
    ],
    ("E101", "':name' captures belong to a slot or lexicon", "write [PERSON:name] or @TITLE:name"): [
        "회장:x",
        "만나/VV :x",
        "(회장):x",
    ],
    ("E101", "an attribute is written {key=value}", "write for example {status=planned}"): [
        "회장 {status}",
        "회장 {=planned}",
        "회장 {status=}",
        "회장 {status=planned,}",
        "회장 {status planned}",
        "회장 {status=planned status=asserted}",
    ],
    ("E107", "the pattern is empty", "write at least one element"): ["", "   ", "# only a comment"],
}


def _open_brackets(error: UnexpectedInput) -> list[Token]:
    """The brackets the parser holds open where it stopped, outermost first."""
    parser = getattr(error, "interactive_parser", None)
    if parser is None:  # pragma: no cover - lark attaches it to every error of an LALR parse
        return []
    stack = parser.parser_state.value_stack
    return [value for value in stack if isinstance(value, Token) and str(value) in _CLOSER_OF]


def _parses(text: str) -> bool:
    try:
        pattern_parser().parse(text)
    except UnexpectedInput:
        return False
    return True


def _bracket_error(error: UnexpectedInput, text: str, position: int, at_end: bool) -> PatternError | None:
    """A quote, bracket or parenthesis left open, or a closing one with nothing open for it.

    The parser says what is open where it stopped; a bracket is "never closed"
    when the pattern parses with its closer put where the parser stopped.
    """
    bad = text[position : position + 1]
    if isinstance(error, UnexpectedCharacters) and bad == '"':
        # QUOTED is a whole token or nothing: the lexer stops at a quote with no closing one on its line
        return PatternError(
            "E102",
            "unclosed quote: expected '\"' to close the literal",
            position,
            len(text) - position,
            text[position:],
            "add the closing '\"'",
        )
    open_brackets = _open_brackets(error)
    innermost = str(open_brackets[-1]) if open_brackets else None
    if not at_end and bad in _CLOSERS and (innermost is None or _CLOSER_OF[innermost] != bad):
        return PatternError(
            "E106",
            f"unexpected {bad!r}: nothing is open for it to close",
            position,
            1,
            bad,
            f"remove it, or add the opening {_CLOSERS[bad]!r}",
        )
    if innermost is None:
        return None
    closer = _CLOSER_OF[innermost]
    # at the end, after a newline: the pattern may end in a comment
    repaired = text + "\n" + closer if at_end else text[:position] + closer + text[position:]
    if not _parses(repaired):
        return None
    opener = open_brackets[-1]
    at = opener.start_pos or 0
    what = "slot" if innermost == "[" else "group"
    snippet = re.split(r"\s", text[at:], maxsplit=1)[0]
    return PatternError(
        "E102",
        f"expected {closer!r} to close {what} {snippet!r}",
        at,
        len(snippet),
        snippet,
        f"add {closer!r} where the {what} ends",
    )


def _translate(error: UnexpectedInput, text: str) -> PatternError:
    def parse_for_examples(sample: str) -> Any:
        return pattern_parser().parse(sample)

    found = getattr(error, "pos_in_stream", None)
    position: int = found if isinstance(found, int) else len(text)
    at_end = isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END")
    if at_end:
        position = len(text.rstrip())
    bracket = _bracket_error(error, text, position, at_end)
    if bracket is not None:
        return bracket
    label = None
    try:
        label = error.match_examples(parse_for_examples, SYNTAX_EXAMPLES, use_accepts=True)
    except Exception:  # pragma: no cover - match_examples re-parses examples; never let it mask the error
        label = None
    bad = text[position : position + 1] if position < len(text) else ""
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        bad = str(error.token)
    if label is not None:
        code, message, hint = label
        if code == "E107":  # nothing but spaces and comments: the whole pattern is the bad value
            return PatternError(code, message, 0, max(len(text), 1), text, hint)
        return PatternError(code, message, position, max(len(bad), 1), bad or None, hint)
    if isinstance(error, UnexpectedCharacters):
        return PatternError(
            "E101",
            f"unexpected character {bad!r}",
            position,
            1,
            bad,
            'quote literal text that contains operators: "..."',
        )
    if not bad:
        return PatternError("E108", "the pattern ends too early", position, 1, None, "finish the last element")
    return PatternError("E101", f"unexpected {bad!r}", position, max(len(bad), 1), bad, "check the element before it")


def _parse_quantifier(token: Token) -> tuple[int, int | None]:
    value = str(token)
    if len(value) > 1 and value.endswith("?"):  # lazy: the bounds are those of the greedy form
        value = value[:-1]
    if value == "?":
        return 0, 1
    if value == "*":
        return 0, None
    if value == "+":
        return 1, None
    body = value[1:-1]
    offset = token.start_pos or 0
    if "," in body:
        low_text, high_text = body.split(",", 1)
    else:
        low_text = high_text = body
    if not low_text and not high_text:
        raise PatternError(
            "E104", f"quantifier {value} gives no bounds", offset, len(value), value, "write {n}, {n,m} or {n,}"
        )
    low = int(low_text) if low_text else 0
    high = int(high_text) if high_text else None
    if high is not None and high < low:
        raise PatternError(
            "E104",
            f"quantifier {value} has its maximum below its minimum",
            offset,
            len(value),
            value,
            f"write {{{high},{low}}}",
        )
    if max(low, high or 0) > MAX_REPEAT:
        raise PatternError(
            "E211",
            f"quantifier {value} is larger than {MAX_REPEAT}",
            offset,
            len(value),
            value,
            "use * or + for long repetitions",
        )
    if high == 0:
        raise PatternError(
            "E104",
            f"quantifier {value} repeats nothing",
            offset,
            len(value),
            value,
            "remove the element, or allow at least one repetition",
        )
    return low, high


def _tags(spec: str) -> tuple[str, ...]:
    return tuple(t for t in spec.split(",") if t)


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _span(meta: Any) -> ast.Span:
    if getattr(meta, "empty", True):
        return (0, 0)
    return (meta.start_pos, meta.end_pos)


def _token_span(token: Token) -> ast.Span:
    start = token.start_pos or 0
    return (start, start + len(token))


def _starred_tag(node: ast.Node) -> ast.MorphTest | ast.Negated | None:
    """``node`` without its final star, when it is written ``/TAG*`` with TAG a whole tag (``/NNP*``, ``!/SL*``).

    The lexer reads ``/N*`` and ``/NNP*`` alike; a star after a whole tag is a
    quantifier (zero or more), after a prefix of tags a tag family (``/N*``).
    """
    test = node.test if isinstance(node, ast.Negated) else node
    if not isinstance(test, ast.MorphTest) or not test.tags or not test.tags[-1].endswith("*"):
        return None
    tag = test.tags[-1][:-1]
    if tag not in KNOWN_TAGS:
        return None
    start, end = test.span
    bare = replace(test, tags=test.tags[:-1] + (tag,), span=(start, max(start, end - 1)))
    if isinstance(node, ast.Negated):
        return replace(node, test=bare, span=(node.span[0], max(node.span[0], node.span[1] - 1)))
    return bare


def _zero_width(node: ast.Node) -> bool:
    """Whether ``node`` can only ever consume nothing: an anchor, look-around or attribute set, or a group of them."""
    if isinstance(node, (ast.Anchor, ast.Lookaround, ast.SetAttrs)):
        return True
    if isinstance(node, ast.Group):
        return _zero_width(node.body)
    if isinstance(node, ast.Sequence):
        return all(_zero_width(item) for item in node.items)
    if isinstance(node, ast.Alternation):
        return all(_zero_width(option) for option in node.options)
    return False


#: Nodes that open a level of nesting: ( ), (?<name> ), (?= ) and the other look-arounds.
_NESTING = (ast.Group, ast.Lookaround)
#: Nodes with children whose nesting is recorded while the tree is built.
_COMPOSITE = (ast.Group, ast.Lookaround, ast.Sequence, ast.Alternation, ast.Repeat, ast.Negated)


@v_args(meta=True, inline=True)
class _ToAst(Transformer_NonRecursive[Token, ast.Node]):
    """lark's tree → the AST, one rule of the grammar per method.

    Not recursive, so a pattern nested thousands deep is built and then
    refused with E109, never a RecursionError. Each composite node's nesting
    (groups and look-arounds below it, itself included) is kept by identity
    while the tree is built: every node it is kept for is alive until the end.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text  # for the bad value of E109 only
        self.nesting: dict[int, int] = {}

    def _nested(self, node: ast.Node, *children: ast.Node) -> ast.Node:
        below = max((self.nesting.get(id(c), 0) for c in children if isinstance(c, _COMPOSITE)), default=0)
        self.nesting[id(node)] = below + isinstance(node, _NESTING)
        return node

    def _depth_of(self, node: ast.Node) -> int:
        return self.nesting.get(id(node), 0) if isinstance(node, _COMPOSITE) else 0

    def start(self, meta: Any, node: ast.Node) -> ast.Node:
        return node

    def alternation(self, meta: Any, *options: ast.Node) -> ast.Node:
        if len(options) == 1:
            return options[0]
        return self._nested(ast.Alternation(tuple(options), _span(meta)), *options)

    def sequence(self, meta: Any, *items: ast.Node) -> ast.Node:
        glued_items: list[ast.Node] = []
        previous_end: int | None = None
        for item in items:
            start, end = item.span
            if isinstance(item, ast.Literal) and not item.quoted and previous_end == start:
                item = replace(item, glued=True)
            glued_items.append(item)
            previous_end = end
        if len(glued_items) == 1:
            return glued_items[0]
        return self._nested(ast.Sequence(tuple(glued_items), _span(meta)), *glued_items)

    def item(self, meta: Any, atom: ast.Node, quantifier: Token | None = None) -> ast.Node:
        starred = _starred_tag(atom)
        if starred is not None:
            # /NNP* is /NNP repeated: NNP is a whole tag, so the star cannot make a tag family of it
            atom = starred
            if quantifier is None:
                return self._nested(ast.Repeat(atom, 0, None, _span(meta)), atom)
            if str(quantifier) != "?":
                raise PatternError(
                    "E103",
                    "quantifier with nothing to repeat",
                    quantifier.start_pos or 0,
                    len(quantifier),
                    str(quantifier),
                    "put the quantifier after the element it repeats",
                )
            return self._nested(ast.Repeat(atom, 0, None, _span(meta), lazy=True), atom)
        if quantifier is None:
            return atom
        low, high = _parse_quantifier(quantifier)
        if _zero_width(atom):
            raise PatternError(
                "E212",
                "a quantifier cannot repeat an anchor, look-around or attribute set (they consume nothing)",
                quantifier.start_pos or 0,
                len(quantifier),
                str(quantifier),
                "remove the quantifier",
            )
        lazy = len(quantifier) > 1 and str(quantifier).endswith("?")
        return self._nested(ast.Repeat(atom, low, high, _span(meta), lazy=lazy), atom)

    def literal(self, meta: Any, token: Token) -> ast.Node:
        return ast.Literal(str(token), False, False, _span(meta))

    def quoted(self, meta: Any, token: Token) -> ast.Node:
        text = _unquote(str(token))
        if not text.strip():
            raise PatternError(
                "E107",
                "a quoted literal is empty",
                token.start_pos or 0,
                len(token),
                str(token),
                "write text between the quotes",
            )
        return ast.Literal(text, True, False, _span(meta))

    def morph(self, meta: Any, token: Token) -> ast.Node:
        form, _, tags = str(token).rpartition("/")
        return ast.MorphTest(form or None, None, _tags(tags), _span(meta))

    def regex_morph(self, meta: Any, token: Token) -> ast.Node:
        value = str(token)
        closing = value.rfind('"')
        regex = re.sub(r'\\"', '"', value[2:closing])
        tags = value[closing + 2 :] if value[closing + 1 : closing + 2] == "/" else ""
        problem = regex_error(regex)
        if problem is not None:
            raise PatternError(
                "E105",
                f"invalid regular expression: {problem}",
                (token.start_pos or 0) + 2,
                len(regex) or 1,
                regex,
                "check the regex syntax (Python re)",
            )
        return ast.MorphTest(None, regex, _tags(tags), _span(meta))

    def negated(self, meta: Any, test: ast.Node) -> ast.Node:
        assert isinstance(test, (ast.MorphTest, ast.Literal))
        return ast.Negated(test, _span(meta))

    def any(self, meta: Any) -> ast.Node:
        return ast.AnyMorpheme(_span(meta))

    def gap(self, meta: Any, token: Token) -> ast.Node:
        words = str(token).endswith("w")
        size = int(str(token)[1:].rstrip("w"))
        if size > MAX_REPEAT:
            raise PatternError(
                "E211",
                f"gap {token} is larger than {MAX_REPEAT}",
                token.start_pos or 0,
                len(token),
                str(token),
                "use a smaller gap",
            )
        if size == 0:
            raise PatternError(
                "E104",
                f"gap {token} skips nothing",
                token.start_pos or 0,
                len(token),
                str(token),
                "remove it or write ~1 or more" + ("w" if words else ""),
            )
        return ast.Gap(size, _span(meta), words)

    def slot_labels(self, meta: Any, *names: Token) -> tuple[Token, ...]:
        return names

    def capture(self, meta: Any, name: Token) -> Token:
        return name

    def slot(self, meta: Any, labels: tuple[Token, ...], capture: Token | None = None) -> ast.Node:
        return ast.Slot(
            tuple(str(label) for label in labels),
            str(capture) if capture is not None else None,
            _span(meta),
            tuple(_token_span(label) for label in labels),
        )

    def lexref(self, meta: Any, token: Token, capture: Token | None = None) -> ast.Node:
        return ast.LexiconRef(str(token)[1:], str(capture) if capture is not None else None, _span(meta))

    def macro(self, meta: Any, token: Token) -> ast.Node:
        return ast.MacroRef(str(token)[1:], _span(meta))

    def group(self, meta: Any, body: ast.Node) -> ast.Node:
        return self._nested(ast.Group(body, None, _span(meta)), body)

    def capture_group(self, meta: Any, name: Token, body: ast.Node) -> ast.Node:
        return self._nested(ast.Group(body, str(name), _span(meta)), body)

    def lookaround(self, meta: Any, look: Token, body: ast.Node) -> ast.Node:
        kind = str(look)
        return self._nested(
            ast.Lookaround(body, ahead="<" not in kind, negative=kind.endswith("!"), span=_span(meta)), body
        )

    def sent_start(self, meta: Any) -> ast.Node:
        return ast.Anchor(False, _span(meta))

    def sent_end(self, meta: Any) -> ast.Node:
        return ast.Anchor(True, _span(meta))

    def space(self, meta: Any) -> ast.Node:
        return ast.Anchor(False, _span(meta), "space")

    def no_space(self, meta: Any, _token: Token) -> ast.Node:
        return ast.Anchor(False, _span(meta), "join")

    def attr(self, meta: Any, name: Token, value: Token) -> tuple[str, str, Token]:
        text = _unquote(str(value)) if value.type == "QUOTED" else str(value)
        if not text.strip():
            raise PatternError(
                "E107",
                f"attribute {str(name)!r} is set to nothing",
                value.start_pos or 0,
                len(value),
                str(value),
                f"write a value: {{{name}=planned}}",
            )
        return str(name), text, name

    def set_attrs(self, meta: Any, *attrs: tuple[str, str, Token]) -> ast.Node:
        seen: set[str] = set()
        for key, _value, token in attrs:
            if key in seen:
                raise PatternError(
                    "E101",
                    f"attribute {key!r} is set twice in one {{...}}",
                    token.start_pos or 0,
                    len(key),
                    key,
                    f"set {key!r} once, or in different alternatives",
                )
            seen.add(key)
        return ast.SetAttrs(tuple((key, value) for key, value, _token in attrs), _span(meta))

    def _too_deep(self, tree: ast.Node) -> PatternError | None:
        """E109 at the first group or look-around nested deeper than :data:`MAX_NESTING`, from the outside."""
        if self._depth_of(tree) <= MAX_NESTING:
            return None
        node, level = tree, 0
        while True:
            level += isinstance(node, _NESTING)
            if level > MAX_NESTING:
                break
            node = max(ast.children(node), key=self._depth_of)
        start, end = node.span
        return PatternError(
            "E109",
            f"groups and look-arounds nest more than {MAX_NESTING} deep here",
            start,
            1,
            _shortened(self._text[start:end]),
            "flatten the pattern: a pattern rarely needs more than a few levels of ( )",
        )


def parse_pattern(text: str) -> ast.Node:
    """Parse one pattern; raise :class:`~koie.errors.PatternError` on bad syntax."""
    try:
        tree = pattern_parser().parse(text)
    except UnexpectedInput as error:
        raise _translate(error, text).in_pattern(text) from None
    transformer = _ToAst(text)
    try:
        node = transformer.transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, PatternError):
            raise error.orig_exc.in_pattern(text) from None
        raise
    too_deep = transformer._too_deep(node)
    if too_deep is not None:
        raise too_deep.in_pattern(text)
    return node


# ---------------------------------------------------------------- formatting


@functools.cache
def _bare_literal() -> re.Pattern[str]:
    """What a literal may be without quotes: the grammar's LITERAL terminal."""
    return re.compile(pattern_parser().get_terminal("LITERAL").pattern.to_regexp())


def format_pattern(node: ast.Node) -> str:
    """Write a pattern back as text; ``parse_pattern(format_pattern(n)) == n``."""
    return _format(node, top=True)


def _format(node: ast.Node, top: bool = False) -> str:
    if isinstance(node, ast.Literal):
        if node.quoted or not _bare_literal().fullmatch(node.text):
            return '"' + node.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return node.text
    if isinstance(node, ast.MorphTest):
        tags = "/" + ",".join(node.tags) if node.tags else ""
        if node.regex is not None:
            return 'r"' + node.regex.replace('"', '\\"') + '"' + tags
        return (node.form or "") + tags
    if isinstance(node, ast.Negated):
        return "!" + _format(node.test)
    if isinstance(node, ast.AnyMorpheme):
        return "."
    if isinstance(node, ast.Gap):
        return f"~{node.max}" + ("w" if node.words else "")
    if isinstance(node, ast.SetAttrs):
        return "{" + ", ".join(f"{key}={_format_attr_value(value)}" for key, value in node.pairs) + "}"
    if isinstance(node, ast.Slot):
        return "[" + "|".join(node.labels) + (f":{node.capture}" if node.capture else "") + "]"
    if isinstance(node, ast.LexiconRef):
        return "@" + node.name + (f":{node.capture}" if node.capture else "")
    if isinstance(node, ast.MacroRef):
        return "$" + node.name
    if isinstance(node, ast.Group):
        inner = _format(node.body, top=True)
        return f"(?<{node.capture}> {inner})" if node.capture else f"({inner})"
    if isinstance(node, ast.Lookaround):
        marker = "(?" + ("" if node.ahead else "<") + ("!" if node.negative else "=")
        return f"{marker} {_format(node.body, top=True)})"
    if isinstance(node, ast.Anchor):
        if node.spacing:
            return "_" if node.spacing == "space" else "!_"
        return "$" if node.at_end else "^"
    if isinstance(node, ast.Repeat):
        inner = _format(node.body)
        if isinstance(node.body, (ast.Sequence, ast.Alternation, ast.Repeat)):
            inner = f"({_format(node.body, top=True)})"
        quantifier = _format_quantifier(node.min, node.max) + ("?" if node.lazy else "")
        if _ends_in_tags(node.body) and quantifier.startswith("*"):
            return inner + " " + quantifier  # /A* would read as the tag family A*
        return inner + quantifier
    if isinstance(node, ast.Sequence):
        parts: list[str] = []
        for item in node.items:
            text = _format(item)
            if isinstance(item, ast.Alternation):
                text = f"({text})"
            if parts and isinstance(item, ast.Literal) and item.glued:
                parts[-1] += text
            else:
                parts.append(text)
        return " ".join(parts)
    if isinstance(node, ast.Alternation):
        body = " | ".join(_format(option, top=True) for option in node.options)
        return body if top else f"({body})"
    raise TypeError(f"not a pattern node: {node!r}")


@functools.cache
def _attr_value() -> re.Pattern[str]:
    """What an attribute value may be without quotes: the grammar's ATTR_VALUE terminal."""
    return re.compile(pattern_parser().get_terminal("ATTR_VALUE").pattern.to_regexp())


def _format_attr_value(value: str) -> str:
    if _attr_value().fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ends_in_tags(node: ast.Node) -> bool:
    """Whether ``node`` is written ending in a tag (``/NNP``, ``!만나/VV``): a ``*`` right after it is a tag family."""
    test = node.test if isinstance(node, ast.Negated) else node
    return isinstance(test, ast.MorphTest) and bool(test.tags)


def _format_quantifier(low: int, high: int | None) -> str:
    if (low, high) == (0, 1):
        return "?"
    if (low, high) == (0, None):
        return "*"
    if (low, high) == (1, None):
        return "+"
    if high is None:
        return f"{{{low},}}"
    if low == high:
        return f"{{{low}}}"
    return f"{{{low},{high}}}"


__all__ = ["MAX_NESTING", "MAX_REPEAT", "SYNTAX_EXAMPLES", "PatternError", "format_pattern", "parse_pattern"]
