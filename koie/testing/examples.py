"""Running the examples every rule carries (``koie test``, the pytest plugin).

A ``match`` example passes when the rule produces a record in the example
text (whose text equals ``match`` when given) with the expected captures; a
``no_match`` example passes when the rule produces none. The whole pack runs
on each example, so entity rules fill the slots as they would in a corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from koie.api import Pack
from koie.engine.extract import Extraction, Mention, Origin, Record
from koie.explain import render_why_not, why_not


@dataclass(frozen=True, slots=True)
class ExampleResult:
    rule: str
    where: str
    kind: str  # "match" or "no_match"
    text: str
    ok: bool
    message: str = ""
    code: str = ""  # E301 did not match, E302 other captures, E303 no_match matched


def _mention_texts(value: Mention | tuple[Mention, ...]) -> list[str]:
    mentions = value if isinstance(value, tuple) else (value,)
    return ["".join(m.text.split()) for m in mentions]


def captures_agree(record: Record, expected: Mapping[str, Any]) -> bool:
    """Expected captures are texts (or lists of texts), compared without spaces."""
    for role, want in expected.items():
        if role not in record.args:
            return False
        got = _mention_texts(record.args[role])
        wanted = ["".join(str(w).split()) for w in (want if isinstance(want, list) else [want])]
        if got != wanted:
            return False
    return True


def _describe(record: Record) -> str:
    args = ", ".join(f"{role}={'/'.join(_mention_texts(value))}" for role, value in record.args.items())
    return f"{record.text!r}" + (f" ({args})" if args else "")


def why_not_text(pack: Pack, extraction: Extraction, rule_id: str) -> str:
    """Why ``rule_id`` found nothing in the extraction's document, as ``koie explain`` says it."""
    kept: dict[str, list[Record]] = {}
    for record in extraction.records:
        kept.setdefault(record.label, []).append(record)
    reports = why_not(pack.compiled, extraction.document, rule_id, kept)
    return "\n".join(render_why_not(r) for r in reports)


def run_examples(pack: Pack, rule_ids: set[str] | None = None) -> list[ExampleResult]:
    """Run the examples of every rule (or of ``rule_ids``)."""
    results: list[ExampleResult] = []
    cache: dict[str, Extraction] = {}

    def extraction_of(text: str) -> Extraction:
        if text not in cache:
            cache[text] = pack.extract_document(text, "example")
        return cache[text]

    for compiled in pack.compiled.rules:
        spec = compiled.rule.spec
        if rule_ids is not None and spec.id not in rule_ids:
            continue
        for example in spec.match_examples:
            extraction = extraction_of(example.text)
            mine = [r for r in extraction.records if r.rule == spec.id and r.origin is Origin.RULE]
            if example.expected_text is not None:
                mine = [r for r in mine if "".join(r.text.split()) == "".join(example.expected_text.split())]
            where = example.place.where
            if not mine:
                lost = [r for r in extraction.suppressed if r.rule == spec.id]
                if lost and lost[0].suppressed_by is not None:
                    winner = lost[0].suppressed_by
                    message = f"matched {lost[0].text!r} but was suppressed by rule {winner.rule} ({winner.text!r})"
                else:
                    message = "did not match\n" + why_not_text(pack, extraction, spec.id)
                if example.expected_text is not None:
                    message = f"expected a match on {example.expected_text!r}; " + message
                results.append(ExampleResult(spec.id, where, "match", example.text, False, message, "E301"))
                continue
            if example.captures and not any(captures_agree(r, example.captures) for r in mine):
                got = "; ".join(_describe(r) for r in mine)
                message = f"expected captures {example.captures}, got {got}"
                results.append(ExampleResult(spec.id, where, "match", example.text, False, message, "E302"))
                continue
            results.append(ExampleResult(spec.id, where, "match", example.text, True))
        for text, place in spec.no_match_examples:
            extraction = extraction_of(text)
            mine = [r for r in extraction.records if r.rule == spec.id and r.origin is Origin.RULE]
            if mine:
                results.append(
                    ExampleResult(
                        spec.id,
                        place.where,
                        "no_match",
                        text,
                        False,
                        "matched but should not: " + "; ".join(_describe(r) for r in mine),
                        "E303",
                    )
                )
            else:
                results.append(ExampleResult(spec.id, place.where, "no_match", text, True))
    return results
