"""``koie check``: every diagnostic of a pack, load and resolve stages together."""

from __future__ import annotations

from pathlib import Path

from .errors import Diagnostic
from .load import load_pack_lenient
from .resolve import check_resolve, user_words_of


def check_pack(path: str | Path) -> list[Diagnostic]:
    """All errors and warnings of the pack at ``path``, in file order."""
    spec, diagnostics = load_pack_lenient(path)
    if spec is not None and spec.rules:
        from .api import shared_analyzer

        _resolved, more = check_resolve(spec, shared_analyzer(user_words_of(spec)))
        diagnostics = diagnostics + more
    return sorted(diagnostics, key=lambda d: (d.file or "", d.line or 0, d.col or 0, d.code))
