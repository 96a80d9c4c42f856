"""The worlds and world pages in Chromium: worlds as cards, created, searched and deleted by
hand; a foundation read and edited section by section, with its changelog and diffs; sharing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from dsf_app.db import session_scope
from dsf_app.models import Visibility
from dsf_app.services import stories, worlds
from tests.accounts import Account, new_account, sign_up_in_browser, verify_in_browser
from tests.e2e_helpers import actor_of, horizontal_overflow, verified
from tests.mailbox import Mailbox

pytestmark = pytest.mark.usefixtures("dsf_in_process")


def test_create_search_and_delete_worlds(signed_in_page: Page, app_url: str) -> None:
    page = signed_in_page
    expect(page.get_by_text("No worlds yet")).to_be_visible()

    page.get_by_role("button", name="New world").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Tidewater")
    dialog.get_by_role("button", name="Create world").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Give the world a name and a premise")
    dialog.get_by_label("Premise").fill("The oceans rose ten metres in a decade.")
    dialog.get_by_role("button", name="Create world").click()
    expect(page).to_have_url(re.compile(r"/worlds/[0-9a-f-]{36}/?$"))

    page.get_by_role("link", name="Worlds").first.click()
    page.get_by_role("button", name="New world").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Red Sands")
    dialog.get_by_label("Premise").fill("Mars was terraformed by accident.")
    dialog.get_by_role("button", name="Create world").click()
    expect(page).to_have_url(re.compile(r"/worlds/[0-9a-f-]{36}/?$"))
    page.goto(f"{app_url}/worlds")

    cards = page.locator(".dsf-world-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Red Sands")  # newest first
    expect(cards.first).to_contain_text("Mars was terraformed by accident.")
    expect(cards.first).to_contain_text("sketch")
    expect(cards.first).to_contain_text("v1")
    expect(cards.first).to_contain_text("0 stories")

    page.get_by_label("Search worlds by name").fill("tide")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Tidewater")
    page.get_by_label("Search worlds by name").fill("nothing like this")
    expect(page.get_by_text("No worlds match")).to_be_visible()
    page.get_by_label("Search worlds by name").fill("")
    expect(cards).to_have_count(2)

    page.get_by_role("button", name="Delete Tidewater").click()
    alert = page.get_by_role("alertdialog")
    expect(alert).to_contain_text("Delete “Tidewater”?")
    alert.get_by_role("button", name="Delete world").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Red Sands")
    page.reload()
    expect(cards).to_have_count(1)


def test_explore_lists_public_worlds_of_others(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser
) -> None:
    page = signed_in_page
    from tests.accounts import new_account, sign_up_in_browser

    other = new_account("Grace Hopper")
    context = browser.new_context()
    sign_up_in_browser(context.new_page(), app_url, other)
    context.close()
    owner = verified(other)  # publishes a world
    # Names of their own: other tests on this stack make public worlds too.
    open_name, hidden_name = (
        f"{name} {uuid.uuid4().hex[:6]}" for name in ("Open Skies", "Hidden Vale")
    )
    with session_scope() as session:
        public = worlds.create_world(
            session, owner, open_name, foundation={"core_premise": "Flight is free."}
        )
        worlds.set_visibility(session, owner, public.id, Visibility.PUBLIC)
        worlds.create_world(session, owner, hidden_name)

    explore = page.get_by_role("tab", name="Explore")
    explore.click()
    # The tabs follow the server's state: until it answers, "Your worlds" and its search box are
    # still drawn, and a name typed there is lost with them when Explore replaces them.
    expect(explore).to_have_attribute("aria-selected", "true")
    page.get_by_label("Search worlds by name").fill(open_name)
    cards = page.locator(".dsf-world-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Flight is free.")
    expect(cards.first.get_by_role("button")).to_have_count(0)  # no delete on others' worlds
    page.get_by_label("Search worlds by name").fill(hidden_name)
    expect(page.get_by_text("No worlds match")).to_be_visible()


def test_worlds_page_fits_a_phone_and_pages_through_many_worlds(
    signed_in_page: Page, account: Account
) -> None:
    page = signed_in_page
    actor = actor_of(account)
    with session_scope() as session:
        for n in range(30):
            worlds.create_world(
                session, actor, f"World {n:02d}", foundation={"core_premise": "x " * 200}
            )
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    cards = page.locator(".dsf-world-card")
    expect(cards).to_have_count(24)
    expect(cards.first).to_contain_text("World 29")
    assert horizontal_overflow(page) <= 0
    page.get_by_role("button", name="Next").click()
    expect(cards).to_have_count(6)
    expect(cards.last).to_contain_text("World 00")


FULL_FOUNDATION = {
    "core_premise": "Cheap fusion arrived in 2029 and broke the oil states.",
    "deep_focus_areas": ["energy politics"],
    "rules": [
        {
            "id": "r-fusion",
            "statement": "Energy is nearly free at the point of use.",
            "scope": "universal",
            "certainty": "fundamental",
            "implications": ["Desalination everywhere"],
            "exceptions": ["Orbital habitats"],
        },
        {
            "statement": "Petrostates keep their armies.",
            "scope": "local",
            "certainty": "tentative",
        },
    ],
    "technology": [
        {
            "name": "Stellarator grid",
            "how_it_works": "Twisted magnetic bottles hold the plasma.",
            "limits": ["Tritium supply"],
            "speculation": "plausible extrapolation",
        }
    ],
    "history": {
        "timeline": [
            {"event": "First net-gain plant", "when": "2029", "significance": "Markets panic"},
            {"event": "The Oil Default", "when": "2033", "significance": "Gulf bonds collapse"},
        ]
    },
    "geography": "Deserts bloom around desalination plants.",
    "culture": "Thrift becomes an old people's habit.",
    "working_notes": {
        "open_questions": ["What replaces oil money?"],
        "contradictions": ["Free energy yet rationed tritium"],
    },
}


def seed_world(account: Account, name: str = "Fusion Dawn", **fields: Any) -> str:
    actor = actor_of(account)
    with session_scope() as session:
        world = worlds.create_world(
            session,
            actor,
            name,
            foundation=FULL_FOUNDATION,
            constraints=["No faster-than-light travel."],
            **fields,
        )
        return str(world.id)


def test_read_a_foundation_with_every_section(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id = seed_world(account)
    page.goto(f"{app_url}/worlds/{world_id}")

    expect(page.get_by_role("heading", name="Fusion Dawn", level=1)).to_be_visible()
    expect(page.locator("#premise")).to_contain_text("Cheap fusion arrived in 2029")
    expect(page.locator("#premise")).to_contain_text("energy politics")
    rules = page.locator(".dsf-rule")
    expect(rules).to_have_count(2)
    for text in (
        "Energy is nearly free",
        "scope: universal",
        "fundamental",
        "Desalination everywhere",
        "Orbital habitats",
    ):
        expect(rules.first).to_contain_text(text)
    expect(rules.nth(1)).to_contain_text("tentative")
    tech = page.locator(".dsf-technology")
    expect(tech).to_contain_text("Stellarator grid")
    expect(tech).to_contain_text("Twisted magnetic bottles")
    expect(tech).to_contain_text("Tritium supply")
    expect(tech).to_contain_text("plausible extrapolation")
    events = page.locator(".dsf-history-event")
    expect(events).to_have_count(2)
    expect(events.nth(1)).to_contain_text("2033")
    expect(events.nth(1)).to_contain_text("The Oil Default")
    expect(events.nth(1)).to_contain_text("Gulf bonds collapse")
    expect(page.locator("#geography")).to_contain_text("Deserts bloom")
    expect(page.locator("#culture")).to_contain_text("Thrift becomes")
    expect(page.locator("#constraints")).to_contain_text("No faster-than-light travel.")
    expect(page.locator("#open-questions")).to_contain_text("What replaces oil money?")
    expect(page.locator("#contradictions")).to_contain_text("Free energy yet rationed tritium")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#contradictions")).to_be_visible()
    assert horizontal_overflow(page) <= 0


def test_edit_a_rule_then_see_the_changelog_and_the_diff(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    world_id = seed_world(account)
    page.goto(f"{app_url}/worlds/{world_id}")
    rule = page.locator(".dsf-rule").first
    rule.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Statement")).to_have_value(
        "Energy is nearly free at the point of use."
    )
    dialog.get_by_label("Statement").fill("Energy is cheap but not free.")
    dialog.get_by_role("button", name="Save change").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Say why you are making this change")
    dialog.get_by_label("Reason for the change").fill("Tritium keeps a price on energy")
    dialog.get_by_role("button", name="Save change").click()
    expect(dialog).to_have_count(0)
    expect(rule).to_contain_text("Energy is cheap but not free.")
    expect(page.locator("#world-version")).to_have_text("Version 2")

    page.get_by_role("tab", name="History").click()
    entry = page.locator(".dsf-change").first
    expect(entry).to_contain_text("v2")
    expect(entry).to_contain_text("person")
    expect(entry).to_contain_text("update rules.r-fusion")
    expect(entry).to_contain_text("Tritium keeps a price on energy")
    diff = page.locator("#version-diff")
    row = diff.locator(".dsf-diff-row").filter(has_text="rules.r-fusion.statement")
    expect(row.locator(".dsf-diff-left")).to_have_text("Energy is nearly free at the point of use.")
    expect(row.locator(".dsf-diff-right")).to_have_text("Energy is cheap but not free.")

    # A second edit (a new history event), then compare versions 1 and 3.
    page.get_by_role("tab", name="Foundation").click()
    page.get_by_role("button", name="Add event").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Event").fill("Tritium rationing")
    dialog.get_by_label("When").fill("2035")
    dialog.get_by_label("Reason for the change").fill("Consequence of the new rule")
    dialog.get_by_role("button", name="Save change").click()
    expect(page.locator(".dsf-history-event")).to_have_count(3)
    page.get_by_role("tab", name="History").click()
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option("3")
    page.get_by_role("button", name="Compare").click()
    added = diff.locator(".dsf-diff-row").filter(has_text="Tritium rationing")
    expect(added).to_contain_text("history.timeline.")
    expect(added).to_contain_text(".event")
    expect(diff.locator(".dsf-diff-row").filter(has_text="rules.r-fusion.statement")).to_have_count(
        1
    )


def test_a_second_person_reads_a_public_world_but_not_a_private_one(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser
) -> None:
    from tests.accounts import new_account, sign_up_in_browser

    owner = new_account("Owner Olga")
    context = browser.new_context()
    sign_up_in_browser(context.new_page(), app_url, owner)
    context.close()
    public_id = seed_world(owner, "Open World")
    private_id = seed_world(owner, "Secret World")
    with session_scope() as session:
        worlds.set_visibility(session, verified(owner), uuid.UUID(public_id), Visibility.PUBLIC)

    page = signed_in_page
    page.goto(f"{app_url}/worlds/{public_id}")
    expect(page.get_by_role("heading", name="Open World", level=1)).to_be_visible()
    expect(page.locator("#read-only-notice")).to_be_visible()
    expect(page.locator(".dsf-rule")).to_have_count(2)
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Add rule")).to_have_count(0)
    expect(page.get_by_role("tab", name="Sharing")).to_have_count(0)

    with session_scope() as session:
        story = stories.create_story(
            session, actor_of(owner), uuid.UUID(private_id), "Secret Story"
        )
        stories.add_segment(session, actor_of(owner), story.id, "Secret part", "Secret words.")
    # Every page of the private world, and one that names no world at all.
    for path, answer in [
        (f"/worlds/{private_id}", "World not found"),
        (f"/worlds/{private_id}/stories/{story.id}", "Story not found"),
        (f"/worlds/{private_id}/gallery", "World not found"),
        ("/worlds/not-a-world-id", "World not found"),
    ]:
        page.goto(f"{app_url}{path}")
        expect(page.get_by_text(answer)).to_be_visible()
        expect(page.get_by_text(re.compile("Secret"))).to_have_count(0)
    page.goto(f"{app_url}/runs")
    expect(page.get_by_text(re.compile("Secret"))).to_have_count(0)


def test_the_owner_invites_people_with_and_without_an_account(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser, mailbox: Mailbox
) -> None:
    editor = new_account("Eddie Editor")  # has an account, and is signed in elsewhere
    newcomer = new_account("Nina Newcomer")  # has none yet
    withdrawn = new_account("Rita Revoked")
    contexts = [browser.new_context() for _ in range(3)]
    editor_page, newcomer_page, withdrawn_page = (context.new_page() for context in contexts)
    sign_up_in_browser(editor_page, app_url, editor)
    verify_in_browser(editor_page, app_url, mailbox, editor)
    world_id = seed_world(account, "Shared Shores")

    page = signed_in_page
    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name="Sharing").click()

    def invite(email: str, role: str) -> str:
        page.get_by_label("Email").fill(email)
        page.get_by_role("combobox", name="Role").click()
        page.get_by_role("option", name=role).click()
        page.get_by_role("button", name="Add", exact=True).click()
        toast = page.locator("[data-sonner-toast]").filter(has_text=email)
        expect(toast).to_be_visible()
        return toast.inner_text().replace(email, "<email>")

    # The same answer whether or not the email has an account.
    assert invite(editor.email, "editor") == invite(newcomer.email, "editor")
    invited = page.locator(".dsf-invitation")
    expect(invited).to_have_count(2)
    for person in (editor, newcomer):
        expect(invited.filter(has_text=person.email)).to_contain_text("editor")
        expect(invited.filter(has_text=person.email)).to_contain_text("invited")
    expect(page.locator(".dsf-collaborator")).to_have_count(0)
    invite(withdrawn.email, "viewer")
    page.get_by_role("button", name=f"Revoke the invitation for {withdrawn.email}").click()
    expect(invited).to_have_count(2)

    # The editor, already signed in, has it on their next page; the newcomer once signed up.
    editor_page.goto(f"{app_url}/worlds/{world_id}")
    expect(editor_page.get_by_role("heading", name="Shared Shores", level=1)).to_be_visible()
    expect(editor_page.get_by_role("button", name="Add rule")).to_be_visible()
    editor_page.get_by_role("tab", name="Sharing").click()
    expect(editor_page.get_by_role("radio")).to_have_count(0)
    expect(editor_page.locator(".dsf-invitation")).to_have_count(0)
    sign_up_in_browser(newcomer_page, app_url, newcomer)
    verify_in_browser(newcomer_page, app_url, mailbox, newcomer)  # takes it up at once
    newcomer_page.goto(f"{app_url}/worlds")
    expect(newcomer_page.locator(".dsf-world-card")).to_contain_text("Shared Shores")
    sign_up_in_browser(withdrawn_page, app_url, withdrawn)
    expect(withdrawn_page.get_by_text("No worlds yet")).to_be_visible()

    page.reload()
    page.get_by_role("tab", name="Sharing").click()
    expect(page.locator(".dsf-collaborator")).to_have_count(2)
    expect(page.locator(".dsf-collaborator").filter(has_text=newcomer.email)).to_contain_text(
        "Nina Newcomer"
    )
    expect(invited).to_have_count(0)
    verified(account)  # publishing needs a verified address
    page.get_by_role("radio", name="Public").click()
    expect(page.get_by_role("radio", name="Public")).to_be_checked()
    for context in contexts:
        context.close()
