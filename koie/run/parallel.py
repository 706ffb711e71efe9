"""``koie run --workers N``: batches of documents in worker processes, output in input order.

Each worker receives the compiled pack once (it pickles to a few tens of KB;
its analyser pickles as its user words and cache path) and loads its own Kiwi
model lazily, on its first cache miss. Processes are started with ``spawn``:
a child forked after the parent used Kiwi's thread pool hangs (see
docs/performance.md), and the parent has usually used it to analyse the
pack's literals.

A run whose analyses are all cached loads no model, and there
:func:`shared_batches` forks its helpers instead (they start in
milliseconds, with the pack in memory) and this process works alongside
them.

Results come back in the order batches went out, so the output is
byte-identical to a one-worker run. At most ``2 × workers`` batches are in
flight, so memory is bounded by a few batches, not by the corpus.

A worker the system kills (out of memory, most likely) loses only the
document it was matching: :class:`Workers` starts a new pool, redoes the
batches that were in flight one document per task, and reports a document
that kills its worker again as E408. (multiprocessing.Pool, used before,
replaced the dead worker but waited for its lost batch forever.)
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Future
from typing import TYPE_CHECKING, Any

from koie.analysis.protocol import LoadsModel
from koie.run import records
from koie.run.inputs import DocumentProblem, InputDocument
from koie.run.records import RecordOptions

# multiprocessing and the process pool are imported where a pool starts: a run in one process
# (the default on 2 cores) asks only cores() and choose_workers() of this module, before Kiwi
# starts loading, and importing them took 10-15 ms there.
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: In a worker process: the pack it matches with, set when the process starts (never in the parent).
_PACK: Any = None


def cores() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """The default for ``--workers``: one process per two cores, so every core is busy.

    One process already keeps two cores busy: Kiwi analyses the coming documents
    in its C++ threads while Python matches this one (koie.run.runner._streamed).
    Measured on 2 cores with rules/meetings.yaml and the native matcher, two
    processes took 1.1-1.4 x the time of one (each loads its own model). A
    run served by the analysis cache loads no model and uses one process per
    core instead (koie.run.runner.computed_batches).
    """
    return max(1, cores() // 2)


#: prctl's option that has the kernel send a signal to this process when its parent ends (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """End this worker process when ``parent`` (the process that started it) ends, however it ends.

    A worker blocks on its task queue, whose pipe it holds both ends of: the parent's death (SIGKILL,
    SIGTERM, SIGHUP, out of memory) ends nothing, and the workers (each with a Kiwi model, about
    0.5 GB) and multiprocessing's resource tracker lived on under PID 1. On Linux the kernel sends
    this process SIGKILL when the parent's thread that started it ends (``PR_SET_PDEATHSIG``; the pool
    starts its workers from the thread that submits, the run's main thread); elsewhere a thread
    checks once a second that the parent is still there. A parent already gone is noticed here.
    """
    watched = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            watched = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            watched = False
    if os.getppid() != parent:  # it ended before the kernel was told to watch it
        os._exit(1)
    if not watched:
        import threading

        threading.Thread(target=_watch_parent, args=(parent,), name="koie-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _start_worker(
    pack: Any, kiwi_threads: int, collector: tuple[bool, tuple[int, ...]], parent: int | None = None
) -> None:
    """A spawned worker's start: it dies with ``parent`` (:func:`die_with_parent`), its pack, its share of
    Kiwi's threads, and the collector settings of the process that started it (:func:`collector_settings`;
    a forked helper has those already)."""
    global _PACK
    if parent is not None:
        die_with_parent(parent)
    if isinstance(pack.analyzer, LoadsModel):
        # Cores are shared between worker processes: each Kiwi gets its share of threads.
        pack.analyzer.set_threads(kiwi_threads)
    _PACK = pack
    import gc

    enabled, thresholds = collector
    gc.set_threshold(*thresholds)
    if not enabled:
        gc.disable()


def collector_settings() -> tuple[bool, tuple[int, ...]]:
    """Whether the cycle collector runs in this process, and its thresholds: a worker takes them."""
    import gc

    return gc.isenabled(), gc.get_threshold()


def _start_forked(pack: Any, parent: int | None = None) -> None:
    global _PACK
    if parent is not None:
        die_with_parent(parent)
    _PACK = pack  # inherited with the rest of the parent's memory: nothing is pickled


def _work(documents: list[InputDocument], options: RecordOptions) -> Any:
    # JSON Lines output (``options.lines``): the lines are made here, in parallel, and travel as
    # strings (a fifth of the cost of pickling the records' dicts there and back)
    return records.batch_records(_PACK, documents, options)


class Workers:
    """Worker processes running :func:`_work`, which outlive a worker killed by the system.

    ``start`` makes a new pool; it is called again after a worker died, when
    the pool is broken and every task in flight was lost with it.
    """

    def __init__(self, start: Callable[[], ProcessPoolExecutor], options: RecordOptions) -> None:
        self._start = start
        self._options = options
        self._executor = start()

    def submit(self, documents: list[InputDocument]) -> Future[Any]:
        try:
            return self._executor.submit(_work, documents, self._options)
        except BrokenExecutor:  # a worker died since the last call (BrokenProcessPool): start again
            self._restart()
            return self._executor.submit(_work, documents, self._options)

    def result(self, future: Future[Any], documents: list[InputDocument]) -> Any:
        """What :func:`_work` returned for ``documents``, redone one by one if their worker died."""
        try:
            return future.result()
        except BrokenExecutor:
            return self._one_by_one(documents)

    def _one_by_one(self, documents: list[InputDocument]) -> Any:
        # Which document killed the worker is unknown (every task in flight is lost):
        # each gets a task of its own, and one whose worker dies again is reported.
        per_document: list[records.DocumentRows] = []
        problems: list[DocumentProblem] = []
        for document in documents:
            try:
                rows, found = self.submit([document]).result()
            except BrokenExecutor:
                self._restart()
                rows, found = [None], [DocumentProblem(document.id, "E408", WORKER_DIED)]
            per_document += rows
            problems += found
        return per_document, problems

    def _restart(self) -> None:
        self._executor.shutdown(wait=True)
        self._executor = self._start()

    def close(self, cancel: bool = False) -> None:
        """Wait for the workers to end (``cancel``: drop the tasks not started and stop them now)."""
        if cancel:
            for process in list(getattr(self._executor, "_processes", {}).values()):
                process.terminate()  # as multiprocessing.Pool.terminate did: an interrupted run ends now
        self._executor.shutdown(wait=True, cancel_futures=cancel)


WORKER_DIED = "the worker process matching it died twice (killed by the system: out of memory?)"


def parallel_batches(
    pack: Any,
    batches: Iterable[list[InputDocument | DocumentProblem]],
    options: RecordOptions,
    workers: int,
) -> Iterator[tuple[list[InputDocument | DocumentProblem], Any]]:
    """Each batch with its records (:func:`koie.run.records.batch_records`), in input order, computed
    in ``workers`` processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    kiwi_threads = max(1, cores() // workers)
    collector = collector_settings()
    pool = Workers(
        lambda: ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(pack, kiwi_threads, collector, os.getpid()),
        ),
        options,
    )
    in_flight: deque[tuple[list[InputDocument | DocumentProblem], list[InputDocument], Future[Any]]] = deque()
    try:
        for batch in batches:
            documents = _documents_of(batch)
            in_flight.append((batch, documents, pool.submit(documents)))
            if len(in_flight) >= 2 * workers:
                done, documents, result = in_flight.popleft()
                yield done, pool.result(result, documents)
        while in_flight:
            done, documents, result = in_flight.popleft()
            yield done, pool.result(result, documents)
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()


def _documents_of(batch: list[InputDocument | DocumentProblem]) -> list[InputDocument]:
    return [d for d in batch if isinstance(d, InputDocument)]


#: Batches a shared run may hold computed ahead of the one it waits for (memory stays a few batches).
SHARED_WINDOW = 8


def can_share(pack: Any) -> bool:
    """Whether helpers can be forked from this process: on a fork platform, before any Kiwi model is loaded.

    A forked child starts in a few milliseconds with the compiled pack
    already in memory (a spawned one imports koie and unpickles the pack:
    about 0.4 s on 2 cores). Forking is safe only while this process has
    never used Kiwi's thread pool (see the module docstring), so a run
    whose analyses are all in the cache, which loads no model, qualifies.
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform != "linux":
        return False
    return not (isinstance(pack.analyzer, LoadsModel) and pack.analyzer.model_loaded)


def shared_batches(
    pack: Any,
    batches: Iterable[list[InputDocument | DocumentProblem]],
    options: RecordOptions,
    helpers: int,
) -> Iterator[tuple[list[InputDocument | DocumentProblem], Any]]:
    """Batches computed here and in ``helpers`` forked processes, yielded in input order.

    This process works too: while the batch it must yield next is still in
    a helper, it computes the next unread batch itself instead of waiting,
    so the work divides itself between the processes by their speed. Each
    helper has up to two batches queued (it never idles between batches),
    and at most :data:`SHARED_WINDOW` finished batches wait here for their
    turn. Call only when :func:`can_share` says so.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def start() -> ProcessPoolExecutor:
        # A pool started again after a helper died may find a Kiwi model loaded here by now (a
        # document the cache missed): forking is then unsafe, and its helpers are spawned instead.
        if can_share(pack):
            # the helpers start with the pack in memory: nothing is pickled but documents and records
            return ProcessPoolExecutor(
                helpers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_forked,
                initargs=(pack, os.getpid()),
            )
        return ProcessPoolExecutor(
            helpers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(pack, max(1, cores() // (helpers + 1)), collector_settings(), os.getpid()),
        )

    pool = Workers(start, options)
    pending = iter(batches)
    # (batch, its result here or the helper's Future, whether a helper computes it)
    window: deque[tuple[list[InputDocument | DocumentProblem], Any, bool]] = deque()
    queued = 0
    exhausted = False
    documents_of = _documents_of

    try:
        while True:
            while not exhausted and queued < 2 * helpers:
                batch = next(pending, None)
                if batch is None:
                    exhausted = True
                    break
                window.append((batch, pool.submit(documents_of(batch)), True))
                queued += 1
            if not window:
                break
            head, result, remote = window[0]
            if remote and not result.done() and not exhausted and len(window) < SHARED_WINDOW:
                batch = next(pending, None)
                if batch is None:
                    exhausted = True
                else:
                    window.append((batch, records.batch_records(pack, documents_of(batch), options), False))
                continue
            window.popleft()
            if remote:
                queued -= 1
                yield head, pool.result(result, documents_of(head))
            else:
                yield head, result
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()


def choose_workers(requested: int | None) -> int:
    """``--workers``: None and 0 mean the default (0), decided per run by koie.run.runner.computed_batches;
    more than the cores this process may use means one per core (:func:`workers_note` says why).

    The default is one process per two cores (:func:`default_workers`), one
    process per core when the run's analyses are cached (this process and
    forked helpers, :func:`shared_batches`), and one process for a run of a
    few batches (up to 128 documents, koie.run.runner.SMALL_RUN_BATCHES), where
    workers would only add model loads (~2 s, ~0.5 GB each).
    """
    return min(requested, cores()) if requested else 0


def workers_note(requested: int | None) -> str | None:
    """Why ``--workers`` is lower than asked, or None.

    >>> workers_note(10_000).startswith("--workers 10000 is more than the ")
    True
    """
    available = cores()
    if not requested or requested <= available:
        return None
    return (
        f"--workers {requested} is more than the {available} core{'s' * (available != 1)} this process may use: "
        f"using {available}. Each worker loads its own Kiwi model (about 0.5 GB), and Kiwi keeps a core "
        "busy with each; more workers than cores share the same cores and only add memory"
    )
