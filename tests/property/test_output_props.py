"""A record's JSON Lines line is json.dumps's, whatever the record holds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from koie.run.sinks import record_line, record_lines

_TEXT = st.text(max_size=12) | st.sampled_from(["회장", "\x00", '"', "\\", "\u2028", "😀", "\ud800"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=8))
def test_record_line_is_what_json_dumps_writes(record: dict[str, Any]) -> None:
    """record_line calls json's C encoder directly (made once): the same line as json.dumps with
    the output's separators, NaN and lone surrogates included."""
    assert record_line(record) == json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


_PYTHON_ONLY = st.builds(lambda n: 2**64 + n, st.integers(0, 9)) | st.tuples(st.integers(), _TEXT)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_TEXT, _VALUES | _PYTHON_ONLY, max_size=8), max_size=4))
def test_record_lines_is_each_record_line(records: list[dict[str, Any]]) -> None:
    """record_lines (compiled where koie.vm._vm is built) writes what record_line writes, line after
    line: floats, big numbers, tuples, escapes and lone surrogates included."""
    assert record_lines(records) == "".join(record_line(record) + "\n" for record in records)


def test_record_lines_compiled_writer_is_in_use() -> None:
    """The property above tests the compiled writer wherever the native module is built."""
    from koie import native
    from koie.run import lines as output

    assert (output._NATIVE_LINES is not None) == (native.load("koie.run._jsonl") is not None)
