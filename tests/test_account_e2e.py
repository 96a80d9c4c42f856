"""The account page in Chromium, against the app as it ships: the display name, the password (the
old one refused afterwards; an account that signs in through GitHub alone sets its first), signing
out everywhere (another browser's session ends too), and deleting the account — after which no
row in any table names the person or their worlds, no file of theirs is in S3 and no agent of
theirs is on the Letta server, while the worlds of others they worked on stay."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect
from pydantic import TypeAdapter
from sqlmodel import Session, select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.agents.registry import execute
from dsf_app.auth import sessions
from dsf_app.canvas.specs import Spec
from dsf_app.db import session_scope
from dsf_app.errors import NotFound
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind, AgentRecord, AgentRun, Asset, OAuthAccount, Story, World
from dsf_app.services import (
    canvas,
    chat,
    interactions,
    invitations,
    runs,
    stories,
    suggestions,
    users,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.storage import AssetStorage
from tests.account_data import letta_agent_exists, letta_agents_tagged, rows_naming, stored_files
from tests.accounts import (
    Account,
    new_account,
    path_is,
    sign_in_over_http,
    sign_up_over_http,
    use_session,
)
from tests.e2e_helpers import actor_of
from tests.fakes.image_servers import FakeOpenAIImages

pytestmark = pytest.mark.usefixtures("dsf_in_process")
T = TypeVar("T")
ORPHAN_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run async DSF code on a loop of its own (Playwright's sync API keeps one on this
    thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def _open_account_page(page: Page, app_url: str) -> None:
    page.locator("#account-link").click()
    expect(page).to_have_url(path_is(app_url, "/account"))
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()


def test_change_the_display_name_and_the_password(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page = signed_in_page
    other_device = sign_in_over_http(app_url, account.email, account.password)
    other_token = other_device.cookies[sessions.SESSION_COOKIE]
    _open_account_page(page, app_url)
    expect(page.locator("#account-email")).to_have_text(account.email)
    expect(page.get_by_label("Display name")).to_have_value(account.name)

    page.get_by_label("Display name").fill("Ada King")
    page.locator("#save-name").click()
    expect(page.locator("#account-name")).to_have_text("Ada King")
    with session_scope() as session:
        user = users.get_by_email(session, account.email)
        assert user is not None and user.name == "Ada King"

    form = page.locator("#account-password-section")
    form.get_by_label("Current password").fill("not my password")
    form.get_by_label("New password").fill("a brand new passphrase")
    page.locator("#save-password").click()
    expect(form.get_by_role("alert")).to_contain_text("not your current password")
    form.get_by_label("Current password").fill(account.password)
    form.get_by_label("New password").fill("short")
    page.locator("#save-password").click()
    expect(form.get_by_role("alert")).to_contain_text("too short")
    form.get_by_label("Current password").fill(account.password)
    form.get_by_label("New password").fill("a brand new passphrase")
    page.locator("#save-password").click()
    expect(page.get_by_text("Password changed")).to_be_visible()
    expect(form.get_by_role("alert")).to_have_count(0)

    refused = sign_in_over_http(app_url, account.email, account.password)
    assert refused.headers["location"].startswith("/signin?error=credentials")
    accepted = sign_in_over_http(app_url, account.email, "a brand new passphrase")
    assert accepted.headers["location"] == "/worlds"
    # The other device was signed out; this page was not.
    with session_scope() as session:
        assert sessions.resolve(session, other_token) is None
    page.reload()
    expect(page.locator("#account-name")).to_have_text("Ada King")


def test_an_account_without_a_password_sets_one(page: Page, app_url: str) -> None:
    account = new_account("Grace Hopper")
    with session_scope() as session:
        user = users.create_user(session, account.email, account.name)
        session.add(OAuthAccount(user_id=user.id, provider="github", provider_account_id="gh-1"))
        token = sessions.create_session(session, user)
    use_session(page.context, app_url, token)
    page.goto(f"{app_url}/account")
    form = page.locator("#account-password-section")
    expect(form).to_contain_text("You sign in with GitHub")
    expect(form.get_by_label("Current password")).to_have_count(0)
    form.get_by_label("New password").fill("my first password")
    page.locator("#save-password").click()
    expect(page.get_by_text("Password set")).to_be_visible()
    expect(form.get_by_label("Current password")).to_be_visible()
    accepted = sign_in_over_http(app_url, account.email, "my first password")
    assert accepted.headers["location"] == "/worlds"


def test_sign_out_everywhere_ends_the_other_browsers_session(
    signed_in_page: Page, app_url: str, account: Account, browser: Browser
) -> None:
    page = signed_in_page
    elsewhere = browser.new_context(viewport={"width": 1280, "height": 800})
    elsewhere.set_default_timeout(20_000)
    try:
        response = sign_in_over_http(app_url, account.email, account.password)
        use_session(elsewhere, app_url, response.cookies[sessions.SESSION_COOKIE])
        other = elsewhere.new_page()
        other.goto(f"{app_url}/worlds")
        expect(other.locator("#account-name")).to_have_text(account.name)

        _open_account_page(page, app_url)
        page.locator("#sign-out-everywhere").click()
        expect(page).to_have_url(path_is(app_url, "/signin"))
        page.goto(f"{app_url}/account")
        expect(page).to_have_url(path_is(app_url, "/signin"))

        other.reload()
        expect(other).to_have_url(path_is(app_url, "/signin"))
    finally:
        elsewhere.close()


async def _ignore(_: TurnEvent) -> None:
    return None


async def _image(actor: Actor, world_id: uuid.UUID | None, text: str) -> uuid.UUID:
    """An image made through the image_generator tool: bytes in S3, a row, a tool execution."""
    ctx = ToolContext(actor, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    args = {"prompt": text, "provider": "openai", "description": text}
    outcome = await execute(ctx, "image_generator", json.dumps(args))
    assert outcome.status == "success", outcome.result
    return uuid.UUID(json.loads(outcome.result)["asset_id"])


@dataclass(frozen=True)
class Agents:
    own: list[str]  # the person's User, Experience and World Agents, and one never recorded
    collaborators_in_own_world: str
    owner_of_shared_world: str


async def _agents(
    person: Actor, friend: Actor, owner: Actor, own: uuid.UUID, shared: uuid.UUID, spare: uuid.UUID
) -> Agents:
    directory = AgentDirectory(connect())
    mine = [
        await directory.agent_id(person, AgentKind.USER),
        await directory.agent_id(person, AgentKind.EXPERIENCE),
        await directory.agent_id(person, AgentKind.WORLD, own),
        await directory.agent_id(person, AgentKind.WORLD, shared),
        await directory.agent_id(person, AgentKind.WORLD, spare),
    ]
    # The last one as if provisioning crashed before recording it: only its Letta tag names
    # the person.
    with session_scope() as session:
        record = session.exec(select(AgentRecord).where(AgentRecord.letta_agent_id == mine[-1]))
        session.delete(record.one())
    return Agents(
        own=mine,
        collaborators_in_own_world=await directory.agent_id(friend, AgentKind.WORLD, own),
        owner_of_shared_world=await directory.agent_id(owner, AgentKind.WORLD, shared),
    )


@dataclass(frozen=True)
class Seeded:
    person: Actor
    own_worlds: list[uuid.UUID]
    shared_world: uuid.UUID
    owners_story: uuid.UUID
    persons_story_elsewhere: uuid.UUID
    owners_image: uuid.UUID
    persons_image_elsewhere: uuid.UUID
    friends_image_in_own_world: str  # its storage key
    friends_run: uuid.UUID
    agents: Agents


def _seed(person: Actor, storage: AssetStorage) -> Seeded:
    """The person's own worlds (one with a friend as editor) and everything a person makes,
    and a world of someone else's that the person writes in."""
    with session_scope() as session:
        friend = Actor.of(users.create_user(session, new_account("Friend").email, "Friend"))
        owner = Actor.of(users.create_user(session, new_account("Owner").email, "Owner"))
        own = worlds.create_world(session, person, "Mine to delete")
        spare = worlds.create_world(session, person, "Another of mine")
        shared = worlds.create_world(session, owner, "Not mine")
        worlds.add_collaborator(session, person, own.id, _email(session, friend), "editor")
        worlds.add_collaborator(session, owner, shared.id, _email(session, person), "editor")
        worlds.add_collaborator(session, person, own.id, "someone@example.test", "viewer")
        for guest in (friend, person):
            user = users.get_user(session, guest.user_id)
            user.email_verified = True  # as after following the verification link
            invitations.accept(session, user)
        pending = worlds.create_world(session, owner, "Invited, not yet there")
        worlds.add_collaborator(session, owner, pending.id, _email(session, person), "viewer")
        session.add(
            OAuthAccount(user_id=person.user_id, provider="github", provider_account_id="gh-42")
        )
        story = stories.create_story(session, person, own.id, "My story")
        stories.add_segment(session, person, story.id, "", "It begins.")
        elsewhere = stories.create_story(session, person, shared.id, "My story in their world")
        owners_story = stories.create_story(session, owner, shared.id, "Their story")
        spec = TypeAdapter(Spec).validate_python({"type": "Text", "props": {"content": "Hi"}})
        canvas.show(session, person, own.id, "canvas-root", "inline", spec)
        interactions.record(session, person, own.id, "canvas-root", "t1", "click", {})
        suggestions.offer(session, person, own.id, "An idea", "More.", "idea")
        for where in (own.id, shared.id, None):
            chat.append_message(session, person, where, "user", "Hello.")
        chat.append_message(session, friend, own.id, "user", "Hello from the friend.")
        run = runs.start_run(session, person, "world", own.id, "agent-x")
        runs.finish_run(session, person, run.id, "end_turn")
        friends_run = runs.start_run(session, friend, "world", own.id, "agent-y")
        worlds.update_world_fields(session, person, own.id, description="Changed once.")
    storage.put(f"users/{person.user_id}/unfiled/orphan.png", ORPHAN_PNG, "image/png")

    async def made() -> tuple[list[uuid.UUID], Agents]:
        images = [
            await _image(person, own.id, "A portrait in my world"),
            await _image(person, None, "A picture of my own"),
            await _image(person, shared.id, "My picture in their world"),
            await _image(owner, shared.id, "Their own picture"),
            await _image(friend, own.id, "The friend's picture in my world"),
        ]
        return images, await _agents(person, friend, owner, own.id, shared.id, spare.id)

    images, agents = _run(made())
    with session_scope() as session:
        friends_key = session.get_one(Asset, images[4]).storage_key
    return Seeded(
        person=person,
        own_worlds=[own.id, spare.id],
        shared_world=shared.id,
        owners_story=owners_story.id,
        persons_story_elsewhere=elsewhere.id,
        owners_image=images[3],
        persons_image_elsewhere=images[2],
        friends_image_in_own_world=friends_key,
        friends_run=friends_run.id,
        agents=agents,
    )


def _email(session: Session, actor: Actor) -> str:
    return users.get_user(session, actor.user_id).email


def test_delete_the_account_and_everything_it_owns(
    signed_in_page: Page,
    app_url: str,
    account: Account,
    storage: AssetStorage,
    openai_images: FakeOpenAIImages,
) -> None:
    page = signed_in_page
    person = actor_of(account)
    seeded = _seed(person, storage)
    refused = sign_in_over_http(app_url, account.email, "a wrong password")
    assert refused.headers["location"].startswith("/signin?error=credentials")
    assert set(rows_naming(person.user_id, seeded.own_worlds, account.email)) >= {
        "user", "world", "story", "story_segment", "asset", "agent_record", "agent_run",
        "tool_execution", "chat_message", "canvas_surface", "canvas_interaction", "suggestion",
        "world_version", "world_collaborator", "world_invitation", "user_session",
        "rate_limit_attempt", "oauth_account",
    }  # fmt: skip
    assert len(stored_files(storage, person.user_id)) == 4
    assert len(_run(letta_agents_tagged(person.user_id))) == 5

    _open_account_page(page, app_url)
    page.locator("#delete-account").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(account.email)
    dialog.get_by_label("Your email").fill("someone.else@example.test")
    dialog.get_by_role("button", name="Delete everything").click()
    expect(dialog.get_by_role("alert")).to_contain_text("type its email")
    assert rows_naming(person.user_id, [], account.email).get("user") == 1
    dialog.get_by_label("Your email").fill(account.email.upper())
    dialog.get_by_role("button", name="Delete everything").click()
    expect(page).to_have_url(path_is(app_url, "/signin"), timeout=60_000)
    expect(page.get_by_text("Your account and everything it held are deleted.")).to_be_visible()

    # PostgreSQL: no row names the person or their worlds.
    assert rows_naming(person.user_id, seeded.own_worlds, account.email) == {}
    # S3: nothing under their prefix, and the friend's image in their world went with it.
    assert stored_files(storage, person.user_id) == []
    with pytest.raises(NotFound):
        storage.get(seeded.friends_image_in_own_world)
    # Letta: no agent of theirs, nor the friend's agent for their world.
    assert _run(letta_agents_tagged(person.user_id)) == []
    assert not _run(letta_agent_exists(seeded.agents.collaborators_in_own_world))
    for agent_id in seeded.agents.own:
        assert not _run(letta_agent_exists(agent_id))

    # Others' world stays, without what the person made in it; others keep their own things.
    with session_scope() as session:
        assert session.get(World, seeded.shared_world) is not None
        assert session.get(Story, seeded.owners_story) is not None
        assert session.get(Story, seeded.persons_story_elsewhere) is None
        assert session.get(Asset, seeded.persons_image_elsewhere) is None
        owners_image = session.get_one(Asset, seeded.owners_image)
        assert session.get_one(AgentRun, seeded.friends_run).world_id is None
    assert storage.get(owners_image.storage_key)[:4] == b"\x89PNG"
    assert _run(letta_agent_exists(seeded.agents.owner_of_shared_world))

    # The browser's session is gone with the account.
    page.goto(f"{app_url}/worlds")
    expect(page).to_have_url(path_is(app_url, "/signin"))
    assert sign_up_over_http(app_url, account)  # the email is free again
