"""The two commands of the README, as a newcomer meets them: scripts/demo and scripts/test-extras.

They run here in a copy of the scripts, with stand-ins for .venv's python and koie and for the
system's tools, so no test installs anything: each stand-in notes how it was called.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the scripts are bash scripts")


def _executable(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout with the scripts, the files an install depends on, and a .venv of stand-ins."""
    root = tmp_path / "koie-checkout"
    (root / "scripts").mkdir(parents=True)
    for name in ("demo", "setup-venv", "test-extras"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    (root / "pyproject.toml").write_text('[project]\nname = "koie"\n', encoding="utf-8")
    (root / "hatch_build.py").write_text("# the build hook\n", encoding="utf-8")
    (root / "koie" / "vm").mkdir(parents=True)
    (root / "koie" / "__init__.py").write_text("", encoding="utf-8")
    (root / "koie" / "vm" / "_vm.pyx").write_text("# the native VM\n", encoding="utf-8")
    log = root / "calls.log"
    # .venv/bin/python: pip installs "build" the native module; find_spec answers with $KOIE_ORIGIN.
    _executable(
        root / ".venv" / "bin" / "python",
        f"""echo "python $*" >> {log}
case "$*" in
  *"pip install"*"-e"*) touch koie/vm/_vm.so ;;
  "-I -c"*) echo "${{KOIE_ORIGIN:-$PWD/koie}}" ;;
esac
""",
    )
    _executable(root / ".venv" / "bin" / "koie", f'echo "koie $*" >> {log}\n')
    return root


def _run(checkout: Path, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *command],
        cwd=checkout,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )


def _pip_installs(checkout: Path) -> int:
    log = checkout / "calls.log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return sum("pip install" in line and "-e" in line for line in lines)


def test_scripts_demo_installs_once_then_only_runs(checkout: Path) -> None:
    _run(checkout, "scripts/demo")
    assert _pip_installs(checkout) == 1
    second = _run(checkout, "scripts/demo", "--all")
    assert _pip_installs(checkout) == 1, "a second demo with nothing changed ran pip again"
    assert "not reinstalling" in second.stderr
    calls = (checkout / "calls.log").read_text(encoding="utf-8")
    assert "koie run rules/meetings.yaml examples/news/ --format table --all" in calls


@pytest.mark.parametrize(
    "change",
    ["pyproject.toml", "hatch_build.py", "koie/vm/_vm.pyx", "a new .pyx", "the native module deleted"],
)
def test_scripts_demo_reinstalls_when_what_the_install_depends_on_changes(checkout: Path, change: str) -> None:
    _run(checkout, "scripts/demo")
    if change == "a new .pyx":
        (checkout / "koie" / "run").mkdir()
        (checkout / "koie" / "run" / "_sink.pyx").write_text("# more native code\n", encoding="utf-8")
    elif change == "the native module deleted":
        (checkout / "koie" / "vm" / "_vm.so").unlink()
    else:
        with (checkout / change).open("a", encoding="utf-8") as file:
            file.write("# edited\n")
    _run(checkout, "scripts/demo")
    assert _pip_installs(checkout) == 2


def test_scripts_demo_reinstalls_when_venv_holds_another_checkouts_koie(checkout: Path, tmp_path: Path) -> None:
    _run(checkout, "scripts/demo")
    elsewhere = tmp_path / "other" / "koie"
    elsewhere.mkdir(parents=True)
    _run(checkout, "scripts/demo", env={"KOIE_ORIGIN": str(elsewhere)})
    assert _pip_installs(checkout) == 2


def test_scripts_setup_venv_installs_missing_extras_and_keeps_them(checkout: Path) -> None:
    _run(checkout, "scripts/setup-venv")
    _run(checkout, "scripts/setup-venv", "test,dask")  # the demo's install had no test extras
    assert _pip_installs(checkout) == 2
    _run(checkout, "scripts/setup-venv")  # the test extras' install is enough for the demo
    _run(checkout, "scripts/setup-venv", "test,dask")
    assert _pip_installs(checkout) == 2
    assert "install --quiet -e .[test,dask]" in (checkout / "calls.log").read_text(encoding="utf-8")


@pytest.fixture
def system(tmp_path: Path, checkout: Path) -> dict[str, str]:
    """Stand-ins for the system: chromium present, no font with Hangul, apt-get that cannot install."""
    bin_dir = tmp_path / "bin"
    _executable(bin_dir / "chromium", "exit 0\n")
    _executable(bin_dir / "fc-list", "exit 0\n")  # lists no font for :lang=ko
    _executable(
        bin_dir / "apt-get",
        'case "$*" in *update*) exit 0 ;; esac\necho "E: Unable to locate package $4" >&2\nexit 100\n',
    )
    _executable(bin_dir / "sudo", '[ "$1" = -n ] && shift\nexec "$@"\n')  # never the real sudo
    # playwright is importable: .venv's python stand-in succeeds at everything
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_scripts_test_extras_says_the_browser_test_runs_without_the_font(
    checkout: Path, system: dict[str, str]
) -> None:
    result = _run(checkout, "scripts/test-extras", env=system)
    assert "could not install fonts-noto-cjk" in result.stderr
    assert "the browser test still runs, but Hangul shows as boxes in its screenshots" in result.stderr
    assert "will skip" not in result.stderr
    assert "could not install chromium" not in result.stderr


def test_scripts_test_extras_says_why_it_could_not_install(checkout: Path, system: dict[str, str]) -> None:
    result = _run(checkout, "scripts/test-extras", env=system)
    line = next(line for line in result.stderr.splitlines() if "could not install fonts-noto-cjk" in line)
    assert "E: Unable to locate package fonts-noto-cjk" in line or "needs root" in line
