"""Hypothesis profiles for generated sentences, under koie's own names.

``koie-ci``
    derandomised: every run generates the same sentences; 15 per property,
    no deadline, no example database.
``koie-dev``
    random; 30 per property, no deadline.

Nothing is registered on import: koie reads its profiles by name
(:func:`profile_settings`), and the pytest plugin registers them with
hypothesis (:func:`register_profiles`) so a test suite can also load them
(``--hypothesis-profile koie-ci``). A profile of the user's own, ``ci``
included, is never touched.

Which profile a run uses (:func:`profile_name`): the one named by the
command (``koie test --profile``, ``pytest --koie-profile``), else by
``HYPOTHESIS_PROFILE`` (koie's or one registered with hypothesis), else
``koie-ci`` under CI (``CI`` set) and ``koie-dev`` otherwise.

>>> profile_settings(CI_PROFILE).derandomize, profile_settings(DEV_PROFILE).derandomize
(True, False)
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis.errors import InvalidArgument

CI_PROFILE = "koie-ci"
DEV_PROFILE = "koie-dev"


class UnknownProfile(ValueError):
    """A profile name that is neither koie's nor registered with hypothesis."""


def koie_profiles() -> dict[str, settings]:
    """koie's profiles by name, built on hypothesis's ``default`` (never on whichever is loaded)."""
    default = settings.get_profile("default")
    return {
        CI_PROFILE: settings(
            default, derandomize=True, max_examples=15, deadline=None, database=None, print_blob=False
        ),
        DEV_PROFILE: settings(default, max_examples=30, deadline=None),
    }


def register_profiles() -> None:
    """Register koie's profiles with hypothesis (the pytest plugin does, when pytest starts)."""
    for name, profile in koie_profiles().items():
        settings.register_profile(name, profile)


def profile_name(requested: str | None = None) -> str:
    """The profile a run uses: ``requested``, else ``HYPOTHESIS_PROFILE``, else by ``CI``."""
    return requested or os.environ.get("HYPOTHESIS_PROFILE") or (CI_PROFILE if os.environ.get("CI") else DEV_PROFILE)


def profile_settings(name: str) -> settings:
    """The settings of profile ``name``: koie's own, or one registered with hypothesis."""
    own = koie_profiles().get(name)
    if own is not None:
        return own
    try:
        return settings.get_profile(name)
    except InvalidArgument:
        raise UnknownProfile(
            f"unknown hypothesis profile {name!r}: koie's are {CI_PROFILE} and {DEV_PROFILE}, "
            "or register your own with hypothesis"
        ) from None


__all__ = [
    "CI_PROFILE",
    "DEV_PROFILE",
    "UnknownProfile",
    "koie_profiles",
    "profile_name",
    "profile_settings",
    "register_profiles",
]
