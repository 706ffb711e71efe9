# cython: language_level=3, boundscheck=False, wraparound=False
# distutils: language = c++
"""Instances of koie's slotted frozen dataclasses, made without their ``__init__``.

Shared by the native modules of every stage (analysis makes morphemes, the
matcher steps and matches, the engine records and mentions; the cache and the
JSON Lines writer read them): ``koie/_slots.pxd`` declares :class:`SlotFiller`
for them to cimport, its reads and writes inlined. Python code gets one
through :func:`koie.native.slot_filler`.
"""

from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member


cdef class SlotFiller:
    """Makes instances of a slotted frozen dataclass by filling its slots directly.

    A frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``; analysis and the cache make hundreds of thousands
    of morphemes per megabyte, and matching tens of thousands of steps. This
    allocates the object as ``object.__new__`` would and stores each value in
    its slot (the offsets come from the class's own slot descriptors), so the
    object is the one the constructor makes, at a fraction of the cost.
    ``tests/test_native_vm.py`` compares the two.
    """

    def __init__(self, cls, names):
        if getattr(cls, "__post_init__", None) is not None or "__slots__" not in cls.__dict__:
            raise TypeError(f"{cls.__name__}: only slotted classes without __post_init__ can be filled")
        if type(cls).__new__ is not type.__new__ or cls.__new__ is not object.__new__:
            raise TypeError(f"{cls.__name__}: a custom __new__ or metaclass")
        member_type = type(type("_Probe", (), {"__slots__": ("x",)}).x)
        for name in names:
            descriptor = cls.__dict__.get(name)
            if type(descriptor) is not member_type:
                raise TypeError(f"{cls.__name__}.{name} is not a slot of the class itself")
            self.offsets.push_back((<PyMemberDescrObject*>descriptor).d_member.offset)
        if self.offsets.size() != len(cls.__slots__):
            raise TypeError(f"{cls.__name__}: every slot must be named")
        self.cls = cls
        self.kind = <PyTypeObject*>cls
        self.size = <int>self.offsets.size()

    def new(self, *values):
        """An instance with ``values`` in slot order (every slot given)."""
        if len(values) != self.size:
            raise TypeError(f"{self.cls.__name__} takes {self.size} values, got {len(values)}")
        instance = self.make()
        cdef int field
        for field in range(self.size):
            self.put(instance, field, values[field])
        return instance

    def copy(self, instance, *changes):
        """A copy of ``instance`` with some slots changed: ``changes`` is slot index, value, index, value..."""
        if type(instance) is not self.cls:
            raise TypeError(f"not a {self.cls.__name__}: {type(instance).__name__}")
        if len(changes) % 2:
            raise TypeError("changes come in (slot index, value) pairs")
        copy = self.make()
        cdef int field
        cdef PyObject* value
        for field in range(self.size):
            value = (<PyObject**>((<char*><PyObject*>instance) + self.offsets[field]))[0]
            if value != NULL:
                self.put(copy, field, <object>value)
        cdef Py_ssize_t at
        cdef PyObject** slot
        for at in range(0, len(changes), 2):
            field = changes[at]
            if not 0 <= field < self.size:
                raise IndexError(f"{self.cls.__name__} has no slot {field}")
            slot = <PyObject**>((<char*><PyObject*>copy) + self.offsets[field])
            Py_XDECREF(slot[0])
            slot[0] = NULL
            self.put(copy, field, changes[at + 1])
        return copy

    def columns(self, *columns):
        """A tuple of instances, the i-th made of the i-th value of each column (columns in slot order)."""
        if len(columns) != self.size:
            raise TypeError(f"{self.cls.__name__} takes {self.size} columns, got {len(columns)}")
        cdef list lists = [list(column) for column in columns]
        cdef Py_ssize_t count = len(lists[0]) if lists else 0
        cdef Py_ssize_t row
        cdef int field
        for column in lists:
            if len(column) != count:
                raise ValueError("columns of different lengths")
        out = []
        for row in range(count):
            instance = self.make()
            for field in range(self.size):
                self.put(instance, field, (<list>lists[field])[row])
            out.append(instance)
        return tuple(out)


#: Morpheme's filler, made on first use (koie.analysis.morphemes imports the loader of this module).
cdef SlotFiller _morpheme_filler = None


cdef SlotFiller morpheme_slots():
    """The SlotFiller of koie.analysis.morphemes.Morpheme, its slots in the order of the FORM... constants."""
    global _morpheme_filler
    if _morpheme_filler is None:
        from koie.analysis.morphemes import Morpheme

        _morpheme_filler = SlotFiller(Morpheme, ("form", "tag", "start", "end", "eojeol", "lemma"))
    return _morpheme_filler
