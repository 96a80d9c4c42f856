"""Images end to end: each provider's fake vendor API → the real local S3 server → an Asset row →
the bytes behind `/assets/<id>` of the app as it ships; the same through the real agent loop;
failures that reach the model as tool errors and leave nothing behind; asset_manager."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import ToolOutcome, execute
from dsf_app.agents.tools import image_generator
from dsf_app.agents.topics import Topic
from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import NotFound
from dsf_app.models import AgentKind, Asset, User
from dsf_app.services import asset_files, assets, stories, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from dsf_app.state.gallery import GalleryState, gallery_world_id
from dsf_app.state.refresh import refresh_events
from dsf_app.storage import AssetStorage
from tests.fakes.image_servers import (
    FakeGoogleImages,
    FakeImageAPI,
    FakeOpenAIImages,
    prompt_colour,
    solid_png,
)
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.test_images import png_info

SESSION_COOKIE = sessions.SESSION_COOKIE
# Each SDK tries a request three times (one attempt and two retries) before giving up.
ATTEMPTS = 3


async def _ignore(_: TurnEvent) -> None:
    return None


def _person(name: str = "Ada") -> Actor:
    with session_scope() as session:
        return Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", name).id)


def _session_token(actor: Actor) -> str:
    with session_scope() as session:
        user = session.get(User, actor.user_id)
        assert user is not None
        return sessions.create_session(session, user)


def _world(actor: Actor, name: str = "Tidewright") -> uuid.UUID:
    with session_scope() as session:
        return worlds.create_world(session, actor, name, "Kelp and tides.").id


def _ctx(
    actor: Actor, world_id: uuid.UUID | None, story_id: uuid.UUID | None = None
) -> ToolContext:
    return ToolContext(actor, world_id, story_id, f"call-{uuid.uuid4().hex}", _ignore)


async def _call(ctx: ToolContext, name: str, args: dict[str, Any]) -> ToolOutcome:
    return await execute(ctx, name, json.dumps(args))


def _assets_of(world_id: uuid.UUID) -> list[Asset]:
    with session_scope() as session:
        return list(session.exec(select(Asset).where(Asset.world_id == world_id)))


def _stored_keys(storage: AssetStorage, owner: Actor) -> list[str]:
    listing = storage.client.list_objects_v2(
        Bucket=storage.bucket, Prefix=f"users/{owner.user_id}/"
    )
    return [item["Key"] for item in listing.get("Contents", [])]


def _tool_results_sent(llm: ScriptedLLM) -> list[str]:
    return [m["content"] for m in llm.requests[-1]["messages"] if m.get("role") == "tool"]


@pytest.fixture
def fakes(
    openai_images: FakeOpenAIImages, google_images: FakeGoogleImages
) -> Iterator[dict[str, FakeImageAPI[Any]]]:
    """Both vendors' fakes; failures a test queued but did not use are dropped afterwards."""
    both: dict[str, FakeImageAPI[Any]] = {"openai": openai_images, "google": google_images}
    yield both
    for fake in both.values():
        while fake.take_failure() is not None:
            pass


@pytest.fixture
def person(dsf_in_process: Settings, storage: AssetStorage) -> Actor:
    return _person()


@pytest.mark.parametrize("provider", ["openai", "google"])
async def test_image_round_trip_through_each_provider(
    provider: str,
    person: Actor,
    fakes: dict[str, FakeImageAPI[Any]],
    storage: AssetStorage,
    app_url: str,
    dsf_in_process: Settings,
) -> None:
    world_id = _world(person)
    with session_scope() as session:
        story_id = stories.create_story(session, person, world_id, "Low Tide").id
    prompt = f"A kelp farm at dusk under two moons {uuid.uuid4().hex[:6]}"
    outcome = await _call(
        _ctx(person, world_id, story_id),
        "image_generator",
        {
            "prompt": prompt,
            "size": "1536x1024",
            "style": "cinematic film still",
            "provider": provider,
            "category": "background",
            "description": "The kelp farm at dusk",
        },
    )

    assert outcome.status == "success", outcome.result
    result = json.loads(outcome.result)
    asset_id = uuid.UUID(result["asset_id"])
    assert result["url"] == f"/assets/{asset_id}"
    assert result["provider"] == provider
    assert result["model"] == getattr(dsf_in_process, f"{provider}_image_model")
    full_prompt = f"{prompt}\n\nStyle: cinematic film still"
    fake = fakes[provider]
    assert isinstance(fake, FakeOpenAIImages | FakeGoogleImages)
    assert fake.prompts()[-1] == full_prompt

    (asset,) = _assets_of(world_id)
    assert asset.id == asset_id
    assert (asset.generated, asset.prompt, asset.category) == (True, full_prompt, "background")
    assert (asset.story_id, asset.content_type, asset.owner_id) == (
        story_id,
        "image/png",
        person.user_id,
    )
    assert asset.meta["provider"] == provider and asset.meta["size"] == "1536x1024"
    assert asset.storage_key.startswith(f"users/{person.user_id}/worlds/{world_id}/")
    stored = storage.get(asset.storage_key)
    assert asset.size_bytes == len(stored)
    assert png_info(stored) == (96, 64, prompt_colour(full_prompt))

    # The stable URL serves the owner those bytes from the app itself, for their browser only.
    owner_cookies = {SESSION_COOKIE: _session_token(person)}
    served = httpx.get(f"{app_url}{result['url']}", cookies=owner_cookies)
    assert served.status_code == 200
    assert served.content == stored
    assert served.headers["content-type"] == "image/png"
    assert "private" in served.headers["cache-control"]

    # Someone else gets the same answer as for an asset that does not exist.
    stranger_cookies = {SESSION_COOKIE: _session_token(_person("Mallory"))}
    hidden = httpx.get(f"{app_url}{result['url']}", cookies=stranger_cookies)
    missing_id = uuid.uuid4()
    missing = httpx.get(f"{app_url}/assets/{missing_id}", cookies=stranger_cookies)
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.text == f"No asset with id {asset_id} is visible to you."
    assert missing.text == f"No asset with id {missing_id} is visible to you."
    assert "location" not in hidden.headers
    assert httpx.get(f"{app_url}{result['url']}").status_code == 401


async def test_the_app_bundle_assets_are_still_served(app_url: str) -> None:
    """/assets/<uuid> is ours; the frontend's own /assets/<name>.js files are not shadowed."""
    page = httpx.get(f"{app_url}/signin", follow_redirects=True)
    bundle = re.search(r"/assets/[\w.\-]+\.js", page.text)
    assert bundle is not None, page.text[:500]
    script = httpx.get(f"{app_url}{bundle.group(0)}")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_the_world_agent_generates_an_image_in_its_loop(
    orchestrator: Orchestrator,
    person: Actor,
    llm: ScriptedLLM,
    fakes: dict[str, FakeImageAPI[Any]],
    storage: AssetStorage,
) -> None:
    world_id = _world(person)
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"paint the harbour {tag}",
        then=[
            ToolCall(
                "image_generator",
                {
                    "prompt": f"The harbour of Tidewright at low tide {tag}",
                    "provider": "google",
                    "category": "background",
                },
            ),
            Reply("Here is the harbour."),
        ],
    )
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"paint the harbour {tag}"), _ignore
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert "assets" in finished.changed
    (asset,) = _assets_of(world_id)
    assert asset.generated and asset.meta["provider"] == "google"
    assert asset.description == f"The harbour of Tidewright at low tide {tag}"
    (result,) = _tool_results_sent(llm)[-1:]
    assert str(asset.id) in result
    assert f"/assets/{asset.id}" in result
    assert storage.get(asset.storage_key)[:8] == b"\x89PNG\r\n\x1a\n"


async def test_the_experience_agent_makes_an_image_for_the_world_that_asked(
    orchestrator: Orchestrator,
    person: Actor,
    llm: ScriptedLLM,
    fakes: dict[str, FakeImageAPI[Any]],
) -> None:
    world_id = _world(person)
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"a portrait of the diver {tag}",
        then=[
            ToolCall("delegate_to_experience", {"task": f"paint the diver {tag}"}),
            Reply("The Experience Agent painted her."),
        ],
    )
    llm.on_user(
        f"paint the diver {tag}",
        then=[
            ToolCall(
                "image_generator",
                {"prompt": f"A diver in a brass suit {tag}", "category": "character"},
            ),
            Reply("Painted the diver."),
        ],
    )
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"a portrait of the diver {tag}"),
        _ignore,
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert "assets" in finished.changed
    (asset,) = _assets_of(world_id)
    assert (asset.category, asset.meta["provider"]) == ("character", "openai")
    tool_results = [
        m["content"]
        for request in llm.requests
        for m in request["messages"]
        if m.get("role") == "tool"
    ]
    assert any(f"/assets/{asset.id}" in result for result in tool_results)


def test_the_gallery_follows_the_world_in_the_url_and_reloads_on_asset_changes() -> None:
    world_id = uuid.uuid4()
    for path in (
        f"/worlds/{world_id}",
        f"/worlds/{world_id}/gallery",
        f"/worlds/{world_id}/gallery/",
        f"/worlds/{world_id}/stories/{uuid.uuid4()}",
    ):
        assert gallery_world_id(path) == world_id
    assert gallery_world_id("/worlds") is None
    assert gallery_world_id("/worlds/not-a-world/gallery") is None
    assert GalleryState.reload in refresh_events({Topic.ASSETS})


def _no_provider(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"openai_api_key": SecretStr(""), "gemini_api_key": SecretStr("")}
    )


@pytest.mark.parametrize(
    ("provider", "failure", "error"),
    [
        (
            "openai",
            "refused",
            "image_generator failed: The image provider (OpenAI) refused this prompt: Your "
            "request was rejected by the safety system.",
        ),
        ("google", "refused", "The image provider (Google) refused this prompt: blocked as"),
        ("openai", "rate_limit", "image_generator failed: OpenAI image rate limit reached"),
        ("google", "rate_limit", "image_generator failed: Google image rate limit reached"),
        (
            None,
            "unconfigured",
            "image_generator failed: No image provider is configured — set OPENAI_API_KEY or "
            "GEMINI_API_KEY.",
        ),
    ],
    ids=["openai-refused", "google-refused", "openai-rate", "google-rate", "unconfigured"],
)
async def test_image_failures_reach_the_model_and_leave_nothing(
    provider: str | None,
    failure: str,
    error: str,
    orchestrator: Orchestrator,
    person: Actor,
    llm: ScriptedLLM,
    fakes: dict[str, FakeImageAPI[Any]],
    storage: AssetStorage,
    dsf_in_process: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_id = _world(person)
    if provider is None:
        monkeypatch.setattr(image_generator, "get_settings", lambda: _no_provider(dsf_in_process))
    else:
        # A refusal is final; a rate limit is retried by the SDK, so it must last every attempt.
        for _ in range(1 if failure == "refused" else ATTEMPTS):
            fakes[provider].fail_next(failure)
    tag = uuid.uuid4().hex[:6]
    args: dict[str, Any] = {"prompt": f"Something the vendor will not draw {tag}"}
    if provider is not None:
        args["provider"] = provider
    llm.on_user(tag, then=[ToolCall("image_generator", args), Reply("I could not make it.")])

    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"draw it {tag}"), _ignore
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    (result,) = _tool_results_sent(llm)[-1:]
    assert error in result
    assert _assets_of(world_id) == []
    assert _stored_keys(storage, person) == []
    if provider is not None:
        assert fakes[provider].take_failure() is None


async def test_a_timeout_reaches_the_agent_as_an_error(
    person: Actor,
    fakes: dict[str, FakeImageAPI[Any]],
    storage: AssetStorage,
    dsf_in_process: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_id = _world(person)
    impatient = dsf_in_process.model_copy(update={"image_timeout_seconds": 0.3})
    monkeypatch.setattr(image_generator, "get_settings", lambda: impatient)
    for _ in range(ATTEMPTS):
        fakes["openai"].fail_next("timeout")

    outcome = await _call(_ctx(person, world_id), "image_generator", {"prompt": "A slow tide"})

    assert outcome.status == "error"
    assert outcome.result == (
        "image_generator failed: OpenAI did not return an image within 0.3 s — try again, "
        "or raise DSF_IMAGE_TIMEOUT."
    )
    assert _assets_of(world_id) == []
    assert _stored_keys(storage, person) == []


async def test_a_storage_failure_after_generation_records_nothing(
    person: Actor,
    fakes: dict[str, FakeImageAPI[Any]],
    dsf_in_process: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_id = _world(person)
    no_bucket = AssetStorage.from_settings(
        dsf_in_process.model_copy(update={"s3_bucket": f"missing-{uuid.uuid4().hex[:8]}"})
    )
    monkeypatch.setattr(asset_files, "asset_storage", lambda: no_bucket)
    before = len(fakes["openai"].requests)

    outcome = await _call(_ctx(person, world_id), "image_generator", {"prompt": "A tide clock"})

    assert outcome.status == "error"
    assert outcome.result.startswith("image_generator failed: S3 refused put_object")
    assert len(fakes["openai"].requests) == before + 1
    assert _assets_of(world_id) == []


async def test_a_database_failure_deletes_the_stored_bytes(
    person: Actor,
    fakes: dict[str, FakeImageAPI[Any]],
    storage: AssetStorage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world_id = _world(person)
    stored: list[str] = []
    real_put = AssetStorage.put

    def put(self: AssetStorage, key: str, data: bytes, content_type: str) -> None:
        real_put(self, key, data, content_type)
        stored.append(key)

    def broken_record(*_: Any, **__: Any) -> Asset:
        raise OperationalError("INSERT INTO asset", {}, Exception("server closed the connection"))

    monkeypatch.setattr(AssetStorage, "put", put)
    monkeypatch.setattr(assets, "record_asset", broken_record)

    # Our own database failing is not the agent's business: the call raises (ending the turn,
    # which says so), and it runs again when the person retries.
    with pytest.raises(OperationalError):
        await _call(_ctx(person, world_id), "image_generator", {"prompt": "A tide clock"})

    (key,) = stored
    with pytest.raises(NotFound):
        storage.get(key)
    assert _assets_of(world_id) == []


async def test_no_image_is_generated_for_a_world_the_person_cannot_change(
    person: Actor, fakes: dict[str, FakeImageAPI[Any]]
) -> None:
    theirs = _world(_person("Victim"), "Private Deep")
    before = len(fakes["openai"].requests)

    outcome = await _call(
        _ctx(person, None), "image_generator", {"prompt": "x", "world_id": str(theirs)}
    )

    assert outcome.status == "error"
    assert f"No world with id {theirs} is visible to you." in outcome.result
    assert len(fakes["openai"].requests) == before
    assert _assets_of(theirs) == []


def _data_url(data: bytes, content_type: str = "image/png") -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


async def test_asset_manager_saves_lists_loads_copies_and_deletes(
    person: Actor, storage: AssetStorage
) -> None:
    world_id = _world(person)
    other_world = _world(person, "Second Sun")
    portrait = solid_png(8, 12, (200, 40, 90))
    ctx = _ctx(person, world_id)

    saved = await _call(
        ctx,
        "asset_manager",
        {
            "operation": "save",
            "data_url": _data_url(portrait),
            "category": "character",
            "description": "The harbour master",
        },
    )
    assert saved.status == "success", saved.result
    first = json.loads(saved.result)["saved"]
    assert (first["category"], first["generated"], first["content_type"]) == (
        "character",
        False,
        "image/png",
    )
    assert first["url"] == f"/assets/{first['asset_id']}"
    assert ctx.changed == {Topic.ASSETS}

    # Copying between worlds is the User Agent's work: a World Agent stays in its world.
    copied = await _call(
        _ctx(person, None),
        "asset_manager",
        {"operation": "save", "source_asset_id": first["asset_id"], "world_id": str(other_world)},
    )
    assert copied.status == "success", copied.result
    copy = json.loads(copied.result)["saved"]
    assert (copy["world_id"], copy["description"]) == (str(other_world), "The harbour master")

    listed = json.loads(
        (await _call(_ctx(person, world_id), "asset_manager", {"operation": "list"})).result
    )
    assert [a["asset_id"] for a in listed["assets"]] == [first["asset_id"]]
    assert listed["has_more"] is False
    loaded = json.loads(
        (
            await _call(
                _ctx(person, other_world),
                "asset_manager",
                {"operation": "load", "asset_id": copy["asset_id"]},
            )
        ).result
    )
    assert loaded["description"] == "The harbour master"
    (original,) = _assets_of(world_id)
    (duplicate,) = _assets_of(other_world)
    assert storage.get(original.storage_key) == portrait == storage.get(duplicate.storage_key)
    assert duplicate.meta == {"copied_from": first["asset_id"]}

    # Someone else can neither read nor delete it, and is told the same as for a missing one.
    stranger = _ctx(_person("Mallory"), None)
    for operation in ("load", "delete"):
        refused = await _call(
            stranger, "asset_manager", {"operation": operation, "asset_id": first["asset_id"]}
        )
        assert refused.status == "error"
        assert f"No asset with id {first['asset_id']} is visible to you." in refused.result

    deleted = await _call(
        _ctx(person, world_id),
        "asset_manager",
        {"operation": "delete", "asset_id": first["asset_id"]},
    )
    assert deleted.status == "success", deleted.result
    assert _assets_of(world_id) == []
    with pytest.raises(NotFound):
        storage.get(original.storage_key)
    assert storage.get(duplicate.storage_key) == portrait


@pytest.mark.parametrize(
    ("data_url", "error"),
    [
        (
            _data_url(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
            "image/svg+xml is not an image type DSF stores",
        ),
        (_data_url(b"#!/bin/sh\necho hi\n"), "The data is not a PNG, JPEG, WebP or GIF image."),
        (
            _data_url(solid_png(2, 2, (0, 0, 0)), "image/jpeg"),
            "says it is image/jpeg, but its bytes are image/png",
        ),
        ("https://example.com/kelp.png", "Pass the image as a base64 data URL"),
        ("data:image/png;base64,@@@@", "The data URL's base64 is not valid."),
    ],
    ids=["svg", "not-an-image", "mislabelled", "not-a-data-url", "bad-base64"],
)
async def test_asset_manager_refuses_what_is_not_an_image(
    data_url: str, error: str, person: Actor, storage: AssetStorage
) -> None:
    world_id = _world(person)
    outcome = await _call(
        _ctx(person, world_id), "asset_manager", {"operation": "save", "data_url": data_url}
    )
    assert outcome.status == "error"
    assert error in outcome.result
    assert _assets_of(world_id) == []
    assert _stored_keys(storage, person) == []


async def test_asset_manager_refuses_images_over_the_size_limit(
    person: Actor, storage: AssetStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asset_files, "MAX_ASSET_BYTES", 64)
    world_id = _world(person)
    outcome = await _call(
        _ctx(person, world_id),
        "asset_manager",
        {"operation": "save", "data_url": _data_url(solid_png(32, 32, (1, 2, 3)))},
    )
    assert outcome.status == "error"
    assert "larger than 64 bytes" in outcome.result
    assert _stored_keys(storage, person) == []


async def test_asset_manager_arguments_are_checked(person: Actor) -> None:
    outcome = await _call(_ctx(person, None), "asset_manager", {"operation": "save"})
    assert outcome.status == "error"
    assert "save needs exactly one of data_url or source_asset_id" in outcome.result
