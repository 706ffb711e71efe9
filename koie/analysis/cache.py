"""An analysis cache: Kiwi's work is done once per text, then read back from SQLite.

Morphological analysis is the floor of a first run; a re-run after a rule edit
should not pay for it again. :class:`CachedAnalyzer` wraps any analyser and
keeps its results in one SQLite file (``$XDG_CACHE_HOME/koie/analyses.sqlite``
by default), keyed by

* the text (a SHA-256 digest; the text itself is not stored),
* the analyser's versions (kiwipiepy and its model) and koie's own version and
  storage format (how documents are cut into pieces and eojeols are numbered
  is part of an analysis),
* the user-dictionary entries the pack adds, so a changed lexicon never serves
  stale analyses.

It also keeps the analyses of a pack's literals and the parsed trees of its
patterns (keyed by the parser's signature too, stored as data, never pickled).

Every write is one transaction, the database runs in WAL mode with a busy
timeout, so concurrent writers (``--workers``, several ``koie run`` at once)
wait for each other instead of failing, and a crash loses at most the batch
being written. Each entry carries a CRC-32 of its payload: an entry that does
not check out is reported, deleted and recomputed, never trusted. A koie
cache that SQLite finds malformed is reported, moved aside (the latest few
kept) and rebuilt; a file that is not a koie cache (no SQLite header and koie's
mark) is never written, renamed or removed. A cache this user cannot write is
read and never written. The cache never stops a run: if it cannot be used,
koie warns once and analyses without it.

>>> import tempfile, os
>>> from koie.analysis.morphemes import NotationAnalyzer
>>> path = os.path.join(tempfile.mkdtemp(), "a.sqlite")
>>> cached = CachedAnalyzer(NotationAnalyzer(), path)
>>> first = cached.analyze("회장/NNG+이/JKS 왔/VV+다/EF")
>>> cached.stats.misses, cached.analyze("회장/NNG+이/JKS 왔/VV+다/EF") == first, cached.stats.hits
(1, True, 1)
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import sqlite3
import stat
import sys
import threading
import time
import urllib.parse
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koie import native
from koie.analysis.morphemes import AnalyzedDocument, Morpheme, Sentence, UserWord, morphemes_from_columns
from koie.analysis.protocol import (
    Analyzer,
    CutsLines,
    HasUserWords,
    HoldsWrites,
    KeepsPatterns,
    LoadsModel,
    ScoredReading,
    ScoresReadings,
    StoresAnalyses,
    StreamsAnalyses,
)

#: Bump when the stored layout or koie's analysis contract changes.
FORMAT = 1
_KIND_DOCUMENT = b"d"
_KIND_FRAGMENT = b"f"
_KIND_READINGS = b"s"
_KIND_PATTERN = b"p"
_MAGIC = "koie-analysis-cache"


#: Texts looked up in the cache at once by :meth:`CachedAnalyzer.analyze_stream`.
STREAM_GROUP = 32
#: At most this many stored analyses wait, read, ahead of a fresh one in a stream.
STREAM_AHEAD = 256


def _groups(items: Iterator[str], size: int) -> Iterator[list[str]]:
    while group := list(itertools.islice(items, size)):
        yield group


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/koie/analyses.sqlite``, else ``~/.cache/koie/analyses.sqlite``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "koie" / "analyses.sqlite"


def _warn(message: str) -> None:
    print(f"koie: warning: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------
# Encoding: columns per sentence, as compact JSON (json's C decoder is fast,
# and JSON does not depend on the Python version the way marshal does).


def encode_morphemes(morphemes: Sequence[Morpheme]) -> list[Any]:
    return [
        [m.form for m in morphemes],
        [m.tag for m in morphemes],
        [m.start for m in morphemes],
        [m.end for m in morphemes],
        [m.eojeol for m in morphemes],
        [m.lemma for m in morphemes],
    ]


def decode_morphemes(columns: list[Any]) -> tuple[Morpheme, ...]:
    forms, tags, starts, ends, eojeols, lemmas = columns
    return morphemes_from_columns(forms, tags, starts, ends, eojeols, lemmas)


#: koie.analysis._convert: its encode_sentences writes encode_document's bytes in one pass (or None).
_native: Any = native.load("koie.analysis._convert")


def encode_document(document: AnalyzedDocument, source: str | None = None) -> bytes:
    """The analysis of a document (not its text) as compact JSON bytes.

    >>> from koie.analysis.morphemes import parse_notation
    >>> doc = parse_notation("회장/NNG+이/JKS || 왔/VV+다/EF")
    >>> decode_document(doc.text, encode_document(doc)) == doc
    True
    """
    rewritten = source is not None and source != document.text  # an analyser that rewrites its input
    if _native is not None and not rewritten:
        encoded: bytes = _native.encode_sentences(document.sentences)
        return encoded
    data: Any = [[s.start, s.end, encode_morphemes(s.morphemes)] for s in document.sentences]
    if rewritten:
        data = {"text": document.text, "sentences": data}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_document(text: str, payload: bytes) -> AnalyzedDocument:
    data = json.loads(payload)
    if isinstance(data, dict):
        text, data = data["text"], data["sentences"]
    return AnalyzedDocument(
        text, tuple(Sentence(start, end, decode_morphemes(columns)) for start, end, columns in data)
    )


# ---------------------------------------------------------------------------


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    rejected: int = 0  # entries whose checksum did not match


class CacheCorrupt(Exception):
    """A koie cache file that is damaged (SQLite or koie finds it so): it is moved aside and rebuilt."""


class CacheNotCleared(Exception):
    """``koie cache clear`` left the file as it is: the message says why."""


class NotACache(Exception):
    """A file that is not a koie analysis cache: it is never written, renamed or removed."""


#: The first 16 bytes of every SQLite database file.
_SQLITE_HEADER = b"SQLite format 3\x00"
#: How much of a file (and its WAL) is searched for koie's mark when SQLite cannot read its tables.
_MARK_SEARCH = 1 << 20
#: Damaged caches moved aside (``PATH.corrupt-<time>``) that are kept, the most recent; older ones go.
KEPT_CORRUPT = 3
_CORRUPT_NAME = re.compile(r"\.corrupt-(\d{8}-\d{6}(?:-\d+)?)(-wal|-shm)?$")


def _readonly_error(error: BaseException) -> bool:
    """SQLite's "attempt to write a readonly database" (SQLITE_READONLY): the file or its folder is not ours."""
    return isinstance(error, sqlite3.OperationalError) and "readonly" in str(error)


def _locked_error(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


class AnalysisCache:
    """The SQLite file. Opened lazily, once per process (connections are never shared across processes).

    A file this user cannot write (a cache filled by another user, a folder at
    0555) is read and never written (:attr:`read_only`). A file that is not a
    koie cache is never touched: koie warns and runs without a cache. Only a
    koie cache that SQLite or koie finds damaged is moved aside (the latest
    :data:`KEPT_CORRUPT` of those are kept) and rebuilt.
    """

    def __init__(self, path: str | os.PathLike[str], timeout: float = 60.0, settled: str | None = None) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._connection: sqlite3.Connection | None = None
        self._pid = -1
        self._lock = threading.Lock()
        #: Given up for this process (warned once); a worker process inherits it without a warning.
        self.disabled = settled == "off"
        #: Read, never written: this user cannot write the file or its folder.
        self.read_only = settled == "read-only"
        #: A worker process started by one that settled the cache's state (and said so) says nothing again.
        self._quiet = settled is not None
        self._said: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        settled = "off" if self.disabled else "read-only" if self.read_only else None
        return {"path": str(self.path), "timeout": self.timeout, "settled": settled}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], state["timeout"], state.get("settled"))  # type: ignore[misc]

    def _tell(self, message: str) -> None:
        """Each warning once per process; none in a worker whose parent settled the cache's state."""
        if not self._quiet and message not in self._said:
            self._said.add(message)
            _warn(message)

    def _give_up(self, message: str) -> None:
        self._tell(f"{message}; running without it")
        self.disabled = True

    # -- opening, checking, rebuilding ------------------------------------

    def _connect(self, read_only: bool, immutable: bool = False) -> sqlite3.Connection:
        if not read_only:
            return sqlite3.connect(str(self.path), timeout=self.timeout, isolation_level=None, check_same_thread=False)
        # mode=ro writes nothing; immutable=1 also takes no lock and reads no WAL, for a WAL file whose
        # folder this user cannot write (SQLite cannot make the -shm file there)
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + ("?immutable=1" if immutable else "?mode=ro")
        return sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None, check_same_thread=False)

    def _open(self, read_only: bool = False, immutable: bool = False) -> sqlite3.Connection:
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._connect(read_only, immutable)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            # read before anything is written: another database is left as it is, byte for byte
            self._check_tables(connection, read_only=True, new_ok=not read_only)
            if read_only:
                return connection
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("BEGIN IMMEDIATE")
            try:
                self._check_tables(connection, read_only=False)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except BaseException:
            connection.close()
            raise
        return connection

    def _check_tables(self, connection: sqlite3.Connection, read_only: bool, new_ok: bool = False) -> None:
        """koie's two tables, made in a new file; NotACache for another database, CacheCorrupt for a damaged one.

        ``read_only``: only look (``new_ok``: a database without tables will be made koie's).
        """
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            if new_ok:
                return
            if read_only:
                raise NotACache("an empty database")
            connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            connection.execute(
                "CREATE TABLE analyses (key BLOB PRIMARY KEY, crc INTEGER NOT NULL, "
                "data BLOB NOT NULL, stored REAL NOT NULL)"
            )
            connection.executemany("INSERT INTO meta VALUES (?, ?)", [("magic", _MAGIC), ("format", str(FORMAT))])
            return
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
        if meta.get("magic") != _MAGIC:
            raise NotACache(f"an SQLite database with the tables {', '.join(sorted(tables))}")
        if tables != {"meta", "analyses"}:
            raise CacheCorrupt(f"unexpected tables {sorted(tables)}")
        if meta.get("format") != str(FORMAT):
            if new_ok:
                return  # updated in the transaction that follows
            if read_only:
                raise NotACache(f"a koie cache of another format ({meta.get('format')}), which this user cannot update")
            # An older layout: its entries are useless, the file is fine.
            connection.execute("DELETE FROM analyses")
            connection.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(FORMAT),))

    def connection(self) -> sqlite3.Connection | None:
        """The open connection, or None when the cache had to be given up."""
        if self.disabled:
            return None
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        with self._lock:
            if self._connection is None or self._pid != os.getpid():
                self._connection = self._open_or_rebuild()
                self._pid = os.getpid()
        return self._connection

    def _refusal(self) -> str | None:
        """Why the file at the path is not to be opened at all (it is left as it is), or None."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        if not stat.S_ISREG(status.st_mode):
            return "is not a regular file"
        if status.st_size == 0:
            return None  # SQLite's own view: an empty file is a new database
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(len(_SQLITE_HEADER))
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        if header != _SQLITE_HEADER:
            return "is not a koie analysis cache (not an SQLite database)"
        return None

    def _writable(self) -> bool:
        """Whether this user may write the file and its folder (SQLite keeps its -wal and -shm files there)."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # the folders still to make go in the first one that exists
        if not os.access(folder, os.W_OK | os.X_OK):
            return False
        return not self.path.exists() or os.access(self.path, os.W_OK)

    def _marked(self) -> bool:
        """Whether the file is a koie cache by its bytes: SQLite's header and koie's mark (in the file or its WAL)."""
        mark = _MAGIC.encode("ascii")
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(_MARK_SEARCH)
            if not data.startswith(_SQLITE_HEADER):
                return False
            if mark in data:
                return True
            with open(str(self.path) + "-wal", "rb") as handle:
                return mark in handle.read(_MARK_SEARCH)
        except OSError:
            return False

    def _open_or_rebuild(self) -> sqlite3.Connection | None:
        refusal = self._refusal()
        if refusal is not None:
            self._give_up(f"analysis cache {self.path} {refusal}; it is left as it is")
            return None
        try:
            if not self.read_only and self._writable():
                try:
                    return self._open()
                except sqlite3.OperationalError as error:
                    if not _readonly_error(error):
                        raise
            return self._open_read_only()
        except NotACache as error:
            self._give_up(f"analysis cache {self.path} is not a koie analysis cache ({error}); it is left as it is")
        except (sqlite3.DatabaseError, CacheCorrupt) as error:
            if _locked_error(error):
                self._give_up(f"analysis cache {self.path} is locked ({error})")
            elif not self._marked():
                self._give_up(f"analysis cache {self.path} is not a koie analysis cache ({error}); it is left as it is")
            elif self.read_only or not self._writable():
                self._give_up(f"analysis cache {self.path} is damaged ({error}) and this user cannot rebuild it")
            else:
                return self._rebuild(str(error))
        except OSError as error:
            self._give_up(f"cannot open the analysis cache {self.path} ({error})")
        return None

    def _open_read_only(self) -> sqlite3.Connection | None:
        """The file opened for reading only, said once; None if there is nothing to read."""
        if not self.path.exists():
            self._give_up(f"cannot create the analysis cache {self.path} (this user cannot write its folder)")
            return None
        try:
            connection = self._open(read_only=True)
        except sqlite3.OperationalError as error:
            if _locked_error(error):
                raise
            # a WAL file in a folder this user cannot write: read the file as it is, without its lock
            connection = self._open(read_only=True, immutable=True)
        self.read_only = True
        self._tell(f"analysis cache {self.path} is read-only for this user: reading it, adding nothing to it")
        return connection

    def _rebuild(self, reason: str) -> sqlite3.Connection | None:
        moved = self._move_aside()
        if moved is None:
            self._give_up(f"analysis cache {self.path} is damaged ({reason}) and cannot be moved aside")
            return None
        self._tell(f"analysis cache {self.path} is damaged ({reason}); moved aside to {moved} and rebuilt")
        try:
            return self._open()
        except (sqlite3.Error, CacheCorrupt, NotACache, OSError) as second:
            self._give_up(f"cannot rebuild the analysis cache {self.path} ({second})")
            return None

    def _move_aside(self) -> str | None:
        """Rename the damaged cache (and its -wal, -shm) to ``PATH.corrupt-<time>``; the target, or None."""
        target = f"{self.path}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        try:
            os.replace(self.path, target)
        except OSError:
            return None
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.replace(str(self.path) + suffix, target + suffix)
        self._remove_old_corrupt()
        return target

    def _remove_old_corrupt(self) -> None:
        """Keep the :data:`KEPT_CORRUPT` most recent damaged caches moved aside from this path."""
        by_stamp: dict[str, list[Path]] = {}
        prefix = self.path.name
        with contextlib.suppress(OSError):
            for entry in self.path.parent.iterdir():
                if entry.name.startswith(prefix) and (found := _CORRUPT_NAME.fullmatch(entry.name[len(prefix) :])):
                    by_stamp.setdefault(found.group(1), []).append(entry)
        for stamp in sorted(by_stamp, key=lambda s: [int(part) for part in s.split("-")])[:-KEPT_CORRUPT]:
            for old in by_stamp[stamp]:
                with contextlib.suppress(OSError):
                    old.unlink()

    def _failed(self, error: sqlite3.Error) -> None:
        """A query failed mid-run: give the file up for this process (a damaged koie cache is rebuilt next time)."""
        if _readonly_error(error):
            # the file or its folder became read-only under us: keep reading it
            self.read_only = True
            self._tell(f"analysis cache {self.path} is read-only for this user: adding nothing more to it")
            return
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
        self._connection = None
        self.disabled = True
        damaged = isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError)
        if damaged and self._marked() and self._writable() and (moved := self._move_aside()) is not None:
            self._tell(f"analysis cache {self.path} failed ({error}); moved aside to {moved}, rebuilt on the next run")
        else:
            self._tell(f"analysis cache {self.path} failed ({error.__class__.__name__}: {error}); running without it")

    # -- reading and writing ------------------------------------------------

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Payloads for the keys present, checked against their CRC (bad entries are dropped)."""
        connection = self.connection()
        if connection is None or not keys:
            return {}
        found: dict[bytes, bytes] = {}
        bad: list[bytes] = []
        try:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for key, crc, data in connection.execute(
                    f"SELECT key, crc, data FROM analyses WHERE key IN ({marks})", chunk
                ):
                    if isinstance(data, (bytes, memoryview)) and zlib.crc32(data) == crc:
                        data = bytes(data)
                        found[bytes(key)] = data
                    else:
                        bad.append(bytes(key))
            if bad and not self.read_only:
                _warn(
                    f"analysis cache {self.path}: {len(bad)} damaged entr{'y' if len(bad) == 1 else 'ies'} "
                    "dropped and recomputed"
                )
                with _transaction(connection):
                    connection.executemany("DELETE FROM analyses WHERE key = ?", [(k,) for k in bad])
        except sqlite3.Error as error:
            self._failed(error)
            return {}
        return found

    def put_many(self, items: Sequence[tuple[bytes, bytes]]) -> int:
        connection = self.connection()
        if connection is None or not items or self.read_only:
            return 0
        now = time.time()
        try:
            with _transaction(connection):
                connection.executemany(
                    "INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?)",
                    [(key, zlib.crc32(data), data, now) for key, data in items],
                )
        except sqlite3.Error as error:
            self._failed(error)
            return 0
        return len(items)

    def info(self) -> dict[str, Any]:
        """What ``koie cache info`` prints."""
        exists = os.path.exists(self.path)
        size = 0
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                size += os.stat(str(self.path) + suffix).st_size
        data: dict[str, Any] = {"path": str(self.path), "exists": exists, "bytes": size}
        if not exists:
            data["entries"] = 0
            return data
        connection = self.connection()
        if connection is None:
            data["entries"] = None
            data["usable"] = False
            return data
        try:
            count, payload, oldest, newest = connection.execute(
                "SELECT count(*), coalesce(sum(length(data)), 0), min(stored), max(stored) FROM analyses"
            ).fetchone()
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as error:
            self._failed(error)
            data["entries"] = None
            data["usable"] = False
            return data
        data.update(
            {
                "entries": count,
                "payload_bytes": payload,
                "format": FORMAT,
                "integrity": check,
                "oldest": _iso(oldest),
                "newest": _iso(newest),
                "writable": not self.read_only,
            }
        )
        return data

    def clear(self) -> int:
        """Delete every entry; returns how many there were. A damaged koie cache is removed.

        A file that is not a koie cache, or one this user cannot write, is left as it is (:class:`CacheNotCleared`).
        """
        if not os.path.exists(self.path):
            return 0
        connection = self.connection()
        if connection is None:
            if not self._marked():
                raise CacheNotCleared(f"{self.path} is not a koie analysis cache: it is left as it is")
            if not self._writable():
                raise CacheNotCleared(f"{self.path} is damaged, and this user cannot remove it")
            self.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self.disabled = False
            return 0
        if self.read_only:
            raise CacheNotCleared(f"{self.path} is read-only for this user: nothing was removed")
        with _transaction(connection):
            count = connection.execute("SELECT count(*) FROM analyses").fetchone()[0]
            connection.execute("DELETE FROM analyses")
        connection.execute("VACUUM")
        return int(count)

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None


class _transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")


def _iso(stamp: float | None) -> str | None:
    return None if stamp is None else time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))


class CachedAnalyzer:
    """Any :class:`~koie.analysis.protocol.Analyzer`, with its results kept in an :class:`AnalysisCache`.

    The wrapped analyser is touched only on a miss, so a warm run never loads
    the Kiwi model. Pickles as its inner analyser (which pickles as its user
    words) plus the cache path, so worker processes open their own connection.

    It has every capability of the analyser it wraps (koie.analysis.protocol):
    each is kept in the cache or passed through, so koie does the same with the
    cache as without it. Where the inner analyser lacks one, the answer is what
    koie assumes without it: no scored readings, no model, no user words.
    """

    def __init__(self, inner: Analyzer, cache: AnalysisCache | str | os.PathLike[str]) -> None:
        self.inner = inner
        self.cache = cache if isinstance(cache, AnalysisCache) else AnalysisCache(cache)
        self.stats = CacheStats()
        self._namespace: bytes | None = None
        #: literal analyses made inside writes_held(), not written yet (key -> payload)
        self._held: dict[bytes, bytes] | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._writing: Future[None] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"inner": self.inner, "cache": self.cache}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["inner"], state["cache"])  # type: ignore[misc]

    @property
    def user_words(self) -> tuple[UserWord, ...]:
        return tuple(self.inner.user_words) if isinstance(self.inner, HasUserWords) else ()

    @property
    def model_loaded(self) -> bool:
        return isinstance(self.inner, LoadsModel) and self.inner.model_loaded

    def set_threads(self, count: int) -> None:
        if isinstance(self.inner, LoadsModel):
            self.inner.set_threads(count)

    def versions(self) -> dict[str, str]:
        return self.inner.versions()

    def blind_cuts(self, text: str) -> list[int]:
        return self.inner.blind_cuts(text) if isinstance(self.inner, CutsLines) else []

    def namespace(self) -> bytes:
        """What besides the text decides an analysis: versions, user words, koie's format."""
        if self._namespace is None:
            from koie import __version__

            words = [[w.word, w.tag, w.score] for w in self.user_words]
            described = json.dumps(
                {
                    "versions": self.inner.versions(),
                    "user_words": words,
                    "format": FORMAT,
                    "koie": __version__,
                    "analyzer": type(self.inner).__qualname__,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
            self._namespace = hashlib.sha256(described.encode("utf-8")).digest()
        return self._namespace

    def key(self, kind: bytes, text: str, extra: str = "") -> bytes:
        digest = hashlib.sha256(self.namespace())
        digest.update(kind)
        digest.update(extra.encode("utf-8"))
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.digest()

    def analyze(self, text: str) -> AnalyzedDocument:
        return self.analyze_many([text])[0]

    def covers(self, texts: Sequence[str]) -> bool:
        """Whether the cache holds the analysis of every text (so analysing them loads no model)."""
        keys = [self.key(_KIND_DOCUMENT, text) for text in texts]
        return len(self.cache.get_many(keys)) == len(set(keys))

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        documents, store = self.analyze_many_later(texts)
        store()
        return documents

    def analyze_many_later(self, texts: Sequence[str]) -> tuple[list[AnalyzedDocument], Callable[[], None]]:
        """:meth:`analyze_many`, leaving the cache write of new analyses to the caller: ``store()``.

        A corpus run analyses in one thread and matches in another; encoding
        and writing the analyses is Python work that would hold up the
        analysing thread, which is the slower one (koie.run.runner._pipelined).
        """
        keys = [self.key(_KIND_DOCUMENT, text) for text in texts]
        stored = self.cache.get_many(keys)
        results: list[AnalyzedDocument | None] = [
            self._decoded(text, stored.get(key)) for text, key in zip(texts, keys)
        ]
        missing = [index for index, document in enumerate(results) if document is None]
        new: list[tuple[bytes, AnalyzedDocument, str]] = []
        if missing:
            self.stats.misses += len(missing)
            fresh = self.inner.analyze_many([texts[i] for i in missing])
            for index, document in zip(missing, fresh):
                results[index] = document
                new.append((keys[index], document, texts[index]))

        def store() -> None:
            if new:
                writes = [(key, encode_document(document, text)) for key, document, text in new]
                self.stats.writes += self.cache.put_many(writes)

        return [r for r in results if r is not None], store

    def _decoded(self, text: str, payload: bytes | None) -> AnalyzedDocument | None:
        """The stored analysis of ``text``, or None: not stored, or unreadable (reported)."""
        if payload is None:
            return None
        try:
            document = decode_document(text, payload)
        except (ValueError, TypeError) as error:  # a payload that passed its CRC but does not decode
            self.stats.rejected += 1
            _warn(f"analysis cache entry unreadable ({error}); recomputing it")
            return None
        self.stats.hits += 1
        return document

    def analyze_stream(self, texts: Iterable[str]) -> Iterator[tuple[AnalyzedDocument, bool]]:
        """Each text's analysis in order, and whether it is not in the cache yet (the caller :meth:`store` s it).

        Stored analyses are read back; the others go through the inner
        analyser's stream when it has one (one Kiwi call for all of them).
        Texts are read in groups of :data:`STREAM_GROUP` (one lookup each),
        and at most :data:`STREAM_AHEAD` stored analyses wait ahead of a
        fresh one, so a mostly cached corpus is not all held in memory.
        """
        if not isinstance(self.inner, StreamsAnalyses):
            for group in _groups(iter(texts), STREAM_GROUP):
                documents = self.analyze_many(group)  # stored here: none is left to store
                for document in documents:
                    yield document, False
            return
        source = iter(texts)
        waiting: deque[AnalyzedDocument | None] = deque()  # in order; None: the inner stream's next one
        ended = False

        def missing() -> Iterator[str]:
            nonlocal ended
            for group in _groups(source, STREAM_GROUP):
                keys = [self.key(_KIND_DOCUMENT, text) for text in group]
                stored = self.cache.get_many(keys)
                for text, key in zip(group, keys):
                    document = self._decoded(text, stored.get(key))
                    waiting.append(document)
                    if document is None:
                        self.stats.misses += 1
                        yield text
                if len(waiting) > STREAM_AHEAD:
                    return  # the caller drains what waits, then streams on
            ended = True

        while not ended:
            for document, _fresh in self.inner.analyze_stream(missing()):
                while waiting[0] is not None:
                    yield waiting.popleft(), False  # type: ignore[misc]
                waiting.popleft()
                yield document, True
            while waiting:
                yield waiting.popleft(), False  # type: ignore[misc]

    def store(self, fresh: Sequence[tuple[str, AnalyzedDocument]]) -> None:
        """Write fresh analyses (text, analysis) from :meth:`analyze_stream` to the cache."""
        writes = []
        for text, document in fresh:
            try:
                writes.append((self.key(_KIND_DOCUMENT, text), encode_document(document, text)))
            except UnicodeEncodeError:  # a lone surrogate (the Python API takes any str): not kept
                continue
        if writes:
            self.stats.writes += self.cache.put_many(writes)

    def store_soon(self, fresh: Sequence[tuple[str, AnalyzedDocument]]) -> None:
        """:meth:`store` in a thread of its own, so the caller goes on matching while SQLite writes.

        One write waits behind the one under way at most (the caller waits
        here for the one before), so the analyses held stay few; :meth:`flush`
        waits for them all. Measured on 2 cores, cold run of 1 MB: the writes
        held the matching thread 0.17-0.24 s, waiting on SQLite half that time.
        """
        if not fresh:
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koie-cache")
        if self._writing is not None:
            self._writing.result()
        self._writing = self._writer.submit(self.store, list(fresh))

    def flush(self) -> None:
        """Wait until every write :meth:`store_soon` was given is in the cache."""
        writing, self._writing = self._writing, None
        writer, self._writer = self._writer, None
        try:
            if writing is not None:
                writing.result()
        finally:
            if writer is not None:
                writer.shutdown(wait=True)

    @contextlib.contextmanager
    def writes_held(self) -> Iterator[None]:
        """Literal analyses made inside are written together, in one transaction, at the end.

        Compiling a pack analyses its literals one by one; a transaction each
        took 0.15 s for the meetings pack's 299.
        """
        if self._held is not None:  # already held further out
            yield
            return
        self._held = {}
        try:
            yield
        finally:
            held, self._held = self._held, None
            if held:
                self.cache.put_many(list(held.items()))

    def _stored(self, key: bytes) -> bytes | None:
        if self._held is not None and key in self._held:
            return self._held[key]
        return self.cache.get_many([key]).get(key)

    def _put(self, key: bytes, payload: bytes) -> None:
        if self._held is not None:
            self._held[key] = payload
        else:
            self.cache.put_many([(key, payload)])

    def analyze_fragment(self, text: str) -> tuple[Morpheme, ...]:
        key = self.key(_KIND_FRAGMENT, text)
        payload = self._stored(key)
        if payload is not None:
            try:
                return decode_morphemes(json.loads(payload))
            except (ValueError, TypeError):
                pass
        morphemes = tuple(self.inner.analyze_fragment(text))
        self._put(key, json.dumps(encode_morphemes(morphemes), ensure_ascii=False).encode("utf-8"))
        return morphemes

    def parsed_patterns(self, texts: Sequence[str], signature: str) -> dict[str, Any]:
        """The pattern trees the cache holds, as data, by pattern text (koie.lang.resolve.parse_patterns).

        ``signature`` (koie.lang.grammar.parser_signature) is part of each key: a
        changed grammar, lark or parser never serves an old tree. A tree is
        stored as JSON data (koie.lang.ast.to_data), never pickled; an entry that is
        not JSON is reported and left out, so the pattern is parsed again.
        """
        keys = {text: self.key(_KIND_PATTERN, text, signature) for text in dict.fromkeys(texts)}
        stored = self.cache.get_many(list(keys.values()))
        trees: dict[str, Any] = {}
        for text, key in keys.items():
            payload = stored.get(key)
            if payload is None:
                continue
            try:
                trees[text] = json.loads(payload)
            except ValueError:
                self.stats.rejected += 1
                _warn("analysis cache entry of a pattern unreadable; parsing it again")
        return trees

    def store_patterns(self, trees: dict[str, Any], signature: str) -> None:
        """Keep freshly parsed pattern trees, as data (with the literals' analyses, when writes are held)."""
        items = [
            (
                self.key(_KIND_PATTERN, text, signature),
                json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
            )
            for text, data in trees.items()
        ]
        if self._held is not None:
            self._held.update(items)
        else:
            self.cache.put_many(items)  # one transaction

    def scored_alternatives(self, text: str, n: int) -> list[ScoredReading]:
        """The inner analyser's ``n`` best readings of ``text`` with their scores, kept as they came.

        A score is stored as JSON writes a float (its shortest exact repr), so a
        reading read back compares with the margin of W101 exactly as a fresh one.
        """
        if not isinstance(self.inner, ScoresReadings):
            return []
        key = self.key(_KIND_READINGS, text, str(n))
        payload = self._stored(key)
        if payload is not None:
            try:
                return [(decode_morphemes(columns), float(score)) for columns, score in json.loads(payload)]
            except (ValueError, TypeError):
                pass
        results = [(tuple(reading), float(score)) for reading, score in self.inner.scored_alternatives(text, n)]
        data = json.dumps([[encode_morphemes(reading), score] for reading, score in results], ensure_ascii=False)
        self._put(key, data.encode("utf-8"))
        return results


if TYPE_CHECKING:

    def _has_every_capability(
        cached: CachedAnalyzer,
    ) -> tuple[
        Analyzer,
        ScoresReadings,
        StreamsAnalyses,
        LoadsModel,
        HasUserWords,
        StoresAnalyses,
        HoldsWrites,
        KeepsPatterns,
        CutsLines,
    ]:
        """mypy checks here that the cache satisfies every protocol of koie.analysis.protocol."""
        return (cached, cached, cached, cached, cached, cached, cached, cached, cached)
