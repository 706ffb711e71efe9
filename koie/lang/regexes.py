"""The regular expressions of token tests (``r"..."/TAG``): checked when a pack is read, bounded when run.

A backtracking engine can take exponential time on a short string:
``r"^(a+)+$"`` on 30 a's and a b tries about 2**30 ways to split the a's.
Two guards keep such a test from hanging a run:

* at load time, :func:`regex_hazard` looks for the shapes that backtrack
  exponentially (a repetition of a repetition, alternatives of a repetition
  that match the same characters), and the resolver warns (W105) with a
  rewrite;
* at match time, every test runs through a :class:`BoundedRegex`, which
  searches with the ``regex`` module's ``timeout``: at most
  :data:`MAX_REGEX_SECONDS` per morpheme, and never past the document's
  ``--timeout``. A search that runs out of time fails the document with E403;
  every other document goes on.

The patterns are Python ``re`` syntax; the ``regex`` module runs them with
the same meaning (it is a superset of ``re``), and unlike ``re`` it can be
stopped. Python's ``re`` cannot be interrupted once a search has started.

>>> regex_hazard(r"^(a+)+$")
'a repetition inside a repetition'
>>> regex_hazard(r"^[가-힣]{2,4}$") is None
True
>>> BoundedRegex(r"^\\d+$").search("2024") is not None
True
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

import regex

from koie.vm import limits

#: Most CPU seconds one token test may spend on one morpheme (``--timeout`` may leave less).
MAX_REGEX_SECONDS = 1.0

#: A repetition allowed more times than this is one the static check treats as unbounded.
_MANY = 4

# ------------------------------------------------------------------ running

#: Forms a :class:`BoundedRegex` remembers the result of (then it forgets them all and starts again).
_REMEMBERED = 4096


class BoundedRegex:
    """A compiled token-test regex whose :meth:`search` is bounded in time.

    The matchers call ``check._compiled.search(form)``; this object is what
    :class:`~koie.lang.ir.MorphemeCheck` keeps there. It pickles as its text
    (worker processes compile it again).
    """

    __slots__ = ("_compiled", "_found", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._compiled: regex.Pattern[str] = regex.compile(text)
        #: The last forms searched and what was found: a search with a time limit costs about 2 µs more
        #: than one without (the regex module reads the clock), and the forms of a corpus repeat.
        self._found: dict[str, regex.Match[str] | None] = {}

    def search(self, form: str) -> regex.Match[str] | None:
        """The first match in ``form``, or :class:`~koie.vm.limits.DocumentTimeout` (E403) if it takes too long."""
        if form in self._found:
            return self._found[form]
        seconds = MAX_REGEX_SECONDS
        deadline = limits.current_deadline()
        if deadline is not None:
            seconds = min(seconds, max(deadline - limits.clock(), 0.001))
        try:
            # concurrent=False: the regex module would otherwise let go of the GIL for every search,
            # and win it back only after the run's other Python thread (reading and analysing
            # documents) gives it up: hundreds of microseconds per morpheme where 3 are enough
            found = self._compiled.search(form, concurrent=False, timeout=seconds)
            if len(self._found) >= _REMEMBERED:
                self._found.clear()
            self._found[form] = found
            return found
        except TimeoutError:
            shown = form if len(form) <= 40 else form[:39] + "…"
            if deadline is not None and limits.clock() >= deadline:
                raise limits.DocumentTimeout(
                    f"the document took longer than --timeout (in the regular expression r{self.text!r})"
                ) from None
            raise limits.DocumentTimeout(
                f"the regular expression r{self.text!r} took longer than {MAX_REGEX_SECONDS:g} s "
                f"on the morpheme {shown!r}: rewrite it (koie check warns of such regexes, W105)"
            ) from None

    def __reduce__(self) -> tuple[Any, ...]:
        return (BoundedRegex, (self.text,))

    def __repr__(self) -> str:
        return f"BoundedRegex({self.text!r})"


def regex_error(text: str) -> str | None:
    """Why ``text`` is not a regular expression koie can run (None if it is).

    >>> regex_error("[가-힣+")
    'unterminated character set'
    """
    try:
        re.compile(text)
    except re.error as error:
        return str(error.msg)
    try:
        regex.compile(text)
    except regex.error as error:
        return str(error.msg if hasattr(error, "msg") else error)
    return None


# --------------------------------------------------------- the static check

# The parser of Python's re (an internal module, stable since 3.11): its trees say what repeats what.
_PARSER: Any = importlib.import_module("re._parser")
_C: Any = importlib.import_module("re._constants")

_REPEATS = (_C.MAX_REPEAT, _C.MIN_REPEAT)
_UNBOUNDED: int = _C.MAXREPEAT

#: Characters the overlap of two character sets is judged on: ASCII, whitespace, Hangul,
#: jamo, Hanja, full-width forms and a few other letters and digits.
_SAMPLE = frozenset(
    [chr(c) for c in range(0x09, 0x0E)]
    + [chr(c) for c in range(0x20, 0x7F)]
    + list("가각나다힣ㄱㅎㅏ각一中漢ａＺ０９！　\u00a0é߀٣ß_")
)

_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_LINEBREAK": r"\n",
    "CATEGORY_NOT_LINEBREAK": r"[^\n]",
}

Chars = frozenset[str]


@cache
def _category(name: str) -> Chars:
    test = re.compile(_CATEGORIES.get(name, r"[\s\S]"))
    return frozenset(char for char in _SAMPLE if test.fullmatch(char))


def _literal(code: int) -> Chars:
    char = chr(code)
    return frozenset((char, char.lower(), char.upper()))


def _set_chars(items: list[tuple[Any, Any]]) -> Chars:
    """The characters of a ``[...]`` set."""
    negate = False
    chars: set[str] = set()
    for op, value in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars |= _literal(value)
        elif name == "RANGE":
            low, high = value
            chars |= {char for char in _SAMPLE if low <= ord(char) <= high}
        elif name == "CATEGORY":
            chars |= _category(str(value))
        else:  # CHARSET, BIGCHARSET (compiled forms), anything new: assume it may match anything
            chars |= _SAMPLE
    return _SAMPLE - chars if negate else frozenset(chars)


def _chars(items: Iterable[tuple[Any, Any]]) -> Chars:
    """Every character the items can match somewhere (look-arounds match none)."""
    out: set[str] = set()
    for op, value in items:
        name = str(op)
        if name == "LITERAL":
            out |= _literal(value)
        elif name == "NOT_LITERAL":
            out |= _SAMPLE - {chr(value)}
        elif name == "ANY":
            out |= _SAMPLE - {"\n"}
        elif name == "IN":
            out |= _set_chars(value)
        elif op in _REPEATS or name == "POSSESSIVE_REPEAT":
            out |= _chars(value[2])
        elif name == "SUBPATTERN":
            out |= _chars(value[3])
        elif name == "ATOMIC_GROUP":
            out |= _chars(value)
        elif name == "BRANCH":
            for option in value[1]:
                out |= _chars(option)
        elif name == "GROUPREF":
            out |= _SAMPLE
        elif name == "GROUPREF_EXISTS":
            out |= _chars(value[1]) | (_chars(value[2]) if value[2] is not None else frozenset())
    return frozenset(out)


def _min_width(items: Iterable[tuple[Any, Any]]) -> int:
    """Fewest characters the items match (enough to tell nullable from not)."""
    total = 0
    for op, value in items:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            total += 1
        elif op in _REPEATS or name == "POSSESSIVE_REPEAT":
            total += value[0] * _min_width(value[2])
        elif name == "SUBPATTERN":
            total += _min_width(value[3])
        elif name == "ATOMIC_GROUP":
            total += _min_width(value)
        elif name == "BRANCH":
            total += min(_min_width(option) for option in value[1])
    return total


def _flat(items: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    """The items of a sequence, with plain groups opened."""
    for op, value in items:
        if str(op) == "SUBPATTERN":
            yield from _flat(value[3])
        else:
            yield op, value


def _variable_parts(items: Iterable[tuple[Any, Any]]) -> Iterator[list[tuple[Any, Any]]]:
    """Parts that can match strings of more than one length and give characters back when backtracking."""
    for op, value in items:
        name = str(op)
        if op in _REPEATS:
            low, high, body = value
            if (high == _UNBOUNDED or high > low) and _min_width(body) > 0:
                yield [(op, value)]
            yield from _variable_parts(body)
        elif name == "SUBPATTERN":
            yield from _variable_parts(value[3])
        elif name == "BRANCH":
            widths = {_min_width(option) for option in value[1]}
            if len(widths) > 1:
                yield [(op, value)]
            for option in value[1]:
                yield from _variable_parts(option)
        # ATOMIC_GROUP and POSSESSIVE_REPEAT never give back what they took; look-arounds consume nothing


def _run_chars(option: list[tuple[Any, Any]]) -> Chars:
    """Characters a run of which the option can match (empty if it needs two different ones)."""
    required = [(op, value) for op, value in _flat(option) if _min_width([(op, value)]) > 0]
    if not required:
        return frozenset()
    common = _SAMPLE
    for item in required:
        common &= _chars([item])
    return common


def _body_hazard(body: list[tuple[Any, Any]]) -> str | None:
    """Why repeating ``body`` many times can backtrack exponentially, or None."""
    parts = list(_variable_parts(body))
    if parts:
        varying = frozenset().union(*(_chars(part) for part in parts))
        separators = [
            (op, value)
            for op, value in _flat(body)
            if _min_width([(op, value)]) > 0
            and not list(_variable_parts([(op, value)]))
            and not (_chars([(op, value)]) & varying)
        ]
        if not separators:
            if all(str(part[0][0]) == "BRANCH" for part in parts):
                return "alternatives of a repetition that match the same characters"
            return "a repetition inside a repetition"
    for op, value in _flat(body):
        if str(op) == "BRANCH":
            runs = [_run_chars(option) for option in value[1]]
            for index, first in enumerate(runs):
                if any(first & other for other in runs[index + 1 :]):
                    return "alternatives of a repetition that match the same characters"
    return None


def _walk(items: Iterable[tuple[Any, Any]]) -> Iterator[str]:
    for op, value in items:
        name = str(op)
        if op in _REPEATS:
            _low, high, body = value
            if high == _UNBOUNDED or high > _MANY:
                hazard = _body_hazard(list(body))
                if hazard is not None:
                    yield hazard
            yield from _walk(body)
        elif name == "POSSESSIVE_REPEAT":
            yield from _walk(value[2])
        elif name == "SUBPATTERN":
            yield from _walk(value[3])
        elif name in ("ATOMIC_GROUP",):
            yield from _walk(value)
        elif name in ("ASSERT", "ASSERT_NOT"):
            yield from _walk(value[1])
        elif name == "BRANCH":
            for option in value[1]:
                yield from _walk(option)
        elif name == "GROUPREF_EXISTS":
            yield from _walk(value[1])
            if value[2] is not None:
                yield from _walk(value[2])


def regex_hazard(text: str) -> str | None:
    """The shape that makes ``text`` backtrack exponentially on some strings, or None.

    A heuristic: it finds the usual culprits (``(a+)+``, ``(\\w+\\s?)*``,
    ``(a|aa)+``, ``(.|\\s)*``) and passes repetitions whose iterations are
    kept apart by a character the repeated part cannot match
    (``(\\d+,)+``, ``([a-z]+\\.)+``). What it misses, the time bound of
    :class:`BoundedRegex` still stops.

    >>> regex_hazard(r"(\\w+\\s?)+$")
    'a repetition inside a repetition'
    >>> regex_hazard(r"^([a-z]+\\.)+[a-z]+$") is None
    True
    >>> regex_hazard(r"(.|\\s)*x")
    'alternatives of a repetition that match the same characters'
    >>> regex_hazard(r"(a++)+") is None  # possessive: never gives back what it took
    True
    """
    try:
        tree = _PARSER.parse(text)
    except (re.error, RecursionError, OverflowError):
        return None
    try:
        return next(_walk(list(tree)), None)
    except RecursionError:
        return "groups nested too deeply to check"


#: What to write instead, by hazard.
HAZARD_HINTS = {
    "a repetition inside a repetition": (
        "repeat once: (a+)+ matches what a+ matches; or make the inner repetition possessive (a++) "
        "or atomic ((?>a+)), so it never gives back what it took"
    ),
    "alternatives of a repetition that match the same characters": (
        "make the alternatives exclusive: (a|aa)+ is a+, (.|\\s)* is [\\s\\S]*; or make the group atomic: (?>a|aa)+"
    ),
    "groups nested too deeply to check": "flatten the regular expression",
}
