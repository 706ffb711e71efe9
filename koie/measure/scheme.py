"""How ``koie eval`` maps records to gold keys: the scoring scheme, from options or from a small file.

Without a file, one gold key (``--gold-key``, default ``meetings``) holds the
pairs of one label (``--label``) whose records have one status (``--status``).
A gold format with several keys, each for a label and a status, is described
in a scheme file (``koie eval --scheme FILE``), YAML or JSON::

    # directed pairs with status, as ../shared/corpus/realdeals/gold.jsonl holds them
    directed: true                    # pairs compared in order (as --directed)
    names: {ignore_parentheses: true} # 아울바이오(AULBIO) is 아울바이오
    optional: optional                # the gold field of pairs that count neither way
    keys:
      acq_asserted: {label: ACQUISITION, status: asserted}
      acq_planned:  {label: ACQUISITION, status: planned}
      appointments: {label: APPOINTMENT, status_not: [negated]}
      investments:  {label: INVESTMENT, roles: [investor, investee]}

A key counts the records of its ``label`` whose ``attrs.status`` is ``status``
(a value or a list), or is not one of ``status_not``, or any status when it
names neither; a record without a status counts only for keys that name no
``status``. ``roles`` (``[A, B]`` for pairs A → B, ``[R]`` for every two
mentions of R) overrides the pack's ``relations:`` for the key. Precision,
recall and F1 are micro-averaged over every (key, pair) of every document.

>>> keys = default_scheme("meetings", "MEETING", "asserted").keys
>>> [(k.key, k.label, k.statuses, k.counts_missing) for k in keys]
[('meetings', 'MEETING', ('asserted',), True)]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from koie.errors import Diagnostic, KoieError, SourceText, did_you_mean
from koie.lang.spec import RelationSpec

SCHEME_KEYS = ("directed", "names", "optional", "keys")
GOLD_KEY_KEYS = ("label", "status", "status_not", "roles")
NAMES_KEYS = ("ignore_parentheses",)


@dataclass(frozen=True, slots=True)
class GoldKey:
    """One gold field and the records that count for it."""

    key: str
    label: str
    #: the statuses that count (None: any)
    statuses: tuple[str, ...] | None = None
    #: statuses that do not count
    excluded: tuple[str, ...] = ()
    #: whether a record without a status counts
    counts_missing: bool = True
    #: who is related to whom (None: the pack's relation for the label)
    relation: RelationSpec | None = None
    #: where a scheme file names things: ("key" | "label" | "status:VALUE" | "role:VALUE", offset)
    places: tuple[tuple[str, int], ...] = ()

    def offset(self, what: str) -> int:
        """Where the scheme file names ``what`` (``label``, ``status:planned``…); -1 when options gave it."""
        return next((offset for name, offset in self.places if name == what), -1)

    def counts(self, status: Any) -> bool:
        """Whether a record with ``attrs.status`` ``status`` (None: without one) counts for the key.

        >>> GoldKey("k", "L", ("asserted",), counts_missing=False).counts(None)
        False
        """
        if status is None:
            return self.counts_missing
        if status in self.excluded:
            return False
        return self.statuses is None or status in self.statuses


@dataclass(frozen=True, slots=True)
class Scheme:
    keys: tuple[GoldKey, ...]
    optional: str = "optional"
    directed: bool = False
    ignore_parentheses: bool = False
    #: the file it was read from (None: from options)
    source: SourceText | None = None

    def diagnostic(self, offset: int, message: str, value: str, hint: str) -> Diagnostic:
        """E407 at ``offset`` of the scheme file (a message without a place for options)."""
        if self.source is None or offset < 0:
            return Diagnostic("E407", message, value=value, suggestion=hint)
        return self.source.diagnostic("E407", message, offset, max(len(value), 1), value=value, suggestion=hint)


def default_scheme(
    gold_key: str, label: str, status: str, relation: RelationSpec | None = None, directed: bool = False
) -> Scheme:
    """One key: ``label``'s records with ``status`` (records without one count too), as the options say."""
    return Scheme((GoldKey(gold_key, label, (status,), (), True, relation),), directed=directed)


def relation_of_roles(label: str, roles: tuple[str, ...]) -> RelationSpec:
    """``[A, B]`` → pairs A → B; ``[R]`` → every two mentions of R.

    >>> relation_of_roles("X", ("a", "b")).pairs, relation_of_roles("X", ("p",)).all_pairs
    ((('a', 'b'),), ('p',))
    """
    if len(roles) == 2:
        return RelationSpec(label, ((roles[0], roles[1]),), ())
    return RelationSpec(label, (), (roles[0],))


class _SchemeReader:
    def __init__(self, source: SourceText) -> None:
        self.source = source
        self.problems: list[Diagnostic] = []

    def problem(self, node: yaml.Node, message: str, hint: str) -> None:
        length = max(node.end_mark.index - node.start_mark.index, 1) if isinstance(node, yaml.ScalarNode) else 1
        value = str(node.value) if isinstance(node, yaml.ScalarNode) else None
        self.problems.append(
            self.source.diagnostic("E407", message, node.start_mark.index, length, value=value, suggestion=hint)
        )

    def mapping(self, node: yaml.Node, allowed: tuple[str, ...], what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping", f"keys of {what}: {', '.join(allowed)}")
            return {}
        found: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            if name not in allowed:
                self.problem(
                    key, f"unknown key {name!r} in {what}", did_you_mean(name, allowed) or f"keys: {', '.join(allowed)}"
                )
                continue
            found[name] = value
        return found

    def text(self, node: yaml.Node, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and str(node.value).strip():
            return str(node.value)
        self.problem(node, f"{what} must be a text", f"write {what} as one word")
        return None

    def texts(self, node: yaml.Node, what: str) -> tuple[str, ...] | None:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        found = [self.text(item, what) for item in items]
        return tuple(t for t in found if t is not None) if all(t is not None for t in found) and found else None

    def flag(self, node: yaml.Node, what: str) -> bool:
        if isinstance(node, yaml.ScalarNode) and str(node.value).lower() in ("true", "false"):
            return str(node.value).lower() == "true"
        self.problem(node, f"{what} must be true or false", f"write '{what}: true'")
        return False

    def read(self, root: yaml.Node) -> Scheme | None:
        top = self.mapping(root, SCHEME_KEYS, "the scheme")
        directed = self.flag(top["directed"], "directed") if "directed" in top else False
        ignore = False
        if "names" in top:
            names = self.mapping(top["names"], NAMES_KEYS, "names")
            if "ignore_parentheses" in names:
                ignore = self.flag(names["ignore_parentheses"], "ignore_parentheses")
        optional = (self.text(top["optional"], "optional") or "optional") if "optional" in top else "optional"
        keys: list[GoldKey] = []
        if "keys" not in top:
            if isinstance(root, yaml.MappingNode):
                self.problem(root, "the scheme has no 'keys'", "add 'keys: {GOLD_FIELD: {label: LABEL, status: ...}}'")
            return None
        if not isinstance(top["keys"], yaml.MappingNode):
            self.problem(top["keys"], "keys must be a mapping", "keys: {GOLD_FIELD: {label: LABEL, status: ...}}")
            return None
        for key_node, value in top["keys"].value:
            name = self.text(key_node, "a gold key")
            settings = self.mapping(value, GOLD_KEY_KEYS, f"key {name}")
            if name is None:
                continue
            if "label" not in settings:
                self.problem(key_node, f"key {name!r} has no label", "add 'label: LABEL': the records it counts")
                continue
            label = self.text(settings["label"], "label")
            statuses = self.texts(settings["status"], "a status") if "status" in settings else None
            excluded = self.texts(settings["status_not"], "a status") if "status_not" in settings else ()
            relation = None
            places = [("key", key_node.start_mark.index)]
            places += [("label", settings["label"].start_mark.index)]
            for what in ("status", "status_not", "roles"):
                if what in settings:
                    node = settings[what]
                    for item in node.value if isinstance(node, yaml.SequenceNode) else [node]:
                        kind = "role" if what == "roles" else "status"
                        places.append((f"{kind}:{item.value}", item.start_mark.index))
            if "roles" in settings:
                roles = self.texts(settings["roles"], "a role")
                if roles is not None and len(roles) not in (1, 2):
                    hint = "[A, B]: A → B; [R]: every two of R"
                    self.problem(settings["roles"], "roles must be one role or two", hint)
                elif roles is not None and label is not None:
                    relation = relation_of_roles(label, roles)
            if label is not None:
                keys.append(GoldKey(name, label, statuses, excluded or (), statuses is None, relation, tuple(places)))
        return Scheme(tuple(keys), optional, directed, ignore, self.source)


def read_scheme(path: str | Path) -> Scheme:
    """A scheme file; raises :class:`KoieError` (E407, with file:line:col) listing every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KoieError(
            [Diagnostic("E407", f"cannot read scheme file: {error}", file=str(path), suggestion=_HINT)]
        ) from None
    source = SourceText.of(str(path), text)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        offset = mark.index if mark is not None else 0
        raise KoieError([source.diagnostic("E407", f"not YAML: {error}", offset, suggestion=_HINT)]) from None
    if root is None:
        raise KoieError([Diagnostic("E407", "the scheme file is empty", file=str(path), suggestion=_HINT)])
    reader = _SchemeReader(source)
    scheme = reader.read(root)
    if reader.problems or scheme is None:
        raise KoieError(reader.problems)
    return scheme


_HINT = "a YAML mapping: keys: {GOLD_FIELD: {label: LABEL, status: STATUS}} (docs/eval.md)"
