# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# distutils: language = c++
"""JSON Lines compiled (koie.run.sinks.record_lines, and koie.run.runner's lines made from records).

Each function writes the text its Python twin writes: :func:`record_lines`
what ``record_line`` writes for each dict (tests/property/test_output_props.py
holds the two equal), :func:`record_json_lines` what ``record_line`` writes for
each record's dict (tests/test_native_vm.py). What only json's encoder writes
(a float, a key that is not a str, a lone surrogate) is left to the twin.
"""

from libcpp.string cimport string
from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH, PyUnicode_KIND, PyUnicode_DATA
from cpython.unicode cimport PyUnicode_READ
from cpython.long cimport PyLong_AsLongLongAndOverflow

from koie._jsontext cimport PyUnicode_IS_ASCII, append_int, append_text
from koie._slots cimport SlotFiller

#: koie.engine.extract's Record and Mention, their slots in the order the writer reads them (slot 1 is
#: the record's rule, 3 its end... 7 its attrs, 15 suppressed_by, 16 its origin), made on first use.
_RECORD_FIELDS = ("doc", "rule", "label", "start", "end", "text", "args", "attrs", "sentence", "first", "last",
                  "priority", "output", "match", "document", "suppressed_by", "origin")
cdef SlotFiller _records = None
cdef SlotFiller _mentions = None
cdef object _rule_origin = None


cdef int _read_engine_types() except -1:
    global _records, _mentions, _rule_origin
    from koie.engine.extract import Mention, Origin, Record

    _records = SlotFiller(Record, _RECORD_FIELDS)
    _mentions = SlotFiller(Mention, ("text", "start", "end", "label", "filler"))
    _rule_origin = Origin.RULE
    return 0


cdef inline object _found_by(SlotFiller records, object record):
    """The record's ``rule`` as the output names it (Record.found_by): its rule, unless another origin says."""
    if records.get(record, 16) is _rule_origin:
        return records.get(record, 1)
    return record.found_by


cdef int _append_line_text(string& out, str text) except -1:
    """``text`` as a JSON string the way record_line writes it; 1 where it holds a surrogate (not here)."""
    cdef Py_ssize_t at, length = PyUnicode_GET_LENGTH(text)
    cdef unsigned int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef unsigned int c
    if not PyUnicode_IS_ASCII(text):
        for at in range(length):
            c = PyUnicode_READ(kind, data, at)
            if 0xD800 <= c <= 0xDFFF:
                return 1  # json keeps it in the str; UTF-8 has no way to carry it
    append_text(out, text)
    return 0


cdef int _append_value(string& out, object value, int depth) except -1:
    """``value`` as record_line's encoder writes it (", " and ": " between items), in UTF-8.

    Returns 1 for what only json's encoder writes here (a float, a non-str key,
    a subclass, a surrogate, nesting past 32): the caller encodes the line with it.
    """
    cdef type kind = type(value)
    cdef bint first = True
    cdef int overflow = 0
    if kind is str:
        return _append_line_text(out, <str>value)
    if value is None:
        out.append(b'null')
        return 0
    if value is True:
        out.append(b'true')
        return 0
    if value is False:
        out.append(b'false')
        return 0
    if kind is int:
        PyLong_AsLongLongAndOverflow(value, &overflow)
        if overflow:
            return 1  # past 64 bits: json writes it
        append_int(out, value)
        return 0
    if depth >= 32:
        return 1
    if kind is dict:
        out.push_back(b'{')
        for key, item in (<dict>value).items():
            if type(key) is not str:
                return 1
            if not first:
                out.append(b', ')
            first = False
            if _append_line_text(out, <str>key):
                return 1
            out.append(b': ')
            if _append_value(out, item, depth + 1):
                return 1
        out.push_back(b'}')
        return 0
    if kind is list or kind is tuple:
        out.push_back(b'[')
        for item in value:
            if not first:
                out.append(b', ')
            first = False
            if _append_value(out, item, depth + 1):
                return 1
        out.push_back(b']')
        return 0
    return 1


def record_lines(list rows, object line_of):
    """koie.run.sinks.record_lines compiled: each row's JSON Lines line and a newline, as one str.

    The same text as ``"".join(line_of(row) + "\\n" for row in rows)``, ``line_of``
    being koie.run.sinks.record_line (tests/property/test_output_props.py holds the
    two equal); a row holding what this writer leaves to json (a float, say) is
    written by ``line_of``. json's C encoder took 5 µs a record, a seventh of a
    megabyte's matching and output.
    """
    cdef string out
    cdef size_t mark
    cdef list chunks = []
    for row in rows:
        mark = out.size()
        if _append_value(out, row, 0) == 0:
            out.push_back(b'\n')
            continue
        out.resize(mark)
        if out.size():
            chunks.append(PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL))
            out.clear()
        chunks.append(line_of(row) + "\n")
    if not chunks:
        return PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL)
    if out.size():
        chunks.append(PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL))
    return "".join(chunks)


cdef int _append_key(string& out, bint first, const char* key) except -1:
    if not first:
        out.append(b', ')
    out.push_back(b'"')
    out.append(key)
    out.append(b'": ')
    return 0


#: The keys Mention.to_json writes before its filler's attributes (which never replace them).
_MENTION_KEYS = frozenset(("text", "start", "end", "label", "rule"))


cdef int _append_mention(string& out, SlotFiller mentions, SlotFiller records, object mention) except -1:
    """koie.engine.extract.Mention.to_json as record_line writes it; 1: not here."""
    if type(mention) is not mentions.cls:
        return 1
    _append_key(out, True, b'text')
    if _append_line_text(out, <str?>mentions.get(mention, 0)):
        return 1
    _append_key(out, False, b'start')
    if _append_value(out, mentions.get(mention, 1), 1):
        return 1
    _append_key(out, False, b'end')
    if _append_value(out, mentions.get(mention, 2), 1):
        return 1
    _append_key(out, False, b'label')
    if _append_value(out, mentions.get(mention, 3), 1):
        return 1
    filler = mentions.get(mention, 4)
    if filler is not None:
        if type(filler) is not records.cls or records.get(filler, 6):
            return 1  # a filler with arguments of its own: Mention.to_json nests them
        _append_key(out, False, b'rule')
        if _append_value(out, _found_by(records, filler), 1):
            return 1
        attrs = records.get(filler, 7)
        if type(attrs) is not dict:
            return 1
        for key, value in (<dict>attrs).items():
            if type(key) is not str:
                return 1
            if key in _MENTION_KEYS:
                continue  # setdefault: the mention's own fields stay
            out.append(b', ')
            if _append_line_text(out, <str>key):
                return 1
            out.append(b': ')
            if _append_value(out, value, 2):
                return 1
    return 0


cdef int _append_record(string& out, SlotFiller records, SlotFiller mentions, object record, string& analyzer
                        ) except -1:
    """record_line(record.to_json() | {"analyzer": analyzer}), the analyzer already written; 1: not here."""
    cdef bint first = True
    cdef int field
    if type(record) is not records.cls or records.get(record, 15) is not None:
        return 1  # a suppressed record's line names its winner: Python writes it
    out.push_back(b'{')
    for field, name in enumerate((b'doc', b'rule', b'label', b'start', b'end', b'text')):
        _append_key(out, field == 0, <bytes>name)
        if _append_value(out, records.get(record, field) if field != 1 else _found_by(records, record), 1):
            return 1
    _append_key(out, False, b'args')
    args = records.get(record, 6)
    if type(args) is not dict:
        return 1
    out.push_back(b'{')
    for role, value in (<dict>args).items():
        if type(role) is not str:
            return 1
        if not first:
            out.append(b', ')
        first = False
        if _append_line_text(out, <str>role):
            return 1
        out.append(b': ')
        if type(value) is tuple:
            out.push_back(b'[')
            for at, mention in enumerate(<tuple>value):
                if at:
                    out.append(b', ')
                out.push_back(b'{')
                if _append_mention(out, mentions, records, mention):
                    return 1
                out.push_back(b'}')
            out.push_back(b']')
        else:
            out.push_back(b'{')
            if _append_mention(out, mentions, records, value):
                return 1
            out.push_back(b'}')
    out.push_back(b'}')
    _append_key(out, False, b'attrs')
    attrs = records.get(record, 7)
    if type(attrs) is not dict or _append_value(out, attrs, 1):
        return 1
    out.append(b', "analyzer": ')
    out.append(analyzer)
    out.push_back(b'}')
    return 0


def record_json_lines(list records, dict analyzer, object line_of):
    """Each record's JSON Lines line, made from the record (koie.run.runner.document_records's lines).

    The same text as ``line_of(record)`` (in koie.run.runner.document_records: record_line
    of the record's dict from koie.run.runner._row, with its ``analyzer``), without making the dicts:
    those and json's encoding were a tenth of a megabyte's matching. A record
    holding what this writer leaves to json is written by ``line_of``.
    tests/test_native_vm.py compares the two.
    """
    cdef SlotFiller record_slots = _records
    if record_slots is None:
        _read_engine_types()
        record_slots = _records
    cdef SlotFiller mention_slots = _mentions
    cdef string out
    cdef string encoded_analyzer
    cdef list lines = []
    if _append_value(encoded_analyzer, analyzer, 1):
        return [line_of(record) for record in records]
    for record in records:
        out.clear()
        if _append_record(out, record_slots, mention_slots, record, encoded_analyzer) == 0:
            lines.append(PyUnicode_DecodeUTF8(out.c_str(), out.size(), NULL))
        else:
            lines.append(line_of(record))
    return lines
