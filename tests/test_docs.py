"""The docs stay true: error codes match koie.errors.CODES, example packs check clean.

- docs/errors.md has one ``### CODE`` section per code in CODES, no more, no
  less, and each section's ``yaml`` example still produces its code.
- Every rule pack in docs/tutorial/ and every complete pack (a fenced
  ``yaml`` block with top-level ``name:`` and ``rules:`` keys; fragments
  have no ``name:``) in the rule writers' pages passes ``koie check``
  without errors.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from koie.errors import CODES

DOCS = Path(__file__).resolve().parent.parent / "docs"
ERRORS_PAGE = DOCS / "errors.md"
#: Pages whose complete packs must check clean (errors.md is full of broken ones on purpose).
PACK_PAGES = ("tutorial.md", "rules.md", "patterns.md", "output.md")
#: Examples that need more than one file; the page shows the other file separately.
MULTI_FILE_EXAMPLES = {"E007"}

#: A ``yaml`` block, with or without more words on its fence line (``file=NAME``: see test_doc_outputs.py).
_FENCE = re.compile(r"^```yaml(?:[ \t][^\n]*)?\n(.*?)^```", re.S | re.M)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### ([EW]\d{3})\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_docs_errors_page_lists_every_code() -> None:
    documented = _sections(ERRORS_PAGE.read_text(encoding="utf-8"))
    assert sorted(set(CODES) - set(documented)) == [], "codes missing from docs/errors.md"
    assert sorted(set(documented) - set(CODES)) == [], "docs/errors.md documents codes koie does not define"


def _error_examples() -> list[tuple[str, str]]:
    sections = _sections(ERRORS_PAGE.read_text(encoding="utf-8"))
    examples = []
    for code, body in sorted(sections.items()):
        blocks = _FENCE.findall(body)
        if blocks and code not in MULTI_FILE_EXAMPLES:
            examples.append((code, blocks[0]))
    return examples


@pytest.mark.parametrize(("code", "pack"), _error_examples(), ids=[c for c, _ in _error_examples()])
def test_docs_error_example_produces_its_code(code: str, pack: str, tmp_path: Path) -> None:
    from koie.lang.check import check_pack

    path = tmp_path / "pack.yaml"
    path.write_text(pack, encoding="utf-8")
    codes = [d.code for d in check_pack(path)]
    assert code in codes, f"the example for {code} gives {codes}"


def _complete_packs() -> list[tuple[str, str]]:
    packs = [
        (str(p.relative_to(DOCS)), p.read_text(encoding="utf-8")) for p in sorted((DOCS / "tutorial").glob("*.yaml"))
    ]
    for page in PACK_PAGES:
        path = DOCS / page
        if not path.exists():
            continue
        for index, block in enumerate(_FENCE.findall(path.read_text(encoding="utf-8"))):
            if re.search(r"^rules:", block, re.M) and re.search(r"^name:", block, re.M):
                packs.append((f"{page}#{index + 1}", block))
    return packs


@pytest.mark.parametrize(("name", "pack"), _complete_packs(), ids=[n for n, _ in _complete_packs()])
def test_docs_pack_checks_clean(name: str, pack: str, tmp_path: Path) -> None:
    from koie.lang.check import check_pack

    if "/" in name or name.endswith(".yaml"):
        path = DOCS / name  # a real file: check it where it lives, so relative paths resolve
    else:
        path = tmp_path / "pack.yaml"
        path.write_text(pack, encoding="utf-8")
    errors = [d.render() for d in check_pack(path) if d.severity == "error"]
    assert errors == [], f"{name} does not pass koie check:\n" + "\n".join(errors)
