"""Building packs in tests without the Kiwi model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from koie.analysis.morphemes import NotationAnalyzer
from koie.api import Pack
from koie.engine.extract import compile_pack
from koie.lang.load import load_pack
from koie.lang.resolve import resolve_pack


def notation_pack(
    tmp_path: Path, rules: list[dict[str, Any]], fragments: dict[str, str] | None = None, **pack: Any
) -> Pack:
    """A pack from rule dicts, analysed with :class:`NotationAnalyzer` (documents in form/TAG notation)."""
    path = tmp_path / "pack.yaml"
    path.write_text(
        yaml.safe_dump({"name": "t", "rules": rules, **pack}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    analyzer = NotationAnalyzer(fragments or {})
    return Pack(compile_pack(resolve_pack(load_pack(path), analyzer)), analyzer)


def spans(pack: Pack, notation: str, label: str | None = None) -> list[tuple[str, str]]:
    """(rule, text) of every kept record of a notation document."""
    extraction = pack.extract_document(notation)
    return [(r.rule, r.text) for r in extraction.records if label is None or r.label == label]
