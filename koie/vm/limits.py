"""Limits on the work one document may cost: a deadline (``--timeout``) and a step budget.

The runner sets a per-document deadline with :func:`document_deadline`; the
matcher reads it when a :class:`~koie.vm.match.MatchInput` is made and checks the
clock every :data:`CHECK_EVERY` VM steps, so a document that would hang is
reported (E403) and skipped while every other document goes on. Analysis by
Kiwi is one C call per batch and is not interrupted; it runs in linear time
(about 200K characters/s), so the matcher is where a document can run away.

The step budget needs no clock. The Pike VM does at most ``len(program)``
steps per morpheme per scan, but finding every leftmost-longest match may
rescan after a match (a pattern like ``/NNG (.* z)?`` rescans to the end of
the sentence after each match, so its cost grows with the square of the
sentence). One rule on one sentence of ``n`` morphemes may take at most
``max(BUDGET_PER_STEP * len(program) * (n + 1), BUDGET_FLOOR)`` steps; past
that the document fails with E403 rather than running for hours.

>>> with document_deadline(None):
...     current_deadline() is None
True
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

from koie.errors import Diagnostic, DocumentError

#: The matcher looks at the clock once per this many VM steps.
CHECK_EVERY = 4096
#: Scans of the whole sentence a rule may make, in units of program size × morphemes.
BUDGET_PER_STEP = 64
#: Steps any rule may take on any sentence, however short (about a second of work).
BUDGET_FLOOR = 1_000_000

#: The clock deadlines are measured on; tests replace it with a counter.
clock: Callable[[], float] = time.monotonic

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("koie_deadline", default=None)
_timeout: contextvars.ContextVar[float | None] = contextvars.ContextVar("koie_timeout", default=None)


class DocumentTimeout(DocumentError):
    """A document took longer than ``--timeout`` or than the step budget allows (E403)."""

    code = "E403"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            [Diagnostic("E403", reason, suggestion="the document is skipped; see 'When things go wrong' in the README")]
        )


def step_budget(program_size: int, morphemes: int) -> int:
    """Most VM steps one rule may take on a sentence of ``morphemes`` morphemes."""
    return max(BUDGET_PER_STEP * program_size * (morphemes + 1), BUDGET_FLOOR)


def current_deadline() -> float | None:
    """The deadline of the document being processed, on :data:`clock`, or None."""
    return _deadline.get()


@contextlib.contextmanager
def document_deadline(seconds: float | None) -> Iterator[None]:
    """Give the work inside the block ``seconds`` (None: no limit)."""
    token = _deadline.set(None if seconds is None else clock() + seconds)
    timeout_token = _timeout.set(seconds)
    try:
        yield
    finally:
        _deadline.reset(token)
        _timeout.reset(timeout_token)


def check_deadline(deadline: float | None) -> None:
    """Raise :class:`DocumentTimeout` if ``deadline`` has passed."""
    if deadline is not None and clock() > deadline:
        raise DocumentTimeout(f"the document took longer than --timeout {_timeout.get():g} s")
