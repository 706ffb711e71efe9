# cython: language_level=3
"""What other native modules cimport from koie/_slots.pyx: the SlotFiller, and Morpheme's slots."""

from libcpp.vector cimport vector
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF


cdef extern from "Python.h":
    object PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t items)


#: Morpheme's slots, in the order morpheme_slots() reads them.
cdef enum:
    FORM = 0
    TAG = 1
    START = 2
    END = 3
    EOJEOL = 4
    LEMMA = 5


cdef class SlotFiller:
    cdef PyTypeObject* kind
    cdef readonly object cls
    cdef vector[Py_ssize_t] offsets
    cdef readonly int size

    cdef inline object make(self):
        """A new instance, every slot empty (as ``object.__new__`` makes it)."""
        return PyType_GenericAlloc(self.kind, 0)

    cdef inline object get(self, object instance, int field):
        # the caller has checked type(instance) is the class, whose instances have every slot set
        return <object>(<PyObject**>((<char*><PyObject*>instance) + self.offsets[field]))[0]

    cdef inline void put(self, object instance, int field, object value):
        # a fresh object's slots are NULL: nothing to release
        Py_INCREF(value)
        (<PyObject**>((<char*><PyObject*>instance) + self.offsets[field]))[0] = <PyObject*>value


cdef SlotFiller morpheme_slots()
