"""koie's compiled modules, each beside the stage it accelerates, or None where they are not in use.

=============================  ==================================================================
``koie._slots``                instances of koie's slotted dataclasses, made without ``__init__``
``koie.analysis._convert``     Kiwi's tokens as morphemes; the analysis cache's encoding
``koie.vm._runtime``           what the matcher keeps between searches (per pack), and a sentence
``koie.vm._vm``                the matcher's Pike VM
``koie.engine._extract``       the engine's rule loop and record making
``koie.engine._repeated``      the search for other mentions of a known entity
``koie.run._jsonl``            JSON Lines
=============================  ==================================================================

Each has a pure-Python twin in the module it serves, which defines what it
does, and a test that holds the two equal. One place decides whether they are
used: ``KOIE_MATCHER=python`` turns every one off for the whole process, so
the pure Python code can be run and tested on a machine that has them.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

#: False when KOIE_MATCHER=python chose the pure-Python code for this process.
ENABLED = os.environ.get("KOIE_MATCHER", "").lower() != "python"


def load(name: str) -> Any:
    """The compiled module ``name`` (``koie.vm._vm``, ...), or None: turned off, or never built.

    >>> load("koie.no_such_module") is None
    True
    """
    if not ENABLED:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:  # installed with KOIE_PURE_PYTHON=1, or run from a tree never built
        return None


#: koie._slots, or None.
_slots: Any = load("koie._slots")


def slot_filler(cls: type, names: tuple[str, ...]) -> Any:
    """A koie._slots.SlotFiller for ``cls`` (its slots, in order), or None without the compiled modules."""
    return None if _slots is None else _slots.SlotFiller(cls, names)
