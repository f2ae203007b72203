"""The package's layers hold: no import cycle, no arrow that runs backwards, no module too long.

Face (cli) → Pipeline → Config · Execute · Record · Decide · Report → Values. Imports inside
functions count; imports under ``if TYPE_CHECKING:`` do not (they never run). Integrations may
import the core's layers (never the pipeline or the face), and the core reaches them only by
the dotted names in ``pipeline/registry.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "scoregate"
MAX_LINES = 450
REGISTRY = "scoregate.pipeline.registry"

CORE = {"config", "execute", "record", "decide", "report"}
# What each layer may import, besides itself.
ALLOWED: dict[str, set[str]] = {
    "root": {"cli"},
    "cli": {"pipeline", *CORE, "values"},
    "pipeline": {*CORE, "values"},
    "config": {"values"},
    "execute": {"config", "values"},
    "record": {"config", "values"},
    "decide": {"config", "record", "values"},
    "report": {"config", "record", "decide", "values"},
    "integrations": {*CORE, "values"},
    "values": set(),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "root"
    return parts[1]


def _runs(node: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run: all of them but the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            for other in child.orelse:
                yield other
                yield from _runs(other)
            continue
        yield child
        yield from _runs(child)


def _imports(module: str, source: str, *, is_package: bool = False) -> set[str]:
    found = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in _runs(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "scoregate"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            if base.split(".")[0] != "scoregate":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
    found.discard(module)
    return found


GRAPH = {
    module: _imports(module, path.read_text(encoding="utf-8"), is_package=path.stem == "__init__")
    for module, path in MODULES.items()
}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in graph:
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _backwards(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, imported in sorted(graph.items()):
        layer = _layer(module)
        for other in sorted(imported):
            target = _layer(other)
            if target == layer and layer == "integrations":
                same = (
                    module.split(".")[2] == other.split(".")[2] or other == "scoregate.integrations"
                )
                if not same:
                    wrong.append(f"{module} -> {other} (one integration imports another)")
            elif target not in {layer, "root"} | ALLOWED[layer]:
                wrong.append(f"{module} -> {other} ({layer} may not import {target})")
    return wrong


def test_no_import_cycle() -> None:
    assert _cycles(GRAPH) == []


def test_no_arrow_runs_backwards() -> None:
    assert _backwards(GRAPH) == []


def test_only_the_registry_names_an_integration() -> None:
    naming = [
        module
        for module, path in MODULES.items()
        if _layer(module) != "integrations"
        and module != REGISTRY
        and "scoregate.integrations" in path.read_text(encoding="utf-8")
    ]
    assert naming == []


def test_no_module_is_too_long() -> None:
    long = {
        module: lines
        for module, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_registry_entry_is_there() -> None:
    """A kind names an object that exists and has its interface's method."""
    from scoregate.pipeline import registry

    tables = {
        "load": (registry.DATASET_SOURCES, registry.BASELINE_SOURCES),
        "resolve": (registry.PROMPT_SOURCES,),
        "finish": (registry.RUN_SINKS,),
        "execute": (registry.SCRIPT_RUNNERS,),
        "read_runs": (registry.RUN_REFERENCES,),
    }
    for method, found in tables.items():
        for table in found:
            assert table
            for kind, dotted in table.items():
                assert callable(getattr(registry._load(dotted), method, None)), (kind, dotted)
    for host, dotted in registry.PULL_REQUEST_COMMENTS.items():
        assert callable(registry._load(dotted)), (host, dotted)


def test_the_checks_can_fail() -> None:
    """Imports inside functions count, TYPE_CHECKING ones do not; a backward arrow, a cycle and
    one integration importing another are all caught."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from scoregate.pipeline import runner\n"
        "def f():\n    from scoregate.decide import gate\n"
        "    from . import numbers\n"
    )
    found = _imports("scoregate.values.model", source)
    assert found == {"scoregate.decide.gate", "scoregate.values.numbers"}
    graph = {
        "scoregate.values.model": found,
        "scoregate.decide.gate": {"scoregate.values.model"},
        "scoregate.integrations.a.x": {"scoregate.integrations.b.y"},
        "scoregate.integrations.b.y": set(),
    }
    assert _backwards(graph) == [
        "scoregate.integrations.a.x -> scoregate.integrations.b.y (one integration imports another)",
        "scoregate.values.model -> scoregate.decide.gate (values may not import decide)",
    ]
    assert _cycles(graph) == [["scoregate.decide.gate", "scoregate.values.model"]]
