"""Column helpers shared by every table: ids, timestamps and JSON documents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_field() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def timestamp_field(*, index: bool = False) -> Any:
    return Field(
        default_factory=utcnow,
        sa_column_kwargs={"nullable": False},
        sa_type=DateTime(timezone=True),
        index=index,
    )


def optional_timestamp_field() -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True))


def json_field(default_factory: type = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSONB, nullable=False))


def foreign_key(target: str, *, nullable: bool = False, cascade: bool = True) -> Any:
    """A UUID foreign key with an index; deleting the parent deletes (or unlinks) the row."""
    ondelete = "CASCADE" if cascade else "SET NULL"
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey(target, ondelete=ondelete),
            nullable=nullable,
            index=True,
        ),
    )


def enum_field(default: StrEnum | None = None) -> Any:
    """A StrEnum stored as its plain value, so new members need no type migration."""
    return Field(default=default if default is not None else ..., sa_type=String(20))
