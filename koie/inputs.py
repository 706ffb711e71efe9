"""Reading documents: files, directories, stdin and JSON Lines, never crashing on one bad document.

Each input yields :class:`InputDocument` values or :class:`DocumentProblem`
values; the caller reports problems and goes on with the other documents.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class InputDocument:
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    id: str
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.id, "code": self.code, "message": self.message}


def decode(data: bytes, doc_id: str, encoding: str = "utf-8", errors: str = "strict") -> InputDocument | DocumentProblem:
    """Bytes → text, or a problem saying why not (with the byte offset)."""
    if data.startswith(b"\xef\xbb\xbf") and encoding.replace("-", "").lower() == "utf8":
        data = data[3:]
    if b"\x00" in data[:8192] and encoding.replace("-", "").lower() == "utf8" and errors == "strict":
        return DocumentProblem(doc_id, "E401", f"looks binary: NUL byte at offset {data.index(0)}")
    try:
        text = data.decode(encoding, errors=errors)
    except UnicodeDecodeError as error:
        return DocumentProblem(doc_id, "E401", f"not valid {encoding} at byte {error.start}: {error.reason}"
                               " (use --encoding, or --lossy to replace bad bytes)")
    except LookupError:
        return DocumentProblem(doc_id, "E401", f"unknown encoding {encoding!r}")
    if not text.strip():
        return DocumentProblem(doc_id, "E402", "the document is empty")
    return InputDocument(doc_id, text)


def _jsonl(lines: Iterator[bytes], source: str, encoding: str, errors: str) -> Iterator[InputDocument | DocumentProblem]:
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        fallback_id = f"{source}:{number}"
        try:
            item = json.loads(raw.decode(encoding, errors=errors))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            yield DocumentProblem(fallback_id, "E401", f"line {number} is not a JSON object: {error}")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            yield DocumentProblem(fallback_id, "E401", f"line {number} has no string field 'text'")
            continue
        doc_id = str(item.get("id", fallback_id))
        if not item["text"].strip():
            yield DocumentProblem(doc_id, "E402", "the document is empty")
            continue
        meta = {k: v for k, v in item.items() if k not in ("id", "text")}
        yield InputDocument(doc_id, item["text"], meta)


def read_inputs(paths: tuple[str, ...], encoding: str = "utf-8", lossy: bool = False,
                jsonl: bool | None = None) -> Iterator[InputDocument | DocumentProblem]:
    """Documents from files, directories (recursively, sorted) and ``-`` (stdin)."""
    errors = "replace" if lossy else "strict"
    for given in paths:
        if given == "-":
            data = sys.stdin.buffer.read()
            if jsonl:
                yield from _jsonl(iter(data.splitlines()), "<stdin>", encoding, errors)
            else:
                yield decode(data, "<stdin>", encoding, errors)
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES)
        elif path.is_file():
            files = [path]
        else:
            yield DocumentProblem(given, "E404", "no such file or directory")
            continue
        for file in files:
            doc_id = str(file)
            if jsonl or (jsonl is None and file.suffix.lower() in JSONL_SUFFIXES):
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
            yield decode(data, doc_id, encoding, errors)
