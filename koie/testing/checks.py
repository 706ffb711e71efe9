"""Whether a rule does what a sentence says it must: match with these captures, or not match.

A failing check says what went wrong and why the rule did not match. A check
whose sentence is not the one it was meant to be (Kiwi read a generated name
or word otherwise, or the entity rules missed a slot's filler) raises
:class:`Inconclusive`: it tests Kiwi or the generator, not the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from koie.api import Pack
from koie.engine.extract import Extraction, Mention, Origin, Record
from koie.explain import why_not
from koie.testing.examples import why_not_text
from koie.testing.words import NamePools, proper_noun_tokens


def without_spaces(text: str) -> str:
    """Texts compare without their spacing (Kiwi's offsets and a writer's spaces may differ)."""
    return "".join(text.split())


def mention_text(value: Mention | tuple[Mention, ...]) -> str:
    """A capture's text without spaces (a list capture's mentions joined)."""
    mentions = value if isinstance(value, tuple) else (value,)
    return without_spaces("".join(m.text for m in mentions))


def offsets_problem(extraction: Extraction) -> str | None:
    """A record or mention whose offsets do not give back its text, if any."""
    text = extraction.document.text
    for record in extraction.records + extraction.suppressed:
        if text[record.start : record.end] != record.text:
            return f"record {record.rule} reports {record.text!r} at [{record.start}:{record.end}]"
        for value in record.args.values():
            for mention in value if isinstance(value, tuple) else (value,):
                if text[mention.start : mention.end] != mention.text:
                    return f"mention {mention.text!r} at [{mention.start}:{mention.end}] of {record.rule}"
    return None


def rule_records(extraction: Extraction, rule_id: str, include_suppressed: bool) -> list[Record]:
    """The records ``rule_id`` made, with those another rule suppressed when asked."""
    records = [r for r in extraction.records if r.rule == rule_id and r.origin is Origin.RULE]
    if include_suppressed:
        records += [r for r in extraction.suppressed if r.rule == rule_id]
    return records


class Inconclusive(Exception):
    """Kiwi read a generated name or word otherwise than meant, or the entity rules missed a
    filler: the case tests Kiwi or the generator, not the rule."""


def misread_names(
    extraction: Extraction, names: Sequence[tuple[int, int]], pools: NamePools | None = None
) -> list[str]:
    """Names (by span) Kiwi did not read here as it did when they were vetted.

    Misread: not covered exactly by NNP morphemes; covered by another number
    of them than in ``pools`` (홍준호 as 홍/NNP 준호/NNP before a parenthesis);
    or by one whose form is not its text (신시우 as 신시 우/NNP, a name of
    Kiwi's dictionary of multi-word names).
    """
    text = extraction.document.text
    morphemes = [m for s in extraction.document.sentences for m in s.morphemes]
    misread = []
    for start, end in names:
        count = proper_noun_tokens(morphemes, start, end)
        expected = pools.tokens_of(text[start:end]) if pools is not None else None
        reshaped = any(m.form != text[m.start : m.end] for m in morphemes if m.start < end and m.end > start)
        if not count or (expected is not None and count != expected) or reshaped:
            misread.append(text[start:end])
    return misread


def misread_pieces(extraction: Extraction, pieces: Sequence[tuple[int, int, str]]) -> list[str]:
    """The generator's words Kiwi did not read as one morpheme (with its tag, for a form/TAG
    test), and its particles not read as particles.

    Such a sentence is not the one the generator meant: 어제 after 서고 read as 어/IC 저/NP 의/JKG,
    도 and 와 stacked (회장도와) read as 돕/VV, or 안/MAG after a name read as the surname 안/NNP.
    """
    text = extraction.document.text
    morphemes = [m for s in extraction.document.sentences for m in s.morphemes]
    misread = []
    for start, end, kind in pieces:
        inside = [m for m in morphemes if m.start < end and m.end > start]
        if kind == "word":
            read = len(inside) == 1 and inside[0].start == start and inside[0].end == end
        elif kind.startswith("stem:"):
            forms = kind[len("stem:") :].split(" ")
            read = (
                len(inside) >= len(forms)
                and inside[0].start == start
                and [m.form for m in inside[: len(forms)]] == forms
            )
        elif kind.startswith("form:"):  # a literal: it starts where it was put, with its first morpheme
            read = bool(inside) and inside[0].start == start and inside[0].form == kind[len("form:") :]
        elif kind.startswith("tags:"):
            tags = kind[len("tags:") :].split(",")
            read = (
                len(inside) == 1
                and inside[0].start == start
                and inside[0].end == end
                and any(inside[0].tag == t or (t.endswith("*") and inside[0].tag.startswith(t[:-1])) for t in tags)
            )
        else:
            read = bool(inside) and inside[0].start >= start and all(m.tag.startswith("J") for m in inside)
        if not read:
            misread.append(text[start:end])
    return misread


def check_match(
    pack: Pack,
    rule_id: str,
    text: str,
    captures: dict[str, str],
    record_text: str | None = None,
    names: Sequence[tuple[int, int]] = (),
    generated: bool = False,
    fillers: Sequence[tuple[str, int, int]] = (),
    pieces: Sequence[tuple[int, int, str]] = (),
    pools: NamePools | None = None,
) -> str | None:
    """None when ``rule_id`` matches ``text`` with ``captures``; otherwise what went wrong.

    Raises :class:`Inconclusive` when the rule fails but Kiwi misread one of ``names`` or
    ``pieces`` (:func:`misread_pieces`), and, for ``generated`` sentences, when the sentence is
    one the generator cannot vouch for (an entity rule missed one of ``fillers``, say).
    ``pools`` are the name pools ``names`` were drawn from (:func:`misread_names`).
    """
    extraction = pack.extract_document(text, "generated")
    problem = offsets_problem(extraction)
    if problem:
        return "offsets broken: " + problem
    problem = _match_problem(pack, extraction, rule_id, captures, record_text)
    misread = misread_names(extraction, names, pools) if problem is not None and names else []
    if problem is not None and pieces:
        misread += misread_pieces(extraction, pieces)
    if misread:
        raise Inconclusive(", ".join(misread))
    if problem is not None and generated:
        doubt = _generator_doubt(pack, extraction, rule_id, captures, fillers)
        if doubt:
            raise Inconclusive(doubt)
    return problem


def _generator_doubt(
    pack: Pack,
    extraction: Extraction,
    rule_id: str,
    captures: dict[str, str],
    fillers: Sequence[tuple[str, int, int]] = (),
) -> str | None:
    """Why a failing generated sentence may be the generator's fault, not the rule's.

    The generator honours positive look-arounds but not negative ones or
    anchors, and fills slots with what the entity rules should find; when a
    condition failed, or the entity rules read a filler otherwise (their own
    generated cases test them), the case says nothing about this rule.
    """
    kept: dict[str, list[Record]] = {}
    for record in extraction.records:
        kept.setdefault(record.label, []).append(record)
    for report in why_not(pack.compiled, extraction.document, rule_id, kept):
        if report.get("missing_labels"):
            return "the entity rules found no " + ", ".join(report["missing_labels"])
        if any(e.get("kind") in ("lookaround", "anchor") for e in report.get("expected", ())) or report.get(
            "stopped"
        ):  # one stopped every attempt before it consumed anything
            return "a look-around or anchor the generator does not model failed"
    text = extraction.document.text
    for label, start, end in fillers:
        if not any(r.label == label and r.start == start and r.end == end for r in extraction.records):
            return f"the entity rules did not read {text[start:end]!r} at {start} as one {label}"
    rule = pack.compiled.rule(rule_id).rule
    if rule.slot_labels and not fillers:
        found = {without_spaces(r.text) for r in extraction.records if r.label in rule.slot_labels}
        for value in captures.values():
            if without_spaces(value) not in found:
                return f"the entity rules did not read {value!r} as one span"
    return None


def _match_problem(
    pack: Pack, extraction: Extraction, rule_id: str, captures: dict[str, str], record_text: str | None
) -> str | None:
    records = rule_records(extraction, rule_id, include_suppressed=True)
    if not records:
        return "did not match\n" + why_not_text(pack, extraction, rule_id)
    wanted = {role: without_spaces(value) for role, value in captures.items()}
    for record in records:
        got = {role: mention_text(record.args[role]) for role in wanted if role in record.args}
        if got == wanted and (record_text is None or without_spaces(record.text) == without_spaces(record_text)):
            return None
    described = "; ".join(
        f"{r.text!r} (" + ", ".join(f"{k}={mention_text(v)}" for k, v in r.args.items()) + ")" for r in records
    )
    expected = f"{record_text!r} " if record_text else ""
    return f"matched, but expected {expected}with captures {wanted}; got {described}"


def check_no_match(
    pack: Pack, rule_id: str, text: str, names: Sequence[tuple[int, int]] = (), pools: NamePools | None = None
) -> str | None:
    """None when ``rule_id`` finds nothing in ``text``; otherwise what it found (as :func:`check_match`)."""
    extraction = pack.extract_document(text, "generated")
    problem = offsets_problem(extraction)
    if problem:
        return "offsets broken: " + problem
    records = rule_records(extraction, rule_id, include_suppressed=False)
    misread = misread_names(extraction, names, pools) if records and names else []
    if misread:
        raise Inconclusive(", ".join(misread))
    if records:
        return "matched but should not: " + "; ".join(repr(r.text) for r in records)
    return None
