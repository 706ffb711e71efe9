"""Pattern text → AST, and AST → pattern text.

:func:`parse_pattern` is the only code that sees ``lark.Tree``; syntax errors
come out as :class:`PatternError` with an offset into the pattern, which the
loader turns into ``file:line:col``.

>>> parse_pattern("[PERSON:subject] 회장이") == ast.Sequence((ast.Slot(("PERSON",), "subject"), ast.Literal("회장이")))
True
>>> format_pattern(parse_pattern("( 만나/VV | 회동하 )+ ~3"))
'(만나/VV | 회동하)+ ~3'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from koie.lang import ast
from koie.lang.grammar import pattern_parser

#: Repetition bounds above this are refused: {n,m} is unrolled into the program.
MAX_REPEAT = 200


@dataclass(frozen=True, slots=True)
class PatternError(Exception):
    """A problem inside one pattern, at an offset of the pattern text."""

    code: str
    message: str
    offset: int
    length: int = 1
    value: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        return f"{self.code} {self.message} (at {self.offset})"


_OPENERS = {"[": "]", "(": ")"}
_CLOSERS = {"]": "[", ")": "("}


def _check_brackets(text: str) -> None:
    """Unbalanced brackets get their own message, at the bracket that is open."""
    stack: list[tuple[str, int]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            end = index + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise PatternError(
                    "E102",
                    "unclosed quote: expected '\"' to close the literal",
                    index,
                    len(text) - index,
                    text[index:],
                    "add the closing '\"'",
                )
            index = end + 1
            continue
        if char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char in _OPENERS:
            stack.append((char, index))
        elif char in _CLOSERS:
            if not stack or stack[-1][0] != _CLOSERS[char]:
                raise PatternError(
                    "E106",
                    f"unexpected {char!r}: nothing is open for it to close",
                    index,
                    1,
                    char,
                    f"remove it, or add the opening {_CLOSERS[char]!r}",
                )
            stack.pop()
        index += 1
    if stack:
        opener, at = stack[-1]
        what = "slot" if opener == "[" else "group"
        snippet = re.split(r"\s", text[at:], maxsplit=1)[0]
        raise PatternError(
            "E102",
            f"expected {_OPENERS[opener]!r} to close {what} {snippet!r}",
            at,
            len(snippet),
            snippet,
            f"add {_OPENERS[opener]!r} where the {what} ends",
        )


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
        "[PERSON] ??",
        "회장 ++",
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
}


def _translate(error: UnexpectedInput, text: str) -> PatternError:
    def parse_for_examples(sample: str) -> Any:
        return pattern_parser().parse(sample)

    found = getattr(error, "pos_in_stream", None)
    position: int = found if isinstance(found, int) else len(text)
    if isinstance(error, UnexpectedEOF) or (isinstance(error, UnexpectedToken) and error.token.type == "$END"):
        position = len(text.rstrip())
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


def _span(meta: Any) -> ast.Span:
    if getattr(meta, "empty", True):
        return (0, 0)
    return (meta.start_pos, meta.end_pos)


@v_args(meta=True, inline=True)
class _ToAst(Transformer[Token, ast.Node]):
    def start(self, meta: Any, node: ast.Node) -> ast.Node:
        return node

    def alternation(self, meta: Any, *options: ast.Node) -> ast.Node:
        if len(options) == 1:
            return options[0]
        return ast.Alternation(tuple(options), _span(meta))

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
        return ast.Sequence(tuple(glued_items), _span(meta))

    def item(self, meta: Any, atom: ast.Node, quantifier: Token | None = None) -> ast.Node:
        if quantifier is None:
            return atom
        low, high = _parse_quantifier(quantifier)
        if isinstance(atom, (ast.Anchor, ast.Lookaround)):
            raise PatternError(
                "E212",
                "a quantifier cannot repeat an anchor or look-around",
                quantifier.start_pos or 0,
                len(quantifier),
                str(quantifier),
                "remove the quantifier",
            )
        return ast.Repeat(atom, low, high, _span(meta))

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
        try:
            re.compile(regex)
        except re.error as error:
            raise PatternError(
                "E105",
                f"invalid regular expression: {error.msg}",
                (token.start_pos or 0) + 2,
                len(regex) or 1,
                regex,
                "check the regex syntax (Python re)",
            ) from None
        return ast.MorphTest(None, regex, _tags(tags), _span(meta))

    def negated(self, meta: Any, test: ast.Node) -> ast.Node:
        assert isinstance(test, (ast.MorphTest, ast.Literal))
        return ast.Negated(test, _span(meta))

    def any(self, meta: Any) -> ast.Node:
        return ast.AnyMorpheme(_span(meta))

    def gap(self, meta: Any, token: Token) -> ast.Node:
        size = int(str(token)[1:])
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
                "gap ~0 skips nothing",
                token.start_pos or 0,
                len(token),
                str(token),
                "remove it or write ~1 or more",
            )
        return ast.Gap(size, _span(meta))

    def slot(self, meta: Any, *names: Token) -> ast.Node:
        labels = [str(n) for n in names]
        capture = None
        # The grammar writes the capture after ':', which the transformer sees as
        # one more NAME; tell them apart by the source text.
        source_text = None
        if names and getattr(names[-1], "start_pos", None) is not None:
            source_text = names[-1]
        if source_text is not None and len(labels) > 1 and self._after_colon(names[-1]):
            capture = labels.pop()
        return ast.Slot(tuple(labels), capture, _span(meta))

    def lexref(self, meta: Any, token: Token, capture: Token | None = None) -> ast.Node:
        return ast.LexiconRef(str(token)[1:], str(capture) if capture is not None else None, _span(meta))

    def macro(self, meta: Any, token: Token) -> ast.Node:
        return ast.MacroRef(str(token)[1:], _span(meta))

    def group(self, meta: Any, body: ast.Node) -> ast.Node:
        return ast.Group(body, None, _span(meta))

    def capture_group(self, meta: Any, name: Token, body: ast.Node) -> ast.Node:
        return ast.Group(body, str(name), _span(meta))

    def lookaround(self, meta: Any, look: Token, body: ast.Node) -> ast.Node:
        kind = str(look)
        return ast.Lookaround(body, ahead="<" not in kind, negative=kind.endswith("!"), span=_span(meta))

    def sent_start(self, meta: Any) -> ast.Node:
        return ast.Anchor(False, _span(meta))

    def sent_end(self, meta: Any) -> ast.Node:
        return ast.Anchor(True, _span(meta))

    def space(self, meta: Any) -> ast.Node:
        return ast.Anchor(False, _span(meta), "space")

    def no_space(self, meta: Any, _token: Token) -> ast.Node:
        return ast.Anchor(False, _span(meta), "join")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def _after_colon(self, token: Token) -> bool:
        start = token.start_pos or 0
        before = self.text[:start].rstrip()
        return before.endswith(":")


def parse_pattern(text: str) -> ast.Node:
    """Parse one pattern; raise :class:`PatternError` on bad syntax."""
    if not re.sub(r"#[^\n]*", "", text).strip():
        raise PatternError("E107", "the pattern is empty", 0, max(len(text), 1), text, "write at least one element")
    _check_brackets(text)
    try:
        tree = pattern_parser().parse(text)
    except UnexpectedInput as error:
        raise _translate(error, text) from None
    try:
        return _ToAst(text).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, PatternError):
            raise error.orig_exc from None
        raise


# ---------------------------------------------------------------- formatting


def format_pattern(node: ast.Node) -> str:
    """Write a pattern back as text; ``parse_pattern(format_pattern(n)) == n``."""
    return _format(node, top=True)


def _format(node: ast.Node, top: bool = False) -> str:
    if isinstance(node, ast.Literal):
        if node.quoted or not re.fullmatch(r'[^\s\[\]()|?*+{}/@$^~!."#<>:=\\_]+', node.text):
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
        return f"~{node.max}"
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
        elif isinstance(node.body, ast.MorphTest) and node.body.tags and _format_quantifier(node.min, node.max) == "*":
            return inner + " *"  # /A* would read as the tag family A*
        return inner + _format_quantifier(node.min, node.max)
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
