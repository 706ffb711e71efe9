"""The HTML report in a real browser: headless Chromium (Debian's package) driven by playwright.

scripts/test-extras installs both in CI; these tests skip, saying what is missing, only when
no browser or no driver could be installed. Set KOIE_ARTIFACTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koie.cli import main

ROOT = Path(__file__).resolve().parent.parent
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TRICKY = '<b>굵게</b> & "따옴표" 😀\r\n홍길동 사장이 김철수 대표와 만났다. </script> 끝'


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("KOIE_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (scripts/test-extras runs `pip install playwright`)")
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium found (scripts/test-extras installs Debian's `chromium`; or set KOIE_CHROMIUM)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable,
            headless=True,
            args=BROWSER_ARGS,
            viewport={"width": 1500, "height": 1000},
        )
        # the page is self-contained: any request that leaves the file is a bug
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        context.requests = requests  # type: ignore[attr-defined]
        try:
            yield context
        finally:
            context.close()


def _open(context: Any, path: Path) -> tuple[Any, list[str]]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri())
    page.wait_for_selector("#docs article.doc")
    return page, errors


def _save(page: Any, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    if os.environ.get("KOIE_ARTIFACTS"):
        target = Path(os.environ["KOIE_ARTIFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / name)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    return shot


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output


def _index(page: Any) -> dict[str, Any]:
    return json.loads(page.eval_on_selector("#koie-index", "e => e.textContent"))


def _records(page: Any, doc: int) -> list[dict[str, Any]]:
    return json.loads(page.eval_on_selector(f"#j{doc}", "e => e.textContent"))


def test_report_news_corpus_in_chromium(browser_context: Any, tmp_path: Path) -> None:
    report = tmp_path / "news.html"
    _run(["run", "rules/meetings.yaml", "examples/news", "--format", "html", "-o", str(report), "-q"])
    page, errors = _open(browser_context, report)
    index = _index(page)
    labels = [label["name"] for label in index["labels"]]

    # people, organisations and meetings are highlighted in the text
    for label in ("PERSON", "ORG", "MEETING"):
        shown = page.locator(f"#docs .text .b.L{labels.index(label)}")
        assert shown.count() > 0, f"no {label} highlighted"
        assert shown.first.is_visible()

    # a click on a person in the text opens its explanation, with the morphemes it matched
    doc, person = next((d, r) for d in range(len(index["docs"])) for r in _records(page, d) if r["label"] == "PERSON")
    page.click(f'#docs article[data-d="{doc}"] .s[data-s="{person["start"]}"]')
    panel = page.locator("#explain")
    panel.locator("table.align").wait_for()
    assert person["rule"] == panel.locator("code.rule-id").inner_text()
    where = index["rules"][[r["id"] for r in index["rules"]].index(person["rule"])]["where"]
    assert panel.locator("code.where").inner_text() == where and where.startswith("rules/meetings.yaml:")
    chips = panel.locator(".m").all_inner_texts()
    expected = [f"{m['form']}/{m['tag']}" for step in person["explanation"]["steps"] for m in step["morphemes"]]
    assert chips == expected and chips

    # a meeting: its bar opens the explanation with every element aligned, and the slots it filled
    doc, meeting = next((d, r) for d in range(len(index["docs"])) for r in _records(page, d) if r["label"] == "MEETING")
    page.evaluate("([d, r]) => koieReport.go(d, r)", [doc, meeting["id"]])
    page.locator(f'#docs article[data-d="{doc}"] .b[data-r="{meeting["id"]}"]').first.click()
    assert panel.locator(".quote").first.inner_text() == meeting["text"]
    rows = panel.locator("table.align tr.step")
    assert rows.count() == len(meeting["explanation"]["steps"])
    for i, step in enumerate(meeting["explanation"]["steps"]):
        assert rows.nth(i).locator(".m").all_inner_texts() == [f"{m['form']}/{m['tag']}" for m in step["morphemes"]]
    assert panel.locator("ul.slots li").count() >= 2
    assert page.locator(f'#docs article[data-d="{doc}"] svg.arcs path[data-r="{meeting["id"]}"]').count() >= 1
    _save(page, tmp_path, "report-news.png")

    # filters: hiding PERSON hides its bars and lowers the counts in the document list
    before = sum(int(c) for c in page.locator("#doclist li .c").all_inner_texts())
    page.locator(f'#legend input[data-l="{labels.index("PERSON")}"]').uncheck()
    assert not page.locator(f"#docs .text .b.L{labels.index('PERSON')}").first.is_visible()
    after = sum(int(c) for c in page.locator("#doclist li .c").all_inner_texts())
    assert after < before
    page.locator(f'#legend input[data-l="{labels.index("PERSON")}"]').check()

    # the graph: who met whom, with the documents as evidence
    page.click('.tabs button[data-tab="graph"]')
    names = page.locator("svg.graph g.node text").all_text_contents()
    graph = index["graph"]
    assert sorted(names) == sorted(node["name"] for node in graph["nodes"]) and len(names) >= 2
    page.locator("svg.graph g.edge").first.click()
    evidence = panel.locator("ul.evidence li")
    assert evidence.count() == len(graph["edges"][0]["evidence"])
    evidence.first.locator("a.link").click()
    assert page.locator("#docs-view").is_visible()
    panel.locator("table.align").wait_for()
    assert panel.locator(".tag").first.inner_text() == index["graphLabel"]
    page.click('.tabs button[data-tab="graph"]')
    _save(page, tmp_path, "report-graph.png")

    assert errors == []
    assert all(url.startswith("file:") for url in browser_context.requests), browser_context.requests


def test_report_text_and_offsets_survive_the_browser(browser_context: Any, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    texts = [TRICKY] + [f"문서 {i}: 홍길동 사장이 김철수 대표와 만났다." for i in range(24)]
    corpus.write_text(
        "".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)),
        encoding="utf-8",
    )
    report = tmp_path / "tricky.html"
    _run(["run", "examples/hello.yaml", str(corpus), "--format", "html", "-o", str(report), "-q"])
    page, errors = _open(browser_context, report)

    # documents are instantiated a page at a time
    assert page.locator("#docs article.doc").count() == 10
    assert page.locator("#doclist li").count() == 25

    # the text shown is the document, character for character, and every piece sits at its offsets
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('#docs .text')).map(text => {
        const pieces = [];
        let offset = 0;
        const walk = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) {
          const node = walk.currentNode, piece = node.parentElement.closest('.s');
          if (piece) { pieces.push([+piece.dataset.s, +piece.dataset.e, offset, node.data]); }
          offset += Array.from(node.data).length;
        }
        return {text: text.textContent, pieces: pieces};
    })""")
    assert [s["text"] for s in shown] == texts[:10]
    for document, text in zip(shown, texts):
        for start, end, offset, data in document["pieces"]:
            assert (start, end) == (offset, offset + len(data)) and text[start:end] == data

    # a click on a person opens the explanation: 홍길동/NNP
    start = TRICKY.index("홍길동")
    page.click(f'#docs article[data-d="0"] .s[data-s="{start}"]')
    assert page.locator("#explain .m").all_inner_texts() == ["홍길동/NNP"]

    # the last page holds the rest; the list jumps to a document on a later page
    page.locator('#doclist li[title="d23"]').click()
    assert page.locator('#docs article[data-d="23"]').is_visible()
    assert page.locator("#docs article.doc").count() == 5
    _save(page, tmp_path, "report-tricky.png")
    assert errors == []


def test_explain_html_opens_on_the_first_match(browser_context: Any, tmp_path: Path) -> None:
    report = tmp_path / "explain.html"
    _run(["explain", "examples/hello.yaml", "홍길동 사장이 김철수 대표와 만났다.", "--html", "-o", str(report)])
    page, errors = _open(browser_context, report)
    panel = page.locator("#explain")
    assert panel.locator("code.rule-id").inner_text() == "met"
    chips = panel.locator("table.align tr.step").first.locator(".m").all_inner_texts()
    assert chips == ["홍길동/NNP"]
    page.click('.tabs button[data-tab="notes"]')
    assert "홍길동/NNP" in page.locator("#notes-view").inner_text()
    assert errors == []


ACQUISITIONS = """\
name: acquisitions
rules:
  - id: org
    label: ORG
    pattern: /NNP 전자/NNG? (?= 가/JKS | 를/JKO | 이/JKS | 을/JKO)
    output: false
    examples: {match: [한빛전자가 왔다.]}
  - id: bought
    label: ACQUISITION
    pattern: '[ORG:acquirer] (이 | 은) ~3 [ORG:target] 을 ~2 인수하'
    examples: {match: [한빛전자가 누리소프트를 인수했다.]}
"""


def test_report_draws_arrows_for_roles_other_than_subject_and_object(browser_context: Any, tmp_path: Path) -> None:
    pack = tmp_path / "acquisitions.yaml"
    pack.write_text(ACQUISITIONS, encoding="utf-8")
    source = tmp_path / "deal.txt"
    source.write_text("한빛전자가 누리소프트를 인수했다.", encoding="utf-8")
    report = tmp_path / "deal.html"
    _run(["run", str(pack), str(source), "--format", "html", "-o", str(report), "-q"])
    page, errors = _open(browser_context, report)
    (deal,) = [r for r in _records(page, 0) if r["label"] == "ACQUISITION"]
    arrow = page.locator(f'#docs article[data-d="0"] svg.arcs path[data-r="{deal["id"]}"]')
    assert arrow.count() == 1
    assert arrow.locator("title").text_content() == "ACQUISITION: 한빛전자 → 누리소프트"
    assert errors == []
