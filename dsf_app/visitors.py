"""Page state only for signed-in tabs, and bounded events for everyone.

Reflex keeps a page-state tree per tab token for an hour (in memory, on disk or in Redis), and
any client can open a socket under a fresh random token. So a tab whose socket came without a
live session (a visitor, on the sign-in page or bounced to it) has its page state kept apart:
in this worker's memory only while its socket is open, never in the app's state manager, and
dropped when the socket closes. A visitor's events may carry at most VISITOR_EVENT_BYTES (the
sign-in page's own events carry a few bytes; its forms post to /auth/* over plain HTTP), and a
signed-in tab's at most DSF_MAX_EVENT_BYTES; a larger event is refused with a sentence before
it reaches any state.

`keep_visitors_apart(app)` wires this into the app's state manager and event socket by
extending their classes in place (the manager stays the Redis, disk or memory manager it was,
which Reflex checks by type).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs

import reflex as rx
from reflex.app import EventNamespace
from reflex.istate.manager import StateManager
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken, StateToken
from reflex.state import State, StateUpdate
from sqlalchemy.exc import OperationalError

from dsf_app import pools
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.settings import get_settings
from dsf_app.state.feedback import stateless_delta

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

log = logging.getLogger(__name__)

VISITOR_EVENT_BYTES = 2048
# A visitor tab idle this long starts afresh from its page (a safety net: its state goes when
# its socket closes).
VISITOR_IDLE_SECONDS = 600
SIGN_IN_FIRST = "Sign in to do that; this page takes nothing but the sign-in form until you do."
TOO_LARGE = (
    "That was too much to send at once ({size:,} KB; one action may carry at most {cap:,} KB), "
    "so nothing was changed; send it in smaller parts."
)


class Visitors:
    """This worker's visitor tabs: their socket ids, their tokens, and their page state. A
    token stays a visitor's for VISITOR_IDLE_SECONDS after its socket closed, so an event
    still running for it then (a chained or background event) cannot put state in the app's
    state manager; what such an event leaves expires with the visitors' own states."""

    def __init__(self) -> None:
        self.states = StateManagerMemory(token_expiration=VISITOR_IDLE_SECONDS)
        self.sockets: set[str] = set()
        self._tokens: dict[str, str] = {}  # client token -> the visitor socket holding it
        self._departed: dict[str, float] = {}  # client token -> when its socket closed

    def holds(self, token: str) -> bool:
        return token in self._tokens or token in self._departed

    def enter(self, token: str, sid: str) -> None:
        self._departed.pop(token, None)
        self._tokens[token] = sid
        self._forget_departed()

    def forget(self, token: str) -> None:
        """A signed-in socket took the token over (the tab signed in): its visitor state goes."""
        self._departed.pop(token, None)
        if self._tokens.pop(token, None) is not None:
            self._drop(token)

    def leave(self, token: str, sid: str) -> None:
        """The visitor socket `sid` closed: its state goes, unless another socket holds the
        token now."""
        if self._tokens.get(token) == sid:
            del self._tokens[token]
            self._departed[token] = time.monotonic()
            self._drop(token)

    def _forget_departed(self) -> None:
        """Tokens whose sockets closed long enough ago are nobody's (oldest first)."""
        cutoff = time.monotonic() - VISITOR_IDLE_SECONDS
        while self._departed:
            token, left = next(iter(self._departed.items()))
            if left > cutoff:
                return
            del self._departed[token]

    def _drop(self, token: str) -> None:
        self.states._purge_token(BaseStateToken(ident=token, cls=State))


def _cookie_header(environ: dict[str, Any]) -> str:
    """The Cookie header of a socket's handshake (several Cookie fields joined, as HTTP/2 may
    send them)."""
    headers: list[tuple[bytes, bytes]] = environ.get("asgi.scope", {}).get("headers", [])
    return "; ".join(value.decode("latin-1") for name, value in headers if name == b"cookie")


def _signed_in(cookie_header: str) -> bool:
    """Whether the cookies carry a live session (an event thread's work: one lookup)."""
    token = sessions.token_from_cookies(cookie_header)
    if token is None:
        return False
    try:
        with session_scope() as db:
            return sessions.resolve(db, token) is not None
    except OperationalError:
        log.warning("The database did not answer a socket's sign-in check; treated as a visitor")
        return False


def _payload_bytes(data: Any) -> int:
    payload = data.get("payload") if isinstance(data, dict) else data
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return len(text.encode())


class _VisitorStatesApart(StateManager):
    """Mixed into the app's state manager: visitor tokens' state lives in `Visitors.states`."""

    _visitors: Visitors

    def _manager_for(self, token: StateToken[Any] | str) -> StateManager | None:
        ident = self._coerce_token(token).ident
        return self._visitors.states if self._visitors.holds(ident) else None

    def modify_state(
        self, token: StateToken[Any] | str, **context: Any
    ) -> AbstractAsyncContextManager[Any]:
        if (visitors := self._manager_for(token)) is not None:
            return visitors.modify_state(self._coerce_token(token), **context)
        return super().modify_state(token, **context)

    async def get_state(self, token: StateToken[Any] | str, **context: Any) -> Any:
        if (visitors := self._manager_for(token)) is not None:
            return await visitors.get_state(self._coerce_token(token))
        return await super().get_state(token, **context)

    async def set_state(self, token: StateToken[Any] | str, state: Any, **context: Any) -> None:
        if (visitors := self._manager_for(token)) is not None:
            return await visitors.set_state(self._coerce_token(token), state)
        return await super().set_state(token, state, **context)


class _SignedInSockets(EventNamespace):
    """Mixed into the app's event socket: tells visitors' sockets apart as they connect, bounds
    every event's size, and drops a visitor's state when its socket closes."""

    _visitors: Visitors

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        if not await pools.in_event_thread(_signed_in, _cookie_header(environ)):
            self._visitors.sockets.add(sid)
        tokens = parse_qs(environ.get("QUERY_STRING", "")).get("token", [])[:1]
        for token in tokens:
            self._claim(sid, token)
        try:
            await super().on_connect(sid, environ, auth)
        except BaseException:
            # A refused connect never reaches on_disconnect.
            for token in tokens:
                self._visitors.leave(token, sid)
            self._visitors.sockets.discard(sid)
            raise

    async def link_token_to_sid(self, sid: str, token: str, *, update_state: bool = True) -> None:
        await super().link_token_to_sid(sid, token, update_state=update_state)
        if (linked := self.sid_to_token.get(sid)) is not None and linked != token:
            self._claim(sid, linked)  # a duplicated tab was given a token of its own

    def _claim(self, sid: str, token: str) -> None:
        if sid in self._visitors.sockets:
            self._visitors.enter(token, sid)
        else:
            self._visitors.forget(token)

    async def on_event(self, sid: str, data: Any) -> None:
        visitor = sid in self._visitors.sockets
        cap = VISITOR_EVENT_BYTES if visitor else get_settings().max_event_bytes
        size = _payload_bytes(data)
        if size > cap:
            if (token := self.sid_to_token.get(sid)) is not None:
                message = (
                    SIGN_IN_FIRST
                    if visitor
                    else TOO_LARGE.format(size=size // 1024, cap=cap // 1024)
                )
                await self.emit_update(StateUpdate(delta=stateless_delta("error", message)), token)
            return
        await super().on_event(sid, data)

    def on_disconnect(self, sid: str) -> Any:
        token = self.sid_to_token.get(sid)
        closing = super().on_disconnect(sid)
        if sid in self._visitors.sockets:
            self._visitors.sockets.discard(sid)
            if token is not None:
                self._visitors.leave(token, sid)
        return closing


def _extend(instance: object, mixin: type) -> None:
    """Give `instance` the methods of `mixin` ahead of its own class's."""
    base = type(instance)
    instance.__class__ = type(f"{mixin.__name__.lstrip('_')}{base.__name__}", (mixin, base), {})


def keep_visitors_apart(app: rx.App) -> Visitors:
    """Wire visitor handling into `app` (once, after it is built); returns the visitors."""
    visitors = Visitors()
    manager, namespace = app.state_manager, app.event_namespace
    if namespace is None:
        raise RuntimeError("The app has no event socket: it has no page state to keep apart.")
    _extend(manager, _VisitorStatesApart)
    _extend(namespace, _SignedInSockets)
    cast(_VisitorStatesApart, manager)._visitors = visitors
    cast(_SignedInSockets, namespace)._visitors = visitors
    return visitors
