"""People and their linked OAuth accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import foreign_key, id_field, json_field, timestamp_field


class User(SQLModel, table=True):
    id: uuid.UUID = id_field()
    email: str = Field(unique=True, index=True, max_length=320)
    name: str = Field(default="", max_length=200)
    image: str | None = Field(default=None, max_length=2000)
    password_hash: str | None = Field(default=None, max_length=500)
    email_verified: bool = False
    preferences: dict[str, Any] = json_field()
    created_at: datetime = timestamp_field()


class OAuthAccount(SQLModel, table=True):
    __tablename__ = "oauth_account"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (UniqueConstraint("provider", "provider_account_id"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    provider: str = Field(max_length=40)
    provider_account_id: str = Field(max_length=200)
    tokens: dict[str, Any] = json_field()
    created_at: datetime = timestamp_field()
