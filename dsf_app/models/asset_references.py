"""Which images a generated image was drawn from: the references the agent passed, and the image
it edited."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import SQLModel

from dsf_app.models.columns import enum_field, foreign_key, id_field


class ReferenceRole(StrEnum):
    EDITED = "edited"  # the image that was changed ("change the background of asset X")
    REFERENCE = "reference"  # an image whose subject or look the new one keeps


class AssetReference(SQLModel, table=True):
    """One image the asset was made from, in the order they were sent to the provider; deleting
    either image deletes the link."""

    __tablename__ = "asset_reference"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("asset_id", "position"),)

    id: uuid.UUID = id_field()
    asset_id: uuid.UUID = foreign_key("asset.id")
    reference_id: uuid.UUID = foreign_key("asset.id")
    position: int
    role: ReferenceRole = enum_field(ReferenceRole.REFERENCE)
