"""The dependency set has one source, pyproject.toml, locked in uv.lock: requirements.txt is the
lock's export (what the image installs), and every package the code imports is declared in the
group that installs it where the code runs."""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dsf_app.devstack.pyinstall import APP_EXPORT, APP_REQUIREMENTS, export_command
from tests.source_imports import OWN, ROOT, Imported, imports, relative
from tests.test_licences import readme_rows

EXPORT = f".venv/bin/uv export {' '.join(APP_EXPORT)} -o requirements.txt"
# Who may import what: the app only its own packages, the local services' code (devstack) those
# of the `stack` group too, the tests, benchmarks and scripts every group but the checks' tools.
ALLOWED_GROUPS = {
    "dsf_app/devstack/": ("project", "stack"),
    "dsf_app/": ("project",),
    "alembic/": ("project",),
    "rxconfig.py": ("project",),
    "": ("project", "stack", "test"),
}


def declared() -> dict[str, set[str]]:
    """The packages pyproject.toml declares: `project` (the app's) and one entry per group."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = {"project": pyproject["project"]["dependencies"], **pyproject["dependency-groups"]}
    return {
        group: {canonicalize_name(Requirement(line).name) for line in lines}
        for group, lines in groups.items()
    }


def file_owners() -> dict[str, str]:
    """Each installed file (relative to its site-packages) -> the package that installed it."""
    owners: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        owners.update((file.as_posix(), name) for file in dist.files or [])
    return owners


def providing_package(found: Imported, owners: dict[str, str]) -> str | None:
    """The installed package whose files hold what an import reaches (the deepest module of
    it that one does: `from google import genai` is google-genai, not google-auth)."""
    parts = [*found.module.split("."), *([found.name] if found.name else [])]
    suffixes = importlib.machinery.all_suffixes()
    for depth in range(len(parts), 0, -1):
        stem = "/".join(parts[:depth])
        for candidate in (f"{stem}/__init__{suffix}" for suffix in suffixes):
            if candidate in owners:
                return owners[candidate]
        for candidate in (f"{stem}{suffix}" for suffix in suffixes):
            if candidate in owners:
                return owners[candidate]
    return None


def test_requirements_txt_is_the_locks_export(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    run = subprocess.run(
        export_command(("--quiet", *APP_EXPORT), "requirements.txt"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, (
        f"uv.lock does not hold what pyproject.toml declares ({run.stderr.strip()}); run "
        f"`.venv/bin/uv lock`, then `{EXPORT}`."
    )
    assert (tmp_path / "requirements.txt").read_text() == APP_REQUIREMENTS.read_text(), (
        f"requirements.txt is not the export of uv.lock; run `{EXPORT}`."
    )


def test_every_imported_package_is_declared_where_the_code_runs() -> None:
    groups = declared()
    owners = file_owners()
    wrong: list[str] = []
    for found in imports():
        top = found.module.split(".")[0]
        if top in sys.stdlib_module_names or top in OWN:
            continue
        where = relative(found.path)
        allowed = next(
            groups for prefix, groups in ALLOWED_GROUPS.items() if where.startswith(prefix)
        )
        package = providing_package(found, owners)
        if package is None:
            wrong.append(f"{where} imports {found.module}, which no installed package provides")
        elif not any(package in groups[group] for group in allowed):
            wrong.append(f"{where} imports {found.module} ({package}), not declared in {allowed}")
    assert not wrong, (
        "Declare every package the code imports in pyproject.toml (the app's in [project], the "
        "local services' in the `stack` group, the tests' in `test`), then run `.venv/bin/uv "
        f"lock` and `{EXPORT}`: {sorted(set(wrong))}"
    )


def test_the_readme_says_why_each_declared_package_is_there() -> None:
    explained = {canonicalize_name(package) for row in readme_rows() for package in row.packages}
    missing = sorted(name for names in declared().values() for name in names - explained)
    assert not missing, (
        f"README.md's Dependencies table does not say why these are declared: {missing}"
    )
