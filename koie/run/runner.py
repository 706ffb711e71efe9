"""``koie run`` over a corpus: read the inputs, make each document's records once, write them through a sink.

In input order: :mod:`koie.run.inputs` reads the documents (a bad one is a
problem, reported, and the run goes on); batches of them are analysed and
matched here, a thread analysing ahead (:func:`_streamed`, :func:`_pipelined`),
or in worker processes (:mod:`koie.run.parallel`), each batch by
:func:`koie.run.records.batch_records`; and the run's sink writes their records
(:mod:`koie.run.sinks`, the page's :mod:`koie.report.sink`), into ``-o FILE``
through :mod:`koie.run.resume`. This module imports those stages; none of them
imports it.
"""

from __future__ import annotations

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

from koie.analysis.morphemes import AnalyzedDocument
from koie.analysis.protocol import StoresAnalyses, StreamsAnalyses
from koie.api import Pack
from koie.errors import Diagnostic, KoieError, printable
from koie.run import records
from koie.run.inputs import (
    MAX_DOCUMENT_BYTES,
    DocumentProblem,
    InputDocument,
    InputTally,
    batched,
    read_inputs,
    sections,
)
from koie.run.prefilter import Skipping
from koie.run.records import DocumentRows, RecordOptions
from koie.run.resume import ReplacedOutput, ResumableOutput, interrupted
from koie.run.sinks import CsvSink, JsonLinesSink, Sink, TableSink, count_noun, run_summary

#: With the default --workers, runs of at most this many batches stay in one process.
SMALL_RUN_BATCHES = 4

#: Documents analysed per batched Kiwi call.
BATCH = 32

#: Characters of text a batch holds at most (a document longer than that is a batch alone): news
#: batches (32 documents of a few KB) never reach it; the sections of a long document do, so a batch of
#: them, in a worker or waiting for the sink, stays a few sections (koie.run.inputs.sections).
BATCH_CHARS = 400_000

#: What :func:`koie.run.records.batch_records` gives for a batch: each document's rows, and the problems.
BatchResult = tuple[list[DocumentRows], list[DocumentProblem]]


@dataclass(slots=True)
class RunSummary:
    documents: int = 0
    records: int = 0
    problems: list[DocumentProblem] = field(default_factory=list)
    #: documents the pre-filter skipped (None: the run had no --labels)
    skipped: int | None = None

    @property
    def failed(self) -> bool:
        # an empty document (E402) or replaced bytes (W401, --lossy) is reported but is not a failure
        return any(p.code.startswith("E") and p.code != "E402" for p in self.problems)


def _analyze_later(pack: Pack, texts: list[str]) -> tuple[list[AnalyzedDocument], Callable[[], None]]:
    """The analyses, and what writes them to the cache (done by the caller), for analysers with a cache."""
    with records.ANALYSIS_LOCK:
        if isinstance(pack.analyzer, StoresAnalyses):
            return pack.analyzer.analyze_many_later(texts)
        return pack.analyzer.analyze_many(texts), _nothing


def _nothing() -> None:
    pass


def computed_batches(
    pack: Pack,
    batches: Iterable[list[InputDocument | DocumentProblem]],
    options: RecordOptions,
    workers: int = 1,
) -> Generator[tuple[list[InputDocument | DocumentProblem], BatchResult], None, None]:
    """Each batch with its records (:func:`koie.run.records.batch_records`), in input order: here, or in
    ``workers`` processes (koie.run.parallel).

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
                yield from shared_batches(pack, itertools.chain(opening, pending), options, workers - 1)
                return
        if workers > 1 and len(opening) > SMALL_RUN_BATCHES:
            pack.compiled  # noqa: B018 - the workers receive the compiled pack
            yield from parallel_batches(pack, itertools.chain(opening, pending), options, workers)
            return
        batches = itertools.chain(opening, pending)  # every batch: the opening ones and the rest
    elif workers > 1:
        from koie.run.parallel import parallel_batches

        pack.compiled  # noqa: B018 - the workers receive the compiled pack
        yield from parallel_batches(pack, batches, options, workers)
        return
    if isinstance(pack.analyzer, StreamsAnalyses):
        # _streamed compiles the pack once the analysis runs
        yield from _streamed(pack, pack.analyzer, batches, options)
    else:
        pack.compiled  # noqa: B018 - a pack still to compile (Pack.deferred) compiles before the batches
        yield from _pipelined(pack, batches, options)


def _analyses_cached(pack: Pack, batches: list[list[InputDocument | DocumentProblem]]) -> bool:
    """Whether the pack's analysis cache holds every document of ``batches``."""
    texts = [d.text for batch in batches for d in batch if isinstance(d, InputDocument)]
    return bool(texts) and isinstance(pack.analyzer, StoresAnalyses) and pack.analyzer.covers(texts)


def _pipelined(
    pack: Pack, batches: Iterable[list[InputDocument | DocumentProblem]], options: RecordOptions
) -> Iterator[tuple[list[InputDocument | DocumentProblem], BatchResult]]:
    """Batches matched here while the next batch is analysed in a thread (analysers without a stream).

    Kiwi analyses in its own C++ threads, so matching one batch (Python) and
    analysing the next overlap: measured 13% less wall time than one after the
    other on 2 cores. The analyser is used by that one thread only, batches
    come out in order, and a batch whose analysis fails is redone document by
    document (koie.run.records.batch_records), as without the thread.
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
            yield batch, records.batch_records(pack, documents, options, analyses)
            store()
            current = following


#: At most this many analysed documents wait to be matched in a streamed run (memory stays bounded).
#: Measured on 2 cores, 1 MB, rules/meetings.yaml, 4 alternating rounds: a window of 4 documents
#: starves Kiwi's threads (median 7.75 s against 6.9-7.0 s with 16 or 64).
STREAM_WINDOW = 2 * BATCH

#: A document takes one place in the window per this many characters (a news article takes one; a
#: section of a long document, koie.run.inputs.SECTION_CHARS, about 13), so what waits stays bounded
#: in characters too.
STREAM_PLACE_CHARS = 8192


def _places(text: str) -> int:
    """The places a document's analysis takes in the window (at most the whole window, so any fits)."""
    return min(1 + len(text) // STREAM_PLACE_CHARS, STREAM_WINDOW)


def _streamed(
    pack: Pack,
    analyzer: StreamsAnalyses,
    batches: Iterable[list[InputDocument | DocumentProblem]],
    options: RecordOptions,
) -> Iterator[tuple[list[InputDocument | DocumentProblem], BatchResult]]:
    """Batches matched here, document by document, as one stream of analyses comes in from a thread.

    The thread reads the batches and runs the analyser's ``analyze_stream``
    over all their texts: one Kiwi call for the whole run, so Kiwi's threads
    never wait at the end of a batch, and this thread matches each document as
    soon as it is analysed, so the run ends one document, not one batch, after
    the analysis. Measured on 2 cores, 1 MB, rules/meetings.yaml: see
    docs/performance.md. Batches still come out whole and in order (the
    journal commits batches), a document whose analysis failed is redone
    alone (:func:`koie.run.records.batch_records`), and at most :data:`STREAM_WINDOW` analysed
    documents wait, so memory stays bounded when matching is the slower side.
    """
    handoff: queue.SimpleQueue[Any] = queue.SimpleQueue()  # (batch, documents, futures), then _END or an error
    window = threading.Semaphore(STREAM_WINDOW)  # places (_places): one per document of a few KB
    stop = threading.Event()
    source = iter(batches)

    unreadable: list[BaseException] = []  # reading the inputs failed: raised after the batches before

    def texts(waiting: deque[tuple[Future[tuple[AnalyzedDocument, bool]], int]]) -> Iterator[str]:
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
            waiting.extend(zip(futures, [_places(document.text) for document in documents]))
            handoff.put((batch, documents, futures))
            for document in documents:
                yield document.text

    def analyse() -> None:
        try:
            while not unreadable:
                waiting: deque[tuple[Future[tuple[AnalyzedDocument, bool]], int]] = deque()
                try:
                    for analysis in analyzer.analyze_stream(texts(waiting)):
                        future, places = waiting.popleft()
                        for _ in range(places):
                            while not window.acquire(timeout=0.1):
                                if stop.is_set():
                                    return
                        future.set_result(analysis)
                    break
                except Exception as error:
                    if not waiting:
                        raise
                    for future, _places_taken in waiting:
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
    store = analyzer if isinstance(analyzer, StoresAnalyses) else None
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
                    window.release(_places(document.text))
                    if new:
                        fresh.append((document.text, analysis))  # noqa: B023 (consumed in this iteration)
                    yield analysis

            yield batch, records.batch_records(pack, documents, options, each(list(zip(documents, futures))))
            for document, future in list(zip(documents, futures))[taken:]:
                # not taken: a document failed and the batch was redone one by one
                if future.exception() is None:
                    window.release(_places(document.text))
            if store is not None:
                store.store_soon(fresh)  # after matching: the writes would hold up nothing, the analyses are made
    finally:
        stop.set()
        thread.join(timeout=5)
        if store is not None:
            store.flush()


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
        # a document's id (a file name, a JSON Lines field) may hold control characters: shown as escapes
        print(f"{printable(problem.id)}: {problem.code} {printable(problem.message)}", file=sys.stderr)
    if errors_out is not None:
        errors_out.write(json.dumps(problem.to_json(), ensure_ascii=False) + "\n")


#: The output formats the runner writes by itself; ``koie run --format html`` passes the HTML page's
#: sink (koie.report.sink.HtmlSink) as ``sink``, so this stage never imports the report.
FORMATS = ("jsonl", "csv", "table")


def sink_type(fmt: str) -> type[Sink]:
    """The sink of an output format of :data:`FORMATS`."""
    sinks: dict[str, type[Sink]] = {"jsonl": JsonLinesSink, "csv": CsvSink, "table": TableSink}
    if fmt not in sinks:
        raise ValueError(f"unknown output format {fmt!r}: one of {', '.join(FORMATS)}, or pass sink=")
    return sinks[fmt]


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
    sink: Sink | None = None,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
    labels: frozenset[str] | None = None,
    prefilter: bool = True,
) -> RunSummary:
    """Read ``inputs``, make every document's records once, and write them through the sink of ``fmt``.

    ``output``: a file, which appears whole when the run ends (a resumable
    format writes ``FILE.part`` with a journal beside it, for ``resume``; the
    others a hidden file beside FILE); else stdout. A bad document is reported
    (on stderr, and to ``errors_file``) and the run goes on. ``sink``: write
    through this one instead of a new one of ``fmt``. A document over ``max_document_bytes`` is E409;
    one over :data:`koie.run.inputs.SECTION_CHARS` characters is processed in sections when the format
    is written as it goes (JSON Lines, CSV), so memory stays bounded by a section.
    """
    sink = sink if sink is not None else sink_type(fmt)()
    if resume and not sink.resumable:
        raise KoieError(
            [Diagnostic("E406", f"the {fmt} format is written at the end of a run and cannot be resumed", file=output)]
        )
    if resume and output and not interrupted(output):
        # killed before its first batch was done (or never run): nothing to continue, all to do
        print(f"koie: no interrupted run of {output} to resume: starting from the beginning", file=sys.stderr)
        resume = False
    summary = RunSummary()
    # -o FILE is written beside FILE and renamed at the end (koie.run.resume): a killed run never
    # leaves a half-written FILE. A resumable format writes FILE.part and a journal of the finished
    # batches, and --resume continues it.
    journal: ResumableOutput | None = None
    replaced: ReplacedOutput | None = None
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
    if labels is not None:
        key["labels"] = sorted(labels)
    options = sink.options(
        RecordOptions(explain, include_hidden, include_suppressed, published, timeout, labels=labels)
    )
    tally = InputTally()
    items: Iterator[InputDocument | DocumentProblem] = read_inputs(
        inputs, encoding=encoding, lossy=lossy, jsonl=jsonl, max_bytes=max_document_bytes, tally=tally
    )
    if sink.resumable:
        # written as they come: a long document's sections are too, so its records never all wait here
        items = sections(items)
    if output and resume:
        journal = ResumableOutput(output, errors_file, key, resume)  # it knows which documents are done
        items = journal.skip_done(items)
    skipping = _skipping(pack, labels, prefilter, quiet)
    batches = batched(items, BATCH, BATCH_CHARS)
    if skipping is None:
        computing = computed_batches(pack, batches, options, workers)
    else:
        computing = skipping.results(computed_batches(pack, skipping.batches(batches), options, workers))
    try:
        # The first batch is computed before an output file is opened: the run starts
        # analysing, and a pack still to compile (Pack.deferred) compiles meanwhile, so a
        # bad pack stops the run here and leaves no FILE.part behind.
        results = _started(computing)
        if output and sink.resumable:
            if journal is None:
                journal = ResumableOutput(output, errors_file, key, resume)
            out = journal.out
            errors_out = journal.errors_out
            summary = RunSummary(journal.state.documents, journal.state.records, journal.problems)
        elif output:
            replaced = ReplacedOutput(output)
            out = replaced.out
        if errors_file and journal is None:
            errors_out = open(errors_file, "w", encoding="utf-8")  # noqa: SIM115 (closed in finally)
        sink.start(out, resumed=journal is not None and journal.resumed)
        for batch, (per_document, failures) in results:
            problems_before = len(summary.problems)
            for item in batch:
                if isinstance(item, DocumentProblem):
                    summary.problems.append(item)
                    _report(item, errors_out, quiet)
            for problem in failures:
                summary.problems.append(problem)
                _report(problem, errors_out, quiet)
            documents = [item for item in batch if isinstance(item, InputDocument)]
            started = sum(1 for document in documents if document.part == 0)  # a long one's sections count once
            if progress is not None:
                progress.advance(started)
            summary.documents += started
            for document, rows in zip(documents, per_document):
                if rows is not None:  # None: the document failed, and its problem is reported
                    summary.records += sink.write(document, rows)
            out.flush()
            if journal is not None:
                journal.commit(batch, summary.documents, summary.records, summary.problems[problems_before:])
        sink.finish()
        out.flush()
        if journal is not None:
            journal.finish()
        if replaced is not None:
            replaced.finish()
    except BaseException as error:
        computing.close()  # the analysis stops (koie.run.runner._streamed) before the outputs close
        if journal is not None:
            journal.keep()
        if replaced is not None:
            replaced.discard()
        if isinstance(error, KeyboardInterrupt):
            if journal is not None:
                where = f"; what is done is in {output}.part: continue with --resume"
            elif output and sink.resumable:
                where = f"; no batch was done, so nothing was written to {output}: run it again"
            elif output:
                where = f"; nothing was written to {output}: {fmt} is written at the end and cannot be resumed"
            else:
                where = ""
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
    if labels is not None and prefilter:
        summary.skipped = skipping.skipped if skipping is not None else 0
    if not quiet:
        print(
            run_summary(summary.documents, summary.records, len(summary.problems), tally.skipped, summary.skipped),
            file=sys.stderr,
        )
    return summary


def _skipping(pack: Pack, labels: frozenset[str] | None, prefilter: bool, quiet: bool) -> Skipping | None:
    """What skips the documents that cannot yield a record of ``labels`` (None: nothing is skipped)."""
    if labels is None or not prefilter:
        return None
    chosen = pack.prefilter(labels)
    if not chosen.filters:
        if not quiet:
            for rule in chosen.unfilterable:
                print(
                    f"koie: {rule.label} cannot be pre-filtered (rule {rule.rule!r}: {rule.reason}); "
                    "every document is analysed",
                    file=sys.stderr,
                )
        return None
    return Skipping(chosen)
