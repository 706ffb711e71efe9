"""The Kiwi adapter: offsets into the document as read, sentences, versions (needs the model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from koie.analysis.kiwi import PINNED_KIWIPIEPY, PINNED_MODEL, normalize_for_analysis, split_into_pieces


@pytest.mark.parametrize(
    "text",
    [
        "이재용 삼성전자 회장이 젠슨 황 엔비디아 CEO와 만났다.",
        "ＣＥＯ와 만났다.\u200b둘째 문장이다.",  # full-width Latin and a zero-width space
        "😀 이모지 뒤에도 회장이 만났다. 漢字 表記도 있다.",
        "첫 줄이다.\r\n\r\n둘째 줄이다.\n",
        "CEO다. 만났다. 회동했다.",  # zero-length and overlapping morphemes
    ],
)
def test_analysis_offsets_slice_the_original_text(kiwi, text: str) -> None:
    document = kiwi.analyze(text)
    assert document.text == text
    previous_start = -1
    for sentence in document.sentences:
        assert 0 <= sentence.start <= sentence.end <= len(text)
        for morpheme in sentence.morphemes:
            assert 0 <= morpheme.start <= morpheme.end <= len(text)
            assert morpheme.start >= previous_start
            previous_start = morpheme.start
            surface = text[morpheme.start : morpheme.end]
            assert not surface.isspace()


def test_analysis_splits_sentences_and_numbers_eojeols(kiwi) -> None:
    document = kiwi.analyze("홍길동 사장이 왔다. 김철수 대표가 떠났다.")
    assert len(document.sentences) == 2
    first = document.sentences[0].morphemes
    assert [m.eojeol for m in first] == [0, 1, 1, 2, 2, 2, 2]


def test_analysis_normalisation_keeps_length() -> None:
    text = "ＡＢＣ\u200b\u00a0가\x00나"
    assert len(normalize_for_analysis(text)) == len(text)


def test_analysis_pieces_cover_long_lines() -> None:
    text = ("가나다 " * 5000).strip()
    pieces = split_into_pieces(text, max_piece=1000)
    assert all(len(p) <= 1000 for _, p in pieces)
    for offset, piece in pieces:
        assert text[offset : offset + len(piece)] == piece


def test_analysis_versions_are_the_pinned_ones(kiwi) -> None:
    assert kiwi.versions() == {"kiwipiepy": PINNED_KIWIPIEPY, "kiwipiepy_model": PINNED_MODEL}


def test_analysis_versions_from_metadata_are_the_modules_own() -> None:
    """Versions come from package metadata (no import of kiwipiepy): the same strings the modules
    report, so cache keys and outputs are what they were when they were read from the modules."""
    import kiwipiepy
    import kiwipiepy_model

    from koie.analysis.kiwi import KiwiAnalyzer

    assert KiwiAnalyzer().versions() == {
        "kiwipiepy": kiwipiepy.__version__,
        "kiwipiepy_model": kiwipiepy_model.__version__,
    }


def test_analysis_a_run_served_by_the_cache_never_imports_kiwipiepy(tmp_path: Path) -> None:
    """Importing kiwipiepy costs 0.23 s: a warm run, whose analyses are all cached, does without it."""
    import subprocess
    import sys

    document = tmp_path / "doc.txt"
    document.write_text("홍길동 사장이 김철수 대표와 만났다.\n", encoding="utf-8")
    cache = tmp_path / "cache.sqlite"
    run = ["run", "examples/hello.yaml", str(document), "-q", "--cache", str(cache)]
    subprocess.run([sys.executable, "-m", "koie", *run, "-o", str(tmp_path / "cold.jsonl")], check=True)
    warm = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from koie.cli import main\n"
            f"main({run + ['-o', str(tmp_path / 'warm.jsonl')]!r}, standalone_mode=False)\n"
            "print('kiwipiepy' in sys.modules)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert warm.stdout.strip() == "False", warm.stderr
    assert (tmp_path / "warm.jsonl").read_bytes() == (tmp_path / "cold.jsonl").read_bytes()


def test_analysis_user_words_keep_names_whole() -> None:
    from koie.analysis.kiwi import KiwiAnalyzer
    from koie.analysis.morphemes import UserWord

    analyzer = KiwiAnalyzer([UserWord("크리스티아노 아몬", "NNP")])
    forms = [m.notation for s in analyzer.analyze("크리스티아노 아몬 퀄컴 CEO가 왔다.").sentences for m in s.morphemes]
    assert forms[0] == "크리스티아노 아몬/NNP"


def test_native_conversion_gives_the_python_conversion(kiwi, monkeypatch) -> None:
    """koie.analysis._convert.convert_document makes the same sentences and morphemes as _convert + _number_eojeols."""
    import koie.analysis.kiwi as analysis

    if analysis._native is None:
        pytest.skip("the native module is not in use (KOIE_MATCHER=python or not built)")
    texts = [
        "이재용 삼성전자 회장이 젠슨 황 엔비디아 CEO와 만났다.\n\n둘째 문단에서 그는 회동했다고 말했다.",
        "ＣＥＯ와 만났다.\u200b둘째 문장이다.  \t 셋째\u3000문장.",
        "😀 이모지 뒤에도 회장이 만났다. 漢字 表記도 있다.",
        "CEO다. 만났다. 듣고 걸었다. " * 300,  # more than one piece per line
        "",
        "   ",
        "\n첫 줄\r\n\r\n둘째 줄\n",
    ]
    native_documents = kiwi.analyze_many(texts)
    monkeypatch.setattr(analysis, "_native", None)
    python_documents = kiwi.analyze_many(texts)
    assert native_documents == python_documents
    assert sum(len(s.morphemes) for d in native_documents for s in d.sentences) > 1000
    assert len({m.eojeol for s in native_documents[3].sentences for m in s.morphemes}) > 900


def test_analysis_stream_gives_what_a_batch_gives(kiwi) -> None:
    """One Kiwi call over a stream of texts (koie.run.runner._streamed) analyses each text as a batch
    does: same pieces, sentences, offsets and eojeols, blank texts included."""
    from koie.analysis.kiwi import MAX_PIECE

    long_line = " ".join(["삼성전자 회장이 엔비디아 CEO와 만났다."] * (MAX_PIECE // 20))
    texts = ["홍길동 사장이 왔다.\n\n김철수 대표가 떠났다.", "", "  \n", long_line, "이재용 회장이 젠슨 황을 만났다."]
    streamed = list(kiwi.analyze_stream(iter(texts)))
    assert [document for document, _fresh in streamed] == kiwi.analyze_many(texts)
    assert all(fresh for _document, fresh in streamed)


def test_normalize_for_analysis_is_the_character_map_whatever_the_text() -> None:
    """normalize_for_analysis skips str.translate when no character needs mapping: the result is
    translate's for texts holding every mapped character, none, or a few among others."""
    import random

    from koie.analysis.kiwi import _CHAR_MAP

    mapped = [chr(code) for code in sorted(_CHAR_MAP)]
    rng = random.Random(7)
    texts = ["", "홍길동 회장이 왔다.", "".join(mapped), "ＣＥＯ와\u200b만나\ud800", "\x00\t\n\r\x7f"]
    for _ in range(3000):
        texts.append(
            "".join(
                rng.choice([rng.choice(mapped), "가", "a", " ", "\n", chr(rng.randrange(0x110000))])
                for _ in range(rng.randrange(12))
            )
        )
    for text in texts:
        normalized = normalize_for_analysis(text)
        assert normalized == text.translate(_CHAR_MAP) and len(normalized) == len(text)


def test_installed_versions_are_what_importlib_metadata_reads() -> None:
    """The versions in every record and cache key come from the dist-info directories on sys.path,
    read without importlib.metadata (its import slowed every cold run): the same strings."""
    from importlib import metadata

    from koie.analysis.kiwi import _read_installed_versions
    from koie.installed import installed_version

    for distribution in ("kiwipiepy", "kiwipiepy_model", "lark", "PyYAML", "click"):
        assert installed_version(distribution) == metadata.version(distribution)
    assert installed_version("kiwipiepy-model") == metadata.version("kiwipiepy_model")  # a name as pip spells it
    assert installed_version("no_such_distribution_here") is None
    assert _read_installed_versions() == {
        "kiwipiepy": metadata.version("kiwipiepy"),
        "kiwipiepy_model": metadata.version("kiwipiepy_model"),
    }


def test_installed_version_reads_the_first_dist_info_on_the_path(tmp_path, monkeypatch) -> None:
    """The first directory on sys.path with a readable NAME-VERSION.dist-info wins, as in
    importlib.metadata; the headers end at the first blank line; a name is matched whole."""
    from koie.installed import installed_version

    broken, good, later = tmp_path / "broken", tmp_path / "good", tmp_path / "later"
    (broken / "foo_bar-0.0.1.dist-info").mkdir(parents=True)  # no METADATA: skipped
    (broken / "foo_bar-0.0.2.dist-info").mkdir(parents=True)  # no Version header: skipped
    (broken / "foo_bar-0.0.2.dist-info" / "METADATA").write_text("Name: foo-bar\n\nVersion: 7.7.7\n", encoding="utf-8")
    for place, version in ((good, "1.2.3"), (later, "9.9.9")):
        (place / f"foo_bar-{version}.dist-info").mkdir(parents=True)
        (place / f"foo_bar-{version}.dist-info" / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: foo-bar\nVersion: {version}\n\nVersion: 0.0.0 (the description)\n",
            encoding="utf-8",
        )
    monkeypatch.setattr("sys.path", [str(tmp_path / "missing"), str(broken), str(good), str(later)])
    assert installed_version("foo-bar") == installed_version("foo_bar") == installed_version("Foo_Bar") == "1.2.3"
    assert installed_version("foo") is None


class _CountingKiwi:
    """Kiwi's batch ``tokenize`` as the stream uses it, reading its input 32 pieces ahead as Kiwi does,
    with each piece's words as NNG tokens of one sentence; notes the pieces it was given."""

    AHEAD = 32

    def __init__(self) -> None:
        self.given: list[str] = []

    def tokenize(self, pieces, split_sents=True):
        from collections import deque
        from types import SimpleNamespace

        source = iter(pieces)
        ahead: deque[str] = deque()

        def analysed(piece: str) -> list[list[SimpleNamespace]]:
            tokens, at = [], 0
            for word in piece.split():
                at = piece.index(word, at)
                tokens.append(SimpleNamespace(form=word, tag="NNG", start=at, len=len(word), lemma=""))
                at += len(word)
            return [tokens]

        while True:
            while len(ahead) < self.AHEAD:
                piece = next(source, None)
                if piece is None:
                    break
                self.given.append(piece)
                ahead.append(piece)
            if not ahead:
                return
            yield analysed(ahead.popleft())


def _stream_with(monkeypatch, texts, kept_chars=None):
    import koie.analysis.kiwi as analysis

    if kept_chars is not None:
        monkeypatch.setattr(analysis, "REPEATS_KEPT_CHARS", kept_chars)
    analyzer = analysis.KiwiAnalyzer()
    analyzer._kiwi = _CountingKiwi()
    return [document for document, _fresh in analyzer.analyze_stream(iter(texts))], analyzer._kiwi.given


def test_analysis_stream_sends_a_repeated_piece_once(monkeypatch) -> None:
    """A piece seen earlier in the stream (within its text or in another) is not sent to Kiwi again,
    and every text gets what it got when each piece was sent: no model needed."""
    from koie.analysis.kiwi import MAX_PIECE

    headline = "삼성전자 회장 엔비디아 CEO 회동"
    long_line = " ".join(["반복되는 긴 문장의 조각"] * (MAX_PIECE // 10))
    texts = [
        f"{headline}\n\n{headline} 본문 첫 줄\n사진 설명\n{headline}",
        "",
        "사진 설명\n다른 줄",
        "  \n",
        long_line,
        f"{long_line}\n{headline}",
        "마지막 줄\n마지막 줄",
    ]
    documents, given = _stream_with(monkeypatch, texts)
    every_piece, every_given = _stream_with(monkeypatch, texts, kept_chars=0)
    assert documents == every_piece
    assert len(given) == len(set(given)) and set(given) == set(every_given)
    assert len(every_given) > len(given) + 5
    assert [d.text for d in documents] == texts
    third = documents[0].sentences
    assert [m.form for m in third[0].morphemes] == [m.form for m in third[3].morphemes]
    assert third[3].start == texts[0].rindex(headline)


def test_analysis_stream_copies_wait_in_bounded_numbers(monkeypatch) -> None:
    """Thousands of copies in a row: the stream stops taking texts after MAX_WAITING_PIECES of them
    (sending the next piece to Kiwi) and hands analyses on, so memory stays bounded."""
    import koie.analysis.kiwi as analysis

    pulled = 0

    def texts():
        nonlocal pulled
        for index in range(5000):
            pulled += 1
            yield "저작권 안내 무단 전재 금지" if index % 1000 else f"머리 {index}"

    analyzer = analysis.KiwiAnalyzer()
    analyzer._kiwi = _CountingKiwi()
    most_ahead = 0
    count = 0
    for count, (document, _fresh) in enumerate(analyzer.analyze_stream(texts()), 1):
        most_ahead = max(most_ahead, pulled - count)
        assert document.sentences
    assert count == 5000
    assert most_ahead <= analysis.MAX_WAITING_PIECES + _CountingKiwi.AHEAD + 1
    # the five others, and up to 32 copies sent anyway each time 1,024 pieces wait (126 in all)
    assert len(analyzer._kiwi.given) < 5000 // 20


def test_repeats_keep_the_latest_pieces_within_their_characters() -> None:
    from koie.analysis.kiwi import _UNKNOWN, _Repeats

    repeats = _Repeats(10)
    first = repeats.sent("가나다")
    assert first == [_UNKNOWN] and repeats.cell("가나다") is first
    repeats.sent("라마바사")
    assert repeats.cell("가나다") is first  # now the latest: "라마바사" goes first
    repeats.sent("아자차카")
    assert repeats.cell("라마바사") is None and repeats.cell("가나다") is first
    assert repeats.chars == 7
    again = repeats.sent("가나다")  # sent anyway: replaces the old cell, counted once
    assert again is not first and repeats.cell("가나다") is again and repeats.chars == 7
    assert repeats.sent("x" * 11) == [_UNKNOWN] and repeats.cell("x" * 11) is None


def test_analysis_pool_keeps_the_analysers_in_use_and_a_few_more() -> None:
    """One Kiwi per set of user words while a pack uses it; of the unused ones only the latest ``keep``
    stay (each may hold a 0.5 GB model), so a process that loads many packs does not keep every model."""
    import gc

    from koie.analysis.kiwi import KiwiPool
    from koie.analysis.morphemes import UserWord

    pool = KiwiPool(keep=2)
    held = pool.get((UserWord("가나"),))
    for word in ("다라", "마바", "사아"):
        pool.get((UserWord(word),))
    gc.collect()
    assert sorted(a.user_words[0].word for a in pool.in_use()) == ["가나", "마바", "사아"]
    assert pool.get([UserWord("가나")]) is held and pool.get([UserWord("사아")]) is pool.get((UserWord("사아"),))
