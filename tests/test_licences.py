"""DSF is Apache-2.0 (LICENSE), so nothing it ships or tests with may be GPL or AGPL (LGPL is
fine): every package in requirements.txt and every package those depend on, as their installed
metadata declares it."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
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


def _requirements() -> list[Requirement]:
    lines = (line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether a requirement holds here, for a package installed with these extras."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def installed_closure() -> dict[str, importlib.metadata.Distribution]:
    """Every distribution requirements.txt installs, by name, with everything it depends on."""
    found: dict[str, importlib.metadata.Distribution] = {}
    extras_of: dict[str, set[str]] = {}
    pending = [(requirement, set(requirement.extras)) for requirement in _requirements()]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found and extras <= extras_of[name]:
            continue
        extras_of[name] = extras_of.get(name, set()) | extras
        try:
            found[name] = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as missing:
            raise AssertionError(
                f"{requirement.name} is required but not installed; run ./test.sh, which "
                "installs requirements.txt."
            ) from missing
        pending += [
            (needed, set(needed.extras))
            for needed in map(Requirement, found[name].requires or [])
            if _applies(needed, extras_of[name])
        ]
    return found


def test_no_dependency_is_gpl_or_agpl() -> None:
    closure = installed_closure()
    assert {"reflex", "pydantic-core", "pytest"} <= closure.keys()
    undeclared = sorted(name for name, dist in closure.items() if not licences(dist))
    assert not undeclared, f"These packages declare no licence; check theirs by hand: {undeclared}"
    copyleft_ones = {
        f"{dist.metadata['Name']} {dist.version}": found
        for dist in closure.values()
        if (found := [licence for licence in licences(dist) if copyleft(licence)])
    }
    assert not copyleft_ones, (
        "DSF is Apache-2.0 and cannot depend on GPL or AGPL packages; replace these (and their "
        f"line in requirements.txt) with ones under a permissive or LGPL licence: {copyleft_ones}"
    )


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
