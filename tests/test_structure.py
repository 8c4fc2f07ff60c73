"""The package's structure: no import cycle anywhere in `nntui`, the traced path (the step
trace, the exports, the session) never loads the `train` fast path, and the parameters have
one order (`nntui.engine.schema.ParamLayout`).

Imports are read from the source with `ast`, every one of them: at the top of a module, inside
a function, under `if TYPE_CHECKING:` — a cycle through a function-level import still means
two modules that cannot be understood (or split, or loaded) one without the other.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from nntui.engine.presets import PRESETS
from nntui.engine.schema import ParamLayout
from nntui.trace_index import LedgerRows

PACKAGE = Path(__file__).resolve().parent.parent / "nntui"

#: module → {imported module → line of the first such import}
Graph = dict[str, dict[str, int]]


def module_files(package: Path) -> dict[str, tuple[Path, bool]]:
    """Every module under `package`, by dotted name: its file and whether it is a package."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


def _imported(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]
) -> set[str]:
    """The modules of `modules` an import statement in `module` loads by name: `import X` loads
    X; `from X import name` loads the submodule X.name when there is one, else X itself (whose
    attribute `name` is). A package's parents, loaded on the way, are not counted."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & modules
    base = node.module or ""
    if node.level:  # a relative import: from the package holding `module`
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    targets = {f"{base}.{alias.name}" for alias in node.names}
    return {name if name in modules else base for name in targets} & modules


def import_graph(package: Path) -> Graph:
    """Which modules of `package` each of its modules imports, wherever the import stands."""
    modules = module_files(package)
    graph: Graph = {}
    for module, (path, is_package) in modules.items():
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in sorted(_imported(node, module, is_package, set(modules))):
                    if target != module:
                        edges.setdefault(target, node.lineno)
        graph[module] = edges
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle (its modules in order, the first repeated at the end), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph.get(module, {})):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found is not None:
                    return found
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found is not None:
                return found
    return None


def describe(cycle: list[str], graph: Graph) -> str:
    """Each import of a cycle with the line it stands on."""
    return "\n".join(
        f"  {source} (line {graph[source][target]}) imports {target}"
        for source, target in itertools.pairwise(cycle)
    )


def test_nntui_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle:\n" + describe(cycle, graph)


def test_the_graph_counts_imports_in_functions_and_under_type_checking() -> None:
    """The reader sees the imports a cycle could hide behind: `spec.build()` imports the
    network inside the method, `spec` names `Network` under TYPE_CHECKING."""
    graph = import_graph(PACKAGE)
    assert "nntui.engine.network" in graph["nntui.engine.spec"]
    assert "nntui.engine.schema" in graph["nntui.engine.network"]
    assert "nntui.engine.spec" not in graph["nntui.engine.network"]
    # `from nntui.engine import network`, inside a function of the package's __init__
    assert "nntui.engine.network" in graph["nntui.engine"]


def test_a_cycle_through_a_function_or_type_checking_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import B\n")
    (package / "b.py").write_text("def make():\n    from . import c\n    return c\nB = 1\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\n"
    )
    graph = import_graph(package)
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    assert "pkg.b (line 2) imports pkg.c" in describe(find_cycle(graph) or [], graph)
    (package / "c.py").write_text("import pkg.b\n")  # b → c → b
    assert find_cycle(import_graph(package)) == ["pkg.b", "pkg.c", "pkg.b"]
    (package / "c.py").write_text("X = 1\n")
    assert find_cycle(import_graph(package)) is None


def _loaded_after_import(module: str) -> set[str]:
    """The nntui modules a fresh interpreter has loaded after `import module`."""
    probe = (
        f"import sys, {module}\n"
        "print('\\n'.join(name for name in sys.modules if name.startswith('nntui')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(run.stdout.split())


@pytest.mark.parametrize("module", ["nntui.engine.trace", "nntui.export", "nntui.session"])
def test_the_traced_path_does_not_load_the_fast_path(module: str) -> None:
    """The step trace, the exports and the session compute with `compute` (and say why a
    step fails with `problems`); `training` is `nntui train`'s alone."""
    loaded = _loaded_after_import(module)
    assert "nntui.engine.compute" in loaded  # the probe sees the engine the module uses
    assert "nntui.engine.training" not in loaded


def test_the_fast_path_is_seen_when_it_is_loaded() -> None:
    assert "nntui.engine.training" in _loaded_after_import("nntui.engine.training")


@pytest.mark.parametrize("preset", ["worked-example", "softmax-3class", "deep-4-16-16-3"])
def test_the_ledger_lists_the_parameters_in_the_one_order(preset: str) -> None:
    """The ledger's rows are `ParamLayout`'s listing, output layer first."""
    net = PRESETS[preset].build()
    rows = LedgerRows(net)
    layout = ParamLayout.of(net.layers, output_first=True)
    assert list(rows) == list(layout)
    assert [rows.row_of(ref) for ref in layout] == list(range(len(layout)))
