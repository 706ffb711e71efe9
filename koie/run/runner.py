"""``koie run`` over a corpus: batches of documents, one bad document never stops the run."""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TextIO

from koie import native
from koie.analysis.morphemes import AnalyzedDocument
from koie.api import Pack
from koie.engine.extract import Record
from koie.explain import explain_record
from koie.run.inputs import DocumentProblem, InputDocument, batched, read_inputs
from koie.run.resume import ResumableOutput
from koie.run.sinks import CSV_COLUMNS, count_noun, record_line, record_lines, run_summary, write_table
from koie.vm.limits import DocumentTimeout, document_deadline

#: With the default --workers, runs of at most this many batches stay in one process.
SMALL_RUN_BATCHES = 4

#: Documents analysed per batched Kiwi call.
BATCH = 32


@dataclass(slots=True)
class RunSummary:
    documents: int = 0
    records: int = 0
    problems: list[DocumentProblem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        # an empty document (E402) or replaced bytes (W401, --lossy) is reported but is not a failure
        return any(p.code.startswith("E") and p.code != "E402" for p in self.problems)


def document_records(
    pack: Pack,
    documents: list[InputDocument],
    explain: bool = False,
    include_hidden: bool = False,
    include_suppressed: bool = False,
    published: str | None = None,
    timeout: float | None = None,
    analyses: Future[list[AnalyzedDocument]] | Iterable[AnalyzedDocument] | None = None,
    lines: bool = False,
) -> list[list[Any]]:
    """Records (as JSON dicts) for each document of a batch, in input order.

    ``lines``: each record as its JSON Lines line (str, :func:`koie.run.sinks.record_line`
    of the dict) instead, made from the record where koie.run._jsonl is built.

    ``timeout``: seconds each document's matching may take (koie.vm.limits); past it, DocumentTimeout.
    ``analyses``: the batch's analyses, already under way: one future for the batch (see
    :func:`_pipelined`), or each document's in turn (see :func:`_streamed`).
    """
    versions = pack.analyzer.versions()
    analysed: Iterable[AnalyzedDocument]
    if isinstance(analyses, Future):
        analysed = analyses.result()
    elif analyses is not None:
        analysed = analyses
    else:
        analysed = _analyze(pack, [d.text for d in documents])
    out: list[list[Any]] = []

    def line_of(record: Record) -> str:
        return record_line(_row(pack, record, versions, explain))

    native_lines = lines and not explain and _NATIVE_RECORD_LINES is not None
    for document, analysis in zip(documents, analysed):
        # a document's own publication date (JSON Lines field "published") wins over --published
        with document_deadline(timeout):
            extraction = pack.extract_document(analysis, document.id, document.meta.get("published") or published)
        chosen = extraction.output(include_hidden)
        if include_suppressed:
            chosen = sorted(
                chosen + [r for r in extraction.suppressed if include_hidden or r.output], key=lambda r: r.sort_key
            )
        if native_lines:
            out.append(_NATIVE_RECORD_LINES(chosen, versions, line_of))
        elif lines:
            out.append([line_of(record) for record in chosen])
        else:
            out.append([_row(pack, record, versions, explain) for record in chosen])
    return out


def _row(pack: Pack, record: Record, versions: dict[str, str], explain: bool) -> dict[str, Any]:
    """A record as its JSON dict in the output (docs/output.md)."""
    row = record.to_json()
    if record.suppressed_by is not None:
        row["suppressed_by"] = {
            "rule": record.suppressed_by.rule,
            "start": record.suppressed_by.start,
            "end": record.suppressed_by.end,
        }
    if explain:
        row["explanation"] = explain_record(pack.compiled, record)
    row["analyzer"] = versions
    return row


#: koie.run._jsonl.record_json_lines (records straight to their lines), or None without the native module.
_NATIVE_RECORD_LINES: Any = getattr(native.load("koie.run._jsonl"), "record_json_lines", None)


#: One analysis at a time: the pipeline's thread and a batch redone document by document share the analyser.
_ANALYSIS_LOCK = threading.Lock()


def _analyze(pack: Pack, texts: list[str]) -> list[AnalyzedDocument]:
    with _ANALYSIS_LOCK:
        return pack.analyzer.analyze_many(texts)


def _analyze_later(pack: Pack, texts: list[str]) -> tuple[list[AnalyzedDocument], Callable[[], None]]:
    """The analyses, and what writes them to the cache (done by the caller), for analysers with a cache."""
    later = getattr(pack.analyzer, "analyze_many_later", None)
    with _ANALYSIS_LOCK:
        if later is not None:
            documents, store = later(texts)
            return documents, store
        return pack.analyzer.analyze_many(texts), _nothing


def _nothing() -> None:
    pass


def batch_records(
    pack: Pack,
    documents: list[InputDocument],
    options: tuple[Any, ...],
    analyses: Future[list[AnalyzedDocument]] | Iterable[AnalyzedDocument] | None = None,
    lines: bool = False,
) -> tuple[list[list[Any]], list[DocumentProblem]]:
    """Records for each document of a batch, and the documents that failed (E405) with empty records.

    A pure function of its arguments, so worker processes (koie.run.parallel) run it as is.
    """
    problems: list[DocumentProblem] = []
    try:
        # options holds the positional options only (explain .. timeout), never analyses
        every = document_records(pack, documents, *options, analyses=analyses, lines=lines)  # type: ignore[misc]
        return every, problems
    except Exception:
        per_document: list[list[Any]] = []
        for document in documents:
            try:
                per_document.extend(document_records(pack, [document], *options, lines=lines))  # type: ignore[misc]
            except DocumentTimeout as error:
                problems.append(DocumentProblem(document.id, "E403", error.reason))
                per_document.append([])
            except Exception as error:
                problems.append(DocumentProblem(document.id, "E405", f"{error.__class__.__name__}: {error}"))
                per_document.append([])
        return per_document, problems


def computed_batches(
    pack: Pack,
    batches: Iterable[list[InputDocument | DocumentProblem]],
    options: tuple[Any, ...],
    workers: int = 1,
    lines: bool = False,
) -> Generator[
    tuple[
        list[InputDocument | DocumentProblem],
        tuple[list[list[dict[str, Any]]] | list[list[str]], list[DocumentProblem]],
    ],
    None,
    None,
]:
    """Each batch with its records, in input order: here, or in ``workers`` processes (koie.run.parallel).

    ``lines``: records computed in other processes may come as JSON Lines
    lines (str) instead of dicts (those computed here are always dicts).

    ``workers=0`` is the default: one process per two cores (koie.run.parallel.default_workers), except for a
    small run.
    """
    if workers == 0:
        from koie.run.parallel import can_share, cores, default_workers, parallel_batches, shared_batches

        workers = default_workers()
        pending = iter(batches)
        opening = list(itertools.islice(pending, SMALL_RUN_BATCHES + 1))
        # A small run is done here: worker processes would cost more in model
        # loads (~2 s each) than they save (measured: 57 documents took 7.6 s
        # with 2 workers, 5.0 s with one).
        if len(opening) > SMALL_RUN_BATCHES and _analyses_cached(pack, opening):
            # A re-run whose analyses are in the cache loads no model: matching is all the
            # work, and one process per core does it. This process is one of them, and the
            # others are forked (they start with the pack in memory), where that is safe.
            # Measured on 2 cores, warm run of the meetings pack, medians of 6: 1.86 s shared
            # with a forked helper, 2.29 s with a pool of two spawned workers, 2.82 s in one.
            workers = cores()
            if workers > 1:
                # compiled before the fork (the helpers start with it), and before can_share
                # asks whether a model is loaded: a literal missing from the cache loads one
                pack.compiled  # noqa: B018
            if workers > 1 and can_share(pack):
                yield from shared_batches(pack, itertools.chain(opening, pending), options, workers - 1, lines)
                return
        if workers > 1 and len(opening) > SMALL_RUN_BATCHES:
            pack.compiled  # noqa: B018 - the workers receive the compiled pack
            yield from parallel_batches(pack, itertools.chain(opening, pending), options, workers, lines)
            return
        batches = itertools.chain(opening, pending)  # every batch: the opening ones and the rest
    elif workers > 1:
        from koie.run.parallel import parallel_batches

        pack.compiled  # noqa: B018 - the workers receive the compiled pack
        yield from parallel_batches(pack, batches, options, workers, lines)
        return
    if hasattr(getattr(pack, "analyzer", None), "analyze_stream"):
        yield from _streamed(pack, batches, options, lines)  # it compiles the pack once the analysis runs
    else:
        pack.compiled  # noqa: B018 - a pack still to compile (Pack.deferred) compiles before the batches
        yield from _pipelined(pack, batches, options, lines)


def _analyses_cached(pack: Pack, batches: list[list[InputDocument | DocumentProblem]]) -> bool:
    """Whether the pack's analysis cache holds every document of ``batches``."""
    covers = getattr(pack.analyzer, "covers", None)
    texts = [d.text for batch in batches for d in batch if isinstance(d, InputDocument)]
    return bool(texts) and covers is not None and bool(covers(texts))


def _pipelined(
    pack: Pack, batches: Iterable[list[InputDocument | DocumentProblem]], options: tuple[Any, ...], lines: bool = False
) -> Iterator[tuple[list[InputDocument | DocumentProblem], tuple[list[list[Any]], list[DocumentProblem]]]]:
    """Batches matched here while the next batch is analysed in a thread (analysers without a stream).

    Kiwi analyses in its own C++ threads, so matching one batch (Python) and
    analysing the next overlap: measured 13% less wall time than one after the
    other on 2 cores. The analyser is used by that one thread only, batches
    come out in order, and a batch whose analysis fails is redone document by
    document (batch_records), as without the thread.
    """
    from concurrent.futures import ThreadPoolExecutor

    pending = iter(batches)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="koie-analysis") as pool:

        def start() -> (
            tuple[
                list[InputDocument | DocumentProblem],
                list[InputDocument],
                Future[tuple[list[AnalyzedDocument], Callable[[], None]]],
            ]
            | None
        ):
            batch = next(pending, None)
            if batch is None:
                return None
            documents = [d for d in batch if isinstance(d, InputDocument)]
            return batch, documents, pool.submit(_analyze_later, pack, [d.text for d in documents])

        current = start()
        while current is not None:
            following = start()
            batch, documents, analysing = current
            # This thread writes the batch's analyses to the cache once it is matched: the
            # analysing thread is the slower one, this one waits for it.
            analyses: Future[list[AnalyzedDocument]] = Future()
            store = _nothing
            try:
                documents_analysed, store = analysing.result()
                analyses.set_result(documents_analysed)
            except Exception as error:
                analyses.set_exception(error)
            yield batch, batch_records(pack, documents, options, analyses, lines)
            store()
            current = following


#: At most this many analysed documents wait to be matched in a streamed run (memory stays bounded).
#: Measured on 2 cores, 1 MB, rules/meetings.yaml, 4 alternating rounds: a window of 4 documents
#: starves Kiwi's threads (median 7.75 s against 6.9-7.0 s with 16 or 64).
STREAM_WINDOW = 2 * BATCH


def _streamed(
    pack: Pack, batches: Iterable[list[InputDocument | DocumentProblem]], options: tuple[Any, ...], lines: bool = False
) -> Iterator[tuple[list[InputDocument | DocumentProblem], tuple[list[list[Any]], list[DocumentProblem]]]]:
    """Batches matched here, document by document, as one stream of analyses comes in from a thread.

    The thread reads the batches and runs the analyser's ``analyze_stream``
    over all their texts: one Kiwi call for the whole run, so Kiwi's threads
    never wait at the end of a batch, and this thread matches each document as
    soon as it is analysed, so the run ends one document, not one batch, after
    the analysis. Measured on 2 cores, 1 MB, rules/meetings.yaml: see
    docs/performance.md. Batches still come out whole and in order (the
    journal commits batches), a document whose analysis failed is redone
    alone (:func:`batch_records`), and at most :data:`STREAM_WINDOW` analysed
    documents wait, so memory stays bounded when matching is the slower side.
    """
    handoff: queue.SimpleQueue[Any] = queue.SimpleQueue()  # (batch, documents, futures), then _END or an error
    window = threading.Semaphore(STREAM_WINDOW)
    stop = threading.Event()
    source = iter(batches)

    unreadable: list[BaseException] = []  # reading the inputs failed: raised after the batches before

    def texts(waiting: deque[Future[tuple[AnalyzedDocument, bool]]]) -> Iterator[str]:
        while not stop.is_set():
            try:
                batch = next(source)
            except StopIteration:
                return
            except BaseException as error:
                unreadable.append(error)
                return
            documents = [d for d in batch if isinstance(d, InputDocument)]
            futures: list[Future[tuple[AnalyzedDocument, bool]]] = [Future() for _ in documents]
            waiting.extend(futures)
            handoff.put((batch, documents, futures))
            for document in documents:
                yield document.text

    def analyse() -> None:
        try:
            while not unreadable:
                waiting: deque[Future[tuple[AnalyzedDocument, bool]]] = deque()
                try:
                    for analysis in pack.analyzer.analyze_stream(texts(waiting)):  # type: ignore[attr-defined]
                        while not window.acquire(timeout=0.1):
                            if stop.is_set():
                                return
                        waiting.popleft().set_result(analysis)
                    break
                except Exception as error:
                    if not waiting:
                        raise
                    for future in waiting:
                        future.set_exception(error)
                    # and a new stream starts after them
            if unreadable:
                raise unreadable[0]
        except BaseException as error:
            handoff.put(error)
        finally:
            handoff.put(_END)

    thread = threading.Thread(target=analyse, name="koie-analysis", daemon=True)
    thread.start()
    # fresh analyses go to the cache from a thread of its own where the analyser has one
    store = getattr(pack.analyzer, "store_soon", None) or getattr(pack.analyzer, "store", None)
    try:
        # A pack still to compile (Pack.deferred) compiles here, while the thread has Kiwi analyse
        # the first documents: its literals need the model the documents load anyway, and the
        # documents need not wait for the compile (on 2 cores it took 0.15 s of a 6 s run).
        pack.compiled  # noqa: B018
        while (item := handoff.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            batch, documents, futures = item
            fresh: list[tuple[str, AnalyzedDocument]] = []
            taken = 0  # analyses handed to the matching: each makes room for another in the window

            def each(
                pairs: list[tuple[InputDocument, Future[tuple[AnalyzedDocument, bool]]]],
            ) -> Iterator[AnalyzedDocument]:
                nonlocal taken
                for document, future in pairs:
                    analysis, new = future.result()
                    taken += 1
                    window.release()
                    if new:
                        fresh.append((document.text, analysis))  # noqa: B023 (consumed in this iteration)
                    yield analysis

            yield batch, batch_records(pack, documents, options, each(list(zip(documents, futures))), lines)
            for future in futures[taken:]:  # not taken: a document failed and the batch was redone one by one
                if future.exception() is None:
                    window.release()
            if store is not None:
                store(fresh)  # after matching: the writes would hold up nothing, the analyses are made
    finally:
        stop.set()
        thread.join(timeout=5)
        flush = getattr(pack.analyzer, "flush", None)
        if flush is not None:
            flush()


_END = object()


def _started(results: Iterator[Any]) -> Iterator[Any]:
    """``results`` with its first item computed now."""
    held = [next(results, _END)]

    def rest() -> Iterator[Any]:
        while held:
            first = held.pop()  # not kept once handed on: a batch's records and analyses are large
            if first is not _END:
                yield first
            del first
        yield from results

    return rest()


def _report(problem: DocumentProblem, errors_out: TextIO | None, quiet: bool) -> None:
    if not quiet or problem.code != "E402":
        print(f"{problem.id}: {problem.code} {problem.message}", file=sys.stderr)
    if errors_out is not None:
        errors_out.write(json.dumps(problem.to_json(), ensure_ascii=False) + "\n")


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A corpus run allocates millions of short-lived tuples: collect cycles less often.

    The youngest generation is collected every 50,000 allocations instead of
    700 while the run lasts (measured on the meetings pack: about 10% less
    matching time, and steadier); the records do not change, and the old
    thresholds come back afterwards.
    """
    import gc

    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def run_corpus(
    pack: Pack,
    inputs: tuple[str, ...],
    output: str | None = None,
    fmt: str = "jsonl",
    explain: bool = False,
    include_hidden: bool = False,
    include_suppressed: bool = False,
    jsonl: bool | None = None,
    encoding: str = "utf-8",
    lossy: bool = False,
    errors_file: str | None = None,
    quiet: bool = False,
    published: str | None = None,
    workers: int = 1,
    progress: Any = None,
    timeout: float | None = None,
    resume: bool = False,
    run_key: dict[str, Any] | None = None,
) -> RunSummary:
    if fmt == "html":
        # one page needs every record of every document, hidden ones too: koie.report.html builds it
        from koie.report.html import run_report

        # a pack still to compile (Pack.deferred) compiles first: its errors are the run's, not a document's
        pack.compiled  # noqa: B018
        return run_report(
            pack,
            inputs,
            output,
            encoding=encoding,
            lossy=lossy,
            jsonl=jsonl,
            errors_file=errors_file,
            quiet=quiet,
            published=published,
            progress=progress,
        )
    with _fewer_collections():
        return _run_corpus(
            pack,
            inputs,
            output,
            fmt,
            explain,
            include_hidden,
            include_suppressed,
            jsonl,
            encoding,
            lossy,
            errors_file,
            quiet,
            published,
            workers,
            progress,
            timeout,
            resume,
            run_key,
        )


def _run_corpus(
    pack: Pack,
    inputs: tuple[str, ...],
    output: str | None,
    fmt: str,
    explain: bool,
    include_hidden: bool,
    include_suppressed: bool,
    jsonl: bool | None,
    encoding: str,
    lossy: bool,
    errors_file: str | None,
    quiet: bool,
    published: str | None,
    workers: int,
    progress: Any,
    timeout: float | None,
    resume: bool,
    run_key: dict[str, Any] | None,
) -> RunSummary:
    summary = RunSummary()
    # -o FILE is written to FILE.part with a journal of finished batches and
    # renamed at the end (koie.run.resume): a killed run never leaves a
    # half-written FILE, and --resume continues it.
    journal: ResumableOutput | None = None
    out: TextIO = sys.stdout
    errors_out: TextIO | None = None
    key = dict(
        run_key or {},
        inputs=list(inputs),
        format=fmt,
        explain=explain,
        all=include_hidden,
        suppressed=include_suppressed,
        encoding=encoding,
        lossy=lossy,
        published=published,
    )
    options = (explain, include_hidden, include_suppressed, published, timeout)
    items = read_inputs(inputs, encoding=encoding, lossy=lossy, jsonl=jsonl)
    if output and resume:
        journal = ResumableOutput(output, errors_file, key, resume)  # it knows which documents are done
        items = journal.skip_done(items)
    computing = computed_batches(pack, batched(items, BATCH), options, workers, fmt == "jsonl")
    results: Iterator[Any] = computing
    table_rows: list[dict[str, Any]] = []
    csv_writer = None
    try:
        # The first batch is computed before an output file is opened: the run starts
        # analysing, and a pack still to compile (Pack.deferred) compiles meanwhile, so a
        # bad pack stops the run here and leaves no FILE.part behind.
        results = _started(computing)
        if output:
            if journal is None:
                journal = ResumableOutput(output, errors_file, key, resume)
            out = journal.out
            errors_out = journal.errors_out
            summary = RunSummary(journal.state.documents, journal.state.records, journal.problems)
        elif errors_file:
            errors_out = open(errors_file, "w", encoding="utf-8")  # noqa: SIM115 (closed in finally)
        if fmt == "csv":
            import csv

            csv_writer = csv.writer(out, lineterminator="\n")
            if journal is None or not journal.resumed:
                csv_writer.writerow(CSV_COLUMNS)
        for batch, (per_document, failures) in results:
            problems_before = len(summary.problems)
            for item in batch:
                if isinstance(item, DocumentProblem):
                    summary.problems.append(item)
                    _report(item, errors_out, quiet)
            for problem in failures:
                summary.problems.append(problem)
                _report(problem, errors_out, quiet)
            if progress is not None:
                progress.advance(len(per_document))
            for rows in per_document:
                summary.documents += 1
                summary.records += len(rows)
                if rows and isinstance(rows[0], str):  # JSON Lines lines, made with the records (jsonl only)
                    out.write("\n".join(rows))
                    out.write("\n")
                    continue
                if fmt == "jsonl" and rows:
                    out.write(record_lines(rows))
                    continue
                for row in rows:
                    if isinstance(row, str):  # a line made by a worker process (jsonl only)
                        out.write(row + "\n")
                    elif fmt == "jsonl":
                        out.write(record_line(row) + "\n")
                    elif fmt == "csv":
                        assert csv_writer is not None
                        csv_writer.writerow(
                            [
                                row["doc"],
                                row["rule"],
                                row["label"],
                                row["start"],
                                row["end"],
                                row["text"],
                                json.dumps(row["args"], ensure_ascii=False),
                                json.dumps(row["attrs"], ensure_ascii=False),
                            ]
                        )
                    else:
                        table_rows.append(row)
            out.flush()
            if journal is not None and fmt != "table":
                journal.commit(batch, summary.documents, summary.records, summary.problems[problems_before:])
        if fmt == "table":
            write_table(table_rows, out)
        if journal is not None:
            journal.finish()
    except BaseException as error:
        computing.close()  # the analysis stops (koie.run.runner._streamed) before the outputs close
        if journal is not None:
            journal.keep()
        if isinstance(error, KeyboardInterrupt):
            where = f"; what is done is in {output}.part: continue with --resume" if journal is not None else ""
            print(
                f"koie: interrupted after {count_noun(summary.documents, 'document')}, "
                f"{count_noun(summary.records, 'record')}{where}",
                file=sys.stderr,
            )
        raise
    finally:
        if errors_out is not None and not errors_out.closed:
            errors_out.close()
    if progress is not None:
        progress.close()
    if not quiet:
        print(run_summary(summary.documents, summary.records, len(summary.problems)), file=sys.stderr)
    return summary
