"""The JSON Lines output of the shipped meetings pack, pinned.

A change to the engine, the matcher or the layout of the code must not change
one byte of what ``koie run rules/meetings.yaml`` writes. The output on the
example news (texts we wrote) is kept whole in ``tests/golden/``; the output on
the shared corpora, whose texts are not ours, is kept as one SHA-256 digest per
document, so a difference names the document without copying its text.

When the pack itself changes on purpose, write the golden files again and
review the diff of the examples' output::

    KOIE_WRITE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_outputs.py
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from koie.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared" / "corpus"
WRITE = os.environ.get("KOIE_WRITE_GOLDEN") == "1"

pytestmark = pytest.mark.kiwi


def _run(*inputs: str) -> str:
    result = CliRunner().invoke(main, ["run", "rules/meetings.yaml", *inputs, "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def realnews_jsonl(tmp_path: Path) -> Path:
    """The realnews corpus as JSON Lines with each document's publication date, as its README feeds it."""
    corpus = SHARED / "realnews"
    published = {}
    for line in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        published[row["doc"]] = row.get("published")
    path = tmp_path / "realnews.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for name in sorted(os.listdir(corpus)):
            if name.endswith(".txt"):
                row = {"id": name, "text": (corpus / name).read_text(encoding="utf-8")}
                if published.get(name):
                    row["published"] = published[name]
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _digests(output: str) -> dict[str, str]:
    lines: dict[str, list[str]] = defaultdict(list)
    for line in output.splitlines():
        lines[json.loads(line)["doc"]].append(line)
    return {doc: hashlib.sha256("\n".join(rows).encode()).hexdigest() for doc, rows in sorted(lines.items())}


def _compare_digests(name: str, output: str) -> None:
    path = GOLDEN / name
    got = _digests(output)
    if WRITE:
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    changed = sorted(doc for doc in expected.keys() | got.keys() if expected.get(doc) != got.get(doc))
    assert not changed, f"the output changed for {len(changed)} documents: {changed[:10]}"


def test_golden_examples_output_is_unchanged() -> None:
    output = _run("examples/news/")
    path = GOLDEN / "meetings-examples.jsonl"
    if WRITE:
        path.write_text(output, encoding="utf-8")
    assert output == path.read_text(encoding="utf-8")


@pytest.mark.skipif(not (SHARED / "news").is_dir(), reason="../shared/corpus/news is not on this machine")
def test_golden_news_output_is_unchanged() -> None:
    # Relative to the checkout, so document ids are the same in every clone with ../shared beside it.
    texts = sorted(os.path.relpath(p, ROOT) for p in (SHARED / "news").glob("*.txt"))
    _compare_digests("meetings-news.sha256.json", _run(*texts))


@pytest.mark.skipif(not (SHARED / "realnews").is_dir(), reason="../shared/corpus/realnews is not on this machine")
def test_golden_realnews_output_is_unchanged(tmp_path: Path) -> None:
    _compare_digests("meetings-realnews.sha256.json", _run(str(realnews_jsonl(tmp_path))))
