"""`python -m dsf_app.devstack.serve ARGS` is `reflex run ARGS`, except that granian replaces a
backend worker that dies (a kill -9, the kernel's out-of-memory killer, a crash in a native
library) while the other workers keep serving, instead of stopping the whole app.

Reflex builds granian's server without `respawn_failed_workers`, and granian reads
GRANIAN_RESPAWN_FAILED_WORKERS only in its own command line, so this runs Reflex's own `run`
command unchanged (the frontend build, the app preloaded before the workers fork, the app
target) with granian's server class swapped for one that respawns. Granian still exits when a
respawned worker dies again within a few seconds (a crash loop), rather than respawning forever.
Reflex's JSON log mode (REFLEX_LOG_JSON) would re-run itself as `python -m reflex` and lose the
swap; DSF does not turn it on.
"""

from __future__ import annotations

from typing import Any

import granian.server
from granian.server import MPServer
from reflex.reflex import cli


class RespawningServer(MPServer):
    """Granian's multi-process server (what `granian.server.Server` is on CPython with a GIL),
    replacing a worker that exits unasked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "respawn_failed_workers": True})


def main() -> None:
    granian.server.Server = RespawningServer
    cli(prog_name="reflex")


if __name__ == "__main__":
    main()
