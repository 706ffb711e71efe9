"""The published JSON Schema agrees with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from koie.lang.schema import pack_schema
from koie.lang.spec import LEXICON_KEYS, PACK_KEYS, RULE_KEYS

ROOT = Path(__file__).resolve().parent.parent


def test_schema_keys_match_the_loader() -> None:
    schema = pack_schema()
    assert set(schema["properties"]) == set(PACK_KEYS)
    assert set(schema["properties"]["rules"]["items"]["properties"]) == set(RULE_KEYS)
    lexicon_forms = schema["properties"]["lexicons"]["additionalProperties"]["oneOf"]
    assert set(lexicon_forms[1]["properties"]) == set(LEXICON_KEYS)


def test_schema_committed_copy_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "koie-pack.schema.json").read_text(encoding="utf-8"))
    assert committed == pack_schema(), "run: koie schema -o docs/koie-pack.schema.json"


@pytest.mark.parametrize(
    "path",
    sorted(
        str(p.relative_to(ROOT))
        for p in [*ROOT.glob("rules/*.yaml"), *ROOT.glob("examples/*.yaml")]
        if not p.name.endswith(".scheme.yaml")
    ),
)
def test_schema_accepts_shipped_packs(path: str) -> None:
    data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
    jsonschema.validate(data, pack_schema())


@pytest.mark.parametrize(
    "bad",
    [
        {"rules": [{"id": "a", "label": "X", "pattern": "회장", "paterns": "x"}]},
        {"rules": [{"id": "a", "label": "X"}]},
        {"rulez": []},
        {"overlap": "shortest", "rules": []},
    ],
)
def test_schema_rejects_what_the_loader_rejects(bad: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, pack_schema())
