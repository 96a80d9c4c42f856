"""Unpacking the downloaded tools: the Letta source distribution and npm packages (bun, axe-core)."""

from __future__ import annotations

import tarfile
from pathlib import Path


def extract(archive: Path, destination: Path) -> None:
    """Unpack `archive` into `destination`, through Python's `data` filter where it exists.

    The filter arrived in Python 3.11.4; Debian bookworm's 3.11.2 (the container image's Python)
    lacks it. Unfiltered adds no trust: the archives come from the package registries whose
    code the install runs anyway.
    """
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(destination, filter="data")
        else:
            tar.extractall(destination)
