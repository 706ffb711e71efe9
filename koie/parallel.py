"""``koie run --workers N``: batches of documents in worker processes, output in input order.

Each worker receives the compiled pack once (it pickles to a few tens of KB;
its analyser pickles as its user words and cache path) and loads its own Kiwi
model lazily, on its first cache miss. Processes are started with ``spawn``:
a child forked after the parent used Kiwi's thread pool hangs (see
docs/performance.md), and the parent has usually used it to analyse the
pack's literals.

Results come back in the order batches went out, so the output is
byte-identical to a one-worker run. At most ``2 × workers`` batches are in
flight, so memory is bounded by a few batches, not by the corpus.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from .inputs import DocumentProblem, InputDocument

_PACK: Any = None


def cores() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """The default for ``--workers``: one process per two cores, so every core is busy.

    One process already keeps two cores busy: Kiwi analyses the next batch in
    its C++ threads while Python matches this one (koie.runner._pipelined).
    Measured on 2 cores with rules/meetings.yaml and the native matcher, two
    processes took 1.1-1.4 x the time of one (each loads its own model). A
    run served by the analysis cache loads no model and uses one process per
    core instead (koie.runner.computed_batches).
    """
    return max(1, cores() // 2)


def _start_worker(pack: Any, kiwi_threads: int) -> None:
    global _PACK
    inner = getattr(pack.analyzer, "inner", pack.analyzer)
    if hasattr(inner, "num_workers"):
        # Cores are shared between worker processes: each Kiwi gets its share of threads.
        inner.num_workers = kiwi_threads
    _PACK = pack
    import gc

    gc.set_threshold(50_000, 20, 20)  # as koie.runner._fewer_collections: the process is a corpus run


def _work(documents: list[InputDocument], options: tuple[Any, ...]) -> Any:
    from .runner import batch_records

    return batch_records(_PACK, documents, options)


def parallel_batches(pack: Any, batches: Iterable[list[InputDocument | DocumentProblem]], options: tuple[Any, ...],
                     workers: int) -> Iterator[tuple[list[InputDocument | DocumentProblem], Any]]:
    """Like :func:`koie.runner.computed_batches`, with ``workers`` processes."""
    context = multiprocessing.get_context("spawn")
    kiwi_threads = max(1, cores() // workers)
    pool = context.Pool(workers, initializer=_start_worker, initargs=(pack, kiwi_threads))
    in_flight: deque[tuple[list[InputDocument | DocumentProblem], Any]] = deque()
    try:
        for batch in batches:
            documents = [d for d in batch if isinstance(d, InputDocument)]
            in_flight.append((batch, pool.apply_async(_work, (documents, options))))
            if len(in_flight) >= 2 * workers:
                done, result = in_flight.popleft()
                yield done, result.get()
        while in_flight:
            done, result = in_flight.popleft()
            yield done, result.get()
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def choose_workers(requested: int | None) -> int:
    """``--workers``: None and 0 mean the default (0), one process per core.

    Matching is Python and runs on one core per process, so a corpus runs
    faster with a process per core (0.82-0.87 x one process on 2 cores with
    rules/meetings.yaml, bench/run.py); a run of a few batches (up to 128
    documents, koie.runner.SMALL_RUN_BATCHES) stays in one process, where
    workers would only add model loads (~2 s, ~0.5 GB each).
    """
    return requested or 0  # 0: koie.runner.computed_batches picks one process per core
