"""Build koie's native matcher (koie/vm/_vm.pyx, Cython → C++) into the wheel, or in place for editable installs.

The extension is the Pike VM of koie/vm/match.py compiled. koie works without it:
``KOIE_PURE_PYTHON=1 pip install .`` skips the build, ``KOIE_MATCHER=python``
chooses the Python VM at run time, and a machine without a C++ compiler gets
a loud warning and the Python VM (``KOIE_REQUIRE_NATIVE=1`` turns that into an
error). The test suite fails if a machine with g++ ends up without the module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class NativeMatcherHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("KOIE_PURE_PYTHON"):
            return
        root = Path(self.root)
        _generate(root)  # a bug in koie/vm/_vm.pyx always stops the build
        try:
            built = _compile(root)
        except Exception as error:  # no C++ compiler or Python headers: koie still works, slower
            if os.environ.get("KOIE_REQUIRE_NATIVE"):
                raise
            print(
                f"koie: WARNING: the native matcher was not built ({error}); koie will use its pure-Python "
                "matcher, several times slower. Install g++ and the Python headers and reinstall, or set "
                "KOIE_REQUIRE_NATIVE=1 to make this an error.",
                file=sys.stderr,
            )
            return
        print(f"koie: built the native matcher {built.name}", file=sys.stderr)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports the module from the tree
            build_data["force_include"][str(built)] = f"koie/vm/{built.name}"


def _compile(root: Path) -> Path:
    """koie/vm/_vm.cpp -> the extension module, in place beside koie/vm/match.py."""
    from setuptools import Distribution, Extension

    extension = Extension(
        "koie.vm._vm", [str(root / "koie" / "vm" / "_vm.cpp")], language="c++", extra_compile_args=["-O2"]
    )
    distribution = Distribution({"ext_modules": [extension], "script_name": "hatch_build.py"})
    command = distribution.get_command_obj("build_ext")
    command.inplace = True
    command.build_temp = str(root / "build" / "native")
    command.ensure_finalized()
    command.run()
    built = Path(command.get_ext_fullpath("koie.vm._vm"))
    return built if built.is_absolute() else root / built


def _generate(root: Path) -> None:
    """Cython → C++, refusing code that passes a temporary to a C++ ``const T&`` parameter.

    Cython 3.3 compiles ``vector.push_back(1 if x else 0)`` into a pointer to a
    temporary (``__Pyx_FakeReference``) that gcc -O2 may reuse before the call
    reads it: wrong values, silently. koie/vm/_vm.pyx pushes computed values
    through typed parameters instead; this check keeps it that way.
    """
    import re

    from Cython.Build import cythonize

    cythonize([str(root / "koie" / "vm" / "_vm.pyx")], quiet=True, compiler_directives={"language_level": 3})
    generated = (root / "koie" / "vm" / "_vm.cpp").read_text(encoding="utf-8")
    temporaries = re.findall(r"__Pyx_FakeReference<[^>]+>\s+__pyx_t_\d+;", generated)
    if temporaries:
        raise RuntimeError(
            f"koie/vm/_vm.pyx passes a temporary by const reference ({temporaries[0]}): "
            "push the value through a typed variable or parameter"
        )
