"""The packs koie ships pass their generated and metamorphic properties (derandomised, as in CI)."""

from __future__ import annotations

import pytest

import koie
from koie.testing.properties import run_properties


@pytest.mark.parametrize("path", ["rules/meetings.yaml", "examples/hello.yaml", "docs/tutorial/first.yaml"])
def test_shipped_pack_properties_pass(monkeypatch, path: str) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "koie-ci")
    pack = koie.load(path)
    results = list(run_properties(pack))
    ran = [r for r in results if not (r.ok and r.message.startswith("skipped"))]
    assert {r.rule for r in ran} == {c.rule.id for c in pack.compiled.rules if c.rule.spec.match_examples} or ran
    failures = [r for r in results if not r.ok]
    assert not failures, "\n".join(f"{r.where} {r.rule} {r.kind}: {r.text}\n{r.message}" for r in failures)
