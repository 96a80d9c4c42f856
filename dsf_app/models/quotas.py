"""What each person used of their daily budgets, and the limits the operator set for one person
(`python -m dsf_app.admin quota`). Everything else follows the settings (DSF_QUOTA_*)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel


class Meter(StrEnum):
    """What a daily budget counts."""

    TURNS = "turns"
    STEPS = "steps"
    IMAGES = "images"
    EVALUATIONS = "evaluations"
    IMPORTS = "imports"


def _person() -> Any:
    # The primary key starts with it, so it needs no index of its own.
    return Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
        )
    )


def _meter() -> Any:
    return Field(sa_column=Column(String(20), primary_key=True))


class UsageDay(SQLModel, table=True):
    """How much of one meter a person used (or holds reserved for a call under way) on one UTC
    day; counted up and down in single statements, so parallel calls never pass the limit."""

    __tablename__ = "usage_day"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    user_id: uuid.UUID = _person()
    day: date = Field(sa_column=Column(Date, primary_key=True))
    meter: str = _meter()
    used: int = Field(sa_column=Column(Integer, nullable=False))


class QuotaOverride(SQLModel, table=True):
    """The operator's own daily limit of one meter for one person, instead of the setting's."""

    __tablename__ = "quota_override"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    user_id: uuid.UUID = _person()
    meter: str = _meter()
    daily_limit: int = Field(sa_column=Column(Integer, nullable=False))
