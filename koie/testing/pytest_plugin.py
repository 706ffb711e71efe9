"""pytest plugin: rule packs are collected and tested like code, one item per rule.

Installed with koie (entry point ``pytest11``), so a project that uses koie
runs ``pytest`` and gets, for every rule of every pack it collects, one item
that runs the rule's written examples and its generated properties
(:func:`koie.testing.properties.run_properties`).

Packs are collected from

* files named ``*.koie.yaml`` (or ``*.koie.yml``) under the test paths,
* files listed in the ini option ``koie_rules`` (paths or globs, relative to the rootdir),
* files given with ``--koie-rules PATH`` (repeatable).

Options: ``--koie-no-properties`` (examples only), ``--koie-max-examples N``,
``--koie-seed N``, ``--koie-profile NAME``. Without ``--koie-profile`` the
hypothesis profile follows ``HYPOTHESIS_PROFILE``, else ``koie-ci`` under CI
(derandomised) and ``koie-dev`` otherwise (koie.testing.profiles). The plugin
registers koie's profiles with hypothesis when pytest starts, under those
names, so a suite's own profiles (its ``ci``) stay as it set them.

Each pack is loaded once per session, and its properties share one
:class:`koie.testing.properties.PackProperties` (the name pools vetted with
its analyser): the session owns them, and they go when it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from koie.testing.properties import PackProperties

_SUFFIXES = (".koie.yaml", ".koie.yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("koie", "koie rule packs")
    group.addoption(
        "--koie-rules", action="append", default=[], metavar="PATH", help="A koie rule pack to test (repeatable)."
    )
    group.addoption(
        "--koie-no-properties",
        action="store_true",
        default=False,
        help="Run only the rules' written examples, no generated sentences.",
    )
    group.addoption(
        "--koie-max-examples", type=int, default=None, metavar="N", help="Generated sentences per rule and property."
    )
    group.addoption("--koie-seed", type=int, default=None, metavar="N", help="Seed for generated sentences.")
    group.addoption(
        "--koie-profile",
        default=None,
        metavar="NAME",
        help="Hypothesis profile for generated sentences (default: HYPOTHESIS_PROFILE, else koie-ci under CI, "
        "koie-dev otherwise).",
    )
    parser.addini(
        "koie_rules",
        type="linelist",
        default=[],
        help="koie rule packs (paths or globs, relative to the rootdir) to collect.",
    )


def _listed_packs(config: pytest.Config) -> list[Path]:
    root = Path(str(config.rootpath))
    paths: list[Path] = []
    for entry in config.getini("koie_rules"):
        matches = sorted(root.glob(entry)) if any(c in entry for c in "*?[") else [root / entry]
        paths.extend(matches)
    for entry in config.getoption("koie_rules"):
        paths.append(Path(entry).resolve())
    return paths


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RulePack | None:
    if file_path.name.endswith(_SUFFIXES):
        return RulePack.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Packs named by ``koie_rules`` / ``--koie-rules`` are collected even outside the test paths."""
    seen = {Path(str(item.path)).resolve() for item in items if isinstance(item, RuleItem)}
    for path in _listed_packs(config):
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        collector = RulePack.from_parent(session, path=path)
        items.extend(collector.collect())


class RulePack(pytest.File):
    """A rule pack file: one :class:`RuleItem` per rule."""

    def collect(self) -> Iterator[RuleItem]:
        from koie.errors import KoieError
        from koie.lang.load import load_pack

        try:
            spec = load_pack(self.path)
        except KoieError as error:
            yield RuleItem.from_parent(self, name="<pack>", rule_id=None, load_error=error)
            return
        for rule in spec.rules:
            if str(Path(rule.place.source.name).resolve()) == str(self.path.resolve()):
                yield RuleItem.from_parent(self, name=rule.id, rule_id=rule.id, line=rule.place.line)


class KoieRuleFailure(Exception):
    """A rule's example or property failed; the message is the report."""


class RuleItem(pytest.Item):
    """One rule: its examples, then its generated and metamorphic properties."""

    def __init__(
        self, *, rule_id: str | None, line: int = 0, load_error: Exception | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rule_id = rule_id
        self.line = line
        self.load_error = load_error
        self.add_marker(pytest.mark.koie)

    def runtest(self) -> None:
        if self.load_error is not None:
            raise KoieRuleFailure(str(self.load_error))
        from koie.testing.examples import run_examples

        assert self.rule_id is not None
        properties = _pack_properties(self.config, self.path)
        wanted = {self.rule_id}
        results = list(run_examples(properties.pack, wanted))
        if not self.config.getoption("koie_no_properties"):
            results += list(
                properties.run(
                    wanted,
                    seed=self.config.getoption("koie_seed"),
                    max_examples=self.config.getoption("koie_max_examples"),
                    profile=self.config.getoption("koie_profile"),
                )
            )
        failed = [r for r in results if not r.ok]
        if failed:
            lines = []
            for result in failed:
                lines.append(f"FAIL {result.where} {result.rule} {result.kind}: {result.text}")
                lines.extend("     " + line for line in result.message.splitlines())
            raise KoieRuleFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, KoieRuleFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.line - 1, 0), f"koie rule {self.rule_id}"


#: The session's packs by path, each with its properties (the pools and generator its rules share).
_PACKS = pytest.StashKey[dict[str, "PackProperties"]]()


def _pack_properties(config: pytest.Config, path: Path) -> PackProperties:
    """Each pack is loaded once per session (its analyser and name pools are shared by all its rules)."""
    from koie.api import load
    from koie.testing.properties import PackProperties

    packs = config.stash.setdefault(_PACKS, {})
    key = str(path.resolve())
    if key not in packs:
        packs[key] = PackProperties(load(path))
    return packs[key]


@pytest.hookimpl(tryfirst=True)  # before hypothesis's own plugin loads --hypothesis-profile (it may name koie's)
def pytest_configure(config: pytest.Config) -> None:
    from koie.testing.profiles import register_profiles

    register_profiles()
    config.addinivalue_line("markers", "koie: a koie rule's examples and generated properties")
