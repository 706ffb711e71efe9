"""Why a record matched, and why a rule did not: explanations as data.

An explanation is a plain dict (the ``explanation`` field of ``--explain``
output, docs/output.md); :func:`render_explanation` and :func:`render_why_not`
are the text renderers for terminals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koie.analysis.morphemes import AnalyzedDocument, Morpheme
from koie.engine.extract import (
    CompiledPack,
    CompiledRule,
    Origin,
    Record,
    _spans_for,
)
from koie.engine.mentions import completed_roles, render_completed
from koie.lang.compile import Program
from koie.lang.ir import Element, RAlt, RGroup, RNode, RRepeat, RSeq, RSlot
from koie.lang.resolve import ResolvedRule
from koie.vm.match import MatchInput, Progress, blamed, find_matches


def _morpheme_json(morpheme: Morpheme) -> dict[str, Any]:
    return {"form": morpheme.form, "tag": morpheme.tag, "start": morpheme.start, "end": morpheme.end}


def explain_record(pack: CompiledPack, record: Record) -> dict[str, Any]:
    """Which rule found ``record`` and which pattern element matched which morphemes.

    A repeated mention (``mentions: {LABEL: {repeat: true}}``), which no rule
    made, is explained by the mention it repeats, and a slot filled by one names
    the rule that found the mention it repeats.
    """
    document = record.document
    assert document is not None, "records carry their document"
    sentence = document.sentences[record.sentence]
    compiled = _found_by(pack, record)
    if compiled is None:
        return _explain_repeat(pack, record, sentence.morphemes[record.first : record.last])
    rule = compiled.rule
    steps: list[dict[str, Any]] = []
    for step in record.match.steps:
        element = rule.elements[step.element]
        morphemes = sentence.morphemes[step.start : step.end]
        start = min((m.start for m in morphemes), default=record.start)
        end = max((m.end for m in morphemes), default=start)
        entry: dict[str, Any] = {
            "element": element.text,
            "kind": element.kind,
            "where": element.where,
            "analysis": element.analysis,
            "morphemes": [_morpheme_json(m) for m in morphemes],
            "text": document.text[start:end],
            "start": start,
            "end": end,
        }
        filler = step.filler
        if isinstance(filler, Record):
            entry["filled_by"] = _filled_by(pack, filler)
        steps.append(entry)
    explanation: dict[str, Any] = {
        "rule": rule.id,
        "label": rule.label,
        "where": rule.spec.where,
        "pattern": rule.spec.pattern.text.strip(),
        "steps": steps,
    }
    completed = completed_roles(record)  # roles filled after matching: carry, joins, anaphora
    if completed:
        explanation["completed"] = completed
    if record.match.sets:  # which {key=value} the match passed: the branch that set each attribute
        explanation["sets"] = [
            {"element": rule.elements[element].text, "where": rule.elements[element].where, "key": key, "value": value}
            for element, key, value in record.match.sets
        ]
    if record.suppressed_by is not None:
        winner = record.suppressed_by
        explanation["suppressed_by"] = {
            "rule": winner.rule,
            "label": winner.label,
            "text": winner.text,
            "start": winner.start,
            "end": winner.end,
            "policy": pack.resolved.overlap_policy(record.label),
        }
    return explanation


def _found_by(pack: CompiledPack, record: Record) -> CompiledRule | None:
    """The rule of ``pack`` that made ``record``; None for a record no rule made (a repeated mention)."""
    if record.origin is not Origin.RULE:
        return None
    try:
        return pack.rule(record.rule)
    except KeyError:
        return None


def _filled_by(pack: CompiledPack, filler: Record) -> dict[str, Any]:
    """The ``filled_by`` of a slot's step: the record that filled it, and where its rule is."""
    filled: dict[str, Any] = {
        "rule": filler.found_by,
        "label": filler.label,
        "text": filler.text,
        "start": filler.start,
        "end": filler.end,
    }
    compiled = _found_by(pack, filler)
    if compiled is not None:
        filled["where"] = compiled.rule.spec.where
        return filled
    # a repeated mention: made where the pack asks for them (mentions: {LABEL: {repeat: true}})
    filled["where"] = pack.resolved.spec.file
    filled["repeat_of"] = _repeat_of(pack, filler)
    return filled


def _repeat_of(pack: CompiledPack, record: Record) -> dict[str, Any]:
    """What a repeated mention repeats: its text and place, and the rule that found it.

    A repeated mention's ``rule`` is the rule that found the mention it repeats
    (:class:`~koie.engine.extract.Origin`).
    """
    source = record.attrs.get("repeat_of", {})
    repeated: dict[str, Any] = {"text": source.get("text"), "start": source.get("start"), "end": source.get("end")}
    try:
        compiled = pack.rule(record.rule)
    except KeyError:
        return repeated
    return {"rule": record.rule} | repeated | {"where": compiled.rule.spec.where}


def _explain_repeat(pack: CompiledPack, record: Record, morphemes: Any) -> dict[str, Any]:
    source = record.attrs.get("repeat_of", {})
    where = pack.resolved.spec.file
    return {
        "rule": record.found_by,
        "label": record.label,
        "where": where,
        "pattern": f"another mention of {source.get('text')!r} (mentions: {{{record.label}: {{repeat: true}}}})",
        "steps": [
            {
                "element": f"= {source.get('text')!r}",
                "kind": "repeat",
                "where": where,
                "analysis": "",
                "morphemes": [_morpheme_json(m) for m in morphemes],
                "text": record.text,
                "start": record.start,
                "end": record.end,
                "filled_by": {
                    "rule": "",
                    "label": record.label,
                    "text": source.get("text"),
                    "start": source.get("start"),
                    "end": source.get("end"),
                    "where": where,
                },
            }
        ],
    }


def why_not(
    pack: CompiledPack, document: AnalyzedDocument, rule_id: str, kept: dict[str, list[Record]]
) -> list[dict[str, Any]]:
    """For each sentence, how far ``rule_id`` got and which element failed on which morpheme.

    The report follows the attempts that matched the most elements of the
    pattern and names the element that failed where they stopped, at the
    morpheme it did not accept (:class:`~koie.vm.match.Progress`). A label is
    reported missing only when every match needs it (an optional slot is not).
    """
    compiled = pack.rule(rule_id)
    rule = compiled.rule
    required = required_labels(rule.body)
    reports: list[dict[str, Any]] = []
    for index, sentence in enumerate(document.sentences):
        spans = _spans_for(index, rule.slot_labels, kept)
        present = {s.label for s in spans}
        missing = sorted("|".join(sorted(labels)) for labels in required if not labels & present)
        progress = Progress(
            ignore=frozenset(e.id for e in rule.elements if e.kind in ("gap", "any")),
            runs=frozenset(e.id for e in rule.elements if e.kind == "literal"),
        )
        find_matches(
            compiled.program, MatchInput(sentence.morphemes, document.text, spans, pack.resolved.lexicons), progress
        )
        report: dict[str, Any] = {"rule": rule.id, "where": rule.spec.where, "sentence": index}
        morphemes = sentence.morphemes
        if progress.furthest < 0:
            report["reason"] = _nowhere_reason(compiled.program, rule, morphemes, progress, report)
        else:
            got = morphemes[progress.start : progress.furthest]
            report["matched"] = {
                "text": document.text[min((m.start for m in got), default=0) : max((m.end for m in got), default=0)],
                "morphemes": [m.notation for m in got],
            }
            report["expected"] = _elements_json(
                rule.elements[e] for e in blamed(progress) if 0 <= e < len(rule.elements)
            )
            report["found"] = _found_json(morphemes, progress.furthest)
            later = sorted(p for s, p in progress.tried if s == progress.start and p > progress.furthest)
            if later:  # a gap let the same attempt try its next element further on
                report["also_tried"] = [_found_json(morphemes, p) for p in later]
        if missing:
            report["missing_labels"] = missing
        reports.append(report)
    return reports


def _elements_json(elements: Any) -> list[dict[str, Any]]:
    """Elements as the report lists them, each text and analysis once (a macro used twice has two elements)."""
    listed: dict[tuple[str, str], dict[str, Any]] = {}
    for element in elements:
        assert isinstance(element, Element)
        listed.setdefault(
            (element.text, element.analysis),
            {"element": element.text, "kind": element.kind, "analysis": element.analysis, "where": element.where},
        )
    return list(listed.values())


def _found_json(morphemes: Sequence[Morpheme], position: int) -> dict[str, Any] | None:
    """The morpheme at ``position`` (None: the end of the sentence)."""
    if position >= len(morphemes):
        return None
    found = morphemes[position]
    return _morpheme_json(found) | {"notation": found.notation}


#: Past this many combinations, an alternation's required labels are those all its options share.
_MAX_LABEL_SETS = 64


def required_labels(node: RNode) -> frozenset[frozenset[str]]:
    """The slot labels every match of ``node`` needs: each set holds labels one of which must fill a slot.

    >>> from koie.lang.ir import RSlot, RSeq, RRepeat, RAlt
    >>> money, org, person = (RSlot(frozenset({label}), None, i) for i, label in enumerate(("MONEY", "ORG", "PERSON")))
    >>> sorted(sorted(s) for s in required_labels(RSeq((org, RRepeat(money, 0, 1)))))
    [['ORG']]
    >>> sorted(sorted(s) for s in required_labels(RAlt((org, person))))
    [['ORG', 'PERSON']]
    """
    if isinstance(node, RSlot):
        return frozenset((node.labels,))
    if isinstance(node, RSeq):
        return frozenset(labels for item in node.items for labels in required_labels(item))
    if isinstance(node, RGroup):
        return required_labels(node.body)
    if isinstance(node, RRepeat):
        return required_labels(node.body) if node.min > 0 else frozenset()
    if isinstance(node, RAlt):
        options = [required_labels(option) for option in node.options]
        if not options or not all(options):
            return frozenset()
        combined: set[frozenset[str]] = {frozenset()}
        for option in options:
            if len(combined) * len(option) > _MAX_LABEL_SETS:
                return frozenset.intersection(*options)
            combined = {known | labels for known in combined for labels in option}
        return frozenset(combined)
    return frozenset()  # morphemes, lexicons, anchors; a look-around's slots are its own business


def _first_consumers(program: Program) -> list[int]:
    """The elements a match can consume first: what the instructions reached from the start consume."""
    code = program.instructions
    found: list[int] = []
    for target, _events, _conditions in program.closures[0] if program.closures else ():
        element = code[target].element
        if code[target].op != "match" and element >= 0 and element not in found:
            found.append(element)
    return found


def _nowhere_reason(
    program: Program, rule: ResolvedRule, morphemes: Sequence[Morpheme], progress: Progress, report: dict[str, Any]
) -> str:
    """Why no attempt consumed anything: a condition stopped every one, or the first elements matched nowhere.

    The first element written is often a look-around (``(?<! …) $NAME``), which
    consumes nothing: the report names what a match would consume first.
    """
    firsts = [rule.elements[e] for e in _first_consumers(program) if 0 <= e < len(rule.elements)]
    first = " or ".join(e.text for e in firsts) or (rule.elements[0].text if rule.elements else "?")
    if progress.stopped:
        element, position = min(progress.stopped.items(), key=lambda item: (item[1], item[0]))
        condition = rule.elements[element].text if 0 <= element < len(rule.elements) else "?"
        where = (
            f"{morphemes[position].notation} at {morphemes[position].start}"
            if position < len(morphemes)
            else "the end of the sentence"
        )
        report["stopped"] = [
            {"element": rule.elements[e].text, "kind": rule.elements[e].kind, "position": p}
            for e, p in sorted(progress.stopped.items(), key=lambda item: (item[1], item[0]))
            if 0 <= e < len(rule.elements)
        ]
        if program.start is not None:  # threads start only where the first element can succeed
            return f"{first} could start at {where}, but the condition {condition} failed there"
        return f"no attempt got past the start: the condition {condition} failed first at {where}"
    return f"the pattern's first element that consumes a morpheme ({first}) matched nowhere in the sentence"


def render_explanation(explanation: dict[str, Any]) -> str:
    """Text form of :func:`explain_record`'s result."""
    lines = [f"rule {explanation['rule']} ({explanation['label']}) at {explanation['where']}"]
    pattern = " ".join(line.split("#", 1)[0].strip() for line in explanation["pattern"].splitlines())
    lines.append(f"  pattern: {' '.join(pattern.split())}")
    for step in explanation["steps"]:
        morphemes = " ".join(f"{m['form']}/{m['tag']}" for m in step["morphemes"])
        line = f"  {step['element']:<20} -> {morphemes}  [{step['start']}:{step['end']}] {step['text']!r}"
        if "filled_by" in step:
            line += f"  ({_filler_text(step['filled_by'])})"
        lines.append(line)
    for entry in explanation.get("completed", ()):
        lines.append(f"  {render_completed(entry)}")
    for attribute in explanation.get("sets", ()):
        lines.append(
            f"  {attribute['element']:<20} sets {attribute['key']}={attribute['value']} ({attribute['where']})"
        )
    if "suppressed_by" in explanation:
        winner = explanation["suppressed_by"]
        lines.append(
            f"  suppressed by {winner['rule']} {winner['text']!r} [{winner['start']}:{winner['end']}]"
            f" under the {winner['policy']!r} policy"
        )
    return "\n".join(lines)


def _filler_text(filler: dict[str, Any]) -> str:
    """``by RULE LABEL``; for a repeated mention, which mention it repeats and the rule that found that one."""
    repeated = filler.get("repeat_of")
    if repeated is None:
        return f"by {filler['rule']} {filler['label']}"
    found = f", found by rule {repeated['rule']} at {repeated['where']}" if "rule" in repeated else ""
    return (
        f"a repeated mention of the {filler['label']} {repeated['text']!r} [{repeated['start']}:{repeated['end']}]"
        f"{found}"
    )


def render_why_not(report: dict[str, Any]) -> str:
    """Text form of one report of :func:`why_not`."""
    lines = [f"rule {report['rule']} at {report['where']}: no match in sentence {report['sentence'] + 1}"]
    if "missing_labels" in report:
        lines.append(
            f"  needs {', '.join('[' + label + ']' for label in report['missing_labels'])}, "
            "but no such span was found in the sentence"
        )
    if "reason" in report:
        lines.append(f"  {report['reason']}")
    if "matched" in report:
        matched = report["matched"]
        if matched["morphemes"]:
            lines.append(f"  matched {matched['text']!r} ({' '.join(matched['morphemes'])})")
        conditions = [e for e in report["expected"] if e.get("kind") in ("lookaround", "anchor")]
        elements = [e for e in report["expected"] if e.get("kind") not in ("lookaround", "anchor")]
        where = _where(report["found"])
        if elements:
            expected = ", ".join(
                f"{e['element']} ({e['analysis']})" if e["analysis"] else e["element"] for e in elements
            )
            lines.append(f"  then expected {expected} but found {where}")
        for condition in conditions:
            lines.append(f"  then the condition {condition['element']} failed before {where}")
        later = report.get("also_tried", [])
        if later:
            shown = ", ".join(_where(found) for found in later[:_SHOWN_PLACES])
            more = f" and {len(later) - _SHOWN_PLACES} more" if len(later) > _SHOWN_PLACES else ""
            lines.append(f"  the same attempt also tried at {shown}{more}")
    return "\n".join(lines)


#: The later places a "why not" lists where the same attempt tried its next element (after a gap).
_SHOWN_PLACES = 4


def _where(found: dict[str, Any] | None) -> str:
    return f"{found['notation']} at {found['start']}" if found else "the end of the sentence"
