"""Visitors cost nothing: tabs whose socket comes without a session leave no page state behind
in Redis once they close (a signed-in tab's is kept, as before), a visitor's event larger than
the sign-in page ever sends is refused with a sentence, and so is a signed-in tab's event
larger than DSF_MAX_EVENT_BYTES. Against the app with one worker keeping page state in a
local Redis, so what is kept can be counted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import redis
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

from dsf_app.devstack import processes, stack
from dsf_app.settings import Settings
from dsf_app.state.auth import AuthState
from dsf_app.storage import AssetStorage
from dsf_app.visitors import SIGN_IN_FIRST, VISITOR_EVENT_BYTES, Visitors
from tests.accounts import new_account, sign_up_over_http
from tests.harness.stack import make_home, remove_home, running, settings_from
from tests.reflex_socket import PROBE, reflex_socket

VISITORS = 20
MAX_EVENT_BYTES = 8192


@pytest.fixture(scope="module")
def app_with_redis(
    test_settings: Settings, database_url: str, storage: AssetStorage, letta_url: str
) -> Iterator[Settings]:
    """The app with its page state in a local Redis, on the test stack's other services (its
    own home, so its frontend build never touches the test stack app's)."""
    home = make_home()
    settings = settings_from(
        **{
            **test_settings.as_env(),
            "DSF_HOME": str(home),
            "DSF_APP_PORT": str(processes.free_port()),
            "DSF_REDIS_PORT": str(processes.free_port()),
            "DSF_REDIS": "true",
            "DSF_MAX_EVENT_BYTES": str(MAX_EVENT_BYTES),
        },
    )
    try:
        with running(settings, stack.start_redis), running(settings, stack.start_app):
            yield settings
    finally:
        remove_home(home)


def keys_of(store: redis.Redis, token: str) -> list[bytes]:
    """Every Redis key Reflex keeps for the tab `token` (its state, its lock, its socket)."""
    return [key for key in store.scan_iter() if token.encode() in key]


def until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `check` until it holds; AssertionError saying `what` if it does not in time."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.1)


def test_visitors_leave_no_page_state_behind_and_members_keep_theirs(
    app_with_redis: Settings,
) -> None:
    app_url = app_with_redis.public_url
    store = redis.Redis.from_url(app_with_redis.redis_url)
    visitors: list[str] = []
    for _ in range(VISITORS):
        with reflex_socket(app_url, None) as tab:
            tab.send(AuthState.prepare_signin, "/signin")
            switched = tab.send(AuthState.choose_tab, "/signin", tab="signup")
            assert "signup" in switched.values_of("signin_tab"), "the sign-in page did not work"
            visitors.append(tab.token)
    until(lambda: not any(keys_of(store, token) for token in visitors), "visitor keys stayed")
    member = sign_up_over_http(app_url, new_account("Kept Member"))
    with reflex_socket(app_url, member) as tab:
        tab.send(PROBE, "/worlds", value="a draft worth keeping")
        kept = tab.token
    state_key = f"{kept}_reflex___state".encode()
    until(lambda: any(key.startswith(state_key) for key in keys_of(store, kept)), "none kept")
    print(f"\nRedis keys after {VISITORS} visitors and one member: {store.dbsize()}")


def test_oversized_events_are_refused_with_a_sentence(app_with_redis: Settings) -> None:
    app_url = app_with_redis.public_url
    with reflex_socket(app_url, None) as tab:
        tab.send(PROBE, "/signin", value="v" * VISITOR_EVENT_BYTES)
        tab.wait_for(SIGN_IN_FIRST)
    member = sign_up_over_http(app_url, new_account("Long Typist"))
    with reflex_socket(app_url, member) as tab:
        refused = tab.send(PROBE, "/worlds", value="m" * MAX_EVENT_BYTES)
        tab.wait_for("That was too much to send at once")
        assert "m" * MAX_EVENT_BYTES not in refused.text
        accepted = tab.send(PROBE, "/worlds", value="m" * (MAX_EVENT_BYTES // 2))
        assert "m" * (MAX_EVENT_BYTES // 2) in accepted.values_of("draft")


async def test_a_visitors_state_goes_with_its_socket_and_late_events_stay_apart() -> None:
    visitors = Visitors()
    visitors.sockets.add("socket-1")
    visitors.enter("tab", "socket-1")
    await visitors.states.get_state(BaseStateToken(ident="tab", cls=State))
    assert list(visitors.states.states) == ["tab"]
    visitors.leave("tab", "socket-2")  # another socket's close leaves it alone
    assert list(visitors.states.states) == ["tab"]
    visitors.leave("tab", "socket-1")
    assert visitors.states.states == {}
    # An event still running for the closed tab goes on in the visitors' own store.
    assert visitors.holds("tab")
    visitors.forget("tab")  # the tab signed in: its state is the app's from now on
    assert not visitors.holds("tab")
