"""Build koie's native modules (every koie/**/*.pyx, Cython → C++) into the wheel, or in place for editable installs.

Each module accelerates the stage it sits beside (koie/native.py lists them):
koie/_slots.pyx (object making, shared), koie/analysis/_convert.pyx, koie/vm/_runtime.pyx
and koie/vm/_vm.pyx (the matcher), koie/engine/_extract.pyx and koie/engine/_repeated.pyx,
koie/run/_jsonl.pyx. koie works without them: ``KOIE_PURE_PYTHON=1 pip install .`` skips
the build, ``KOIE_MATCHER=python`` turns every one off at run time, and a machine without a
C++ compiler gets a loud warning and the pure-Python code (``KOIE_REQUIRE_NATIVE=1`` turns
that into an error). The test suite fails if a machine with g++ ends up without them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class NativeModulesHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("KOIE_PURE_PYTHON"):
            return
        root = Path(self.root)
        sources = _generate(root)  # a bug in a .pyx always stops the build
        try:
            built = _compile(root, sources)
        except Exception as error:  # no C++ compiler or Python headers: koie still works, slower
            if os.environ.get("KOIE_REQUIRE_NATIVE"):
                raise
            print(
                f"koie: WARNING: the native modules were not built ({error}); koie will use its pure-Python "
                "code, several times slower. Install g++ and the Python headers and reinstall, or set "
                "KOIE_REQUIRE_NATIVE=1 to make this an error.",
                file=sys.stderr,
            )
            return
        print(f"koie: built the native modules {', '.join(path.name for path in built)}", file=sys.stderr)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports the modules from the tree
            for path in built:
                build_data["force_include"][str(path)] = path.relative_to(root).as_posix()


def _module_name(root: Path, source: Path) -> str:
    """koie/vm/_vm.pyx (or .cpp) -> koie.vm._vm"""
    return ".".join(source.relative_to(root).with_suffix("").parts)


def _compile(root: Path, sources: list[Path]) -> list[Path]:
    """Each generated koie/**/*.cpp -> its extension module, in place beside its .pyx."""
    from setuptools import Distribution, Extension

    extensions = [
        Extension(_module_name(root, source), [str(source)], language="c++", extra_compile_args=["-O2"])
        for source in sources
    ]
    distribution = Distribution({"ext_modules": extensions, "script_name": "hatch_build.py"})
    command = distribution.get_command_obj("build_ext")
    command.inplace = True
    command.build_temp = str(root / "build" / "native")
    command.ensure_finalized()
    command.run()
    built = [Path(command.get_ext_fullpath(extension.name)) for extension in extensions]
    return [path if path.is_absolute() else root / path for path in built]


def _generate(root: Path) -> list[Path]:
    """Cython → C++ for every koie/**/*.pyx, refusing code that passes a temporary to a C++ ``const T&`` parameter.

    Cython 3.3 compiles ``vector.push_back(1 if x else 0)`` into a pointer to a
    temporary (``__Pyx_FakeReference``) that gcc -O2 may reuse before the call
    reads it: wrong values, silently. koie's .pyx files push computed values
    through typed parameters instead (``push`` in koie/vm/_runtime.pxd); this
    check keeps every module that way.
    """
    import re

    from Cython.Build import cythonize

    sources = sorted((root / "koie").rglob("*.pyx"))
    cythonize(
        [str(source) for source in sources],
        quiet=True,
        include_path=[str(root)],
        compiler_directives={"language_level": 3},
    )
    generated = [source.with_suffix(".cpp") for source in sources]
    for path in generated:
        temporaries = re.findall(r"__Pyx_FakeReference<[^>]+>\s+__pyx_t_\d+;", path.read_text(encoding="utf-8"))
        if temporaries:
            raise RuntimeError(
                f"{path.with_suffix('.pyx').relative_to(root)} passes a temporary by const reference "
                f"({temporaries[0]}): push the value through a typed variable or parameter"
            )
    return generated
