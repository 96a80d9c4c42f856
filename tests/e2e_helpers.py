"""Helpers for the page tests: the Actor of a person who signed up in the browser (to seed their
worlds through the services), and checks of what a page looks like."""

from __future__ import annotations

from playwright.sync_api import Page

from dsf_app.db import session_scope
from dsf_app.services import users
from dsf_app.services.actor import Actor
from tests.accounts import Account


def actor_of(account: Account) -> Actor:
    """The signed-up person behind `account`, for seeding through the services."""
    with session_scope() as session:
        user = users.get_by_email(session, account.email)
        assert user is not None, f"{account.email} has not signed up"
        return Actor.of(user)


def verified(account: Account) -> Actor:
    """`actor_of(account)`, their address marked verified as if they had followed the link in
    their sign-up mail (tests/test_identity_e2e.py follows it): for tests about something else
    that need a person who may publish a world or join one."""
    with session_scope() as session:
        user = users.get_by_email(session, account.email)
        assert user is not None, f"{account.email} has not signed up"
        user.email_verified = True
        session.add(user)
        return Actor.of(user)


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
