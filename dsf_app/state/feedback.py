"""How the page states tell a person what happened: a product error (DSFError) becomes one
error toast with its sentence; success is a short toast. The one place errors meet the screen.

Toasts travel as data (`FeedbackState.notices`), not as code: Reflex's own `rx.toast` from the
backend sends a JavaScript string that the browser must `eval`, which the Content-Security-Policy
forbids. `components/toasts.py` shows each new notice once per tab."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import reflex as rx
from reflex.event import EventSpec

from dsf_app.errors import DSFError

log = logging.getLogger(__name__)

KEPT_NOTICES = 5
MAX_NOTICE_CHARS = 600
DURATIONS = {"error": 8000, "success": 3000, "info": 6000}
UNEXPECTED = "Something went wrong on our side; try again, or contact the website administrator."


@dataclass(frozen=True)
class Notice:
    id: str
    level: str
    message: str
    duration: int


class FeedbackState(rx.State):
    """The last few notices of this tab; the page shows each new one as a toast."""

    notices: list[Notice] = []

    @rx.event
    def show(self, level: str, message: str) -> None:
        kind = level if level in DURATIONS else "info"
        notice = Notice(uuid.uuid4().hex, kind, str(message)[:MAX_NOTICE_CHARS], DURATIONS[kind])
        self.notices = [*self.notices[-(KEPT_NOTICES - 1) :], notice]


def problem(exc: DSFError) -> EventSpec:
    return FeedbackState.show("error", str(exc))


def done(message: str) -> EventSpec:
    return FeedbackState.show("success", message)


def notice(message: str) -> EventSpec:
    return FeedbackState.show("info", message)


def unexpected(exception: Exception) -> EventSpec:
    """The app's backend exception handler, in place of Reflex's (whose toast is eval'd code):
    the error goes to the log, the person gets a sentence."""
    log.error("An event handler failed", exc_info=exception)
    return FeedbackState.show("error", UNEXPECTED)


def when(at: datetime) -> str:
    """A timestamp as a person reads it: `24 Nov 2026, 14:05 UTC`."""
    return at.strftime("%-d %b %Y, %H:%M UTC")
