"""Pair semantics: who is related to whom in a record (koie/engine/relations.py, ``relations:``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from koie.engine.relations import label_roles, record_relation_pairs, relation_pairs
from koie.lang.check import check_pack
from koie.lang.load import load_pack
from koie.lang.spec import RelationSpec
from tests.helpers import notation_pack

DEFAULT = RelationSpec("MEETING")


def _pairs(relation: RelationSpec, args: dict[str, list[str]]) -> list[tuple[str, str, bool]]:
    return relation_pairs(relation, lambda role: args.get(role, []))


@pytest.mark.parametrize(
    "relation, args, expected",
    [
        # each subject with each object; subjects are not related to each other
        (DEFAULT, {"subject": ["A", "B"], "object": ["C"]}, [("A", "C", True), ("B", "C", True)]),
        # every two participants, in no direction
        (DEFAULT, {"participants": ["A", "B", "C"]}, [("A", "B", False), ("A", "C", False), ("B", "C", False)]),
        # a principal and a group: pairs and all_pairs side by side
        (
            DEFAULT,
            {"subject": ["P"], "object": ["A"], "participants": ["X", "Y"]},
            [("P", "A", True), ("X", "Y", False)],
        ),
        (DEFAULT, {"subject": ["A"]}, []),  # one side only: nobody met
        (DEFAULT, {"participants": ["A"]}, []),
        # a declared relation: its roles, in its direction; subject/object no longer count
        (
            RelationSpec("ACQUISITION", (("acquirer", "target"),), ()),
            {"acquirer": ["A"], "target": ["B"], "subject": ["X"], "object": ["Y"]},
            [("A", "B", True)],
        ),
        # two declared pairs
        (
            RelationSpec("M", (("host", "guest"), ("host", "aide")), ()),
            {"host": ["H"], "guest": ["G"], "aide": ["I"]},
            [("H", "G", True), ("H", "I", True)],
        ),
    ],
)
def test_relations_pairs_of_a_record(relation: RelationSpec, args: dict, expected: list) -> None:
    assert _pairs(relation, args) == expected


def test_relations_a_mention_is_never_related_to_itself_nor_twice() -> None:
    same = "A"
    relation = RelationSpec("M", (("subject", "object"), ("object", "subject")), ("subject",))
    pairs = relation_pairs(relation, lambda role: {"subject": [same, "B"], "object": [same]}[role])
    # A–A dropped; B→A and A→B are two directions; the undirected A–B adds nothing
    assert pairs == [("B", "A", True), ("A", "B", True)]


def test_relations_default_for_a_label_the_pack_does_not_declare(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "relations:\n  DEAL: {pairs: [[buyer, seller]]}\nrules:\n"
        "  - {id: d, label: DEAL, pattern: '(?<buyer> /NNP) (?<seller> /NNP)'}\n"
        "  - {id: m, label: MEETING, pattern: '(?<subject> /NNP) (?<object> /NNP) 만나'}\n",
        encoding="utf-8",
    )
    spec = load_pack(path)
    assert spec.relation("DEAL").pairs == (("buyer", "seller"),) and spec.relation("DEAL").all_pairs == ()
    assert spec.relation("MEETING") == RelationSpec("MEETING")
    assert spec.relation("MEETING").roles == ("subject", "object", "participants")


def test_relations_record_pairs_of_a_group_record(tmp_path: Path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "person", "label": "PERSON", "output": False, "pattern": "/NNP (?= 회장/NNG)"},
            {
                "id": "group",
                "label": "MEETING",
                "pattern": "([PERSON:participants] 회장/NNG /SP?)+ 이/JKS 회동하/VV",
            },
        ],
    )
    [record] = list(pack.extract("가나/NNP 회장/NNG ,/SP 다라/NNP 회장/NNG ,/SP 마바/NNP 회장/NNG 이/JKS 회동하/VV"))
    pairs = [(a.text, b.text, directed) for a, b, directed in record_relation_pairs(record, RelationSpec("MEETING"))]
    assert pairs == [("가나", "다라", False), ("가나", "마바", False), ("다라", "마바", False)]


def test_relations_roles_a_label_can_have_include_carried_and_joined_roles(tmp_path: Path) -> None:
    pack = notation_pack(
        tmp_path,
        [
            {"id": "person", "label": "PERSON", "output": False, "pattern": "/NNP"},
            {"id": "host", "label": "HOST", "output": False, "pattern": "[PERSON:subject] 오찬/NNG"},
            {
                "id": "attend",
                "label": "MEETING",
                "joins": {"from": ["HOST"], "role": "host"},
                "carry": {"topic": {"from": ["HOST"]}},
                "pattern": "[PERSON:object] 참석/NNG",
            },
        ],
    )
    assert label_roles(pack.compiled, "MEETING") == {"object", "host", "topic"}
    assert label_roles(pack.compiled, "HOST") == {"subject"}


def test_relations_unknown_role_is_E216_with_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "relations:\n  MEETING:\n    pairs: [[subject, objcet]]\nrules:\n"
        "  - id: m\n    label: MEETING\n    pattern: '(?<subject> /NNP) (?<object> /NNP) 만나'\n"
        "    examples: {match: [가나 다라 만나]}\n",
        encoding="utf-8",
    )
    [diagnostic] = [d for d in check_pack(path) if d.severity == "error"]
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == ("E216", 3, 23)
    assert diagnostic.value == "objcet" and diagnostic.suggestion == "Did you mean 'object'?"


def test_relations_a_joined_role_is_a_known_role(tmp_path: Path) -> None:
    """A role no pattern captures but a rule joins (joins: {role: subject}) may be declared."""
    path = tmp_path / "p.yaml"
    path.write_text(
        "relations:\n  MEETING: {pairs: [[subject, object]]}\nrules:\n"
        "  - {id: h, label: HOST, pattern: '(?<subject> /NNP) 오찬', examples: {match: [가나 오찬]}}\n"
        "  - id: m\n    label: MEETING\n    joins: {from: [HOST], role: subject}\n"
        "    pattern: '(?<object> /NNP) 참석'\n    examples: {match: [다라 참석]}\n",
        encoding="utf-8",
    )
    assert [d for d in check_pack(path) if d.severity == "error"] == []
