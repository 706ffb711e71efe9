"""The compiled part of koie (``koie/vm/_vm.pyx``), or None where it was not built.

One place decides whether it is used: ``KOIE_MATCHER=python`` turns it off
for the whole process (the matcher and the object makers alike), so the pure
Python code can be run and tested on a machine that has the module.
"""

from __future__ import annotations

import os
from typing import Any


def _load() -> Any:
    if os.environ.get("KOIE_MATCHER", "").lower() == "python":
        return None
    try:
        from koie.vm import _vm  # type: ignore[attr-defined]
    except ImportError:  # installed with KOIE_PURE_PYTHON=1, or run from a tree never built
        return None
    return _vm


#: koie.vm._vm, or None.
module: Any = _load()


def slot_filler(cls: type, names: tuple[str, ...]) -> Any:
    """A koie.vm._vm.SlotFiller for ``cls`` (its slots, in order), or None without the native module."""
    return None if module is None else module.SlotFiller(cls, names)
