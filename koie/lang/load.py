"""Rule files (YAML) → :class:`~koie.lang.spec.PackSpec`: the pack reader.

:mod:`koie.lang.yamlfile` reads a file into YAML nodes that keep their
positions; this module reads the nodes as a pack (its keys, rules, lexicons,
macros and settings) into the typed specs of :mod:`koie.lang.spec`, collecting
every problem rather than stopping at the first. Imports are resolved relative
to the importing file.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from koie.errors import Diagnostic, PackError, SourceText, did_you_mean
from koie.lang.document_keys import read_carry, read_document_keys, read_joins, read_mentions, read_overlap
from koie.lang.spec import (
    CARRY_KEYS,
    EXAMPLE_KEYS,
    FORMAT_VERSIONS,
    LEXICON_KEYS,
    MATCH_EXAMPLE_KEYS,
    MATCH_MODES,
    MENTION_KEYS,
    OVERLAP_POLICIES,
    PACK_KEYS,
    RULE_KEYS,
    AnaphoraSpec,
    CarrySpec,
    LabelReference,
    LexiconSpec,
    MacroSpec,
    MatchExample,
    MatchMode,
    MentionSettings,
    OverlapSpec,
    PackSpec,
    RelationSpec,
    RuleSpec,
)
from koie.lang.yamlfile import (
    MAX_LEXICON_FILE_BYTES,
    FileRefused,
    PatternText,
    Place,
    PlainValue,
    node_text,
    place_of,
    plain_value,
    read_limited,
    read_rule_file,
    scalar_offsets,
    scalar_value,
    unreadable_file,
)

#: Most characters of a lexicon entry, spaces not counted: the matcher keeps every prefix of
#: every entry, so the memory a lexicon takes grows with the square of its longest entry.
MAX_LEXICON_ENTRY = 100

_ENTRY_HINT = f"a lexicon entry is a name or a phrase, at most {MAX_LEXICON_ENTRY} characters; one entry per line"

#: Largest score Kiwi can keep for a word (it keeps scores as 32-bit floats).
MAX_SCORE = 3.4028234663852886e38

_KINDS = {yaml.ScalarNode: "a text or number", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping"}


@dataclass
class _PackParts:
    """What one file says, before its imports are merged in."""

    name: str = ""
    version: str = ""
    description: str = ""
    imports: list[tuple[str, Place]] = field(default_factory=list)
    lexicons: list[LexiconSpec] = field(default_factory=list)
    macros: list[MacroSpec] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    overlap: OverlapSpec = field(default_factory=OverlapSpec)
    mentions: dict[str, MentionSettings] = field(default_factory=dict)
    dates: list[str] = field(default_factory=list)
    relations: dict[str, RelationSpec] = field(default_factory=dict)
    anaphora: dict[str, AnaphoraSpec] = field(default_factory=dict)
    #: labels named under mentions, dates and carry, checked once the whole pack is read (imports too)
    label_references: list[LabelReference] = field(default_factory=list)
    rule_nodes: int = 0  # rules written, whether or not they were read without error
    lexicon_files: list[str] = field(default_factory=list)

    def take(self, other: PackSpec | _PackParts) -> None:
        """Add what ``other`` holds (an imported pack, or a file's own parts after its imports)."""
        self.lexicons.extend(other.lexicons)
        self.macros.extend(other.macros)
        self.rules.extend(other.rules)
        self.overlap = self.overlap.then(other.overlap)
        self.mentions.update(other.mentions)
        self.dates.extend(other.dates)
        self.relations.update(other.relations)
        self.anaphora.update(other.anaphora)
        self.label_references.extend(other.label_references)


def _json_key(key: PlainValue) -> str:
    """A mapping key as the JSON output writes it (``true``, ``1.5``, ``null``), so records are typed by str keys."""
    return key if isinstance(key, str) else json.dumps(key)


@dataclass
class _Loading:
    """What loading one pack shares across its files."""

    out: list[Diagnostic]
    #: the folder of the pack given to the command, symbolic links resolved
    folder: Path
    #: the pack given to the command, as given (messages name its folder by it)
    top: str
    #: refuse imports and lexicon files outside :attr:`folder` (E017) rather than warn (W001)
    confine: bool
    #: every rule file read so far (or being read): each is read once, however often it is imported
    started: set[Path] = field(default_factory=set)

    def outside(self, path: Path, place: Place, what: str) -> bool:
        """Whether ``path`` (resolved) may not be read: outside the pack's folder under ``confine``.

        Outside the folder without ``confine``: a warning (W001), and the file is read.
        """
        if path.is_relative_to(self.folder):
            return False
        written = place.text.strip("'\"")
        if self.confine:
            self.out.append(
                place.diagnostic(
                    "E017",
                    f"{what} {written!r} is outside the pack's folder, and files outside it are refused",
                    place.length,
                    value=written,
                    suggestion=f"copy the file into the folder of {self.top!r} or a folder below it; "
                    f"{CONFINE_VARIABLE} is set, so only files there are read",
                )
            )
            return True
        self.out.append(
            place.diagnostic(
                "W001",
                f"{what} {written!r} is outside the pack's folder",
                place.length,
                value=written,
                suggestion=f"keep a pack's files in the folder of {self.top!r} or below it; "
                f"{CONFINE_VARIABLE}=1 refuses files outside it (for services that check packs from others)",
            )
        )
        return False


class _PackReader:
    """Reads one file's YAML into specs, collecting every diagnostic."""

    def __init__(self, source: SourceText, loading: _Loading) -> None:
        self.source = source
        self.loading = loading
        self.out = loading.out
        self.parts = _PackParts()

    def place(self, node: yaml.Node, length: int = 1) -> Place:
        return place_of(self.source, node, length)

    def shown(self, node: yaml.Node) -> str:
        """The value of ``node`` for a 'bad value:' line: a scalar's value, else what the file says."""
        if isinstance(node, yaml.ScalarNode):
            return str(scalar_value(node))[:60]
        return node_text(self.source, node)

    def expect(self, node: yaml.Node, kind: type[yaml.Node], what: str) -> bool:
        if isinstance(node, kind):
            return True
        self.out.append(
            self.place(node).diagnostic(
                "E004",
                f"{what} must be {_KINDS[kind]}",
                1,
                value=self.shown(node),
                suggestion=f"write {what} as {_KINDS[kind]}",
            )
        )
        return False

    def name_of(self, key: yaml.Node, what: str) -> str | None:
        """A mapping key that names something (a lexicon, a macro, a label, a role): text as written."""
        if isinstance(key, yaml.ScalarNode):
            return str(key.value)
        self.expect(key, yaml.ScalarNode, what)
        return None

    def keys(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            if name not in allowed:
                hint = did_you_mean(name, allowed) or f"allowed keys: {', '.join(allowed)}"
                self.out.append(
                    self.place(key).diagnostic(
                        "E002", f"unknown {what} key {name!r}", len(name), value=name, suggestion=hint
                    )
                )
                continue
            result[name] = (key, value)
        return result

    def label_reference(self, node: yaml.Node, label: str, where: str) -> None:
        self.parts.label_references.append(LabelReference(label, where, self.place(node, len(label))))

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not self.expect(node, yaml.ScalarNode, what):
            return None
        assert isinstance(node, yaml.ScalarNode)
        value = scalar_value(node)
        return "" if value is None else str(value)

    def pattern_text(self, node: yaml.Node, what: str) -> PatternText | None:
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and node.flow_style:
            # pattern: [PERSON] is a YAML list: the slot needs quotes
            raw = self.source.text[node.start_mark.index : node.end_mark.index]
            self.out.append(
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
        return PatternText(node.value, self.place(node), scalar_offsets(self.source, node))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, PlainValue] | None:
        """A mapping of plain values (``attrs``, ``captures``), keyed as the JSON output writes keys."""
        if not self.expect(node, yaml.MappingNode, what):
            return None
        value = plain_value(self.source, node, self.out)
        return {_json_key(key): item for key, item in value.items()} if isinstance(value, dict) else None

    def captures(self, node: yaml.Node) -> dict[str, str | list[str]] | None:
        """``captures: {role: text}`` or ``{role: [text, ...]}`` (a repeated capture); numbers are read as text."""
        if not self.expect(node, yaml.MappingNode, "captures"):
            return None
        assert isinstance(node, yaml.MappingNode)
        captures: dict[str, str | list[str]] = {}
        for key, value in node.value:
            role = self.name_of(key, "a capture name")
            if role is None:
                continue
            items = value.value if isinstance(value, yaml.SequenceNode) else None
            texts = [self.scalar(item, f"a text of capture {role}") for item in (items or [value])]
            if all(text is not None for text in texts):
                captures[role] = [text or "" for text in texts] if items is not None else texts[0] or ""
        return captures

    def whole_number(self, node: yaml.Node) -> int | None:
        value = scalar_value(node) if isinstance(node, yaml.ScalarNode) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    # ----------------------------------------------------------- the pack

    def read(self, root: yaml.Node) -> _PackParts:
        parts = self.parts
        if not self.expect(root, yaml.MappingNode, "a rule pack"):
            return parts
        assert isinstance(root, yaml.MappingNode)
        keys = self.keys(root, PACK_KEYS, "pack")
        parts.name = self.scalar(keys["name"][1], "name") or "" if "name" in keys else ""
        parts.version = self.scalar(keys["version"][1], "version") or "" if "version" in keys else ""
        parts.description = self.scalar(keys["description"][1], "description") or "" if "description" in keys else ""
        if "koie" in keys:
            self.format_version(keys["koie"][1])
        if "imports" in keys:
            node = keys["imports"][1]
            if self.expect(node, yaml.SequenceNode, "imports"):
                for item in node.value:
                    value = self.scalar(item, "an import")
                    if value is not None:
                        span = item.end_mark.index - item.start_mark.index
                        parts.imports.append((value, self.place(item, span)))
        if "overlap" in keys:
            parts.overlap = read_overlap(self, keys["overlap"][1])
        if "lexicons" in keys:
            node = keys["lexicons"][1]
            if self.expect(node, yaml.MappingNode, "lexicons"):
                for key, value in node.value:
                    name = self.name_of(key, "a lexicon name")
                    lexicon = self.lexicon(name, key, value) if name is not None else None
                    if lexicon is not None:
                        parts.lexicons.append(lexicon)
        if "macros" in keys:
            node = keys["macros"][1]
            if self.expect(node, yaml.MappingNode, "macros"):
                for key, value in node.value:
                    name = self.name_of(key, "a macro name")
                    text = self.pattern_text(value, f"macro {name}") if name is not None else None
                    if name is not None and text is not None:
                        parts.macros.append(MacroSpec(name, text))
        if "mentions" in keys:
            parts.mentions = read_mentions(self, keys["mentions"][1])
        if "dates" in keys:
            node = keys["dates"][1]
            if self.expect(node, yaml.SequenceNode, "dates"):
                for item in node.value:
                    value = self.scalar(item, "a label under dates")
                    if value:
                        parts.dates.append(value)
                        self.label_reference(item, value, "dates")
        parts.relations, parts.anaphora = read_document_keys(self, keys)
        if "rules" in keys:
            node = keys["rules"][1]
            if self.expect(node, yaml.SequenceNode, "rules"):
                parts.rule_nodes += len(node.value)
                for item in node.value:
                    rule = self.rule(item)
                    if rule is not None:
                        parts.rules.append(rule)
        return parts

    def format_version(self, node: yaml.Node) -> None:
        """``koie: 1``, the rule-file format version: only format 1 exists so far."""
        value = scalar_value(node) if isinstance(node, yaml.ScalarNode) else None
        if value in FORMAT_VERSIONS or value in [str(version) for version in FORMAT_VERSIONS]:
            return
        shown = value if isinstance(node, yaml.ScalarNode) else node_text(self.source, node)
        self.out.append(
            self.place(node).diagnostic(
                "E013",
                f"unknown rule-file format {shown!r}",
                1,
                value=str(shown),
                suggestion="write 'koie: 1' or leave the key out",
            )
        )

    def lexicon(self, name: str, key: yaml.Node, node: yaml.Node) -> LexiconSpec | None:
        entries: list[str] = []
        tag: str | None = None
        score = 0.0
        file: str | None = None
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                value = self.entry(item, name)
                if value:
                    entries.append(value)
        elif self.expect(node, yaml.MappingNode, f"lexicon {name}"):
            assert isinstance(node, yaml.MappingNode)
            keys = self.keys(node, LEXICON_KEYS, "lexicon")
            if "entries" in keys:
                value_node = keys["entries"][1]
                if self.expect(value_node, yaml.SequenceNode, f"entries of lexicon {name}"):
                    for item in value_node.value:
                        value = self.entry(item, name)
                        if value:
                            entries.append(value)
            if "file" in keys:
                entries.extend(self.lexicon_file(keys["file"][1]))
                named = keys["file"][1]
                if isinstance(named, yaml.ScalarNode) and named.value:
                    file = str(Path(self.source.name).parent / named.value)
            if "analyzer" in keys:
                tag_value = self.scalar(keys["analyzer"][1], "analyzer")
                tag = tag_value or None
            if "score" in keys:
                given = self.score(keys["score"][1])
                score = score if given is None else given
        return LexiconSpec(name, tuple(dict.fromkeys(entries)), tag, score, self.place(key), file)

    def entry(self, node: yaml.Node, name: str) -> str | None:
        """One entry of a lexicon written in the rule file: text of at most MAX_LEXICON_ENTRY characters."""
        value = self.scalar(node, f"an entry of lexicon {name}")
        if value is not None and len("".join(value.split())) > MAX_LEXICON_ENTRY:
            self.out.append(
                self.place(node).diagnostic(
                    "E018",
                    f"an entry of lexicon {name!r} has {len(''.join(value.split()))} characters, "
                    f"more than {MAX_LEXICON_ENTRY}",
                    max(node.end_mark.index - node.start_mark.index, 1),
                    value=value[:40] + "…",
                    suggestion=_ENTRY_HINT,
                )
            )
            return None
        return value

    def lexicon_file(self, node: yaml.Node) -> list[str]:
        relative = self.scalar(node, "a lexicon file")
        if not relative:
            return []
        path = Path(self.source.name).parent / relative
        span = max(node.end_mark.index - node.start_mark.index, 1)
        try:
            if self.loading.outside(path.resolve(), self.place(node, span), "lexicon file"):
                return []
            text = read_limited(path, MAX_LEXICON_FILE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as error:  # ValueError: a NUL in the path; FileRefused
            reason = str(error) if isinstance(error, FileRefused) else error.__class__.__name__
            self.out.append(
                self.place(node).diagnostic(
                    "E010",
                    f"cannot read lexicon file {relative!r}: {reason}",
                    len(relative),
                    value=relative,
                    suggestion="paths are relative to the rule file; one entry per line, UTF-8"
                    + (f", at most {MAX_LEXICON_FILE_BYTES // 1_000_000} MB" if isinstance(error, FileRefused) else ""),
                )
            )
            return []
        self.parts.lexicon_files.append(str(path))
        entries: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            entry = line.split("#", 1)[0].strip()
            length = len("".join(entry.split()))
            if length > MAX_LEXICON_ENTRY:
                # the file may be anything: its line is counted, not shown
                self.out.append(
                    self.place(node).diagnostic(
                        "E018",
                        f"line {number} of lexicon file {relative!r} has {length} characters, "
                        f"more than {MAX_LEXICON_ENTRY}",
                        len(relative),
                        value=relative,
                        suggestion=_ENTRY_HINT,
                    )
                )
                return []
            if entry:
                entries.append(entry)
        return entries

    def score(self, node: yaml.Node) -> float | None:
        """A lexicon's ``score:``, the analyser's preference for its words: a number Kiwi can keep."""
        given = scalar_value(node) if isinstance(node, yaml.ScalarNode) else None
        shown = node_text(self.source, node)
        length = max(node.end_mark.index - node.start_mark.index, 1)
        if not isinstance(given, (int, float)) or isinstance(given, bool):
            self.out.append(
                self.place(node).diagnostic(
                    "E004", "score must be a number", length, value=shown, suggestion=_score_hint(given)
                )
            )
            return None
        if not math.isfinite(given) or abs(given) > MAX_SCORE:
            self.out.append(
                self.place(node).diagnostic(
                    "E014",
                    "score must be a finite number Kiwi can keep (at most 3.4e+38 either way)",
                    length,
                    value=shown,
                    suggestion="Kiwi keeps scores as 32-bit floats; most scores are between -10 and 10",
                )
            )
            return None
        return float(given)

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
            self.out.append(
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
            given = self.whole_number(keys["priority"][1])
            if given is not None:
                priority = given
            else:
                self.out.append(
                    self.place(keys["priority"][1]).diagnostic(
                        "E004",
                        "priority must be a whole number",
                        1,
                        value=self.shown(keys["priority"][1]),
                        suggestion="write for example 'priority: 10' (higher wins)",
                        rule=rule_id,
                    )
                )
        output = True
        if "output" in keys:
            output_node = keys["output"][1]
            flag = scalar_value(output_node) if isinstance(output_node, yaml.ScalarNode) else None
            if isinstance(flag, bool):
                output = flag
            else:
                self.out.append(
                    self.place(output_node).diagnostic(
                        "E004",
                        "output must be true or false",
                        1,
                        value=self.shown(output_node),
                        suggestion="write 'output: false' for rules that only feed other rules",
                        rule=rule_id,
                    )
                )
        attrs = (self.mapping(keys["attrs"][1], "attrs") if "attrs" in keys else None) or {}
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
        carry = read_carry(self, keys["carry"][1], rule_id) if "carry" in keys else ()
        joins = read_joins(self, keys["joins"][1], rule_id) if "joins" in keys else None
        matches: MatchMode = "longest"
        matches_place = None
        if "matches" in keys:
            matches_node = keys["matches"][1]
            mode = self.scalar(matches_node, "matches")
            found = next((m for m in MATCH_MODES if m == mode), None)
            matches_place = self.place(matches_node, len(mode or "?"))
            if found is not None:
                matches = found
            elif mode is not None:
                self.out.append(
                    matches_place.diagnostic(
                        "E217",
                        f"unknown match mode {mode!r}",
                        len(mode or "?"),
                        value=mode,
                        rule=rule_id,
                        suggestion=did_you_mean(mode, MATCH_MODES)
                        or "write 'matches: all' for every match, overlapping, or leave it out",
                    )
                )
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
            joins,
            matches,
            matches_place,
        )

    def match_example(self, node: yaml.Node, rule_id: str) -> MatchExample | None:
        if isinstance(node, yaml.ScalarNode):
            return MatchExample(str(node.value), None, None, self.place(node))
        if not self.expect(node, yaml.MappingNode, "a match example"):
            return None
        assert isinstance(node, yaml.MappingNode)
        keys = self.keys(node, MATCH_EXAMPLE_KEYS, "example")
        if "text" not in keys:
            self.out.append(
                self.place(node).diagnostic(
                    "E003", "a match example has no 'text'", 1, suggestion="add 'text: ...'", rule=rule_id
                )
            )
            return None
        text = self.scalar(keys["text"][1], "text") or ""
        captures = self.captures(keys["captures"][1]) if "captures" in keys else None
        expected = self.scalar(keys["match"][1], "match") if "match" in keys else None
        return MatchExample(text, captures, expected, self.place(node))


def _score_hint(given: PlainValue) -> str:
    """What to write instead of a score that is not a number (``high``, or ``1e308``, which YAML reads as text)."""
    usual = "most scores are between -10 and 10 (0 is the default)"
    try:
        number = float(str(given))
    except ValueError:
        return f"write a number, for example 'score: 5'; {usual}"
    if not math.isfinite(number) or abs(number) > MAX_SCORE:
        return f"YAML reads {given!r} as text, and as a number it is beyond what Kiwi keeps (32-bit floats); {usual}"
    mantissa, _, exponent = repr(number).partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    # YAML 1.1 reads a number with an exponent only with a point in it and a sign after the e
    written = f"{mantissa}e{int(exponent):+d}" if exponent else mantissa
    return f"YAML reads {given!r} as text, not a number: write {written}"


# ------------------------------------------------------------------ entry


def load_pack(path: str | Path, confine: bool | None = None) -> PackSpec:
    """Read a rule pack and its imports; raise :class:`~koie.errors.PackError` with every error found.

    ``confine``: refuse imports and lexicon files outside the pack's folder
    (E017) rather than warn (W001); None reads :data:`CONFINE_VARIABLE` from
    the environment. The warnings of loading are kept in the spec
    (:attr:`PackSpec.warnings`).
    """
    spec, out = load_pack_lenient(path, confine)
    errors = [d for d in out if d.severity == "error"]
    if errors or spec is None:
        raise PackError(out or [Diagnostic("E009", "the rule pack is empty", file=str(path))])
    return spec


def load_pack_lenient(path: str | Path, confine: bool | None = None) -> tuple[PackSpec | None, list[Diagnostic]]:
    """Like :func:`load_pack`, but return what loaded together with the diagnostics."""
    path = Path(path)
    out: list[Diagnostic] = []
    if confine is None:
        confine = os.environ.get(CONFINE_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")
    try:
        folder = path.resolve().parent
    except (OSError, ValueError) as error:  # a NUL in the path; a symlink loop
        return None, [unreadable_file(path, error, None)]
    spec = _load(path, _Loading(out, folder, str(path), confine), (), None)
    if spec is not None:
        spec = replace(spec, warnings=tuple(d for d in out if d.severity == "warning"))
    return spec, out


#: The environment variable that makes every load confined (``KOIE_CONFINE=1``): for services
#: that check packs written by others, which may name any file of the machine.
CONFINE_VARIABLE = "KOIE_CONFINE"

#: What an imported file must be called: a rule file is YAML.
RULE_FILE_SUFFIXES = (".yaml", ".yml")

#: Keys only a rule pack has; an imported file with none of them is not one (E016).
_CONTENT_KEYS = frozenset(PACK_KEYS) - {"koie", "name", "version", "description"}


def _not_a_pack(path: Path, imported_at: Place, why: str) -> Diagnostic:
    """E016 at the import: nothing of the file is shown (an import may name any file, a secret among them)."""
    written = imported_at.text.strip("'\"")
    return imported_at.diagnostic(
        "E016",
        f"the imported file {written!r} is not a rule pack: {why}",
        imported_at.length,
        value=written,
        suggestion="imports name other rule packs (YAML files with rules:, lexicons: or macros:); "
        "read word lists with a lexicon's file: instead",
    )


def _is_pack(root: yaml.Node) -> bool:
    return isinstance(root, yaml.MappingNode) and any(
        isinstance(key, yaml.ScalarNode) and key.value in _CONTENT_KEYS for key, _value in root.value
    )


def _load(path: Path, loading: _Loading, chain: tuple[Path, ...], imported_at: Place | None) -> PackSpec | None:
    out = loading.out
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as error:  # a NUL in the path; a symlink loop
        out.append(unreadable_file(path, error, imported_at))
        return None
    if resolved in chain:
        cycle = " -> ".join(p.name for p in chain + (resolved,))
        assert imported_at is not None
        out.append(
            imported_at.diagnostic(
                "E007",
                f"import cycle: {cycle}",
                imported_at.length,
                value=imported_at.text.strip("'\""),
                suggestion="move what both packs need into a third pack that neither imports",
            )
        )
        return None
    if resolved in loading.started:
        return None  # imported before, by this file or another: its rules are in already
    if imported_at is not None:
        if loading.outside(resolved, imported_at, "imported file"):
            return None
        if path.suffix.lower() not in RULE_FILE_SUFFIXES:
            out.append(_not_a_pack(path, imported_at, "its name does not end in .yaml or .yml"))
            return None
    loading.started.add(resolved)
    source, root, problems = read_rule_file(path, imported_at)
    if imported_at is not None and root is not None and not _is_pack(root):
        out.append(_not_a_pack(path, imported_at, "it has none of the keys of one (rules, lexicons, macros, imports)"))
        return None
    out.extend(problems)
    if source is None or root is None:
        return None
    parts = _PackReader(source, loading).read(root)
    merged = _PackParts()  # the imports' specs, then this file's own
    files: list[str] = []
    for relative, import_place in parts.imports:
        imported = _load(path.parent / relative, loading, chain + (resolved,), import_place)
        if imported is not None:
            merged.take(imported)
            files.extend(imported.files)
    merged.take(parts)
    files.extend(parts.lexicon_files)
    files.append(str(path))
    rules = merged.rules
    if not rules and not chain and not parts.rule_nodes:
        out.append(
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
    if not chain:
        rules = _unique_rules(rules, out)
        _check_label_references(merged.label_references, {rule.label for rule in rules}, out)
    return PackSpec(
        parts.name or path.stem,
        parts.version or "0",
        parts.description,
        str(path),
        tuple(merged.lexicons),
        tuple(merged.macros),
        tuple(rules),
        merged.overlap,
        tuple(dict.fromkeys(files)),
        merged.mentions,
        tuple(dict.fromkeys(merged.dates)),
        tuple(merged.label_references),
        relations=merged.relations,
        anaphora=merged.anaphora,
    )


def _unique_rules(rules: list[RuleSpec], out: list[Diagnostic]) -> list[RuleSpec]:
    """The rules with the first of each id kept; E005 for every other."""
    seen: dict[str, RuleSpec] = {}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id]
            out.append(
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
    return list(seen.values())


def _check_label_references(references: list[LabelReference], labels: set[str], out: list[Diagnostic]) -> None:
    """Labels named under mentions, dates and carry must be some rule's label (in this pack or an import)."""
    for reference in references:
        label = reference.label
        if label not in labels:
            out.append(
                reference.place.diagnostic(
                    "E201",
                    f"unknown label {label!r} under {reference.where}",
                    len(label),
                    value=label,
                    suggestion=did_you_mean(label, labels) or f"known labels: {', '.join(sorted(labels)) or '(none)'}",
                )
            )


__all__ = [
    "CARRY_KEYS",
    "CONFINE_VARIABLE",
    "EXAMPLE_KEYS",
    "LEXICON_KEYS",
    "MATCH_EXAMPLE_KEYS",
    "MENTION_KEYS",
    "OVERLAP_POLICIES",
    "PACK_KEYS",
    "RULE_KEYS",
    "CarrySpec",
    "LabelReference",
    "LexiconSpec",
    "MacroSpec",
    "MatchExample",
    "MentionSettings",
    "OverlapSpec",
    "PackSpec",
    "PatternText",
    "Place",
    "RuleSpec",
    "load_pack",
    "load_pack_lenient",
]
