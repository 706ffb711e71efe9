"""``koie run --format html``: the report page as a sink of the runner's records.

The runner makes every record of every document once, explained and marked
``output`` (what :meth:`HtmlSink.options` asks for), in this process or in
worker processes; the sink links each document's records to each other
(koie.report.documents) and writes the page when the last one has come. A
page is written whole at the end, so a run into a page cannot be resumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from koie.report.documents import REPORT_RECORDS, ReportDocument, document_from_rows
from koie.report.html import write_report
from koie.run.inputs import InputDocument
from koie.run.records import RecordOptions

if TYPE_CHECKING:  # pragma: no cover
    from koie.api import Pack


class HtmlSink:
    """One self-contained page with every document, every record and its explanation (docs/report.md)."""

    resumable: ClassVar[bool] = False

    def __init__(self, pack: Pack, title: str | None = None) -> None:
        self._pack = pack
        self._title = title
        self._out: TextIO | None = None
        self._documents: list[ReportDocument] = []

    def options(self, requested: RecordOptions) -> RecordOptions:
        # every record (hidden ones too) with its explanation, whatever the command asked for
        return replace(
            requested,
            explain=REPORT_RECORDS.explain,
            include_hidden=REPORT_RECORDS.include_hidden,
            include_suppressed=False,
            lines=False,
            mark_output=REPORT_RECORDS.mark_output,
        )

    def start(self, out: TextIO, resumed: bool) -> None:
        self._out = out

    def write(self, document: InputDocument, records: Sequence[Any]) -> int:
        shown = document_from_rows(document.id, document.text, records)
        self._documents.append(shown)
        return sum(1 for record in shown.records if record["output"])  # the output records, as koie run counts

    def finish(self) -> None:
        assert self._out is not None, "start() first"
        title = self._title or f"koie report: {self._pack.name}"
        write_report(self._out, self._documents, self._pack.compiled, title)
