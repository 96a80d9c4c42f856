"""The shared life of a page whose content is named by its URL (a world, a story, a gallery):
loading it for the signed-in person, reloading it after an agent changed it, and the "not
found" state when the URL names nothing the person may see."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import reflex as rx
from sqlmodel import Session

from dsf_app.errors import DSFError
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, SignedOut
from dsf_app.state.feedback import shows_problems
from dsf_app.state.routes import route_ids

P = ParamSpec("P")
T = TypeVar("T")


class UrlPage(ActsForPerson, rx.State, mixin=True):
    """Mixin: `load` (on_load) and `reload` (after an agent changed what the page shows) call
    the page's `_fetch`, which reads through `_look_up`.

    `loaded_path` lets the page tell, in the browser, that the content it holds was loaded for
    another URL. After client-side navigation the page renders from the state it had before the
    new page's first event reaches the backend; without this check it would show the previous
    world for a moment, with live buttons."""

    loading: rx.Field[bool] = rx.field(True)
    found: rx.Field[bool] = rx.field(False)
    loaded_path: rx.Field[str] = rx.field("")

    @rx.event
    @shows_problems
    async def load(self):
        """on_load: what the URL names, from its start, or the "not found" state."""
        self.loading, self.found = True, False
        self.loaded_path = self.router.url.path
        self._reset()
        yield
        await self._fetch(initial=True)

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        """After an agent changed what the page shows: the same view again, if it still
        shows what the URL names."""
        await self._fetch(initial=False)

    def _reset(self) -> None:
        """Clear what a fresh load starts from (the page, the branch, an open dialog…)."""

    async def _fetch(self, *, initial: bool) -> None:
        raise NotImplementedError

    def _forget(self) -> None:
        """Drop what names the shown content, so no button acts on it."""
        raise NotImplementedError

    def _route(self) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(world_id, story_id) named by the URL."""
        return route_ids(self.router.url.path)

    def _to_fetch(self, named: uuid.UUID | None, shown: str, *, initial: bool) -> uuid.UUID | None:
        """`named` (the id in the URL), or None (and done loading) when there is nothing to
        fetch: the URL names nothing, or a reload finds the page showing another thing than
        `shown` by now."""
        if named is None or (not initial and str(named) != shown):
            self.loading = False
            return None
        return named

    async def _look_up(
        self,
        initial: bool,
        work: Callable[Concatenate[Session, Actor, P], T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """`work` for the page's content, or None. A product error leaves the page "not found";
        on a reload (the page was showing the content) it is raised, so the person is told why
        the content went away. Nobody signed in: None (the page redirects to sign-in)."""
        try:
            return await self.act(work, *args, **kwargs)
        except SignedOut:
            self.loading = False
            return None
        except DSFError:
            self.loading, self.found = False, False
            self._forget()
            if initial:
                return None
            raise
