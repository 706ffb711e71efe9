"""koie profile: each rule's matching time, matches and gates (no model: notation documents)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from koie.cli import main
from koie.engine.extract import extract
from koie.measure.profile import profile_pack, render_profile
from tests.helpers import notation_pack

RULES = [
    {"id": "person", "label": "PERSON", "pattern": "/NNP", "output": False},
    {"id": "title", "label": "TITLE", "pattern": "(회장/NNG | 사장/NNG)"},
    {"id": "met", "label": "MEETING", "pattern": "[PERSON:s] 이/JKS [PERSON:o] 와/JKB 만나/VV"},
]
DOCUMENTS = [
    "A/NNP+이/JKS B/NNP+와/JKB 만나/VV+었/EP+다/EF || C/NNP 회장/NNG+이/JKS 왔/VV+다/EF",
    "D/NNP 사장/NNG+은/JX 떠났/VV+다/EF",
]


def test_profile_counts_each_rules_matches_and_names_its_gates(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES)
    profile = profile_pack(pack, DOCUMENTS)
    by_rule = {rule.rule: rule for rule in profile.rules}
    assert set(by_rule) == {"person", "title", "met"}
    assert (by_rule["person"].matches, by_rule["title"].matches, by_rule["met"].matches) == (4, 2, 1)
    assert by_rule["title"].gate == "사장|회장" and by_rule["person"].gate == ""
    assert "만나" in by_rule["met"].gate and "와" in by_rule["met"].gate
    assert all(rule.seconds >= 0 for rule in profile.rules) and profile.matching_seconds > 0
    assert (profile.documents, profile.sentences, profile.morphemes) == (2, 3, 17)
    assert [r.seconds for r in profile.rules] == sorted((r.seconds for r in profile.rules), reverse=True)
    text = render_profile(profile, top=2)
    assert "every sentence" in text or "사장|회장" in text
    assert "1 more rules" in text


def test_profile_timing_leaves_the_records_as_they_were(tmp_path) -> None:
    pack = notation_pack(tmp_path, RULES)
    for text in DOCUMENTS:
        document = pack.analyzer.analyze(text)
        costs: dict[str, list[float]] = {}
        assert extract(pack.compiled, document, "d", costs=costs) == extract(pack.compiled, document, "d")
        assert set(costs) <= {"person", "title", "met"} and costs


def test_cli_profile_prints_a_table_and_json(tmp_path) -> None:
    source = tmp_path / "doc.txt"
    source.write_text("홍길동 사장이 김철수 대표와 만났다.", encoding="utf-8")
    runner = CliRunner()
    table = runner.invoke(main, ["profile", "examples/hello.yaml", str(source), "--no-cache"], catch_exceptions=False)
    assert table.exit_code == 0, table.output
    assert "1 documents" in table.output and "tried on" in table.output
    data = runner.invoke(
        main, ["profile", "examples/hello.yaml", str(source), "--no-cache", "--format", "json"], catch_exceptions=False
    )
    report = json.loads(data.output)
    assert report["documents"] == 1 and report["rules"]
    matches = {rule["rule"]: rule["matches"] for rule in report["rules"]}
    assert matches == {"person-before-title": 2, "met": 1}
