"""Cover images for world cards: each world's chosen cover (an image uploaded as its cover), else
its newest image asset, for many worlds in one query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from dsf_app.models import Asset, AssetType, World
from dsf_app.services.access import readable_worlds_clause
from dsf_app.services.actor import Actor


@dataclass(frozen=True)
class Cover:
    asset_id: uuid.UUID
    description: str


def covers(session: Session, actor: Actor, world_ids: list[uuid.UUID]) -> dict[uuid.UUID, Cover]:
    """The cover, else the newest image, of each of `world_ids` the actor may read (worlds
    without an image are left out)."""
    if not world_ids:
        return {}
    rows = session.exec(
        select(Asset.world_id, Asset.id, Asset.description)
        .join(World, col(World.id) == Asset.world_id)
        .where(
            col(Asset.world_id).in_(world_ids),
            Asset.type == AssetType.IMAGE.value,
            readable_worlds_clause(actor),
        )
        .order_by(
            col(Asset.world_id),
            col(Asset.cover).desc(),
            col(Asset.created_at).desc(),
            col(Asset.id).desc(),
        )
        .distinct(col(Asset.world_id))
    ).all()
    return {
        world_id: Cover(asset_id=asset_id, description=description)
        for world_id, asset_id, description in rows
        if world_id is not None
    }
