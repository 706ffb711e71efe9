"""Rule files (YAML) → :class:`PackSpec`, with a file position for every value.

YAML is composed with the safe loader, never constructed, so every scalar
keeps its marks and no tag can run code: anything but the plain YAML types is
refused (E008). Imports are resolved relative to the importing file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from koie.errors import Diagnostic, KoieError, SourceText, did_you_mean

PACK_KEYS = (
    "koie",
    "name",
    "version",
    "description",
    "imports",
    "overlap",
    "lexicons",
    "macros",
    "rules",
    "mentions",
    "dates",
)
RULE_KEYS = ("id", "label", "pattern", "priority", "output", "attrs", "examples", "description", "carry")
#: Keys of one label under the pack's ``mentions:`` (see koie/engine/mentions.py).
MENTION_KEYS = ("name", "attach", "repeat")
#: Keys of one role under a rule's ``carry:`` (see koie/engine/mentions.py).
CARRY_KEYS = ("from", "sentences")
LEXICON_KEYS = ("entries", "file", "analyzer", "score")
EXAMPLE_KEYS = ("match", "no_match")
MATCH_EXAMPLE_KEYS = ("text", "captures", "match")
OVERLAP_POLICIES = ("longest", "priority", "all")

_SAFE_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map")}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a value sits in a rule file."""

    source: SourceText
    offset: int
    #: characters the value takes in the file (for the caret)
    length: int = 1

    def diagnostic(self, code: str, message: str, length: int = 1, **extra: Any) -> Diagnostic:
        return self.source.diagnostic(code, message, self.offset, length, **extra)

    @property
    def line(self) -> int:
        return self.source.position(self.offset)[0]

    @property
    def where(self) -> str:
        return f"{self.source.name}:{self.line}"


@dataclass(frozen=True, slots=True)
class PatternText:
    """A pattern string and, for each of its characters, its offset in the file."""

    text: str
    place: Place
    offsets: tuple[int, ...]

    def diagnostic(self, code: str, message: str, offset: int, length: int = 1, **extra: Any) -> Diagnostic:
        if not self.offsets:
            return self.place.diagnostic(code, message, length, **extra)
        offset = min(max(offset, 0), len(self.offsets) - 1)
        end = min(offset + max(length, 1), len(self.offsets)) - 1
        file_length = max(self.offsets[end] - self.offsets[offset] + 1, 1)
        return self.place.source.diagnostic(code, message, self.offsets[offset], file_length, **extra)


@dataclass(frozen=True, slots=True)
class LexiconSpec:
    name: str
    entries: tuple[str, ...]
    analyzer_tag: str | None
    score: float
    place: Place


@dataclass(frozen=True, slots=True)
class MacroSpec:
    name: str
    pattern: PatternText


@dataclass(frozen=True, slots=True)
class MatchExample:
    text: str
    captures: dict[str, Any] | None
    expected_text: str | None
    place: Place


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    label: str
    pattern: PatternText
    priority: int
    output: bool
    attrs: dict[str, Any]
    match_examples: tuple[MatchExample, ...]
    no_match_examples: tuple[tuple[str, Place], ...]
    place: Place
    description: str = ""
    #: role -> {"from": (labels...), "sentences": n}: fill a missing role from earlier records
    carry: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return self.place.where


@dataclass(frozen=True, slots=True)
class PackSpec:
    """A rule pack with its imports merged in (imported rules come first)."""

    name: str
    version: str
    description: str
    file: str
    lexicons: tuple[LexiconSpec, ...]
    macros: tuple[MacroSpec, ...]
    rules: tuple[RuleSpec, ...]
    overlap: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    #: label -> {"name": "fullest", "attach": {attribute: label}} (koie/engine/mentions.py)
    mentions: dict[str, Any] = field(default_factory=dict)
    #: labels whose records get a normalised date (koie/engine/dates.py)
    dates: tuple[str, ...] = ()
    #: every label named under mentions, dates and carry: (label, what names it, where), checked at load
    label_references: tuple[tuple[str, str, Place], ...] = ()


class _Collector:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)


def _scalar_offsets(source: SourceText, node: yaml.ScalarNode) -> tuple[int, ...]:
    """Align each character of a scalar's value to a character of the file.

    YAML strips indentation, folds lines and unescapes quotes, so the value is
    matched greedily against the raw text: equal characters pair up and any
    whitespace in the value pairs with the next whitespace in the file.
    """
    raw_start, raw_end = node.start_mark.index, node.end_mark.index
    raw = source.text
    position = raw_start
    if node.style in ("|", ">"):
        newline = raw.find("\n", raw_start)
        position = raw_end if newline < 0 else newline + 1
    elif node.style in ('"', "'"):
        position = raw_start + 1
    offsets: list[int] = []
    for char in node.value:
        probe = position
        while probe < raw_end and not (raw[probe] == char or (char.isspace() and raw[probe].isspace())):
            if char.isspace():
                break
            probe += 1
        if probe >= raw_end or not (raw[probe] == char or (char.isspace() and raw[probe].isspace())):
            offsets.append(min(position, max(raw_end - 1, raw_start)))
            continue
        offsets.append(probe)
        position = probe + 1
        if char.isspace():
            while position < raw_end and raw[position] in " \t" and node.style in ("|", ">", None, ""):
                # indentation after a folded line break belongs to no value character
                if raw[position - 1] == "\n":
                    position += 1
                else:
                    break
    return tuple(offsets)


def _check_tags(node: yaml.Node, source: SourceText, out: _Collector) -> None:
    if node.tag not in _SAFE_TAGS:
        place = Place(source, node.start_mark.index)
        out.add(
            place.diagnostic(
                "E008",
                f"YAML tag {node.tag!r} is not allowed in a rule pack",
                1,
                value=node.tag,
                suggestion="rule packs are data: remove the tag",
            )
        )
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            _check_tags(key, source, out)
            _check_tags(value, source, out)
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    first = seen[key.value]
                    out.add(
                        Place(source, key.start_mark.index).diagnostic(
                            "E011",
                            f"key {key.value!r} appears twice in one mapping",
                            len(key.value),
                            value=key.value,
                            suggestion=f"first given on line {first.start_mark.line + 1}; keep one",
                        )
                    )
                seen[key.value] = key
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_tags(item, source, out)


def _plain(node: yaml.Node) -> Any:
    """A node's value as plain Python (scalars resolved the safe way)."""
    # Tags were checked by _check_tags, so the safe constructor only builds
    # plain scalars, lists and mappings here.
    return _CONSTRUCTOR.construct_object(node, deep=True)


_CONSTRUCTOR = yaml.SafeLoader("")


#: Characters that YAML reads specially at the start of a plain value.
_YAML_INDICATORS = "[]{}@`!&*|>%"
_KEY_LINE = re.compile(r"^(?P<indent>[ ]*)(?P<dash>-[ ]+)?(?P<key>[^\s:#'\"][^:#]*?):(?:[ ]+(?P<value>\S.*))?$")


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous_line(source: SourceText, line: int) -> tuple[int, str] | None:
    """The nearest line above 1-based ``line`` that holds something."""
    for number in range(line - 1, 0, -1):
        text = source.line(number)
        if text.strip() and not text.strip().startswith("#"):
            return number, text
    return None


def _spaces(count: int) -> str:
    return f"{count} space{'s' * (count != 1)}"


def _yaml_error(source: SourceText, error: yaml.YAMLError) -> Diagnostic:
    """A YAML syntax error in words a rule writer can act on, with the caret on the cause.

    PyYAML reports where it gave up, which is often after the cause: the end
    of the file for an unclosed quote, a ':' for a line indented too far.
    The common mistakes are recognised and pointed at where they were made.
    """
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None) or ""
    mark = problem_mark or context_mark
    if mark is None:
        return Diagnostic(
            "E001", f"YAML syntax error: {problem}", file=source.name, suggestion="check the indentation and quotes"
        )
    offset = min(mark.index, len(source.text))
    line_number, _col = source.position(offset)
    line = source.line(line_number)
    length = 1
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    hint = "check the indentation and quotes on this line and the one above"
    key_match = _KEY_LINE.match(line)
    value = key_match.group("value") if key_match else None
    if "end of stream" in problem and "quoted scalar" in context and context_mark is not None:
        offset = context_mark.index
        quote = source.text[offset : offset + 1]
        message = f"YAML syntax error: the quote {quote} opened here is never closed"
        hint = (
            f"add the closing {quote} at the end of the value, or write a long pattern as a block: "
            "'pattern: |' with the pattern on the lines below"
        )
    elif "'\\t'" in problem or source.text[offset : offset + 1] == "\t":
        message = "YAML syntax error: a tab character where YAML expects spaces"
        hint = "YAML indentation must use spaces, not tabs: replace the tab with spaces"
    elif value and value[0] in _YAML_INDICATORS and mark.line + 1 == line_number:
        assert key_match is not None
        offset = source.line_starts[line_number - 1] + key_match.start("value")
        length = len(value.rstrip())
        key = key_match.group("key")
        what = {
            "[": "a list",
            "{": "a mapping",
            "|": "a block",
            ">": "a block",
            "!": "a tag",
            "&": "an anchor",
            "*": "an alias",
            "%": "a directive",
        }.get(value[0], "a reserved character")
        message = f"YAML syntax error: the value of {key!r} starts with {value[0]!r}, which YAML reads as {what}"
        hint = (
            f"quote the whole value: {key}: '{value.rstrip()}'"
            if "'" not in value
            else f'quote the whole value: {key}: "{value.rstrip()}"'
        )
    elif ("mapping values are not allowed" in problem or "expected <block end>" in problem) and key_match:
        colon = source.line_starts[line_number - 1] + key_match.end("key")
        previous = _previous_line(source, line_number)
        if (
            previous is not None
            and (offset <= colon or "expected <block end>" in problem)
            and _indent_of(line) != _indent_of(previous[1])
            and not previous[1].rstrip().endswith(":")
        ):
            indent, before = _indent_of(line), _indent_of(previous[1])
            offset = source.line_starts[line_number - 1] + (len(key_match.group("dash") or "") + indent)
            length = len(key_match.group("key"))
            key = key_match.group("key")
            message = (
                f"YAML syntax error: {key!r} is indented by {_spaces(indent)}, but the line above by {_spaces(before)}"
            )
            above = _KEY_LINE.match(previous[1])
            hint = (
                f"align {key + ':'!r} with {above.group('key') + ':'!r} on line {previous[0]}"
                if above
                else f"indent {key + ':'!r} like line {previous[0]}"
            )
        elif "mapping values are not allowed" in problem:
            message = "YAML syntax error: a value contains ': ', which YAML reads as a new key"
            hint = "quote the whole value (patterns with captures often need quotes), or use 'pattern: |'"
    return source.diagnostic("E001", message, offset, max(length, 1), suggestion=hint)


class _PackReader:
    """Reads one file's YAML into specs, collecting every diagnostic."""

    def __init__(self, source: SourceText, out: _Collector) -> None:
        self.source = source
        self.out = out
        self.rule_nodes = 0  # rules written, whether or not they were read without error
        #: labels named under mentions, dates and carry, checked once the whole pack is read (imports too)
        self.label_references: list[tuple[str, str, Place]] = []

    def place(self, node: yaml.Node) -> Place:
        return Place(self.source, node.start_mark.index)

    def expect(self, node: yaml.Node, kind: type, what: str) -> bool:
        if isinstance(node, kind):
            return True
        names = {yaml.ScalarNode: "a text or number", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}
        self.out.add(
            self.place(node).diagnostic(
                "E004",
                f"{what} must be {names[kind]}",
                1,
                value=str(_plain(node))[:60],
                suggestion=f"write {what} as {names[kind]}",
            )
        )
        return False

    def keys(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            if name not in allowed:
                hint = did_you_mean(name, allowed) or f"allowed keys: {', '.join(allowed)}"
                self.out.add(
                    self.place(key).diagnostic(
                        "E002", f"unknown {what} key {name!r}", len(name), value=name, suggestion=hint
                    )
                )
                continue
            result[name] = (key, value)
        return result

    def label_reference(self, node: yaml.Node, label: str, where: str) -> None:
        self.label_references.append((label, where, Place(self.source, node.start_mark.index, len(label))))

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not self.expect(node, yaml.ScalarNode, what):
            return None
        value = _plain(node)
        return "" if value is None else str(value)

    def pattern_text(self, node: yaml.Node, what: str) -> PatternText | None:
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and node.flow_style:
            # pattern: [PERSON] is a YAML list: the slot needs quotes
            raw = self.source.text[node.start_mark.index : node.end_mark.index]
            self.out.add(
                self.place(node).diagnostic(
                    "E004",
                    f"{what} must be text, but YAML read {raw!r} as a "
                    f"{'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}",
                    len(raw),
                    value=raw,
                    suggestion=f"quote the whole pattern: '{raw} ...', or write it as a block with '|'",
                )
            )
            return None
        if not self.expect(node, yaml.ScalarNode, what):
            return None
        assert isinstance(node, yaml.ScalarNode)
        return PatternText(node.value, self.place(node), _scalar_offsets(self.source, node))

    def read(self, root: yaml.Node) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "imports": [],
            "lexicons": [],
            "macros": [],
            "rules": [],
            "overlap": {},
            "mentions": {},
            "dates": [],
        }
        if not self.expect(root, yaml.MappingNode, "a rule pack"):
            return parts
        assert isinstance(root, yaml.MappingNode)
        keys = self.keys(root, PACK_KEYS, "pack")
        for name in ("name", "version", "description"):
            if name in keys:
                parts[name] = self.scalar(keys[name][1], name) or ""
        if "koie" in keys:
            # The rule-file format version: only format 1 exists so far.
            version_node = keys["koie"][1]
            if _plain(version_node) not in (1, "1"):
                self.out.add(
                    self.place(version_node).diagnostic(
                        "E213",
                        f"unknown rule-file format {_plain(version_node)!r}",
                        1,
                        value=str(_plain(version_node)),
                        suggestion="write 'koie: 1' or leave the key out",
                    )
                )
        if "imports" in keys:
            node = keys["imports"][1]
            if self.expect(node, yaml.SequenceNode, "imports"):
                for item in node.value:
                    value = self.scalar(item, "an import")
                    if value is not None:
                        span = item.end_mark.index - item.start_mark.index
                        parts["imports"].append((value, Place(self.source, item.start_mark.index, span)))
        if "overlap" in keys:
            parts["overlap"] = self.overlap(keys["overlap"][1])
        if "lexicons" in keys:
            node = keys["lexicons"][1]
            if self.expect(node, yaml.MappingNode, "lexicons"):
                for key, value in node.value:
                    lexicon = self.lexicon(str(key.value), key, value)
                    if lexicon is not None:
                        parts["lexicons"].append(lexicon)
        if "macros" in keys:
            node = keys["macros"][1]
            if self.expect(node, yaml.MappingNode, "macros"):
                for key, value in node.value:
                    text = self.pattern_text(value, f"macro {key.value}")
                    if text is not None:
                        parts["macros"].append(MacroSpec(str(key.value), text))
        if "mentions" in keys:
            parts["mentions"] = self.mentions(keys["mentions"][1])
        if "dates" in keys:
            node = keys["dates"][1]
            if self.expect(node, yaml.SequenceNode, "dates"):
                for item in node.value:
                    value = self.scalar(item, "a label under dates")
                    if value:
                        parts["dates"].append(value)
                        self.label_reference(item, value, "dates")
        if "rules" in keys:
            node = keys["rules"][1]
            if self.expect(node, yaml.SequenceNode, "rules"):
                self.rule_nodes += len(node.value)
                for item in node.value:
                    rule = self.rule(item)
                    if rule is not None:
                        parts["rules"].append(rule)
        return parts

    def overlap(self, node: yaml.Node) -> dict[str, str]:
        policies: dict[str, str] = {}
        pairs: list[tuple[str, yaml.Node]] = []
        if isinstance(node, yaml.ScalarNode):
            pairs.append(("default", node))
        elif self.expect(node, yaml.MappingNode, "overlap"):
            pairs.extend((str(k.value), v) for k, v in node.value)
        for label, value in pairs:
            policy = self.scalar(value, "an overlap policy")
            if policy is None:
                continue
            if policy not in OVERLAP_POLICIES:
                self.out.add(
                    self.place(value).diagnostic(
                        "E213",
                        f"unknown overlap policy {policy!r}",
                        len(policy),
                        value=policy,
                        suggestion=did_you_mean(policy, OVERLAP_POLICIES)
                        or f"use one of {', '.join(OVERLAP_POLICIES)}",
                    )
                )
                continue
            policies[label] = policy
        return policies

    def mentions(self, node: yaml.Node) -> dict[str, Any]:
        """``mentions: {LABEL: {name: fullest, attach: {attribute: LABEL}}}``."""
        settings: dict[str, Any] = {}
        if not self.expect(node, yaml.MappingNode, "mentions"):
            return settings
        for key, value in node.value:
            label = str(key.value)
            self.label_reference(key, label, "mentions")
            if not self.expect(value, yaml.MappingNode, f"mentions of {label}"):
                continue
            keys = self.keys(value, MENTION_KEYS, "mentions")
            setting: dict[str, Any] = {"name": None, "attach": {}, "repeat": False}
            if "repeat" in keys:
                repeat = _plain(keys["repeat"][1])
                if isinstance(repeat, bool):
                    setting["repeat"] = repeat
                else:
                    self.out.add(
                        self.place(keys["repeat"][1]).diagnostic(
                            "E004",
                            "repeat must be true or false",
                            1,
                            value=str(repeat),
                            suggestion="write 'repeat: true' to count other mentions of a found entity",
                        )
                    )
            if "name" in keys:
                how = self.scalar(keys["name"][1], "name")
                if how not in ("fullest",):
                    self.out.add(
                        self.place(keys["name"][1]).diagnostic(
                            "E213",
                            f"unknown name resolution {how!r}",
                            len(how or "?"),
                            value=how,
                            suggestion="use 'name: fullest'",
                        )
                    )
                else:
                    setting["name"] = how
            if "attach" in keys and self.expect(keys["attach"][1], yaml.MappingNode, "attach"):
                for attribute, source in keys["attach"][1].value:
                    source_label = self.scalar(source, f"the label attached as {attribute.value}")
                    if source_label:
                        setting["attach"][str(attribute.value)] = source_label
                        self.label_reference(source, source_label, f"mentions: {label}: attach: {attribute.value}")
            settings[label] = setting
        return settings

    def carry(self, node: yaml.Node, rule_id: str) -> dict[str, Any]:
        """``carry: {role: {from: [LABEL, ...], sentences: n}}``."""
        settings: dict[str, Any] = {}
        if not self.expect(node, yaml.MappingNode, "carry"):
            return settings
        for key, value in node.value:
            role = str(key.value)
            if not self.expect(value, yaml.MappingNode, f"carry of {role}"):
                continue
            keys = self.keys(value, CARRY_KEYS, "carry")
            labels: list[str] = []
            if "from" in keys:
                source = keys["from"][1]
                items = source.value if isinstance(source, yaml.SequenceNode) else [source]
                for item in items:
                    label = self.scalar(item, "a label to carry from")
                    if label:
                        labels.append(label)
                        self.label_reference(item, label, f"carry: {role} of rule {rule_id}")
            if not labels:
                self.out.add(
                    self.place(value).diagnostic(
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
                raw = _plain(keys["sentences"][1])
                if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
                    sentences = raw
                else:
                    self.out.add(
                        self.place(keys["sentences"][1]).diagnostic(
                            "E213",
                            "sentences must be a whole number, 0 or more",
                            1,
                            value=str(raw),
                            rule=rule_id,
                            suggestion="how many sentences back to look: 0 means the same sentence only",
                        )
                    )
            settings[role] = {"from": tuple(labels), "sentences": sentences}
        return settings

    def lexicon(self, name: str, key: yaml.Node, node: yaml.Node) -> LexiconSpec | None:
        entries: list[str] = []
        tag: str | None = None
        score = 0.0
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                value = self.scalar(item, f"an entry of lexicon {name}")
                if value:
                    entries.append(value)
        elif self.expect(node, yaml.MappingNode, f"lexicon {name}"):
            assert isinstance(node, yaml.MappingNode)
            keys = self.keys(node, LEXICON_KEYS, "lexicon")
            if "entries" in keys:
                value_node = keys["entries"][1]
                if self.expect(value_node, yaml.SequenceNode, f"entries of lexicon {name}"):
                    for item in value_node.value:
                        value = self.scalar(item, f"an entry of lexicon {name}")
                        if value:
                            entries.append(value)
            if "file" in keys:
                file_node = keys["file"][1]
                relative = self.scalar(file_node, "a lexicon file")
                if relative:
                    path = Path(self.source.name).parent / relative
                    try:
                        lines = path.read_text(encoding="utf-8").splitlines()
                    except (OSError, UnicodeDecodeError) as error:
                        self.out.add(
                            self.place(file_node).diagnostic(
                                "E010",
                                f"cannot read lexicon file {relative!r}: {error.__class__.__name__}",
                                len(relative),
                                value=relative,
                                suggestion="paths are relative to the rule file; one entry per line, UTF-8",
                            )
                        )
                        lines = []
                    for line in lines:
                        entry = line.split("#", 1)[0].strip()
                        if entry:
                            entries.append(entry)
            if "analyzer" in keys:
                tag_value = self.scalar(keys["analyzer"][1], "analyzer")
                tag = tag_value or None
            if "score" in keys:
                raw_score = _plain(keys["score"][1])
                if isinstance(raw_score, (int, float)) and not isinstance(raw_score, bool):
                    score = float(raw_score)
                else:
                    self.expect(yaml.SequenceNode("", []), yaml.ScalarNode, "score")
        return LexiconSpec(name, tuple(dict.fromkeys(entries)), tag, score, self.place(key))

    def rule(self, node: yaml.Node) -> RuleSpec | None:
        if not self.expect(node, yaml.MappingNode, "a rule"):
            return None
        assert isinstance(node, yaml.MappingNode)
        keys = self.keys(node, RULE_KEYS, "rule")
        missing = [name for name in ("id", "label", "pattern") if name not in keys]
        rule_id = self.scalar(keys["id"][1], "id") if "id" in keys else None
        unknown = [str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value not in RULE_KEYS]
        for name in missing:
            if any(did_you_mean(key, (name,)) for key in unknown):
                continue  # the E002 for the misspelt key already says what to write
            self.out.add(
                self.place(node).diagnostic(
                    "E003",
                    f"rule {rule_id or '(no id)'!r} has no {name!r}",
                    1,
                    value=None,
                    suggestion=f"add '{name}:' to the rule",
                    rule=rule_id,
                )
            )
        if missing:
            return None
        label = self.scalar(keys["label"][1], "label")
        pattern = self.pattern_text(keys["pattern"][1], "pattern")
        if rule_id is None or label is None or pattern is None:
            return None
        priority = 0
        if "priority" in keys:
            value = _plain(keys["priority"][1])
            if isinstance(value, int) and not isinstance(value, bool):
                priority = value
            else:
                self.out.add(
                    self.place(keys["priority"][1]).diagnostic(
                        "E004",
                        "priority must be a whole number",
                        1,
                        value=str(value),
                        suggestion="write for example 'priority: 10' (higher wins)",
                        rule=rule_id,
                    )
                )
        output = True
        if "output" in keys:
            value = _plain(keys["output"][1])
            if isinstance(value, bool):
                output = value
            else:
                self.out.add(
                    self.place(keys["output"][1]).diagnostic(
                        "E004",
                        "output must be true or false",
                        1,
                        value=str(value),
                        suggestion="write 'output: false' for rules that only feed other rules",
                        rule=rule_id,
                    )
                )
        attrs: dict[str, Any] = {}
        if "attrs" in keys and self.expect(keys["attrs"][1], yaml.MappingNode, "attrs"):
            value = _plain(keys["attrs"][1])
            attrs = dict(value) if isinstance(value, dict) else {}
        match_examples: list[MatchExample] = []
        no_match: list[tuple[str, Place]] = []
        if "examples" in keys and self.expect(keys["examples"][1], yaml.MappingNode, "examples"):
            example_node = keys["examples"][1]
            assert isinstance(example_node, yaml.MappingNode)
            example_keys = self.keys(example_node, EXAMPLE_KEYS, "examples")
            if "match" in example_keys and self.expect(example_keys["match"][1], yaml.SequenceNode, "match examples"):
                for item in example_keys["match"][1].value:
                    example = self.match_example(item, rule_id)
                    if example is not None:
                        match_examples.append(example)
            if "no_match" in example_keys and self.expect(
                example_keys["no_match"][1], yaml.SequenceNode, "no_match examples"
            ):
                for item in example_keys["no_match"][1].value:
                    text = self.scalar(item, "a no_match example")
                    if text:
                        no_match.append((text, self.place(item)))
        description = self.scalar(keys["description"][1], "description") if "description" in keys else ""
        carry = self.carry(keys["carry"][1], rule_id) if "carry" in keys else {}
        return RuleSpec(
            rule_id,
            label,
            pattern,
            priority,
            output,
            attrs,
            tuple(match_examples),
            tuple(no_match),
            self.place(keys["id"][1]),
            description or "",
            carry,
        )

    def match_example(self, node: yaml.Node, rule_id: str) -> MatchExample | None:
        if isinstance(node, yaml.ScalarNode):
            return MatchExample(str(node.value), None, None, self.place(node))
        if not self.expect(node, yaml.MappingNode, "a match example"):
            return None
        assert isinstance(node, yaml.MappingNode)
        keys = self.keys(node, MATCH_EXAMPLE_KEYS, "example")
        if "text" not in keys:
            self.out.add(
                self.place(node).diagnostic(
                    "E003", "a match example has no 'text'", 1, suggestion="add 'text: ...'", rule=rule_id
                )
            )
            return None
        text = self.scalar(keys["text"][1], "text") or ""
        captures = None
        if "captures" in keys and self.expect(keys["captures"][1], yaml.MappingNode, "captures"):
            value = _plain(keys["captures"][1])
            captures = dict(value) if isinstance(value, dict) else None
        expected = self.scalar(keys["match"][1], "match") if "match" in keys else None
        return MatchExample(text, captures, expected, self.place(node))


def _not_utf8(name: str, data: bytes, error: UnicodeDecodeError) -> Diagnostic:
    """A rule file that is not UTF-8: where the first bad byte is, and what the file may be instead."""
    line_start = data.rfind(b"\n", 0, error.start) + 1
    line_end = data.find(b"\n", error.start)
    raw_line = data[line_start:] if line_end < 0 else data[line_start:line_end]
    col = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
    hint = "save the rule file as UTF-8"
    try:
        data.decode("cp949")
        hint = "the file reads as cp949 (EUC-KR): save it as UTF-8"
    except UnicodeDecodeError:
        pass
    return Diagnostic(
        "E001",
        f"the rule file is not valid UTF-8 at byte {error.start}: {error.reason}",
        file=name,
        line=data.count(b"\n", 0, error.start) + 1,
        col=col,
        source_line=raw_line.decode("utf-8", errors="replace").rstrip("\r"),
        length=1,
        value=data[error.start : error.end].hex(" "),
        suggestion=hint,
    )


def _read_file(path: Path, out: _Collector, place: Place | None) -> tuple[SourceText | None, yaml.Node | None]:
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        out.add(_not_utf8(str(path), data, error))
        return None, None
    except FileNotFoundError:
        if place is not None:
            written = place.source.text[place.offset : place.offset + place.length]
            out.add(
                place.diagnostic(
                    "E006",
                    f"imported pack {str(path)!r} does not exist",
                    place.length,
                    value=written.strip("'\""),
                    suggestion="imports are relative to the importing file, not to the current directory",
                )
            )
        else:
            out.add(
                Diagnostic(
                    "E404", f"rule file {str(path)!r} does not exist", file=str(path), suggestion="check the path"
                )
            )
        return None, None
    except OSError as error:
        out.add(
            Diagnostic(
                "E001", f"cannot read rule file: {error}", file=str(path), suggestion="rule files are UTF-8 text"
            )
        )
        return None, None
    source = SourceText.of(str(path), text.lstrip("\ufeff") if text.startswith("\ufeff") else text)
    try:
        root = _compose(source.text)
    except yaml.YAMLError as error:
        out.add(_yaml_error(source, error))
        return source, None
    if root is None:
        out.add(
            Diagnostic(
                "E009",
                "the rule pack is empty",
                file=str(path),
                line=1,
                col=1,
                suggestion="a pack needs at least 'rules:' with one rule",
            )
        )
        return source, None
    before = len(out.diagnostics)
    _check_tags(root, source, out)
    if len(out.diagnostics) > before and any(d.code == "E008" for d in out.diagnostics[before:]):
        return source, None
    return source, root


def _compose(text: str) -> yaml.Node | None:
    """The YAML node tree, by libyaml where PyYAML has it (4x faster, the same nodes and marks).

    A file libyaml rejects is composed again by the pure-Python loader, whose
    error messages and positions the diagnostics are written for.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def load_pack(path: str | Path) -> PackSpec:
    """Read a rule pack and its imports; raise :class:`KoieError` with every problem found."""
    out = _Collector()
    spec = _load(Path(path), out, (), None)
    if out.diagnostics or spec is None:
        raise KoieError(out.diagnostics or [Diagnostic("E009", "the rule pack is empty", file=str(path))])
    return spec


def load_pack_lenient(path: str | Path) -> tuple[PackSpec | None, list[Diagnostic]]:
    """Like :func:`load_pack`, but return what loaded together with the diagnostics."""
    out = _Collector()
    spec = _load(Path(path), out, (), None)
    return spec, out.diagnostics


def _load(path: Path, out: _Collector, chain: tuple[Path, ...], place: Place | None) -> PackSpec | None:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in chain + (resolved,))
        assert place is not None
        written = place.source.text[place.offset : place.offset + place.length]
        out.add(
            place.diagnostic(
                "E007",
                f"import cycle: {cycle}",
                place.length,
                value=written.strip("'\""),
                suggestion="move what both packs need into a third pack that neither imports",
            )
        )
        return None
    source, root = _read_file(path, out, place)
    if source is None or root is None:
        return None
    reader = _PackReader(source, out)
    parts = reader.read(root)
    lexicons: list[LexiconSpec] = []
    macros: list[MacroSpec] = []
    rules: list[RuleSpec] = []
    overlap: dict[str, str] = {}
    mentions: dict[str, Any] = {}
    dates: list[str] = []
    files: list[str] = []
    label_references: list[tuple[str, str, Place]] = []
    for relative, import_place in parts["imports"]:
        imported = _load(path.parent / relative, out, chain + (resolved,), import_place)
        if imported is not None:
            lexicons.extend(imported.lexicons)
            macros.extend(imported.macros)
            rules.extend(imported.rules)
            overlap.update(imported.overlap)
            mentions.update(imported.mentions)
            dates.extend(imported.dates)
            files.extend(imported.files)
            label_references.extend(imported.label_references)
    lexicons.extend(parts["lexicons"])
    macros.extend(parts["macros"])
    rules.extend(parts["rules"])
    overlap.update(parts["overlap"])
    mentions.update(parts["mentions"])
    dates.extend(parts["dates"])
    label_references.extend(reader.label_references)
    files.append(str(path))
    if not rules and not chain and not reader.rule_nodes:
        out.add(
            Diagnostic(
                "E009",
                "the rule pack has no rules",
                file=str(path),
                line=1,
                col=1,
                source_line=source.line(1),
                suggestion="add 'rules:' with at least one rule",
            )
        )
    seen: dict[str, RuleSpec] = {}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id]
            out.add(
                rule.place.diagnostic(
                    "E005",
                    f"rule id {rule.id!r} is used twice",
                    len(rule.id),
                    value=rule.id,
                    suggestion=f"rename one of them; the other is at {first.where}",
                    rule=rule.id,
                    related=(first.place.diagnostic("E005", "first defined here", len(rule.id)),),
                )
            )
        else:
            seen[rule.id] = rule
    unique_rules = tuple(seen.values()) if not chain else tuple(rules)
    if not chain:
        _check_label_references(label_references, {rule.label for rule in rules}, out)
    return PackSpec(
        parts.get("name") or path.stem,
        parts.get("version") or "0",
        parts.get("description") or "",
        str(path),
        tuple(lexicons),
        tuple(macros),
        unique_rules,
        overlap,
        tuple(dict.fromkeys(files)),
        mentions,
        tuple(dict.fromkeys(dates)),
        tuple(label_references),
    )


def _check_label_references(references: list[tuple[str, str, Place]], labels: set[str], out: _Collector) -> None:
    """Labels named under mentions, dates and carry must be some rule's label (in this pack or an import)."""
    for label, where, place in references:
        if label not in labels:
            out.add(
                place.diagnostic(
                    "E201",
                    f"unknown label {label!r} under {where}",
                    len(label),
                    value=label,
                    suggestion=did_you_mean(label, labels) or f"known labels: {', '.join(sorted(labels)) or '(none)'}",
                )
            )
