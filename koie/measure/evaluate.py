"""``koie eval``: relation records compared with gold pairs, per document.

The gold file is JSON Lines, one object per document::

    {"doc": "001.txt", "published": "2024-07-01",
     "meetings": [["이재용", "젠슨 황"]], "optional": [["이해진", "최수연"]]}

``doc`` names the input document (its path, or the file name alone).
``optional`` pairs count neither way: found, they are not false positives;
missed, they are not false negatives. The key holding the pairs
(``meetings``), the relation label (``MEETING``) and the status that counts
are options, or a scheme file maps several keys to labels and statuses
(:mod:`koie.measure.scheme`), so any pack with a relation can be measured.

A record's pairs are the pack's pair semantics (``relations:``,
:mod:`koie.engine.relations`): by default each ``subject`` with each
``object``, and every two ``participants``; ``--roles`` overrides them. Pairs
are unordered unless ``directed`` (``--directed``): then a pair from
``pairs: [[A, B]]`` is A → B and matches only a gold pair in that order (an
``all_pairs`` pair and an optional pair match either way). A mention stands for
its ``name`` attribute when the pack resolves names (see
:mod:`koie.engine.mentions`), else for its text. Names are compared without
whitespace, after mapping every alias in the names file to its canonical
name::

    {"젠슨 황": ["젠슨황", "젠슨"], "_doc": "keys starting with _ are ignored"}

>>> key = NameKey({"젠슨 황": ["젠슨"]})
>>> key("젠슨황") == key("젠슨") == key("젠슨 황")
True
>>> NameKey(ignore_parentheses=True)("아울바이오(AULBIO)")
'아울바이오'
>>> score_pairs({frozenset({"a", "b"})}, {frozenset({"a", "b"}), frozenset({"a", "c"})}, set())
(1, 0, 1)
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koie.api import Pack
from koie.engine.extract import Record, mention_name
from koie.engine.relations import label_roles, record_relation_pairs
from koie.errors import Diagnostic, KoieError, did_you_mean
from koie.lang.spec import RelationSpec
from koie.measure.scheme import GoldKey, Scheme, default_scheme
from koie.run.inputs import DocumentProblem, InputDocument, read_inputs

#: An unordered pair of names, or an ordered one (a tuple) when pairs are directed.
Pair = frozenset[str]
PairKey = frozenset[str] | tuple[str, str]

_PARENTHESES = re.compile(r"\([^()]*\)")


class NameKey:
    """Names → comparison keys: whitespace removed (and parenthesised parts, if asked), aliases mapped."""

    def __init__(self, names: Mapping[str, Any] | None = None, ignore_parentheses: bool = False) -> None:
        self.ignore_parentheses = ignore_parentheses
        self.aliases: dict[str, str] = {}
        entries = {
            self._squash(canonical): [self._squash(str(a)) for a in (aliases if isinstance(aliases, list) else [])]
            for canonical, aliases in (names or {}).items()
            if not canonical.startswith("_")
        }
        # Two entries whose canonical names list each other (a transliteration under both spellings)
        # are one person: the first of them in the file is the key of both. A short alias two entries
        # share (무함마드) joins nothing.
        root: dict[str, str] = {key: key for key in entries}

        def find(key: str) -> str:
            while root[key] != key:
                key = root[key]
            return key

        for key, aliases in entries.items():
            for alias in aliases:
                if alias in entries and find(alias) != find(key):
                    first, second = sorted((find(alias), find(key)), key=list(entries).index)
                    root[second] = first
        for key in entries:
            self.aliases[key] = find(key)
        for key, aliases in entries.items():
            for alias in aliases:
                self.aliases.setdefault(alias, find(key))

    def _squash(self, name: str) -> str:
        if self.ignore_parentheses:
            name = _PARENTHESES.sub("", name)
        return _squash(name)

    def __call__(self, name: str) -> str:
        squashed = self._squash(name)
        return self.aliases.get(squashed, squashed)

    def with_parentheses_ignored(self) -> NameKey:
        """The same aliases, comparing names without their parenthesised parts."""
        copy = NameKey(ignore_parentheses=True)
        for alias, canonical in self.aliases.items():
            copy.aliases.setdefault(copy._squash(alias), copy._squash(canonical))
        return copy


def _squash(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True, slots=True)
class GoldDocument:
    doc: str
    #: the pairs of the first key read (``meetings`` by default)
    pairs: tuple[tuple[str, str], ...]
    optional: tuple[tuple[str, str], ...]
    published: str | None = None
    #: gold key -> its pairs, for every key read
    by_key: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: every field the document's line has
    fields: frozenset[str] = frozenset()


class EvalOptionError(ValueError):
    """An option of ``koie eval`` names nothing there is (a misspelt label, role, gold key or status).

    ``option`` is the option as written on the command line (``--label``); the
    CLI reports it as a usage error (exit 2).
    """

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


def _problem(path: str, line: int, message: str, hint: str) -> Diagnostic:
    return Diagnostic("E407", message, file=path, line=line, suggestion=hint)


def read_gold(
    path: str | Path, key: str = "meetings", optional_key: str = "optional", keys: Sequence[str] = ()
) -> dict[str, GoldDocument]:
    """The gold file, by document name; raises :class:`KoieError` listing every bad line.

    ``keys``: every field of pairs to read (default: ``key`` alone); the first is ``GoldDocument.pairs``.
    """
    wanted = tuple(dict.fromkeys(keys or (key,)))
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
    hint = f'each line: {{"doc": NAME, "{wanted[0]}": [[A, B], ...], "{optional_key}": [[A, B], ...]}}'
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
        pairs: dict[str, tuple[tuple[str, str], ...]] = {}
        for field_name in (*wanted, optional_key):
            value = item.get(field_name, [])
            if not isinstance(value, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(n, str) for n in p) for p in value
            ):
                problems.append(_problem(str(path), number, f"field {field_name!r} is not a list of name pairs", hint))
                value = []
            pairs[field_name] = tuple((p[0], p[1]) for p in value)
        if item["doc"] in gold:
            problems.append(_problem(str(path), number, f"document {item['doc']!r} appears twice", hint))
        published = item.get("published")
        gold[item["doc"]] = GoldDocument(
            item["doc"],
            pairs[wanted[0]],
            pairs[optional_key],
            published if isinstance(published, str) else None,
            {name: pairs[name] for name in wanted},
            frozenset(item),
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


def score_pairs(predicted: set[Any], gold: set[Any], optional: set[Any]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one document (pairs of either kind)."""
    counted = predicted - (optional - gold)
    true_positive = len(counted & gold)
    return true_positive, len(counted - gold), len(gold - predicted)


@dataclass(slots=True)
class Prediction:
    pair: PairKey
    names: tuple[str, str]
    record: Record
    sentence: str
    #: the gold key it was graded for
    key: str = ""


@dataclass(slots=True)
class DocumentResult:
    doc: str
    true_positives: list[PairKey] = field(default_factory=list)
    false_positives: list[Prediction] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)
    #: for each false negative, a sentence that names both (or "")
    missed_sentences: list[str] = field(default_factory=list)
    #: for each false negative, its gold key
    missed_keys: list[str] = field(default_factory=list)
    #: for each true positive, its gold key
    found_keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EvalReport:
    label: str
    documents: list[DocumentResult] = field(default_factory=list)
    unmatched_gold: list[str] = field(default_factory=list)  # gold documents not among the inputs
    ungraded: list[str] = field(default_factory=list)  # inputs that the gold file does not mention
    problems: list[DocumentProblem] = field(default_factory=list)
    #: the gold keys graded, in order (one unless a scheme names several)
    keys: list[str] = field(default_factory=list)
    directed: bool = False
    #: what the report should say about the scheme (a key that can only miss)
    notes: list[str] = field(default_factory=list)

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
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    def counts(self, key: str) -> tuple[int, int, int]:
        """(tp, fp, fn) of one gold key."""
        tp = sum(k == key for d in self.documents for k in d.found_keys)
        fp = sum(p.key == key for d in self.documents for p in d.false_positives)
        fn = sum(k == key for d in self.documents for k in d.missed_keys)
        return tp, fp, fn

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }
        if self.directed:
            data["directed"] = True
        if len(self.keys) > 1:
            data["keys"] = {}
            for key in self.keys:
                tp, fp, fn = self.counts(key)
                p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
                data["keys"][key] = {
                    "precision": p,
                    "recall": r,
                    "f1": _f1(p, r),
                    "true_positives": tp,
                    "false_positives": fp,
                    "false_negatives": fn,
                }
        many = len(self.keys) > 1
        data["documents"] = [
            {
                "doc": d.doc,
                "false_positives": [
                    {"pair": list(p.names), "rule": p.record.rule, "sentence": p.sentence}
                    | ({"key": p.key} if many else {})
                    for p in d.false_positives
                ],
                "false_negatives": (
                    [{"pair": list(pair), "key": key} for pair, key in zip(d.false_negatives, d.missed_keys)]
                    if many
                    else [list(pair) for pair in d.false_negatives]
                ),
            }
            for d in self.documents
        ]
        if self.notes:
            data["notes"] = self.notes
        data["unmatched_gold"] = self.unmatched_gold
        data["ungraded"] = self.ungraded
        return data


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def record_pairs(
    record: Record,
    roles: tuple[str, str] | RelationSpec,
    key: NameKey,
    directed: bool = False,
    anaphors: Collection[str] = (),
) -> list[tuple[PairKey, tuple[str, str]]]:
    """The name pairs one record stands for (a person never meets themself).

    ``roles``: the record's relation (:mod:`koie.engine.relations`), or two
    roles whose mentions pair up. With ``directed``, a pair of ``pairs`` roles
    is an ordered tuple; other pairs are frozensets. ``anaphors``: the pack's
    anaphora labels (an anaphor nothing resolved is in no pair).
    """
    relation = roles if isinstance(roles, RelationSpec) else RelationSpec(record.label, (roles,), ())
    pairs: list[tuple[PairKey, tuple[str, str]]] = []
    for first, second, ordered in record_relation_pairs(record, relation, anaphors):
        names = (mention_name(first), mention_name(second))
        a, b = key(names[0]), key(names[1])
        if a == b:
            continue
        pairs.append(((a, b) if directed and ordered else frozenset((a, b)), names))
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


# ------------------------------------------------------------------ options


def relation_for(pack: Pack, gold_key: GoldKey, roles: Sequence[tuple[str, ...]] = ()) -> RelationSpec:
    """Who is related to whom in a key's records: ``roles`` (``--roles``) over the key's own roles over the
    pack's ``relations:`` (or its default: ``subject`` × ``object``, every two ``participants``)."""
    if roles:
        pairs = tuple((r[0], r[1]) for r in roles if len(r) == 2)
        groups = tuple(r[0] for r in roles if len(r) == 1)
        return RelationSpec(gold_key.label, pairs, groups)
    if gold_key.relation is not None:
        return gold_key.relation
    return pack.spec.relation(gold_key.label)


def check_options(
    pack: Pack,
    scheme: Scheme,
    gold: Mapping[str, GoldDocument],
    roles: Sequence[tuple[str, ...]] = (),
    status_attr: str = "status",
) -> list[str]:
    """Each label, role, gold key and status the options (or the scheme file) name must exist.

    Raises :class:`EvalOptionError` for an option (a usage error: exit 2) and
    :class:`KoieError` (E407, at its place) for a scheme file, each with "Did you mean …?".
    A scheme file describes a gold format that packs may cover in part: a label
    the pack lacks or a status none of its rules sets is not an error there but a
    note, returned for the report (the key can only miss).
    """
    compiled = pack.compiled
    labels = {c.rule.label for c in compiled.rules}
    fields = set().union(*(entry.fields for entry in gold.values())) - {"doc", "published"}
    problems: list[Diagnostic] = []
    notes: list[str] = []
    from_file = scheme.source is not None

    def fail(option: str, offset: int, message: str, value: str, choices: Iterable[str], listing: str) -> None:
        hint = did_you_mean(value, choices) or listing
        if from_file and offset >= 0:
            problems.append(scheme.diagnostic(offset, message, value, hint))
        else:
            raise EvalOptionError(option, f"{message}. {hint}")

    for gold_key in scheme.keys:
        key_at, label_at = gold_key.offset("key"), gold_key.offset("label")
        if gold and gold_key.key not in fields:
            fail(
                "--gold-key",
                key_at,
                f"no document of the gold file has the field {gold_key.key!r}",
                gold_key.key,
                fields,
                f"fields of the gold file: {', '.join(sorted(fields)) or '(none)'}",
            )
        if gold_key.label not in labels and from_file:
            close = _very_close(gold_key.label, labels)
            notes.append(
                f"no rule of the pack has the label {gold_key.label!r}{' (' + close + ')' if close else ''}: "
                f"key {gold_key.key} can only miss"
            )
            continue
        if gold_key.label not in labels:
            fail(
                "--label",
                label_at,
                f"no rule of the pack has the label {gold_key.label!r}",
                gold_key.label,
                labels,
                f"labels of the pack: {', '.join(sorted(labels))}",
            )
            continue
        known = label_roles(compiled, gold_key.label)
        relation = relation_for(pack, gold_key, roles)
        unknown = [role for role in relation.roles if role not in known]
        declared = roles or gold_key.relation is not None or gold_key.label in pack.spec.relations
        listing = f"roles of {gold_key.label}: {', '.join(sorted(known)) or '(none)'}"
        if declared and unknown:
            message = f"no rule of label {gold_key.label!r} fills role {unknown[0]!r}"
            fail("--roles", gold_key.offset(f"role:{unknown[0]}"), message, unknown[0], known, listing)
        elif not declared and len(unknown) == len(relation.roles):
            fail(
                "--roles",
                label_at,
                f"records of {gold_key.label!r} have none of the roles {', '.join(relation.roles)}: "
                f"declare 'relations: {{{gold_key.label}: {{pairs: [[A, B]]}}}}' in the pack or give --roles A,B",
                gold_key.label,
                (),
                listing,
            )
        statuses = {
            str(c.rule.spec.attrs[status_attr])
            for c in compiled.rules
            if c.rule.label == gold_key.label and status_attr in c.rule.spec.attrs
        }
        for status in (*(gold_key.statuses or ()), *gold_key.excluded):
            if statuses and status not in statuses and from_file:
                close = _very_close(status, statuses)
                if status in (gold_key.statuses or ()):
                    notes.append(
                        f"no rule of label {gold_key.label!r} sets {status_attr} {status!r}"
                        f"{' (' + close + ')' if close else ''}: key {gold_key.key} can only miss"
                    )
            elif statuses and status not in statuses:
                fail(
                    "--status",
                    gold_key.offset(f"status:{status}"),
                    f"no rule of label {gold_key.label!r} sets {status_attr} {status!r}",
                    status,
                    statuses,
                    f"statuses of {gold_key.label}: {', '.join(sorted(statuses))}",
                )
    if problems:
        raise KoieError(problems)
    return notes


def _very_close(value: str, choices: Iterable[str]) -> str | None:
    """A "Did you mean …?" for a note, only for a name a letter or two away (a note must not mislead)."""

    close = difflib.get_close_matches(value, sorted(set(choices)), n=1, cutoff=0.8)
    return f"Did you mean {close[0]!r}?" if close else None


# ------------------------------------------------------------------ grading


def evaluate(
    pack: Pack,
    gold: Mapping[str, GoldDocument],
    inputs: Iterable[str],
    names: NameKey | None = None,
    label: str = "MEETING",
    roles: tuple[str, str] | Sequence[tuple[str, ...]] | None = None,
    status_attr: str = "status",
    status: str = "asserted",
    published: str | None = None,
    jsonl: bool | None = None,
    skip: Iterable[str | Path] = (),
    directed: bool = False,
    scheme: Scheme | None = None,
    gold_key: str = "meetings",
) -> EvalReport:
    """Run ``pack`` over ``inputs`` and grade its records against ``gold``.

    Without ``scheme``, one key: ``label``'s records with ``status`` against the
    pairs ``gold`` was read with. ``roles``: two roles (``("subject", "object")``)
    or a list of role tuples, each two roles (pairs) or one (every two of it),
    over the pack's ``relations:``. ``skip``: the gold and names files, not
    documents when they lie in an input directory.
    """
    role_list: list[tuple[str, ...]] = []
    if roles:
        role_list = [tuple(roles)] if isinstance(roles[0], str) else [tuple(r) for r in roles]  # type: ignore[arg-type]
    if scheme is None:
        first = next(iter(gold.values()), None)
        keys_read = tuple(first.by_key) if first is not None and first.by_key else (gold_key,)
        scheme = default_scheme(keys_read[0], label, status, directed=directed)
    directed = directed or scheme.directed
    key = names or NameKey()
    if scheme.ignore_parentheses and not key.ignore_parentheses:
        key = key.with_parentheses_ignored()
    relations = {gold_key_.key: relation_for(pack, gold_key_, role_list) for gold_key_ in scheme.keys}
    anaphors = frozenset(pack.spec.anaphora)
    report = EvalReport(
        scheme.keys[0].label if len(scheme.keys) == 1 else "all keys",
        keys=[k.key for k in scheme.keys],
        directed=directed,
    )
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
        result = DocumentResult(document.id)
        optional = _gold_pairs(entry.optional, key, False)  # either way, directed or not
        for gold_key_ in scheme.keys:
            wanted_pairs = entry.by_key.get(gold_key_.key, entry.pairs if len(scheme.keys) == 1 else ())
            wanted = {_pair_key(a, b, key, directed): (a, b) for a, b in wanted_pairs}
            predictions = _predictions(
                extraction.records, gold_key_, relations[gold_key_.key], key, directed, status_attr, wanted, anaphors
            )
            for pair, prediction in predictions.items():
                if pair in wanted:
                    result.true_positives.append(pair)
                    result.found_keys.append(gold_key_.key)
                elif frozenset(pair) not in optional:
                    prediction.key = gold_key_.key
                    result.false_positives.append(prediction)
            missed = [names_ for pair, names_ in wanted.items() if pair not in predictions]
            result.false_negatives += missed
            result.missed_keys += [gold_key_.key] * len(missed)
            result.missed_sentences += [_sentence_naming(analysis, pair) for pair in missed]
        report.documents.append(result)
    return report


def _pair_key(a: str, b: str, key: NameKey, directed: bool) -> PairKey:
    return (key(a), key(b)) if directed else frozenset((key(a), key(b)))


def _gold_pairs(pairs: Iterable[tuple[str, str]], key: NameKey, directed: bool) -> set[PairKey]:
    return {_pair_key(a, b, key, directed) for a, b in pairs}


def _predictions(
    records: Iterable[Record],
    gold_key: GoldKey,
    relation: RelationSpec,
    key: NameKey,
    directed: bool,
    status_attr: str,
    wanted: Mapping[PairKey, tuple[str, str]],
    anaphors: Collection[str] = (),
) -> dict[PairKey, Prediction]:
    """The pairs of the records that count for ``gold_key``, each once (its first record kept).

    With ``directed``, an unordered pair (``all_pairs``) takes the order of the gold pair it matches.
    """
    predictions: dict[PairKey, Prediction] = {}
    for record in records:
        if record.label != gold_key.label or not gold_key.counts(record.attrs.get(status_attr)):
            continue
        for pair, shown in record_pairs(record, relation, key, directed, anaphors):
            if directed and isinstance(pair, frozenset):
                forward = (key(shown[0]), key(shown[1]))
                backward = (forward[1], forward[0])
                if backward in wanted and forward not in wanted:
                    pair, shown = backward, (shown[1], shown[0])
                else:
                    pair = forward
            predictions.setdefault(pair, Prediction(pair, shown, record, _sentence_of(record)))
    return predictions


def render_report(report: EvalReport) -> str:
    """The text report: misses first, then the scores."""
    lines: list[str] = []
    many = len(report.keys) > 1
    arrow = "→" if report.directed else "–"
    for result in report.documents:
        for prediction in result.false_positives:
            where = f" [{prediction.key}]" if many else ""
            lines.append(
                f"FP {result.doc}{where}: {prediction.names[0]} {arrow} {prediction.names[1]}"
                f" (rule {prediction.record.rule})"
            )
            lines.append(f"   {' '.join(prediction.sentence.split())}")
        for (a, b), sentence, gold_key in zip(result.false_negatives, result.missed_sentences, result.missed_keys):
            where = f" [{gold_key}]" if many else ""
            lines.append(f"FN {result.doc}{where}: {a} {arrow} {b}")
            if sentence:
                lines.append(f"   {sentence}")
    for doc in report.unmatched_gold:
        lines.append(f"note: gold document {doc} is not among the inputs (not scored)")
    for doc in report.ungraded:
        lines.append(f"note: input {doc} has no gold entry (not scored)")
    for problem in report.problems:
        lines.append(f"note: {problem.id}: {problem.code} {problem.message}")
    for note in report.notes:
        lines.append(f"note: {note}")
    if many:
        for gold_key in report.keys:
            tp, fp, fn = report.counts(gold_key)
            p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
            lines.append(f"{gold_key}: tp={tp} fp={fp} fn={fn} precision={p:.3f} recall={r:.3f} f1={_f1(p, r):.3f}")
    lines.append(
        f"{report.label}: {len(report.documents)} documents, "
        f"tp={report.true_positives} fp={report.false_positives} fn={report.false_negatives}"
    )
    lines.append(f"precision={report.precision:.3f} recall={report.recall:.3f} f1={report.f1:.3f}")
    return "\n".join(lines)
