"""The visits scripts/container_check.sh makes to the running container, from the host, as a
person's browser would: HTTP for the sign-in routes and pages, the Reflex websocket for events.

    container_probe.py first URL ACCOUNT_FILE   sign up, load /worlds and run its load events
    container_probe.py again URL ACCOUNT_FILE   sign in with the same password (after a restart)

Prints one line per check; exits non-zero with the reason on the first that fails.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import httpx

from dsf_app.state.auth import AuthState
from dsf_app.state.worlds import WorldsPageState
from tests.accounts import (
    SESSION_COOKIE,
    Account,
    new_account,
    sign_in_over_http,
    sign_up_over_http,
)
from tests.reflex_socket import reflex_socket


class CheckFailed(Exception):
    pass


def check(ok: bool, what: str) -> None:
    if not ok:
        raise CheckFailed(what)
    print(f"  ok: {what}", flush=True)


def worlds_page_as(url: str, token: str, account: Account) -> None:
    """The /worlds page and its on-load events, as the signed-in person's browser loads them."""
    page = httpx.get(f"{url}/worlds", cookies={SESSION_COOKIE: token}, follow_redirects=True)
    check(page.status_code == 200 and "<html" in page.text, "GET /worlds serves the page")
    with reflex_socket(url, token) as socket:
        who = socket.send(AuthState.require_session, "/worlds")
        check(
            account.name in who.values_of("user_name"),
            f"the worlds page's session check knows {account.name}",
        )
        listing = socket.send(WorldsPageState.load, "/worlds")
        # A problem would reach the page as a notice (FeedbackState) for its toast.
        check(
            listing.values_of("loading")[-1:] == [False] and not listing.values_of("notices"),
            "the worlds page's load event finishes without a problem",
        )


def first(url: str, account_file: Path) -> None:
    account = new_account("Container Check")
    token = sign_up_over_http(url, account)
    check(bool(token), f"signed up {account.email} over POST /auth/signup")
    account_file.write_text(json.dumps(asdict(account)))
    worlds_page_as(url, token, account)


def again(url: str, account_file: Path) -> None:
    account = Account(**json.loads(account_file.read_text()))
    response = sign_in_over_http(url, account.email, account.password)
    check(
        response.status_code == 303 and response.headers.get("location") == "/worlds",
        f"signed in as {account.email} with the same password after the restart",
    )
    worlds_page_as(url, response.cookies[SESSION_COOKIE], account)


def main() -> int:
    step, url, account_file = sys.argv[1], sys.argv[2].rstrip("/"), Path(sys.argv[3])
    try:
        {"first": first, "again": again}[step](url, account_file)
    except (CheckFailed, AssertionError, httpx.HTTPError, TimeoutError) as exc:
        print(f"  FAILED: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
