"""The property tier: koie's hypothesis profiles, ``koie-ci`` derandomised (pytester: see pyproject's addopts)."""

from __future__ import annotations

import pytest
from hypothesis import settings

from koie.testing.profiles import profile_name, register_profiles

# The tier loads the profile CI or the developer asks for (koie's pytest plugin has registered them
# already, unless it is disabled).
register_profiles()
settings.load_profile(profile_name())


@pytest.fixture(scope="module")
def monkeypatch_module():
    """A monkeypatch for hypothesis tests (function-scoped fixtures are not reset between examples)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch
