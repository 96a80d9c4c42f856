"""One-use links sent by email (verify the address, reset the password, sign in), looked up by
the hash of their random token, like sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import (
    enum_field,
    foreign_key,
    id_field,
    optional_timestamp_field,
    timestamp_field,
)


class TokenPurpose(StrEnum):
    VERIFY = "verify"
    RESET = "reset"
    SIGN_IN = "sign_in"


class EmailToken(SQLModel, table=True):
    """A link's token: for whom, for what, to which address it was sent, until when it works,
    and when it was used (it works once)."""

    __tablename__ = "email_token"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    purpose: TokenPurpose = enum_field()
    email: str = Field(max_length=320)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = timestamp_field()
    expires_at: datetime = Field(
        sa_type=DateTime(timezone=True), sa_column_kwargs={"nullable": False}
    )
    used_at: datetime | None = optional_timestamp_field()
