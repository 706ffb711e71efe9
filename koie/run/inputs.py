"""Reading documents: files, directories, stdin and JSON Lines, never crashing on one bad document.

Each input yields :class:`InputDocument` values or :class:`DocumentProblem`
values; the caller reports problems and goes on with the other documents.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from koie.analysis.kiwi import last_sentence_end
from koie.engine.dates import parse_published
from koie.errors import DocumentProblem as DocumentProblem

T = TypeVar("T")

TEXT_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class InputDocument:
    """A document to process; or one section of a long one (:func:`sections`), ``offset`` characters into it."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    #: Where this text starts in the document it is a section of (0: the document, or its first section).
    offset: int = 0
    #: Which section of its document this is (0: the document, or its first section).
    part: int = 0


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


class _Ids:
    """The ids of a run's JSON Lines documents so far, as 64-bit digests (about 50 bytes each, not the ids)."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def repeated(self, doc_id: str) -> bool:
        digest = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")
        if digest in self._seen:
            return True
        self._seen.add(digest)
        return False


def _jsonl(
    lines: Iterator[bytes | int], source: str, encoding: str, errors: str, limit: int, ids: _Ids
) -> Iterator[InputDocument | DocumentProblem]:
    """The documents of JSON Lines lines (an int: a line of that many bytes, over ``limit``, not read);
    ``ids``: those of the run's JSON Lines documents so far (a repeated one is read, with W404)."""
    for number, raw in enumerate(lines, 1):
        fallback_id = f"{source}:{number}"
        if isinstance(raw, int):
            yield _too_large(fallback_id, raw, limit, f"line {number} is")
            continue
        if not raw.strip():
            continue
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
        given_id = item.get("id", fallback_id)
        if isinstance(given_id, bool) or not isinstance(given_id, (str, int, float)):
            yield DocumentProblem(
                fallback_id,
                "E401",
                f"line {number}: 'id' must be a string or a number, not {_json_kind(given_id)}; "
                "give each document an id of its own, or none (the id is then FILE:LINE)",
            )
            continue
        # JSON can spell a lone surrogate ("\ud800"): no UTF-8 output can hold it
        doc_id = _LONE_SURROGATE.sub("\ufffd", str(given_id))
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
        published = meta.get("published")
        if published is not None and parse_published(published) is None:
            del meta["published"]
            yield DocumentProblem(
                doc_id,
                "W403",
                f"line {number}: 'published' is not a date: {published!r}; relative dates in this "
                "document are read without it (or with --published); write YYYY-MM-DD",
            )
        if ids.repeated(doc_id):
            yield DocumentProblem(
                doc_id,
                "W404",
                f"line {number}: an earlier document has this id too: both are read, and their records and "
                "problems carry the same id; give each document an id of its own",
            )
        yield InputDocument(doc_id, text, meta)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


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


def batched(items: Iterable[T], size: int, max_chars: int | None = None) -> Iterator[list[T]]:
    """Items in lists of ``size`` (the last may be shorter), and of at most ``max_chars`` characters of
    documents' text where given (one document longer than that is a batch of its own).

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    >>> [[d.id for d in b] for b in batched([InputDocument(n, "x" * 6) for n in "abc"], 32, max_chars=10)]
    [['a'], ['b'], ['c']]
    """
    batch: list[T] = []
    chars = 0
    for item in items:
        if max_chars is not None and isinstance(item, InputDocument):
            if batch and chars + len(item.text) > max_chars:
                yield batch
                batch, chars = [], 0
            chars += len(item.text)
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


#: The largest document koie reads by default (``--max-document-size``, in bytes as read): a larger one is
#: E409, and a stream (``-``, a pipe) is not read past it, so ``koie run P - < /dev/zero`` ends.
MAX_DOCUMENT_BYTES = 100_000_000


def _too_large(doc_id: str, size: int | None, limit: int, what: str = "the document is") -> DocumentProblem:
    amount = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    return DocumentProblem(
        doc_id,
        "E409",
        f"{what} {amount}, over the limit of {limit:,} bytes: not read; "
        "split it, or raise the limit with --max-document-size",
    )


@dataclass(slots=True)
class InputTally:
    """What reading the inputs passed over without a problem: files in directories that are not documents."""

    #: Files found in directories whose names do not end in a document suffix (:data:`DOCUMENT_SUFFIXES`).
    skipped: int = 0


DOCUMENT_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _cannot_read(doc_id: str, error: OSError, what: str = "cannot read") -> DocumentProblem:
    if isinstance(error, FileNotFoundError):
        return DocumentProblem(doc_id, "E404", "no such file or directory")
    return DocumentProblem(doc_id, "E404", f"{what}: {error.strerror or error}")


def directory_entries(
    root: Path, skip: set[Path] | frozenset[Path] = frozenset(), tally: InputTally | None = None
) -> list[tuple[Path, DocumentProblem | None]]:
    """The documents' files under ``root`` (recursively, sorted), each with None, or the problem that
    keeps it (or a directory that cannot be listed) out, in its place among them.

    A file whose name does not end in :data:`DOCUMENT_SUFFIXES` is not read: it is counted in
    ``tally.skipped``. A named pipe or device is never opened inside a directory (it could block or
    never end): with a document suffix, it is an E404 problem.
    """
    found: list[tuple[Path, DocumentProblem | None]] = []

    def unlisted(error: OSError) -> None:
        where = str(error.filename) if error.filename is not None else str(root)
        found.append((Path(where), _cannot_read(where, error, "cannot read the directory")))

    for folder, _directories, files in os.walk(root, onerror=unlisted):
        for name in files:
            if os.path.splitext(name)[1].lower() not in DOCUMENT_SUFFIXES:
                if tally is not None:
                    tally.skipped += 1
                continue
            path = Path(folder, name)
            try:
                status = os.stat(path)
            except OSError as error:  # a broken symbolic link, a file the walk saw go away
                found.append((path, _cannot_read(str(path), error)))
                continue
            if stat.S_ISDIR(status.st_mode):
                continue  # a symbolic link to a directory, not followed (as before: rglob did not)
            if not stat.S_ISREG(status.st_mode):
                found.append(
                    (
                        path,
                        DocumentProblem(
                            str(path),
                            "E404",
                            f"is {_kind(status.st_mode)}: not read inside a directory; name it on its own "
                            "to read it as a stream",
                        ),
                    )
                )
                continue
            if skip and path.resolve() in skip:
                continue
            found.append((path, None))
    found.sort(key=lambda entry: entry[0])
    return found


def _stream_bytes(handle: BinaryIO, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a stream, or None if it holds more (the rest is not read).

    Read in chunks of 64 KB: a read of n bytes sets n bytes aside before it knows how many come.
    """
    data = bytearray()
    while len(data) <= limit:
        chunk = handle.read(min(1 << 16, limit + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
    return None


def _lines(handle: BinaryIO, limit: int) -> Iterator[bytes | int]:
    """The lines of a stream; a line over ``limit`` bytes is read past, and given as its length."""
    while line := handle.readline(limit + 1):
        if len(line) > limit and not (len(line) == limit + 1 and line.endswith(b"\n")):
            size = len(line)
            while not line.endswith(b"\n") and (line := handle.readline(1 << 20)):
                size += len(line)
            yield size
            continue
        yield line


def read_inputs(
    paths: tuple[str, ...],
    encoding: str = "utf-8",
    lossy: bool = False,
    jsonl: bool | None = None,
    skip: Iterable[str | Path] = (),
    max_bytes: int = MAX_DOCUMENT_BYTES,
    tally: InputTally | None = None,
) -> Iterator[InputDocument | DocumentProblem]:
    """Documents from files, directories (recursively, sorted), ``-`` (stdin), named pipes and devices.

    A path that cannot be read, and each file or directory inside a directory that cannot, is an
    E404 problem in its place; the others are read. Standard input, a named pipe (``<(cat f)``) or a
    character device is read as a stream; a document (a file, a stream, a JSON Lines line) over
    ``max_bytes`` is E409 and not read. A JSON Lines document whose id an earlier one has is read,
    with a W404 warning. ``skip``: files a directory may hold that are not documents (``koie eval``'s
    gold file kept beside the corpus); a file named on its own is always read. ``tally`` counts the
    files of directories that are not documents (their names do not end in :data:`DOCUMENT_SUFFIXES`).
    """
    errors = "replace" if lossy else "strict"
    ids = _Ids()
    skipped = frozenset(Path(path).resolve() for path in skip)
    for given in paths:
        if given == "-":
            yield from _read_stream(sys.stdin.buffer, "<stdin>", encoding, errors, bool(jsonl), max_bytes, ids)
            continue
        path = Path(given)
        try:
            status = os.stat(path)
        except OSError as error:  # not there; in a directory this user cannot enter
            yield _cannot_read(given, error)
            continue
        except ValueError:  # a NUL in the path
            yield DocumentProblem(given, "E404", "no such file or directory")
            continue
        entries: list[tuple[Path, DocumentProblem | None]]
        if stat.S_ISDIR(status.st_mode):
            entries = directory_entries(path, skipped, tally)
        elif stat.S_ISREG(status.st_mode):
            entries = [(path, None)]
        elif stat.S_ISFIFO(status.st_mode) or stat.S_ISCHR(status.st_mode):
            as_jsonl = jsonl or (jsonl is None and path.suffix.lower() in JSONL_SUFFIXES)
            try:
                with open(path, "rb") as handle:
                    yield from _read_stream(handle, given, encoding, errors, bool(as_jsonl), max_bytes, ids)
            except OSError as error:
                yield _cannot_read(given, error)
            continue
        else:
            yield DocumentProblem(given, "E404", f"is {_kind(status.st_mode)}, not a file koie can read")
            continue
        for file, problem in entries:
            if problem is not None:
                yield problem
                continue
            if file is not path and _is_jsonl(file, jsonl) and _not_documents(file):
                yield DocumentProblem(str(file), "W410", _NOT_DOCUMENTS)
                continue
            yield from _read_file(file, encoding, errors, jsonl, max_bytes, ids)


def _is_jsonl(file: Path, jsonl: bool | None) -> bool:
    return bool(jsonl or (jsonl is None and file.suffix.lower() in JSONL_SUFFIXES))


def _read_file(
    file: Path, encoding: str, errors: str, jsonl: bool | None, max_bytes: int, ids: _Ids
) -> Iterator[InputDocument | DocumentProblem]:
    doc_id = str(file)
    try:
        with file.open("rb") as handle:
            if jsonl or (jsonl is None and file.suffix.lower() in JSONL_SUFFIXES):
                yield from _jsonl(_lines(handle, max_bytes), doc_id, encoding, errors, max_bytes, ids)
                return
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                yield _too_large(doc_id, size, max_bytes)
                return
            start = handle.read(size)
            rest = _stream_bytes(handle, max_bytes - len(start))  # a file that grows while it is read
            data = None if rest is None else start + rest
    except OSError as error:
        yield _cannot_read(doc_id, error)
        return
    if data is None:
        yield _too_large(doc_id, None, max_bytes)
        return
    yield from decode_items(data, doc_id, encoding, errors)


def _read_stream(
    handle: BinaryIO, doc_id: str, encoding: str, errors: str, jsonl: bool, max_bytes: int, ids: _Ids
) -> Iterator[InputDocument | DocumentProblem]:
    """A stream (stdin, a pipe, a device): one document, or JSON Lines, never read past ``max_bytes`` a document."""
    if jsonl:
        yield from _jsonl(_lines(handle, max_bytes), doc_id, encoding, errors, max_bytes, ids)
        return
    data = _stream_bytes(handle, max_bytes)
    if data is None:
        yield _too_large(doc_id, None, max_bytes, "the stream holds")
        return
    yield from decode_items(data, doc_id, encoding, errors)


#: A document longer than this many characters is processed in sections of at most this many
#: (:func:`sections`), so memory stays bounded by a section, not by the document, and time is linear.
SECTION_CHARS = 100_000


def sections(
    items: Iterable[InputDocument | DocumentProblem], size: int | None = None
) -> Iterator[InputDocument | DocumentProblem]:
    """The items, each document longer than ``size`` characters (:data:`SECTION_CHARS`) cut into sections
    of at most ``size``.

    A section ends at a line end where there is one in the second half of its span, else after a
    sentence end, else at a space (:func:`section_end`). Each section is analysed and matched on its
    own, with its offset, so its records' offsets are the document's: a match, a repeated mention or a
    carried role never spans two sections. Kiwi analyses line by line anyway (koie.analysis.kiwi), so
    the analyses are those of the whole document.

    >>> [(s.offset, s.part, s.text) for s in sections([InputDocument("d", "가나.\\n다라.\\n마바")], size=5)]
    [(0, 0, '가나.\\n'), (4, 1, '다라.\\n'), (8, 2, '마바')]
    """
    size = SECTION_CHARS if size is None else size
    for item in items:
        if isinstance(item, DocumentProblem) or len(item.text) <= size:
            yield item
            continue
        text = item.text
        start = part = 0
        while start < len(text):
            end = section_end(text, start, size)
            if text[start:end].strip():  # a section of blank lines has nothing to find
                yield InputDocument(item.id, text[start:end], item.meta, offset=start, part=part)
                part += 1
            start = end


def section_end(text: str, start: int, size: int) -> int:
    """Where the section of ``text`` that begins at ``start`` ends (at most ``size`` characters on)."""
    if len(text) - start <= size:
        return len(text)
    limit = start + size
    lower = start + size // 2
    newline = text.rfind("\n", lower, limit)
    if newline >= 0:
        return newline + 1
    sentence = last_sentence_end(text, lower, limit)
    if sentence >= 0:
        return sentence
    space = max(text.rfind(" ", lower, limit), text.rfind("\t", lower, limit))
    return space + 1 if space >= 0 else limit
