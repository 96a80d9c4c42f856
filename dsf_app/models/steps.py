"""The steps of an agent run (its trajectory): each model request, reasoning, message, tool
call and retrieval, in order, with its timing, tokens and outcome. Captured from the turn's own
stream and DSF's tool executions (Letta 0.16.8 cannot list steps: `GET /v1/steps/` answers 400).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import enum_field, foreign_key, id_field, json_field, timestamp_field


class StepKind(StrEnum):
    MODEL = "model"  # one request to the agent: tokens, latency, stop reason
    REASONING = "reasoning"
    MESSAGE = "message"  # text the agent wrote
    TOOL = "tool"  # a DSF tool run through the approval flow, or a tool Letta ran itself
    RETRIEVAL = "retrieval"  # lore or memory put in front of the model


class RunStep(SQLModel, table=True):
    __tablename__ = "run_step"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        Index("ix_run_step_run_position", "run_id", "position"),
        Index("ix_run_step_user_parent_call", "user_id", "parent_call_id"),
    )

    id: uuid.UUID = id_field()
    run_id: uuid.UUID = foreign_key("agent_run.id")
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True, cascade=False)
    # Set on every step of a nested turn: the tool call (delegate_to_experience) it answers.
    parent_call_id: str | None = Field(default=None, max_length=100)
    position: int
    kind: StepKind = enum_field()
    name: str = Field(default="", max_length=100)
    tool_call_id: str | None = Field(default=None, max_length=100)
    letta_step_id: str | None = Field(default=None, max_length=100)
    status: str = Field(default="", max_length=40)
    started_at: datetime = timestamp_field()
    duration_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    detail: dict[str, Any] = json_field()
