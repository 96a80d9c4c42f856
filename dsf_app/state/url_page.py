"""The loading/found flags of a page whose content is named by its URL (a world, a story, a
gallery), and the path the content was loaded for."""

from __future__ import annotations

import reflex as rx


class UrlPage(rx.State, mixin=True):
    """Mixin: `loaded_path` lets the page tell, in the browser, that the content it holds was
    loaded for another URL. After client-side navigation the page renders from the state it
    had before the new page's first event reaches the backend; without this check it would
    show the previous world for a moment, with live buttons."""

    loading: bool = True
    found: bool = False
    loaded_path: str = ""

    def _start_loading(self) -> None:
        self.loading, self.found = True, False
        self.loaded_path = self.router.url.path
