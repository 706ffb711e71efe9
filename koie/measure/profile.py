"""``koie profile``: where a pack's matching time goes, rule by rule.

A rule writer who adds a rule, or a look-around in an alternation, can make
a pack slower without seeing why: a rule runs only on the sentences that hold
one of the forms each of its matches needs (its gates, koie.engine.extract), and a
rule with none runs on every sentence. The profile analyses the documents
(from the analysis cache where it has them), matches them once as
``koie run`` does to time the whole, then once more with each rule's
searches timed apart, and lists the rules by cost with their gates.

The per-rule times add up to less than the whole: making records, overlap
policies and mentions are the pack's, not one rule's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from koie.api import Pack
from koie.engine.extract import RuleCosts, extract
from koie.engine.mentions import complete_extraction


@dataclass(frozen=True, slots=True)
class RuleProfile:
    rule: str
    where: str
    label: str
    seconds: float
    matches: int
    #: What a sentence must hold for the rule to be tried: one form of each group ("" for every sentence).
    gate: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "where": self.where,
            "label": self.label,
            "seconds": self.seconds,
            "matches": self.matches,
            "gate": self.gate or None,
        }


@dataclass(frozen=True, slots=True)
class PackProfile:
    documents: int
    sentences: int
    morphemes: int
    analysis_seconds: float
    #: One pass of matching with records, policies and mentions, as ``koie run`` makes them.
    matching_seconds: float
    rules: tuple[RuleProfile, ...]
    #: (rule, label, why) for each rule whose matches need no literal: ``koie run --labels LABEL``
    #: cannot skip a document (koie.lang.atoms)
    unfilterable: tuple[tuple[str, str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "morphemes": self.morphemes,
            "analysis_seconds": self.analysis_seconds,
            "matching_seconds": self.matching_seconds,
            "rules": [rule.to_json() for rule in self.rules],
            "unfilterable": [{"rule": rule, "label": label, "reason": why} for rule, label, why in self.unfilterable],
        }


def _gate_text(gates: tuple[frozenset[str], ...], shown: int = 3) -> str:
    """``회장|사장|… and 만나``: one form of each group; "" when the rule is tried on every sentence."""
    groups = []
    for forms in gates:
        ordered = sorted(forms)
        groups.append("|".join(ordered[:shown]) + ("|…" if len(ordered) > shown else ""))
    return " and ".join(groups)


def profile_pack(pack: Pack, texts: Sequence[str]) -> PackProfile:
    """Time the analysis, one matching pass, and each rule's searches over ``texts``."""
    started = time.perf_counter()
    documents = pack.analyzer.analyze_many(list(texts))
    analysis_seconds = time.perf_counter() - started
    compiled = pack.compiled
    started = time.perf_counter()
    for document in documents:
        complete_extraction(compiled, extract(compiled, document))
    matching_seconds = time.perf_counter() - started
    costs: RuleCosts = {}
    for document in documents:
        extract(compiled, document, costs=costs)
    gates = {
        rule.rule.id: _gate_text(phase_gates[position])
        for phase, phase_gates in zip(compiled.phases, compiled.gates)
        for position, rule in enumerate(phase)
    }
    rules = [
        RuleProfile(
            c.rule.id,
            c.rule.spec.where,
            c.rule.label,
            costs.get(c.rule.id, [0.0, 0])[0],
            int(costs.get(c.rule.id, [0.0, 0])[1]),
            gates.get(c.rule.id, ""),
        )
        for c in compiled.rules
    ]
    rules.sort(key=lambda r: (-r.seconds, r.rule))
    unfilterable = tuple(
        (rule.rule, rule.label, rule.reason) for label in pack.atoms.labels.values() for rule in label.unfilterable
    )
    return PackProfile(
        len(documents),
        sum(len(d.sentences) for d in documents),
        sum(d.morpheme_count for d in documents),
        analysis_seconds,
        matching_seconds,
        tuple(rules),
        unfilterable,
    )


def render_profile(profile: PackProfile, top: int | None = None) -> str:
    """A table for terminals: the costliest rules first, with their share of the rules' time."""
    lines = [
        f"{profile.documents} documents, {profile.sentences} sentences, {profile.morphemes} morphemes",
        f"analysis {profile.analysis_seconds * 1000:.0f} ms (from the cache where it had them), "
        f"matching {profile.matching_seconds * 1000:.0f} ms (records, policies and mentions included)",
        "",
    ]
    total = sum(rule.seconds for rule in profile.rules) or 1.0
    shown = profile.rules[:top] if top else profile.rules
    width = max((len(rule.rule) for rule in shown), default=4)
    lines.append(f"{'rule':<{width}}  {'ms':>8}  {'share':>6}  {'matches':>7}  tried on")
    for rule in shown:
        lines.append(
            f"{rule.rule:<{width}}  {rule.seconds * 1000:8.1f}  {rule.seconds / total:6.1%}  "
            f"{rule.matches:7d}  {rule.gate or 'every sentence'}"
        )
    if top and len(profile.rules) > top:
        rest = profile.rules[top:]
        lines.append(f"… {len(rest)} more rules, {sum(r.seconds for r in rest) * 1000:.1f} ms")
    if profile.unfilterable:
        lines.append("")
        for rule_id, label, why in profile.unfilterable:
            lines.append(f"--labels {label} cannot skip documents: rule {rule_id!r} has {why}")
    return "\n".join(lines)
