"""Whose page state a browser tab holds. Reflex keeps a tab's state under a token in the tab's
sessionStorage, which outlives signing out and signing in again in that tab; so the state
remembers the sign-in session it was filled under, and the whole tab starts afresh — search,
drafts, chat, queued messages, canvas — when it is opened under another session (signed out,
or signed in as someone else) or its session ended (expired, revoked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import reflex as rx
from reflex.event import Event
from reflex.middleware.middleware import Middleware
from reflex.state import BaseState, StateUpdate

from dsf_app.auth import sessions

if TYPE_CHECKING:
    from reflex.app import App

# The event a tab sends when it (re)connects, before it is sent its state.
HYDRATE_EVENTS = frozenset(
    f"{rx.State.get_full_name()}.{handler}" for handler in ("hydrate", "hydrate_and_load")
)


class TabOwner(rx.State):
    """The sign-in session this tab's page state was filled under."""

    # The hash of the session's token ("" when the tab came without one).
    _session: str = ""
    # Whether the tab was emptied because that session ended, so it is emptied only once.
    _ended: bool = False


def tab_session(state: BaseState) -> str:
    """The hash of the session token the current event came with ("" without one)."""
    token = sessions.token_from_cookies(state.router.headers.cookie)
    return sessions.token_hash(token) if token else ""


async def fresh_tab(state: BaseState, session: str) -> None:
    """Every page state of the tab back to its defaults, now filled under `session`."""
    root = state._get_root_state()
    for state_class in root.get_substates():
        (await root.get_state(state_class)).reset()
    owner = await root.get_state(TabOwner)
    owner._session = session


async def forget_ended_session(state: BaseState) -> None:
    """The page guards found that the tab's session signs nobody in any more: the tab is
    emptied (once) of what was filled under it."""
    owner = await state.get_state(TabOwner)
    if owner._session and not owner._ended:
        await fresh_tab(state, owner._session)
        owner._ended = True


class TabFollowsSession(Middleware):
    """When a tab (re)connects — after every page load, so after signing in or out — and its
    session is not the one its state was filled under, the state is reset before it is sent
    to the browser."""

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        if event.name in HYDRATE_EVENTS:
            session = tab_session(state)
            owner = await state.get_state(TabOwner)
            if owner._session != session:
                await fresh_tab(state, session)
        return None
