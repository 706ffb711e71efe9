"""Diagnostics as data: every problem koie reports is a :class:`Diagnostic`.

A diagnostic carries a stable code, the place in a file (1-based line and
column), the offending source line, the bad value and a suggestion. It has one
text renderer (with a caret aligned by display width, because Hangul takes two
terminal columns) and one JSON renderer.

>>> d = Diagnostic("E201", "unknown label 'PERSN'", file="p.yaml", line=3, col=14,
...                source_line="  pattern: [PERSN] 회장", length=5, value="PERSN",
...                suggestion="Did you mean 'PERSON'?")
>>> print(d.render())
p.yaml:3:14: E201 unknown label 'PERSN'
  pattern: [PERSN] 회장
             ^^^^^
  bad value: 'PERSN'
  hint: Did you mean 'PERSON'?
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

#: Every code koie can emit, each with the one thing it means. docs/errors.md
#: gives each code a section headed by this text, and a test holds the two
#: equal; another test holds that every code koie's source emits is here.
CODES: dict[str, str] = {
    # E0xx: the rule file as YAML and as a pack
    "E001": "YAML syntax error",
    "E002": "unknown key",
    "E003": "missing required key",
    "E004": "value of the wrong type",
    "E005": "duplicate rule id",
    "E006": "import not found or unreadable",
    "E007": "import cycle",
    "E008": "unsafe or unknown YAML tag",
    "E009": "empty rule pack",
    "E010": "lexicon file not found or unreadable",
    "E011": "duplicate key",
    "E012": "rule file not found or unreadable",
    "E013": "unknown rule-file format version",
    "E014": "number out of range",
    "E015": "YAML value nested too deeply or too large",
    "E016": "imported file is not a rule pack",
    "E017": "file outside the pack's folder refused",
    "E018": "lexicon entry too long",
    # E1xx: pattern syntax
    "E101": "unexpected character or element in pattern",
    "E102": "unclosed bracket, parenthesis or quote",
    "E103": "quantifier with nothing to repeat",
    "E104": "invalid quantifier or gap bounds",
    "E105": "invalid regular expression",
    "E106": "unexpected closing bracket or parenthesis",
    "E107": "empty pattern or quoted literal",
    "E108": "unexpected end of pattern",
    "E109": "pattern nested too deeply",
    # E2xx: names and meaning
    "E201": "unknown entity label",
    "E202": "unknown lexicon",
    "E203": "unknown macro",
    "E204": "unknown morpheme tag",
    "E205": "macro cycle",
    "E206": "cycle between rules",
    "E207": "pattern matches the empty sequence",
    "E208": "literal the analyser cannot analyse",
    "E209": "look-around must have a bounded length",
    "E211": "repetition bound too large",
    "E212": "quantifier on something that cannot repeat",
    "E213": "unknown overlap policy",
    "E214": "unknown name resolution",
    "E215": "negated literal of more than one morpheme",
    "E216": "relation role that no rule of its label fills",
    "E217": "unknown match mode",
    "E218": "attribute set inside a look-around",
    "E219": "overlap compares a role no rule of the label captures",
    # E3xx: examples and tests
    "E301": "example did not match",
    "E302": "example captured something else",
    "E303": "no_match example matched",
    # E4xx: documents and runs
    "E401": "document is not valid text",
    "E402": "document is empty",
    "E403": "document took too long",
    "E404": "input not found or unreadable",
    "E405": "document failed",
    "E406": "cannot resume the interrupted run",
    "E407": "gold, names or scheme file for koie eval is invalid",
    "E408": "worker process died",
    "E409": "document too large",
    # W: warnings (never fail `koie check` unless --strict)
    "W001": "file outside the pack's folder",
    "W101": "literal is ambiguous out of context",
    "W102": "literal analysed differently out of context",
    "W103": "rule has no examples",
    "W104": "lexicon has no entries",
    "W105": "regular expression may take exponential time",
    "W106": "a star after a whole tag repeats the test",
    "W107": "overlapping matches the overlap policy drops",
    "W110": "compatibility jamo where Kiwi writes a final consonant",
    "W401": "document had undecodable bytes, replaced (--lossy)",
    "W402": "long line cut where no sentence ends",
    "W403": "publication date is not a date",
    "W404": "document id used before",
    "W410": "JSON Lines file in a directory holds no documents, skipped",
}


def check_code(code: str) -> str:
    """``code`` if it is in :data:`CODES`; a ValueError otherwise (a code outside the table is a bug).

    >>> check_code("E201")
    'E201'
    """
    if code not in CODES:
        raise ValueError(f"{code!r} is not a koie diagnostic code (koie.errors.CODES)")
    return code


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide East Asian characters take two.

    >>> display_width("회장 CEO")
    8
    """
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


#: Unicode categories written as escapes in what koie prints: controls (an escape sequence starts with
#: ESC, or CSI in C1), format characters (bidirectional overrides among them, which make a terminal show
#: text in another order than it holds), line and paragraph separators, surrogates, unassigned.
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Cn"))


def printable(text: str, keep: str = "") -> str:
    r"""``text`` with each control or format character (ESC, NUL, DEL, C1, a bidirectional override)
    written as an escape, so what reaches a terminal cannot move its cursor, retitle it or reorder what
    it shows. ``keep``: characters left as they are (a tab that aligns a caret, the newlines of a message).

    >>> print(printable("A\x1b[2J\u202e B"))
    A\x1b[2J\u202e B
    >>> printable("x\ty", keep="\t")
    'x\ty'
    """
    if text.isprintable():
        return text
    return "".join(
        ascii(char)[1:-1] if char not in keep and unicodedata.category(char) in _HIDDEN else char for char in text
    )


def did_you_mean(value: str, choices: Iterable[str]) -> str | None:
    """A 'Did you mean ...?' hint, as click gives one, or None.

    >>> did_you_mean("PERSN", ["PERSON", "ORG"])
    "Did you mean 'PERSON'?"
    """
    close = difflib.get_close_matches(value, sorted(set(choices)), n=1, cutoff=0.6)
    return f"Did you mean {close[0]!r}?" if close else None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem, at one place. Columns are 1-based code points."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    source_line: str | None = None
    length: int = 1
    value: str | None = None
    suggestion: str | None = None
    rule: str | None = None
    related: tuple[Diagnostic, ...] = ()

    def __post_init__(self) -> None:
        check_code(self.code)

    @property
    def severity(self) -> str:
        return "warning" if self.code.startswith("W") else "error"

    @property
    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def render(self) -> str:
        """The human form: location, code, message, line, caret, value, hint."""
        # a rule file's bytes reach the terminal here: control characters are shown as escapes
        lines = [f"{printable(self.location)}: {self.code} {printable(self.message, keep=chr(10))}"]
        if self.source_line is not None:
            line = self.source_line.rstrip("\n")
            lines.append(printable(line, keep="\t"))
            if self.col is not None:
                before = line[: self.col - 1]
                marked = line[self.col - 1 : self.col - 1 + max(self.length, 1)]
                # a tab before the caret is copied, so the terminal expands both alike; an escape is as
                # wide as it is shown
                pad = "".join("\t" if char == "\t" else " " * display_width(printable(char)) for char in before)
                lines.append(pad + "^" * max(display_width(printable(marked, keep="\t")), 1))
        if self.value is not None:
            lines.append(f"  bad value: {self.value!r}")
        if self.suggestion:
            lines.append(f"  hint: {printable(self.suggestion, keep=chr(10))}")
        for other in self.related:
            lines.append(f"  see also {printable(other.location)}: {printable(other.message, keep=chr(10))}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The machine form, stable keys."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "value": self.value,
            "suggestion": self.suggestion,
            "rule": self.rule,
        }

    def with_rule(self, rule: str | None) -> Diagnostic:
        return replace(self, rule=rule)


# ------------------------------------------------------------- exceptions
#
# KoieError
# ├── PackError          the rule pack is wrong (E0xx, E1xx, E2xx): loading, parsing, resolving
# │   └── PatternError   one pattern's syntax (E1xx), at an offset of the pattern text
# └── DocumentError      one document cannot be processed (E4xx); the run reports it and goes on
#
# Errors of a whole run (E406 resume, E407 eval files) are KoieError itself. A problem
# with one document that a run reports without raising is a DocumentProblem (data).


class KoieError(Exception):
    """Raised with one or more diagnostics; the CLI turns it into exit code 1."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than the diagnostics: rebuild from the state, not
        # from ``args`` (a worker process sends its errors back pickled).
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))


def _rebuilt(cls: type[KoieError], args: tuple[Any, ...], state: dict[str, Any]) -> KoieError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class PackError(KoieError):
    """A rule pack that cannot be used: every problem found in it, errors and warnings together."""


class PatternError(PackError):
    """A syntax error in one pattern, at ``offset`` (0-based, in characters) of the pattern text.

    The loader places it in the rule file (``file:line:col``); raised by
    :func:`koie.lang.parse.parse_pattern` on a pattern alone, its diagnostic
    is placed in the pattern, shown as ``<pattern>``.

    >>> error = PatternError("E102", "expected ']' to close slot '[PERSN'", 0, 6, "[PERSN", "add ']'")
    >>> print(error.in_pattern("[PERSN 회장").diagnostics[0].render())
    <pattern>:1:1: E102 expected ']' to close slot '[PERSN'
    [PERSN 회장
    ^^^^^^
      bad value: '[PERSN'
      hint: add ']'
    """

    def __init__(
        self,
        code: str,
        message: str,
        offset: int,
        length: int = 1,
        value: str | None = None,
        suggestion: str | None = None,
        diagnostic: Diagnostic | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.offset = offset
        self.length = length
        self.value = value
        self.suggestion = suggestion
        super().__init__([diagnostic or Diagnostic(code, message, value=value, suggestion=suggestion)])

    def in_pattern(self, text: str, name: str = "<pattern>") -> PatternError:
        """The same error with its diagnostic placed in ``text``, the pattern it was found in."""
        located = SourceText.of(name, text).diagnostic(
            self.code, self.message, self.offset, self.length, value=self.value, suggestion=self.suggestion
        )
        return PatternError(
            self.code, self.message, self.offset, self.length, self.value, self.suggestion, diagnostic=located
        )


class DocumentError(KoieError):
    """One document cannot be processed (E4xx); a run reports it as a :class:`DocumentProblem`."""


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    """A problem with one document of a run, as data: the run reports it and goes on.

    ``code`` is an E4xx or W4xx code of :data:`CODES`.

    >>> DocumentProblem("a.txt", "E402", "the document is empty").to_json()
    {'doc': 'a.txt', 'code': 'E402', 'message': 'the document is empty'}
    """

    id: str
    code: str
    message: str

    def __post_init__(self) -> None:
        check_code(self.code)

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.id, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file's text with a way back from an offset to line and column."""

    name: str
    text: str
    line_starts: tuple[int, ...] = field(default=())

    @staticmethod
    def of(name: str, text: str) -> SourceText:
        starts = [0]
        newline = text.find("\n")
        while newline >= 0:
            starts.append(newline + 1)
            newline = text.find("\n", newline + 1)
        return SourceText(name, text, tuple(starts))

    def line(self, number: int) -> str:
        """The text of 1-based line ``number`` without its newline."""
        if not 1 <= number <= len(self.line_starts):
            return ""
        start = self.line_starts[number - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, col) of a character offset."""
        import bisect

        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def diagnostic(self, code: str, message: str, offset: int, length: int = 1, **extra: Any) -> Diagnostic:
        line, col = self.position(offset)
        return Diagnostic(
            code, message, file=self.name, line=line, col=col, source_line=self.line(line), length=length, **extra
        )
