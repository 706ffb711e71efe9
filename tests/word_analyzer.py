"""A stand-in analyser for runner tests: no model, exact offsets."""

from __future__ import annotations

import re
from collections.abc import Sequence

from koie.analysis.morphemes import AnalyzedDocument, Morpheme, Sentence


class WordAnalyzer:
    """One morpheme per word (tag NNG), one sentence per line: offsets are exact, no model needed."""

    def analyze(self, text: str) -> AnalyzedDocument:
        sentences = []
        eojeol = 0
        for line in re.finditer(r"[^\n]+", text):
            morphemes = []
            for word in re.finditer(r"\S+", line.group()):
                start = line.start() + word.start()
                morphemes.append(Morpheme(word.group(), "NNG", start, start + len(word.group()), eojeol))
                eojeol += 1
            if morphemes:
                sentences.append(Sentence(morphemes[0].start, morphemes[-1].end, tuple(morphemes)))
        return AnalyzedDocument(text, tuple(sentences))

    def analyze_many(self, texts: Sequence[str]) -> list[AnalyzedDocument]:
        return [self.analyze(text) for text in texts]

    def analyze_fragment(self, text: str) -> tuple[Morpheme, ...]:
        return tuple(m for s in self.analyze(text).sentences for m in s.morphemes)

    def versions(self) -> dict[str, str]:
        return {"analyzer": "words"}
