"""Writing records: JSON Lines (the stable schema), a table for terminals, CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any, TextIO

from koie import native
from koie.errors import display_width

FORMATS = ("jsonl", "table", "csv")


def count_noun(number: int, noun: str) -> str:
    """``1 document``, ``3 documents``.

    >>> count_noun(1, "document"), count_noun(0, "problem")
    ('1 document', '0 problems')
    """
    return f"{number} {noun}{'s' * (number != 1)}"


def run_summary(documents: int, records: int, problems: int) -> str:
    """The line ``koie run`` ends with on stderr."""
    return (
        f"koie: {count_noun(documents, 'document')}, {count_noun(records, 'record')}, {count_noun(problems, 'problem')}"
    )


#: One encoder for every line: json.dumps with options builds a new encoder per call.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _c_line_encoder() -> Any:
    """json's C encoder with _LINE_ENCODER's options, made once (None where json has none).

    JSONEncoder.encode makes a new one for every call: for a 240-character
    record that was a sixth of the encoding, tens of thousands of times per
    megabyte of news. The lines are the same (tests/test_cli.py compares).
    """
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return None
    options = _LINE_ENCODER
    return make(
        None,
        options.default,
        encoder.encode_basestring,
        None,
        options.key_separator,
        options.item_separator,
        options.sort_keys,
        options.skipkeys,
        options.allow_nan,
    )


_C_LINE_ENCODER = _c_line_encoder()


def record_line(record: dict[str, Any]) -> str:
    """One JSON Lines line; key order is the schema's, non-ASCII kept as is.

    >>> record_line({"text": "회장", "start": 0})
    '{"text": "회장", "start": 0}'
    """
    if _C_LINE_ENCODER is not None:
        return "".join(_C_LINE_ENCODER(record, 0))
    return _LINE_ENCODER.encode(record)


#: koie.run._jsonl.record_lines, or None without the native module.
_NATIVE_LINES: Any = getattr(native.load("koie.run._jsonl"), "record_lines", None)


def record_lines(records: list[dict[str, Any]]) -> str:
    """Each record's :func:`record_line` and a newline, as one string (a document's records, say).

    >>> print(record_lines([{"text": "회장"}, {"start": 0.5}]), end="")
    {"text": "회장"}
    {"start": 0.5}
    """
    if _NATIVE_LINES is not None:
        lines: str = _NATIVE_LINES(records, record_line)
        return lines
    return "".join([record_line(record) + "\n" for record in records])


def _args_text(args: dict[str, Any]) -> str:
    parts = []
    for role, value in args.items():
        if isinstance(value, list):
            parts.append(f"{role}=[{', '.join(v['text'] for v in value)}]")
        else:
            parts.append(f"{role}={value['text']}")
    return "; ".join(parts)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def write_table(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    rows = [("doc", "label", "rule", "span", "text", "args")]
    for r in records:
        rows.append((r["doc"], r["label"], r["rule"], f"{r['start']}-{r['end']}", r["text"], _args_text(r["args"])))
    widths = [min(max(display_width(row[i]) for row in rows), 60) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        out.write("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() + "\n")
        if index == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


CSV_COLUMNS = ("doc", "rule", "label", "start", "end", "text", "args", "attrs")


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            [
                r["doc"],
                r["rule"],
                r["label"],
                r["start"],
                r["end"],
                r["text"],
                json.dumps(r["args"], ensure_ascii=False),
                json.dumps(r["attrs"], ensure_ascii=False),
            ]
        )


def render(records: list[dict[str, Any]], fmt: str) -> str:
    buffer = io.StringIO()
    if fmt == "table":
        write_table(records, buffer)
    elif fmt == "csv":
        write_csv(records, buffer)
    else:
        for record in records:
            buffer.write(record_line(record) + "\n")
    return buffer.getvalue()
