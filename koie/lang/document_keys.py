"""Reading the keys that say how records compete and are completed: ``overlap``, ``mentions``,
``relations``, ``anaphora`` (pack), ``carry`` and ``joins`` (rule).

:mod:`koie.lang.load` reads the rest of a pack and calls these where the keys
are; they report their problems like every other key (file:line:col, the bad
value, a fix) and return typed specs (:mod:`koie.lang.spec`). The engine applies
the specs after matching (:mod:`koie.engine.relations`, :mod:`koie.engine.frames`,
:mod:`koie.engine.anaphora`); the roles of ``relations:`` are checked by the
resolver (:mod:`koie.lang.resolve`), where the roles each rule fills are known.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

import yaml

from koie.errors import Diagnostic, SourceText, did_you_mean
from koie.lang.spec import (
    ANAPHORA_KEYS,
    CARRY_KEYS,
    JOIN_KEYS,
    MENTION_KEYS,
    NAME_RESOLUTIONS,
    OVERLAP_KEYS,
    OVERLAP_POLICIES,
    RELATION_KEYS,
    AnaphoraSpec,
    CarrySpec,
    JoinSpec,
    MentionSettings,
    OverlapGrouping,
    OverlapPolicy,
    OverlapSpec,
    PackSpec,
    RelationSpec,
    RoleName,
)
from koie.lang.yamlfile import Place, scalar_value


class KeyReader(Protocol):
    """What reading these keys needs of the reader of a pack's file (koie.lang.load)."""

    source: SourceText
    out: list[Diagnostic]

    def place(self, node: yaml.Node, length: int = 1) -> Place: ...
    def shown(self, node: yaml.Node) -> str: ...
    def expect(self, node: yaml.Node, kind: type[yaml.Node], what: str) -> bool: ...
    def keys(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]: ...
    def name_of(self, key: yaml.Node, what: str) -> str | None: ...
    def scalar(self, node: yaml.Node, what: str) -> str | None: ...
    def whole_number(self, node: yaml.Node) -> int | None: ...
    def label_reference(self, node: yaml.Node, label: str, where: str) -> None: ...


def read_document_keys(
    reader: KeyReader, keys: Mapping[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[dict[str, RelationSpec], dict[str, AnaphoraSpec]]:
    """The pack's ``relations:`` and ``anaphora:`` (empty when the keys are absent)."""
    relations = read_relations(reader, keys["relations"][1]) if "relations" in keys else {}
    anaphora = read_anaphora(reader, keys["anaphora"][1]) if "anaphora" in keys else {}
    return relations, anaphora


def _labels(reader: KeyReader, node: yaml.Node, what: str, where: str) -> list[str]:
    """A label or a list of labels (``from: MEETING`` or ``from: [MEETING, EVENT]``), each a label reference."""
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    labels: list[str] = []
    for item in items:
        label = reader.scalar(item, what)
        if label:
            labels.append(label)
            reader.label_reference(item, label, where)
    return labels


def _sentences(reader: KeyReader, node: yaml.Node, rule_id: str | None) -> int | None:
    """``sentences: N``, how far back to look: a whole number, 0 or more (None after a diagnostic)."""
    given = reader.whole_number(node)
    hint = "how many sentences back to look: 0 means the same sentence only"
    if given is None:
        reader.out.append(
            reader.place(node).diagnostic(
                "E004",
                "sentences must be a whole number",
                1,
                value=reader.shown(node),
                rule=rule_id,
                suggestion=hint,
            )
        )
        return None
    if given < 0:
        reader.out.append(
            reader.place(node).diagnostic(
                "E014", "sentences must be 0 or more", 1, value=str(given), rule=rule_id, suggestion=hint
            )
        )
        return None
    return given


def _role(reader: KeyReader, node: yaml.Node, what: str) -> RoleName | None:
    role = reader.scalar(node, what)
    if not role:
        return None
    return RoleName(role, reader.place(node, len(role)))


def read_relations(reader: KeyReader, node: yaml.Node) -> dict[str, RelationSpec]:
    """``relations: {LABEL: {pairs: [[ROLE, ROLE], ...], all_pairs: [ROLE, ...]}}``."""
    relations: dict[str, RelationSpec] = {}
    if not reader.expect(node, yaml.MappingNode, "relations"):
        return relations
    assert isinstance(node, yaml.MappingNode)
    pair_hint = "write pairs as a list of [ROLE, ROLE] lists, e.g. 'pairs: [[subject, object]]'"
    for key, value in node.value:
        label = reader.name_of(key, "a label under relations")
        if label is None:
            continue
        reader.label_reference(key, label, "relations")
        if not reader.expect(value, yaml.MappingNode, f"relations of {label}"):
            continue
        assert isinstance(value, yaml.MappingNode)
        keys = reader.keys(value, RELATION_KEYS, "relations")
        named: list[RoleName] = []
        pairs: list[tuple[str, str]] = []
        pairs_node = keys["pairs"][1] if "pairs" in keys else None
        if pairs_node is not None and reader.expect(pairs_node, yaml.SequenceNode, "pairs"):
            assert isinstance(pairs_node, yaml.SequenceNode)
            if pairs_node.value and not any(isinstance(item, yaml.SequenceNode) for item in pairs_node.value):
                # pairs: [subject, object], one pair written flat
                written = reader.source.text[pairs_node.start_mark.index : pairs_node.end_mark.index]
                reader.out.append(
                    reader.place(pairs_node).diagnostic(
                        "E004",
                        "pairs must be a list of pairs, each a list of two roles",
                        max(len(written), 1),
                        value=written,
                        suggestion=f"write 'pairs: [{written}]'" if written.startswith("[") else pair_hint,
                    )
                )
            for item in pairs_node.value if any(isinstance(i, yaml.SequenceNode) for i in pairs_node.value) else ():
                if not isinstance(item, yaml.SequenceNode) or len(item.value) != 2:
                    reader.out.append(
                        reader.place(item).diagnostic(
                            "E004",
                            "a pair must be a list of two roles",
                            max(item.end_mark.index - item.start_mark.index, 1),
                            value=reader.shown(item),
                            suggestion=pair_hint,
                        )
                    )
                    continue
                first, second = (_role(reader, role, "a role of a pair") for role in item.value)
                if first is not None and second is not None:
                    pairs.append((first.role, second.role))
                    named += [first, second]
        all_pairs: list[str] = []
        if "all_pairs" in keys:
            group = keys["all_pairs"][1]
            for item in group.value if isinstance(group, yaml.SequenceNode) else [group]:
                role = _role(reader, item, "a role under all_pairs")
                if role is not None:
                    all_pairs.append(role.role)
                    named.append(role)
        if not pairs and not all_pairs and not any(k in keys for k in RELATION_KEYS):
            reader.out.append(
                reader.place(key).diagnostic(
                    "E003",
                    f"relation {label!r} names no roles",
                    len(label),
                    value=label,
                    suggestion="add 'pairs: [[subject, object]]' and/or 'all_pairs: [participants]'",
                )
            )
            continue
        pairs_once, groups_once = tuple(dict.fromkeys(pairs)), tuple(dict.fromkeys(all_pairs))
        relations[label] = RelationSpec(label, pairs_once, groups_once, tuple(named))
    return relations


def _label_settings(
    reader: KeyReader, node: yaml.Node, what: str, allowed: tuple[str, ...]
) -> Iterator[tuple[str, yaml.Node, dict[str, tuple[yaml.Node, yaml.Node]]]]:
    """Each ``LABEL: {key: value, ...}`` of a pack key (``mentions``, ``anaphora``): the label, its key's
    node (for diagnostics) and its keys, checked."""
    if not reader.expect(node, yaml.MappingNode, what):
        return
    assert isinstance(node, yaml.MappingNode)
    for key, value in node.value:
        label = reader.name_of(key, f"a label under {what}")
        if label is None:
            continue
        reader.label_reference(key, label, what)
        if not reader.expect(value, yaml.MappingNode, f"{what} of {label}"):
            continue
        assert isinstance(value, yaml.MappingNode)
        yield label, key, reader.keys(value, allowed, what)


def read_anaphora(reader: KeyReader, node: yaml.Node) -> dict[str, AnaphoraSpec]:
    """``anaphora: {LABEL: {refers_to: LABEL, from: [LABEL, ...], sentences: N}}``."""
    settings: dict[str, AnaphoraSpec] = {}
    for label, key, keys in _label_settings(reader, node, "anaphora", ANAPHORA_KEYS):
        refers_to = None
        if "refers_to" in keys:
            refers_to = reader.scalar(keys["refers_to"][1], "refers_to")
            if refers_to:
                reader.label_reference(keys["refers_to"][1], refers_to, f"anaphora: {label}: refers_to")
        else:
            reader.out.append(
                reader.place(key).diagnostic(
                    "E003",
                    f"anaphora of {label!r} says not what its records stand for",
                    len(label),
                    value=label,
                    suggestion="add 'refers_to: PERSON': the label of the mentions an anaphor stands for",
                )
            )
        sources = (
            _labels(reader, keys["from"][1], "a label to resolve from", f"anaphora: {label}: from")
            if "from" in keys
            else []
        )
        sentences = 1
        if "sentences" in keys:
            given = _sentences(reader, keys["sentences"][1], None)
            sentences = sentences if given is None else given
        if not refers_to:
            continue
        settings[label] = AnaphoraSpec(label, refers_to, tuple(dict.fromkeys(sources)), sentences)
    return settings


def read_joins(reader: KeyReader, node: yaml.Node, rule_id: str) -> JoinSpec | None:
    """A rule's ``joins: {from: [LABEL, ...], role: ROLE, sentences: N}``."""
    if not reader.expect(node, yaml.MappingNode, "joins"):
        return None
    assert isinstance(node, yaml.MappingNode)
    keys = reader.keys(node, JOIN_KEYS, "joins")
    sources = _labels(reader, keys["from"][1], "a label to join", f"joins of rule {rule_id}") if "from" in keys else []
    role = _role(reader, keys["role"][1], "role") if "role" in keys else None
    for missing, present, hint in (
        ("from", sources, "add 'from: [LABEL]': the labels whose records open a frame"),
        ("role", role, "add 'role: subject': the role that receives the frame's people"),
    ):
        if not present and missing not in keys:
            reader.out.append(
                reader.place(node).diagnostic(
                    "E003", f"joins of rule {rule_id!r} has no {missing!r}", 1, rule=rule_id, suggestion=hint
                )
            )
    sentences = 1
    if "sentences" in keys:
        given = _sentences(reader, keys["sentences"][1], rule_id)
        sentences = sentences if given is None else given
    if not sources or role is None:
        return None
    return JoinSpec(tuple(dict.fromkeys(sources)), role.role, sentences)


# ------------------------------------------------------------------ with the resolver


def filled_roles(spec: PackSpec, captures: Mapping[str, tuple[str, ...]], label: str) -> set[str]:
    """The roles records of ``label`` can have: the captures of its rules, and the roles they carry or join.

    ``captures``: rule id -> the rule's capture names.
    """
    roles: set[str] = set()
    for rule in spec.rules:
        if rule.label != label:
            continue
        roles.update(captures.get(rule.id, ()))
        roles.update(setting.role for setting in rule.carry)
        if rule.joins is not None:
            roles.add(rule.joins.role)
    return roles


def read_mentions(reader: KeyReader, node: yaml.Node) -> dict[str, MentionSettings]:
    """``mentions: {LABEL: {name: fullest, attach: {attribute: LABEL}, repeat: true}}``."""
    settings: dict[str, MentionSettings] = {}
    for label, _key, keys in _label_settings(reader, node, "mentions", MENTION_KEYS):
        repeat = False
        if "repeat" in keys:
            given = scalar_value(keys["repeat"][1]) if isinstance(keys["repeat"][1], yaml.ScalarNode) else None
            if isinstance(given, bool):
                repeat = given
            else:
                reader.out.append(
                    reader.place(keys["repeat"][1]).diagnostic(
                        "E004",
                        "repeat must be true or false",
                        1,
                        value=reader.shown(keys["repeat"][1]),
                        suggestion="write 'repeat: true' to count other mentions of a found entity",
                    )
                )
        name = None
        if "name" in keys:
            how = reader.scalar(keys["name"][1], "name")
            name = next((n for n in NAME_RESOLUTIONS if n == how), None)
            if how is not None and name is None:
                reader.out.append(
                    reader.place(keys["name"][1]).diagnostic(
                        "E214",
                        f"unknown name resolution {how!r}",
                        len(how or "?"),
                        value=how,
                        suggestion="use 'name: fullest'",
                    )
                )
        attach: dict[str, str] = {}
        if "attach" in keys and reader.expect(keys["attach"][1], yaml.MappingNode, "attach"):
            attach_node = keys["attach"][1]
            assert isinstance(attach_node, yaml.MappingNode)
            for attribute_node, source in attach_node.value:
                attribute = reader.name_of(attribute_node, "an attribute under attach")
                if attribute is None:
                    continue
                source_label = reader.scalar(source, f"the label attached as {attribute}")
                if source_label:
                    attach[attribute] = source_label
                    reader.label_reference(source, source_label, f"mentions: {label}: attach: {attribute}")
        settings[label] = MentionSettings(name, attach, repeat)
    return settings


def read_carry(reader: KeyReader, node: yaml.Node, rule_id: str) -> tuple[CarrySpec, ...]:
    """``carry: {role: {from: [LABEL, ...], sentences: n}}``."""
    settings: list[CarrySpec] = []
    if not reader.expect(node, yaml.MappingNode, "carry"):
        return ()
    assert isinstance(node, yaml.MappingNode)
    for key, value in node.value:
        role = reader.name_of(key, "a role under carry")
        if role is None or not reader.expect(value, yaml.MappingNode, f"carry of {role}"):
            continue
        assert isinstance(value, yaml.MappingNode)
        keys = reader.keys(value, CARRY_KEYS, "carry")
        labels = (
            _labels(reader, keys["from"][1], "a label to carry from", f"carry: {role} of rule {rule_id}")
            if "from" in keys
            else []
        )
        if not labels:
            reader.out.append(
                reader.place(value).diagnostic(
                    "E003",
                    f"carry of {role!r} says nowhere to carry from",
                    1,
                    value=role,
                    rule=rule_id,
                    suggestion="add 'from: [LABEL]': the labels whose latest record supplies the role",
                )
            )
            continue
        sentences = 1
        if "sentences" in keys:
            given = _sentences(reader, keys["sentences"][1], rule_id)
            sentences = sentences if given is None else given
        settings.append(CarrySpec(role, tuple(labels), sentences))
    return tuple(settings)


def read_overlap(reader: KeyReader, node: yaml.Node) -> OverlapSpec:
    """``overlap: POLICY`` or ``overlap: {LABEL: POLICY, default: POLICY}``; a label's (or the default's)
    policy may be a mapping ``{policy: POLICY, per: args}`` or ``{per: [role, ...]}``."""
    pairs: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.ScalarNode):
        pairs.append(("default", node))
    elif reader.expect(node, yaml.MappingNode, "overlap"):
        assert isinstance(node, yaml.MappingNode)
        pairs.extend((name, v) for k, v in node.value if (name := reader.name_of(k, "a label under overlap")))
    default: OverlapPolicy | None = None
    labels: dict[str, OverlapPolicy] = {}
    per: dict[str, OverlapGrouping] = {}
    per_places: dict[str, tuple[Place, ...]] = {}
    for label, value in pairs:
        if isinstance(value, yaml.MappingNode):
            keys = reader.keys(value, OVERLAP_KEYS, "overlap")
            if "per" in keys:
                per_node = keys["per"][1]
                grouping = _overlap_grouping(reader, per_node)
                if grouping is not None:
                    per[label] = grouping
                    if isinstance(per_node, yaml.SequenceNode):
                        per_places[label] = tuple(
                            reader.place(item, len(reader.shown(item))) for item in per_node.value
                        )
            if "policy" not in keys:
                continue
            value = keys["policy"][1]
        given = reader.scalar(value, "an overlap policy")
        if given is None:
            continue
        policy = next((p for p in OVERLAP_POLICIES if p == given), None)
        if policy is None:
            reader.out.append(
                reader.place(value).diagnostic(
                    "E213",
                    f"unknown overlap policy {given!r}",
                    len(given),
                    value=given,
                    suggestion=did_you_mean(given, OVERLAP_POLICIES) or f"use one of {', '.join(OVERLAP_POLICIES)}",
                )
            )
        elif label == "default":
            default = policy
        else:
            labels[label] = policy
    return OverlapSpec(default, labels, per, per_places)


def _overlap_grouping(reader: KeyReader, node: yaml.Node) -> OverlapGrouping | None:
    """``per: args`` or ``per: [role, ...]``."""
    hint = "write 'per: args' (records compete when every role has the same text) or 'per: [role, ...]'"
    if isinstance(node, yaml.SequenceNode):
        roles = [reader.scalar(item, "a role under per") for item in node.value]
        if roles and all(roles):
            return tuple(role for role in roles if role)
    elif isinstance(node, yaml.ScalarNode) and scalar_value(node) == "args":
        return "args"
    reader.out.append(
        reader.place(node).diagnostic(
            "E004", "per must be 'args' or a list of roles", 1, value=reader.shown(node), suggestion=hint
        )
    )
    return None
