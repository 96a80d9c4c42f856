"""Files from a package on the npm registry, fetched with `npm pack` and unpacked (no
node_modules, no install scripts run): how the project gets bun and, for the tests, axe-core."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dsf_app.devstack import archives
from dsf_app.errors import ServiceUnavailable


def fetch_file(spec: str, member: str, target: Path) -> Path:
    """Put the file `member` (a path inside the package, e.g. `bin/bun`) of the npm package
    `spec` (`name@version`) at `target`, unless it is there already."""
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ServiceUnavailable(
            f"npm is not installed, and {spec} comes from the npm registry — install Node.js."
        )
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            [npm, "pack", spec, "--silent"], cwd=scratch, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise ServiceUnavailable(
                f"Could not fetch {spec} from the npm registry: {result.stderr.strip()}"
            )
        archive = Path(scratch) / result.stdout.strip().splitlines()[-1]
        archives.extract(archive, Path(scratch))
        target.parent.mkdir(parents=True, exist_ok=True)
        # Moved in last, so a half-fetched file is never taken for a whole one.
        shutil.move(str(Path(scratch) / "package" / member), target)
    return target
