"""The images a new image is drawn from: which ones an image request may use, and, once it is
made, which it was made from.

An image may be drawn from an image of the world it goes into, or from one of the person's own
(made or uploaded outside any world), if the person may read it; the id comes from a model, so
anything else — another world's image, a forged id — is refused with a sentence the agent can
act on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, and_, col, or_, select

from dsf_app.errors import Forbidden, Invalid
from dsf_app.images.references import MAX_REFERENCES, REFERENCE_TYPES
from dsf_app.models import Asset, AssetReference, AssetType, ReferenceRole, World
from dsf_app.services.access import readable_worlds_clause, require_asset
from dsf_app.services.actor import Actor


@dataclass(frozen=True)
class DrawnFrom:
    """An image the new one is drawn from, in the order it is sent to the provider."""

    asset: Asset
    role: ReferenceRole


@dataclass(frozen=True)
class ReferenceLink:
    """An image another was made from, as a page shows it."""

    asset_id: uuid.UUID
    role: ReferenceRole
    description: str


def images_to_draw_from(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    edit_id: uuid.UUID | None,
    reference_ids: Sequence[uuid.UUID],
) -> list[DrawnFrom]:
    """The image to edit (first) and the references, each checked: an image the actor may read,
    of `world_id` or the actor's own outside any world, in a format both providers take."""
    named = dict.fromkeys(reference_ids, ReferenceRole.REFERENCE)
    if edit_id is not None:
        named.pop(edit_id, None)
        named = {edit_id: ReferenceRole.EDITED, **named}
    if len(named) > MAX_REFERENCES:
        raise Invalid(
            f"An image can be drawn from at most {MAX_REFERENCES} images (the one to edit "
            f"included); pass the {MAX_REFERENCES} that matter most."
        )
    return [
        DrawnFrom(_usable(session, actor, world_id, asset_id), role)
        for asset_id, role in named.items()
    ]


def _usable(
    session: Session, actor: Actor, world_id: uuid.UUID | None, asset_id: uuid.UUID
) -> Asset:
    asset = require_asset(session, actor, asset_id)
    own = asset.world_id is None and asset.owner_id == actor.user_id
    if asset.world_id != world_id and not own:
        where = "this world" if world_id is not None else "your own images"
        raise Forbidden(
            f"Asset {asset_id} belongs to another world, so a new image in {where} cannot be "
            "drawn from it; pass images of this world (asset_manager list shows them), a Codex "
            "entry's portrait, or the person's own images."
        )
    if asset.type != AssetType.IMAGE or asset.content_type not in REFERENCE_TYPES:
        raise Invalid(
            f"Asset {asset_id} is {asset.content_type}, and images are drawn only from PNG, "
            "JPEG or WebP images; pass another image."
        )
    return asset


def record_references(
    session: Session, asset_id: uuid.UUID, drawn_from: Sequence[DrawnFrom]
) -> None:
    """Note which images `asset_id` was made from, in the order they were sent; called in the
    transaction that records the new asset."""
    for position, source in enumerate(drawn_from):
        session.add(
            AssetReference(
                asset_id=asset_id,
                reference_id=source.asset.id,
                position=position,
                role=source.role,
            )
        )
    session.flush()


def references_of(
    session: Session, actor: Actor, asset_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ReferenceLink]]:
    """For each of these assets, the images it was made from that the actor may read, in the
    order they were sent (a person's own image stays hidden from the world's other readers)."""
    if not asset_ids:
        return {}
    readable = or_(
        and_(col(Asset.world_id).is_(None), col(Asset.owner_id) == actor.user_id),
        col(Asset.world_id).in_(select(World.id).where(readable_worlds_clause(actor))),
    )
    rows = session.exec(
        select(AssetReference, Asset)
        .join(Asset, col(Asset.id) == col(AssetReference.reference_id))
        .where(col(AssetReference.asset_id).in_(asset_ids), readable)
        .order_by(col(AssetReference.asset_id), col(AssetReference.position))
    ).all()
    links: dict[uuid.UUID, list[ReferenceLink]] = {}
    for link, reference in rows:
        links.setdefault(link.asset_id, []).append(
            # The column holds the plain value (models.columns.enum_field).
            ReferenceLink(reference.id, ReferenceRole(link.role), reference.description)
        )
    return links
