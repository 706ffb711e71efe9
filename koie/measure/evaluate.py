"""``koie eval``: relation records compared with gold pairs, per document.

The gold file is JSON Lines, one object per document::

    {"doc": "001.txt", "published": "2024-07-01",
     "meetings": [["이재용", "젠슨 황"]], "optional": [["이해진", "최수연"]]}

``doc`` names the input document (its path, or the file name alone).
Pairs are unordered. ``optional`` pairs count neither way: found, they are
not false positives; missed, they are not false negatives. The key holding
the pairs (``meetings``) and the relation label (``MEETING``) are options,
so any pack with a two-role relation can be measured.

A record gives one pair per (first role mention, second role mention); a
list in a role gives one pair per element. Only records whose status
attribute is the counted one (``asserted``) count; records without the
attribute count too. A mention stands for its ``name`` attribute when the
pack resolves names (see :mod:`koie.engine.mentions`), else for its text. Names
are compared without whitespace, after mapping every alias in the names
file to its canonical name::

    {"젠슨 황": ["젠슨황", "젠슨"], "_doc": "keys starting with _ are ignored"}

>>> key = NameKey({"젠슨 황": ["젠슨"]})
>>> key("젠슨황") == key("젠슨") == key("젠슨 황")
True
>>> score_pairs({frozenset({"a", "b"})}, {frozenset({"a", "b"}), frozenset({"a", "c"})}, set())
(1, 0, 1)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koie.api import Pack
from koie.engine.extract import Record
from koie.engine.mentions import mention_name, mentions_of
from koie.errors import Diagnostic, KoieError
from koie.run.inputs import DocumentProblem, InputDocument, read_inputs

Pair = frozenset[str]


class NameKey:
    """Names → comparison keys: whitespace removed, aliases mapped to the canonical name."""

    def __init__(self, names: Mapping[str, Any] | None = None) -> None:
        self.aliases: dict[str, str] = {}
        for canonical, aliases in (names or {}).items():
            if canonical.startswith("_"):
                continue
            key = _squash(canonical)
            self.aliases[key] = key
            for alias in aliases if isinstance(aliases, list) else []:
                self.aliases.setdefault(_squash(str(alias)), key)

    def __call__(self, name: str) -> str:
        squashed = _squash(name)
        return self.aliases.get(squashed, squashed)


def _squash(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True, slots=True)
class GoldDocument:
    doc: str
    pairs: tuple[tuple[str, str], ...]
    optional: tuple[tuple[str, str], ...]
    published: str | None = None


def _problem(path: str, line: int, message: str, hint: str) -> Diagnostic:
    return Diagnostic("E407", message, file=path, line=line, suggestion=hint)


def read_gold(path: str | Path, key: str = "meetings", optional_key: str = "optional") -> dict[str, GoldDocument]:
    """The gold file, by document name; raises :class:`KoieError` listing every bad line."""
    problems: list[Diagnostic] = []
    gold: dict[str, GoldDocument] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise KoieError(
            [
                Diagnostic(
                    "E407",
                    f"cannot read gold file: {error}",
                    file=str(path),
                    suggestion="give a JSON Lines file, one document per line",
                )
            ]
        ) from None
    hint = f'each line: {{"doc": NAME, "{key}": [[A, B], ...], "{optional_key}": [[A, B], ...]}}'
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(_problem(str(path), number, f"not JSON: {error.msg}", hint))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("doc"), str):
            problems.append(_problem(str(path), number, "no string field 'doc'", hint))
            continue
        pairs: dict[str, list[tuple[str, str]]] = {key: [], optional_key: []}
        for field_name in (key, optional_key):
            value = item.get(field_name, [])
            if not isinstance(value, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(n, str) for n in p) for p in value
            ):
                problems.append(_problem(str(path), number, f"field {field_name!r} is not a list of name pairs", hint))
                continue
            pairs[field_name] = [(p[0], p[1]) for p in value]
        if item["doc"] in gold:
            problems.append(_problem(str(path), number, f"document {item['doc']!r} appears twice", hint))
        published = item.get("published")
        gold[item["doc"]] = GoldDocument(
            item["doc"],
            tuple(pairs[key]),
            tuple(pairs[optional_key]),
            published if isinstance(published, str) else None,
        )
    if problems:
        raise KoieError(problems)
    return gold


def read_names(path: str | Path | None) -> NameKey:
    if path is None:
        return NameKey()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise KoieError(
            [
                Diagnostic(
                    "E407",
                    f"cannot read names file: {error}",
                    file=str(path),
                    suggestion='a JSON object: {"canonical name": ["alias", ...]}',
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise KoieError(
            [
                Diagnostic(
                    "E407",
                    "the names file is not a JSON object",
                    file=str(path),
                    suggestion='a JSON object: {"canonical name": ["alias", ...]}',
                )
            ]
        )
    return NameKey(data)


def score_pairs(predicted: set[Pair], gold: set[Pair], optional: set[Pair]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one document."""
    counted = predicted - (optional - gold)
    true_positive = len(counted & gold)
    return true_positive, len(counted - gold), len(gold - predicted)


@dataclass(slots=True)
class Prediction:
    pair: Pair
    names: tuple[str, str]
    record: Record
    sentence: str


@dataclass(slots=True)
class DocumentResult:
    doc: str
    true_positives: list[Pair] = field(default_factory=list)
    false_positives: list[Prediction] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)
    #: for each false negative, a sentence that names both (or "")
    missed_sentences: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EvalReport:
    label: str
    documents: list[DocumentResult] = field(default_factory=list)
    unmatched_gold: list[str] = field(default_factory=list)  # gold documents not among the inputs
    ungraded: list[str] = field(default_factory=list)  # inputs that the gold file does not mention
    problems: list[DocumentProblem] = field(default_factory=list)

    @property
    def true_positives(self) -> int:
        return sum(len(d.true_positives) for d in self.documents)

    @property
    def false_positives(self) -> int:
        return sum(len(d.false_positives) for d in self.documents)

    @property
    def false_negatives(self) -> int:
        return sum(len(d.false_negatives) for d in self.documents)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "documents": [
                {
                    "doc": d.doc,
                    "false_positives": [
                        {"pair": list(p.names), "rule": p.record.rule, "sentence": p.sentence}
                        for p in d.false_positives
                    ],
                    "false_negatives": [list(pair) for pair in d.false_negatives],
                }
                for d in self.documents
            ],
            "unmatched_gold": self.unmatched_gold,
            "ungraded": self.ungraded,
        }


def record_pairs(record: Record, roles: tuple[str, str], key: NameKey) -> list[tuple[Pair, tuple[str, str]]]:
    """The unordered name pairs one record stands for (a person never meets themself)."""
    pairs = []
    for first in mentions_of(record.args.get(roles[0])):
        for second in mentions_of(record.args.get(roles[1])):
            names = (mention_name(first), mention_name(second))
            pair = frozenset((key(names[0]), key(names[1])))
            if len(pair) == 2:
                pairs.append((pair, names))
    return pairs


def counted(record: Record, status_attr: str, status: str) -> bool:
    value = record.attrs.get(status_attr)
    return value is None or value == status


def _sentence_of(record: Record) -> str:
    document = record.document
    if document is None:
        return record.text
    sentence = document.sentences[record.sentence]
    return document.text[sentence.start : sentence.end]


def _sentence_naming(document: Any, names: tuple[str, str]) -> str:
    """The first sentence that names both people (by full name or last word), for the report."""
    probes = [{_squash(name), name.split()[-1]} if name.split() else {name} for name in names]
    for sentence in document.sentences:
        text = document.text[sentence.start : sentence.end]
        squashed = _squash(text)
        if all(any(p and p in squashed for p in probe) for probe in probes):
            return " ".join(text.split())
    return ""


def _gold_for(doc_id: str, gold: Mapping[str, GoldDocument]) -> GoldDocument | None:
    if doc_id in gold:
        return gold[doc_id]
    return gold.get(Path(doc_id).name)


def evaluate(
    pack: Pack,
    gold: Mapping[str, GoldDocument],
    inputs: Iterable[str],
    names: NameKey | None = None,
    label: str = "MEETING",
    roles: tuple[str, str] = ("subject", "object"),
    status_attr: str = "status",
    status: str = "asserted",
    published: str | None = None,
    jsonl: bool | None = None,
    skip: Iterable[str | Path] = (),
) -> EvalReport:
    """Run ``pack`` over ``inputs`` and grade its ``label`` records against ``gold``.

    ``skip``: the gold and names files, not documents when they lie in an input directory.
    """
    key = names or NameKey()
    report = EvalReport(label)
    documents: list[tuple[InputDocument, GoldDocument]] = []
    seen_gold: set[str] = set()
    for item in read_inputs(tuple(inputs), jsonl=jsonl, skip=skip):
        if isinstance(item, DocumentProblem):
            report.problems.append(item)
            continue
        entry = _gold_for(item.id, gold)
        if entry is None:
            report.ungraded.append(item.id)
            continue
        seen_gold.add(entry.doc)
        documents.append((item, entry))
    report.unmatched_gold = sorted(set(gold) - seen_gold)
    analyses = pack.analyzer.analyze_many([d.text for d, _ in documents])
    for (document, entry), analysis in zip(documents, analyses):
        when = document.meta.get("published") or entry.published or published
        extraction = pack.extract_document(analysis, document.id, when)
        predictions: dict[Pair, Prediction] = {}
        for record in extraction.records:
            if record.label != label or not counted(record, status_attr, status):
                continue
            for pair, shown in record_pairs(record, roles, key):
                predictions.setdefault(pair, Prediction(pair, shown, record, _sentence_of(record)))
        wanted = {frozenset((key(a), key(b))): (a, b) for a, b in entry.pairs}
        optional = {frozenset((key(a), key(b))) for a, b in entry.optional}
        result = DocumentResult(document.id)
        for pair, prediction in predictions.items():
            if pair in wanted:
                result.true_positives.append(pair)
            elif pair not in optional:
                result.false_positives.append(prediction)
        result.false_negatives = [names_ for pair, names_ in wanted.items() if pair not in predictions]
        result.missed_sentences = [_sentence_naming(analysis, pair) for pair in result.false_negatives]
        report.documents.append(result)
    return report


def render_report(report: EvalReport) -> str:
    """The text report: misses first, then the scores."""
    lines: list[str] = []
    for result in report.documents:
        for prediction in result.false_positives:
            lines.append(
                f"FP {result.doc}: {prediction.names[0]} – {prediction.names[1]} (rule {prediction.record.rule})"
            )
            lines.append(f"   {' '.join(prediction.sentence.split())}")
        for (a, b), sentence in zip(result.false_negatives, result.missed_sentences):
            lines.append(f"FN {result.doc}: {a} – {b}")
            if sentence:
                lines.append(f"   {sentence}")
    for doc in report.unmatched_gold:
        lines.append(f"note: gold document {doc} is not among the inputs (not scored)")
    for doc in report.ungraded:
        lines.append(f"note: input {doc} has no gold entry (not scored)")
    for problem in report.problems:
        lines.append(f"note: {problem.id}: {problem.code} {problem.message}")
    lines.append(
        f"{report.label}: {len(report.documents)} documents, "
        f"tp={report.true_positives} fp={report.false_positives} fn={report.false_negatives}"
    )
    lines.append(f"precision={report.precision:.3f} recall={report.recall:.3f} f1={report.f1:.3f}")
    return "\n".join(lines)
