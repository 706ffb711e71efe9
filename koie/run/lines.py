"""JSON Lines lines: a record's dict as one line, in the schema's key order, non-ASCII kept as is.

Every path that writes JSON Lines (the runner, worker processes, koie.dask's
users) makes its lines here, so they are the same bytes whoever makes them.
"""

from __future__ import annotations

import json
from typing import Any

from koie import native

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
