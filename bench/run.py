"""koie's benchmark: every figure of docs/performance.md in one run, as ratios against bare Kiwi.

    python bench/run.py                 # 1 MB corpus, rules/meetings.yaml
    python bench/run.py --mb 2 --rules examples/hello.yaml --skip-large

Timings are wall-clock seconds of whole processes (model load included) for
the end-to-end figures, and of in-process loops for matching. Every figure is
measured in this run, on this machine, against a baseline measured in the
same run: absolute times on a shared machine mean little, ratios do.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus as generated  # noqa: E402

BARE_KIWI = r"""
import sys, time
from pathlib import Path
from kiwipiepy import Kiwi
kiwi = Kiwi(num_workers=-1)
kiwi.tokenize("")
lines = []
for path in sorted(Path(sys.argv[1]).glob("*.txt")):
    lines.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
tokens = 0
for sentences in kiwi.tokenize(lines, split_sents=True):
    for sentence in sentences:
        tokens += len(sentence)
print(tokens)
"""


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def best_of(times: int, function: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``times`` runs: on a shared machine a slow run measures the neighbours."""
    runs = [timed(function) for _ in range(times)]
    return min(seconds for seconds, _ in runs), runs[-1][1]


def run_process(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        args,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "KOIE_NO_PROGRESS": "1"},
    )
    return time.perf_counter() - start


def median_interval(
    values: list[float], level: float = 0.9, resamples: int = 4000, seed: int = 11
) -> tuple[float, float]:
    """A bootstrap interval for the median of ``values`` (percentile method, fixed seed).

    The end-to-end rounds are few and the machine is noisy (one process can
    take 40% longer than the next), so a median alone does not say whether a
    target holds: the interval does, when it lies wholly on one side.
    """
    if len(values) < 2:
        return values[0], values[0]
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    tail = (1 - level) / 2
    return medians[int(tail * resamples)], medians[min(resamples - 1, int((1 - tail) * resamples))]


def verdict(interval: tuple[float, float], target: float) -> str:
    low, high = interval
    if high <= target:
        return "holds"
    if low > target:
        return "fails"
    return "not shown (the interval straddles the target)"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load average {load:.1f} at start"


# -- peers: the same patterns for koie, spaCy's Matcher and re over form/TAG strings --------------------

TITLES = ["회장", "사장", "대표", "부회장", "CEO"]
PEER_PATTERNS: list[dict[str, Any]] = [
    {
        "koie": "/NNP{1,2} (" + " | ".join(TITLES) + ")",
        "spacy": [{"TAG": "NNP", "OP": "{1,2}"}, {"ORTH": {"IN": TITLES}}],
        "re": r"(?:\S+/NNP ){1,2}(?:" + "|".join(TITLES) + r")/\S+",
    },
    {
        "koie": "(만나 | 회동하) 었/EP",
        "spacy": [{"ORTH": {"IN": ["만나", "회동하"]}}, {"ORTH": "었", "TAG": "EP"}],
        "re": r"(?:만나|회동하)/\S+ 었/EP",
    },
    {
        "koie": "/SN 억/NR (/SN 만/NR)? 원/NNB",
        "spacy": [
            {"TAG": "SN"},
            {"ORTH": "억", "TAG": "NR"},
            {"TAG": "SN", "OP": "?"},
            {"ORTH": "만", "TAG": "NR", "OP": "?"},
            {"ORTH": "원", "TAG": "NNB"},
        ],
        "re": r"\S+/SN 억/NR (?:\S+/SN 만/NR )?원/NNB",
    },
    {"koie": "/SN 일/NNB", "spacy": [{"TAG": "SN"}, {"ORTH": "일", "TAG": "NNB"}], "re": r"\S+/SN 일/NNB"},
    {
        "koie": "/NNG 와/JKB ~3 만나",
        "spacy": [{"TAG": "NNG"}, {"ORTH": "와", "TAG": "JKB"}, {"OP": "{0,3}"}, {"ORTH": "만나"}],
        "re": r"\S+/NNG 와/JKB (?:\S+ ){0,3}만나/\S+",
    },
]


#: In-process matching figures are the fastest of this many runs (each peer alike).
REPEATS = 3
#: Rounds of the rule-count figures (10, 100, 1,000 rules in turn; the fastest of each).
SCALING_ROUNDS = 15


def peer_pack(directory: Path, patterns: list[str], lexicons: dict[str, list[str]] | None = None) -> Path:
    import yaml

    rules = [{"id": f"r{index}", "label": f"L{index}", "pattern": pattern} for index, pattern in enumerate(patterns)]
    path = directory / f"pack{len(patterns)}-{random.random():.6f}.yaml"
    body: dict[str, Any] = {"name": "bench", "rules": rules}
    if lexicons:
        body["lexicons"] = lexicons
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_quiet(path: Path, analyzer: Any) -> Any:
    import koie

    return koie.load(path, analyzer)


def koie_matching(pack: Any, documents: list[Any], times: int = 0) -> tuple[float, int]:
    from koie.engine.extract import extract

    def go() -> int:
        return sum(len(extract(pack.compiled, d).records) for d in documents)

    return best_of(times or REPEATS, go)


def peers(documents: list[Any], analyzer: Any, workdir: Path) -> dict[str, Any]:
    import spacy
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

    sentences = [s.morphemes for d in documents for s in d.sentences]
    vocab = spacy.blank("xx").vocab
    docs = [
        Doc(vocab, words=[m.form for m in ms], spaces=[False] * len(ms), tags=[m.tag for m in ms]) for ms in sentences
    ]
    matcher = Matcher(vocab)
    for index, peer in enumerate(PEER_PATTERNS):
        matcher.add(f"p{index}", [peer["spacy"]], greedy="LONGEST")
    spacy_time, spacy_count = best_of(REPEATS, lambda: sum(len(matcher(doc)) for doc in docs))
    strings = [" ".join(f"{m.form}/{m.tag}" for m in ms) + " " for ms in sentences]
    compiled = [re.compile(r"(?<!\S)" + peer["re"]) for peer in PEER_PATTERNS]
    re_time, re_count = best_of(REPEATS, lambda: sum(1 for s in strings for rx in compiled for _ in rx.finditer(s)))
    pack = load_quiet(peer_pack(workdir, [p["koie"] for p in PEER_PATTERNS]), analyzer)
    koie_time, koie_count = koie_matching(pack, documents)
    vm_time, vm_count = best_of(REPEATS, lambda: vm_matching(pack, documents))
    return {
        "spacy": (spacy_time, spacy_count),
        "re": (re_time, re_count),
        "koie": (koie_time, koie_count),
        "koie-vm": (vm_time, vm_count),
        "sentences": len(sentences),
    }


def vm_matching(pack: Any, documents: list[Any]) -> int:
    """What spaCy's Matcher does: every pattern over every sentence, spans out (no records, no overlap policy)."""
    from koie.vm.match import MatchInput, SentenceIndex, find_matches

    programs = [compiled.program for compiled in pack.compiled.rules]
    found = 0
    for document in documents:
        for sentence in document.sentences:
            sentence_input = MatchInput(sentence.morphemes, document.text, index=SentenceIndex(sentence.morphemes))
            for program in programs:
                found += len(find_matches(program, sentence_input))
    return found


# -- generated rule sets for the rule-count scaling -----------------------------------------------------


def generated_rules(count: int, documents: list[Any], seed: int = 7) -> list[str]:
    """Realistic rules: a literal noun or verb, lexicon slots, gaps, particles (forms drawn from the corpus).

    Every rule is distinct, as in a pack people write: the corpus has only ~30 verbs,
    so a verb is always paired with a noun (drawing a bare verb rule 200 times gave
    six copies of each, and those copies made 80% of the 1,000-rule pack's records).
    """
    rng = random.Random(seed)
    nouns = sorted({m.form for d in documents for s in d.sentences for m in s.morphemes if m.tag == "NNG"})
    verbs = sorted({m.form for d in documents for s in d.sentences for m in s.morphemes if m.tag in ("VV", "XSV")})
    shapes = [
        lambda: f"{rng.choice(nouns)}/NNG (이 | 을) ~3 {rng.choice(verbs)}",
        lambda: f"{rng.choice(nouns)}/NNG ~2 @TITLE",
        lambda: f"{rng.choice(nouns)}/NNG 의/JKG ~2 /NNG",
        lambda: f"{rng.choice(nouns)}/NNG ~3 {rng.choice(verbs)} 었/EP ~2 /EF",
        lambda: f"{rng.choice(nouns)}/NNG /SN (억 | 만)?",
    ]
    rules: list[str] = []
    seen: set[str] = set()
    while len(rules) < count:
        pattern = shapes[len(rules) % len(shapes)]()
        if pattern not in seen:
            seen.add(pattern)
            rules.append(pattern)
    return rules


#: The development corpus of real news (../shared/corpus/news), read where it exists.
NEWS = ROOT.parent / "shared" / "corpus" / "news"
REPEATED_ROUNDS = 15


def repeated_lines(analyzer: Any) -> dict[str, Any] | None:
    """Real news repeats lines (a headline as the lead, captions, bylines); the generated corpus
    does not. The development corpus analysed as a stream, with every piece sent to Kiwi and with
    each distinct piece sent once (koie.analysis.kiwi.REPEATS_KEPT_CHARS), in alternation."""
    from collections import Counter

    import koie.analysis.kiwi as analysis

    texts = [path.read_text(encoding="utf-8") for path in sorted(NEWS.glob("*.txt"))] if NEWS.is_dir() else []
    if not texts:
        return None
    lines = Counter(line for text in texts for line in text.splitlines() if line.strip())
    repeated = sum(len(line) * (count - 1) for line, count in lines.items())
    kept = analysis.REPEATS_KEPT_CHARS
    times: dict[int, list[float]] = {0: [], kept: []}
    results: dict[int, Any] = {}
    try:
        for _ in range(REPEATED_ROUNDS):
            for limit in times:
                analysis.REPEATS_KEPT_CHARS = limit
                seconds, results[limit] = timed(lambda: [d for d, _fresh in analyzer.analyze_stream(iter(texts))])
                times[limit].append(seconds)
    finally:
        analysis.REPEATS_KEPT_CHARS = kept
    return {
        "documents": len(texts),
        "repeated_share": repeated / sum(len(t) for t in texts),
        "every_piece_s": statistics.median(times[0]),
        "once_s": statistics.median(times[kept]),
        "same": results[0] == results[kept],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="corpus size in MB of UTF-8 text")
    parser.add_argument("--rules", default="rules/meetings.yaml")
    parser.add_argument("--skip-large", action="store_true", help="skip the 10 MB document")
    parser.add_argument(
        "--rounds",
        type=int,
        default=9,
        help="rounds of bare Kiwi, cold, warm and one-rule runs (medians, and bootstrap intervals of the ratios)",
    )
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    from koie.vm import match as koie_match

    matcher = (
        "native (koie/vm/_vm.pyx)"
        if koie_match._native is not None
        else "pure Python (KOIE_MATCHER=python or not built)"
    )
    figures: dict[str, Any] = {"machine": machine(), "corpus_mb": args.mb, "rules": args.rules, "matcher": matcher}
    print(f"machine: {figures['machine']}\nmatcher: {matcher}")
    # An installed koie has its modules byte-compiled (pip compiles a wheel's at install; an
    # editable install writes them on first import unless PYTHONDONTWRITEBYTECODE is set).
    # Compile them here, so no timed process pays for compiling koie's source.
    import compileall

    compileall.compile_dir(str(ROOT / "koie"), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="koie-bench-"))
    documents = generated.make_documents(int(args.mb * 1_000_000))
    corpus_dir = generated.write_corpus(work / "corpus", documents)
    characters = sum(len(d) for d in documents)
    print(f"corpus: {len(documents)} documents, {characters} characters, {args.mb} MB, every sentence distinct")

    # 1-2: bare Kiwi, koie cold, warm, and workers, as whole processes.
    edited = work / "edited.yaml"
    text = (ROOT / args.rules).read_text(encoding="utf-8")
    edited.write_text(
        re.sub(r"(?m)^version: *(.*)$", r"version: \1-edited", text, count=1) + "\n# edited after the cold run\n",
        encoding="utf-8",
    )
    shutil_cache = work / "cache.sqlite"
    bare_script = work / "bare.py"
    bare_script.write_text(BARE_KIWI, encoding="utf-8")
    out = {name: work / f"{name}.jsonl" for name in ("cold", "warm", "nocache", "workers2", "floor")}
    # koie's floor: a cold run of a pack with one rule that rarely matches. It pays for
    # everything koie adds but the pack's matching (start-up, the conversion of Kiwi's tokens,
    # cache writes, output), so the cold ratio minus this one is what the pack's rules cost.
    one_rule = work / "one-rule.yaml"
    one_rule.write_text(
        "name: one-rule\nversion: 1.0.0\nrules:\n  - id: meet\n    label: MEET\n    pattern: 만나/VV\n",
        encoding="utf-8",
    )
    floor_cache = work / "floor.sqlite"
    koie_run = [sys.executable, "-m", "koie", "run"]
    # Bare Kiwi, cold and warm take turns, round after round, and each figure is the median of
    # its rounds: on a shared machine one process can take 40% longer than the next, and a slow
    # spell then falls on every kind of run instead of deciding one ratio.
    runs: dict[str, list[float]] = {"bare": [], "cold": [], "warm": [], "floor": []}
    for _ in range(args.rounds):
        runs["bare"].append(run_process([sys.executable, str(bare_script), str(corpus_dir)]))
        shutil_cache.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{shutil_cache}{suffix}").unlink(missing_ok=True)
        runs["cold"].append(
            run_process(
                koie_run + [args.rules, str(corpus_dir), "-q", "--cache", str(shutil_cache), "-o", str(out["cold"])]
            )
        )
        runs["warm"].append(
            run_process(
                koie_run + [str(edited), str(corpus_dir), "-q", "--cache", str(shutil_cache), "-o", str(out["warm"])]
            )
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{floor_cache}{suffix}").unlink(missing_ok=True)
        runs["floor"].append(
            run_process(
                koie_run + [str(one_rule), str(corpus_dir), "-q", "--cache", str(floor_cache), "-o", str(out["floor"])]
            )
        )
    nocache = run_process(koie_run + [args.rules, str(corpus_dir), "-q", "--no-cache", "-o", str(out["nocache"])])
    workers2 = run_process(
        koie_run + [args.rules, str(corpus_dir), "-q", "--workers", "2", "--no-cache", "-o", str(out["workers2"])]
    )
    baseline, cold, warm = (statistics.median(runs[name]) for name in ("bare", "cold", "warm"))
    cold_ratios = [c / b for c, b in zip(runs["cold"], runs["bare"])]
    cold_interval = median_interval(cold_ratios)
    warm_ratios = [w / c for w, c in zip(runs["warm"], runs["cold"])]
    warm_interval = median_interval(warm_ratios)
    floor_ratios = [f / b for f, b in zip(runs["floor"], runs["bare"])]
    floor_interval = median_interval(floor_ratios)
    same = {name: out[name].read_bytes() == out["cold"].read_bytes() for name in ("warm", "nocache", "workers2")}
    figures.update(
        {
            "bare_kiwi_s": baseline,
            "cold_s": cold,
            "warm_s": warm,
            "runs_s": runs,
            "cold_ratio_median": statistics.median(cold_ratios),
            "cold_ratio_interval": cold_interval,
            "warm_ratio_median": statistics.median(warm_ratios),
            "warm_ratio_interval": warm_interval,
            "floor_s": statistics.median(runs["floor"]),
            "floor_ratio_median": statistics.median(floor_ratios),
            "floor_ratio_interval": floor_interval,
            "floor_records": out["floor"].read_bytes().count(b"\n"),
            "no_cache_s": nocache,
            "workers2_s": workers2,
            "identical_to_cold": same,
            "records": out["cold"].read_bytes().count(b"\n"),
        }
    )

    def listed(name: str) -> str:
        return ", ".join(f"{seconds:.2f}" for seconds in runs[name])

    print(
        f"\nend to end (whole processes, model load included; koie with its default --workers; "
        f"medians of {args.rounds} rounds of bare, cold, warm, one-rule)"
    )
    print(f"  bare Kiwi (batch tokenize, all cores)   {baseline:7.2f} s   1.00   (runs: {listed('bare')})")
    print(
        f"  koie run, cold (empty cache)            {cold:7.2f} s   {cold / baseline:.2f} x bare Kiwi   target <= 1.15"
        f"   (runs: {listed('cold')}; per round: {', '.join(f'{r:.2f}' for r in cold_ratios)})"
    )
    print(
        f"    per-round cold / bare: median {statistics.median(cold_ratios):.2f}, 90% bootstrap interval "
        f"{cold_interval[0]:.2f}-{cold_interval[1]:.2f} over {len(cold_ratios)} rounds: "
        f"target <= 1.15 {verdict(cold_interval, 1.15)}"
    )
    print(
        f"  koie run, cold, a one-rule pack         {statistics.median(runs['floor']):7.2f} s   "
        f"{statistics.median(runs['floor']) / baseline:.2f} x bare Kiwi   (koie without the pack's matching; "
        f"runs: {listed('floor')})"
    )
    print(
        f"    per-round one-rule / bare: median {statistics.median(floor_ratios):.2f}, 90% bootstrap interval "
        f"{floor_interval[0]:.2f}-{floor_interval[1]:.2f}; cold minus one-rule, per round: median "
        f"{statistics.median(c - f for c, f in zip(cold_ratios, floor_ratios)):.2f} x bare Kiwi for the pack's rules"
    )
    print(
        f"  koie run, --no-cache                    {nocache:7.2f} s   {nocache / baseline:.2f} x bare Kiwi   (one run)"
    )
    print(
        f"  koie run, warm (pack edited)            {warm:7.2f} s   {warm / cold:.2f} x cold   target <= 0.20"
        f"   (runs: {listed('warm')})"
    )
    print(
        f"    per-round warm / cold: median {statistics.median(warm_ratios):.2f}, 90% bootstrap interval "
        f"{warm_interval[0]:.2f}-{warm_interval[1]:.2f}: target <= 0.20 {verdict(warm_interval, 0.20)}"
    )
    ratio = workers2 / nocache
    print(f"  koie run, --workers 2, no cache         {workers2:7.2f} s   {ratio:.2f} x the default --workers")
    print(f"  output identical to cold: {same}   ({figures['records']} records)")

    # 3-4: matching only, in this process, on the same morpheme streams, with the garbage
    # collector set as koie run sets it (koie.cli.corpus_run_collector) for every peer alike:
    # with Python's defaults, a process holding a whole analysed corpus spends much of any
    # allocation-heavy loop traversing that corpus, which measures the heap, not the matcher.
    from koie.cli import corpus_run_collector

    settings = contextlib.ExitStack()  # kept to the end of main: closing it restores the defaults
    settings.enter_context(corpus_run_collector())
    from koie.analysis.kiwi import KiwiAnalyzer

    analyzer = KiwiAnalyzer()
    analysis_time, analysed = timed(
        lambda: [d for i in range(0, len(documents), 32) for d in analyzer.analyze_many(documents[i : i + 32])]
    )
    pack = load_quiet(ROOT / args.rules, analyzer)
    pack_time, pack_records = koie_matching(pack, analysed)
    morphemes = sum(d.morpheme_count for d in analysed)
    print(
        f"\nmatching only ({morphemes} morphemes; koie's analysis step in-process took {analysis_time:.2f} s; "
        f"fastest of {REPEATS} runs, garbage collector as in koie run)"
    )
    print(
        f"  {args.rules}: {pack_time:.2f} s = {pack_time / analysis_time:.2f} x analysis, "
        f"{pack_time / morphemes * 1e6:.1f} us per morpheme, {pack_records} records"
    )
    figures.update({"analysis_in_process_s": analysis_time, "pack_matching_s": pack_time, "morphemes": morphemes})

    peer = peers(analysed, analyzer, work)
    figures["peers"] = peer
    print(f"  peers, {len(PEER_PATTERNS)} equivalent patterns over {peer['sentences']} sentences:")
    for name in ("koie", "koie-vm", "spacy", "re"):
        seconds, count = peer[name]
        what = {
            "koie": "records: extract()",
            "koie-vm": "spans: find_matches()",
            "spacy": "Matcher(doc)",
            "re": "finditer over form/TAG strings",
        }[name]
        print(f"    {name:8s} {seconds:7.3f} s   {seconds / peer['spacy'][0]:.2f} x spaCy   ({count} matches; {what})")

    lexicons = {"TITLE": TITLES + ["부사장", "대표이사", "의장"]}
    scaling: dict[str, float] = {}
    found: dict[str, int] = {}
    rounds: dict[str, list[float]] = {}
    rule_packs = {
        str(count): load_quiet(peer_pack(work, generated_rules(count, analysed), lexicons), analyzer)
        for count in (10, 100, 1000)
    }
    # The three packs take turns, so a slow spell of the machine falls on all of them, not on one.
    for _ in range(SCALING_ROUNDS):
        for count, rule_pack in rule_packs.items():
            seconds, found[count] = koie_matching(rule_pack, analysed, times=1)
            scaling[count] = min(seconds, scaling.get(count, seconds))
            rounds.setdefault(count, []).append(seconds)
    # As for the end-to-end targets: the ratio within each round, its median and an interval.
    scaling_ratios = [thousand / ten for thousand, ten in zip(rounds["1000"], rounds["10"])]
    scaling_interval = median_interval(scaling_ratios)
    figures["rule_scaling_s"] = scaling
    figures["rule_scaling_rounds_s"] = rounds
    figures["rule_scaling_ratio_median"] = statistics.median(scaling_ratios)
    figures["rule_scaling_ratio_interval"] = scaling_interval
    figures["rule_scaling_records"] = found
    print(f"  rule count (generated rules: literals, lexicon slots, gaps; fastest of {SCALING_ROUNDS} rounds):")
    for count, seconds in scaling.items():
        print(
            f"    {count:>5} rules {seconds:7.3f} s   {seconds / scaling['10']:.2f} x 10 rules   "
            f"({found[count]} records)"
        )
    print(
        f"    per-round 1000 / 10 rules: median {statistics.median(scaling_ratios):.2f}, 90% bootstrap interval "
        f"{scaling_interval[0]:.2f}-{scaling_interval[1]:.2f} over {SCALING_ROUNDS} rounds: "
        f"target <= 3 {verdict(scaling_interval, 3.0)}"
    )

    # 1 MB shows where the time per KB levels off: see docs/performance.md, "Document length"
    sizes = [1_000, 100_000, 1_000_000] + ([] if args.skip_large else [10_000_000])
    length: dict[str, tuple[float, float, int]] = {}
    import resource

    for size in sizes:
        text = generated.make_document(size, seed=size)
        a_time, [doc] = timed(lambda text=text: analyzer.analyze_many([text]))
        m_time, records = koie_matching(pack, [doc], times=1 if size > 1_000_000 else REPEATS)
        length[str(size)] = (a_time, m_time, records)
    figures["document_length_s"] = length
    figures["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  document length ({args.rules}):")
    for size, (a_time, m_time, records) in length.items():
        kilobytes = int(size) / 1000
        # records per KB shown beside the time: a longer generated document names the
        # same people more often, and later mentions make records of their own
        print(
            f"    {int(size):>10} bytes: analysis {a_time:7.3f} s ({a_time / kilobytes * 1000:.2f} ms/KB), "
            f"matching {m_time:7.3f} s ({m_time / kilobytes * 1000:.2f} ms/KB, {records / kilobytes:.1f} records/KB)"
        )
    print(f"  peak RSS of this process: {figures['max_rss_mb']:.0f} MB")
    repeats = repeated_lines(analyzer)
    if repeats is not None:
        figures["repeated_lines"] = repeats
        print(
            f"\nrepeated lines ({repeats['documents']} documents of {NEWS}, {repeats['repeated_share']:.0%} of "
            f"their characters in lines they repeat; analysis in-process, median of {REPEATED_ROUNDS} "
            f"alternating rounds):\n"
            f"  every piece sent to Kiwi {repeats['every_piece_s'] * 1000:7.1f} ms\n"
            f"  each piece once          {repeats['once_s'] * 1000:7.1f} ms   "
            f"{repeats['once_s'] / repeats['every_piece_s']:.2f} x   (same analyses: {repeats['same']})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    settings.close()


if __name__ == "__main__":
    main()
