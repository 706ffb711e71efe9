"""Where a run's records go: one sink per output format, fed document by document in input order.

The runner (:mod:`koie.run.runner`) makes each document's records once, in
this process or in worker processes, and hands them to the run's sink:
JSON Lines (the stable schema), CSV and a table for terminals are here; the
HTML page is :class:`koie.report.sink.HtmlSink`. A sink says what its records
must hold (:meth:`Sink.options`: the page needs every record explained, a
table none) and whether a run into a file can be continued (``resumable``).

>>> import io
>>> from koie.run.inputs import InputDocument
>>> sink, out = TableSink(), io.StringIO()
>>> sink.start(out, resumed=False)
>>> row = {"doc": "a", "label": "PERSON", "rule": "p", "start": 0, "end": 3, "text": "홍길동", "args": {}}
>>> sink.write(InputDocument("a", "홍길동"), [row])
1
>>> sink.finish(); print(out.getvalue(), end="")
doc  label   rule  span  text    args  attrs
---  ------  ----  ----  ------  ----  -----
a    PERSON  p     0-3   홍길동
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TextIO

from koie.errors import display_width, printable
from koie.run.inputs import InputDocument
from koie.run.lines import record_line, record_lines
from koie.run.records import RecordOptions

__all__ = [
    "CSV_COLUMNS",
    "CsvSink",
    "JsonLinesSink",
    "Sink",
    "TableSink",
    "count_noun",
    "csv_cell",
    "record_line",
    "record_lines",
    "run_summary",
    "write_table",
]


class Sink(Protocol):
    """One output format of ``koie run``: :meth:`start`, then :meth:`write` per document, then :meth:`finish`."""

    #: Whether the output grows batch by batch as records come, so a run into a file can be
    #: continued with ``--resume`` (koie.run.resume); a format written at the end cannot.
    resumable: ClassVar[bool]

    def options(self, requested: RecordOptions) -> RecordOptions:
        """What the records must hold for this format, given what the command asked for."""
        ...

    def start(self, out: TextIO, resumed: bool) -> None:
        """Before the first document; ``resumed``: ``out`` already holds an interrupted run's records."""
        ...

    def write(self, document: InputDocument, records: Sequence[Any]) -> int:
        """One document's records (dicts, or JSON Lines lines); returns how many records it wrote."""
        ...

    def finish(self) -> None:
        """After the last document: a format written at the end writes everything now."""
        ...


class JsonLinesSink:
    """``--format jsonl``: one line per record (docs/output.md), written as each batch comes."""

    resumable: ClassVar[bool] = True

    def __init__(self) -> None:
        self._out: TextIO | None = None

    def options(self, requested: RecordOptions) -> RecordOptions:
        # lines are made where the records are (in worker processes too), never dicts sent back
        return replace(requested, lines=True)

    def start(self, out: TextIO, resumed: bool) -> None:
        self._out = out

    def write(self, document: InputDocument, records: Sequence[Any]) -> int:
        assert self._out is not None, "start() first"
        if not records:
            return 0
        if isinstance(records[0], str):
            self._out.write("\n".join(records))
            self._out.write("\n")
        else:
            self._out.write(record_lines(list(records)))
        return len(records)

    def finish(self) -> None:
        pass


CSV_COLUMNS = ("doc", "rule", "label", "start", "end", "text", "args", "attrs")


#: What a spreadsheet reads as the start of a formula (or, after a tab or a carriage return, may).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A text cell that no spreadsheet runs as a formula: one starting with ``= + - @``, a tab or a
    carriage return gets a ``'`` in front (OWASP's advice on CSV injection).

    >>> print(csv_cell("=1+2"), csv_cell("-3"), csv_cell("홍길동"))
    '=1+2 '-3 홍길동
    """
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_row(record: dict[str, Any]) -> list[Any]:
    return [
        csv_cell(record["doc"]),
        csv_cell(record["rule"]),
        csv_cell(record["label"]),
        record["start"],
        record["end"],
        csv_cell(record["text"]),
        json.dumps(record["args"], ensure_ascii=False),
        json.dumps(record["attrs"], ensure_ascii=False),
    ]


class CsvSink:
    """``--format csv``: the columns of :data:`CSV_COLUMNS`, ``args`` and ``attrs`` as JSON; no explanations.

    A text cell that a spreadsheet would run as a formula starts with ``'`` (:func:`csv_cell`).
    """

    resumable: ClassVar[bool] = True

    def __init__(self) -> None:
        self._writer: Any = None

    def options(self, requested: RecordOptions) -> RecordOptions:
        return replace(requested, explain=False, lines=False)

    def start(self, out: TextIO, resumed: bool) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        if not resumed:  # a resumed file has its header
            self._writer.writerow(CSV_COLUMNS)

    def write(self, document: InputDocument, records: Sequence[Any]) -> int:
        assert self._writer is not None, "start() first"
        self._writer.writerows(_csv_row(record) for record in records)
        return len(records)

    def finish(self) -> None:
        pass


class TableSink:
    """``--format table``: columns aligned by display width, so written once every record is known."""

    resumable: ClassVar[bool] = False

    def __init__(self) -> None:
        self._out: TextIO | None = None
        self._rows: list[dict[str, Any]] = []

    def options(self, requested: RecordOptions) -> RecordOptions:
        return replace(requested, explain=False, lines=False)

    def start(self, out: TextIO, resumed: bool) -> None:
        self._out = out

    def write(self, document: InputDocument, records: Sequence[Any]) -> int:
        self._rows.extend(records)
        return len(records)

    def finish(self) -> None:
        assert self._out is not None, "start() first"
        write_table(self._rows, self._out)


def count_noun(number: int, noun: str) -> str:
    """``1 document``, ``3 documents``.

    >>> count_noun(1, "document"), count_noun(0, "problem")
    ('1 document', '0 problems')
    """
    return f"{number} {noun}{'s' * (number != 1)}"


def run_summary(
    documents: int, records: int, problems: int, skipped_files: int = 0, prefiltered: int | None = None
) -> str:
    """The line ``koie run`` ends with on stderr. ``skipped_files``: files in directories that are not
    documents; ``prefiltered``: documents the pre-filter skipped (with --labels; None without).

    >>> run_summary(3, 5, 0, skipped_files=2)
    'koie: 3 documents, 5 records, 0 problems; 2 files in directories skipped (not .txt, .text, .md, .jsonl or .ndjson)'
    >>> run_summary(10, 1, 0, prefiltered=9)
    'koie: 10 documents (9 skipped by the pre-filter), 1 record, 0 problems'
    """
    read = count_noun(documents, "document") + (
        "" if prefiltered is None else f" ({prefiltered} skipped by the pre-filter)"
    )
    line = f"koie: {read}, {count_noun(records, 'record')}, {count_noun(problems, 'problem')}"
    if skipped_files:
        line += (
            f"; {count_noun(skipped_files, 'file')} in directories skipped (not .txt, .text, .md, .jsonl or .ndjson)"
        )
    return line


def _mention_text(mention: dict[str, Any]) -> str:
    """A slot's text, and the name the document gives it where that says more: ``이(이도윤)`` for 이 회장."""
    text = str(mention["text"])
    name = mention.get("name")
    if isinstance(name, str) and "".join(name.split()) != "".join(text.split()):
        return f"{text}({name})"
    return text


def _args_text(args: dict[str, Any]) -> str:
    """``subject=[이(이도윤)]; date=19일``: each role's text (a list in brackets), with the resolved name.

    >>> _args_text({"subject": [{"text": "이", "name": "이도윤"}], "date": {"text": "19일"}})
    'subject=[이(이도윤)]; date=19일'
    """
    parts = []
    for role, value in args.items():
        if isinstance(value, list):
            parts.append(f"{role}=[{', '.join(_mention_text(v) for v in value)}]")
        else:
            parts.append(f"{role}={_mention_text(value)}")
    return "; ".join(parts)


def _attrs_text(attrs: dict[str, Any]) -> str:
    """``status=planned; name=이도윤``: each attribute, a structured one as compact JSON.

    >>> _attrs_text({"status": "negated", "repeat_of": {"text": "이도윤", "start": 0}})
    'status=negated; repeat_of={"text":"이도윤","start":0}'
    """
    parts = []
    for key, value in attrs.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        parts.append(f"{key}={shown}")
    return "; ".join(parts)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def write_table(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    """Records as aligned columns for a terminal: a control character in a cell (a newline, ESC) is shown
    as an escape, so it neither breaks the columns nor reaches the terminal."""
    rows: list[tuple[str, ...]] = [("doc", "label", "rule", "span", "text", "args", "attrs")]
    for r in records:
        span = f"{r['start']}-{r['end']}"
        cells = (
            r["doc"],
            r["label"],
            r["rule"],
            span,
            r["text"],
            _args_text(r["args"]),
            _attrs_text(r.get("attrs", {})),
        )
        rows.append(tuple(printable(cell) for cell in cells))
    widths = [min(max(display_width(row[i]) for row in rows), 60) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        out.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")
        if index == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
