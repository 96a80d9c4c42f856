"""Asset records: linked only to things the actor may write, nested correctly, visible by world."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import AssetCategory, AssetType, CollaboratorRole, Visibility, World
from dsf_app.services import assets
from dsf_app.services.access import Permission
from dsf_app.services.actor import Actor
from tests.factories import (
    make_actor,
    make_segment,
    make_story,
    make_world,
    share,
    unique,
)


def _record(session: Session, actor: Actor, world: World | None, **links: Any) -> Any:
    world_id = None if world is None else world.id
    return assets.record_asset(
        session, actor, world_id, unique("assets/img") + ".png", "image/png", 1024, **links
    )


def test_the_owner_records_lists_reads_and_deletes_assets(session: Session) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    story = make_story(session, owner, world)
    segment = make_segment(session, owner, story)

    portrait = assets.record_asset(
        session,
        owner,
        world.id,
        "worlds/portrait.png",
        "image/png",
        2048,
        type="image",
        category="character",
        description="The diver.",
        segment_id=segment.id,
        generated=True,
        prompt="A diver at dusk",
    )
    theme = _record(session, owner, world, type=AssetType.AUDIO, category=AssetCategory.MUSIC)

    assert (portrait.story_id, portrait.segment_id) == (story.id, segment.id)
    assert (portrait.category, portrait.generated, portrait.owner_id) == (
        AssetCategory.CHARACTER,
        True,
        owner.user_id,
    )
    assert [a.id for a in assets.list_assets(session, owner, world.id)] == [theme.id, portrait.id]
    assert assets.get_asset(session, owner, portrait.id) is portrait
    assert assets.delete_asset(session, owner, portrait.id) == ["worlds/portrait.png"]
    assert [a.id for a in assets.list_assets(session, owner, world.id)] == [theme.id]


def test_links_must_nest_inside_the_world(session: Session) -> None:
    owner = make_actor(session)
    world, other_world = make_world(session, owner), make_world(session, owner, "Other")
    story, other_story = make_story(session, owner, world), make_story(session, owner, world, "B")
    elsewhere = make_story(session, owner, other_world)
    segment = make_segment(session, owner, story)

    with pytest.raises(Invalid, match="belongs to another world"):
        _record(session, owner, world, story_id=elsewhere.id)
    with pytest.raises(Invalid, match="is not part of story"):
        _record(session, owner, world, story_id=other_story.id, segment_id=segment.id)
    with pytest.raises(Invalid, match="must also name their world"):
        _record(session, owner, None, story_id=story.id)
    assert assets.list_assets(session, owner, world.id) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"storage_key": "  "}, "storage key cannot be empty"),
        ({"content_type": ""}, "content type cannot be empty"),
        ({"size_bytes": -1}, "size in bytes cannot be negative"),
        ({"type": "hologram"}, "use one of: image, audio, video"),
        ({"category": "prop"}, "use one of: character, background"),
        ({"meta": ["x"]}, "must be an object"),
    ],
)
def test_bad_assets_are_refused(session: Session, changes: dict[str, Any], message: str) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    values: dict[str, Any] = {
        "storage_key": unique("k"),
        "content_type": "image/png",
        "size_bytes": 1,
        **changes,
    }
    with pytest.raises(Invalid, match=message):
        assets.record_asset(session, owner, world.id, **values)


def test_a_storage_key_is_recorded_once(session: Session) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    key = unique("k")
    assets.record_asset(session, owner, world.id, key, "image/png", 1)
    with pytest.raises(Invalid, match="already recorded under the storage key"):
        assets.record_asset(session, owner, world.id, key, "image/png", 1)


def test_readers_see_assets_but_only_writers_change_them(session: Session) -> None:
    owner, viewer, editor = (make_actor(session, n) for n in ("Owner", "Viewer", "Editor"))
    reader = make_actor(session, "Reader")
    world = make_world(session, owner, visibility=Visibility.PUBLIC)
    share(session, owner, world, viewer, CollaboratorRole.VIEWER)
    share(session, owner, world, editor, CollaboratorRole.EDITOR)
    asset = _record(session, owner, world)

    for person in (viewer, reader):
        assert [a.id for a in assets.list_assets(session, person, world.id)] == [asset.id]
        assert assets.get_asset(session, person, asset.id).id == asset.id
        with pytest.raises(Forbidden):
            _record(session, person, world)
        with pytest.raises(Forbidden):
            assets.delete_asset(session, person, asset.id)

    assert _record(session, editor, world).owner_id == editor.user_id
    assert assets.delete_asset(session, editor, asset.id) == [asset.storage_key]


def test_an_asset_without_a_world_is_its_owners_alone(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    avatar = _record(session, owner, None)

    assert assets.get_asset(session, owner, avatar.id) is avatar
    with pytest.raises(NotFound):
        assets.get_asset(session, stranger, avatar.id)
    with pytest.raises(NotFound):
        assets.delete_asset(session, stranger, avatar.id)
    assert assets.delete_asset(session, owner, avatar.id) == [avatar.storage_key]


def test_my_images_are_my_own_images_outside_any_world(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner)
    older, newer = _record(session, owner, None), _record(session, owner, None)
    _record(session, owner, world)
    _record(session, owner, None, type="audio")
    _record(session, stranger, None)

    mine = assets.own_image_page(session, owner, 1, 1)
    assert (mine.world, mine.level, [a.id for a in mine.images], mine.has_more) == (
        None,
        Permission.MANAGE,
        [newer.id],
        True,
    )
    assert [a.id for a in assets.own_image_page(session, owner, 2, 1).images] == [older.id]
    # Past the end (its last image was just deleted), the page steps back one.
    assert assets.own_image_page(session, owner, 3, 1).page == 2
    assert assets.own_image_page(session, stranger, 1, 10).images[0].owner_id == stranger.user_id


AssetCall = Callable[[Session, Actor, dict[str, uuid.UUID]], object]

ASSET_CALLS: dict[str, AssetCall] = {
    "get_asset": lambda s, a, ids: assets.get_asset(s, a, ids["asset"]),
    "delete_asset": lambda s, a, ids: assets.delete_asset(s, a, ids["asset"]),
    "list_assets": lambda s, a, ids: assets.list_assets(s, a, ids["world"]),
    "record_asset into the world": lambda s, a, ids: assets.record_asset(
        s, a, ids["world"], unique("k"), "image/png", 1
    ),
    "record_asset on its story": lambda s, a, ids: assets.record_asset(
        s, a, ids["own_world"], unique("k"), "image/png", 1, story_id=ids["story"]
    ),
    "record_asset on its segment": lambda s, a, ids: assets.record_asset(
        s, a, ids["own_world"], unique("k"), "image/png", 1, segment_id=ids["segment"]
    ),
}


@pytest.mark.parametrize("call", ASSET_CALLS.values(), ids=ASSET_CALLS.keys())
def test_another_persons_assets_are_not_found_by_every_function(
    session: Session, call: AssetCall
) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner)
    story = make_story(session, owner, world)
    ids = {
        "world": world.id,
        "story": story.id,
        "segment": make_segment(session, owner, story).id,
        "asset": _record(session, owner, world).id,
        "own_world": make_world(session, stranger).id,
    }
    with pytest.raises(NotFound, match="is visible to you"):
        call(session, stranger, ids)
