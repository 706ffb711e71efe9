# cython: language_level=3
"""The native matcher's programs and search (koie/vm/_vm.pyx), for the engine's rule loop to cimport."""

from libcpp.vector cimport vector
from libc.stdint cimport int64_t

from koie.vm._runtime cimport Runtime, Run, Scratch


cdef class NativeProgram:
    cdef readonly Runtime runtime
    cdef int size
    cdef vector[int] op, next_pc, element, check, capture, name, sub, ahead, negative, max_length, at_end
    cdef vector[int] spacing, label_off, labels, look_key, lazy
    cdef vector[int] clo_off, path_target, path_ev_off, path_cond_off, ev_kind, ev_name, conds
    cdef list names
    cdef vector[int] lexicon
    cdef list subs
    cdef dict look_keys
    cdef object first_forms
    cdef int depth
    cdef bint has_start, start_at_begin, start_at_end, all_matches
    cdef vector[int] start_checks, start_labels
    cdef list start_lexicons
    cdef vector[int] start_lexicon_ids
    cdef list start_check_forms
    cdef vector[vector[int]] start_kinds
    cdef int64_t start_kinds_at


#: The NativeProgram of ``program`` in ``runtime`` (kept on the program).
cdef NativeProgram native_program(Runtime runtime, object program)
#: Every match of ``p`` in the Run's sentence, its step count and input already set.
cdef list find_in(NativeProgram p, Run r, Scratch scratch)
