"""Loading koie/lang/koie.lark: the one copy of the pattern grammar, shipped inside the package."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from koie.installed import installed_version

if TYPE_CHECKING:
    from lark import Lark


def grammar_text() -> str:
    """The grammar source, from the installed package or the checkout."""
    # The package's own directory, not importlib.resources: koie is installed as files (a wheel
    # unpacked into site-packages, or editable), and importlib.resources costs every run 7 ms.
    return (Path(__file__).resolve().parent / "koie.lark").read_text(encoding="utf-8")


@functools.cache
def pattern_parser() -> Lark:
    """The LALR parser for patterns (built once per process).

    ``cache=True``: lark keeps the analysed grammar in a file in the temporary
    directory, keyed by the grammar's text and lark's version, and reuses it
    (measured: 0.10 s -> 0.03 s per process); a directory it cannot write is
    only logged.
    """
    from lark import Lark  # here: a run whose patterns come from the analysis cache never imports lark

    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


@functools.cache
def parser_signature() -> str:
    """What a pattern's parse depends on, as a digest: the grammar, lark's version, and koie's
    parse and AST modules (their source, so an edited transformer never meets an old tree).

    The analysis cache keeps parsed patterns under it (koie.analysis.cache.CachedAnalyzer.parsed_patterns).
    """
    digest = hashlib.sha256(grammar_text().encode("utf-8"))
    lark_version = installed_version("lark")  # a warm run imports neither lark nor importlib.metadata
    if lark_version is None:  # pragma: no cover - lark installed as an egg or a zip
        from importlib import metadata

        try:
            lark_version = metadata.version("lark")
        except metadata.PackageNotFoundError:
            lark_version = ""
    digest.update(lark_version.encode("utf-8"))
    here = Path(__file__).resolve().parent
    for module in ("parse.py", "ast.py"):
        try:
            digest.update((here / module).read_bytes())
        except OSError:  # pragma: no cover - a zipped install: koie's version stands in for the source
            from koie import __version__

            digest.update(__version__.encode("utf-8"))
    return digest.hexdigest()
