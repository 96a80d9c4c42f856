"""The import graph keeps its layers: pages → components → state → agents/auth/evaluators →
services → the domain modules → models → the base. A module may import its own layer and those
below it, never one above; so the canvas domain, the services, the models and the agents never
reach the page states or the UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dsf_app"
# Top to bottom. The edges that wire everything together (dsf_app.py, http_routes,
# assets_route, run_export_route, health, security_headers, devstack, admin) sit above all layers
# and are not listed. The evaluators sit with the agents: their tools call them, and they ask
# the agents' model.
LAYERS: list[set[str]] = [
    {"pages"},
    {"components"},
    {"state"},
    {"agents", "auth", "evaluators"},
    {"services"},
    {"canvas", "epub", "images", "image_sources", "embeddings", "storage", "world_schema"},
    {"workers"},
    {"models"},
    {"db", "errors", "settings", "telemetry", "logs", "choices", "pools"},
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str | None:
    """The top-level part of dsf_app a dotted module name is in (dsf_app.state.x -> state)."""
    names = module.split(".")
    return names[1] if names[0] == "dsf_app" and len(names) > 1 else None


def _imports(path: Path) -> set[str]:
    """The dsf_app parts a module imports, anywhere in it (type-checking blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {part for alias in node.names if (part := _part(alias.name))}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "dsf_app":
                found |= {alias.name for alias in node.names}
            elif part := _part(node.module):
                found.add(part)
    return found


def _layered_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if part in RANK:
            modules.append((part, path))
    return modules


@pytest.mark.parametrize(
    ("part", "path"), _layered_modules(), ids=lambda value: getattr(value, "name", value)
)
def test_no_module_imports_a_layer_above_its_own(part: str, path: Path) -> None:
    above = sorted(
        imported for imported in _imports(path) if imported in RANK and RANK[imported] < RANK[part]
    )
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
        "admin",
        "visitors",
        "__init__",
    }
    parts = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in PACKAGE.glob("*")}
    parts -= {"__pycache__"}
    assert parts - set(RANK) - edges == set(), "place the new part of dsf_app in LAYERS"
