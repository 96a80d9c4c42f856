"""Images drawn from other images: each provider sends them in its vendor's request shape (OpenAI's
multipart `image[]` edits, Gemini's `inline_data` parts); only images of the world being drawn
in, or the person's own, may be used; the new asset lists what it was made from; and the
Experience Agent draws a character from its portrait through the real agent loop."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import ToolOutcome, execute
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.images.providers import (
    GoogleImageProvider,
    ImageRequest,
    OpenAIImageProvider,
    VendorImageProvider,
)
from dsf_app.images.references import ReferenceImage
from dsf_app.models import AgentKind, Asset, CollaboratorRole, ReferenceRole, Visibility
from dsf_app.services import asset_files, asset_references, assets
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage, asset_key
from tests.factories import make_actor, make_image, make_world, share
from tests.fakes.image_servers import (
    DEFAULT_API_KEY,
    FakeGoogleImages,
    FakeOpenAIImages,
    solid_png,
)
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

PORTRAIT = solid_png(6, 8, (190, 40, 90))
BACKDROP = solid_png(8, 6, (20, 60, 160))
GIF = b"GIF89a" + bytes(20)
Vendor = FakeOpenAIImages | FakeGoogleImages


async def _ignore(_: TurnEvent) -> None:
    return None


# -- the providers: each vendor's own request shape ------------------------------------------


@pytest.fixture(params=["openai", "google"])
def vendor(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Vendor, VendorImageProvider]]:
    if request.param == "openai":
        with FakeOpenAIImages() as openai_fake:
            yield (
                openai_fake,
                OpenAIImageProvider(DEFAULT_API_KEY, openai_fake.base_url, max_retries=0),
            )
    else:
        with FakeGoogleImages() as google_fake:
            yield google_fake, GoogleImageProvider(DEFAULT_API_KEY, google_fake.url, max_retries=0)


async def test_each_provider_sends_the_references_in_its_vendors_request_shape(
    vendor: tuple[Vendor, VendorImageProvider],
) -> None:
    fake, provider = vendor
    references = [
        ReferenceImage(PORTRAIT, "image/png", "portrait.png"),
        ReferenceImage(BACKDROP, "image/png", "backdrop.png"),
    ]

    image = await provider.generate(ImageRequest(prompt="Mara at the helm"), references)

    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    (request,) = fake.requests
    (sent,) = fake.sent_images()
    assert [(part.content_type, part.data) for part in sent] == [
        ("image/png", PORTRAIT),
        ("image/png", BACKDROP),
    ]
    if isinstance(fake, FakeOpenAIImages):
        assert request.path == "/v1/images/edits"
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        assert [part.filename for part in sent] == ["portrait.png", "backdrop.png"]
        assert request.body["size"] == "1024x1024"
    else:
        assert request.path.endswith(":generateContent")
        (content,) = request.body["contents"]
        text, *images = content["parts"]
        assert "Mara at the helm" in text["text"] and len(images) == 2
    (prompt,) = fake.prompts()
    assert "references" in prompt and prompt.endswith("Mara at the helm")


async def test_an_edit_names_the_image_it_changes_and_a_plain_prompt_sends_no_image(
    vendor: tuple[Vendor, VendorImageProvider],
) -> None:
    fake, provider = vendor
    request = ImageRequest(prompt="make the sky a night sky")

    await provider.generate(request, [ReferenceImage(BACKDROP, "image/png", "b.png")], edit=True)
    await provider.generate(request)

    edit, plain = fake.prompts()
    assert edit.startswith("Edit the first image") and edit.endswith("make the sky a night sky")
    assert plain == "make the sky a night sky"
    assert [[part.data for part in sent] for sent in fake.sent_images()] == [[BACKDROP], []]
    if isinstance(fake, FakeOpenAIImages):
        assert [r.path for r in fake.requests] == ["/v1/images/edits", "/v1/images/generations"]


async def test_a_format_the_vendor_refuses_comes_back_as_a_sentence(
    vendor: tuple[Vendor, VendorImageProvider],
) -> None:
    _, provider = vendor
    with pytest.raises(Invalid, match=r"rejected the image request: .*(?i:mime)"):
        await provider.generate(
            ImageRequest(prompt="x"), [ReferenceImage(GIF, "image/gif", "a.gif")]
        )


# -- which images may be drawn from ----------------------------------------------------------


def _image(
    session: Session, owner: Actor, world_id: uuid.UUID | None, content_type: str = "image/png"
) -> Asset:
    """An image row (no bytes needed to decide what may be drawn from)."""
    key = asset_key(owner.user_id, world_id, f"{uuid.uuid4().hex}.png")
    return assets.record_asset(session, owner, world_id, key, content_type, 10)


def test_images_of_this_world_and_the_persons_own_may_be_drawn_from(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    portrait, backdrop, own = (
        _image(session, ada, world.id),
        _image(session, ada, world.id),
        _image(session, ada, None),
    )

    drawn = asset_references.images_to_draw_from(
        session, ada, world.id, backdrop.id, [portrait.id, own.id, backdrop.id]
    )

    assert [(source.asset.id, source.role) for source in drawn] == [
        (backdrop.id, ReferenceRole.EDITED),
        (portrait.id, ReferenceRole.REFERENCE),
        (own.id, ReferenceRole.REFERENCE),
    ]


def test_a_forged_or_foreign_reference_is_refused_with_a_sentence(session: Session) -> None:
    ada, eve = make_actor(session), make_actor(session, "Eve")
    world, other = make_world(session, ada), make_world(session, ada, "Elsewhere")
    public = make_world(session, eve, "Open Sea", Visibility.PUBLIC)
    forged = uuid.uuid4()

    def refused(asset_id: uuid.UUID) -> str:
        with pytest.raises((NotFound, Forbidden)) as caught:
            asset_references.images_to_draw_from(session, ada, world.id, None, [asset_id])
        return str(caught.value)

    assert refused(forged) == f"No asset with id {forged} is visible to you."
    eves_own = _image(session, eve, None)
    assert refused(eves_own.id) == f"No asset with id {eves_own.id} is visible to you."
    for foreign in (_image(session, ada, other.id), _image(session, eve, public.id)):
        assert refused(foreign.id).startswith(
            f"Asset {foreign.id} belongs to another world, so a new image in this world cannot "
            "be drawn from it; pass images of this world"
        )
    # Outside any world only the person's own images may be drawn from.
    with pytest.raises(Forbidden, match="in your own images cannot be drawn from it"):
        asset_references.images_to_draw_from(
            session, ada, None, _image(session, ada, world.id).id, []
        )


def test_too_many_references_or_a_format_the_providers_refuse_is_invalid(
    session: Session,
) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    five = [_image(session, ada, world.id).id for _ in range(5)]
    with pytest.raises(Invalid, match="at most 4 images"):
        asset_references.images_to_draw_from(session, ada, world.id, None, five)
    gif = _image(session, ada, world.id, "image/gif")
    with pytest.raises(Invalid, match="is image/gif, and images are drawn only from PNG"):
        asset_references.images_to_draw_from(session, ada, world.id, gif.id, [])


def test_an_image_lists_what_it_was_made_from_to_those_who_may_see_it(session: Session) -> None:
    ada, bo = make_actor(session), make_actor(session, "Bo")
    world = make_world(session, ada)
    share(session, ada, world, bo, CollaboratorRole.VIEWER)
    portrait, own = _image(session, ada, world.id), _image(session, ada, None)
    made = _image(session, ada, world.id)
    drawn = asset_references.images_to_draw_from(
        session, ada, world.id, None, [portrait.id, own.id]
    )
    asset_references.record_references(session, made.id, drawn)

    mine = asset_references.references_of(session, ada, [made.id, portrait.id])
    theirs = asset_references.references_of(session, bo, [made.id])

    assert [(link.asset_id, link.role.value) for link in mine[made.id]] == [
        (portrait.id, "reference"),
        (own.id, "reference"),
    ]
    assert portrait.id not in mine  # made from nothing
    # Ada's own image stays hers: Bo, who reads the world, sees only the world's portrait.
    assert [link.asset_id for link in theirs[made.id]] == [portrait.id]
    page = assets.image_page(session, bo, world.id, 1, 24)
    assert [link.asset_id for link in page.references[made.id]] == [portrait.id]


# -- image_generator on real services ---------------------------------------------------------


@pytest.fixture
def fakes(openai_images: FakeOpenAIImages, google_images: FakeGoogleImages) -> dict[str, Vendor]:
    return {"openai": openai_images, "google": google_images}


@pytest.fixture
def person(dsf_in_process: Settings, storage: AssetStorage) -> Actor:
    with session_scope() as session:
        return make_actor(session)


def _world_with_portrait(person: Actor, storage: AssetStorage) -> tuple[uuid.UUID, uuid.UUID]:
    with session_scope() as session:
        world = make_world(session, person, "Tidewright")
        portrait = make_image(session, person, storage, world, PORTRAIT, "Mara, the pilot")
        return world.id, portrait.id


async def _draw(person: Actor, world_id: uuid.UUID | None, args: dict[str, Any]) -> ToolOutcome:
    ctx = ToolContext(person, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    return await execute(ctx, "image_generator", json.dumps(args))


@pytest.mark.parametrize("provider", ["openai", "google"])
async def test_image_generator_draws_from_the_portrait_and_records_it(
    provider: str,
    person: Actor,
    storage: AssetStorage,
    fakes: dict[str, Vendor],
) -> None:
    world_id, portrait_id = _world_with_portrait(person, storage)
    fake = fakes[provider]
    before = len(fake.requests)

    outcome = await _draw(
        person,
        world_id,
        {
            "prompt": "Mara at the helm in a storm",
            "provider": provider,
            "category": "character",
            "reference_asset_ids": [str(portrait_id)],
        },
    )

    assert outcome.status == "success", outcome.result
    result = json.loads(outcome.result)
    assert result["drawn_from"] == [{"asset_id": str(portrait_id), "role": "reference"}]
    (sent,) = fake.sent_images()[before:]
    assert [(part.content_type, part.data) for part in sent] == [("image/png", PORTRAIT)]
    with session_scope() as session:
        made = uuid.UUID(result["asset_id"])
        links = asset_references.references_of(session, person, [made])[made]
    assert [(link.asset_id, link.role, link.description) for link in links] == [
        (portrait_id, ReferenceRole.REFERENCE, "Mara, the pilot")
    ]


async def test_a_world_turn_edits_the_persons_own_image_into_the_world(
    person: Actor, storage: AssetStorage, fakes: dict[str, Vendor]
) -> None:
    """An image of the person's own, outside any world (My images), passes the turn's
    confinement as an image to draw from, and the new image is the world's."""
    world_id, _ = _world_with_portrait(person, storage)
    key = asset_key(person.user_id, None, f"{uuid.uuid4().hex}.png")
    storage.put(key, BACKDROP, "image/png")
    with session_scope() as session:
        stored = asset_files.StoredBytes(key, "image/png", len(BACKDROP))
        own = asset_files.record_image(session, person, stored, world_id=None).id
    before = len(fakes["openai"].requests)

    outcome = await _draw(
        person,
        world_id,
        {"prompt": "a night sky", "provider": "openai", "edit_asset_id": str(own)},
    )

    assert outcome.status == "success", outcome.result
    result = json.loads(outcome.result)
    assert result["world_id"] == str(world_id)
    assert result["drawn_from"] == [{"asset_id": str(own), "role": "edited"}]
    (request,) = fakes["openai"].requests[before:]
    assert request.path == "/v1/images/edits"
    assert request.body["prompt"].startswith("Edit the first image")
    assert [part.data for part in request.body["image[]"]] == [BACKDROP]


async def test_image_generator_refuses_a_forged_or_foreign_reference_before_paying(
    person: Actor, storage: AssetStorage, fakes: dict[str, Vendor]
) -> None:
    world_id, _ = _world_with_portrait(person, storage)
    with session_scope() as session:
        eve = make_actor(session, "Eve")
        elsewhere = make_world(session, eve, "Elsewhere", Visibility.PUBLIC)
        foreign = make_image(session, eve, storage, elsewhere, BACKDROP, "their sea").id
    before = {name: len(fake.requests) for name, fake in fakes.items()}

    for named, sentence in (
        (uuid.uuid4(), "is visible to you"),
        (foreign, "is not part of it"),
    ):
        for field in ("reference_asset_ids", "edit_asset_id"):
            value: Any = [str(named)] if field == "reference_asset_ids" else str(named)
            outcome = await _draw(person, world_id, {"prompt": "Mara", field: value})
            assert outcome.status == "error"
            assert str(named) in outcome.result and sentence in outcome.result

    assert {name: len(fake.requests) for name, fake in fakes.items()} == before
    with session_scope() as session:
        (only,) = assets.list_assets(session, person, world_id)
    assert only.description == "Mara, the pilot"


async def test_the_experience_agent_draws_a_character_from_the_portrait(
    orchestrator: Orchestrator,
    person: Actor,
    storage: AssetStorage,
    llm: ScriptedLLM,
    fakes: dict[str, Vendor],
) -> None:
    world_id, portrait_id = _world_with_portrait(person, storage)
    tag = uuid.uuid4().hex[:6]
    task = f"draw Mara at the helm {tag}; her portrait is asset {portrait_id}"
    llm.on_user(
        f"show me Mara at the helm {tag}",
        then=[ToolCall("delegate_to_experience", {"task": task}), Reply("Here she is.")],
    )
    llm.on_user(
        task,
        then=[
            ToolCall(
                "image_generator",
                {
                    "prompt": f"Mara at the helm of the Tidewright {tag}",
                    "provider": "google",
                    "category": "character",
                    "reference_asset_ids": [str(portrait_id)],
                },
            ),
            Reply("Drew Mara from her portrait."),
        ],
    )
    before = len(fakes["google"].requests)

    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"show me Mara at the helm {tag}"),
        _ignore,
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    (sent,) = fakes["google"].sent_images()[before:]
    assert [part.data for part in sent] == [PORTRAIT]
    with session_scope() as session:
        page = assets.image_page(session, person, world_id, 1, 24)
    newest, portrait = page.images
    assert portrait.id == portrait_id and newest.generated
    assert [link.asset_id for link in page.references[newest.id]] == [portrait_id]
