"""The layout shows the pipeline: no two modules of koie import each other, and no stage imports a later one.

The stages, first to last: errors and the native loader, analysis, vm, lang, engine, explain,
run, api and the report, testing and measure, the command line. An import at module level,
in a function or under TYPE_CHECKING counts alike: a lazy import is still a dependency. The
package's face (``koie/__init__.py``: the version and the names it re-exports) is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "koie"

#: Each module's stage by its dotted prefix (the longest prefix wins); a module may import its own
#: stage and earlier ones. lang uses vm's limits and analysis's protocol; vm runs lang's compiled
#: programs, so the two are one stage for this test.
STAGES: dict[str, int] = {
    "koie.errors": 0,
    "koie.native": 0,
    "koie.installed": 0,
    "koie._slots": 0,
    "koie.analysis": 1,
    "koie.vm": 2,
    "koie.lang": 2,
    "koie.engine": 3,
    "koie.explain": 4,
    "koie.run": 5,
    "koie.api": 5,
    "koie.report": 6,
    "koie.dask": 6,
    "koie.testing": 7,
    "koie.measure": 7,
    "koie.cli": 8,
    "koie.__main__": 9,
    "koie": 9,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The koie modules a file imports (``from koie.x import y`` counts y when y is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("koie"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("koie") and not node.level:
            modules = {f"{node.module}.{alias.name}" for alias in node.names}
            modules = {m for m in modules if (PACKAGE.parent / m.replace(".", "/")).with_suffix(".py").exists()}
            found |= modules or {node.module}
    found.discard("koie")  # the package's face (its version, the names it re-exports) is not a stage
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def _stage(module: str) -> int:
    best = max((prefix for prefix in STAGES if module == prefix or module.startswith(prefix + ".")), key=len)
    return STAGES[best]


def test_layout_has_no_import_circles() -> None:
    graph = _graph()
    seen: dict[str, int] = {}  # 1: on the current path, 2: done
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for other in sorted(graph[module]):
            if seen.get(other) == 1:
                circles.append(path[path.index(other) :] + [other])
            elif other not in seen:
                visit(other, [*path, other])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])
    assert not circles, "modules that import each other: " + "; ".join(" -> ".join(c) for c in circles)


def test_layout_no_stage_imports_a_later_one() -> None:
    graph = _graph()
    backwards = [
        f"{module} -> {other}"
        for module, others in sorted(graph.items())
        for other in sorted(others)
        if module != "koie" and _stage(other) > _stage(module)
    ]
    assert not backwards, "imports of a later stage: " + ", ".join(backwards)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_layout_modules_stay_readable(path: Path) -> None:
    """No module grows past about 850 lines: past that, a module is doing two stages' work."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 860
