"""Reading a rule file: bytes → text → YAML nodes, with a file position for every value.

YAML is composed with the safe loader, never constructed, so every scalar
keeps its marks and no tag can run code: anything but the plain YAML types is
refused (E008). The pack reader (:mod:`koie.lang.load`) turns the nodes into
specs; this module knows YAML, the file and positions in it, and nothing of
what a pack means.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import yaml
from yaml.constructor import SafeConstructor

from koie.errors import Diagnostic, SourceText

#: The tags a rule file may hold: YAML's plain types, nothing a constructor could run.
SAFE_TAGS = frozenset("tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map"))

#: Deepest nesting of lists and mappings a rule file may have (a pack needs about 8: rules,
#: a rule, examples, match, an example, captures, a list of texts).
MAX_DEPTH = 64
#: Most values a list or mapping may hold once its aliases are expanded (attrs, captures).
MAX_VALUES = 10_000
#: Largest rule file koie reads, in bytes (a pack of 20,000 rules takes about 1.2 MB).
MAX_RULE_FILE_BYTES = 10_000_000
#: Largest lexicon file koie reads, in bytes (about a million names of a few syllables).
MAX_LEXICON_FILE_BYTES = 10_000_000

#: A value read from YAML as plain data: what ``attrs`` and ``captures`` hold.
PlainValue: TypeAlias = (
    "str | int | float | bool | list[PlainValue] | dict[str | int | float | bool | None, PlainValue] | None"
)


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

    @property
    def text(self) -> str:
        """The characters the value takes in the file."""
        return self.source.text[self.offset : self.offset + self.length]


@dataclass(frozen=True, slots=True)
class PatternText:
    """A pattern string and, for each of its characters, its offset in the file."""

    text: str
    place: Place
    offsets: tuple[int, ...]

    def file_offset(self, offset: int) -> int:
        """The offset in the file of the pattern's character ``offset`` (clamped to the pattern)."""
        if not self.offsets:
            return self.place.offset
        return self.offsets[min(max(offset, 0), len(self.offsets) - 1)]

    def position(self, offset: int) -> tuple[str, int, int]:
        """(file, line, column) of the pattern's character ``offset``."""
        line, col = self.place.source.position(self.file_offset(offset))
        return self.place.source.name, line, col

    def diagnostic(self, code: str, message: str, offset: int, length: int = 1, **extra: Any) -> Diagnostic:
        if not self.offsets:
            return self.place.diagnostic(code, message, length, **extra)
        offset = min(max(offset, 0), len(self.offsets) - 1)
        end = min(offset + max(length, 1), len(self.offsets)) - 1
        file_length = max(self.offsets[end] - self.offsets[offset] + 1, 1)
        return self.place.source.diagnostic(code, message, self.offsets[offset], file_length, **extra)


# ------------------------------------------------------------------ values


def place_of(source: SourceText, node: yaml.Node, length: int = 1) -> Place:
    return Place(source, node.start_mark.index, length)


def node_text(source: SourceText, node: yaml.Node, limit: int = 60) -> str:
    """What the rule file says for ``node``, as written (at most ``limit`` characters, on one line)."""
    written = source.text[node.start_mark.index : node.end_mark.index].strip()
    written = " ".join(written.split())
    return written if len(written) <= limit else written[: limit - 1] + "…"


_SCALARS = SafeConstructor()
_SCALAR_CONSTRUCTORS: dict[str, Callable[[SafeConstructor, yaml.ScalarNode], Any]] = {
    tag: SafeConstructor.yaml_constructors[tag]
    for tag in SAFE_TAGS
    if tag not in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
}


def scalar_value(node: yaml.ScalarNode) -> str | int | float | bool | None:
    """A scalar's value the safe way: text, a number, true/false or null.

    Tags were checked (:func:`check_nodes`), so only the plain scalar types
    get here; each is built by its constructor alone, with nothing kept.
    """
    value: str | int | float | bool | None = _SCALAR_CONSTRUCTORS[node.tag](_SCALARS, node)
    return value


def plain_value(source: SourceText, node: yaml.Node, out: list[Diagnostic]) -> PlainValue:
    """A node as plain data (lists, mappings with scalar keys, scalars), or None with a diagnostic in ``out``.

    An alias is the same Python object wherever it is used, as PyYAML makes it;
    a value larger than :data:`MAX_VALUES` once aliases are expanded is refused
    (E015), and so is a mapping key that is not a scalar (E004).
    """
    made: dict[int, PlainValue] = {}
    size = 0
    problems: list[Diagnostic] = []

    def build(node: yaml.Node) -> PlainValue:
        nonlocal size
        size += _count(made[id(node)]) if id(node) in made else 1
        if problems or size > MAX_VALUES:
            return None
        if isinstance(node, yaml.ScalarNode):
            return scalar_value(node)
        if id(node) in made:
            return made[id(node)]
        if isinstance(node, yaml.SequenceNode):
            items: list[PlainValue] = []
            made[id(node)] = items
            items.extend(build(item) for item in node.value)
            return items
        mapping: dict[str | int | float | bool | None, PlainValue] = {}
        made[id(node)] = mapping
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                problems.append(
                    place_of(source, key).diagnostic(
                        "E004",
                        "a key of a mapping must be text or a number, not a list or mapping",
                        1,
                        value=node_text(source, key),
                        suggestion="write the key as text: quote it",
                    )
                )
                return None
            mapping[scalar_value(key)] = build(value)
        return mapping

    value = build(node)
    if size > MAX_VALUES and not problems:
        problems.append(
            place_of(source, node).diagnostic(
                "E015",
                f"this value holds more than {MAX_VALUES} values once its aliases are expanded",
                1,
                value=node_text(source, node),
                suggestion="write the value out without aliases (*name), or make it smaller",
            )
        )
    out.extend(problems)
    return None if problems else value


def _count(value: PlainValue) -> int:
    """How many values ``value`` holds, itself included (counting stops past MAX_VALUES)."""
    count = 0
    stack = [value]
    while stack and count <= MAX_VALUES:
        item = stack.pop()
        count += 1
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return count


def scalar_offsets(source: SourceText, node: yaml.ScalarNode) -> tuple[int, ...]:
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


# ------------------------------------------------------------ the node tree


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_nodes(root: yaml.Node, source: SourceText) -> list[Diagnostic]:
    """Tags (E008), keys given twice in one mapping (E011), and nesting (E015), each node once.

    Each node is visited once however many aliases point at it, so a file of
    nested aliases costs its size, not its expansion; without a loop: a file
    nested thousands deep is reported, not a RecursionError.
    """
    out: list[Diagnostic] = []
    #: list or mapping -> how many levels of lists and mappings it holds, itself included
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            below = [height[id(child)] for child in _children(node) if id(child) in height]
            height[key] = 1 + max(below, default=0)
            continue
        if key in height:
            continue
        if key in on_path:  # an alias inside its own anchor: the value would contain itself
            out.append(
                place_of(source, node).diagnostic(
                    "E015",
                    "this value contains itself (an alias inside its own anchor)",
                    1,
                    value=node_text(source, node),
                    suggestion="an alias (*name) cannot be used inside the value its anchor (&name) names",
                )
            )
            return out
        if node.tag not in SAFE_TAGS:
            out.append(_unsafe_tag(source, node))
            height[key] = 1
            continue
        if isinstance(node, yaml.ScalarNode):
            continue  # the document is one scalar
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node, source, out)
        on_path.add(key)
        stack.append((node, True))
        for child in reversed(_children(node)):
            if not isinstance(child, yaml.ScalarNode):
                stack.append((child, False))
            elif child.tag not in SAFE_TAGS:
                out.append(_unsafe_tag(source, child))
    if height.get(id(root), 0) > MAX_DEPTH:
        out.append(_too_deep(source, _node_at_depth(root, height, MAX_DEPTH + 1).start_mark.index))
    return out


def _unsafe_tag(source: SourceText, node: yaml.Node) -> Diagnostic:
    return place_of(source, node).diagnostic(
        "E008",
        f"YAML tag {node.tag!r} is not allowed in a rule pack",
        1,
        value=node.tag,
        suggestion="rule packs are data: remove the tag",
    )


def _check_duplicate_keys(node: yaml.MappingNode, source: SourceText, out: list[Diagnostic]) -> None:
    seen: dict[Any, yaml.Node] = {}
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.value in seen:
            first = seen[key.value]
            out.append(
                place_of(source, key).diagnostic(
                    "E011",
                    f"key {key.value!r} appears twice in one mapping",
                    len(key.value),
                    value=key.value,
                    suggestion=f"first given on line {first.start_mark.line + 1}; keep one",
                )
            )
        seen[key.value] = key


def _node_at_depth(root: yaml.Node, height: dict[int, int], depth: int) -> yaml.Node:
    """The node ``depth`` levels down the deepest path from ``root``."""
    node = root
    for _ in range(depth - 1):
        children = list(_children(node))
        if not children:
            break
        node = max(children, key=lambda child: height.get(id(child), 0))
    return node


def _too_deep(source: SourceText, offset: int) -> Diagnostic:
    written = " ".join(source.text[offset : offset + 80].split())
    return source.diagnostic(
        "E015",
        f"lists and mappings are nested more than {MAX_DEPTH} deep here",
        offset,
        1,
        value=written if len(written) <= 40 else written[:39] + "…",
        suggestion="a rule pack needs a few levels of nesting: flatten the value",
    )


def compose(text: str) -> yaml.Node | None:
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


def _deepest_offset(text: str) -> int:
    """Where the YAML events first nest deeper than :data:`MAX_DEPTH` (read flat, without recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH and event.start_mark is not None:
                offset: int = event.start_mark.index
                return offset
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return 0


# ------------------------------------------------------------- YAML errors

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


#: Names of the control characters a rule file most often holds by accident.
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}


def _unacceptable_character(source: SourceText, error: yaml.reader.ReaderError) -> Diagnostic:
    """A character YAML does not allow in a file (NUL, ESC, other controls): where it is, by line and column."""
    offset = min(max(error.position, 0), max(len(source.text) - 1, 0))
    char = source.text[offset : offset + 1] or chr(error.character if isinstance(error.character, int) else 0)
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    what = f"U+{code:04X}" + (f" ({name})" if name else "")
    return source.diagnostic(
        "E001",
        f"YAML syntax error: the character {what} is not allowed in a YAML file",
        offset,
        1,
        value=char,
        suggestion="delete it (most editors do not show it); to match it, write it as an escape "
        f'in a double-quoted value: "\\x{code:02x}"'
        if code < 0x100
        else f'delete it; to match it, write it as an escape in a double-quoted value: "\\u{code:04x}"',
    )


def yaml_diagnostic(source: SourceText, error: yaml.YAMLError) -> Diagnostic:
    """A YAML syntax error in words a rule writer can act on, with the caret on the cause.

    PyYAML reports where it gave up, which is often after the cause: the end
    of the file for an unclosed quote, a ':' for a line indented too far.
    The common mistakes are recognised and pointed at where they were made.
    """
    if isinstance(error, yaml.reader.ReaderError) and isinstance(error.position, int):
        return _unacceptable_character(source, error)
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


# ------------------------------------------------------------- the file


class FileRefused(ValueError):
    """A path koie does not read as a rule or lexicon file: not a regular file, or too large."""


_KINDS_OF_FILE = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`FileRefused` for anything but a regular file (a device
    such as ``/dev/zero`` never ends, a FIFO blocks until someone writes)
    and for a file larger than ``limit``; ``OSError`` if it cannot be opened.
    The file is opened without blocking, so a FIFO is refused, not waited on.

    >>> read_limited(Path("/dev/zero"), 100)
    Traceback (most recent call last):
    ...
    koie.lang.yamlfile.FileRefused: '/dev/zero' is a character device, not a file
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS_OF_FILE if test(info.st_mode)), "not a regular file")
            raise FileRefused(f"{str(path)!r} is {kind}, not a file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # read to the end, not to st_size: the file may grow as it is read
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit or info.st_size > limit:
            raise FileRefused(
                f"{str(path)!r} is {_megabytes(max(size, info.st_size))}, larger than the {_megabytes(limit)} "
                "koie reads"
            )
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _megabytes(size: int) -> str:
    if size >= 10**12:
        return "more than a terabyte"
    return f"{size // 1_000_000} MB" if size % 1_000_000 == 0 else f"{size / 1_000_000:.1f} MB"


def _looks_utf16(data: bytes) -> bool:
    """A byte-order mark of UTF-16, or a NUL in every other byte of the start (text in UTF-16 without one)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    start = data[:200]
    return len(start) >= 4 and (
        start[1::2].count(0) * 4 >= len(start) * 3 // 2 or start[0::2].count(0) * 4 >= len(start) * 3 // 2
    )


def _encoding_hint(data: bytes) -> str:
    """What a rule file that is not UTF-8 probably is."""
    if _looks_utf16(data):
        return "the file is UTF-16: save it as UTF-8"
    try:
        data.decode("cp949")
    except UnicodeDecodeError:
        return "save the rule file as UTF-8"
    return "the file reads as cp949 (EUC-KR): save it as UTF-8"


def _utf16(name: str, data: bytes) -> Diagnostic:
    """A rule file saved as UTF-16: its first line, read as UTF-16, and the fix."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-16-le" if data[1::2].count(0) >= data[0::2].count(0) else "utf-16-be"
    first = data[: min(len(data), 400) // 2 * 2].decode(encoding, errors="replace").lstrip("\ufeff")
    return Diagnostic(
        "E012",
        "the rule file is UTF-16, not UTF-8",
        file=name,
        line=1,
        col=1,
        source_line=first.split("\n", 1)[0].rstrip("\r"),
        length=1,
        value=data[:4].hex(" "),
        suggestion="save the rule file as UTF-8 (in most editors: Save As, encoding UTF-8)",
    )


def _not_utf8(name: str, data: bytes, error: UnicodeDecodeError) -> Diagnostic:
    """A rule file that is not UTF-8: where the first bad byte is, and what the file may be instead."""
    line_start = data.rfind(b"\n", 0, error.start) + 1
    line_end = data.find(b"\n", error.start)
    raw_line = data[line_start:] if line_end < 0 else data[line_start:line_end]
    col = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
    return Diagnostic(
        "E012",
        f"the rule file is not valid UTF-8 at byte {error.start}: {error.reason}",
        file=name,
        line=data.count(b"\n", 0, error.start) + 1,
        col=col,
        source_line=raw_line.decode("utf-8", errors="replace").rstrip("\r"),
        length=1,
        value=data[error.start : error.end].hex(" "),
        suggestion=_encoding_hint(data),
    )


def unreadable_file(path: Path, error: OSError | ValueError, imported_at: Place | None) -> Diagnostic:
    """Why a rule file cannot be read: E006 at the import that names it, else E012."""
    missing = isinstance(error, FileNotFoundError)
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    if imported_at is not None:
        return imported_at.diagnostic(
            "E006",
            f"imported pack {str(path)!r} does not exist" if missing else f"cannot read imported pack: {reason}",
            imported_at.length,
            value=imported_at.text.strip("'\""),
            suggestion="imports are relative to the importing file, not to the current directory"
            if not isinstance(error, FileRefused)
            else "an import names a rule file (YAML), one at most "
            f"{_megabytes(MAX_RULE_FILE_BYTES)}: see 'Limits' in docs/rules.md",
        )
    if missing:
        return Diagnostic(
            "E012", f"rule file {str(path)!r} does not exist", file=str(path), suggestion="check the path"
        )
    return Diagnostic(
        "E012",
        f"cannot read rule file: {reason if isinstance(error, FileRefused) else error}",
        file=str(path),
        suggestion="a rule file is a readable UTF-8 text file"
        + (f" of at most {_megabytes(MAX_RULE_FILE_BYTES)}" if isinstance(error, FileRefused) else ""),
    )


def read_rule_file(
    path: Path, imported_at: Place | None
) -> tuple[SourceText | None, yaml.Node | None, list[Diagnostic]]:
    """The file's text and YAML node tree, or what keeps it from being read.

    ``imported_at`` is the import that names the file (None for the pack given
    to a command): an import that cannot be read is E006 there, a pack E012.
    An imported file that is not UTF-8 is E006 too, with nothing of its
    content shown (an import may name any file).
    """
    try:
        data = read_limited(path, MAX_RULE_FILE_BYTES)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL character in it; FileRefused
        return None, None, [unreadable_file(path, error, imported_at)]
    try:
        if _looks_utf16(data):
            raise UnicodeDecodeError("utf-8", data, 0, 1, "UTF-16")
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if imported_at is not None:
            reason = f"the file is not UTF-8 ({_encoding_hint(data)})"
            return None, None, [unreadable_file(path, ValueError(reason), imported_at)]
        return None, None, [_utf16(str(path), data) if _looks_utf16(data) else _not_utf8(str(path), data, error)]
    source = SourceText.of(str(path), text.lstrip("\ufeff") if text.startswith("\ufeff") else text)
    try:
        root = compose(source.text)
    except yaml.YAMLError as error:
        return source, None, [yaml_diagnostic(source, error)]
    except RecursionError:
        # Only a file nested hundreds deep gets here; its events are read flat to find where.
        return source, None, [_too_deep(source, _deepest_offset(source.text))]
    if root is None:
        return (
            source,
            None,
            [
                Diagnostic(
                    "E009",
                    "the rule pack is empty",
                    file=str(path),
                    line=1,
                    col=1,
                    suggestion="a pack needs at least 'rules:' with one rule",
                )
            ],
        )
    problems = check_nodes(root, source)
    if any(d.code in ("E008", "E015") for d in problems):
        return source, None, problems
    return source, root, problems
