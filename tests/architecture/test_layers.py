"""The layout's rules, read from the code: the import graph of `infra/` has no cycle, layers import downward only,
and nothing outside `infra/backends/` compares a backend's name (what differs between services is data).

The graph holds every import that runs (module level and inside functions) and leaves out `if TYPE_CHECKING:`
blocks, which only the type checker reads.
"""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from infra import backends
from support.stack_harness import REPO_ROOT

INFRA = REPO_ROOT / "infra"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(INFRA.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def imported_modules(path: Path) -> set[str]:
    """The infra modules `path` imports when it runs (`from infra.x import y` names infra.x.y when that is a module)."""
    found = set()
    for node in _imports(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("infra")}
        elif node.module and node.module.startswith("infra"):
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                found.add(inner if inner in MODULES else node.module)
    return {name for name in found if name in MODULES}


GRAPH = {name: imported_modules(path) - {name} for name, path in MODULES.items()}


def test_the_import_graph_has_no_cycle():
    try:
        tuple(TopologicalSorter(GRAPH).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


BOTTOM = {"infra.contract", "infra.endpoint", "infra.results", "infra.thresholds", "infra.table", "infra.latency",
          "infra.clock", "infra.sizes", "infra.tunnel", "infra"}
# layer -> the layers it may import (besides itself and the bottom).
LAYERS = {
    "config": set(),
    "backends": {"config"},
    "stack_settings": {"config", "backends"},
    "verify": {"config", "backends", "stack_settings"},
    "program": {"config", "backends", "stack_settings", "verify"},
    "ops": set(),
    "loadtest": {"ops"},
    "tooling": {"config", "backends", "stack_settings", "program"},
    "cli": {"config", "backends", "verify", "ops", "loadtest", "tooling"},
}


def layer(module: str) -> str:
    if module in BOTTOM:
        return "bottom"
    top = module.split(".")[1]
    return "program" if top == "__main__" else top


def test_every_module_belongs_to_a_layer():
    assert {layer(name) for name in MODULES} <= {"bottom", *LAYERS}


def test_layers_import_downward_only():
    wrong = []
    for name, imported in GRAPH.items():
        own = layer(name)
        allowed = {"bottom"} if own == "bottom" else {"bottom", own, *LAYERS[own]}
        wrong += [f"{name} -> {other} ({own} may not import {layer(other)})" for other in sorted(imported)
                  if layer(other) not in allowed]
    assert not wrong, "\n".join(wrong)


def test_generic_code_reaches_backends_only_through_the_registry():
    """Outside infra/backends/, only the registry and the spec are imported: never one backend's modules."""
    wrong = [f"{name} -> {other}" for name, imported in GRAPH.items() if not name.startswith("infra.backends")
             for other in imported if other.startswith("infra.backends.") and other != "infra.backends.spec"]
    assert not wrong, "\n".join(wrong)


def _string_constants(tree: ast.AST) -> list[ast.Constant]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_backend_name_is_written_outside_the_backends():
    """`backend == "docker"` or a default of "elasticache" in generic code is a question about which backend it is;
    such a literal anywhere outside infra/backends/ fails here (text mentioning a service in a message is fine)."""
    names = set(backends.names())
    assert {"docker", "elasticache"} <= names
    found = [f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {node.value!r}" for name, path in MODULES.items()
             if not name.startswith("infra.backends") for node in _string_constants(ast.parse(path.read_text()))
             if node.value in names]
    comparison = re.compile(rf"(==|!=|=)\s*[\"']?({'|'.join(map(re.escape, names))})\b")
    found += [f"{script.relative_to(REPO_ROOT)}:{number}: {line.strip()}" for script in REPO_ROOT.glob("scripts/*.sh")
              for number, line in enumerate(script.read_text().splitlines(), 1) if comparison.search(line)]
    assert not found, "\n".join(found)


def test_the_grep_would_catch_a_comparison():
    """The test above can fail: the same scan over a line of the old program finds the name."""
    tree = ast.parse('if settings.backend == "docker":\n    pass\n')
    assert [node.value for node in _string_constants(tree)] == ["docker"]
    assert re.search(r"(==|!=|=)\s*[\"']?(docker)\b", 'if [ "$backend" = docker ]; then')
