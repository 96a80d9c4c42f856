"""Sign-in sessions, looked up by the hash of the cookie's random token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import foreign_key, id_field, optional_timestamp_field, timestamp_field


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = timestamp_field()
    expires_at: datetime = Field(
        sa_type=DateTime(timezone=True), sa_column_kwargs={"nullable": False}
    )
    revoked_at: datetime | None = optional_timestamp_field()
    user_agent: str = Field(default="", max_length=500)
