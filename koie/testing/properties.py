"""Property-based rule testing: what ``koie test`` and the pytest plugin run besides the examples.

For every rule:

``generated``
    sentences built from the rule's pattern (koie.testing.generate), each
    analysed by Kiwi like any document: the rule must match it with the
    captures the plan says.
``surround``, ``ending``, ``swap``, ``no_match-surround``, ``no_match-swap``
    the rule's own examples changed in ways that must not change the result
    (koie.testing.metamorphic).

Hypothesis draws the choices and shrinks a failure to its smallest sentence,
with the profile koie.testing.profiles chooses (``koie-ci``: derandomised).
A case whose sentence Kiwi read otherwise than meant is inconclusive, not a
failure (koie.testing.checks). One result per rule and property:

>>> import koie
>>> pack = koie.load("examples/hello.yaml")
>>> results = list(run_properties(pack, max_examples=2, profile="koie-ci"))
>>> sorted({r.kind for r in results}), all(r.ok for r in results)
(['ending', 'generated', 'no_match-surround', 'no_match-swap', 'surround', 'swap'], True)
"""

from __future__ import annotations

import random
import shlex
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import FailedHealthCheck, Unsatisfiable

from koie.api import Pack
from koie.lang.parse import PatternError
from koie.testing.checks import Inconclusive, check_match, check_no_match, without_spaces
from koie.testing.examples import ExampleResult
from koie.testing.generate import Generator, Unsupported, sentences_for
from koie.testing.metamorphic import (
    Case,
    baselines,
    predicate_sites,
    reinflect,
    surround,
    texts_by_label,
)
from koie.testing.profiles import profile_name, profile_settings
from koie.testing.words import NamePools, endings_for, replacements, swap_name

#: Generated sentences per rule and property when nothing else says.
DEFAULT_MAX_EXAMPLES = 20


class PackProperties:
    """The properties of one pack's rules, and what they share, made once and kept while this lives.

    The generator, the name pools it vets with the pack's analyser (two
    thousand short sentences) and the names the pack's examples declare are
    the same for every rule: ``koie test`` keeps them for one pack, the pytest
    plugin for one pack and session.
    """

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self._generator: Generator | None = None
        self._seen: dict[str, set[str]] | None = None

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = Generator(self.pack)
        return self._generator

    @property
    def pools(self) -> NamePools:
        return self.generator.pools

    @property
    def seen(self) -> dict[str, set[str]]:
        """Names the examples declare, by label (koie.testing.metamorphic.texts_by_label)."""
        if self._seen is None:
            self._seen = texts_by_label(self.pack)
        return self._seen

    def run(
        self,
        rule_ids: set[str] | None = None,
        seed: int | None = None,
        max_examples: int | None = None,
        profile: str | None = None,
    ) -> Iterator[ExampleResult]:
        """Run every rule's generated and metamorphic properties (or those of ``rule_ids``).

        A failing result's ``text`` is the smallest failing sentence hypothesis
        found; its message says what went wrong, why the rule did not match, and
        how to reproduce the run. ``profile`` names the hypothesis profile
        (default: :func:`koie.testing.profiles.profile_name`).
        """
        pack = self.pack
        config = _settings(profile_settings(profile_name(profile)), max_examples)
        if seed is None and not config.derandomize:
            seed = random.randrange(2**32)
        generator = self.generator
        pools = self.pools
        seen = self.seen
        file = pack.compiled.resolved.spec.file
        for compiled in pack.compiled.rules:
            spec = compiled.rule.spec
            if rule_ids is not None and spec.id not in rule_ids:
                continue
            # pasted into a shell: a file name or rule id such as "x; touch /tmp/p #" stays one argument
            reproduce = f"reproduce: koie test {shlex.quote(file)} --rule {shlex.quote(spec.id)}" + (
                f" --seed {seed}" if seed is not None else " (derandomised: every run is the same)"
            )
            properties = list(_properties(pack, generator, pools, seen, spec.id))
            for kind, strategy, check, skipped in properties:
                if skipped is not None:
                    yield ExampleResult(spec.id, spec.where, kind, "", True, "skipped: " + skipped)
                    continue
                assert strategy is not None and check is not None  # a property that is not skipped has both
                try:
                    failure = _run(strategy, check, config, seed)
                except Unsatisfiable:
                    failure = (
                        "",
                        "could not generate a sentence the pattern allows: every plan drawn from the pattern "
                        "was one the generator cannot write out (an ending with no stem before it to inflect, or "
                        "look-around context longer than the gap it stands in); "
                        "add match examples the rule must pass",
                    )
                except FailedHealthCheck as error:  # pragma: no cover - health checks are suppressed
                    failure = ("", f"hypothesis health check failed: {error}")
                except Unsupported as error:
                    yield ExampleResult(spec.id, spec.where, kind, "", True, f"skipped: {error}")
                    continue
                if failure is None:
                    yield ExampleResult(spec.id, spec.where, kind, f"{config.max_examples} cases", True)
                else:
                    text, message = failure
                    yield ExampleResult(spec.id, spec.where, kind, text, False, message + "\n" + reproduce)


def run_properties(
    pack: Pack,
    rule_ids: set[str] | None = None,
    seed: int | None = None,
    max_examples: int | None = None,
    profile: str | None = None,
) -> Iterator[ExampleResult]:
    """Run every rule's generated and metamorphic properties; one result per rule and property.

    What :meth:`PackProperties.run` does, for a pack tested once.
    """
    return PackProperties(pack).run(rule_ids, seed, max_examples, profile)


class PropertyFailure(Exception):
    """A property's case failed: the text and what went wrong (hypothesis shrinks it)."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(message)
        self.text = text
        self.message = message


def _settings(profile: settings, max_examples: int | None) -> settings:
    """The profile's settings for one property: quiet, no deadline, no example database."""
    count = max_examples if max_examples is not None else min(profile.max_examples, DEFAULT_MAX_EXAMPLES)
    return settings(
        profile,
        max_examples=count,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _run(
    strategy: st.SearchStrategy[Any], check: Callable[[Any], str | None], config: settings, seed: int | None
) -> tuple[str, str] | None:
    """Run one property; the shrunk failing (text, message), or None."""
    doubts: list[tuple[str, str]] = []  # the first inconclusive case, to show if every case is

    def body(case: Any) -> None:
        try:
            problem = check(case)
        except Inconclusive as doubt:
            if not doubts:
                doubts.append((case.text, str(doubt)))
            assume(False)
            return
        if problem is not None:
            raise PropertyFailure(case.text, problem)

    test = settings(config)(given(strategy)(body))
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    try:
        test()
    except PropertyFailure as failure:
        return failure.text, failure.message
    except Unsatisfiable:
        if not doubts:
            raise
        text, doubt = doubts[0]
        return text, (
            "no case could be checked: in every sentence made from the pattern, Kiwi read a generated "
            f"word otherwise than planned or the entity rules missed it (the first: {doubt}); "
            "check the sentence with koie explain, or add match examples the rule must pass"
        )
    return None


Property = tuple[str, "st.SearchStrategy[Any] | None", "Callable[[Any], str | None] | None", "str | None"]


def _properties(
    pack: Pack, generator: Generator, pools: NamePools, seen: dict[str, set[str]], rule_id: str
) -> Iterable[Property]:
    """Each property of ``rule_id``: its kind, strategy and check, or why it is skipped."""
    spec = pack.compiled.rule(rule_id).rule.spec
    try:
        strategy: st.SearchStrategy[Any] | None = generator.sentences(rule_id)
        yield (
            "generated",
            strategy,
            lambda s: check_match(
                pack,
                rule_id,
                s.text,
                s.captures,
                names=s.names,
                generated=True,
                fillers=s.fillers,
                pieces=s.pieces,
                pools=pools,
            ),
            None,
        )
    except Unsupported as error:
        yield ("generated", None, None, f"cannot generate sentences: {error}")
    except PatternError as error:  # pragma: no cover - the pack compiled, so its patterns parse
        yield ("generated", None, None, f"pattern: {error}")

    bases = baselines(pack, rule_id)
    if bases:

        @st.composite
        def surrounded(draw: Callable[[Any], Any]) -> Case:
            base = draw(st.sampled_from(bases))
            text, change = surround(draw, base.text)
            return Case(text, base.captures, base.record_text, change)

        yield ("surround", surrounded(), lambda c: check_match(pack, rule_id, c.text, c.captures, c.record_text), None)

        sites = [(b, site) for b in bases for site in predicate_sites(pack, b)]
        if sites:

            @st.composite
            def reinflected(draw: Callable[[Any], Any]) -> Case:
                base, (start, end, stem) = draw(st.sampled_from(sites))
                ending = draw(st.sampled_from(endings_for(stem)))
                return Case(
                    reinflect(base.text, start, end, stem, ending), base.captures, None, f"{stem} with ending {ending}"
                )

            yield ("ending", reinflected(), lambda c: check_match(pack, rule_id, c.text, c.captures), None)
        else:
            yield ("ending", None, None, "no example ends in a predicate written as a stem (만나, 회동하)")

        swaps = []
        for base in bases:
            for role, value in base.record.args.items() if base.record is not None else ():
                if isinstance(value, tuple) or value.filler is None:
                    continue
                names = replacements(pools, value.label, value.text, seen)
                if names:
                    swaps.append((base, role, value, tuple(names)))
        if swaps:

            @st.composite
            def swapped(draw: Callable[[Any], Any]) -> Case:
                base, role, mention, names = draw(st.sampled_from(swaps))
                new = draw(st.sampled_from(names))
                text = swap_name(base.text, mention.start, mention.end, new)
                return Case(
                    text,
                    {**base.captures, role: without_spaces(new)},
                    None,
                    f"{role}: {mention.text} → {new}",
                    ((mention.start, mention.start + len(new)),),
                )

            yield (
                "swap",
                swapped(),
                lambda c: check_match(pack, rule_id, c.text, c.captures, names=c.names, pools=pools),
                None,
            )
        else:
            yield ("swap", None, None, "no capture filled by a slot with names to swap")

    negatives = [text for text, _ in spec.no_match_examples]
    passing = [t for t in negatives if check_no_match(pack, rule_id, t) is None]
    if passing:

        @st.composite
        def negative_surrounded(draw: Callable[[Any], Any]) -> Case:
            text, change = surround(draw, draw(st.sampled_from(passing)))
            return Case(text, change=change)

        yield ("no_match-surround", negative_surrounded(), lambda c: check_no_match(pack, rule_id, c.text), None)
        labels = pack.compiled.rule(rule_id).rule.slot_labels
        swaps_n = []
        for text in passing:
            for record in pack.extract_document(text, "example").records:
                if record.label in labels:
                    names = replacements(pools, record.label, record.text, seen)
                    if names:
                        swaps_n.append((text, record, tuple(names)))
        if swaps_n:

            @st.composite
            def negative_swapped(draw: Callable[[Any], Any]) -> Case:
                text, record, names = draw(st.sampled_from(swaps_n))
                new = draw(st.sampled_from(names))
                return Case(
                    swap_name(text, record.start, record.end, new),
                    change=f"{record.text} → {new}",
                    names=((record.start, record.start + len(new)),),
                )

            yield (
                "no_match-swap",
                negative_swapped(),
                lambda c: check_no_match(pack, rule_id, c.text, c.names, pools=pools),
                None,
            )


__all__ = ["DEFAULT_MAX_EXAMPLES", "PackProperties", "run_properties", "sentences_for"]
