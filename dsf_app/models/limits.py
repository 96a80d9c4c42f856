"""Attempts counted by the rate limits (sign-ins, sign-ups, collaborator invitations), in
PostgreSQL so every backend worker counts the same ones."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from dsf_app.models.columns import id_field, timestamp_field


class RateLimitAttempt(SQLModel, table=True):
    """One attempt under one limit's key (e.g. "signin-ip:203.0.113.9"); `succeeded` stays
    false until the attempt is known to have worked."""

    __tablename__ = "rate_limit_attempt"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    id: uuid.UUID = id_field()
    key: str = Field(index=True, max_length=400)
    succeeded: bool
    at: datetime = timestamp_field(index=True)
