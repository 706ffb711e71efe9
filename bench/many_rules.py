"""Loading a pack grows linearly with its rules: 5,000 rules against 20,000.

    python bench/many_rules.py            # 5,000 and 20,000 rules
    python bench/many_rules.py 2000 8000  # other sizes

Each pack is written to a temporary folder and loaded (read, checked,
resolved and compiled, as ``koie run`` does before the first document) with
the notation analyser, so the figure is koie's own work, not Kiwi's. Every
rule lacks examples, so every rule gets a W103 warning: the case where a
quadratic check of the warnings took 63 s for 20,000 rules. Reported: seconds
for each size (best of three) and the ratio of the largest to the smallest
per rule; linear work gives a ratio near 1.

The commands run with Python's cyclic garbage collector off (koie.cli), and
so is the first figure; the second is with the collector on, as in a library
call: its passes cost more the more objects are alive, so the time per rule
grows with the pack there.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from koie.analysis.morphemes import NotationAnalyzer  # noqa: E402
from koie.api import Pack  # noqa: E402


def write_pack(folder: Path, rules: int) -> Path:
    lines = ["rules:"]
    for index in range(rules):
        lines += [f"  - id: rule-{index}", f"    label: L{index % 50}", "    pattern: /NNP 사장/NNG"]
    path = folder / f"rules-{rules}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seconds_to_load(path: Path) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        pack = Pack.load(path, NotationAnalyzer())
        assert len(pack.compiled.rules) > 0 and len(pack.warnings) > 0
        best = min(best, time.perf_counter() - start)
    return best


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        packs = {size: write_pack(Path(folder), size) for size in sizes}
        for collector in ("off", "on"):
            if collector == "off":
                gc.disable()
            else:
                gc.enable()
            print(f"garbage collector {collector}:")
            times = {size: seconds_to_load(path) for size, path in packs.items()}
            for size, seconds in times.items():
                print(f"{size:>7} rules: {seconds:7.2f} s  ({1e6 * seconds / size:7.1f} µs per rule)")
            small, large = min(sizes), max(sizes)
            ratio = (times[large] / large) / (times[small] / small)
            print(f"time per rule, {large} against {small}: {ratio:.2f}x (1.0 is linear)")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [5_000, 20_000])
