"""A batch of documents in, each document's records out: the work every run path shares.

``koie run`` (here or in worker processes, :mod:`koie.run.parallel`),
:mod:`koie.dask` and the HTML report all make their records with
:func:`batch_records`; a record is its JSON dict (docs/output.md), with its
explanation when asked, or its JSON Lines line. This module imports neither
the runner nor any sink: it is the leaf they both stand on.

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> from koie.run.inputs import InputDocument
>>> per_document, problems = batch_records(pack, [InputDocument("a", "홍길동 사장이 김철수 대표와 만났다.")])
>>> [(row["label"], row["text"]) for row in per_document[0]], problems
([('MEETING', '홍길동 사장이 김철수 대표와 만났다')], [])
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from koie import native
from koie.analysis.kiwi import MAX_PIECE
from koie.analysis.morphemes import AnalyzedDocument
from koie.analysis.protocol import CutsLines
from koie.api import Pack
from koie.engine.extract import CompiledPack, Extraction, Record
from koie.explain import explain_record
from koie.run.inputs import DocumentProblem, InputDocument
from koie.run.lines import record_line
from koie.vm.limits import DocumentTimeout, document_deadline


@dataclass(frozen=True, slots=True)
class RecordOptions:
    """What a run's records hold; the same for every batch, so worker processes receive it once per task.

    ``lines``: each record as its JSON Lines line (str) instead of its dict.
    ``mark_output``: each dict says whether its rule outputs it (``"output"``;
    with ``include_hidden``, entity rules' records come too), as the HTML report needs.
    ``timeout``: seconds each document's matching may take (koie.vm.limits); past it, E403.
    ``labels``: only records of these labels (``--labels``); None: every label.
    """

    explain: bool = False
    include_hidden: bool = False
    include_suppressed: bool = False
    published: str | None = None
    timeout: float | None = None
    lines: bool = False
    mark_output: bool = False
    labels: frozenset[str] | None = None


#: A document's records as dicts, or as JSON Lines lines (:attr:`RecordOptions.lines`); None for a
#: document that failed (its problem says why).
DocumentRows = list[dict[str, Any]] | list[str] | None


def record_row(
    pack: CompiledPack,
    record: Record,
    versions: dict[str, str],
    explain: bool = False,
    mark_output: bool = False,
) -> dict[str, Any]:
    """A record as its JSON dict in the output (docs/output.md)."""
    row = record.to_json()
    if record.suppressed_by is not None:
        row["suppressed_by"] = {
            "rule": record.suppressed_by.rule,
            "start": record.suppressed_by.start,
            "end": record.suppressed_by.end,
        }
    if explain:
        row["explanation"] = explain_record(pack, record)
    row["analyzer"] = versions
    if mark_output:
        row["output"] = record.output
    return row


def extraction_rows(
    pack: CompiledPack, extraction: Extraction, versions: dict[str, str], options: RecordOptions
) -> list[dict[str, Any]]:
    """The rows of one extraction's chosen records (:func:`chosen_records`), as dicts."""
    return [
        record_row(pack, record, versions, options.explain, options.mark_output)
        for record in chosen_records(extraction, options)
    ]


def chosen_records(extraction: Extraction, options: RecordOptions) -> list[Record]:
    """The records a run outputs: output rules' (every rule's with ``include_hidden``), and the suppressed ones;
    of ``options.labels`` only, when given."""
    chosen = extraction.output(options.include_hidden)
    if options.include_suppressed:
        chosen = sorted(
            chosen + [r for r in extraction.suppressed if options.include_hidden or r.output], key=lambda r: r.sort_key
        )
    if options.labels is not None:
        chosen = [record for record in chosen if record.label in options.labels]
    return chosen


def document_records(
    pack: Pack,
    documents: list[InputDocument],
    options: RecordOptions = RecordOptions(),
    analyses: Future[list[AnalyzedDocument]] | Iterable[AnalyzedDocument] | None = None,
) -> list[list[Any]]:
    """Records (as JSON dicts, or lines) for each document of a batch, in input order.

    ``analyses``: the batch's analyses, already under way: one future for the batch
    (koie.run.runner._pipelined), or each document's in turn (koie.run.runner._streamed).
    A document whose matching takes longer than ``options.timeout`` raises DocumentTimeout.
    """
    versions = pack.analyzer.versions()
    analysed: Iterable[AnalyzedDocument]
    if isinstance(analyses, Future):
        analysed = analyses.result()
    elif analyses is not None:
        analysed = analyses
    else:
        analysed = analyze(pack, [d.text for d in documents])
    compiled = pack.compiled
    out: list[list[Any]] = []
    # the native writer makes the lines of plain rows (no explanation, no output mark)
    native_lines = options.lines and not (options.explain or options.mark_output) and _NATIVE_RECORD_LINES is not None
    for document, analysis in zip(documents, analysed):
        # a document's own publication date (JSON Lines field "published") wins over --published
        published = document.meta.get("published") or options.published
        with document_deadline(options.timeout):
            extraction = pack.extract_document(analysis, document.id, published)
        chosen = chosen_records(extraction, options)

        def line_of(record: Record) -> str:
            return record_line(record_row(compiled, record, versions, options.explain, options.mark_output))

        if document.offset:
            # a section of a long document (koie.run.inputs.sections): its offsets become the document's
            rows = [
                shifted(
                    record_row(compiled, record, versions, options.explain, options.mark_output),
                    document.offset,
                )
                for record in chosen
            ]
            out.append([record_line(row) for row in rows] if options.lines else rows)
        elif native_lines:
            out.append(_NATIVE_RECORD_LINES(chosen, versions, line_of))
        elif options.lines:
            out.append([line_of(record) for record in chosen])
        else:
            out.append(
                [record_row(compiled, record, versions, options.explain, options.mark_output) for record in chosen]
            )
    return out


def shifted(row: dict[str, Any], by: int) -> dict[str, Any]:
    """A record's dict with every offset in it (``start`` and ``end``: its own, its arguments', its
    explanation's, a repeated mention's) moved ``by`` characters; the pack's own attributes are left as
    they are.

    >>> shifted({"start": 0, "end": 3, "args": {"a": {"start": 0, "end": 1}}, "attrs": {"end": 9}}, 10)
    {'start': 10, 'end': 13, 'args': {'a': {'start': 10, 'end': 11}}, 'attrs': {'end': 9}}
    """
    return _shifted(row, by)  # type: ignore[no-any-return]


def _shifted(value: Any, by: int) -> Any:
    if isinstance(value, dict):
        moved: dict[str, Any] = {}
        for key, item in value.items():
            if key in ("start", "end") and type(item) is int:
                moved[key] = item + by
            elif key == "attrs" and isinstance(item, dict):
                moved[key] = {k: _shifted(v, by) if k == "repeat_of" else v for k, v in item.items()}
            elif key == "analyzer":
                moved[key] = item
            else:
                moved[key] = _shifted(item, by)
        return moved
    if isinstance(value, list):
        return [_shifted(item, by) for item in value]
    return value


#: koie.run._jsonl.record_json_lines (records straight to their lines), or None without the native module.
_NATIVE_RECORD_LINES: Any = getattr(native.load("koie.run._jsonl"), "record_json_lines", None)


def batch_records(
    pack: Pack,
    documents: list[InputDocument],
    options: RecordOptions = RecordOptions(),
    analyses: Future[list[AnalyzedDocument]] | Iterable[AnalyzedDocument] | None = None,
) -> tuple[list[DocumentRows], list[DocumentProblem]]:
    """Records for each document of a batch, and the documents that failed (E403, E405), whose rows are None.

    A pure function of its arguments, so worker processes (koie.run.parallel) run it as is. A
    batch that fails is redone document by document, so one bad document costs only itself.
    """
    problems = cut_warnings(pack, documents)
    try:
        every: list[DocumentRows] = list(document_records(pack, documents, options, analyses))
        return every, problems
    except Exception:
        per_document: list[DocumentRows] = []
        for document in documents:
            try:
                per_document.extend(document_records(pack, [document], options))
            except DocumentTimeout as error:
                problems.append(DocumentProblem(document.id, "E403", error.reason))
                per_document.append(None)
            except Exception as error:
                problems.append(DocumentProblem(document.id, "E405", f"{error.__class__.__name__}: {error}"))
                per_document.append(None)
        return per_document, problems


def cut_warnings(pack: Pack, documents: Sequence[InputDocument]) -> list[DocumentProblem]:
    """W402 for each document with a line the analyser had to cut where no sentence ends (koie.analysis.kiwi)."""
    if not isinstance(pack.analyzer, CutsLines):
        return []
    warnings = []
    for document in documents:
        cuts = pack.analyzer.blind_cuts(document.text)
        if cuts:
            more = f" (and {len(cuts) - 1:,} more place{'s' * (len(cuts) > 2)})" if len(cuts) > 1 else ""
            warnings.append(
                DocumentProblem(
                    document.id,
                    "W402",
                    f"a line longer than {MAX_PIECE:,} characters has no sentence end (. ? ! and a space) in "
                    f"the {MAX_PIECE:,} before character {document.offset + cuts[0]:,}: the analyser reads it in "
                    f"pieces and cut it at a space there{more}; a match across a cut is lost",
                )
            )
    return warnings


#: One analysis at a time: the pipeline's thread and a batch redone document by document share the analyser.
ANALYSIS_LOCK = threading.Lock()


def analyze(pack: Pack, texts: list[str]) -> list[AnalyzedDocument]:
    """The analyses of ``texts`` in one call to the pack's analyser, under :data:`ANALYSIS_LOCK`."""
    with ANALYSIS_LOCK:
        return pack.analyzer.analyze_many(texts)
