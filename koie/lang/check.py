"""``koie check``: every diagnostic of a pack, load and resolve stages together, and notes on what
``--labels`` can skip (koie.lang.atoms)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from koie.errors import Diagnostic
from koie.lang.atoms import PackAtoms, required_atoms
from koie.lang.formula import formula_text
from koie.lang.load import load_pack_lenient
from koie.lang.resolve import check_resolve, user_words_of


def check_pack(path: str | Path, cache: str | os.PathLike[str] | None = None) -> list[Diagnostic]:
    """All errors and warnings of the pack at ``path``, in file order.

    With ``cache`` (an analysis cache file), the literals' analyses and the
    pattern trees come from it where it has them: a check after an edit
    loads the Kiwi model only for literals it has not seen.
    """
    return check_pack_atoms(path, cache)[0]


def check_pack_atoms(
    path: str | Path, cache: str | os.PathLike[str] | None = None
) -> tuple[list[Diagnostic], PackAtoms | None]:
    """:func:`check_pack`, and the pack's required atoms when it resolves without errors."""
    spec, diagnostics = load_pack_lenient(path)
    atoms: PackAtoms | None = None
    if spec is not None and spec.rules:
        from koie.analysis.kiwi import shared_analyzer

        analyzer: Any = shared_analyzer(user_words_of(spec))
        held: Any = contextlib.nullcontext()
        if cache is not None:
            from koie.analysis.cache import CachedAnalyzer

            analyzer = CachedAnalyzer(analyzer, cache)
            held = analyzer.writes_held()  # the literals' analyses in one transaction
        with held:
            resolved, more = check_resolve(spec, analyzer)
        diagnostics = diagnostics + more
        if resolved is not None:
            atoms = required_atoms(resolved)
    # a macro used by many rules gets the same warning from each of them, at the macro: said once
    unique = {_said(d): d for d in reversed(diagnostics)}
    ordered = sorted(unique.values(), key=lambda d: (d.file or "", d.line or 0, d.col or 0, d.code))
    return ordered, atoms


def _said(diagnostic: Diagnostic) -> str:
    """What a diagnostic says and where, whichever rule it came through."""
    said = diagnostic.to_json()
    said.pop("rule", None)
    return json.dumps(said, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Note:
    """Something ``koie check`` says that is neither an error nor a warning: a rule whose matches need
    no literal, so ``koie run --labels LABEL`` analyses every document (it cannot skip any)."""

    where: str
    rule: str
    label: str
    reason: str

    @property
    def message(self) -> str:
        return f"--labels {self.label} cannot skip documents: rule {self.rule!r} has {self.reason}"

    def render(self) -> str:
        return f"{self.where}: note: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "rule": self.rule, "label": self.label, "message": self.message}


def atom_notes(atoms: PackAtoms) -> list[Note]:
    """A note for each rule that makes its label unfilterable, with why (what needs no literal).

    >>> import koie
    >>> atom_notes(koie.load("examples/hello.yaml").atoms)
    []
    """
    return [
        Note(rule.where, rule.rule, rule.label, rule.reason)
        for label in atoms.labels.values()
        for rule in label.unfilterable
    ]


def render_atoms(atoms: PackAtoms) -> str:
    """``koie check --atoms``: each label's atoms (what --labels looks for first), each rule's share,
    and what each rule's matches need (``&``: all of them, ``|``: one of them; koie.lang.atoms)."""
    lines: list[str] = []
    for label in atoms.labels.values():
        if label.atoms is None:
            lines.append(f"{label.label}: cannot be pre-filtered")
        else:
            lines.append(f"{label.label}: {' '.join(sorted(map(str, label.atoms)))}")
        for rule in label.rules:
            if rule.atoms is None:
                lines.append(f"  {rule.rule}: {rule.reason}")
            else:
                source = "" if rule.own else " (from its slots)"
                lines.append(f"  {rule.rule}{source}: {' '.join(sorted(map(str, rule.atoms)))}")
                lines.append(f"    needs: {formula_text(rule.formula)}")
    return "\n".join(lines)
