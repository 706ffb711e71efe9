"""``koie run -o FILE``: output that survives a kill, and ``--resume`` to continue it.

Records are written to ``FILE.part`` as they are produced, and the problems
(``--errors``) to their own file. After every batch both are flushed and
fsynced, then one line is appended to ``FILE.journal`` (and fsynced) saying how
many input items are done, a hash of their ids, the byte length of each
output at that point and the running counts. The fsyncs and the journal line
are a committer thread's work, in batch order, while the run goes on (two
fsyncs per batch were a tenth of a warm run); the run waits for it only at
the end, or when it stops. A normal end renames
``FILE.part`` to ``FILE`` and removes the journal, so ``FILE`` never exists
half-written.

After a kill (even SIGKILL), ``--resume`` reads the journal, drops any
incomplete last line, cuts ``FILE.part`` and the errors file back to the last
committed batch (dropping records of documents whose batch was not
committed), skips the items already done (checking their ids against the
journal, so a changed corpus is refused) and carries on. Processing is
deterministic and in input order, so the result is byte-identical to an
uninterrupted run: no document lost, none duplicated.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO

from koie.errors import Diagnostic, KoieError
from koie.run.inputs import DocumentProblem, InputDocument

JOURNAL_VERSION = 1


def _ids_hash(ids: Iterable[str], previous: str = "") -> str:
    """A hash chained item by item, so it does not depend on where batches were cut."""
    for item in ids:
        previous = hashlib.sha1((previous + "\x00" + item).encode("utf-8", "surrogatepass")).hexdigest()
    return previous


def _fsync(handle: TextIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


@dataclass(slots=True)
class JournalState:
    """What the last committed batch of an interrupted run left."""

    items: int = 0
    ids_hash: str = ""
    out_bytes: int = 0
    err_bytes: int = 0
    documents: int = 0
    records: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def read_journal(path: str, key: dict[str, Any]) -> JournalState:
    """The last complete entry of a journal; a torn last line (killed mid-write) is ignored."""
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
    if header.get("koie-journal") != JOURNAL_VERSION:
        raise _resume_error(path, "not a koie journal, or one from another koie version")
    if header.get("key") != key:
        changed = sorted(k for k in set(key) | set(header.get("key", {})) if key.get(k) != header.get("key", {}).get(k))
        raise _resume_error(
            path,
            "the interrupted run had other settings: " + ", ".join(changed),
            "resume with the same rules, inputs and options, or run again without --resume",
        )
    state = JournalState()
    problems: list[dict[str, Any]] = []
    for raw in complete[1:]:
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            break
        problems.extend(entry["problems"])
        state = JournalState(
            entry["items"], entry["ids"], entry["out"], entry["err"], entry["documents"], entry["records"], problems
        )
    return state


def _resume_error(path: str, message: str, hint: str = "run again without --resume to start over") -> KoieError:
    return KoieError([Diagnostic("E406", message, file=path, suggestion=hint)])


class ResumableOutput:
    """``FILE.part`` + ``FILE.journal`` (+ the errors file), committed batch by batch."""

    def __init__(self, output: str, errors_file: str | None, key: dict[str, Any], resume: bool) -> None:
        self.output = output
        self.part = output + ".part"
        self.journal_path = output + ".journal"
        self.errors_file = errors_file
        self.key = key
        self.state = JournalState()
        self.resumed = False
        if resume:
            if not os.path.exists(self.journal_path) or not os.path.exists(self.part):
                raise _resume_error(
                    self.journal_path, f"no interrupted run to resume for {output!r}", "run without --resume"
                )
            self.state = read_journal(self.journal_path, key)
            self.resumed = True
            self.out = self._reopen(self.part, self.state.out_bytes)
            self.errors_out = self._reopen(errors_file, self.state.err_bytes) if errors_file else None
            # the journal itself is rewritten up to its last complete entry
            with open(self.journal_path, "rb") as handle:
                data = handle.read()
            with open(self.journal_path, "wb") as handle:
                handle.write(data[: data.rfind(b"\n") + 1])
            self.journal: TextIO = open(self.journal_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        else:
            # these stay open for the whole run; finish() or keep() closes them
            self.out = open(self.part, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self.errors_out = open(errors_file, "w", encoding="utf-8", newline="") if errors_file else None  # noqa: SIM115
            self.journal = open(self.journal_path, "w", encoding="utf-8")  # noqa: SIM115
            self.journal.write(json.dumps({"koie-journal": JOURNAL_VERSION, "key": key}, ensure_ascii=False) + "\n")
            _fsync(self.journal)
        self._items = self.state.items
        self._ids_hash = self.state.ids_hash
        # One thread makes the batches durable, in order; the last commit handed to it.
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koie-journal")
        self._last_commit: Future[None] | None = None

    @staticmethod
    def _reopen(path: str, size: int) -> TextIO:
        # Cut back to the last commit: a record or problem written after it
        # belongs to a batch that will be processed again.
        with open(path, "r+b") as handle:
            handle.truncate(size)
        return open(path, "a", encoding="utf-8", newline="")

    @property
    def problems(self) -> list[DocumentProblem]:
        return [DocumentProblem(p["doc"], p["code"], p["message"]) for p in self.state.problems]

    def skip_done(self, items: Iterable[InputDocument | DocumentProblem]) -> Iterator[InputDocument | DocumentProblem]:
        """The input items after those the interrupted run finished (whose ids must be the same)."""
        iterator = iter(items)
        skipped: list[str] = []
        for _ in range(self.state.items):
            item = next(iterator, None)
            if item is None:
                break
            skipped.append(item.id)
        if len(skipped) != self.state.items or _ids_hash(skipped) != self.state.ids_hash:
            raise _resume_error(
                self.journal_path,
                f"the inputs changed since the interrupted run (its first {self.state.items} items are not the same)",
            )
        yield from iterator

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
        self._ids_hash = _ids_hash([item.id for item in batch], self._ids_hash)
        entry = {
            "items": self._items,
            "ids": self._ids_hash,
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
        for handle in (self.out, self.errors_out, self.journal):
            if handle is not None and not handle.closed:
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
