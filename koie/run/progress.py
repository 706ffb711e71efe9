"""A progress line on stderr for ``koie run``: documents, documents per second, ETA.

Drawn only when stderr is a terminal (and not with ``--quiet``), at most a few
times a second, so piped or logged runs stay clean.

>>> import io
>>> bar = Progress(total=10, stream=io.StringIO(), force=True, interval=0)
>>> bar.advance(4); "4/10 documents" in bar.stream.getvalue()
True
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path
from typing import TextIO

from koie.run.inputs import JSONL_SUFFIXES, directory_entries


class Progress:
    def __init__(
        self, total: int | None = None, stream: TextIO | None = None, force: bool = False, interval: float = 0.2
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = force or self.stream.isatty()
        self.total = total
        self.done = 0
        self.interval = interval
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def advance(self, documents: int) -> None:
        self.done += documents
        now = time.monotonic()
        if self.enabled and now - self._drawn >= self.interval:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * 20)
            line = f"[{'#' * filled}{'.' * (20 - filled)}] {self.done}/{self.total} documents, {rate:.1f} docs/s"
            if rate > 0 and self.done < self.total:
                line += f", ETA {_duration((self.total - self.done) / rate)}"
        else:
            line = f"{self.done} documents, {rate:.1f} docs/s"
        padding = " " * max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write("\r" + line + padding)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def count_documents(inputs: tuple[str, ...], jsonl: bool | None = None) -> int | None:
    """How many documents the inputs hold, if cheap to know (None for stdin, a pipe or a device).

    JSON Lines files are counted by their non-empty lines, without parsing; what cannot be read
    counts nothing here (the run reports it).
    """
    total = 0
    for given in inputs:
        if given == "-":
            return None
        path = Path(given)
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            continue
        if stat.S_ISDIR(status.st_mode):
            files = [file for file, problem in directory_entries(path) if problem is None]
        elif stat.S_ISREG(status.st_mode):
            files = [path]
        else:
            return None
        for file in files:
            if jsonl or (jsonl is None and file.suffix.lower() in JSONL_SUFFIXES):
                try:
                    with file.open("rb") as handle:
                        total += sum(1 for line in handle if line.strip())
                except OSError:
                    pass
            else:
                total += 1
    return total


def wanted(quiet: bool) -> bool:
    """Whether to draw progress at all (a terminal on stderr, not quiet, not disabled by KOIE_NO_PROGRESS)."""
    return not quiet and sys.stderr.isatty() and not os.environ.get("KOIE_NO_PROGRESS")
