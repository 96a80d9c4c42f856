"""Every import statement in the repository's Python code, read from the source (inside functions
and type-checking blocks too), for the tests of what the code may import."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The code DSF runs, tests and benchmarks with; rxconfig.py is Reflex's configuration of the app.
SOURCES = ("dsf_app", "tests", "bench", "alembic", "scripts", "rxconfig.py")
# DSF's own top-level modules (alembic/ holds migrations, not a package: `alembic` is Alembic).
OWN = {"dsf_app", "tests", "bench", "scripts", "rxconfig"}


@dataclass(frozen=True)
class Imported:
    """One module an import statement reaches: `import a.b` gives `a.b`, `from a import b` gives
    `a.b` (b may be a module or a name in `a`; `name` keeps it)."""

    path: Path
    module: str
    name: str | None


def files() -> Iterator[Path]:
    for source in SOURCES:
        top = ROOT / source
        paths = [top] if top.is_file() else sorted(top.rglob("*.py"))
        yield from (path for path in paths if "__pycache__" not in path.parts)


def imports() -> Iterator[Imported]:
    """Every absolute import of every file in SOURCES."""
    for path in files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                yield from (Imported(path, alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                yield from (Imported(path, node.module, alias.name) for alias in node.names)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()
