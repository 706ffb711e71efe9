"""--workers: output byte-identical to one worker, in input order; progress line only on terminals."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main
from koie.run.parallel import choose_workers, workers_note
from koie.run.progress import Progress, count_documents
from koie.run.records import RecordOptions


def _corpus(directory: Path) -> Path:
    directory.mkdir()
    sentences = [
        "홍길동 한빛전자 사장이 김철수 누리소프트 대표와 만났다.",
        "이재용 삼성전자 회장은 젠슨 황 엔비디아 CEO와 회동했다.",
        "최태원 회장이 샘 올트먼 오픈AI CEO와 만났다.",
        "오늘은 비가 온다.",
    ]
    for index in range(40):  # more than one batch, so order across workers is tested
        text = "\n".join(sentences[(index + k) % len(sentences)] for k in range(3)) + f"\n문서 {index}번.\n"
        (directory / f"d{index:03d}.txt").write_text(text, encoding="utf-8")
    (directory / "empty.txt").write_text("", encoding="utf-8")
    return directory


@pytest.mark.usefixtures("kiwi")
def test_parallel_two_workers_byte_identical(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "in")
    runner = CliRunner()
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}.jsonl"
        result = runner.invoke(
            main, ["run", "examples/hello.yaml", str(corpus), "-o", str(out), "-q", "--no-cache", "--workers", workers]
        )
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") >= 40


def test_parallel_choose_workers(monkeypatch) -> None:
    import koie.run.parallel as parallel

    monkeypatch.setattr(parallel, "cores", lambda: 4)
    assert choose_workers(3) == 3 and workers_note(3) is None and workers_note(None) is None
    assert choose_workers(0) == 0 and choose_workers(None) == 0  # the default, decided by default_workers


def test_parallel_more_workers_than_cores_are_capped_with_a_note(monkeypatch) -> None:
    """--workers 64 on 2 cores once started 21+ workers and 11 GB."""
    import koie.run.parallel as parallel

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    assert choose_workers(64) == 2
    assert workers_note(64) == (
        "--workers 64 is more than the 2 cores this process may use: using 2. Each worker loads its own Kiwi "
        "model (about 0.5 GB), and Kiwi keeps a core busy with each; more workers than cores share the same "
        "cores and only add memory"
    )


def test_cli_says_why_it_uses_fewer_workers(tmp_path: Path, monkeypatch) -> None:
    import koie.run.parallel as parallel

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    (tmp_path / "a.txt").write_text("홍길동 사장이 김철수 대표와 만났다.", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "examples/hello.yaml", str(tmp_path / "a.txt"), "--workers", "64"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("koie: --workers 64 is more than the 2 cores this process may use: using 2.")


def test_default_workers_keep_every_core_busy(monkeypatch) -> None:
    """One process per two cores: each runs Kiwi's threads beside its matching thread."""
    import koie.run.parallel as parallel

    for available, expected in ((1, 1), (2, 1), (3, 1), (4, 2), (8, 4)):
        monkeypatch.setattr(parallel, "cores", lambda available=available: available)
        assert parallel.default_workers() == expected


def test_progress_line_shows_rate_and_eta() -> None:
    stream = io.StringIO()
    bar = Progress(total=100, stream=stream, force=True, interval=0)
    bar.advance(50)
    bar.close()
    text = stream.getvalue()
    assert "50/100 documents" in text and "docs/s" in text and "ETA" in text and text.endswith("\n")


def test_progress_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress(total=10, stream=stream)
    bar.advance(10)
    bar.close()
    assert stream.getvalue() == ""


def test_progress_counts_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("가", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "가"}\n\n{"text": "나"}\n', encoding="utf-8")
    assert count_documents((str(tmp_path),)) == 3
    assert count_documents(("-",)) is None


def test_parallel_small_run_stays_in_process(monkeypatch) -> None:
    """With several workers, a run of a few batches starts no pool (it would only load more models)."""
    import koie.run.parallel as parallel
    from koie.run.inputs import InputDocument
    from koie.run.runner import computed_batches

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a single batch")

    monkeypatch.setattr(parallel, "parallel_batches", no_pool)
    calls = []
    monkeypatch.setattr(
        "koie.run.records.batch_records",
        lambda pack, documents, options, analyses=None: calls.append(documents) or ([], []),
    )
    from koie.run.runner import SMALL_RUN_BATCHES

    batches = [[InputDocument(str(i), "텍스트")] for i in range(SMALL_RUN_BATCHES)]
    pack = type("PackStub", (), {"compiled": None, "analyzer": _StoringStub()})()
    assert [b for b, _ in computed_batches(pack, batches, RecordOptions(), workers=0)] == batches
    assert calls == batches


class _StoringStub:
    """An analyser that keeps its analyses (koie.analysis.protocol.StoresAnalyses) and has none."""

    def analyze_many(self, texts):
        return []

    def analyze_many_later(self, texts):
        return [], lambda: None

    def store_soon(self, fresh):
        pass

    def flush(self):
        pass


@pytest.mark.parametrize(
    "cached, shareable, expected", [(True, False, 2), (True, True, "shared 1"), (False, True, None)]
)
def test_default_workers_use_every_core_when_the_analyses_are_cached(monkeypatch, cached, shareable, expected) -> None:
    """A re-run served by the analysis cache loads no model, so the default is one process per core:
    this one and forked helpers where forking is safe, else a pool; otherwise one per two cores (here:
    one, in this process)."""
    import koie.run.parallel as parallel
    from koie.run.inputs import InputDocument
    from koie.run.runner import SMALL_RUN_BATCHES, computed_batches

    started = []
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel, "can_share", lambda pack: shareable)
    monkeypatch.setattr(
        parallel,
        "parallel_batches",
        lambda pack, batches, options, workers: started.append(workers) or iter(()),
    )
    monkeypatch.setattr(
        parallel,
        "shared_batches",
        lambda pack, batches, options, helpers: started.append(f"shared {helpers}") or iter(()),
    )
    monkeypatch.setattr("koie.run.records.batch_records", lambda pack, documents, options, analyses=None: ([], []))

    class Analyzer(_StoringStub):
        def covers(self, texts):
            return cached

    pack = type("PackStub", (), {"analyzer": Analyzer(), "compiled": None})()
    batches = [[InputDocument(str(i), "텍스트")] for i in range(SMALL_RUN_BATCHES + 2)]
    list(computed_batches(pack, batches, RecordOptions(), workers=0))
    assert started == ([expected] if expected else [])


def test_default_workers_in_one_process_run_every_batch(monkeypatch) -> None:
    """With one process by default (2 cores, nothing cached), a long run still yields every batch.

    (A bug kept only the batches read to decide: found by the benchmark, 12,375 of 29,107 records.)
    """
    import koie.run.parallel as parallel
    from koie.run.inputs import InputDocument
    from koie.run.runner import SMALL_RUN_BATCHES, computed_batches

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel, "parallel_batches", lambda *args, **kwargs: pytest.fail("no pool expected"))
    monkeypatch.setattr("koie.run.records.batch_records", lambda pack, documents, options, analyses=None: ([], []))

    class Analyzer(_StoringStub):
        def covers(self, texts):
            return False

    pack = type("PackStub", (), {"analyzer": Analyzer(), "compiled": None})()
    batches = [[InputDocument(str(i), "텍스트")] for i in range(3 * SMALL_RUN_BATCHES)]
    assert [batch for batch, _ in computed_batches(pack, batches, RecordOptions(), workers=0)] == batches


def _notation_pack(tmp_path: Path):
    from koie.analysis.morphemes import NotationAnalyzer
    from koie.api import Pack

    path = tmp_path / "pack.yaml"
    path.write_text(
        """
lexicons:
  TITLE: [회장, 사장]
rules:
  - id: person
    label: PERSON
    pattern: '/NNP (?= @TITLE)'
  - id: met
    label: MET
    pattern: '[PERSON:a] @TITLE ~3 [PERSON:b] @TITLE 와/JKB 만나/VV'
""",
        encoding="utf-8",
    )
    return Pack.load(path, NotationAnalyzer())


@pytest.mark.skipif(sys.platform != "linux", reason="helpers are forked on Linux only")
def test_shared_batches_match_one_process_in_order(tmp_path: Path, monkeypatch) -> None:
    """This process and a forked helper share the batches; the results are those of one process, in order."""
    import os
    import time

    import koie.run.records as run_records
    from koie.run.inputs import InputDocument
    from koie.run.parallel import can_share, shared_batches

    pack = _notation_pack(tmp_path)
    assert can_share(pack)  # no Kiwi model in a notation pack
    text = "김철수/NNP 회장/NNG+이/JKS 박영희/NNP 사장/NNG+와/JKB 만나/VV+었/EP+다/EF+./SF"
    batches = [[InputDocument(f"{b}-{i}", text.replace("김철수", f"김철{b}{i}")) for i in range(3)] for b in range(12)]
    options = RecordOptions()
    expected = [run_records.batch_records(pack, batch, options) for batch in batches]
    real = run_records.batch_records

    def slow_and_signed(pack, documents, options, analyses=None):
        time.sleep(0.02)  # the helper is still busy when this process looks, so it computes batches too
        per_document, problems = real(pack, documents, options, analyses)
        return [[dict(row, pid=os.getpid()) for row in rows] for rows in per_document], problems

    monkeypatch.setattr(run_records, "batch_records", slow_and_signed)
    got = list(shared_batches(pack, batches, options, helpers=1))
    assert [batch for batch, _ in got] == batches
    pids = {row.pop("pid") for _, (per_document, _) in got for rows in per_document for row in rows}
    assert [result for _, result in got] == expected
    assert len(pids) == 2 and os.getpid() in pids  # both processes did some of the work
    assert sum(len(rows) for per_document, _ in expected for rows in per_document) == 12 * 3 * 3
    # JSON Lines: the helper and this process both make lines; the output is the same
    from koie.run.sinks import record_line

    monkeypatch.setattr(
        run_records,
        "batch_records",
        lambda pack, documents, options, analyses=None: (
            time.sleep(0.02),
            real(pack, documents, options, analyses),
        )[1],
    )
    shared = list(shared_batches(pack, batches, RecordOptions(lines=True), helpers=1))
    kinds = {type(row) for _, (per_document, _) in shared for rows in per_document for row in rows}
    written = [
        [[row if isinstance(row, str) else record_line(row) for row in rows] for rows in per_document]
        for _, (per_document, _) in shared
    ]
    assert written == [[[record_line(row) for row in rows] for rows in per_document] for per_document, _ in expected]
    assert kinds == {str}


def test_no_sharing_once_kiwi_is_loaded(tmp_path: Path) -> None:
    """A process that has loaded a Kiwi model is never forked (its thread pool would hang the child)."""
    from koie.analysis.cache import CachedAnalyzer
    from koie.analysis.kiwi import KiwiAnalyzer
    from koie.run.parallel import can_share

    pack = _notation_pack(tmp_path)
    assert can_share(pack)
    kiwi = KiwiAnalyzer()
    pack.analyzer = CachedAnalyzer(kiwi, tmp_path / "c.sqlite")
    assert can_share(pack)
    kiwi._kiwi = object()  # as after its model is loaded
    assert not can_share(pack)


@pytest.mark.skipif(sys.platform != "linux", reason="helpers are forked on Linux only")
def test_a_helper_killed_by_the_system_loses_only_its_document(tmp_path: Path, monkeypatch) -> None:
    """A helper that dies (as under the OOM killer) does not hang the run: the batches in flight are
    redone one document per task, the document that kills its helper again is reported (E408), and every
    other document gets the records of a run without deaths, in order."""
    import os

    import koie.run.records as run_records
    from koie.run.inputs import InputDocument
    from koie.run.parallel import shared_batches

    pack = _notation_pack(tmp_path)
    text = "김철수/NNP 회장/NNG+이/JKS 박영희/NNP 사장/NNG+와/JKB 만나/VV+었/EP+다/EF+./SF"
    batches = [[InputDocument(f"{b}-{i}", text.replace("김철수", f"김철{b}{i}")) for i in range(3)] for b in range(6)]
    killer = batches[0][1]  # the first batches always go to the helper
    options = RecordOptions()
    expected = [run_records.batch_records(pack, batch, options) for batch in batches]
    real = run_records.batch_records
    parent = os.getpid()

    def dies_on_the_killer(pack, documents, options, analyses=None):
        if os.getpid() != parent and killer in documents:
            os._exit(9)  # no cleanup, no result: as a SIGKILL
        return real(pack, documents, options, analyses)

    monkeypatch.setattr(run_records, "batch_records", dies_on_the_killer)
    import threading

    got: list = []
    run = threading.Thread(target=lambda: got.extend(shared_batches(pack, batches, options, helpers=1)), daemon=True)
    run.start()
    run.join(timeout=120)
    assert not run.is_alive(), "the run waits for the dead helper's batch"
    assert [batch for batch, _ in got] == batches
    first_rows, first_problems = got[0][1]
    assert [(p.id, p.code) for p in first_problems] == [(killer.id, "E408")]
    assert first_rows[1] is None and first_rows[0] == expected[0][0][0] and first_rows[2] == expected[0][0][2]
    assert [result for _, result in got[1:]] == expected[1:]


@pytest.mark.skipif(sys.platform != "linux", reason="helpers are forked on Linux only")
def test_helpers_started_again_once_forking_is_unsafe_are_spawned(tmp_path: Path, monkeypatch) -> None:
    """After a helper died, the new pool forks only if forking is still safe (no Kiwi model loaded
    here since); otherwise its helpers are spawned, and the lost batch is redone there in full."""
    import os
    import threading

    import koie.run.parallel as parallel
    import koie.run.records as run_records
    from koie.run.inputs import InputDocument

    pack = _notation_pack(tmp_path)
    text = "김철수/NNP 회장/NNG+이/JKS 박영희/NNP 사장/NNG+와/JKB 만나/VV+었/EP+다/EF+./SF"
    batches = [[InputDocument(f"{b}-{i}", text.replace("김철수", f"김철{b}{i}")) for i in range(3)] for b in range(4)]
    killer = batches[0][1]
    options = RecordOptions()
    expected = [run_records.batch_records(pack, batch, options) for batch in batches]
    real = run_records.batch_records
    parent = os.getpid()

    def dies_on_the_killer_when_forked(pack, documents, options, analyses=None):
        if os.getpid() != parent and killer in documents:
            os._exit(9)  # a forked helper has this function; a spawned one has the real one
        return real(pack, documents, options, analyses)

    asked: list[bool] = []

    def safe_only_at_first(pack) -> bool:
        asked.append(not asked)
        return asked[-1]

    monkeypatch.setattr(run_records, "batch_records", dies_on_the_killer_when_forked)
    monkeypatch.setattr(parallel, "can_share", safe_only_at_first)
    got: list = []
    run = threading.Thread(
        target=lambda: got.extend(parallel.shared_batches(pack, batches, options, helpers=1)), daemon=True
    )
    run.start()
    run.join(timeout=180)
    assert not run.is_alive(), "the run waits for the dead helper's batch"
    assert asked[:2] == [True, False]  # forked first, spawned after the death
    assert [result for _, result in got] == expected  # the spawned helper did the killer's document


def _koie_imports(path: Path) -> set[str]:
    """Every koie module a source file imports, at the top or inside a function."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("koie"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("koie"):
            module = node.module or ""
            # from koie.run import records: a module; from koie.run.records import X: that module
            found.update(f"{module}.{alias.name}" for alias in node.names)
            found.add(module)
    return found


def test_the_run_and_the_report_import_each_other_in_pipeline_order() -> None:
    """records <- parallel <- runner -> sinks, report: no module of the run path imports one that
    imports it back (runner, report and parallel once imported each other), and the report and the
    worker processes know nothing of the runner."""
    root = Path(__file__).resolve().parent.parent
    modules = {
        ".".join(path.relative_to(root).with_suffix("").parts): path
        for package in ("koie/run", "koie/report")
        for path in (root / package).glob("*.py")
        if path.name != "__init__.py"
    }
    modules.update({"koie.api": root / "koie/api.py", "koie.explain": root / "koie/explain.py"})
    modules["koie.dask"] = root / "koie/dask.py"
    graph = {name: sorted(_koie_imports(path) & modules.keys()) for name, path in modules.items()}
    assert "koie.run.runner" not in graph["koie.run.parallel"]
    assert "koie.run.runner" not in graph["koie.run.records"]
    for name in modules:
        if name.startswith("koie.report"):
            assert not {"koie.run.runner", "koie.run.parallel", "koie.run.resume"} & set(graph[name]), name

    def cycle_from(name: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if name in path:
            return path[path.index(name) :] + (name,)
        for imported in graph[name]:
            found = cycle_from(imported, path + (name,))
            if found:
                return found
        return None

    cycles = [cycle for name in graph if (cycle := cycle_from(name, ())) is not None]
    assert not cycles, " -> ".join(cycles[0])


def _children(parent: int) -> dict[int, str]:
    """The processes whose parent is ``parent`` (pid: command line), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(status.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry.name)] = command
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by whoever adopted it, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("stop", ["SIGKILL", "SIGTERM", "SIGHUP"])
def test_workers_and_resource_tracker_end_with_a_killed_run(tmp_path: Path, stop: str) -> None:
    """`koie run --workers 2` then SIGKILL, SIGTERM or SIGHUP of the run once left the workers (about 0.5 GB
    each) and multiprocessing's resource tracker alive under PID 1: five kills left 15 processes and 5.4 GB."""
    import os
    import signal
    import subprocess
    import time

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(400):
        (corpus / f"d{index:03d}.txt").write_text(
            f"홍길동 사장이 김철수 대표와 {index}일 만났다. 이영희 회장은 박민수 대표와 회동했다.\n", encoding="utf-8"
        )
    out, err = tmp_path / "out.jsonl", tmp_path / "stderr.txt"
    command = [sys.executable, "-m", "koie", "run", "--no-cache", "--workers", "2", "examples/hello.yaml"]
    # stderr to a file, not a pipe: a worker that outlived the run would hold a pipe open, and reading it wait
    with err.open("wb") as stderr:
        run = subprocess.Popen([*command, str(corpus), "-o", str(out)], stderr=stderr)
    deadline = time.monotonic() + 120  # a safety net against a hung test, not a measurement
    children: dict[int, str] = {}
    while time.monotonic() < deadline and run.poll() is None:
        children = _children(run.pid)
        if sum("spawn_main" in command for command in children.values()) >= 2:
            break
        time.sleep(0.05)
    assert run.poll() is None, err.read_text(encoding="utf-8")
    time.sleep(1.0)  # the workers start (and load Kiwi): kill the run in the midst of its work
    children.update(_children(run.pid))
    assert any("resource_tracker" in command for command in children.values()), children
    run.send_signal(getattr(signal, stop))
    try:
        status = run.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.1)
        left = {pid: command for pid, command in children.items() if _alive(pid)}
        assert not left
        if stop != "SIGKILL":
            assert status == 128 + getattr(signal, stop), err.read_text(encoding="utf-8")
    finally:
        for pid in children:  # this test's own processes: never left behind, even when it fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
