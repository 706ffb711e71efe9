"""Shared fixtures. Tests that need the Kiwi model use ``kiwi``; matcher tests use notation only."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"

# koie's commands keep analyses in the user's cache by default ($XDG_CACHE_HOME/koie): the suite
# keeps one of its own for the session, so it never reads or fills the developer's or CI's.
_CACHE_HOME = tempfile.mkdtemp(prefix="koie-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
atexit.register(shutil.rmtree, _CACHE_HOME, True)


@pytest.fixture(scope="session")
def kiwi():
    """One Kiwi analyser (no user words) for the whole test session."""
    from koie.api import shared_analyzer

    return shared_analyzer(())


@pytest.fixture(scope="session")
def hello_pack():
    import koie

    return koie.load(ROOT / "examples" / "hello.yaml")


@pytest.fixture(scope="session")
def meetings_pack():
    import koie

    return koie.load(ROOT / "rules" / "meetings.yaml")


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    os.environ.setdefault("HYPOTHESIS_PROFILE", "koie-ci" if os.environ.get("CI") else "koie-dev")
