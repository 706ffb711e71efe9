"""``koie check``: every diagnostic of a pack, load and resolve stages together."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from koie.errors import Diagnostic
from koie.lang.load import load_pack_lenient
from koie.lang.resolve import check_resolve, user_words_of


def check_pack(path: str | Path, cache: str | os.PathLike[str] | None = None) -> list[Diagnostic]:
    """All errors and warnings of the pack at ``path``, in file order.

    With ``cache`` (an analysis cache file), the literals' analyses and the
    pattern trees come from it where it has them: a check after an edit
    loads the Kiwi model only for literals it has not seen.
    """
    spec, diagnostics = load_pack_lenient(path)
    if spec is not None and spec.rules:
        from koie.api import shared_analyzer

        analyzer: Any = shared_analyzer(user_words_of(spec))
        held: Any = contextlib.nullcontext()
        if cache is not None:
            from koie.analysis.cache import CachedAnalyzer

            analyzer = CachedAnalyzer(analyzer, cache)
            held = analyzer.writes_held()  # the literals' analyses in one transaction
        with held:
            _resolved, more = check_resolve(spec, analyzer)
        diagnostics = diagnostics + more
    return sorted(diagnostics, key=lambda d: (d.file or "", d.line or 0, d.col or 0, d.code))
