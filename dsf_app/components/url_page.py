"""What a page named by its URL shows: loading, its content, or "not found"."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from dsf_app.state.url_page import UrlPage


def is_current(state: type[UrlPage]) -> Var[bool]:
    """True once the state holds what the URL in the browser names, loaded."""
    return ~state.loading & (state.loaded_path == rx.State.router.url.path)


def url_page_view(
    state: type[UrlPage], *, loading: rx.Component, found: rx.Component, not_found: rx.Component
) -> rx.Component:
    return rx.cond(is_current(state), rx.cond(state.found, found, not_found), loading)
