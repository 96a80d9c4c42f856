"""A tab's page state belongs to the sign-in session it was filled under (state/tab_owner.py):
it is reset when the tab reconnects under another session, and when that session ends;
otherwise it is kept. On a real Reflex state tree, without a browser."""

from __future__ import annotations

from reflex.event import Event
from reflex.istate.data import RouterData
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState, State

from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.services import users
from dsf_app.services.actor import Actor
from dsf_app.state.auth import AuthState
from dsf_app.state.canvas import CanvasState, SurfaceView
from dsf_app.state.chat import ChatState
from dsf_app.state.chat_rows import ChatItem
from dsf_app.state.search import HitRow, SearchState
from dsf_app.state.tab_owner import TabFollowsSession, forget_ended_session

RECONNECT = Event(name=f"{State.get_full_name()}.hydrate_and_load")
ADA, BO = "dsf_session=ada-token", "dsf_session=bo-token"


async def _tab(cookie: str) -> BaseState:
    """A tab's whole state tree, as Reflex's state manager makes it; its events come with
    `cookie`."""
    tab = await StateManagerMemory().get_state(BaseStateToken(ident="a-tab", cls=State))
    _connect(tab, cookie)
    return tab


def _connect(tab: BaseState, cookie: str) -> None:
    tab.router = RouterData.from_router_data({"headers": {"cookie": cookie}, "pathname": "/"})


async def _reconnect(tab: BaseState, cookie: str) -> None:
    _connect(tab, cookie)
    assert await TabFollowsSession().preprocess(None, tab, RECONNECT) is None  # pyright: ignore[reportArgumentType]  (the middleware does not use the app)


async def _fill_as_ada(tab: BaseState) -> None:
    search = await tab.get_state(SearchState)
    search.searched = "Quietwater"
    search.worlds = [HitRow("Quietwater", "world", "Ada's private harbour", "/worlds/1", "0.91")]
    chat = await tab.get_state(ChatState)
    chat.items = [ChatItem("m1", "user", "plan the harbour")]
    chat.draft, chat.queued, chat.busy = "unsent draft", ["queued message"], True
    canvas = await tab.get_state(CanvasState)
    canvas.inline = [SurfaceView("canvas-root", "inline", [{"type": "Text"}])]
    (await tab.get_state(AuthState)).user_name = "Ada Lovelace"


async def _shows_anything_of_ada(tab: BaseState) -> bool:
    search, chat = await tab.get_state(SearchState), await tab.get_state(ChatState)
    canvas, auth = await tab.get_state(CanvasState), await tab.get_state(AuthState)
    return any(
        [
            search.searched,
            search.worlds,
            chat.items,
            chat.draft,
            chat.queued,
            chat.busy,
            canvas.inline,
            auth.user_name,
        ]
    )


async def test_another_session_in_the_tab_gets_fresh_state() -> None:
    tab = await _tab(ADA)
    await _reconnect(tab, ADA)
    await _fill_as_ada(tab)

    await _reconnect(tab, BO)

    assert not await _shows_anything_of_ada(tab)


async def test_signing_out_empties_the_tab() -> None:
    tab = await _tab(ADA)
    await _reconnect(tab, ADA)
    await _fill_as_ada(tab)

    await _reconnect(tab, "")

    assert not await _shows_anything_of_ada(tab)


async def test_the_same_session_keeps_its_tab_and_other_events_change_nothing() -> None:
    tab = await _tab(ADA)
    await _reconnect(tab, ADA)
    await _fill_as_ada(tab)

    await _reconnect(tab, ADA)  # a page load, signed in as before
    assert await _shows_anything_of_ada(tab)
    _connect(tab, BO)
    await TabFollowsSession().preprocess(None, tab, Event(name="some.page.event"))  # pyright: ignore[reportArgumentType]  (the middleware does not use the app)
    assert await _shows_anything_of_ada(tab)


async def test_a_session_that_ended_empties_the_tab() -> None:
    tab = await _tab(ADA)
    await _reconnect(tab, ADA)
    await _fill_as_ada(tab)

    await forget_ended_session(tab)  # what the page guards do when the session has ended

    assert not await _shows_anything_of_ada(tab)


async def test_a_page_load_after_the_session_was_revoked_empties_the_tab(person: Actor) -> None:
    with session_scope() as db:
        cookie = f"dsf_session={sessions.create_session(db, users.get_user(db, person.user_id))}"
    tab = await _tab(cookie)
    await _reconnect(tab, cookie)
    await _fill_as_ada(tab)
    with session_scope() as db:
        sessions.revoke_all(db, person.user_id)  # "Sign out everywhere", from another device

    auth = await tab.get_state(AuthState)
    to_sign_in = await AuthState.require_session.fn(auth)  # the guard of the next page load

    assert to_sign_in is not None
    assert not await _shows_anything_of_ada(tab)
