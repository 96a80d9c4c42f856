"""A gate a fake server waits at, so a test can hold a vendor's answer at a known point (a model
stream half-written, an image not yet returned) and let it go when it chooses — no sleeps."""

from __future__ import annotations

import threading

# A held answer never waits longer than this, so a forgotten gate cannot hang a test run.
MAX_HOLD_SECONDS = 120.0


class Gate:
    """Closed until `open()`; `reached` is set when a server arrives at it."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._reached = threading.Event()

    def pass_through(self) -> None:
        """Called by the fake server: note the arrival, then wait until the test opens the gate."""
        self._reached.set()
        self._open.wait(MAX_HOLD_SECONDS)

    def wait_reached(self, timeout: float = 60.0) -> None:
        """Block until a server is held at the gate; fail the test if it never gets there."""
        if not self._reached.wait(timeout):
            raise TimeoutError(f"nothing reached the gate within {timeout:.0f} s")

    def open(self) -> None:
        self._open.set()

    @property
    def is_reached(self) -> bool:
        return self._reached.is_set()
