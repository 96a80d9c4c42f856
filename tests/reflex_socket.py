"""A browser tab without the browser: sends Reflex events over the app's websocket the way the
compiled frontend does (same socket.io endpoint, same event fields, the session cookie in the
handshake), follows the backend events a handler chains, and keeps every update it receives.

For tests that send what the UI would never send — another person's ids, vars set by hand — to
the shipped app. A background handler (`@rx.event(background=True)`) runs beside the tab's other
events, so `send` waits for its own completion signal (`Finished`) before it returns."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import socketio
from reflex.event import EventCallback, EventHandler
from reflex.state import BaseState
from reflex.utils import format

from dsf_app.state.chat import ChatState
from dsf_app.state.feedback import FeedbackState
from tests.accounts import SESSION_COOKIE

# The frontend connects to <app>/_event: socket.io path and namespace both "/_event".
EVENT_PATH = "/_event"
DATA_URL = re.compile(r"data:[\w/.+-]+;base64,([A-Za-z0-9+/=]+)")
ROUTE_ARGS = re.compile(r"^/worlds/(?P<world_id>[^/]+)(?:/stories/(?P<story_id>[^/]+))?")
# An event that touches nothing but an unsent draft, and always answers with a delta.
PROBE = ChatState.set_draft


# Any value, for `Exchange.set_at`.
ANY = object()
# A var in a delta: "<state's full name>.<var>".
VAR_KEY = "{state}.{var}_rx_state_"
# How long a background handler may take to give its completion signal: a bound for a failure,
# not a timing assert (the first embedding loads the model in the app; the model may run).
BACKGROUND_TIMEOUT = 240
# How often a wait checks its condition again with no update arriving.
RECHECK = 0.5


# A state's handler: an EventHandler at run time, typed as an EventCallback by Reflex.
Handler = EventHandler | EventCallback[*tuple[Any, ...]]


def event_name(handler: Handler) -> str:
    return format.format_event_handler(as_handler(handler))


def as_handler(handler: Handler) -> EventHandler:
    if not isinstance(handler, EventHandler):
        raise TypeError(f"not a state's event handler: {handler!r}")
    return handler


def state_of(handler: Handler) -> type[BaseState]:
    """The state class whose handler it is."""
    state = as_handler(handler).state
    if state is None:
        raise TypeError(f"{handler!r} belongs to no state")
    return state


def is_background(handler: Handler) -> bool:
    return as_handler(handler).is_background


@dataclass
class Exchange:
    """What the backend sent back for one event and the events it chained, with what the tab
    knew of its vars when the event was sent (`before`, keyed by `VAR_KEY`) and the page's
    path it was sent from."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def text(self) -> str:
        """Every update as JSON, with the files of downloads (data URLs) decoded into it."""
        raw = json.dumps(self.updates)
        files = [_readable(base64.b64decode(m)) for m in DATA_URL.findall(raw)]
        return "\n".join([raw, *files])

    @property
    def readable(self) -> str:
        """Every update as JSON, its text as a person reads it (not \\u-escaped)."""
        return json.dumps(self.updates, ensure_ascii=False)

    def values_of(self, var: str) -> list[Any]:
        """Every value the updates gave a var named `var`, in any state."""
        return [value for _, value in self._assignments(lambda state, name: name == var)]

    def values_in(self, state: type[BaseState], var: str) -> list[Any]:
        """Every value the updates gave `state`'s var `var`, in order."""
        full = state.get_full_name()
        return [v for _, v in self._assignments(lambda s, name: s == full and name == var)]

    def set_at(self, state: type[BaseState], var: str, value: Any = ANY) -> list[int]:
        """The indexes of the updates that gave `state`'s `var` a value (`value`, if given)."""
        full = state.get_full_name()
        return [
            i
            for i, v in self._assignments(lambda s, name: s == full and name == var)
            if value is ANY or v == value
        ]

    def knew(self, state: type[BaseState], var: str) -> Any:
        """The value the tab knew for `state`'s `var` when the event was sent (else its
        default: the tab never had another)."""
        key = VAR_KEY.format(state=state.get_full_name(), var=var)
        return self.before.get(key, state.get_fields()[var].default_value())

    @property
    def notices(self) -> list[str]:
        """The messages of the notices (toasts) the app showed in these updates."""
        shown = self.values_in(FeedbackState, "notices")
        return list(dict.fromkeys(n["message"] for notices in shown for n in notices))

    def _assignments(self, wanted: Callable[[str, str], bool]) -> Iterator[tuple[int, Any]]:
        for index, update in enumerate(self.updates):
            for state, delta in update.get("delta", {}).items():
                for key, value in delta.items():
                    if wanted(state, key.removesuffix("_rx_state_")):
                        yield index, value


# When a background handler has finished: from what the tab knew before and what came since.
Finished = Callable[[Exchange], bool]


def _readable(data: bytes) -> str:
    """A downloaded file as text; a zip (an EPUB) as the text of its members."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data.decode("utf-8", "replace")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())


class ReflexSocket:
    def __init__(self, app_url: str, session_token: str | None) -> None:
        self.app_url = app_url
        self._client = socketio.Client(reconnection=False)
        self._client.on("event", self._received, namespace=EVENT_PATH)
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        # Every var's last value the tab was sent, by VAR_KEY.
        self._known: dict[str, Any] = {}
        self._probes = 0
        # The tab's client token: an upload over HTTP names it, as the frontend does.
        self.token = str(uuid.uuid4())
        cookie = {"Cookie": f"{SESSION_COOKIE}={session_token}"} if session_token else {}
        self._client.connect(
            f"{app_url}?token={self.token}",
            socketio_path=EVENT_PATH,
            namespaces=[EVENT_PATH],
            transports=["websocket"],
            headers=cookie,
            wait_timeout=15,
        )

    def _received(self, update: Any) -> None:
        if isinstance(update, str):
            update = json.loads(update)
        with self._lock:
            self._updates.append(update)
            for state, delta in (update.get("delta") or {}).items():
                for key, value in delta.items():
                    self._known[f"{state}.{key}"] = value
            self._lock.notify_all()

    def send(
        self, handler: Handler, path: str, *, finished: Finished | None = None, **payload: Any
    ) -> Exchange:
        """Send `handler(**payload)` as if from a page at `path`; return once the backend has
        finished it and every event it chained.

        Reflex 0.10 sends no "done" signal, and chains backend events on the server. The tab's
        foreground events run one after another, so a probe sent after them is answered after
        them; the probes repeat until one round brings nothing but its own answer. A background
        handler runs beside them, so it must name its own completion signal (`finished`: its
        running flag back, its last delta, its refusal), which is awaited first."""
        if is_background(handler) and finished is None:
            raise TypeError(f"{event_name(handler)} runs in the background: say when it is done")
        with self._lock:
            start, before = len(self._updates), dict(self._known)
        self._emit(event_name(handler), payload, path)
        if finished is not None:
            self._wait_until(
                lambda: finished(Exchange(self._updates[start:], before, path)),
                f"{event_name(handler)} at {path} did not finish",
                BACKGROUND_TIMEOUT,
            )
        rounds = 0
        while True:
            seen = len(self._updates)
            answer = self._probe(path)
            rounds += 1
            if rounds > 1 and answer == seen:
                break
        with self._lock:
            return Exchange(list(self._updates[start:]), before, path)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until an update this tab received contains `text` (e.g. a toast a background event
        sent); TimeoutError if none does within `timeout` seconds."""
        self._wait_until(
            lambda: any(text in json.dumps(u) for u in self._updates),
            f"no update from the app contained {text!r}",
            timeout,
        )

    def _wait_until(self, condition: Callable[[], bool], failure: str, timeout: float) -> None:
        """Until `condition` (read under the lock) holds, checked at each update and every
        RECHECK seconds (a condition may read the database); TimeoutError(`failure`) after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(failure)
                self._lock.wait(min(left, RECHECK))

    def _probe(self, path: str) -> int:
        """Send a harmless event with a unique value; the index of the update that answers."""
        self._probes += 1
        marker = f"probe-{self._probes}-{uuid.uuid4().hex[:6]}"
        self._emit(event_name(PROBE), {"value": marker}, path)
        deadline = time.monotonic() + 30
        seen = 0
        with self._lock:
            while True:
                for index in range(seen, len(self._updates)):
                    if marker in json.dumps(self._updates[index]):
                        return index
                seen = len(self._updates)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the app did not answer the probe at {path}")
                self._lock.wait(left)

    def _emit(self, name: str, payload: dict[str, Any], path: str) -> None:
        self._client.emit("event", event_message(name, payload, path), namespace=EVENT_PATH)

    def close(self) -> None:
        self._client.disconnect()


def event_message(name: str, payload: dict[str, Any], path: str) -> dict[str, Any]:
    """One event as the frontend sends it from a page at `path`."""
    router_data = {"pathname": path, "asPath": path, "query": _route_params(path)}
    return {"name": name, "payload": payload, "router_data": router_data}


def _route_params(path: str) -> dict[str, str]:
    """The dynamic route args the frontend adds to each event (from React Router's params)."""
    match = ROUTE_ARGS.match(path)
    return {k: v for k, v in match.groupdict().items() if v} if match else {}


@contextmanager
def reflex_socket(app_url: str, session_token: str | None) -> Iterator[ReflexSocket]:
    socket = ReflexSocket(app_url, session_token)
    try:
        yield socket
    finally:
        socket.close()
