"""Records of images, audio and video kept in S3; the bytes themselves are the caller's job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from dsf_app.errors import Invalid
from dsf_app.models import Asset, AssetCategory, AssetType, World
from dsf_app.services import asset_references, validation
from dsf_app.services.access import (
    Permission,
    require_asset,
    require_segment,
    require_story,
    require_world,
    world_with_level,
)
from dsf_app.services.actor import Actor


def record_asset(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    storage_key: str,
    content_type: str,
    size_bytes: int,
    type: AssetType | str = AssetType.IMAGE,
    category: AssetCategory | str = AssetCategory.OTHER,
    description: str = "",
    story_id: uuid.UUID | None = None,
    segment_id: uuid.UUID | None = None,
    generated: bool = False,
    prompt: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Asset:
    """Record stored bytes, linked to a world (and optionally one of its stories or segments)
    the actor may write; without a world the asset is the actor's alone."""
    key = validation.text(storage_key, what="storage key", max_length=1000, required=True)
    if session.exec(select(Asset.id).where(Asset.storage_key == key)).first() is not None:
        raise Invalid(f"An asset is already recorded under the storage key {key}; use a new key.")
    asset = Asset(
        owner_id=actor.user_id,
        storage_key=key,
        content_type=validation.text(
            content_type, what="content type", max_length=100, required=True
        ),
        size_bytes=validation.count(size_bytes, what="size in bytes"),
        type=validation.choice(type, AssetType, what="asset type"),
        category=validation.choice(category, AssetCategory, what="asset category"),
        description=validation.text(
            description, what="asset description", max_length=validation.MAX_DESCRIPTION
        ),
        generated=generated,
        prompt=None if prompt is None else validation.text(prompt, what="prompt"),
        meta=validation.json_object(meta, what="asset metadata"),
    )
    _link(session, actor, asset, world_id, story_id, segment_id)
    session.add(asset)
    session.flush()
    return asset


def check_links(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None = None,
    segment_id: uuid.UUID | None = None,
) -> None:
    """Raise as `record_asset` would if the actor could not add an asset with these links — to
    check before doing costly work (generating an image) whose result would be refused."""
    _link(
        session,
        actor,
        Asset(owner_id=actor.user_id, storage_key=""),
        world_id,
        story_id,
        segment_id,
    )


def _link(
    session: Session,
    actor: Actor,
    asset: Asset,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
    segment_id: uuid.UUID | None,
) -> None:
    """Set the asset's links after checking the actor may write each, and that they nest."""
    if world_id is None:
        if story_id is not None or segment_id is not None:
            raise Invalid("An asset linked to a story or segment must also name their world.")
        return
    asset.world_id = require_world(session, actor, world_id, Permission.WRITE).id
    if segment_id is not None:
        segment = require_segment(session, actor, segment_id, Permission.WRITE)
        if story_id is not None and segment.story_id != story_id:
            raise Invalid(f"Segment {segment_id} is not part of story {story_id}.")
        story_id, asset.segment_id = segment.story_id, segment.id
    if story_id is not None:
        story = require_story(session, actor, story_id, Permission.WRITE)
        if story.world_id != world_id:
            raise Invalid(f"Story “{story.title}” belongs to another world, not {world_id}.")
        asset.story_id = story.id


def list_assets(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    *,
    type: AssetType | str | None = None,
    category: AssetCategory | str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Asset]:
    """The world's assets (optionally of one type or category), newest first; a page of them
    when `limit` is given."""
    world = require_world(session, actor, world_id)
    query = _newest_first(col(Asset.world_id) == world.id, type, category).offset(max(0, offset))
    if limit is not None:
        query = query.limit(max(0, limit))
    return list(session.exec(query).all())


def _newest_first(
    where: ColumnElement[bool], type: AssetType | str | None, category: AssetCategory | str | None
) -> SelectOfScalar[Asset]:
    query = select(Asset).where(where)
    if type is not None:
        query = query.where(Asset.type == validation.choice(type, AssetType, what="asset type"))
    if category is not None:
        query = query.where(
            Asset.category == validation.choice(category, AssetCategory, what="asset category")
        )
    return query.order_by(col(Asset.created_at).desc(), col(Asset.id).desc())


@dataclass(frozen=True)
class ImagePage:
    world: World | None  # None for the person's own images, made outside any world
    level: Permission
    page: int
    images: list[Asset]
    has_more: bool
    # The images each was made from, those the actor may see (services/asset_references).
    references: dict[uuid.UUID, list[asset_references.ReferenceLink]]


def image_page(
    session: Session, actor: Actor, world_id: uuid.UUID, page: int, page_size: int
) -> ImagePage:
    """One page of the world's images, newest first, and what the actor may do to the world."""
    world, level = world_with_level(session, actor, world_id)
    images = _newest_first(col(Asset.world_id) == world.id, AssetType.IMAGE, None)
    return _page_of(session, actor, images, world, level, page, page_size)


def own_image_page(session: Session, actor: Actor, page: int, page_size: int) -> ImagePage:
    """One page of the images the actor made outside any world (with the User Agent), newest
    first; they are the actor's alone."""
    images = _newest_first(
        col(Asset.world_id).is_(None) & (col(Asset.owner_id) == actor.user_id),
        AssetType.IMAGE,
        None,
    )
    return _page_of(session, actor, images, None, Permission.MANAGE, page, page_size)


def _page_of(
    session: Session,
    actor: Actor,
    images: SelectOfScalar[Asset],
    world: World | None,
    level: Permission,
    page: int,
    page_size: int,
) -> ImagePage:
    """A page past the end (its last image was just deleted) steps back one."""

    def images_on(page: int) -> list[Asset]:
        return list(session.exec(images.offset((page - 1) * page_size).limit(page_size + 1)).all())

    page = max(page, 1)
    rows = images_on(page)
    if not rows and page > 1:
        page -= 1
        rows = images_on(page)
    shown = rows[:page_size]
    references = asset_references.references_of(session, actor, [image.id for image in shown])
    return ImagePage(world, level, page, shown, len(rows) > page_size, references)


def get_asset(session: Session, actor: Actor, asset_id: uuid.UUID) -> Asset:
    return require_asset(session, actor, asset_id)


def stored_keys(asset: Asset) -> list[str]:
    """Where the asset's bytes are: the file, and its thumbnail when it has one."""
    return [asset.storage_key, *([asset.thumbnail_key] if asset.thumbnail_key else [])]


def delete_asset(session: Session, actor: Actor, asset_id: uuid.UUID) -> list[str]:
    """Delete the record; returns its storage keys (`stored_keys`) so the caller deletes the
    bytes."""
    asset = require_asset(session, actor, asset_id, Permission.WRITE)
    session.delete(asset)
    session.flush()
    return stored_keys(asset)
