"""`data-loaded` on a panel that loads its own content: "true" once its load event ran for the
connection showing it. A tab keeps its state across a reload, so until then the panel shows
what it held before; a check that something is absent after a reload waits for this first."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def loaded_marker(loaded_for: Var[str]) -> dict[str, Var[bool]]:
    """The attribute, from the state's `loaded_for` (the socket id its load ran under)."""
    return {"data-loaded": (loaded_for != "") & (loaded_for == rx.State.router.session.session_id)}
