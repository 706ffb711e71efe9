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

#: Every code koie can emit, with a one-line description. docs/errors.md is
#: checked against this table by a test, so the two cannot drift apart.
CODES: dict[str, str] = {
    # E0xx: the rule file as YAML and as a pack
    "E001": "YAML syntax error",
    "E002": "unknown key",
    "E003": "missing required key",
    "E004": "value of the wrong type",
    "E005": "duplicate rule id",
    "E006": "import not found",
    "E007": "import cycle",
    "E008": "unsafe or unknown YAML tag",
    "E009": "empty rule pack",
    "E010": "lexicon file not found or unreadable",
    "E011": "duplicate key",
    # E1xx: pattern syntax
    "E101": "unexpected character in pattern",
    "E102": "unclosed bracket or parenthesis",
    "E103": "quantifier with nothing to repeat",
    "E104": "invalid quantifier bounds",
    "E105": "invalid regular expression",
    "E106": "unexpected closing bracket or parenthesis",
    "E107": "empty pattern",
    "E108": "unexpected end of pattern",
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
    "E213": "invalid attribute or option value",
    # E3xx: examples and tests
    "E301": "example did not match",
    "E302": "example captured something else",
    "E303": "no_match example matched",
    # E4xx: documents and runs
    "E401": "document is not valid text",
    "E402": "document is empty",
    "E403": "document took too long",
    "E404": "input not found",
    "E405": "document failed",
    "E406": "cannot resume the interrupted run",
    "E407": "gold or names file for koie eval is invalid",
    "E408": "worker process died",
    # W: warnings (never fail `koie check` unless --strict)
    "W101": "literal is ambiguous out of context",
    "W102": "literal analysed differently out of context",
    "W103": "rule has no examples",
    "W104": "lexicon has no entries",
    "W401": "document had undecodable bytes, replaced (--lossy)",
}


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
        lines = [f"{self.location}: {self.code} {self.message}"]
        if self.source_line is not None:
            lines.append(self.source_line.rstrip("\n"))
            if self.col is not None:
                before = self.source_line[: self.col - 1]
                marked = self.source_line[self.col - 1 : self.col - 1 + max(self.length, 1)]
                # a tab before the caret is copied, so the terminal expands both alike
                pad = "".join("\t" if char == "\t" else " " * display_width(char) for char in before)
                lines.append(pad + "^" * max(display_width(marked), 1))
        if self.value is not None:
            lines.append(f"  bad value: {self.value!r}")
        if self.suggestion:
            lines.append(f"  hint: {self.suggestion}")
        for other in self.related:
            lines.append(f"  see also {other.location}: {other.message}")
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


class KoieError(Exception):
    """Raised with one or more diagnostics; the CLI turns it into exit code 1."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file's text with a way back from an offset to line and column."""

    name: str
    text: str
    line_starts: tuple[int, ...] = field(default=())

    @staticmethod
    def of(name: str, text: str) -> SourceText:
        starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                starts.append(index + 1)
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
