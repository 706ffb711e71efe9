"""Metamorphic cases: a rule's own examples, changed in ways that must not change the result.

``surround``
    unrelated sentences around a ``match`` example;
``ending``
    another tense or ending of the predicate that ends the match;
``swap``
    one name swapped for another of the same kind (the capture follows, and
    the particle after it takes the new name's allomorph);
``no_match-surround``, ``no_match-swap``
    a ``no_match`` example stays unmatched under the meaning-preserving
    changes. (The ending change is not applied to ``no_match`` examples: 만날
    예정이다 → 만났다 changes the very meaning that made the example a no-match.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from koie.api import Pack
from koie.engine.extract import Record
from koie.testing.checks import mention_text, rule_records, without_spaces
from koie.testing.examples import captures_agree
from koie.testing.words import ENDINGS, NEUTRAL_SENTENCES, inflect, syllable


@dataclass(frozen=True, slots=True)
class Case:
    """One changed example: the text and what the rule must (not) find in it."""

    text: str
    captures: dict[str, str] = field(default_factory=dict)
    record_text: str | None = None
    change: str = ""
    names: tuple[tuple[int, int], ...] = ()

    def __repr__(self) -> str:
        return f"Case({self.text!r}, {self.change})"


@dataclass(frozen=True, slots=True)
class Baseline:
    """A match example as the pack reads it now: the record that satisfies it, if any.

    Failing examples stay in (with the captures they declare), so a broken
    rule fails every property built on them, each with its smallest variant.
    """

    text: str
    record: Record | None
    captures: dict[str, str]
    record_text: str | None = None


def baselines(pack: Pack, rule_id: str) -> list[Baseline]:
    """The rule's match examples, with the record that makes each pass (None when it fails)."""
    spec = pack.compiled.rule(rule_id).rule.spec
    out = []
    for example in spec.match_examples:
        extraction = pack.extract_document(example.text, "example")
        records = rule_records(extraction, rule_id, include_suppressed=False)
        if example.expected_text is not None:
            records = [r for r in records if without_spaces(r.text) == without_spaces(example.expected_text)]
        if example.captures:
            records = [r for r in records if captures_agree(r, example.captures)]
        if records:
            record = records[0]
            captures = {role: mention_text(value) for role, value in record.args.items()}
            out.append(Baseline(example.text, record, captures, record.text))
        else:
            declared = {
                role: without_spaces(" ".join(v) if isinstance(v, list) else str(v))
                for role, v in (example.captures or {}).items()
            }
            out.append(Baseline(example.text, None, declared, example.expected_text))
    return out


def surround(draw: Callable[[Any], Any], text: str) -> tuple[str, str]:
    """``text`` with up to two unrelated sentences before and after it, and what was added."""
    before = draw(st.lists(st.sampled_from(NEUTRAL_SENTENCES), max_size=2))
    after = draw(st.lists(st.sampled_from(NEUTRAL_SENTENCES), max_size=2))
    joined = " ".join(list(before) + [text] + list(after))
    return joined, f"{len(before)} sentence(s) before, {len(after)} after"


def predicate_sites(pack: Pack, baseline: Baseline) -> list[tuple[int, int, str]]:
    """(start, end, stem) of stem-final literals that end the match and can be re-inflected."""
    record = baseline.record
    if record is None:
        return []
    compiled = pack.compiled.rule(record.rule)
    document = record.document
    assert document is not None
    sentence = document.sentences[record.sentence]
    sites = []
    steps = record.match.steps
    for step in steps[-1:]:
        element = compiled.rule.elements[step.element]
        stem = element.text.strip().strip('"')
        if element.kind != "literal" or not element.analysis.endswith("+endings") or not stem or not syllable(stem[-1]):
            continue
        morphemes = sentence.morphemes[step.start : step.end]
        start = min(m.start for m in morphemes)
        end = max(m.end for m in morphemes)
        text = document.text
        while end < len(text) and syllable(text[end]) is not None:
            end += 1
        if any(m.end > start for v in record.args.values() for m in (v if isinstance(v, tuple) else (v,))):
            continue
        sites.append((start, end, stem))
    return sites


def reinflect(text: str, start: int, end: int, stem: str, ending: str) -> str:
    """``text`` with the predicate at ``start:end`` given ``ending``, still a sentence."""
    final, continuation = ENDINGS[ending]
    rest = text[end:]
    sentence_over = not rest.strip() or rest.lstrip()[:1] in ".!?\n"
    middle = inflect(stem, ending)
    if final and not sentence_over:
        middle += "."
    elif not final and sentence_over:
        middle += continuation
    elif ending == "adnominal":
        middle += " 자리에서"
    return text[:start] + middle + rest


def texts_by_label(pack: Pack) -> dict[str, set[str]]:
    """Names the pack's examples declare (a ``match:`` text or a capture), by the label found there.

    Only declared texts count: a record a broken rule finds (half a name) must
    not become a name to swap in.
    """
    rules = pack.compiled.resolved.spec.rules
    declared: set[str] = set()
    for rule in rules:
        for example in rule.match_examples:
            if example.expected_text:
                declared.add(without_spaces(example.expected_text))
            for value in (example.captures or {}).values():
                for item in value if isinstance(value, list) else [value]:
                    declared.add(without_spaces(str(item)))
    found: dict[str, set[str]] = {}
    for rule in rules:
        texts = [e.text for e in rule.match_examples] + [t for t, _ in rule.no_match_examples]
        for text in texts:
            for record in pack.extract_document(text, "example").records:
                if without_spaces(record.text) in declared:
                    found.setdefault(record.label, set()).add(record.text)
    return found
