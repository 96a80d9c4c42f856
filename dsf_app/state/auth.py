"""The signed-in person on the Reflex side, resolved on the backend from the HttpOnly session
cookie that the browser sent with the websocket handshake. The cookie never reaches the
browser's JavaScript, and the Reflex state never stores the token."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from dsf_app import image_sources
from dsf_app.auth import sessions
from dsf_app.auth.problems import describe
from dsf_app.auth.redirects import safe_next, signin_url
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, NotFound
from dsf_app.models import User
from dsf_app.services import users
from dsf_app.services.actor import Actor

SIGNED_OUT = (
    "You are not signed in, or your session has ended; sign in again at /signin to continue."
)


def session_token(state: rx.State) -> str | None:
    """The session token from the cookies of the connection that sent the current event."""
    return sessions.token_from_cookies(state.router.headers.cookie)


def current_actor(state: rx.State) -> Actor | None:
    """The person the current event comes from, or None when no valid session is attached."""
    token = session_token(state)
    if token is None:
        return None
    with session_scope() as db:
        return sessions.resolve(db, token)


def require_actor(state: rx.State) -> Actor:
    """The person the current event comes from; Forbidden when the session is missing, expired
    or revoked."""
    actor = current_actor(state)
    if actor is None:
        raise Forbidden(SIGNED_OUT)
    return actor


class ActsForPerson:
    """Mixin for state classes whose event handlers act for the signed-in person:

        class WorldState(ActsForPerson, rx.State):
            @rx.event
            def load(self):
                actor = self.actor()  # once per event, then pass it to every service call
                with session_scope() as db:
                    self.world = worlds.get_world(db, actor, self.world_id)...

    `actor()` reads the session cookie of the connection that sent this event and checks it in
    the database every time, so a session revoked elsewhere stops working at once. Call it once
    per event and pass the Actor down; never keep it in a state var. It raises Forbidden when
    nobody is signed in. A plain class (not an rx.State mixin), so `actor` is a method and not an
    event the browser could trigger.
    """

    def actor(self) -> Actor:
        return require_actor(self)  # type: ignore[arg-type]


def _signed_in_user(state: rx.State) -> User | None:
    token = session_token(state)
    if token is None:
        return None
    with session_scope() as db:
        actor = sessions.resolve(db, token)
        if actor is None:
            return None
        try:
            return users.get_user(db, actor.user_id)
        except NotFound:
            return None


def _initials(name: str, email: str) -> str:
    words = name.split() or [email.split("@")[0]]
    return "".join(word[0] for word in words[:2]).upper() or "?"


class AuthState(ActsForPerson, rx.State):
    """Who is signed in, for the top bar, and the guards that pages run on load."""

    user_name: str = ""
    user_email: str = ""
    user_image: str = ""
    user_initials: str = ""
    signed_in: bool = False
    signin_tab: str = "signin"

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
        # A provider's avatar host is shown only if the operator allows it (the initials else).
        image = (user.image or "") if user else ""
        self.user_image = image if image_sources.is_allowed_image(image) else ""
        self.user_initials = _initials(user.name, user.email) if user else ""

    @rx.event
    def require_session(self) -> rx.event.EventSpec | None:
        """on_load of every page but /signin: a signed-out visitor goes to sign in, and comes
        back to this page afterwards."""
        user = _signed_in_user(self)
        self._show(user)
        if user is None:
            url = self.router.url
            here = url.path + (f"?{url.query}" if url.query else "")
            return rx.redirect(signin_url(here), replace=True)
        return None

    @rx.event
    def prepare_signin(self) -> rx.event.EventSpec | None:
        """on_load of /signin: someone already signed in goes on to where they were going."""
        user = _signed_in_user(self)
        self._show(user)
        if user is not None:
            return rx.redirect(self.next_path, replace=True)
        mode = self.router.url.query_parameters.get("mode")
        self.signin_tab = "signup" if mode == "signup" else "signin"
        return None

    @rx.event
    def choose_tab(self, tab: str) -> None:
        self.signin_tab = "signup" if tab == "signup" else "signin"
