"""Running a command as a user who cannot read or write what another user's modes forbid.

File modes stop nobody who runs as root, and the suite often does (in
containers, in CI). There, :func:`as_unprivileged` runs the command under the
``nobody`` user through ``setpriv`` (util-linux); run as anyone else, it runs
the command as is, and the modes apply. Where neither works, it says so and
the caller skips that test; the same behaviour is then covered by tests that
replace the operating system's answers (``os.access``, SQLite's open).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The user and group ids of ``nobody`` on Debian and most Linux systems.
NOBODY = 65534


@functools.cache
def _prefix() -> tuple[str, ...] | None:
    """What runs a command without root's rights: nothing (not root), setpriv (root), or None."""
    if os.name != "posix":
        return None
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    try:
        probe = subprocess.run([*prefix, sys.executable, "-c", "import koie"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if probe.returncode == 0 else None


def unprivileged_available() -> bool:
    """Whether :func:`as_unprivileged` can run a command that file modes apply to."""
    return _prefix() is not None


def as_unprivileged(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    """``command`` run where file modes apply (see the module docstring), its output captured as text."""
    prefix = _prefix()
    assert prefix is not None, "check unprivileged_available() first"
    return subprocess.run([*prefix, *command], capture_output=True, text=True, encoding="utf-8", timeout=300, **options)  # type: ignore[call-overload]


@contextmanager
def shared_directory() -> Iterator[Path]:
    """A fresh directory every user can enter (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="koie-modes-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        for folder, directories, _files in os.walk(path):
            for name in directories:
                os.chmod(os.path.join(folder, name), 0o755)
        shutil.rmtree(path, ignore_errors=True)
