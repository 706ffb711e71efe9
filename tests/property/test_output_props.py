"""A record's JSON Lines line is json.dumps's, whatever the record holds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from koie.output import record_line

_TEXT = st.text(max_size=12) | st.sampled_from(["회장", "\x00", "\"", "\\", "\u2028", "😀", "\ud800"])
_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                       max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=8))
def test_record_line_is_what_json_dumps_writes(record: dict[str, Any]) -> None:
    """record_line calls json's C encoder directly (made once): the same line as json.dumps with
    the output's separators, NaN and lone surrogates included."""
    assert record_line(record) == json.dumps(record, ensure_ascii=False, separators=(", ", ": "))
