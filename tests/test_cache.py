"""The analysis cache: hits, keys, corruption, concurrency, and the CLI. Notation analyser except where marked."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from unprivileged import as_unprivileged, shared_directory, unprivileged_available

from koie.analysis.cache import AnalysisCache, CachedAnalyzer, decode_document, default_cache_path, encode_document
from koie.analysis.morphemes import Morpheme, NotationAnalyzer, UserWord, parse_notation
from koie.analysis.protocol import CAPABILITIES, Analyzer
from koie.cli import main

DOC = "이재용/NNP 회장/NNG+이/JKS 만나/VV+었/EP+다/EF+./SF || 둘째/NNG 문장/NNG"


class CountingAnalyzer(NotationAnalyzer):
    def __init__(self, user_words: tuple[UserWord, ...] = (), version: str = "1") -> None:
        super().__init__()
        self.user_words = user_words
        self.version = version
        self.calls = 0

    def analyze_many(self, texts):
        self.calls += len(texts)
        return super().analyze_many(texts)

    def versions(self) -> dict[str, str]:
        return {"analyzer": self.version}


def test_cache_roundtrip_keeps_every_field() -> None:
    document = parse_notation(DOC)
    assert decode_document(document.text, encode_document(document)) == document


def test_cache_second_analysis_is_a_hit(tmp_path: Path) -> None:
    inner = CountingAnalyzer()
    cached = CachedAnalyzer(inner, tmp_path / "c.sqlite")
    first = cached.analyze_many([DOC, "가/NNG"])
    again = CachedAnalyzer(CountingAnalyzer(), tmp_path / "c.sqlite")
    assert again.analyze_many([DOC, "가/NNG"]) == first
    assert inner.calls == 2 and again.stats.hits == 2 and again.inner.calls == 0


@pytest.mark.parametrize(
    "changed",
    [
        {"user_words": (UserWord("젠슨 황", "NNP", 0.0),)},
        {"version": "2"},
    ],
)
def test_cache_key_includes_user_words_and_versions(tmp_path: Path, changed: dict) -> None:
    CachedAnalyzer(CountingAnalyzer(), tmp_path / "c.sqlite").analyze(DOC)
    other = CachedAnalyzer(CountingAnalyzer(**changed), tmp_path / "c.sqlite")
    other.analyze(DOC)
    assert other.stats.misses == 1 and other.stats.hits == 0


class ScoringAnalyzer(CountingAnalyzer):
    """CountingAnalyzer that ranks readings (as KiwiAnalyzer does): two per fragment, with scores."""

    def scored_alternatives(self, text: str, n: int) -> list[tuple[tuple[Morpheme, ...], float]]:
        self.calls += 1
        whole = (Morpheme(text, "NNG", 0, len(text)),)
        return [(self.analyze_fragment(text), -12.345678901234567), (whole, -13.1)][:n]


def test_cache_fragments_and_scored_readings_are_cached(tmp_path: Path) -> None:
    cached = CachedAnalyzer(ScoringAnalyzer(), tmp_path / "c.sqlite")
    fragment = cached.analyze_fragment("회장 이")
    readings = cached.scored_alternatives("회장", 2)
    assert readings == ScoringAnalyzer().scored_alternatives("회장", 2)
    again = CachedAnalyzer(ScoringAnalyzer(), tmp_path / "c.sqlite")
    assert again.analyze_fragment("회장 이") == fragment and again.scored_alternatives("회장", 2) == readings
    assert again.inner.calls == 0  # the scores read back exactly: W101 compares them with a margin


def _kiwi_without_its_model():
    from koie.analysis.kiwi import KiwiAnalyzer

    return KiwiAnalyzer((UserWord("한빛전자"),))


@pytest.mark.parametrize("capability", CAPABILITIES, ids=lambda capability: capability.__name__)
@pytest.mark.parametrize(
    "make_inner",
    [NotationAnalyzer, ScoringAnalyzer, lambda: StreamingAnalyzer(), _kiwi_without_its_model],
    ids=["notation", "scoring", "streaming", "kiwi"],
)
def test_cache_has_every_capability_of_the_analyzer_it_wraps(tmp_path: Path, capability, make_inner) -> None:
    """Turning the cache on never takes a capability away (it took the scored readings, and W101 with them)."""
    inner = make_inner()
    cached = CachedAnalyzer(inner, tmp_path / "c.sqlite")
    assert isinstance(cached, Analyzer)
    if isinstance(inner, capability):
        assert isinstance(cached, capability)


def test_cache_passes_the_model_and_user_words_through(tmp_path: Path) -> None:
    inner = _kiwi_without_its_model()
    cached = CachedAnalyzer(inner, tmp_path / "c.sqlite")
    cached.set_threads(3)
    assert inner.num_workers == 3 and not cached.model_loaded and cached.user_words == inner.user_words
    inner._kiwi = object()  # as after the model is loaded
    assert cached.model_loaded
    plain = CachedAnalyzer(NotationAnalyzer(), tmp_path / "c.sqlite")
    assert plain.scored_alternatives("회장", 3) == [] and not plain.model_loaded and plain.user_words == ()


AMBIGUOUS = """\
rules:
  - id: called_off
    label: CALLED_OFF
    pattern: 회담 이 무산되
    examples:
      match: [회담이 무산됐다.]
"""


def test_cache_check_prints_the_warnings_a_check_without_it_prints(tmp_path: Path) -> None:
    """무산되 reads as 무산/NNG 되/XSV or as 무산되/NNG, about as likely: W101, with the cache on (cold and
    warm) as with it off."""
    pack = tmp_path / "ambiguous.yaml"
    pack.write_text(AMBIGUOUS, encoding="utf-8")
    cache = str(tmp_path / "analyses.sqlite")
    runs = [["--no-cache"], ["--cache", cache], ["--cache", cache]]
    outputs = [CliRunner().invoke(main, ["check", str(pack), *options]) for options in runs]
    assert [result.exit_code for result in outputs] == [0, 0, 0]
    assert "W101 '무산되' is ambiguous" in outputs[0].output and "1 warning" in outputs[0].output
    assert outputs[1].output == outputs[0].output and outputs[2].output == outputs[0].output


def test_cache_file_that_is_not_sqlite_is_never_touched(tmp_path: Path, capsys) -> None:
    """--cache notes.txt once renamed the user's notes to notes.txt.corrupt-<time>."""
    path = tmp_path / "notes.txt"
    notes = "장보기: 두부, 대파\n" * 100
    path.write_text(notes, encoding="utf-8")
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    assert cached.analyze(DOC) == parse_notation(DOC) and cached.analyze(DOC) == parse_notation(DOC)
    assert cached.inner.calls == 2  # no cache: analysed twice
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning == (
        f"koie: warning: analysis cache {path} is not a koie analysis cache (not an SQLite database); "
        "it is left as it is; running without it"
    )
    assert path.read_text(encoding="utf-8") == notes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_cache_foreign_sqlite_file_is_not_used_nor_touched(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE other (x)")
    before = path.read_bytes()
    assert CachedAnalyzer(CountingAnalyzer(), path).analyze(DOC) == parse_notation(DOC)
    assert "is not a koie analysis cache (an SQLite database with the tables other)" in capsys.readouterr().err
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite"]
    cleared = CliRunner().invoke(main, ["cache", "clear", "--cache", str(path)])
    assert cleared.exit_code == 1 and "is not a koie analysis cache: it is left as it is" in cleared.output
    assert path.read_bytes() == before


def _damaged_cache(path: Path) -> None:
    """A koie cache whose pages past the first are overwritten: SQLite's header and koie's mark are still there."""
    CachedAnalyzer(CountingAnalyzer(), path).analyze_many([f"{n}/NNG" for n in range(300)])
    AnalysisCache(path).connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page :] = b"\xff" * (len(data) - 3 * page)
    path.write_bytes(bytes(data))


def test_cache_damaged_koie_cache_is_moved_aside_and_rebuilt(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.sqlite"
    _damaged_cache(path)
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    assert cached.analyze(DOC) == parse_notation(DOC)
    assert CachedAnalyzer(CountingAnalyzer(), path).analyze(DOC) == parse_notation(DOC)
    err = capsys.readouterr().err
    assert "moved aside to" in err and err.count("koie: warning:") == 1
    assert len(list(tmp_path.glob("c.sqlite.corrupt-*"))) >= 1
    assert AnalysisCache(path).info()["integrity"] == "ok"


def test_cache_keeps_only_the_latest_damaged_caches_moved_aside(tmp_path: Path, capsys) -> None:
    path = tmp_path / "c.sqlite"
    old = [f"c.sqlite.corrupt-2020010{day}-120000-1{suffix}" for day in range(1, 6) for suffix in ("", "-wal")]
    for name in old:
        (tmp_path / name).write_bytes(b"old")
    (tmp_path / "c.sqlite.corrupt-notes").write_text("not one of koie's", encoding="utf-8")
    _damaged_cache(path)
    CachedAnalyzer(CountingAnalyzer(), path).analyze(DOC)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("c.sqlite.corrupt-"))
    moved = [name for name in left if name not in old and name != "c.sqlite.corrupt-notes"]
    assert {name.removesuffix("-wal").removesuffix("-shm") for name in moved} == {moved[0]}  # the one just moved
    # the latest three moved aside, each with its parts; a file koie did not name is left alone
    assert left == sorted([*old[-4:], *moved, "c.sqlite.corrupt-notes"])


def _filled(path: Path) -> None:
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    cached.analyze_many([DOC, "가/NNG"])
    cached.cache.close()


def test_cache_this_user_cannot_write_is_read_and_never_renamed(tmp_path: Path, capsys, monkeypatch) -> None:
    """A cache filled by root and used by another user (or in a folder at 0555) once aborted the run: the cache
    was "corrupt (attempt to write a readonly database)", moved aside, then PermissionError. Here os.access says
    the file and its folder are not writable (the tests may run as root, whom modes do not stop)."""
    path = tmp_path / "c.sqlite"
    _filled(path)
    monkeypatch.setattr("koie.analysis.store.os.access", lambda p, mode: not mode & os.W_OK)
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    assert cached.analyze_many([DOC, "가/NNG", "나/NNG"]) == [parse_notation(t) for t in (DOC, "가/NNG", "나/NNG")]
    assert (cached.stats.hits, cached.inner.calls, cached.stats.writes) == (2, 1, 0)
    (warning,) = capsys.readouterr().err.splitlines()
    assert warning == (
        f"koie: warning: analysis cache {path} is read-only for this user: reading it, adding nothing to it"
    )
    assert path.exists() and not list(tmp_path.glob("*corrupt*"))  # (a reader of a WAL file may add its -shm)
    assert AnalysisCache(path).info()["writable"] is False
    cleared = CliRunner().invoke(main, ["cache", "clear", "--cache", str(path)])
    assert cleared.exit_code == 1 and "read-only for this user: nothing was removed" in cleared.output


def test_cache_sqlite_saying_readonly_is_read_and_never_renamed(tmp_path: Path, capsys, monkeypatch) -> None:
    """Modes can look writable and still refuse a write (a read-only mount, root squashed on NFS): SQLite then says
    "attempt to write a readonly database", which once sent the cache aside as corrupt."""
    path = tmp_path / "c.sqlite"
    _filled(path)
    opened = AnalysisCache._connect

    def read_only_always(self: AnalysisCache, read_only: bool, immutable: bool = False) -> sqlite3.Connection:
        return opened(self, True, immutable)

    monkeypatch.setattr(AnalysisCache, "_connect", read_only_always)
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    assert cached.analyze_many([DOC, "나/NNG"]) == [parse_notation(DOC), parse_notation("나/NNG")]
    assert (cached.stats.hits, cached.stats.writes) == (1, 0)
    assert capsys.readouterr().err.count("read-only for this user") == 1
    assert path.exists() and not list(tmp_path.glob("*corrupt*"))


def test_cache_read_only_state_goes_to_worker_processes_without_a_second_warning(tmp_path: Path, capsys) -> None:
    import pickle

    cache = AnalysisCache(tmp_path / "c.sqlite")
    cache.read_only = True
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.read_only and copy._quiet
    fresh = pickle.loads(pickle.dumps(AnalysisCache(tmp_path / "d.sqlite")))
    assert not fresh.read_only and not fresh._quiet


@pytest.mark.skipif(not unprivileged_available(), reason="no way to run a command that file modes apply to")
@pytest.mark.parametrize("wal", [True, False], ids=["with-wal", "checkpointed"])
def test_cache_of_another_user_is_read_by_a_real_command(wal: bool) -> None:
    """The cache of the issue, for real: filled by this user, folder at 0555, used by a user who cannot write it."""
    with shared_directory() as shared:
        folder = shared / "cache"
        folder.mkdir()
        path = folder / "c.sqlite"
        _filled(path)
        if not wal:
            with sqlite3.connect(path) as connection:
                connection.execute("PRAGMA journal_mode = DELETE")
        for file in folder.iterdir():
            file.chmod(0o644)
        folder.chmod(0o555)
        before = sorted(p.name for p in folder.iterdir())
        script = (
            "import sys; sys.path.insert(0, 'tests'); from test_cache import CountingAnalyzer, DOC\n"
            "from koie.analysis.cache import CachedAnalyzer\n"
            f"c = CachedAnalyzer(CountingAnalyzer(), {str(path)!r})\n"
            "c.analyze_many([DOC, '가/NNG', '나/NNG'])\n"
            "print(c.stats.hits, c.inner.calls, c.stats.writes)\n"
        )
        result = as_unprivileged([sys.executable, "-c", script])
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["2", "1", "0"]
        assert result.stderr.count("koie: warning:") == 1 and "read-only for this user" in result.stderr
        info = as_unprivileged([sys.executable, "-m", "koie", "cache", "info", "--cache", str(path)])
        assert info.returncode == 0 and "entries: 2" in info.stdout and "writable: False" in info.stdout
        assert sorted(p.name for p in folder.iterdir()) == before


def _write_many(path: str, worker: int) -> int:
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    for index in range(30):
        cached.analyze_many([f"문장{worker}x{index}/NNG", f"공유{index}/NNG"])
    return cached.stats.writes


def test_cache_concurrent_writers(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        writes = pool.starmap(_write_many, [(path, w) for w in range(3)])
    assert all(writes)
    info = AnalysisCache(path).info()
    assert info["integrity"] == "ok" and info["entries"] == 3 * 30 + 30


#: Another process using the cache: ``store TEXT…`` analyses the texts (and keeps them), ``holds TEXT…``
#: prints whether the cache holds them all; then it ends, closing the cache.
_ANOTHER_PROCESS = (
    "import sys; sys.path.insert(0, 'tests'); from test_cache import CountingAnalyzer\n"
    "from koie.analysis.cache import CachedAnalyzer\n"
    "cached = CachedAnalyzer(CountingAnalyzer(), sys.argv[1])\n"
    "texts = sys.argv[3:]\n"
    "print(cached.analyze_many(texts) and 'stored' if sys.argv[2] == 'store' else cached.covers(texts))\n"
    "cached.cache.close()\n"
)


def test_cache_opened_twice_in_one_process_keeps_its_lock(tmp_path: Path) -> None:
    """A cache opened a second time in a process (a test runner's commands, the Python API called again) read
    the file's header with open() and close(); the close dropped the lock of the connection already open there
    (a process holds one set of POSIX locks on a file, and closing any descriptor of it releases them all).
    Another process closing the cache then counted itself its last user and deleted the WAL and -shm under
    that connection: what the connection wrote next was lost, and the test suite's shared cache came out
    malformed, or without SQLite's header ("is not a koie analysis cache" on every later command)."""
    import subprocess

    path = tmp_path / "c.sqlite"
    first = CachedAnalyzer(CountingAnalyzer(), path)
    first.analyze_many([DOC])
    second = CachedAnalyzer(CountingAnalyzer(), path)
    assert second.analyze_many([DOC]) == [parse_notation(DOC)] and second.stats.hits == 1

    def another(*args: str) -> str:
        command = [sys.executable, "-c", _ANOTHER_PROCESS, str(path), *args]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return done.stdout.strip()

    assert another("store", "가/NNG") == "stored"
    # the connections of this process are open: the other process left the WAL and -shm to them
    assert (tmp_path / "c.sqlite-wal").exists() and (tmp_path / "c.sqlite-shm").exists()
    first.analyze_many(["나/NNG"])
    second.analyze_many(["다/NNG"])
    assert another("holds", DOC, "가/NNG", "나/NNG", "다/NNG") == "True"
    first.cache.close()
    second.cache.close()  # the last connection: the WAL goes into the file, and the WAL and -shm go
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite"]
    assert AnalysisCache(path).info()["integrity"] == "ok"


@pytest.mark.parametrize("journal", [None, b"", bytes(512)], ids=["no-journal", "empty-journal", "journal-header"])
def test_cache_killed_while_it_was_made_is_made_again_quietly(tmp_path: Path, capsys, journal: bytes | None) -> None:
    """What a kill leaves while SQLite makes the file (an empty file, with the journal it had begun or not) is a
    new cache to the next command: no warning, and it is koie's from then on."""
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"")
    if journal is not None:
        (tmp_path / "c.sqlite-journal").write_bytes(journal)
    cached = CachedAnalyzer(CountingAnalyzer(), path)
    assert cached.analyze(DOC) == parse_notation(DOC) and cached.analyze(DOC) == parse_notation(DOC)
    assert (cached.inner.calls, cached.stats.hits) == (1, 1)
    assert capsys.readouterr().err == ""
    cached.cache.close()
    assert AnalysisCache(path).info()["integrity"] == "ok"


def test_cache_cli_info_and_clear(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    CachedAnalyzer(CountingAnalyzer(), path).analyze_many([DOC, "가/NNG"])
    runner = CliRunner()
    info = runner.invoke(main, ["cache", "info", "--cache", str(path)])
    assert info.exit_code == 0 and "entries: 2" in info.output
    cleared = runner.invoke(main, ["cache", "clear", "--cache", str(path)])
    assert cleared.exit_code == 0 and "removed 2" in cleared.output
    assert AnalysisCache(path).info()["entries"] == 0


def test_cache_default_path_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "koie" / "analyses.sqlite"


@pytest.mark.usefixtures("kiwi")
def test_cache_warm_run_is_byte_identical(tmp_path: Path) -> None:
    """Real Kiwi: cold run, warm run (no model needed), and --no-cache give the same bytes."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "홍길동 한빛전자 사장이 김철수 누리소프트 대표와 만났다.\n둘째 문단이다.\n", encoding="utf-8"
    )
    (corpus / "b.txt").write_text("이재용 삼성전자 회장은 젠슨 황 엔비디아 CEO와 회동했다.\n", encoding="utf-8")
    runner = CliRunner()
    outputs = []
    for extra in (["--cache", str(tmp_path / "c.sqlite")], ["--cache", str(tmp_path / "c.sqlite")], ["--no-cache"]):
        out = tmp_path / f"out{len(outputs)}.jsonl"
        result = runner.invoke(main, ["run", "examples/hello.yaml", str(corpus), "-o", str(out), "-q", *extra])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0]
    assert AnalysisCache(tmp_path / "c.sqlite").info()["entries"] >= 2


@pytest.mark.usefixtures("kiwi")
def test_warm_run_in_shared_processes_is_byte_identical(tmp_path: Path) -> None:
    """A warm run long enough for helper processes (forked, each reading the cache) gives the cold run's bytes."""
    import os
    import subprocess
    import sys

    from koie.run.runner import BATCH, SMALL_RUN_BATCHES

    corpus = tmp_path / "in"
    corpus.mkdir()
    sentences = [
        "홍길동 한빛전자 사장이 김철수 누리소프트 대표와 만났다.",
        "이재용 삼성전자 회장은 젠슨 황 엔비디아 CEO와 회동했다.",
        "오늘은 비가 온다.",
    ]
    for index in range(BATCH * (SMALL_RUN_BATCHES + 2)):
        (corpus / f"d{index:04d}.txt").write_text(f"{sentences[index % 3]}\n문서 {index}번이다.\n", encoding="utf-8")
    outputs = []
    for run in ("cold", "warm"):
        out = tmp_path / f"{run}.jsonl"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "koie",
                "run",
                "examples/hello.yaml",
                str(corpus),
                "-q",
                "--cache",
                str(tmp_path / "c.sqlite"),
                "-o",
                str(out),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "KOIE_NO_PROGRESS": "1"},
        )
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") >= BATCH * SMALL_RUN_BATCHES


class StreamingAnalyzer(CountingAnalyzer):
    """CountingAnalyzer with a stream (as KiwiAnalyzer's): records how many texts it had read."""

    def __init__(self) -> None:
        super().__init__()
        self.streams = 0

    def analyze_stream(self, texts):
        self.streams += 1
        for text in texts:
            self.calls += 1
            yield NotationAnalyzer.analyze_many(self, [text])[0], True


def test_cache_stream_mixes_stored_and_fresh_analyses_in_order(tmp_path: Path, monkeypatch) -> None:
    """Stored analyses are read back, the rest come from the inner stream, in input order, each with
    whether it still has to be stored; what :meth:`store` writes is a hit next time."""
    import koie.analysis.cache as cache_module

    monkeypatch.setattr(cache_module, "STREAM_GROUP", 3)
    monkeypatch.setattr(cache_module, "STREAM_AHEAD", 4)  # stored analyses end a stream early
    texts = [f"문장{index}/NNG" for index in range(20)]
    inner = StreamingAnalyzer()
    cached = CachedAnalyzer(inner, tmp_path / "c.sqlite")
    cached.analyze_many([texts[i] for i in range(20) if i not in (1, 17)])
    inner.calls = 0
    results = list(cached.analyze_stream(iter(texts)))
    assert [document for document, _fresh in results] == NotationAnalyzer().analyze_many(texts)  # in order
    assert [index for index, (_document, fresh) in enumerate(results) if fresh] == [1, 17]
    assert inner.calls == 2 and inner.streams > 1
    cached.store([(text, document) for text, (document, fresh) in zip(texts, results) if fresh])
    assert all(not fresh for _document, fresh in cached.analyze_stream(texts)) and inner.calls == 2


def test_cache_stream_without_an_inner_stream_stores_as_it_goes(tmp_path: Path) -> None:
    inner = CountingAnalyzer()
    cached = CachedAnalyzer(inner, tmp_path / "c.sqlite")
    texts = [f"문장{index}/NNG" for index in range(40)]
    results = list(cached.analyze_stream(texts))
    assert [d for d, _fresh in results] == NotationAnalyzer().analyze_many(texts)
    assert not any(fresh for _d, fresh in results)
    assert cached.covers(texts) and inner.calls == 40


def test_cache_literals_made_while_writes_are_held_go_in_at_the_end(tmp_path: Path) -> None:
    """A pack's compile holds the literal writes (one transaction instead of one per literal):
    nothing is written until the end, a literal analysed twice inside is analysed once, and
    afterwards every analysis is a hit for a new analyser on the same file."""
    calls: list[str] = []

    class Fragments(ScoringAnalyzer):
        def analyze_fragment(self, text):
            calls.append(text)
            return super().analyze_fragment(text)

    cached = CachedAnalyzer(Fragments(), tmp_path / "c.sqlite")
    with cached.writes_held():
        first = cached.analyze_fragment("회장 이")
        assert cached.analyze_fragment("회장 이") == first
        options = cached.scored_alternatives("회장", 2)
        assert cached.cache.get_many([cached.key(b"f", "회장 이")]) == {}  # not written yet
    assert calls.count("회장 이") == 1
    made = list(calls)
    again = CachedAnalyzer(Fragments(), tmp_path / "c.sqlite")
    assert again.analyze_fragment("회장 이") == first and again.scored_alternatives("회장", 2) == options
    assert calls == made  # every one a hit


def test_cache_store_soon_writes_in_another_thread_and_flush_waits(tmp_path: Path) -> None:
    """store_soon returns while SQLite still writes; flush returns once the analyses are stored."""
    import threading

    cached = CachedAnalyzer(CountingAnalyzer(), tmp_path / "c.sqlite")
    release = threading.Event()
    writing = threading.Event()
    put_many = cached.cache.put_many

    def slow_put_many(items):
        writing.set()
        assert release.wait(timeout=10)
        return put_many(items)

    cached.cache.put_many = slow_put_many  # type: ignore[method-assign]
    documents = [parse_notation(DOC), parse_notation("가/NNG")]
    cached.store_soon([(d.text, d) for d in documents])
    assert writing.wait(timeout=10) and cached.stats.writes == 0  # handed on, not written
    release.set()
    cached.flush()
    assert cached.stats.writes == 2
    assert CachedAnalyzer(CountingAnalyzer(), tmp_path / "c.sqlite").covers([d.text for d in documents])


def _pattern_pack(path: Path, second: str = "회장/NNG [PERSON]") -> Path:
    path.write_text(
        "name: t\nmacros:\n  BOSS: 회장/NNG | 사장/NNG\nrules:\n"
        "  - {id: p, label: PERSON, pattern: '/NNP'}\n"
        f"  - {{id: b, label: BOSS, pattern: '{second}'}}\n"
        "  - {id: m, label: MEET, pattern: '[PERSON:a] $BOSS ~2 만나/VV'}\n",
        encoding="utf-8",
    )
    return path


def test_cache_keeps_parsed_patterns_and_parses_only_what_changed(tmp_path: Path, monkeypatch) -> None:
    """A resolve through a cache stores each pattern's tree; the next one reads them back (no parser:
    a failing parse_pattern proves it), the same resolved rules, and an edited rule alone is parsed."""
    import koie.lang.parse
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    cache = tmp_path / "c.sqlite"
    pack = _pattern_pack(tmp_path / "p.yaml")
    first = resolve_pack(load_pack(pack), CachedAnalyzer(CountingAnalyzer(), cache))
    parsed: list[str] = []
    real = koie.lang.parse.parse_pattern

    def counting(text: str):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(koie.lang.parse, "parse_pattern", counting)
    again = resolve_pack(load_pack(pack), CachedAnalyzer(CountingAnalyzer(), cache))
    assert parsed == []
    assert [(r.id, r.body, r.elements, r.captures, r.phase) for r in again.rules] == [
        (r.id, r.body, r.elements, r.captures, r.phase) for r in first.rules
    ]
    edited = resolve_pack(
        load_pack(_pattern_pack(tmp_path / "p.yaml", "사장/NNG [PERSON]")), CachedAnalyzer(CountingAnalyzer(), cache)
    )
    assert parsed == ["사장/NNG [PERSON]"]
    assert [r.id for r in edited.rules] == ["p", "b", "m"]


def test_cache_pattern_trees_depend_on_the_parser_and_a_bad_one_is_parsed_again(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import koie.lang.parse
    from koie.lang import grammar
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    cache = tmp_path / "c.sqlite"
    pack = _pattern_pack(tmp_path / "p.yaml")
    first = resolve_pack(load_pack(pack), CachedAnalyzer(CountingAnalyzer(), cache))
    parsed: list[str] = []
    real = koie.lang.parse.parse_pattern
    monkeypatch.setattr(koie.lang.parse, "parse_pattern", lambda text: parsed.append(text) or real(text))
    # another parser (grammar, lark or koie's parser edited): every tree is parsed again
    monkeypatch.setattr(grammar, "parser_signature", lambda: "another parser")
    monkeypatch.setattr("koie.lang.resolve.parser_signature", lambda: "another parser")
    resolve_pack(load_pack(pack), CachedAnalyzer(CountingAnalyzer(), cache))
    assert sorted(parsed) == sorted(["회장/NNG | 사장/NNG", "/NNP", "회장/NNG [PERSON]", "[PERSON:a] $BOSS ~2 만나/VV"])
    # a stored tree that does not read back (its checksum is right: written so) is reported and parsed again
    analyzer = CachedAnalyzer(CountingAnalyzer(), cache)
    analyzer.cache.put_many([(analyzer.key(b"p", "/NNP", "another parser"), b'{"node": "Os", "fields": []}')])
    parsed.clear()
    capsys.readouterr()
    again = resolve_pack(load_pack(pack), analyzer)
    assert parsed == ["/NNP"] and "unreadable" in capsys.readouterr().err
    assert [r.body for r in again.rules] == [r.body for r in first.rules]


def test_cache_a_pattern_with_a_syntax_error_is_reported_as_before_and_not_stored(tmp_path: Path) -> None:
    from koie.errors import KoieError
    from koie.lang.load import load_pack
    from koie.lang.resolve import resolve_pack

    cache = tmp_path / "c.sqlite"
    pack = _pattern_pack(tmp_path / "p.yaml", "회장/NNG [PERSON")
    for _ in range(2):  # the second time the good patterns come from the cache, the bad one is parsed again
        with pytest.raises(KoieError) as caught:
            resolve_pack(load_pack(pack), CachedAnalyzer(CountingAnalyzer(), cache))
        [error] = [d for d in caught.value.diagnostics if d.severity == "error"]
        assert error.code == "E102" and error.rule == "b" and error.line == 6 and "[PERSON" in error.source_line
