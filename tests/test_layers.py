"""The house's rules about imports and size, read from the source:

- the layers hold: pages → components → state → agents/auth/evaluators → letta → services →
  the domain modules → models → the base. A module may import its own layer and those below
  it, never one above; so the canvas domain, the services, the models and the agents never
  reach the page states or the UI;
- no import circle among dsf_app's modules, counting every import in a file (inside functions
  and type-checking blocks too: a lazy import hides a circle from Python, not from a reader);
- no module over MAX_LINES lines: a longer one holds more than one job;
- every SQL statement is built in `dsf_app/services/`: nothing else calls sqlmodel's or
  SQLAlchemy's `select`, `update`, `delete` or `insert`, so no query can skip the access rule in
  `services/access.py`. There is no exception (the advisory lock lives in `services/locks.py`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dsf_app"
MAX_LINES = 450
QUERY_BUILDERS = {"select", "update", "delete", "insert"}
SQL_PACKAGES = ("sqlmodel", "sqlalchemy")
# Top to bottom. The edges that wire everything together (dsf_app.py, http_routes,
# assets_route, run_export_route, health, security_headers, devstack, admin) sit above all layers
# and are not listed. The evaluators sit with the agents: their tools call them; both reach the
# Letta server and its models through `letta`, below them.
LAYERS: list[set[str]] = [
    {"pages"},
    {"components"},
    {"state"},
    {"agents", "auth", "evaluators"},
    {"letta"},
    {"services"},
    {"canvas", "epub", "images", "image_sources", "embeddings", "storage", "world_schema"},
    {"workers"},
    {"models"},
    {"db", "errors", "telemetry", "logs", "choices", "pools"},
    {"settings"},
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _modules() -> Iterator[Path]:
    return (path for path in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in path.parts)


def _name(path: Path) -> str:
    """The dotted module name of a file of dsf_app (a package's __init__ is the package)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module: str) -> str | None:
    """The top-level part of dsf_app a dotted module name is in (dsf_app.state.x -> state)."""
    names = module.split(".")
    return names[1] if names[0] == "dsf_app" and len(names) > 1 else None


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def _imported_modules(path: Path, known: set[str]) -> set[str]:
    """The dsf_app modules a file imports, anywhere in it (functions and type-checking blocks
    included); `from package import name` counts as importing the module `package.name` when
    there is one, else the package."""
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.add(sub if (sub := f"{base}.{alias.name}") in known else base)
    return found & known


@cache
def import_graph() -> dict[str, set[str]]:
    """Every dsf_app module and the dsf_app modules it imports."""
    paths = {_name(path): path for path in _modules()}
    known = set(paths)
    return {name: _imported_modules(path, known) - {name} for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of a graph: one circle through each group of modules that reach each
    other (a strongly connected component), as the modules in import order, first one last."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while (member := stack.pop()) != module:
                on_stack.discard(member)
                group.add(member)
            on_stack.discard(module)
            if group:
                groups.append(group | {module})

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_shortest_circle(graph, group) for group in groups]


def _shortest_circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for other in sorted(graph[module] & group):
                if other == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if other not in came_from:
                    came_from[other] = module
                    following.append(other)
        frontier = following
    raise AssertionError(f"{sorted(group)} reach each other but hold no circle")


def _file(module: str) -> str:
    path = PACKAGE.parent / Path(*module.split("."))
    return str(
        (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(
            PACKAGE.parent
        )
    )


def test_no_import_circles() -> None:
    found = circles(import_graph())
    assert not found, "import circles (break each one; a lazy import does not):\n" + "\n".join(
        " → ".join(_file(module) for module in circle) for circle in found
    )


def _layered_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in _modules():
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if part in RANK:
            modules.append((part, path))
    return modules


@pytest.mark.parametrize(
    ("part", "path"), _layered_modules(), ids=lambda value: getattr(value, "name", value)
)
def test_no_module_imports_a_layer_above_its_own(part: str, path: Path) -> None:
    imported = {_part(module) for module in import_graph()[_name(path)]}
    above = sorted(other for other in imported if other in RANK and RANK[other] < RANK[part])
    assert not above, f"{path.relative_to(PACKAGE.parent)} ({part}) imports {above}"


def test_every_part_of_the_package_is_placed_or_an_edge() -> None:
    edges = {
        "dsf_app",
        "http_routes",
        "assets_route",
        "run_export_route",
        "health",
        "security_headers",
        "devstack",
        "migrate",
        "admin",
        "visitors",
        "__init__",
    }
    parts = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in PACKAGE.glob("*")}
    parts -= {"__pycache__"}
    assert parts - set(RANK) - edges == set(), "place the new part of dsf_app in LAYERS"


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split each by job): " + ", ".join(
        f"{path} ({lines})" for path, lines in sorted(long.items())
    )


def queries_built(tree: ast.Module) -> list[int]:
    """The lines of a module that build an SQL statement: a call of sqlmodel's or SQLAlchemy's
    select/update/delete/insert, by its imported name or through an imported module."""
    builders: set[str] = set()
    sql_modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in SQL_PACKAGES:
                    sql_modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SQL_PACKAGES):
            for alias in node.names:
                (builders if alias.name in QUERY_BUILDERS else sql_modules).add(
                    alias.asname or alias.name
                )
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = node.func
        if isinstance(called, ast.Name) and called.id in builders:
            lines.append(node.lineno)
        elif isinstance(called, ast.Attribute) and called.attr in QUERY_BUILDERS:
            root = called.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in sql_modules:
                lines.append(node.lineno)
    return sorted(lines)


def test_queries_are_built_only_in_the_services() -> None:
    services = PACKAGE / "services"
    outside = {
        str(path.relative_to(PACKAGE.parent)): found
        for path in _modules()
        if not path.is_relative_to(services) and (found := queries_built(_tree(path)))
    }
    assert not outside, (
        "SQL built outside dsf_app/services/ (move each query into a service function): "
        + ", ".join(f"{path} line {', '.join(map(str, lines))}" for path, lines in outside.items())
    )
