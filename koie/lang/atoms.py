"""Required atoms: what a document must hold, as raw text, to yield a record of a label.

The pre-filter (:mod:`koie.run.prefilter`) skips a document before analysis
when it does not hold what every match of the labels asked for needs. This
module derives those needs from the resolved pack (its typed IR, never the
YAML), so a skipped document is one that *cannot* yield such a record: the
needs are a necessary condition, by construction. A morpheme's surface is an
atom (:mod:`koie.lang.surface`); literals next to each other join into one
(:mod:`koie.lang.spellings`).

**Per rule.** Every match of a sequence needs what each of its parts needs;
an alternation needs one of what each alternative needs (an alternative that
needs nothing makes the alternation need nothing); an optional part, a
negated test, a tag or regex test, an anchor and a negative look-around need
nothing; a positive look-around needs what its body needs; a lexicon needs
one of its entries; a slot ``[PERSON]`` needs one of PERSON's atoms (records
of a label come only from its rules' matches: a repeated mention repeats a
text a rule found in the same document). Of the groups a rule needs, the most
selective is kept, taken from the rule's own literals and lexicons when it has
any: a MEETING rule needs a meeting word, not a PERSON's title.

**Per label.** A label needs one of the atoms of each of its rules; a rule
that needs no atom at all makes its label *unfilterable* (``koie check``
says which rule and why).

**As a formula.** The atoms above are a first, quick look (one search for
any of them). A rule's formula (:class:`RuleAtoms`) keeps more: all the needs
of a sequence, each alternative's needs apart (a document holding 인사 but not
나누 has no match of 인사 를 나누), literals joined across their seams. A
document is analysed when it holds one of the label's atoms and one of its
rules' formulas (:class:`Prefilter`).

>>> import koie
>>> prefilter = koie.load("examples/hello.yaml").prefilter(["MEETING"])
>>> prefilter.admits("홍길동 사장이 김철수 대표와 만났다."), prefilter.admits("두 사람의 만남은 없었다.")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from koie.lang.formula import TRUE, CompiledFormula, Formula, all_of, any_of, formula_atoms, formula_text
from koie.lang.ir import RAlt, RAnchor, RGroup, RLexicon, RLook, RMorph, RNode, RRepeat, RSeq, RSet, RSlot
from koie.lang.resolve import Lexicon, ResolvedPack, ResolvedRule
from koie.lang.spellings import JOIN_LIMIT, Spelling, inline, joined, spellings
from koie.lang.surface import Atom, atoms_pattern, check_atom, fold


@dataclass(frozen=True, slots=True)
class Need:
    """One of ``atoms`` is in every document where the node matches; ``own`` when they come from the
    rule's own literals and lexicons, not from a slot's label."""

    atoms: frozenset[Atom]
    own: bool = True

    @property
    def chance(self) -> float:
        return sum(atom.chance for atom in self.atoms)


#: A slot's label is worth this much less than the rule's own literals when a rule's need is chosen:
#: the rule's own words say what it is about (a meeting word, not a PERSON's title).
SLOT_PENALTY = 100.0


def best_need(needs: Iterable[Need]) -> Need | None:
    """The most selective need, the rule's own preferred (:data:`SLOT_PENALTY`)."""
    return min(needs, key=lambda need: (need.chance * (1 if need.own else SLOT_PENALTY), len(need.atoms)), default=None)


def cheapest_union(choices: list[list[Need]]) -> list[Need] | None:
    """One need from each list, chosen so that their union is selective: what the others chose
    costs nothing again (a rule needing 만나 or 예정 takes 만나 when another rule of its label
    took 만나 already). None when a list is empty.

    >>> meet, plan = Need(frozenset({Atom.exact("만나")})), Need(frozenset({Atom.exact("예정")}))
    >>> [sorted(map(str, need.atoms)) for need in cheapest_union([[meet], [plan, meet]])]
    [['만나'], ['만나']]
    """
    if any(not needs for needs in choices):
        return None
    chosen = [best_need(needs) for needs in choices]
    for _round in range(4):
        changed = False
        for index, needs in enumerate(choices):
            others: set[Atom] = set()
            for position, need in enumerate(chosen):
                if position != index and need is not None:
                    others |= need.atoms

            def added(need: Need, others: set[Atom] = others) -> tuple[float, bool, int]:
                extra = sum(atom.chance for atom in need.atoms - others)
                return extra * (1 if need.own else SLOT_PENALTY), not need.own, len(need.atoms)

            better = min(needs, key=added)
            if chosen[index] is not better and added(better) < added(chosen[index]):  # type: ignore[arg-type]
                chosen[index] = better
                changed = True
        if not changed:
            break
    return [need for need in chosen if need is not None]


@dataclass
class _Walk:
    rule: ResolvedRule
    labels: Mapping[str, LabelAtoms]
    lexicons: Mapping[str, Lexicon]
    gaps: list[str] = field(default_factory=list)

    def needs(self, node: RNode, record: bool = True) -> list[Need]:
        """Needs every match of ``node`` has (each one is necessary); ``record``: say in gaps what needs none."""
        if isinstance(node, RMorph):
            atoms = _literal_atoms(node)
            if atoms is None:
                if record:
                    self.gaps.append(self._element(node.element) + self._why(node))
                return []
            return [Need(atoms)]
        if isinstance(node, RLexicon):
            lexicon = self.lexicons.get(node.name)
            if lexicon is None:
                return []
            return [Need(frozenset(Atom.exact(fold(entry)) for entry in lexicon.entries if fold(entry)))]
        if isinstance(node, RSlot):
            filling: set[Atom] = set()
            for label in sorted(node.labels):
                found = self.labels.get(label)
                if found is None or found.atoms is None:
                    if record:
                        self.gaps.append(f"{self._element(node.element)} ({label} cannot be pre-filtered)")
                    return []
                filling |= found.atoms
            return [Need(frozenset(filling), own=False)]
        if isinstance(node, RGroup):
            return self.needs(node.body, record)
        if isinstance(node, RLook):
            # a positive look-around's body matches in the same sentence; a negative one requires nothing
            return [] if node.negative else self.needs(node.body, record)
        if isinstance(node, RRepeat):
            return self.needs(node.body, record) if node.min > 0 else []
        if isinstance(node, RSeq):
            return [need for item in node.items for need in self.needs(item, record)]
        if isinstance(node, RAlt):
            options = [self.needs(option, record=False) for option in node.options]
            for option, needs in zip(node.options, options):
                if not needs:
                    if record:
                        self.gaps.append(f"the alternative {self._text(option)!r} needs none")
                    return []
            chosen = cheapest_union(options) or []
            return [Need(frozenset().union(*(need.atoms for need in chosen)), all(need.own for need in chosen))]
        assert isinstance(node, (RAnchor, RSet))  # they consume nothing, so they need nothing
        return []

    def formula(self, node: RNode) -> Formula:
        """What every match of ``node`` needs, as a formula: alternatives kept apart (an alternation
        needs all of one alternative's needs), neighbouring literals joined into one atom."""
        if isinstance(node, RMorph):
            atoms = _literal_atoms(node)
            return TRUE if atoms is None else any_of(sorted(atoms))
        if isinstance(node, RLexicon):
            lexicon = self.lexicons.get(node.name)
            entries = [fold(entry) for entry in lexicon.entries] if lexicon is not None else [""]
            return TRUE if not all(entries) else any_of(Atom.exact(entry) for entry in sorted(entries))
        if isinstance(node, RSlot):
            return any_of(
                self.labels[label].condition if label in self.labels else TRUE for label in sorted(node.labels)
            )
        if isinstance(node, RGroup):
            return self.formula(node.body)
        if isinstance(node, RLook):
            return TRUE if node.negative else self.formula(node.body)
        if isinstance(node, RRepeat):
            return self.formula(node.body) if node.min > 0 else TRUE
        if isinstance(node, RSeq):
            return self._sequence(node.items)
        if isinstance(node, RAlt):
            return any_of(self.formula(option) for option in node.options)
        return TRUE

    def _sequence(self, items: tuple[RNode, ...]) -> Formula:
        """A sequence's needs; literals next to each other make one atom (인사 를 나누: 인[사-샇]를나[누-눟]),
        as their surfaces are next to each other in folded text (:func:`spellings`)."""
        parts: list[Formula] = []
        run: list[Spelling] = []
        for item in inline(items):
            if isinstance(item, (RAnchor, RSet, RLook)):
                parts.append(self.formula(item))  # consumes nothing: the morphemes on either side stay neighbours
                continue
            written = spellings(item)
            if written is not None and run and len(run) * len(written) <= JOIN_LIMIT:
                run = joined(run, written)
                continue
            if run:
                parts.append(any_of(all_of(spelling.atoms) for spelling in run))
            run = written or []
            if written is None:
                parts.append(self.formula(item))
        if run:
            parts.append(any_of(all_of(spelling.atoms) for spelling in run))
        return all_of(parts)

    def _element(self, element: int) -> str:
        if 0 <= element < len(self.rule.elements):
            return self.rule.elements[element].text
        return "?"

    def _text(self, node: RNode) -> str:
        leaves = [self._element(leaf.element) for leaf in _leaves(node)]
        text = " ".join(dict.fromkeys(leaves))
        return text if len(text) <= 40 else text[:39] + "…"

    @staticmethod
    def _why(node: RMorph) -> str:
        check = node.check
        if check.negated:
            return " (a negated test)"
        if check.regex is not None:
            return " (a regular expression)"
        if not check.forms:
            return " (a tag test)" if check.tags else " (any morpheme)"
        return " (Kiwi may write it as part of the word before, or as nothing)"


def _literal_atoms(node: RMorph) -> frozenset[Atom] | None:
    """One of these is where a literal test matches (None: it may match where nothing is written)."""
    check = node.check
    return None if check.negated or not check.forms else check_atom(check.forms, check.tags)


def _leaves(node: RNode) -> Iterator[RMorph | RSlot | RLexicon]:
    if isinstance(node, (RMorph, RSlot, RLexicon)):
        yield node
    elif isinstance(node, (RGroup, RRepeat)):
        yield from _leaves(node.body)
    elif isinstance(node, RLook):
        return
    elif isinstance(node, RSeq):
        for item in node.items:
            yield from _leaves(item)
    elif isinstance(node, RAlt):
        for option in node.options:
            yield from _leaves(option)


@dataclass(frozen=True, slots=True)
class RuleAtoms:
    """What one rule's matches need: one of ``atoms`` (None: nothing, and ``reason`` says why)."""

    rule: str
    label: str
    where: str
    atoms: frozenset[Atom] | None
    own: bool = True
    reason: str = ""
    #: what every match needs, finer than ``atoms`` (all of some atoms, or one of such groups)
    formula: Formula = TRUE

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "label": self.label,
            "where": self.where,
            "atoms": sorted(map(str, self.atoms)) if self.atoms is not None else None,
            "from": None if self.atoms is None else "own literals" if self.own else "slots",
            "reason": self.reason or None,
            "needs": formula_text(self.formula) if self.atoms is not None else None,
        }


@dataclass(frozen=True, slots=True)
class LabelAtoms:
    """One of ``atoms`` is in every document with a record of ``label`` (None: unfilterable)."""

    label: str
    atoms: frozenset[Atom] | None
    rules: tuple[RuleAtoms, ...]
    #: what every document with a record of the label holds: one of its atoms, and one of its rules'
    #: formulas (true when the label is unfilterable); see :meth:`of`
    condition: Formula = TRUE

    @staticmethod
    def of(label: str, rules: tuple[RuleAtoms, ...]) -> LabelAtoms:
        if any(rule.atoms is None for rule in rules):
            return LabelAtoms(label, None, rules)
        atoms = frozenset().union(*(rule.atoms for rule in rules if rule.atoms is not None))
        condition = all_of([any_of(sorted(atoms)), any_of(rule.formula for rule in rules)])
        return LabelAtoms(label, atoms, rules, condition)

    @property
    def unfilterable(self) -> tuple[RuleAtoms, ...]:
        """The rules that need no atom (each makes the label unfilterable)."""
        return tuple(rule for rule in self.rules if rule.atoms is None)


@dataclass(frozen=True, slots=True)
class PackAtoms:
    """The required atoms of every label of a pack (:func:`required_atoms`)."""

    labels: Mapping[str, LabelAtoms]

    def atoms_for(self, labels: Iterable[str]) -> frozenset[Atom] | None:
        """One of these is in every document with a record of one of ``labels``; None: some label is unfilterable."""
        atoms: set[Atom] = set()
        for label in labels:
            found = self.labels[label].atoms
            if found is None:
                return None
            atoms |= found
        return frozenset(atoms)


def rule_needs(
    rule: ResolvedRule, labels: Mapping[str, LabelAtoms], lexicons: Mapping[str, Lexicon]
) -> tuple[list[Need], str]:
    """Every need of one rule's matches (each is necessary), given the atoms of the labels its slots
    use; when there is none, why."""
    walk = _Walk(rule, labels, lexicons)
    needs = walk.needs(rule.body)
    reason = ""
    if not needs:
        reason = "no literal every match needs" + (": " + "; ".join(dict.fromkeys(walk.gaps)) if walk.gaps else "")
    return needs, reason


#: A rule's formula larger than this (atoms counted with repeats) is taken as true: the pre-filter
#: stays a quick look at the text.
_FORMULA_LIMIT = 4000


def rule_formula(rule: ResolvedRule, labels: Mapping[str, LabelAtoms], lexicons: Mapping[str, Lexicon]) -> Formula:
    """What every match of ``rule`` needs of a document's folded text (true when too large to be a quick look)."""
    formula = _Walk(rule, labels, lexicons).formula(rule.body)
    return TRUE if sum(1 for _atom in formula_atoms(formula)) > _FORMULA_LIMIT else formula


def required_atoms(pack: ResolvedPack) -> PackAtoms:
    """Every label's atoms, rules taken phase by phase (a slot's label is known before it is used).

    Each rule contributes one of its needs, chosen with the other rules of its label
    (:func:`cheapest_union`).

    >>> import koie
    >>> atoms = koie.load("examples/hello.yaml").atoms
    >>> sorted(map(str, atoms.labels["MEETING"].atoms))
    ['만[나-냏]', '회동']
    """
    labels: dict[str, LabelAtoms] = {}
    found: dict[str, list[tuple[ResolvedRule, list[Need], str]]] = {}
    for phase in pack.phases:
        for rule in phase:
            found.setdefault(rule.label, []).append((rule, *rule_needs(rule, labels, pack.lexicons)))
        for label in dict.fromkeys(rule.label for rule in phase):
            rules = found[label]
            chosen = cheapest_union([needs for _rule, needs, _reason in rules if needs]) or []
            picks = iter(chosen)
            made: list[RuleAtoms] = []
            for rule, needs, reason in rules:
                need = next(picks) if needs else None
                made.append(
                    RuleAtoms(
                        rule.id,
                        rule.label,
                        rule.spec.where,
                        need.atoms,
                        need.own,
                        formula=rule_formula(rule, labels, pack.lexicons),
                    )
                    if need is not None
                    else RuleAtoms(rule.id, rule.label, rule.spec.where, None, reason=reason)
                )
            labels[label] = LabelAtoms.of(label, tuple(made))
    return PackAtoms(labels)


# ------------------------------------------------------------- the pre-filter


@dataclass(frozen=True)
class Prefilter:
    """Which documents may hold records of ``labels``: :meth:`admits`."""

    labels: frozenset[str]
    #: None: a label asked for cannot be pre-filtered, and every document is admitted
    atoms: frozenset[Atom] | None
    #: the rules that make a label asked for unfilterable (koie check says why)
    unfilterable: tuple[RuleAtoms, ...] = ()
    #: what a document holds when it may have a record of a label (its atoms, one of its rules' formulas)
    formula: Formula = TRUE
    _pattern: re.Pattern[str] | None = field(init=False, compare=False, repr=False)
    _formula: CompiledFormula = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", None if self.atoms is None else atoms_pattern(self.atoms))
        object.__setattr__(self, "_formula", CompiledFormula(self.formula))

    @staticmethod
    def of(atoms: PackAtoms, labels: Iterable[str]) -> Prefilter:
        wanted = frozenset(labels)
        found = atoms.atoms_for(sorted(wanted))
        unfilterable = tuple(rule for label in sorted(wanted) for rule in atoms.labels[label].unfilterable)
        if found is None:
            return Prefilter(wanted, None, unfilterable)
        formula = any_of(atoms.labels[label].condition for label in sorted(wanted))
        return Prefilter(wanted, found, unfilterable, formula)

    @property
    def filters(self) -> bool:
        """Whether any document can be skipped (every label asked for can be pre-filtered)."""
        return self._pattern is not None

    def admits(self, text: str) -> bool:
        """Whether ``text`` may yield a record of the labels: it holds one of their atoms (one search
        for all of them), and what one of their rules needs."""
        if self._pattern is None:
            return True
        folded = fold(text)
        return self._pattern.search(folded) is not None and self._formula.holds(folded)
