"""The documents of a report: each one's text and records, as the runner made them, linked to each other.

A report shows the records ``koie run`` made (koie.run.records), not records
of its own: :func:`document_from_rows` takes one document's rows (every
record, hidden ones too, explained and marked ``output``) and links each
mention and each slot's filler to the record that fills it (``ref``).

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> document = report_document(pack.compiled, pack.extract_document("홍길동 사장이 김철수 대표와 만났다.", "a"))
>>> [(r["label"], r["text"], r["output"]) for r in document.records]
[('PERSON', '홍길동', False), ('MEETING', '홍길동 사장이 김철수 대표와 만났다', True), ('PERSON', '김철수', False)]
>>> document.records[1]["args"]["subject"]["ref"]
0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from koie.engine.extract import CompiledPack, Extraction
from koie.run.records import RecordOptions, extraction_rows

#: What a report's records hold: every record, hidden ones too, each explained and marked ``output``.
REPORT_RECORDS = RecordOptions(explain=True, include_hidden=True, mark_output=True)

#: Fields of a run's rows that a report does not keep per record (the page names the document once).
_DROPPED = frozenset(("doc", "analyzer", "output", "explanation", "suppressed_by"))


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """One document of a report: its text and every kept record, as JSON with explanations.

    Each record is :meth:`koie.engine.extract.Record.to_json` plus ``id`` (its
    index here), ``output`` (False for entity rules with ``output: false``) and
    ``explanation``; a mention filled by another record of the document
    carries that record's index as ``ref``, and so does a step's ``filled_by``.
    """

    id: str
    text: str
    records: tuple[dict[str, Any], ...]


def document_from_rows(doc_id: str, text: str, rows: Sequence[dict[str, Any]]) -> ReportDocument:
    """A report's document from the rows a run made for it (with :data:`REPORT_RECORDS`)."""
    by_span = {(row["rule"], row["start"], row["end"]): index for index, row in enumerate(rows)}

    def link(data: dict[str, Any]) -> None:
        # a filled mention (and a step's filler) names its record's rule: the record is the one
        # of that rule at that span
        if "rule" in data:
            ref = by_span.get((data["rule"], data["start"], data["end"]))
            if ref is not None:
                data["ref"] = ref

    records: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        record = {key: value for key, value in row.items() if key not in _DROPPED}
        record["id"] = index
        record["output"] = row.get("output", True)
        for value in record["args"].values():
            for mention in mentions_of(value):
                link(mention)
        explanation = row.get("explanation")
        if explanation is not None:
            for step in explanation["steps"]:
                if "filled_by" in step:
                    link(step["filled_by"])
            record["explanation"] = explanation
        records.append(record)
    return ReportDocument(doc_id, text, tuple(records))


def report_document(pack: CompiledPack, extraction: Extraction) -> ReportDocument:
    """Every kept record of one extraction (hidden ones too), explained, as ``koie run`` makes them."""
    rows = extraction_rows(pack, extraction, {}, REPORT_RECORDS)
    return document_from_rows(extraction.doc, extraction.document.text, rows)


def mentions_of(value: Any) -> list[dict[str, Any]]:
    """The mentions of a record's argument: one, or a list of them (a repeated capture)."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []
