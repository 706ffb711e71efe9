"""The JSON Schema of rule packs, for editors (VS Code's YAML extension).

The schema is built from the loader's own key tables, and
tests/test_schema.py checks the two against each other and against the
committed copy in ``docs/koie-pack.schema.json``. Point an editor at it with
a first line ``# yaml-language-server: $schema=../docs/koie-pack.schema.json``.
"""

from __future__ import annotations

from typing import Any

from koie.lang.ir import KNOWN_TAGS
from koie.lang.spec import (
    ANAPHORA_KEYS,
    CARRY_KEYS,
    EXAMPLE_KEYS,
    JOIN_KEYS,
    LEXICON_KEYS,
    MATCH_EXAMPLE_KEYS,
    MATCH_MODES,
    MENTION_KEYS,
    NAME_RESOLUTIONS,
    OVERLAP_KEYS,
    OVERLAP_POLICIES,
    PACK_KEYS,
    RELATION_KEYS,
    RULE_KEYS,
)

_DESCRIPTIONS: dict[str, str] = {
    "koie": "Rule-file format version.",
    "name": "Name of the pack.",
    "version": "Version of the pack.",
    "description": "What the pack (or rule) is for.",
    "imports": "Other packs whose lexicons, macros and rules this pack uses (paths relative to this file).",
    "overlap": "Overlap policy: one for all labels, or a mapping label -> policy with an optional 'default'; "
    "a policy may be {policy: POLICY, per: args}: only records with the same role values compete.",
    "matches": "'all': the rule's best match at every start position, overlapping "
    "(default 'longest': leftmost-longest matches that do not overlap).",
    "lexicons": "Named word lists, referred to in patterns as @NAME.",
    "macros": "Named sub-patterns, referred to in patterns as $NAME.",
    "rules": "The rules, applied phase by phase (entity rules before the rules that use their labels).",
    "id": "Unique id of the rule.",
    "label": "Label of the records the rule produces; other rules refer to it as [LABEL].",
    "pattern": "The pattern (docs/patterns.md). Use a block scalar (|) for multi-line patterns.",
    "priority": "Higher wins under the 'priority' overlap policy and breaks ties under 'longest'.",
    "output": "false: the rule only feeds later rules (its records are not output unless --all).",
    "attrs": "Attributes set on every record of the rule.",
    "examples": "Sentences the rule must match (with expected captures) and must not match; run by koie test.",
    "entries": "Entries of the lexicon, matched on surface text, spaces ignored.",
    "file": "A UTF-8 file with one entry per line (# starts a comment), relative to the rule file.",
    "analyzer": "Add the entries to the analyser's dictionary with this tag (e.g. NNP), so names are not split.",
    "score": "Score of the added words in the analyser (default 0).",
    "match": "Sentences the rule must match.",
    "no_match": "Sentences the rule must not match.",
    "text": "The example sentence.",
    "captures": "Expected captures: role -> text, or a list of texts for a repeated capture.",
    "mentions": "Per label: resolve each mention's 'name' to the fullest mention of the same entity in the "
    "document (name: fullest) and attach attributes from records of other labels (attach).",
    "dates": "Labels whose records are dates to normalise against the publication date.",
    "carry": "Roles a rule's records take from an earlier record when the clause has none: "
    "role -> {from: [LABEL, ...], sentences: N}.",
    "joins": "Join the event an earlier record opened: the record's missing role takes the people of the latest "
    "record of a 'from' label at most N sentences back: {from: [LABEL, ...], role: ROLE, sentences: N}.",
    "relations": "Per label, who is related to whom in its records: pairs: [[A, B]] relates each A with each B, "
    "all_pairs: [R] every two mentions of R (koie eval and the report's graph follow it).",
    "anaphora": "Per label, records that stand for mentions named earlier (이들, 두 사람): "
    "{refers_to: LABEL, from: [LABEL, ...], sentences: N}.",
}


def _labels() -> dict[str, Any]:
    return {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


def _policy() -> dict[str, Any]:
    name: dict[str, Any] = {"type": "string", "enum": list(OVERLAP_POLICIES)}
    per = {"oneOf": [{"type": "string", "enum": ["args"]}, {"type": "array", "items": {"type": "string"}}]}
    properties: dict[str, Any] = {"policy": name, "per": per}
    assert set(properties) == set(OVERLAP_KEYS)
    return {"oneOf": [name, {"type": "object", "additionalProperties": False, "properties": properties}]}


def pack_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a rule pack."""
    match_example = {
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["text"],
                "properties": {
                    "text": {"type": "string", "description": _DESCRIPTIONS["text"]},
                    "captures": {
                        "type": "object",
                        "description": _DESCRIPTIONS["captures"],
                        "additionalProperties": {
                            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                        },
                    },
                    "match": {"type": "string", "description": "The text the record must span."},
                },
            },
        ]
    }
    rule_properties: dict[str, Any] = {
        "id": {"type": "string"},
        "label": {"type": "string", "pattern": r"^[^\W\d]\w*$"},
        "pattern": {"type": "string", "minLength": 1},
        "priority": {"type": "integer"},
        "output": {"type": "boolean"},
        "attrs": {"type": "object"},
        "matches": {"type": "string", "enum": list(MATCH_MODES)},
        "description": {"type": "string"},
        "carry": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["from"],
                "properties": {
                    "from": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                    "sentences": {"type": "integer", "minimum": 0},
                },
            },
        },
        "joins": {
            "type": "object",
            "additionalProperties": False,
            "required": ["from", "role"],
            "properties": {
                "from": _labels(),
                "role": {"type": "string"},
                "sentences": {"type": "integer", "minimum": 0},
            },
        },
        "examples": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "match": {"type": "array", "items": match_example, "description": _DESCRIPTIONS["match"]},
                "no_match": {"type": "array", "items": {"type": "string"}, "description": _DESCRIPTIONS["no_match"]},
            },
        },
    }
    lexicon_properties: dict[str, Any] = {
        "entries": {"type": "array", "items": {"type": "string"}},
        "file": {"type": "string"},
        "analyzer": {"type": "string", "enum": sorted(KNOWN_TAGS)},
        "score": {"type": "number"},
    }
    pack_properties: dict[str, Any] = {
        "koie": {"type": ["integer", "string"]},
        "name": {"type": "string"},
        "version": {"type": ["string", "number"]},
        "description": {"type": "string"},
        "imports": {"type": "array", "items": {"type": "string"}},
        "overlap": {
            "oneOf": [
                {"type": "string", "enum": list(OVERLAP_POLICIES)},
                {"type": "object", "additionalProperties": _policy()},
            ]
        },
        "lexicons": {
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "object", "additionalProperties": False, "properties": lexicon_properties},
                ]
            },
        },
        "macros": {"type": "object", "additionalProperties": {"type": "string"}},
        "mentions": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "enum": list(NAME_RESOLUTIONS)},
                    "attach": {"type": "object", "additionalProperties": {"type": "string"}},
                    "repeat": {"type": "boolean"},
                },
            },
        },
        "dates": {"type": "array", "items": {"type": "string"}},
        "relations": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "pairs": {
                        "type": "array",
                        "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
                    },
                    "all_pairs": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                },
            },
        },
        "anaphora": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["refers_to"],
                "properties": {
                    "refers_to": {"type": "string"},
                    "from": _labels(),
                    "sentences": {"type": "integer", "minimum": 0},
                },
            },
        },
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "label", "pattern"],
                "properties": rule_properties,
            },
        },
    }
    for table, keys in ((pack_properties, PACK_KEYS), (rule_properties, RULE_KEYS), (lexicon_properties, LEXICON_KEYS)):
        for key in keys:
            table.setdefault(key, {})
            if key in _DESCRIPTIONS:
                table[key].setdefault("description", _DESCRIPTIONS[key])
    assert set(rule_properties["examples"]["properties"]) == set(EXAMPLE_KEYS)
    assert set(rule_properties["carry"]["additionalProperties"]["properties"]) == set(CARRY_KEYS)
    assert set(rule_properties["joins"]["properties"]) == set(JOIN_KEYS)
    assert set(pack_properties["relations"]["additionalProperties"]["properties"]) == set(RELATION_KEYS)
    assert set(pack_properties["anaphora"]["additionalProperties"]["properties"]) == set(ANAPHORA_KEYS)
    assert set(pack_properties["mentions"]["additionalProperties"]["properties"]) == set(MENTION_KEYS)
    assert set(match_example["oneOf"][1]["properties"]) == set(MATCH_EXAMPLE_KEYS)  # type: ignore[index]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://koie.invalid/schema/koie-pack.schema.json",
        "title": "koie rule pack",
        "type": "object",
        "additionalProperties": False,
        "properties": pack_properties,
    }
