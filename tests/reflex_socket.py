"""A browser tab without the browser: sends Reflex events over the app's websocket the way the
compiled frontend does (same socket.io endpoint, same event fields, the session cookie in the
handshake), follows the backend events a handler chains, and keeps every update it receives.

For tests that send what the UI would never send — another person's ids, vars set by hand — to
the shipped app."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import socketio
from reflex.event import EventCallback, EventHandler
from reflex.utils import format

from dsf_app.state.chat import ChatState
from tests.accounts import SESSION_COOKIE

# The frontend connects to <app>/_event: socket.io path and namespace both "/_event".
EVENT_PATH = "/_event"
DATA_URL = re.compile(r"data:[\w/.+-]+;base64,([A-Za-z0-9+/=]+)")
ROUTE_ARGS = re.compile(r"^/worlds/(?P<world_id>[^/]+)(?:/stories/(?P<story_id>[^/]+))?")
# An event that touches nothing but an unsent draft, and always answers with a delta.
PROBE = ChatState.set_draft


# A state's handler: an EventHandler at run time, typed as an EventCallback by Reflex.
Handler = EventHandler | EventCallback[*tuple[Any, ...]]


def event_name(handler: Handler) -> str:
    if not isinstance(handler, EventHandler):
        raise TypeError(f"not a state's event handler: {handler!r}")
    return format.format_event_handler(handler)


@dataclass
class Exchange:
    """What the backend sent back for one event and the events it chained."""

    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Every update as JSON, with the files of downloads (data URLs) decoded into it."""
        raw = json.dumps(self.updates)
        files = [_readable(base64.b64decode(m)) for m in DATA_URL.findall(raw)]
        return "\n".join([raw, *files])

    def values_of(self, var: str) -> list[Any]:
        """Every value the updates gave a var named `var`, in any state."""
        return [
            value
            for update in self.updates
            for state in update.get("delta", {}).values()
            for name, value in state.items()
            if name == f"{var}_rx_state_"
        ]


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
            self._lock.notify_all()

    def send(self, handler: Handler, path: str, *, settle: float = 0.0, **payload: Any) -> Exchange:
        """Send `handler(**payload)` as if from a page at `path`; return once the backend has
        finished it and every event it chained (plus `settle` seconds for background work).

        Reflex 0.10 sends no "done" signal, and chains backend events on the server. Events of
        one tab run one after another, so a probe sent after them is answered after them; the
        probes repeat until one round brings nothing but its own answer."""
        start = len(self._updates)
        self._emit(event_name(handler), payload, path)
        rounds = 0
        while True:
            before = len(self._updates)
            answer = self._probe(path)
            rounds += 1
            if rounds > 1 and answer == before:
                break
        time.sleep(settle)
        with self._lock:
            return Exchange(list(self._updates[start:]))

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Until an update this tab received contains `text` (e.g. a toast a background event
        sent); TimeoutError if none does within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._lock:
            while not any(text in json.dumps(u) for u in self._updates[seen:]):
                seen = len(self._updates)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no update from the app contained {text!r}")
                self._lock.wait(left)

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
        router_data = {"pathname": path, "asPath": path, "query": _route_params(path)}
        self._client.emit(
            "event",
            {"name": name, "payload": payload, "router_data": router_data},
            namespace=EVENT_PATH,
        )

    def close(self) -> None:
        self._client.disconnect()


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
