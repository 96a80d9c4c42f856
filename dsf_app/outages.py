"""What a person is told when a page event fails because a store it needs is down.

Reflex keeps every tab's page state in Redis when several workers share it; with Redis gone,
no event of any page can run. Instead of Reflex's "Contact the website administrator", the
person reads what happened and that nothing they saved is lost. Other failures keep Reflex's
own handler (which logs the traceback).
"""

from __future__ import annotations

import logging

import redis
import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

log = logging.getLogger(__name__)

PAGE_STORE_DOWN = (
    "That did not go through: the server's page store (Redis) is not answering. "
    "Everything you saved is kept — try again in a moment."
)


def explain(exception: Exception) -> EventSpec:
    if isinstance(exception, redis.ConnectionError | redis.TimeoutError):
        log.warning("page event failed, Redis is down: %s", exception)
        return rx.toast.error(PAGE_STORE_DOWN, id="page-store-down", duration=10_000)
    return default_backend_exception_handler(exception)
