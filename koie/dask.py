"""Apply a rule pack to corpora beyond one machine, with Dask (``pip install koie[dask]``).

The compiled pack is shipped to the workers once (it pickles to a few tens of
KB: rules, lexicons, and its analyser as plain user words), and each worker
process loads one Kiwi model, the first time it needs one, shared by every
task it runs. Records are the same dicts ``koie run`` writes, in the same
order: ``records_bag(...).map(record_line)`` joined with newlines is
byte-identical to ``koie run``'s JSON Lines output for the same documents.

Example (docs/performance.md has more)::

    import koie, koie.dask
    from dask.distributed import Client

    client = Client()                       # or the address of a cluster
    pack = koie.load("rules/meetings.yaml")
    docs = koie.dask.read_documents("s3://bucket/news/*.jsonl")
    records = koie.dask.records_bag(pack, docs)
    records.map(koie.run.sinks.record_line).to_textfiles("out/*.jsonl")
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from koie.analysis.cache import CachedAnalyzer
from koie.analysis.kiwi import KiwiAnalyzer, shared_analyzer
from koie.api import Pack
from koie.run.inputs import InputDocument
from koie.run.records import RecordOptions, batch_records
from koie.run.runner import BATCH

if TYPE_CHECKING:  # dask is an optional extra, imported when used
    import dask.bag as db


def read_documents(
    urlpath: str | list[str],
    jsonl: bool | None = None,
    encoding: str = "utf-8",
    storage_options: dict[str, Any] | None = None,
) -> db.Bag:
    """A bag of ``{"id", "text", ...}`` documents from any fsspec path or glob.

    JSON Lines files (``.jsonl``/``.ndjson``, or ``jsonl=True``) give one
    document per line, with ids as in ``koie run`` (the ``id`` field, else
    ``path:line``); other files are one document each, with the path as id.
    """
    import dask.bag as db
    import fsspec

    files = fsspec.open_files(urlpath, mode="rb", **(storage_options or {}))
    paths = sorted(f.path for f in files)
    protocol = files[0].fs.protocol if files else "file"
    protocol = protocol[0] if isinstance(protocol, (tuple, list)) else protocol
    urls = [p if protocol in ("file", "local") else f"{protocol}://{p}" for p in paths]

    def load(url: str) -> list[dict[str, Any]]:
        with fsspec.open(url, mode="rb", **(storage_options or {})) as handle:
            data = handle.read()
        name = url.split("://", 1)[-1]
        if jsonl or (jsonl is None and name.lower().endswith((".jsonl", ".ndjson"))):
            out = []
            for number, raw in enumerate(data.splitlines(), 1):
                if not raw.strip():
                    continue
                item = json.loads(raw.decode(encoding))
                item.setdefault("id", f"{name}:{number}")
                item["id"] = str(item["id"])
                out.append(item)
            return out
        return [{"id": name, "text": data.decode(encoding)}]

    return db.from_sequence(urls, npartitions=max(1, len(urls))).map(load).flatten()


def _worker_pack(pack: Pack) -> Pack:
    """The pack with its Kiwi replaced by this process's shared one (one model per worker)."""
    analyzer = pack.analyzer
    if isinstance(analyzer, CachedAnalyzer) and isinstance(analyzer.inner, KiwiAnalyzer):
        analyzer.inner = shared_analyzer(analyzer.inner.user_words)  # keep the cache, swap its Kiwi
        return pack
    if isinstance(analyzer, KiwiAnalyzer):
        return Pack(pack.compiled, shared_analyzer(analyzer.user_words))
    return pack  # another analyser (a test's): used as shipped


def _partition_records(
    documents: Iterable[dict[str, Any]], pack: Pack, options: RecordOptions, prefilter: bool = True
) -> Iterator[dict[str, Any]]:
    pack = _worker_pack(pack)
    # with labels, a document holding none of their atoms has none of their records: not analysed
    admits = pack.prefilter(options.labels).admits if options.labels is not None and prefilter else None
    batch: list[InputDocument] = []
    for item in documents:
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            continue  # koie run skips these too (E401/E402)
        if admits is not None and not admits(text):
            continue
        meta = {k: v for k, v in item.items() if k not in ("id", "text")}
        batch.append(InputDocument(str(item.get("id", "")), text, meta))
        if len(batch) >= BATCH:
            yield from _rows(pack, batch, options)
            batch = []
    if batch:
        yield from _rows(pack, batch, options)


def _rows(pack: Pack, batch: list[InputDocument], options: RecordOptions) -> Iterator[dict[str, Any]]:
    # a document that failed has no rows (None), as it has no records in koie run's output; the rows
    # are dicts (options.lines is never set here)
    for rows in batch_records(pack, batch, options)[0]:
        yield from cast(list[dict[str, Any]], rows or [])


def records_bag(
    pack: Pack,
    documents: db.Bag,
    explain: bool = False,
    include_hidden: bool = False,
    include_suppressed: bool = False,
    published: str | None = None,
    labels: Iterable[str] | None = None,
    prefilter: bool = True,
) -> db.Bag:
    """Records (the JSON dicts ``koie run`` writes) of every document of a bag, in bag order.

    ``documents`` holds dicts with ``text`` and ``id`` (as :func:`read_documents` gives) or plain strings.
    ``labels``: only records of these labels, as ``koie run --labels``: a document that cannot
    yield one is not analysed (unless ``prefilter`` is False).
    """
    from dask.delayed import delayed

    wanted = pack.check_labels(labels) if labels is not None else None
    options = RecordOptions(explain, include_hidden, include_suppressed, published, labels=wanted)
    shipped = delayed(pack, pure=True, traverse=False)  # one copy per worker, not one per task
    as_dicts = documents.map(lambda d: {"id": "", "text": d} if isinstance(d, str) else d)
    return as_dicts.map_partitions(lambda part, p: list(_partition_records(part, p, options, prefilter)), shipped)


def records_dataframe(pack: Pack, frame: Any, text: str = "text", id: str = "id", **options: Any) -> Any:
    """Records of a Dask dataframe's documents, as a dataframe (args and attrs as JSON text).

    Columns: doc, rule, label, start, end, text, args, attrs.
    """
    import pandas as pd

    bag = frame.to_bag(format="dict").map_partitions(
        lambda part: [{"id": str(d.get(id, "")), "text": d[text]} for d in part]
    )
    flat = records_bag(pack, bag, **options).map(_flat_row)
    meta = pd.DataFrame(
        {
            "doc": pd.Series(dtype=object),
            "rule": pd.Series(dtype=object),
            "label": pd.Series(dtype=object),
            "start": pd.Series(dtype="int64"),
            "end": pd.Series(dtype="int64"),
            "text": pd.Series(dtype=object),
            "args": pd.Series(dtype=object),
            "attrs": pd.Series(dtype=object),
        }
    )
    return flat.to_dataframe(meta=meta)


def _flat_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "doc": row["doc"],
        "rule": row["rule"],
        "label": row["label"],
        "start": row["start"],
        "end": row["end"],
        "text": row["text"],
        "args": json.dumps(row["args"], ensure_ascii=False),
        "attrs": json.dumps(row["attrs"], ensure_ascii=False),
    }
