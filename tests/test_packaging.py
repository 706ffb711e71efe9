"""The grammar and the native modules ship inside the wheel and load from a non-editable install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_packaging_wheel_carries_the_grammar_and_parses_from_it(tmp_path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("koie-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "koie/lang/koie.lark" in names
    assert "koie/py.typed" in names
    # every native module (koie/native.py lists them), where a compiler could build them
    sources = sorted(p.relative_to(ROOT).with_suffix("").as_posix() for p in (ROOT / "koie").rglob("*.pyx"))
    modules = sorted(name.split(".")[0] for name in names if name.endswith(".so"))
    if shutil.which("g++") or shutil.which("c++"):
        assert modules == sources
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    script = (
        "import importlib, koie.lang.grammar, koie.lang.parse; "
        "assert 'site' in koie.lang.grammar.__file__, koie.lang.grammar.__file__; "
        f"assert all('site' in importlib.import_module(n.replace('/', '.')).__file__ for n in {modules!r}); "
        "print(koie.lang.parse.format_pattern(koie.lang.parse.parse_pattern('[PERSON:s] 와 만나')))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    completed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[PERSON:s] 와 만나"


def test_packaging_grammar_has_one_copy() -> None:
    copies = [p for p in ROOT.rglob("*.lark") if ".venv" not in p.parts and "build" not in p.parts]
    assert [p.relative_to(ROOT).as_posix() for p in copies] == ["koie/lang/koie.lark"]
    marker = "LITERAL.1:"
    offenders = [p for p in (ROOT / "koie").rglob("*.py") if marker in p.read_text(encoding="utf-8")]
    assert offenders == []
