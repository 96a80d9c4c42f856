"""A tool call that cannot be undone, waiting for the person to approve or deny it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from dsf_app.models.columns import (
    enum_field,
    foreign_key,
    id_field,
    optional_timestamp_field,
    timestamp_field,
)


class Decision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


class ToolConfirmation(SQLModel, table=True):
    """One destructive call an agent asked for, in words (`summary`), and the person's answer.
    `run_id` is the top-level turn the chat continues once the person answers; Letta's
    approval request waits meanwhile."""

    __tablename__ = "tool_confirmation"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    id: uuid.UUID = id_field()
    tool_call_id: str = Field(unique=True, max_length=100)
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    run_id: uuid.UUID = foreign_key("agent_run.id")
    tool_name: str = Field(max_length=100)
    summary: str = Field(max_length=2000)
    decision: Decision = enum_field(Decision.PENDING)
    created_at: datetime = timestamp_field()
    decided_at: datetime | None = optional_timestamp_field()
