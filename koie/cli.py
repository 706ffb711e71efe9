"""The ``koie`` command line: a thin layer over the API.

Exit codes: 0 success, 1 user error (bad rule file, failed test, bad
documents), 2 usage error (click). Results go to stdout, diagnostics to
stderr, and a traceback only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from koie.errors import Diagnostic, KoieError
from koie.run.sinks import count_noun

F = TypeVar("F", bound=Callable[..., Any])

#: ``--max-document-size``'s default, in MB (koie.run.inputs.MAX_DOCUMENT_BYTES, not imported here: the CLI
#: starts with few imports).
MAX_DOCUMENT_MB = 100.0


def _echo_diagnostics(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.render(), err=True)


def user_errors(function: F) -> F:
    """Turn :class:`KoieError` into diagnostics on stderr and exit code 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        debug = bool((context.obj or {}).get("debug"))
        try:
            return function(*args, **kwargs)
        except KoieError as error:
            if debug:
                raise
            _echo_diagnostics(error.diagnostics)
            errors = len(error.errors)
            click.echo(count_noun(errors, "error"), err=True)
            sys.exit(1)
        except Stopped as stopped:
            click.echo(f"stopped by signal {stopped.signal_number}", err=True)
            sys.exit(128 + stopped.signal_number)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as error:
            if isinstance(error, BrokenPipeError) and not debug and _reader_gone():
                # The reader of our output went away (koie run ... | head): stop quietly, as cat and
                # grep do, with the status a SIGPIPE death gives. Writes still buffered go nowhere.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(128 + 13)
            if debug:
                raise
            click.echo(
                f"internal error: {error.__class__.__name__}: {error} (run with --debug for the traceback)", err=True
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _reader_gone() -> bool:
    """Whether stdout is a pipe whose reading end is closed (so a BrokenPipeError was ours to expect)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), 0)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no real stdout (a test runner)
        return False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(package_name="koie")
@click.pass_context
def main(context: click.Context, debug: bool) -> None:
    """koie: rule-based information extraction for Korean."""
    context.ensure_object(dict)
    context.obj["debug"] = debug


#: Whether koie runs as the ``koie`` command (:func:`entry`), not called in-process (click's test runner).
_COMMAND_LINE = False


def entry() -> None:
    """The ``koie`` command and ``python -m koie``."""
    global _COMMAND_LINE
    _COMMAND_LINE = True
    main(prog_name="koie")


def _leave_now(code: int) -> NoReturn:
    """End the process without tearing the interpreter down.

    ``koie run`` has closed its files and joined its processes by now; what
    remains is freeing every object and module one by one, which took 0.1-0.17 s
    of a 1.4 s warm run. Only the ``koie`` command does this, never a caller
    that imported koie.
    """
    for stream in (sys.stdout, sys.stderr):
        # a reader that went away (koie run ... | head), or a closed stream
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: the run stops as on Ctrl-C (worker processes end, ``-o FILE`` stays resumable)."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """While a run lasts, SIGTERM and SIGHUP stop it as Ctrl-C does: its worker processes are ended
    with it (they would otherwise outlive it), what is done stays for ``--resume``, and the exit status
    is 128 + the signal's number. Only the command does this, in the main thread."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, _frame: Any) -> None:
        raise Stopped(number)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {number: signal.signal(number, stop) for number in wanted}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def corpus_run_collector() -> Iterator[None]:
    """``koie run``'s process setup: the cycle collector is off while the run lasts, on again afterwards.

    Matching makes no reference cycles (a test checks it), and a whole run
    hardly more: 366 documents (1 MB) of the meetings pack left 15 objects for
    the collector, and the run's peak memory was the same with it off. Its
    passes found nothing but cost more the bigger the heap: matching one 2 MB
    document took 3.1 s with it off, 4.0 s with it collecting every 50,000
    allocations and 6.8 s with Python's defaults (process time, medians of 4).
    Only the command does this: a library call (``koie.load(...).extract(...)``,
    koie.run.runner.run_corpus, koie.dask) leaves the collector as its caller set
    it. Worker processes take the settings of the process that starts them.
    """
    import gc

    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cache_options(function: F) -> F:
    """``--cache PATH`` and ``--no-cache``: every command that analyses text or literals keeps the
    analyses in the user's cache by default, so a second check, test or run after an edit does not
    load the Kiwi model for what it has seen."""
    function = click.option("--no-cache", is_flag=True, help="Do not read or write the analysis cache.")(function)
    return click.option(
        "--cache",
        "cache_path",
        type=click.Path(dir_okay=False),
        help="Analysis cache file (default: $XDG_CACHE_HOME/koie/analyses.sqlite).",
    )(function)


def _cache_file(cache_path: str | None, no_cache: bool) -> str | None:
    """The cache a command uses: ``--cache PATH``, the user's, or None for ``--no-cache``."""
    if no_cache:
        return None
    from koie.analysis.cache import default_cache_path

    return cache_path or str(default_cache_path())


def _published_date(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """``--published``: a date (YYYY-MM-DD) or a usage error (exit 2); nothing is silently ignored."""
    from koie.engine.dates import parse_published

    if value is not None and parse_published(value) is None:
        raise click.BadParameter(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2024-07-01")
    return value


def _load(rules: str, cache: str | None = None) -> Any:
    """The pack at ``rules``, compiled, its analyser behind ``cache`` when one is given."""
    if cache is None:
        from koie.api import load

        return load(rules)
    from koie.api import load_cached_pack

    return load_cached_pack(rules, cache)


@main.command()
@click.argument("rules", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write records here (default: stdout).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "table", "csv", "html"]),
    default="jsonl",
    show_default=True,
    help="html: one self-contained page with every record and its explanation.",
)
@click.option("--explain", is_flag=True, help="Add each record's explanation (JSON Lines only).")
@click.option("--all", "include_hidden", is_flag=True, help="Also output records of rules with output: false.")
@click.option("--suppressed", is_flag=True, help="Also output records the overlap policy suppressed.")
@click.option("--jsonl", "jsonl", is_flag=True, default=None, help="Read inputs as JSON Lines (id, text).")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of input files.")
@click.option("--lossy", is_flag=True, help="Replace undecodable bytes instead of skipping the document.")
@click.option(
    "--errors", "errors_file", type=click.Path(dir_okay=False), help="Write document problems here as JSON Lines."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.option(
    "--published",
    metavar="YYYY-MM-DD",
    callback=_published_date,
    help="Publication date for relative dates (a JSON Lines 'published' field wins).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (default and 0: one per two cores, each keeping two busy, or one per "
    "core when the analyses are cached; a run of up to 128 documents stays in one process; at most "
    "one per core). Output is identical for any N.",
)
@click.option(
    "--max-document-size",
    "max_document_mb",
    type=click.FloatRange(min=0, min_open=True),
    default=MAX_DOCUMENT_MB,
    show_default=True,
    metavar="MB",
    help="Skip (and report, E409) a document larger than this many megabytes (10^6 bytes) as read.",
)
@cache_options
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Skip (and report, E403) a document whose matching takes longer than this.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted run of the same command with -o FILE.")
@click.option(
    "--labels",
    "label_names",
    multiple=True,
    metavar="LABEL[,LABEL…]",
    help="Only records of these labels; documents that cannot hold one are skipped before analysis.",
)
@click.option("--no-prefilter", is_flag=True, help="With --labels: analyse every document all the same.")
@user_errors
def run(
    rules: str,
    inputs: tuple[str, ...],
    output: str | None,
    fmt: str,
    explain: bool,
    include_hidden: bool,
    suppressed: bool,
    jsonl: bool | None,
    encoding: str,
    lossy: bool,
    errors_file: str | None,
    quiet: bool,
    published: str | None,
    workers: int | None,
    cache_path: str | None,
    no_cache: bool,
    timeout: float | None,
    resume: bool,
    label_names: tuple[str, ...],
    no_prefilter: bool,
    max_document_mb: float = MAX_DOCUMENT_MB,
) -> None:
    """Apply RULES to INPUT files, directories or - (stdin); print records."""
    from koie.api import load_cached_pack
    from koie.report.sink import HtmlSink
    from koie.run.parallel import choose_workers, workers_note
    from koie.run.progress import Progress, count_documents, wanted
    from koie.run.runner import FORMATS, run_corpus, sink_type

    sinks = {name: sink_type(name) for name in FORMATS} | {"html": HtmlSink}
    if resume and (not output or not sinks[fmt].resumable):
        resumable = " or ".join(name for name, kind in sinks.items() if kind.resumable)
        raise click.UsageError(f"--resume continues a run written with -o FILE in {resumable} format")
    note = workers_note(workers)
    if note and not quiet:
        click.echo(f"koie: {note}", err=True)
    # the rule files are read and checked now; the rules compile while the first documents are analysed
    pack = load_cached_pack(rules, _cache_file(cache_path, no_cache), deferred=True)
    labels = pack.check_labels(_split_labels(label_names)) if label_names else None
    progress = Progress(count_documents(inputs, jsonl)) if wanted(quiet) else None
    with corpus_run_collector(), stopped_by_signals():
        summary = run_corpus(
            pack,
            inputs,
            output=output,
            fmt=fmt,
            sink=HtmlSink(pack) if fmt == "html" else None,
            explain=explain,
            include_hidden=include_hidden,
            include_suppressed=suppressed,
            jsonl=jsonl,
            encoding=encoding,
            lossy=lossy,
            errors_file=errors_file,
            quiet=quiet,
            published=published,
            workers=choose_workers(workers),
            progress=progress,
            timeout=timeout,
            resume=resume,
            run_key=_run_key(rules, pack),
            max_document_bytes=int(max_document_mb * 1_000_000),
            labels=labels,
            prefilter=not no_prefilter,
        )
    if _COMMAND_LINE:
        _leave_now(1 if summary.failed else 0)
    if summary.failed:
        sys.exit(1)


def _split_labels(values: tuple[str, ...]) -> list[str]:
    """``--labels A,B --labels C`` → [A, B, C]."""
    return [label.strip() for value in values for label in value.split(",") if label.strip()]


def _run_key(rules: str, pack: Any) -> dict[str, Any]:
    """What a resumed run must share with the interrupted one: every file the pack read (its rule files,
    imports and lexicon files), byte for byte, each by its SHA-1."""
    import hashlib

    files: dict[str, str] = {}
    for name in pack.spec.source_files or (rules,):
        try:
            files[name] = hashlib.sha1(Path(name).read_bytes()).hexdigest()
        except OSError as error:
            files[name] = f"unreadable: {error.strerror}"
    return {"rules": str(Path(rules).resolve()), "pack_files": files}


@main.command(name="eval")
@click.argument("rules", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--gold",
    "gold_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Gold pairs, JSON Lines: {doc, published, meetings: [[A, B]], optional: [[A, B]]}.",
)
@click.option(
    "--names",
    "names_path",
    type=click.Path(dir_okay=False),
    help="JSON {canonical name: [aliases]} used to compare names.",
)
@click.option("--label", default=None, help="The relation label to grade.  [default: MEETING]")
@click.option(
    "--roles",
    multiple=True,
    metavar="A,B | R",
    help="Who is related to whom, over the pack's relations: A,B pairs each A with each B; R pairs every two "
    "mentions of R. Repeatable.",
)
@click.option("--gold-key", default=None, help="The gold field holding the pairs.  [default: meetings]")
@click.option(
    "--status",
    default=None,
    help="Only records whose attrs.status is this count (records without a status count too).  [default: asserted]",
)
@click.option("--directed", is_flag=True, help="Compare pairs in order (role A → role B), not either way.")
@click.option(
    "--scheme",
    "scheme_path",
    type=click.Path(dir_okay=False),
    help="A scheme file mapping gold keys to labels and statuses (docs/eval.md), instead of "
    "--label, --gold-key and --status.",
)
@click.option(
    "--published",
    metavar="YYYY-MM-DD",
    callback=_published_date,
    help="Publication date when neither input nor gold gives one.",
)
@click.option("--jsonl", "jsonl", is_flag=True, default=None, help="Read inputs as JSON Lines (id, text).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@cache_options
@user_errors
def evaluate_command(
    rules: str,
    inputs: tuple[str, ...],
    gold_path: str,
    names_path: str | None,
    label: str | None,
    roles: tuple[str, ...],
    gold_key: str | None,
    status: str | None,
    directed: bool,
    scheme_path: str | None,
    published: str | None,
    jsonl: bool | None,
    fmt: str,
    cache_path: str | None,
    no_cache: bool,
) -> None:
    """Grade RULES' relation records on INPUT documents against gold pairs: precision, recall, F1, misses."""
    from koie.measure.evaluate import EvalOptionError, check_options, evaluate, read_gold, read_names, render_report
    from koie.measure.scheme import default_scheme, read_scheme

    role_list: list[tuple[str, ...]] = []
    for value in roles:
        names = tuple(r.strip() for r in value.split(","))
        if len(names) not in (1, 2) or not all(names):
            raise click.BadParameter(
                "give two roles separated by a comma (subject,object) or one role", param_hint="--roles"
            )
        role_list.append(names)
    if scheme_path is not None:
        given = [name for name, value in (("--label", label), ("--gold-key", gold_key), ("--status", status)) if value]
        if given or role_list:
            raise click.UsageError(f"{', '.join(given + ['--roles'] * bool(role_list))}: the scheme file says these")
        scheme = read_scheme(scheme_path)
    else:
        scheme = default_scheme(gold_key or "meetings", label or "MEETING", status or "asserted")
    pack = _load(rules, _cache_file(cache_path, no_cache))
    gold = read_gold(gold_path, optional_key=scheme.optional, keys=[key.key for key in scheme.keys])
    try:
        notes = check_options(pack, scheme, gold, role_list)
    except EvalOptionError as error:
        raise click.BadParameter(error.message, param_hint=error.option) from None
    report = evaluate(
        pack,
        gold,
        inputs,
        read_names(names_path),
        roles=role_list or None,
        published=published,
        jsonl=jsonl,
        skip=[path for path in (gold_path, names_path, scheme_path) if path],
        directed=directed,
        scheme=scheme,
    )
    report.notes += notes
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report))


@main.command()
@click.argument("rules", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--atoms", "show_atoms", is_flag=True, help="Print what koie run --labels looks for, label by label.")
@cache_options
@user_errors
def check(
    rules: tuple[str, ...], strict: bool, fmt: str, show_atoms: bool, cache_path: str | None, no_cache: bool
) -> None:
    """Check rule packs: every problem at once, with file:line:col and a fix."""
    from koie.lang.check import atom_notes, check_pack_atoms, render_atoms

    failed = False
    all_diagnostics: list[Diagnostic] = []
    all_atoms: dict[str, Any] = {}
    for path in rules:
        diagnostics, atoms = check_pack_atoms(path, _cache_file(cache_path, no_cache))
        notes = atom_notes(atoms) if atoms is not None else []
        all_diagnostics.extend(diagnostics)
        errors = [d for d in diagnostics if d.severity == "error" or strict]
        failed = failed or bool(errors)
        if atoms is not None and show_atoms:
            all_atoms[path] = {label.label: [rule.to_json() for rule in label.rules] for label in atoms.labels.values()}
            if fmt == "text":
                click.echo(render_atoms(atoms))
        if fmt == "text":
            _echo_diagnostics(diagnostics)
            for note in notes:
                click.echo(note.render(), err=True)
            error_count = len([d for d in diagnostics if d.severity == "error"])
            noted = f", {count_noun(len(notes), 'note')}" if notes else ""
            click.echo(
                f"{path}: {count_noun(error_count, 'error')}, "
                f"{count_noun(len(diagnostics) - error_count, 'warning')}{noted}",
                err=True,
            )
    if fmt == "json":
        data: Any = [d.to_json() for d in all_diagnostics]
        click.echo(json.dumps(all_atoms if show_atoms else data, ensure_ascii=False, indent=2))
    if failed:
        sys.exit(1)


def _known_rules(rule_ids: tuple[str, ...], known: set[str]) -> None:
    """A usage error (exit 2) for a --rule no pack has, with the closest id."""
    from koie.errors import did_you_mean

    for rule_id in rule_ids:
        if rule_id not in known:
            hint = did_you_mean(rule_id, known) or f"The rules: {', '.join(sorted(known))}."
            raise click.BadParameter(f"no rule {rule_id!r}. {hint}", param_hint="'--rule'")


@main.command()
@click.argument("rules", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--rule", "rule_ids", multiple=True, help="Only these rule ids.")
@click.option("-v", "--verbose", is_flag=True, help="List passing examples too.")
@click.option("--no-properties", is_flag=True, help="Run only the written examples, no generated sentences.")
@click.option("--seed", type=int, default=None, help="Seed for generated sentences.")
@click.option("--max-examples", type=int, default=None, help="Generated sentences per rule.")
@click.option(
    "--profile",
    default=None,
    metavar="NAME",
    help="Hypothesis profile for generated sentences: koie-ci (derandomised) or koie-dev "
    "[default: HYPOTHESIS_PROFILE, else koie-ci under CI, koie-dev otherwise].",
)
@cache_options
@user_errors
def test(
    rules: tuple[str, ...],
    rule_ids: tuple[str, ...],
    verbose: bool,
    no_properties: bool,
    seed: int | None,
    max_examples: int | None,
    profile: str | None,
    cache_path: str | None,
    no_cache: bool,
) -> None:
    """Run every rule's examples (and generated properties); exit 1 on failure."""
    from koie.testing.examples import ExampleResult, run_examples

    if not no_properties:
        from koie.testing.profiles import UnknownProfile, profile_name, profile_settings

        try:
            profile_settings(profile_name(profile))
        except UnknownProfile as error:
            raise click.BadParameter(str(error), param_hint="'--profile' or HYPOTHESIS_PROFILE") from None
    results: list[ExampleResult] = []
    packs = [_load(path, _cache_file(cache_path, no_cache)) for path in rules]
    _known_rules(rule_ids, {c.rule.id for pack in packs for c in pack.compiled.rules})
    for pack in packs:
        results.extend(run_examples(pack, set(rule_ids) or None))
        if not no_properties:
            from koie.testing.properties import run_properties

            results.extend(
                run_properties(pack, set(rule_ids) or None, seed=seed, max_examples=max_examples, profile=profile)
            )
    failures = total = 0
    for result in results:
        skipped = result.ok and result.message.startswith("skipped")
        if not skipped:
            total += 1
            failures += not result.ok
        if result.ok and not verbose:
            continue
        status = "SKIP" if skipped else "PASS" if result.ok else "FAIL"
        code = f" {result.code}" if result.code and not result.ok else ""
        detail = result.message if skipped else result.text
        click.echo(f"{status}{code} {result.where} {result.rule} {result.kind}: {detail}")
        if not result.ok:
            for line in result.message.splitlines():
                click.echo(f"     {line}")
    click.echo(f"{total - failures} passed, {failures} failed")
    if failures:
        sys.exit(1)


@main.command()
@click.argument("rules", type=click.Path(dir_okay=False))
@click.argument("text")
@click.option("--rule", "rule_ids", multiple=True, help="Explain only these rules.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--html", "html_page", is_flag=True, help="Write one self-contained HTML page instead (see -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="With --html: write the page here.")
@cache_options
@user_errors
def explain(
    rules: str,
    text: str,
    rule_ids: tuple[str, ...],
    fmt: str,
    html_page: bool = False,
    output: str | None = None,
    cache_path: str | None = None,
    no_cache: bool = False,
) -> None:
    """Show the analysis of TEXT, every match with its trace, and why other rules did not match."""
    from koie.engine.extract import Origin
    from koie.explain import explain_record, render_explanation, render_why_not, why_not

    pack = _load(rules, _cache_file(cache_path, no_cache))
    _known_rules(rule_ids, {c.rule.id for c in pack.compiled.rules})
    extraction = pack.extract_document(text, "<text>")
    kept: dict[str, list[Any]] = {}
    for record in extraction.records:
        kept.setdefault(record.label, []).append(record)
    wanted = set(rule_ids) or {c.rule.id for c in pack.compiled.rules}
    matched = [r for r in extraction.records if r.rule in wanted and r.origin is Origin.RULE]
    lost = [r for r in extraction.suppressed if r.rule in wanted]
    unmatched = sorted(wanted - {r.rule for r in extraction.records} - {r.rule for r in lost})

    def explanation_of(record: Any) -> dict[str, Any]:
        return explain_record(pack.compiled, record)

    if html_page:
        from koie.report.html import write_explain_page

        write_explain_page(
            pack,
            extraction,
            lost,
            {rule: why_not(pack.compiled, extraction.document, rule, kept) for rule in unmatched},
            output,
        )
        return
    if output:
        raise click.UsageError("-o/--output is for the --html page")
    if fmt == "json":
        data = {
            "analysis": [[m.notation for m in s.morphemes] for s in extraction.document.sentences],
            "matches": [r.to_json() | {"explanation": explanation_of(r)} for r in matched],
            "suppressed": [r.to_json() | {"explanation": explanation_of(r)} for r in lost],
            "not_matched": {rule: why_not(pack.compiled, extraction.document, rule, kept) for rule in unmatched},
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo("analysis:")
    for sentence in extraction.document.sentences:
        click.echo("  " + " ".join(f"{m.notation}" for m in sentence.morphemes))
    click.echo("")
    for heading, records in (("matches", matched), ("suppressed", lost)):
        if heading == "suppressed" and not records:
            continue
        if heading == "suppressed":
            click.echo("")
        click.echo(f"{heading} ({len(records)}):")
        for record in records:
            click.echo(f"- {record.label} {record.text!r} [{record.start}:{record.end}]")
            click.echo(_indent(render_explanation(explanation_of(record)), "  "))
    if unmatched:
        click.echo("")
        click.echo("not matched:")
        for rule_id in unmatched:
            for report in why_not(pack.compiled, extraction.document, rule_id, kept):
                click.echo(_indent(render_why_not(report), "  "))


@main.command()
@click.argument("rules", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, required=True)
@click.option("--top", type=click.IntRange(min=1), default=None, help="Only the N costliest rules.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--jsonl", "jsonl", is_flag=True, default=None, help="Read inputs as JSON Lines (id, text).")
@cache_options
@user_errors
def profile(
    rules: str,
    inputs: tuple[str, ...],
    top: int | None,
    fmt: str,
    jsonl: bool | None,
    cache_path: str | None,
    no_cache: bool,
) -> None:
    """Time RULES on INPUT documents, rule by rule, with what each rule needs a sentence to hold."""
    from koie.measure.profile import profile_pack, render_profile
    from koie.run.inputs import DocumentProblem, read_inputs

    pack = _load(rules, _cache_file(cache_path, no_cache))
    texts = []
    for item in read_inputs(inputs, jsonl=jsonl):
        if isinstance(item, DocumentProblem):
            click.echo(f"{item.id}: {item.code} {item.message}", err=True)
        else:
            texts.append(item.text)
    with corpus_run_collector():  # timed as koie run matches
        result = profile_pack(pack, texts)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_profile(result, top))


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


@main.command()
@click.argument("text")
@click.option("--rules", type=click.Path(dir_okay=False), help="Use the user words this pack adds.")
@click.option("--offsets", is_flag=True, help="Show character offsets.")
@user_errors
def tokenize(text: str, rules: str | None, offsets: bool) -> None:
    """Show how Kiwi analyses TEXT, in the form/TAG notation patterns use."""
    from koie.analysis.kiwi import KiwiAnalyzer

    if rules:
        analyzer = _load(rules).analyzer
    else:
        analyzer = KiwiAnalyzer()
    document = analyzer.analyze(text)
    for sentence in document.sentences:
        words: dict[int, list[str]] = {}
        for m in sentence.morphemes:
            words.setdefault(m.eojeol, []).append(m.notation + (f"@{m.start}-{m.end}" if offsets else ""))
        click.echo(" ".join("+".join(parts) for parts in words.values()))


@main.group()
def cache() -> None:
    """The analysis cache: Kiwi's results kept between runs (docs/performance.md)."""


@cache.command("info")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False), help="The cache file (default: the user's).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@user_errors
def cache_info(cache_path: str | None, fmt: str) -> None:
    """Where the cache is, how many analyses it holds, and whether it checks out."""
    from koie.analysis.cache import AnalysisCache, default_cache_path

    info = AnalysisCache(cache_path or default_cache_path()).info()
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    for key, value in info.items():
        click.echo(f"{key}: {value}")


@cache.command("clear")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False), help="The cache file (default: the user's).")
@user_errors
def cache_clear(cache_path: str | None) -> None:
    """Delete every cached analysis."""
    from koie.analysis.cache import AnalysisCache, CacheNotCleared, default_cache_path

    store = AnalysisCache(cache_path or default_cache_path())
    try:
        removed = store.clear()
    except CacheNotCleared as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"removed {removed} cached analyses from {store.path}")


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the schema to a file.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of rule packs (for editors)."""
    from koie.lang.schema import pack_schema

    text = json.dumps(pack_schema(), ensure_ascii=False, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
