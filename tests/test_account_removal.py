"""Deleting an account when S3 or the Letta server fails part-way: the person is told what could
not be removed, nothing is deleted from the database, and deleting again — once the service is
back — finishes the job. The failures are real: DSF is pointed at a port where nothing
listens."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.provisioning import AgentDirectory
from dsf_app.agents.registry import execute
from dsf_app.auth.account_removal import delete_account
from dsf_app.db import session_scope
from dsf_app.devstack.processes import free_port
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind
from dsf_app.services import account_deletion, users, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from dsf_app.storage import AssetStorage
from tests.account_data import letta_agent_exists, rows_naming, stored_files
from tests.accounts import new_account
from tests.fakes.image_servers import FakeOpenAIImages


async def _ignore(_: TurnEvent) -> None:
    return None


@pytest.fixture
def person(
    dsf_in_process: Settings, storage: AssetStorage, letta_url: str, openai_images: FakeOpenAIImages
) -> tuple[Actor, str, uuid.UUID]:
    """A person with a world; their email and the world's id."""
    account = new_account("Leaving")
    with session_scope() as session:
        actor = Actor.of(users.create_user(session, account.email, account.name))
        world = worlds.create_world(session, actor, "Soon gone")
    return actor, account.email, world.id


async def _make_things(actor: Actor, world_id: uuid.UUID) -> str:
    """An image in the world (a file in S3) and the person's World Agent; returns its id."""
    ctx = ToolContext(actor, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    args = {"prompt": "A lamp in the fog", "provider": "openai"}
    assert (await execute(ctx, "image_generator", json.dumps(args))).status == "success"
    return await AgentDirectory(connect()).agent_id(actor, AgentKind.WORLD, world_id)


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set a service's URL (S3_ENDPOINT_URL, LETTA_BASE_URL) to a port nobody listens on with
    `unreachable.setenv`; the real one comes back with `unreachable.undo()` or at the end."""
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _nobody_listens() -> str:
    return f"http://127.0.0.1:{free_port()}"


def _confirm(actor: Actor, email: str) -> account_deletion.Outside:
    with session_scope() as session:
        return account_deletion.confirm(session, actor, email)


async def test_letta_failing_after_the_files_went_then_a_retry_finishes(
    person: tuple[Actor, str, uuid.UUID], storage: AssetStorage, unreachable: pytest.MonkeyPatch
) -> None:
    actor, email, world_id = person
    agent_id = await _make_things(actor, world_id)
    assert len(stored_files(storage, actor.user_id)) == 1

    unreachable.setenv("LETTA_BASE_URL", _nobody_listens())
    get_settings.cache_clear()
    with pytest.raises(ServiceUnavailable, match="not deleted yet: its agents on the Letta"):
        await delete_account(actor, _confirm(actor, email))
    # Part-way: the files are gone; the agent and every row are still there.
    assert stored_files(storage, actor.user_id) == []
    assert rows_naming(actor.user_id, [world_id], email).get("user") == 1
    unreachable.undo()
    get_settings.cache_clear()
    assert await letta_agent_exists(agent_id)

    await delete_account(actor, _confirm(actor, email))
    assert rows_naming(actor.user_id, [world_id], email) == {}
    assert not await letta_agent_exists(agent_id)


async def test_s3_failing_stops_before_anything_is_removed_then_a_retry_finishes(
    person: tuple[Actor, str, uuid.UUID], storage: AssetStorage, unreachable: pytest.MonkeyPatch
) -> None:
    actor, email, world_id = person
    agent_id = await _make_things(actor, world_id)

    unreachable.setenv("S3_ENDPOINT_URL", _nobody_listens())
    get_settings.cache_clear()
    with pytest.raises(ServiceUnavailable, match="not deleted yet: its stored files"):
        await delete_account(actor, _confirm(actor, email))
    unreachable.undo()
    get_settings.cache_clear()
    assert len(stored_files(storage, actor.user_id)) == 1
    assert await letta_agent_exists(agent_id)
    assert rows_naming(actor.user_id, [world_id], email).get("asset") == 1

    await delete_account(actor, _confirm(actor, email))
    assert rows_naming(actor.user_id, [world_id], email) == {}
    assert stored_files(storage, actor.user_id) == []
    assert not await letta_agent_exists(agent_id)


def test_the_typed_email_must_be_the_accounts(person: tuple[Actor, str, uuid.UUID]) -> None:
    actor, email, world_id = person
    with pytest.raises(Invalid, match="type its email"):
        _confirm(actor, "someone@example.test")
    assert _confirm(actor, f"  {email.upper()} ") == account_deletion.Outside()
    assert rows_naming(actor.user_id, [world_id], email).get("world") == 1
