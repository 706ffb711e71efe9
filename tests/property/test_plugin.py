"""The pytest plugin: a project's rule packs become pytest items, one per rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

PACKS = Path(__file__).parent / "packs"
ROOT = Path(__file__).resolve().parents[2]


def _installed_plugin() -> bool:
    from importlib.metadata import entry_points

    return any(e.value == "koie.testing.pytest_plugin" for e in entry_points(group="pytest11"))


# Where koie is pip-installed, its pytest11 entry point loads the plugin by
# itself (and naming it again with -p is an error); in a bare checkout, -p
# loads it.
PLUGIN: tuple[str, ...] = () if _installed_plugin() else ("-p", "koie.testing.pytest_plugin")


def _project(pytester: pytest.Pytester, pattern_change: tuple[str, str] | None = None) -> None:
    text = (PACKS / "visits.koie.yaml").read_text(encoding="utf-8")
    if pattern_change:
        text = text.replace(*pattern_change)
    pytester.makefile(".koie.yaml", visits=text)


def test_plugin_collects_one_item_per_rule(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_inprocess(*PLUGIN, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["visits.koie.yaml::person", "visits.koie.yaml::visit"])
    assert result.ret == 0


def test_plugin_runs_examples_and_properties(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_inprocess(*PLUGIN, "--koie-max-examples", "5", "--koie-seed", "1")
    result.assert_outcomes(passed=2)


def test_plugin_reports_a_broken_rule_with_its_counterexample(pytester: pytest.Pytester) -> None:
    _project(pytester, ("(이 | 은) @CITY", "(이) @CITY"))
    result = pytester.runpytest_inprocess(*PLUGIN, "--koie-max-examples", "5", "--koie-seed", "1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAIL *visits.koie.yaml:* visit surround: 김철수 대표는 도쿄를 방문하고 돌아왔다.",
            "*reproduce: koie test * --rule visit --seed 1",
        ]
    )


def test_plugin_collects_packs_named_in_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", **{"rules/visits": (PACKS / "visits.koie.yaml").read_text(encoding="utf-8")})
    pytester.makeini("[pytest]\nkoie_rules =\n    rules/*.yaml\n")
    result = pytester.runpytest_inprocess(*PLUGIN, "--koie-no-properties", "-v")
    result.stdout.fnmatch_lines(["*visits.yaml::person PASSED*", "*visits.yaml::visit PASSED*"])


def test_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    """The entry point is declared (and, where koie is installed, active: see PLUGIN)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"]["koie"] == "koie.testing.pytest_plugin"


def test_plugin_registers_koie_profiles_under_its_own_names(pytester: pytest.Pytester) -> None:
    """The plugin registers koie-ci and koie-dev when pytest starts (so --hypothesis-profile may name
    them), and a project's own ``ci`` profile stays as the project set it, koie's modules imported or not."""
    pytester.makeconftest('from hypothesis import settings\n\nsettings.register_profile("ci", max_examples=7)\n')
    pytester.makepyfile(
        test_profiles="""
from hypothesis import settings

import koie.testing.properties  # noqa: F401


def test_profiles():
    assert settings.get_profile("ci").max_examples == 7
    assert settings.get_profile("koie-ci").derandomize and settings.get_profile("koie-dev").max_examples == 30
    assert settings.get_current_profile_name() == "koie-ci"
"""
    )
    result = pytester.runpytest_subprocess(*PLUGIN, "--hypothesis-profile", "koie-ci", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_reports_an_unknown_profile(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_inprocess(*PLUGIN, "--koie-profile", "nope", "--koie-max-examples", "2")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*unknown hypothesis profile 'nope': koie's are koie-ci and koie-dev*"])
