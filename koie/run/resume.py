"""``koie run -o FILE``: output that survives a kill, and ``--resume`` to continue it.

Records are written to ``FILE.part`` as they are produced, and the problems
(``--errors``) to their own file. After every batch both are flushed and
fsynced, then one line is appended to ``FILE.journal`` (and fsynced) saying how
many input items are done, a hash chained over their contents (each item's
id, a digest of its text and its fields, so not only the ids), the byte length
of each output at that point and the running counts. The fsyncs and the
journal line are a committer thread's work, in batch order, while the run goes
on (two fsyncs per batch were a tenth of a warm run); the run waits for it only
at the end, or when it stops. A normal end renames ``FILE.part`` to ``FILE``
and removes the journal, so ``FILE`` never exists half-written.

After a kill (even SIGKILL), ``--resume`` reads the journal, drops any
incomplete last line, reads the inputs again and finds the last committed
batch up to which they are the same (their chained hash says so), cuts
``FILE.part`` and the errors file back to it (dropping records of documents
whose batch was not committed, or that changed since), and carries on from
there. An input edited, added or removed between the kill and the resume is
therefore redone, with everything after it. Processing is deterministic and in
input order, so the result is byte-identical to an uninterrupted run of the
inputs as they are now: no document lost, none duplicated. A resume with other
rules (any file the pack reads), inputs or options is refused (E406); with no
interrupted run to continue (a kill before the first batch), it starts afresh.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO

from koie.errors import Diagnostic, KoieError
from koie.run.inputs import DocumentProblem, InputDocument

#: 2: the chain hashes each item's content, not only its id.
JOURNAL_VERSION = 2


def item_key(item: InputDocument | DocumentProblem) -> str:
    """What identifies an input item for ``--resume``: its id and its content (a digest of the text).

    >>> item_key(InputDocument("a.txt", "홍길동")) == item_key(InputDocument("a.txt", "홍길순"))
    False
    """
    if isinstance(item, DocumentProblem):
        return f"problem\x00{item.id}\x00{item.code}\x00{item.message}"
    text = hashlib.sha1(item.text.encode("utf-8", "surrogatepass")).hexdigest()
    meta = json.dumps(item.meta, ensure_ascii=False, sort_keys=True, default=str) if item.meta else ""
    return f"document\x00{item.id}\x00{item.offset}\x00{text}\x00{meta}"


def _items_hash(items: Iterable[InputDocument | DocumentProblem], previous: str = "") -> str:
    """A hash chained item by item, so it does not depend on where batches were cut."""
    for item in items:
        previous = hashlib.sha1((previous + "\x00" + item_key(item)).encode("utf-8", "surrogatepass")).hexdigest()
    return previous


def _fsync(handle: TextIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _note(message: str) -> None:
    print(f"koie: {message}", file=sys.stderr)


@dataclass(slots=True)
class JournalState:
    """What a committed batch of an interrupted run left (the first: nothing done yet)."""

    items: int = 0
    items_hash: str = ""
    out_bytes: int = 0
    err_bytes: int = 0
    documents: int = 0
    records: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def interrupted(output: str) -> bool:
    """Whether ``-o output`` has an interrupted run to resume: its ``.part``, and a journal with its header."""
    try:
        with open(output + ".journal", "rb") as handle:
            header = handle.readline()
    except OSError:
        return False
    return header.endswith(b"\n") and os.path.exists(output + ".part")


def read_journal(path: str, key: dict[str, Any]) -> list[JournalState]:
    """Every committed state of a journal, the empty start first; a torn last line (killed mid-write) is ignored."""
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    # Everything after the last newline was being written when the run died.
    complete = lines[:-1]
    if not complete:
        raise _resume_error(path, "the journal is empty: there is nothing to resume")
    try:
        header = json.loads(complete[0])
    except json.JSONDecodeError:
        raise _resume_error(path, "the journal's first line is not koie's") from None
    if not isinstance(header, dict) or header.get("koie-journal") != JOURNAL_VERSION:
        raise _resume_error(path, "not a koie journal, or one from another koie version")
    if header.get("key") != key:
        raise _resume_error(
            path,
            "the interrupted run had other settings: " + _changed(header.get("key") or {}, key),
            "resume with the same rules, inputs and options, or run again without --resume",
        )
    states = [JournalState()]
    problems: list[dict[str, Any]] = []
    for raw in complete[1:]:
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            break
        problems = problems + entry["problems"]
        states.append(
            JournalState(
                entry["items"],
                entry["hash"],
                entry["out"],
                entry["err"],
                entry["documents"],
                entry["records"],
                problems,
            )
        )
    return states


def _changed(before: dict[str, Any], now: dict[str, Any]) -> str:
    """The settings that differ; for the files a pack reads, which of them changed, came or went."""
    parts = []
    for name in sorted(set(before) | set(now)):
        old, new = before.get(name), now.get(name)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            files = sorted(f for f in set(old) | set(new) if old.get(f) != new.get(f))
            parts.append(f"{name} ({', '.join(files)})")
        else:
            parts.append(name)
    return ", ".join(parts)


def _resume_error(path: str, message: str, hint: str = "run again without --resume to start over") -> KoieError:
    return KoieError([Diagnostic("E406", message, file=path, suggestion=hint)])


class ResumableOutput:
    """``FILE.part`` + ``FILE.journal`` (+ the errors file), committed batch by batch.

    Resuming, the outputs are opened by :meth:`skip_done`, once it knows how far the inputs are the same.
    """

    def __init__(self, output: str, errors_file: str | None, key: dict[str, Any], resume: bool) -> None:
        self.output = output
        self.part = output + ".part"
        self.journal_path = output + ".journal"
        self.errors_file = errors_file
        self.key = key
        self.state = JournalState()
        self.resumed = resume
        self._states: list[JournalState] = []
        #: the files opened so far (resuming, none until skip_done knows where to continue from)
        self._opened: list[TextIO] = []
        if resume:
            if not interrupted(output):
                raise _resume_error(
                    self.journal_path, f"no interrupted run to resume for {output!r}", "run without --resume"
                )
            self._states = read_journal(self.journal_path, key)
        else:
            self._open_fresh()
        self._items = 0
        self._items_hash = ""
        # One thread makes the batches durable, in order; the last commit handed to it.
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koie-journal")
        self._last_commit: Future[None] | None = None

    def _open_fresh(self) -> None:
        # these stay open for the whole run; finish() or keep() closes them
        self.out: TextIO = open(self.part, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.errors_out: TextIO | None = (
            open(self.errors_file, "w", encoding="utf-8", newline="") if self.errors_file else None  # noqa: SIM115
        )
        self.journal: TextIO = open(self.journal_path, "w", encoding="utf-8")  # noqa: SIM115
        self._opened += [self.out, self.journal] + ([self.errors_out] if self.errors_out else [])
        self.journal.write(json.dumps({"koie-journal": JOURNAL_VERSION, "key": self.key}, ensure_ascii=False) + "\n")
        _fsync(self.journal)

    def _reopen_at(self, index: int) -> None:
        """Continue from the journal's state ``index`` (0: nothing done, which is a fresh start)."""
        self.state = self._states[index]
        if index == 0:
            self.resumed = False  # a format with a header writes it again
            self._open_fresh()
            return
        self.out = self._reopen(self.part, self.state.out_bytes)
        self.errors_out = self._reopen(self.errors_file, self.state.err_bytes) if self.errors_file else None
        # the journal itself is rewritten up to the state continued from
        with open(self.journal_path, "rb") as handle:
            lines = handle.read().split(b"\n")
        with open(self.journal_path, "wb") as handle:
            handle.write(b"".join(line + b"\n" for line in lines[: index + 1]))
        self.journal = open(self.journal_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        self._opened += [self.out, self.journal] + ([self.errors_out] if self.errors_out else [])

    @staticmethod
    def _reopen(path: str, size: int) -> TextIO:
        # Cut back to the commit continued from: a record or problem written after it
        # belongs to a batch that will be processed again.
        with open(path, "r+b") as handle:
            handle.truncate(size)
        return open(path, "a", encoding="utf-8", newline="")

    @property
    def problems(self) -> list[DocumentProblem]:
        return [DocumentProblem(p["doc"], p["code"], p["message"]) for p in self.state.problems]

    def skip_done(self, items: Iterable[InputDocument | DocumentProblem]) -> Iterator[InputDocument | DocumentProblem]:
        """The input items after those the interrupted run finished and that are the same now; the outputs
        are opened, cut back to there.

        The items are read now up to the first committed batch that differs (an input edited, added or
        removed since the kill): the run goes on from the batch before it, and holds at most one batch.
        """
        iterator = iter(items)
        states = self._states
        held: list[InputDocument | DocumentProblem] = []
        chain = ""
        index = 0
        while index + 1 < len(states):
            following = states[index + 1]
            while len(held) < following.items - states[index].items:
                item = next(iterator, None)
                if item is None:
                    break
                held.append(item)
            chain = _items_hash(held, chain)
            if len(held) < following.items - states[index].items or chain != following.items_hash:
                break
            held = []
            index += 1
        if index + 1 < len(states):
            _note(
                f"the inputs changed since the interrupted run, from item {states[index].items + 1} on: "
                f"{self.output} is redone from there"
            )
        self._reopen_at(index)
        self._items = self.state.items
        self._items_hash = self.state.items_hash
        return itertools.chain(held, iterator)

    def commit(
        self,
        batch: list[InputDocument | DocumentProblem],
        documents: int,
        records: int,
        problems: list[DocumentProblem],
    ) -> None:
        """Make a batch durable: outputs first, then the journal line that points past them.

        This thread flushes the outputs (so a killed process loses nothing the
        system holds) and notes their sizes; the committer thread fsyncs them and
        then writes and fsyncs the journal line. A commit that failed (a full disk)
        is raised here, at the next batch, or by :meth:`finish`.
        """
        self.out.flush()
        if self.errors_out is not None:
            self.errors_out.flush()
        self._items += len(batch)
        self._items_hash = _items_hash(batch, self._items_hash)
        entry = {
            "items": self._items,
            "hash": self._items_hash,
            "out": os.fstat(self.out.fileno()).st_size,
            "err": os.fstat(self.errors_out.fileno()).st_size if self.errors_out is not None else 0,
            "documents": documents,
            "records": records,
            "problems": [p.to_json() for p in problems],
        }
        if self._last_commit is not None and self._last_commit.done():
            self._last_commit.result()  # raises what went wrong
        self._last_commit = self._committer.submit(self._write_entry, json.dumps(entry, ensure_ascii=False) + "\n")

    def _write_entry(self, line: str) -> None:
        # the committer thread: only file descriptors of the outputs (their buffers are the run's)
        os.fsync(self.out.fileno())
        if self.errors_out is not None:
            os.fsync(self.errors_out.fileno())
        self.journal.write(line)
        _fsync(self.journal)

    def _drain(self) -> None:
        """Wait for the committer thread to write every commit handed to it."""
        self._committer.shutdown(wait=True)
        if self._last_commit is not None:
            self._last_commit.result()

    def finish(self) -> None:
        """The run is complete: FILE appears whole, the journal goes."""
        self._drain()
        _fsync(self.out)
        self.out.close()
        if self.errors_out is not None:
            self.errors_out.close()
        self.journal.close()
        os.replace(self.part, self.output)
        os.unlink(self.journal_path)

    def keep(self) -> None:
        """Stop here (Ctrl-C, error): what is committed stays for ``--resume``."""
        self._committer.shutdown(wait=True)  # the batches handed to it are committed; an error here is moot
        for handle in self._opened:
            if not handle.closed:
                handle.close()


class ReplacedOutput:
    """``-o FILE`` for a format written at the end (a table, a page): a hidden file beside FILE, renamed
    over it when the run is complete and removed when it is not, so FILE is never half-written."""

    def __init__(self, output: str) -> None:
        import tempfile

        self.output = output
        directory = os.path.dirname(os.path.abspath(output))
        handle, self.temporary = tempfile.mkstemp(prefix=".koie-", suffix=".part", dir=directory)
        self.out: TextIO = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def finish(self) -> None:
        """The run is complete: FILE appears whole."""
        self.out.close()
        # mkstemp makes the file private (0600); the output is an ordinary file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temporary, 0o666 & ~umask)
        os.replace(self.temporary, self.output)

    def discard(self) -> None:
        """Stop here (Ctrl-C, error): nothing is left behind."""
        if not self.out.closed:
            self.out.close()
        if os.path.exists(self.temporary):
            os.unlink(self.temporary)
