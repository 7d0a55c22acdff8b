"""The package layout as a spec: a pure plan stage, no cycles, a short top level."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "provisioner"


def test_the_plan_stage_loads_nothing_that_touches_files_locks_or_network() -> None:
    probe = (
        "import sys, provisioner.plan, provisioner.plan.build, provisioner.plan.diff,"
        " provisioner.plan.safety, provisioner.plan.savedplan, provisioner.plan.users,"
        " provisioner.render\n"
        "print(sorted(m for m in ('fcntl', 'yaml', 'httpx', 'psycopg', 'socket')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "provisioner" or len(parts) < 2:
        return None
    return parts[1] if (PACKAGE / parts[1]).is_dir() else "(top)"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) == 1:
            continue
        source = relative.parts[0]
        for module in _imports(path):
            target = _stage(module)
            if target not in (None, "(top)", source):
                graph[source].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    def visit(node: str, trail: list[str]) -> list[str] | None:
        if node in trail:
            return [*trail[trail.index(node) :], node]
        for after in sorted(graph.get(node, ())):
            found = visit(after, [*trail, node])
            if found:
                return found
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_import_cycle_between_packages() -> None:
    assert _cycle(_package_graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_lower_stages_never_import_the_higher_ones() -> None:
    graph = _package_graph()
    for low in ("plan", "render", "config", "kaleyra", "state"):
        assert not graph.get(low, set()) & {"cli", "apply"}, low
    assert "config" not in graph.get("plan", set())


def test_the_top_level_holds_at_most_eight_modules() -> None:
    modules = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert len(modules) <= 8, sorted(modules)
