"""How the page states tell a person what happened: a product error (DSFError) becomes one
error toast with its sentence; success is a short toast. The one place errors meet the screen."""

from __future__ import annotations

from datetime import datetime

import reflex as rx

from dsf_app.errors import DSFError


def problem(exc: DSFError) -> rx.event.EventSpec:
    return rx.toast.error(str(exc), duration=8000)


def done(message: str) -> rx.event.EventSpec:
    return rx.toast.success(message, duration=3000)


def when(at: datetime) -> str:
    """A timestamp as a person reads it: `24 Nov 2026, 14:05 UTC`."""
    return at.strftime("%-d %b %Y, %H:%M UTC")
