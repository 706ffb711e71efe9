"""Reading documents: files, directories, stdin and JSON Lines, never crashing on one bad document.

Each input yields :class:`InputDocument` values or :class:`DocumentProblem`
values; the caller reports problems and goes on with the other documents.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from koie.errors import DocumentProblem as DocumentProblem

T = TypeVar("T")

TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class InputDocument:
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


def _replace_each_byte(error: UnicodeError) -> tuple[str, int]:
    """--lossy: one U+FFFD per undecodable byte, so the text keeps one character per bad byte."""
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("koie-replace", _replace_each_byte)

_UTF8_NAMES = ("utf8", "utf8sig", "cp65001")


def _is_utf8(encoding: str) -> bool:
    return encoding.replace("-", "").replace("_", "").lower() in _UTF8_NAMES


def _looks_binary(data: bytes) -> int | None:
    """The offset of the first NUL if the data looks binary, else None.

    A stray NUL in otherwise valid text is kept (the analyser reads it as a
    space, offsets unchanged); many NULs, or NULs in bytes that are not
    UTF-8, mean a binary file.
    """
    sample = data[:8192]
    nuls = sample.count(0)
    if not nuls:
        return None
    try:
        sample.decode("utf-8")
        valid = True
    except UnicodeDecodeError as error:
        valid = error.start >= len(sample) - 3  # only a character cut by the sample's end
    return sample.index(0) if (nuls > 1 and nuls * 32 > len(sample)) or not valid else None


def decode_items(
    data: bytes, doc_id: str, encoding: str = "utf-8", errors: str = "strict"
) -> list[InputDocument | DocumentProblem]:
    """Bytes → the document, or the problem that keeps it out, or (--lossy) a warning and the document.

    Offsets in koie's output count characters of the decoded text. A UTF-8
    byte order mark is not part of the text (as Python's ``utf-8-sig``), so
    offset 0 is the first character after it. CRLF line ends are kept: each
    of \\r and \\n counts one. With ``errors="replace"`` (``--lossy``) each
    undecodable byte becomes one U+FFFD.
    """
    utf8 = _is_utf8(encoding)
    if utf8 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if utf8:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return [
                DocumentProblem(
                    doc_id,
                    "E401",
                    f"not valid {encoding} at byte 0: it starts with a UTF-16 byte "
                    f"order mark ({data[:2].hex(' ')}); use --encoding utf-16 if it is UTF-16",
                )
            ]
        nul = _looks_binary(data)
        if nul is not None:
            return [DocumentProblem(doc_id, "E401", f"looks binary: NUL byte at byte {nul}; not a text document")]
    try:
        text = data.decode(encoding, errors="strict")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.end].hex(" ")
        where = f"at byte {error.start} (line {line}): {error.reason} ({bad})"
        if errors == "strict":
            return [
                DocumentProblem(
                    doc_id,
                    "E401",
                    f"not valid {encoding} {where}; use --encoding if the file "
                    "is in another encoding (e.g. cp949), or --lossy to replace bad bytes",
                )
            ]
        text = data.decode(encoding, errors="koie-replace")
        replaced = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
        warning = DocumentProblem(
            doc_id,
            "W401",
            f"{replaced} undecodable byte{'s' * (replaced != 1)} replaced by "
            f"U+FFFD, the first {where}; each bad byte is one character in offsets",
        )
        if not text.strip():
            return [warning, DocumentProblem(doc_id, "E402", "the document is empty")]
        return [warning, InputDocument(doc_id, text)]
    except LookupError:
        return [DocumentProblem(doc_id, "E401", f"unknown encoding {encoding!r}")]
    if not text.strip():
        return [DocumentProblem(doc_id, "E402", "the document is empty")]
    return [InputDocument(doc_id, text)]


def decode(
    data: bytes, doc_id: str, encoding: str = "utf-8", errors: str = "strict"
) -> InputDocument | DocumentProblem:
    """Bytes → text, or a problem saying why not (with the byte offset). See :func:`decode_items`."""
    return decode_items(data, doc_id, encoding, errors)[-1]


def _jsonl(
    lines: Iterator[bytes], source: str, encoding: str, errors: str
) -> Iterator[InputDocument | DocumentProblem]:
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        fallback_id = f"{source}:{number}"
        if number == 1 and raw.startswith(b"\xef\xbb\xbf") and _is_utf8(encoding):
            raw = raw[3:]
        try:
            item = json.loads(raw.decode(encoding, errors="strict" if errors == "strict" else "koie-replace"))
        except UnicodeDecodeError as error:
            yield DocumentProblem(
                fallback_id,
                "E401",
                f"line {number} is not valid {encoding} at byte {error.start} "
                f"of the line: {error.reason}; use --encoding, or --lossy to replace bad bytes",
            )
            continue
        except json.JSONDecodeError as error:
            yield DocumentProblem(fallback_id, "E401", f"line {number} is not a JSON object: {error}")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            yield DocumentProblem(fallback_id, "E401", f"line {number} has no string field 'text'")
            continue
        # JSON can spell a lone surrogate ("\ud800"): no UTF-8 output can hold it
        doc_id = _LONE_SURROGATE.sub("\ufffd", str(item.get("id", fallback_id)))
        text = item["text"]
        lone = _LONE_SURROGATE.search(text)
        if lone is not None:
            where = (
                f"line {number}: 'text' holds a lone surrogate (\\u{ord(lone.group()):04x}) at character {lone.start()}"
            )
            if errors == "strict":
                yield DocumentProblem(
                    doc_id, "E401", f"{where}, which is not Unicode text; use --lossy to replace it by U+FFFD"
                )
                continue
            count = len(_LONE_SURROGATE.findall(text))
            text = _LONE_SURROGATE.sub("\ufffd", text)
            yield DocumentProblem(doc_id, "W401", f"{where}: {count} replaced by U+FFFD, one character each in offsets")
        if not text.strip():
            yield DocumentProblem(doc_id, "E402", "the document is empty")
            continue
        meta = {k: v for k, v in item.items() if k not in ("id", "text")}
        yield InputDocument(doc_id, text, meta)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


_NOT_DOCUMENTS = (
    "skipped: its first line is a JSON object without a string field 'text', so it holds no koie documents "
    "(a gold file?); name the file on its own to read it anyway"
)


def _not_documents(file: Path) -> bool:
    """Whether a JSON Lines file found in a directory is something else (its first line has no 'text')."""
    try:
        with file.open("rb") as handle:
            for raw in iter(lambda: handle.readline(1 << 20), b""):
                if raw.strip():
                    item = json.loads(raw.decode("utf-8-sig"))
                    return isinstance(item, dict) and not isinstance(item.get("text"), str)
    except (OSError, ValueError):
        pass  # unreadable or not JSON: reading it as documents reports that
    return False


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Items in lists of ``size`` (the last may be shorter).

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_inputs(
    paths: tuple[str, ...],
    encoding: str = "utf-8",
    lossy: bool = False,
    jsonl: bool | None = None,
    skip: Iterable[str | Path] = (),
) -> Iterator[InputDocument | DocumentProblem]:
    """Documents from files, directories (recursively, sorted) and ``-`` (stdin).

    ``skip``: files a directory may hold that are not documents (``koie eval``'s gold
    file kept beside the corpus); a file named on its own is always read.
    """
    errors = "replace" if lossy else "strict"
    skipped = {Path(path).resolve() for path in skip}
    for given in paths:
        if given == "-":
            data = sys.stdin.buffer.read()
            if jsonl:
                yield from _jsonl(iter(data.splitlines()), "<stdin>", encoding, errors)
            else:
                yield from decode_items(data, "<stdin>", encoding, errors)
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES
                and not (skipped and p.resolve() in skipped)
            )
        elif path.is_file():
            files = [path]
        else:
            yield DocumentProblem(given, "E404", "no such file or directory")
            continue
        for file in files:
            doc_id = str(file)
            if jsonl or (jsonl is None and file.suffix.lower() in JSONL_SUFFIXES):
                if file is not path and _not_documents(file):
                    yield DocumentProblem(doc_id, "W410", _NOT_DOCUMENTS)
                    continue
                try:
                    with file.open("rb") as handle:
                        yield from _jsonl(iter(handle), doc_id, encoding, errors)
                except OSError as error:
                    yield DocumentProblem(doc_id, "E404", f"cannot read: {error.strerror}")
                continue
            try:
                data = file.read_bytes()
            except OSError as error:
                yield DocumentProblem(doc_id, "E404", f"cannot read: {error.strerror}")
                continue
            yield from decode_items(data, doc_id, encoding, errors)
