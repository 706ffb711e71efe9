"""The analysis cache's store: one SQLite file of checked entries that never stops a run.

:class:`AnalysisCache` keeps bytes under keys (koie.analysis.cache makes both).
Every write is one transaction, the database runs in WAL mode with a busy
timeout, so concurrent writers (``--workers``, several ``koie run`` at once)
wait for each other instead of failing, and a crash loses at most the batch
being written. Each entry carries a CRC-32 of its payload: an entry that does
not check out is reported, deleted and recomputed, never trusted. A koie cache
that SQLite finds malformed is reported, moved aside (the latest few kept) and
rebuilt; a file that is not a koie cache (no SQLite header and koie's mark) is
never written, renamed or removed. A cache this user cannot write is read and
never written. koie reads the file's own bytes (its header, its mark) without
taking the locks of this process's connections off it (:func:`_read_start`), so
opening the cache again in one process is as safe as in another.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import sys
import threading
import time
import urllib.parse
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Bump when the stored layout or koie's analysis contract changes.
FORMAT = 1
#: The mark a koie cache carries in its own table (a file without it is never touched).
_MAGIC = "koie-analysis-cache"


def _warn(message: str) -> None:
    print(f"koie: warning: {message}", file=sys.stderr)


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


class _Connection(sqlite3.Connection):
    """An SQLite connection counted open on its file until SQLite has closed it (see :func:`_read_start`)."""

    #: (process, device, inode) while open.
    file: tuple[int, int, int] | None = None

    def count_open(self, path: Path) -> None:
        status = os.stat(path)
        self.file = (os.getpid(), status.st_dev, status.st_ino)
        with _FILES_LOCK:
            _OPEN[self.file] = _OPEN.get(self.file, 0) + 1

    def close(self) -> None:
        try:
            super().close()
        finally:
            file, self.file = self.file, None
            if file is not None:
                with _FILES_LOCK:
                    left = _OPEN.get(file, 1) - 1
                    if left:
                        _OPEN[file] = left
                    else:
                        _OPEN.pop(file, None)

    def __del__(self) -> None:
        # A connection holds a cycle (its statement cache), so the garbage collector frees it: closed here,
        # it stops counting only once SQLite has let go of the file.
        with contextlib.suppress(Exception):
            self.close()


#: How many connections of a process are open on a file, by (process, device, inode).
_OPEN: dict[tuple[int, int, int], int] = {}
#: Descriptors the bytes of a cache file were read through while a connection of this process was open on
#: it, by (device, inode): (the process that opened it, the descriptor). Closed once no such connection is.
_KEPT: dict[tuple[int, int], tuple[int, int]] = {}
#: Re-entrant: the garbage collector may close a connection (and count it) in a thread that holds it.
_FILES_LOCK = threading.RLock()


def _connected(file: tuple[int, int]) -> bool:
    """Whether this process has an SQLite connection open on the file."""
    return _OPEN.get((os.getpid(), *file), 0) > 0


def _close_unused() -> None:
    """Close the kept descriptors of files this process has no connection open on any more (holding _FILES_LOCK)."""
    pid = os.getpid()
    for file, (owner, descriptor) in list(_KEPT.items()):
        if owner != pid:
            del _KEPT[file]  # inherited over a fork: closing it here could drop this process's own locks
        elif not _connected(file):
            del _KEPT[file]
            os.close(descriptor)


def _read_start(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a cache file, read without taking this process's SQLite locks off it.

    A process holds one set of POSIX locks on a file, and closing any of its
    descriptors of the file releases them all. A header read with open() and
    close() while a connection of this process was open on the cache (a cache
    opened again: a test runner's commands, the Python API called twice) took
    that connection's lock away; another process closing the cache then counted
    itself the last user, checkpointed it and deleted its WAL and -shm under the
    open connection, whose next writes went to deleted files, and the cache came
    out malformed or without SQLite's header. So, as SQLite does with its own
    descriptors, one read while such a connection is open is kept open, reused,
    and closed once no connection of this process is open on the file.
    """
    if os.name != "posix":  # no POSIX locks to lose
        with open(path, "rb") as handle:
            return handle.read(size)
    with _FILES_LOCK:
        _close_unused()
        status = os.stat(path)
        kept = _KEPT.get((status.st_dev, status.st_ino))
        if kept is not None:
            return _read_at_start(kept[1], size)
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        file: tuple[int, int] | None = None
        try:
            opened = os.fstat(descriptor)
            file = (opened.st_dev, opened.st_ino)
            return _read_at_start(descriptor, size)
        finally:
            if file is not None and _connected(file):
                _KEPT[file] = (os.getpid(), descriptor)
            else:
                os.close(descriptor)


def _read_at_start(descriptor: int, size: int) -> bytes:
    chunks: list[bytes] = []
    done = 0
    while done < size and (chunk := os.pread(descriptor, size - done, done)):
        chunks.append(chunk)
        done += len(chunk)
    return b"".join(chunks)


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

    def _connect(self, read_only: bool, immutable: bool = False) -> _Connection:
        if not read_only:
            connection = sqlite3.connect(
                str(self.path), timeout=self.timeout, isolation_level=None, check_same_thread=False, factory=_Connection
            )
        else:
            # mode=ro writes nothing; immutable=1 also takes no lock and reads no WAL, for a WAL file whose
            # folder this user cannot write (SQLite cannot make the -shm file there)
            uri = "file:" + urllib.parse.quote(os.path.abspath(self.path))
            uri += "?immutable=1" if immutable else "?mode=ro"
            connection = sqlite3.connect(
                uri, uri=True, timeout=self.timeout, isolation_level=None, check_same_thread=False, factory=_Connection
            )
        try:
            connection.count_open(self.path)
        except OSError:
            connection.close()
            raise
        return connection

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
            header = _read_start(self.path, len(_SQLITE_HEADER))
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
            data = _read_start(self.path, _MARK_SEARCH)
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
        with _FILES_LOCK:
            _close_unused()


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
