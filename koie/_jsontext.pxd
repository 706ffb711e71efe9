# cython: language_level=3
"""JSON numbers and strings written as UTF-8 into a C++ string, as ``json`` writes them with ensure_ascii=False.

Inline functions only (no module of its own): the analysis cache's encoder
(koie/analysis/_convert.pyx) and the JSON Lines writer (koie/run/_jsonl.pyx)
both cimport them.
"""

from libcpp.string cimport string
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ


cdef extern from "Python.h":
    int PyUnicode_IS_ASCII(object o)


cdef inline int append_int(string& out, object value) except -1:
    cdef long long number = value
    cdef unsigned long long rest = <unsigned long long>(-number) if number < 0 else <unsigned long long>number
    cdef char digits[24]
    cdef int at = 24
    while True:
        at -= 1
        digits[at] = <char>(48 + rest % 10)
        rest //= 10
        if rest == 0:
            break
    if number < 0:
        at -= 1
        digits[at] = b'-'
    out.append(&digits[at], 24 - at)
    return 0


cdef inline int append_text(string& out, str text) except -1:
    """``text`` as json.dumps(ensure_ascii=False) writes it, in UTF-8."""
    cdef Py_ssize_t at, length = PyUnicode_GET_LENGTH(text)
    cdef unsigned int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef unsigned int c
    for at in range(length):
        c = PyUnicode_READ(kind, data, at)
        if c < 0x20 or c == 0x22 or c == 0x5C or 0xD800 <= c <= 0xDFFF:
            # what JSON escapes (and a surrogate, which UTF-8 refuses, as the Python encoder does)
            from json import dumps

            encoded = (<str>dumps(text, ensure_ascii=False)).encode("utf-8")
            out.append(<char*>encoded, len(encoded))
            return 0
    out.push_back(b'"')
    if PyUnicode_IS_ASCII(text):
        out.append(<const char*>data, length)
    else:
        for at in range(length):
            c = PyUnicode_READ(kind, data, at)
            if c < 0x80:
                out.push_back(<char>c)
            elif c < 0x800:
                out.push_back(<char>(0xC0 | (c >> 6)))
                out.push_back(<char>(0x80 | (c & 0x3F)))
            elif c < 0x10000:
                out.push_back(<char>(0xE0 | (c >> 12)))
                out.push_back(<char>(0x80 | ((c >> 6) & 0x3F)))
                out.push_back(<char>(0x80 | (c & 0x3F)))
            else:
                out.push_back(<char>(0xF0 | (c >> 18)))
                out.push_back(<char>(0x80 | ((c >> 12) & 0x3F)))
                out.push_back(<char>(0x80 | ((c >> 6) & 0x3F)))
                out.push_back(<char>(0x80 | (c & 0x3F)))
    out.push_back(b'"')
    return 0
