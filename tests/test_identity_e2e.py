"""Identity by email, end to end in Chromium against the app as it ships, with every message
read from the local mail sink as a person reads their inbox: verifying an address, invitations
that wait for the address's owner, resetting a forgotten password, and the emailed sign-in link
that a stranger's wrong passwords cannot block."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from sqlmodel import select

from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.models import WorldCollaborator
from dsf_app.services import worlds
from dsf_app.settings import Settings
from tests.accounts import (
    Account,
    fill_sign_in,
    new_account,
    path_is,
    sign_in_over_http,
    sign_up_in_browser,
    sign_up_over_http,
)
from tests.e2e_helpers import actor_of
from tests.factories import make_actor, make_world
from tests.mailbox import Mailbox, html_of, link_in, text_of

SENT = "If an account uses that address, an email with a link is on its way."


def test_sign_up_sends_a_verification_link_that_verifies_the_address(
    page: Page, app_url: str, mailbox: Mailbox, account: Account
) -> None:
    sign_up_in_browser(page, app_url, account)
    banner = page.locator("#verify-banner")
    expect(banner).to_contain_text(f"Verify your email address {account.email}")

    message = mailbox.wait_for(account.email, "Verify your email address")
    assert "Deep Sci-Fi" in str(message["Subject"])
    for body in (text_of(message), html_of(message)):
        assert account.password not in body
    page.goto(link_in(message))

    expect(page).to_have_url(path_is(app_url, "/account"))
    expect(page.locator("#account-email")).to_have_text(account.email)
    expect(banner).to_have_count(0)
    # The link works once.
    page.goto(link_in(message))
    expect(page).to_have_url(path_is(app_url, "/worlds"))


def test_the_banner_sends_the_link_again(
    page: Page, app_url: str, mailbox: Mailbox, account: Account
) -> None:
    sign_up_in_browser(page, app_url, account)
    page.locator("#resend-verification").click()
    expect(page.get_by_text(f"A new link is on its way to {account.email}")).to_be_visible()
    second = mailbox.wait_for(account.email, "Verify your email address", count=2)
    page.goto(link_in(second))
    expect(page.locator("#verify-banner")).to_have_count(0)


def test_an_invitation_waits_until_its_address_is_verified(
    page: Page, app_url: str, mailbox: Mailbox, dsf_in_process: Settings, account: Account
) -> None:
    with session_scope() as db:
        owner = make_actor(db, "Owner")
        world = make_world(db, owner, "Harbour of Glass")
        worlds.add_collaborator(db, owner, world.id, account.email, "editor")

    sign_up_in_browser(page, app_url, account)
    page.reload()  # a second page load: still nothing taken up
    expect(page.get_by_text("No worlds yet")).to_be_visible()
    with session_scope() as db:
        assert worlds.list_collaborators(db, owner, world.id) == []

    page.goto(link_in(mailbox.wait_for(account.email, "Verify your email address")))
    expect(page).to_have_url(path_is(app_url, "/account"))
    with session_scope() as db:
        joined = db.exec(
            select(WorldCollaborator).where(WorldCollaborator.world_id == world.id)
        ).all()
        assert [(row.user_id, row.role) for row in joined] == [
            (actor_of(account).user_id, "editor")
        ]
    page.goto(f"{app_url}/worlds")
    expect(page.locator(".dsf-world-card")).to_contain_text("Harbour of Glass")


def test_forgot_password_sets_a_new_one_and_ends_the_old_sessions(
    page: Page, app_url: str, mailbox: Mailbox, dsf_in_process: Settings
) -> None:
    account = new_account()
    old_session = sign_up_over_http(app_url, account)

    page.goto(f"{app_url}/signin")
    page.get_by_role("link", name="Forgot password?").click()
    form = page.locator("#forgot-form")
    form.get_by_label("Email").fill(account.email)
    form.get_by_role("button", name="Email me a reset link").click()
    expect(page.locator("#signin-notice")).to_contain_text(SENT)

    message = mailbox.wait_for(account.email, "Choose a new password")
    page.goto(link_in(message))
    page.locator("#reset-form").get_by_label("New password").fill("a-brand-new-password")
    page.get_by_role("button", name="Save password and sign in").click()
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    expect(page.locator("#account-name")).to_have_text(account.name)

    with session_scope() as db:
        assert sessions.resolve(db, old_session) is None
    assert (
        "error=credentials"
        in sign_in_over_http(app_url, account.email, account.password).headers["location"]
    )
    assert (
        sign_in_over_http(app_url, account.email, "a-brand-new-password").headers["location"]
        == "/worlds"
    )
    # The link works once.
    page.context.clear_cookies()
    page.goto(link_in(message))
    page.locator("#reset-form").get_by_label("New password").fill("yet-another-password")
    page.get_by_role("button", name="Save password and sign in").click()
    expect(page.locator("#signin-problem")).to_contain_text("expired or was used already")


def test_a_strangers_wrong_passwords_do_not_stop_the_owner_signing_in_by_link(
    page: Page, app_url: str, mailbox: Mailbox
) -> None:
    owner = new_account()
    sign_up_over_http(app_url, owner)
    # The stranger, from the owner's own network address, until password sign-in is held back.
    answers = (
        sign_in_over_http(app_url, owner.email, "guessing").headers["location"] for _ in range(10)
    )
    assert any("error=rate_limited" in answer for answer in answers)

    page.goto(f"{app_url}/signin")
    fill_sign_in(page, owner.email, owner.password)
    expect(page.locator("#signin-problem")).to_contain_text("Too many failed sign-in attempts")
    offer = page.locator("#signin-link-form")
    offer.get_by_label("Email").fill(owner.email)
    offer.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator("#signin-notice")).to_contain_text(SENT)

    page.goto(link_in(mailbox.wait_for(owner.email, "Your sign-in link")))
    page.locator("#link-submit").click()
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    expect(page.locator("#account-name")).to_have_text(owner.name)
    # Following the link proved the address too.
    expect(page.locator("#verify-banner")).to_have_count(0)


def test_known_and_unknown_addresses_get_the_same_answers(app_url: str, mailbox: Mailbox) -> None:
    known = new_account()
    sign_up_over_http(app_url, known)
    unknown = new_account()
    answers = {}
    for path in ("/auth/forgot", "/auth/signin-link"):
        for who in (known, unknown):
            response = httpx.post(
                f"{app_url}{path}", data={"email": who.email}, headers={"Origin": app_url}
            )
            answers[(path, who.email)] = (response.status_code, response.headers["location"])
        assert answers[(path, known.email)] == answers[(path, unknown.email)]
        assert answers[(path, known.email)] == (303, "/signin?notice=link_sent")
    mailbox.wait_for(known.email, "Your sign-in link")
    assert mailbox.messages_to(unknown.email) == []


def test_a_reset_link_works_in_a_browser_that_is_signed_in(
    signed_in_page: Page, app_url: str, mailbox: Mailbox, account: Account
) -> None:
    """Someone signed in on one device who forgot their password (the account page asks for
    the current one) uses the link there."""
    httpx.post(f"{app_url}/auth/forgot", data={"email": account.email}, headers={"Origin": app_url})
    page = signed_in_page
    page.goto(link_in(mailbox.wait_for(account.email, "Choose a new password")))
    page.locator("#reset-form").get_by_label("New password").fill("remembered-at-last")
    page.get_by_role("button", name="Save password and sign in").click()
    expect(page).to_have_url(path_is(app_url, "/worlds"))
    expect(page.locator("#account-name")).to_have_text(account.name)
    assert (
        sign_in_over_http(app_url, account.email, "remembered-at-last").headers["location"]
        == "/worlds"
    )
