"""The property tier: hypothesis profiles (``ci`` derandomised) (pytester is enabled in pyproject's addopts)."""

from __future__ import annotations

import pytest
from hypothesis import settings

from koie.testing.properties import current_profile

# koie.testing.properties registers "ci" and "dev"; the tier loads the one CI or the developer asks for.
settings.load_profile(current_profile())


@pytest.fixture(scope="module")
def monkeypatch_module():
    """A monkeypatch for hypothesis tests (function-scoped fixtures are not reset between examples)."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch
