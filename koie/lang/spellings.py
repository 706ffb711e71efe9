"""Spellings: how a run of literals next to each other is written, as atoms joined across their seams.

A rule's literals one by one give atoms that common words hold too (인사 is in
인상, 자리 in 일자리). Literals matched next to each other are written next to
each other (whitespace aside, which folded text drops), so their atoms join
into one: 인사 를 나누 needs 인사를나눴, 인사를나누 … where nothing melts across
a seam (:func:`spellings`). A particle or ending may melt into the syllable
before it (인사+을 인살, 만나+았 만났), a stem may run on into its ending (돕+아
도와), and 하, the copula and some one-syllable endings may be written as
nothing of their own: each seam joins only where that is sure, and an
alternation or an optional part gives one spelling per way.

>>> from koie.lang.ir import MorphemeCheck, RMorph, RSeq
>>> literal = lambda form, tag: RMorph(MorphemeCheck(frozenset({form}), frozenset({tag})), 0)
>>> [tuple(map(str, spelling.atoms)) for spelling in spellings(RSeq((literal("인사", "NNG"), literal("를", "JKO"))))]
[('인사를',)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from koie.lang.ir import RAlt, RAnchor, RGroup, RLook, RMorph, RNode, RRepeat, RSeq, RSet
from koie.lang.surface import (
    _ALL_FINALS,
    _ALL_VOWELS,
    _AS_IS,
    _JOINED,
    _NG,
    _SHORTENED,
    _SILENT,
    _STEM,
    _WORD,
    ANY_TAG_WRITINGS,
    Atom,
    _kind,
    _split,
    _syllables,
    fold,
    surface_atom,
)

#: Neighbouring literals are joined only while their spellings' combinations stay this few.
JOIN_LIMIT = 256


@dataclass(frozen=True, slots=True)
class Spelling:
    """One way a run of literals is written: atoms that are all in the text, in order, and whether
    the first starts a syllable of its own (nothing of it melts into what comes before) and the
    last ends where its surface ends (nothing of it melts into what follows)."""

    atoms: tuple[Atom, ...]
    starts: bool
    ends: bool
    #: the first atom is one syllable that may be the last syllable of what comes before, given a
    #: final (을 in 인살, beside its own 을): joined, it narrows that syllable
    melts: bool = False
    #: the last syllable is open and may take any final only from what melts into it (인사 →
    #: 인살): before a syllable of its own it has none (인사를, not 인상)
    open_end: bool = False


#: What an optional part adds when it is left out.
_NOTHING = Spelling((), True, True)


def _seam(first: Spelling, second: Spelling) -> Iterator[tuple[Atom, ...]]:
    """The atoms of ``first`` then ``second``, joined across the seam where that is sure."""
    if not first.atoms or not second.atoms or not first.ends:
        yield first.atoms + second.atoms
    elif second.melts:
        # melted into the last syllable before (which may take any final there), or ...
        last = first.atoms[-1]
        narrowed = "".join(sorted(set(last.units[-1]) & set(second.atoms[0].units[0])))
        if narrowed:
            yield (*first.atoms[:-1], Atom((*last.units[:-1], narrowed)), *second.atoms[1:])
        # ... a syllable of its own (을 after a closed syllable)
        own = Atom((*_closed(first), *second.atoms[0].units))
        yield (*first.atoms[:-1], own, *second.atoms[1:])
    elif second.starts:
        yield (*first.atoms[:-1], Atom(_closed(first) + second.atoms[0].units), *second.atoms[1:])
    else:
        yield first.atoms + second.atoms


def _closed(spelling: Spelling) -> tuple[str, ...]:
    """The last atom's places, its last syllable without a final when nothing melts into it
    (:attr:`Spelling.open_end`)."""
    units = spelling.atoms[-1].units
    if not spelling.open_end:
        return units
    last = "".join(char for char in units[-1] if (_split(char) or (0, 0, 0))[2] == 0)
    return (*units[:-1], last or units[-1])


def joined(left: list[Spelling], right: list[Spelling]) -> list[Spelling]:
    """Every spelling of ``left`` followed by ``right``: one atom across the seam where neither melts into the other."""
    joined: dict[Spelling, None] = {}
    for first in left:
        for second in right:
            starts = first.starts if first.atoms else second.starts
            ends = second.ends if second.atoms else first.ends
            melts = first.melts if first.atoms else second.melts
            open_end = second.open_end if second.atoms else first.open_end
            for atoms in _seam(first, second):
                melted = melts and len(atoms) == len(first.atoms + second.atoms)
                joined[Spelling(atoms, starts, ends, melted, open_end)] = None
    return list(joined)


def inline(items: Iterable[RNode]) -> Iterator[RNode]:
    """A sequence's items with inner sequences (and groups around them) spread out: the same morphemes in order."""
    for item in items:
        body = item.body if isinstance(item, RGroup) else item
        if isinstance(body, RSeq):
            yield from inline(body.items)
        else:
            yield item


def spellings(node: RNode) -> list[Spelling] | None:
    """The ways ``node`` is written, when it is literals only (a literal test, an alternation or
    a sequence of them); None otherwise, or when a literal may be written as nothing of its own.

    A particle or ending may melt into the syllable before it (만나+았 만났), so it starts a
    syllable of its own only when its form begins with a consonant other than ㅇ (를, 는); a
    stem's surface may run on into its ending (돕+아 도와), so it never ends one.
    """
    if isinstance(node, RGroup):
        return spellings(node.body)
    if isinstance(node, RRepeat) and node.min == 0 and node.max == 1:
        optional = spellings(node.body)
        return None if optional is None else [*optional, _NOTHING]
    if isinstance(node, RSeq):
        run: list[Spelling] | None = None
        for index, item in enumerate(node.items):
            if isinstance(item, (RAnchor, RSet, RLook)):
                continue  # consumes nothing (a look-around's needs are left out here: fewer needs are still needs)
            written = spellings(item)
            if written is None and run is not None and all(_optional(rest) for rest in node.items[index:]):
                # a literal's tail of endings (받 + any endings): what is sure ends before it
                return [Spelling(spelling.atoms, spelling.starts, False, spelling.melts) for spelling in run]
            if written is None or (run is not None and len(run) * len(written) > JOIN_LIMIT):
                return None
            run = written if run is None else joined(run, written)
        return run
    if isinstance(node, RAlt):
        found: dict[Spelling, None] = {}
        for option in node.options:
            written = spellings(option)
            if written is None:
                return None
            found.update(dict.fromkeys(written))
        return list(found) if len(found) <= JOIN_LIMIT else None
    if not isinstance(node, RMorph) or node.check.negated or not node.check.forms:
        return None
    made: dict[Spelling, None] = {}
    for form in sorted(node.check.forms):
        for tag in sorted(node.check.tags) or ANY_TAG_WRITINGS:
            atom = surface_atom(form, tag)
            kind = _kind(tag, form)
            if atom is None:
                alone = _written_alone(form, tag, kind)
                if alone is None:
                    return None
                made.update(dict.fromkeys(alone))
                continue
            ends = kind in (_WORD, _AS_IS, _JOINED) and fold(form) not in _SHORTENED
            starts = kind in (_WORD, _STEM, _AS_IS) or (kind == _JOINED and _own_syllable(fold(form)))
            melts = kind == _JOINED and len(fold(form)) == 1 and len(atom.units) == 1 and not starts
            made[Spelling((atom,), starts, ends, melts, ends and _open_end(form))] = None
    return list(made)


def _optional(node: RNode) -> bool:
    """Whether ``node`` may match nothing at all, so leaving it out leaves a necessary condition."""
    return isinstance(node, (RAnchor, RSet, RLook)) or (isinstance(node, RRepeat) and node.min == 0)


def _written_alone(form: str, tag: str, kind: str) -> list[Spelling] | None:
    """How a morpheme that may be written as nothing is written when it is not: 하 and the copula
    as a stem (회동했다, 대표였다), a particle or ending of one open syllable as that syllable, which
    may take a final (회장이, 회장인)."""
    text = fold(form)
    if kind == _SILENT and tag in ("VCP", "VCN", "XSV", "XSA"):
        stem = surface_atom(form, "VV")
        if stem is None:
            return None
        if tag in ("XSV", "XSA") and text == "하":
            # 하 goes only before an ending that starts with ㄱ, ㄷ or ㅈ, which may take its ㅎ
            # (생각지, 간편케, 섭섭잖다): that syllable comes next
            return [Spelling((stem,), True, False), Spelling((Atom.of([_AFTER_DROPPED_HA]),), True, False)]
        return [Spelling((stem,), True, False), _NOTHING]
    parts = _split(text) if len(text) == 1 else None
    if kind == _JOINED and parts is not None:
        own = Spelling((Atom.of([_syllables((parts[0],), (parts[1],), _ALL_FINALS)]),), True, True, open_end=True)
        return [own, _NOTHING] if text in _MAY_VANISH else [own]
    return None


#: The syllables an ending may start with where the 하 before it is not written.
_AFTER_DROPPED_HA = _syllables((0, 1, 15, 3, 4, 16, 12, 13, 14), _ALL_VOWELS, _ALL_FINALS)

#: Particles and endings of one open syllable that Kiwi may read where nothing of their own is
#: written (만나+아 만나, 것+이 게, 나+의 내, 하+여 해, 나+야 …); others (에, 와) are always written.
_MAY_VANISH = frozenset("아어이의여야")


def _open_end(form: str) -> bool:
    """Whether the morpheme's surface ends in an open syllable that takes a final only from what
    melts into it (a noun, particle or ending: 인사, 에서; not 것, whose 게 and 거 are Kiwi's)."""
    text = fold(form)
    parts = _split(text[-1]) if text else None
    return parts is not None and parts[2] == 0 and text not in _SHORTENED


def _own_syllable(text: str) -> bool:
    """Whether a particle or ending written ``text`` begins with a syllable of its own (를, 는, 고;
    not 을, 었, 아 or ᆫ, which may melt into the syllable before)."""
    parts = _split(text[0]) if text else None
    return parts is not None and parts[0] != _NG
