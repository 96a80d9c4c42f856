"""The signed-in person on the Reflex side, resolved on the backend from the HttpOnly session
cookie that the browser sent with the websocket handshake. The cookie never reaches the
browser's JavaScript, and the Reflex state never stores the token."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlencode

import reflex as rx
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from dsf_app import image_sources, pools
from dsf_app.auth import sessions
from dsf_app.auth.problems import describe
from dsf_app.auth.redirects import safe_next, signin_url
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, NotFound, ServiceUnavailable
from dsf_app.models import User
from dsf_app.services import invitations, users
from dsf_app.services.actor import Actor
from dsf_app.state.tab_owner import forget_ended_session

if TYPE_CHECKING:
    from reflex.istate.data import RouterData

P = ParamSpec("P")
T = TypeVar("T")

SIGNED_OUT = (
    "You are not signed in, or your session has ended; sign in again at /signin to continue."
)
DATABASE_DOWN = (
    "The database did not answer just now, so nothing was changed; try again in a moment."
)


def session_token(state: rx.State) -> str | None:
    """The session token from the cookies of the connection that sent the current event."""
    return sessions.token_from_cookies(state.router.headers.cookie)


class SignedOut(Forbidden):
    """No valid session came with the event: nobody is signed in, or the session ended."""


def _resolve(token: str | None) -> Actor | None:
    with session_scope() as db:
        return sessions.resolve(db, token)


def current_actor(state: rx.State) -> Actor | None:
    """The person the current event comes from, or None when no valid session is attached.
    Synchronous (a database lookup on the calling thread): page states use
    `ActsForPerson.act` instead."""
    return _resolve(session_token(state))


def _as_person(
    token: str,
    work: Callable[Concatenate[Session, Actor, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """In a worker thread: resolve the person and do `work` in the same short session."""
    try:
        with session_scope() as db:
            actor = sessions.resolve(db, token)
            if actor is None:
                raise SignedOut(SIGNED_OUT)
            return work(db, actor, *args, **kwargs)
    except OperationalError as exc:
        raise ServiceUnavailable(DATABASE_DOWN) from exc


class ActsForPerson:
    """Mixin for state classes whose event handlers act for the signed-in person:

        class WorldPageState(ActsForPerson, rx.State):
            @rx.event
            @shows_problems
            async def set_visibility(self, value: str):
                await self.act(worlds.set_visibility, self._shown_world(), value)
                yield done("Saved.")

    `act(work, *args)` runs `work(session, actor, *args)` on an event thread (pools.py: a pool
    of its own, which heavy work never takes), in one short
    session that first resolves the person from the session cookie of the connection that sent
    this event — so the event loop never waits on the database, and a session revoked elsewhere
    stops working at once. It raises SignedOut when nobody is signed in, and ServiceUnavailable
    when the database cannot be reached; `shows_problems` (state/feedback.py) turns either into
    the page's toast. A plain class (not an rx.State mixin), so its methods are not events the
    browser could trigger.
    """

    if TYPE_CHECKING:
        router: RouterData

    async def act(
        self,
        work: Callable[Concatenate[Session, Actor, P], T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        token = self._session_token()
        if token is None:
            raise SignedOut(SIGNED_OUT)
        return await pools.in_event_thread(_as_person, token, work, *args, **kwargs)

    async def person(self) -> Actor:
        """The acting person, looked up in a worker thread; for work that must know who asks
        before it starts (an upload is not read for someone signed out)."""
        return await pools.in_event_thread(self.actor)

    def actor(self) -> Actor:
        """The acting person, looked up on the calling thread (the chat's background turn)."""
        actor = _resolve(self._session_token())
        if actor is None:
            raise SignedOut(SIGNED_OUT)
        return actor

    def _session_token(self) -> str | None:
        return sessions.token_from_cookies(self.router.headers.cookie)


def _signed_in_user(token: str | None) -> User | None:
    """The signed-in person, who takes up any invitation to their email here once the address
    is verified (every sign-up and sign-in ends on a page that asks this)."""
    if token is None:
        return None
    with session_scope() as db:
        actor = sessions.resolve(db, token)
        if actor is None:
            return None
        try:
            user = users.get_user(db, actor.user_id)
        except NotFound:
            return None
        invitations.accept(db, user)
        return user


# What the sign-in page shows: its two tabs, or the form a link or "Forgot password?" opens.
SIGNIN_MODES = ("signin", "signup", "forgot", "reset", "link")
LINK_MODES = ("reset", "link")


def _initials(name: str, email: str) -> str:
    words = name.split() or [email.split("@")[0]]
    return "".join(word[0] for word in words[:2]).upper() or "?"


class AuthState(ActsForPerson, rx.State):
    """Who is signed in, for the top bar, and the guards that pages run on load."""

    user_name: rx.Field[str] = rx.field("")
    user_email: rx.Field[str] = rx.field("")
    user_image: rx.Field[str] = rx.field("")
    user_initials: rx.Field[str] = rx.field("")
    signed_in: rx.Field[bool] = rx.field(False)
    email_verified: rx.Field[bool] = rx.field(True)
    signin_tab: rx.Field[str] = rx.field("signin")

    @rx.var
    def next_path(self) -> str:
        """Where the sign-in page sends the person afterwards (only paths on this site)."""
        return safe_next(self.router.url.query_parameters.get("next"))

    @rx.var
    def next_query(self) -> str:
        """`next=<next_path>` encoded for a URL, for the OAuth buttons."""
        return urlencode({"next": self.next_path})

    @rx.var
    def problem(self) -> str:
        """The sentence for the problem code in the sign-in page's URL, or ""."""
        params = self.router.url.query_parameters
        retry = params.get("retry", "")
        return describe(
            params.get("error"),
            retry_minutes=int(retry) if retry.isdigit() else None,
            provider=params.get("provider"),
        )

    def _show(self, user: User | None) -> None:
        self.signed_in = user is not None
        self.user_name = user.name if user else ""
        self.user_email = user.email if user else ""
        self.email_verified = user.email_verified if user else True
        # A provider's avatar host is shown only if the operator allows it (the initials else).
        image = (user.image or "") if user else ""
        self.user_image = image if image_sources.is_allowed_image(image) else ""
        self.user_initials = _initials(user.name, user.email) if user else ""

    @rx.event
    async def require_session(self) -> rx.event.EventSpec | None:
        """on_load of every page but /signin: a signed-out visitor goes to sign in, and comes
        back to this page afterwards."""
        user = await pools.in_event_thread(_signed_in_user, session_token(self))
        self._show(user)
        if user is None:
            await forget_ended_session(self)
            url = self.router.url
            here = url.path + (f"?{url.query}" if url.query else "")
            return rx.redirect(signin_url(here), replace=True)
        return None

    @rx.event
    async def prepare_signin(self) -> rx.event.EventSpec | None:
        """on_load of /signin: someone already signed in goes on to where they were going."""
        user = await pools.in_event_thread(_signed_in_user, session_token(self))
        self._show(user)
        mode = self.router.url.query_parameters.get("mode", "")
        # A link from a mail (a new password, a sign-in) serves whoever holds it, signed in or not.
        if user is not None and mode not in LINK_MODES:
            return rx.redirect(self.next_path, replace=True)
        if user is None:
            await forget_ended_session(self)
        self.signin_tab = mode if mode in SIGNIN_MODES else "signin"
        return None

    @rx.event
    def choose_tab(self, tab: str) -> None:
        self.signin_tab = tab if tab in SIGNIN_MODES else "signin"
