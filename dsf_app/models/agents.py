"""Which Letta agent serves whom, and one AgentRun per turn (searchable by meaning)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Column, ForeignKey, Index
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import (
    enum_field,
    foreign_key,
    id_field,
    json_field,
    optional_timestamp_field,
    timestamp_field,
)

EMBEDDING_DIMENSIONS = 384


class AgentKind(StrEnum):
    USER = "user"
    WORLD = "world"
    EXPERIENCE = "experience"


class AgentRecord(SQLModel, table=True):
    __tablename__ = "agent_record"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        Index(
            "ix_agent_record_lookup",
            "kind",
            "user_id",
            "world_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: uuid.UUID = id_field()
    kind: AgentKind = enum_field()
    letta_agent_id: str = Field(unique=True, max_length=100)
    user_id: uuid.UUID | None = foreign_key("user.id", nullable=True)
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    created_at: datetime = timestamp_field()
    # What the Letta agent was last brought to: the digest of its definition (prompt, tools,
    # blocks, model) and of each memory block DSF fills, so an unchanged agent costs no call.
    definition_digest: str = Field(default="", max_length=64)
    memory_digests: dict[str, Any] = json_field()


class AgentRun(SQLModel, table=True):
    """One turn. While it runs, `worker` names the process driving it and `heartbeat_at` shows
    that process is still at it, so a turn whose process died is closed, not left running."""

    __tablename__ = "agent_run"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (Index("ix_agent_run_user_started", "user_id", "started_at"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True, cascade=False)
    story_id: uuid.UUID | None = foreign_key("story.id", nullable=True, cascade=False)
    # Unlinked, not deleted, when the conversation goes with its world (as `world_id` is). The
    # check waits for the commit: deleting a world unlinks the run twice in one statement (its
    # world, and its conversation that goes with the world), in an order PostgreSQL chooses.
    conversation_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey(
                "chat_conversation.id", ondelete="SET NULL", deferrable=True, initially="DEFERRED"
            ),
            nullable=True,
            index=True,
        ),
    )
    # A regenerated reply or an edited message: the turn this one is an alternative to, which
    # Letta's context drops before this turn is sent (ours keeps both).
    replaces_run_id: uuid.UUID | None = foreign_key("agent_run.id", nullable=True, cascade=False)
    agent_kind: AgentKind = enum_field()
    letta_agent_id: str = Field(default="", max_length=100)
    prompt: str = ""
    # For an Experience Agent turn run by delegate_to_experience: that tool call's id.
    parent_tool_call_id: str | None = Field(default=None, max_length=100, index=True)
    worker: str | None = Field(default=None, max_length=200)
    heartbeat_at: datetime | None = optional_timestamp_field()
    letta_run_ids: list[Any] = json_field(list)
    started_at: datetime = timestamp_field()
    ended_at: datetime | None = optional_timestamp_field()
    stop_reason: str | None = Field(default=None, max_length=40)
    steps: int = 0
    tool_calls: list[Any] = json_field(list)
    usage: dict[str, Any] = json_field()
    error: str | None = None
    summary: str = ""
    # The Codex entries and foundation items put in front of the agent, each with its reasons.
    lore: list[Any] = json_field(list)
    embedding: list[float] | None = Field(
        default=None, sa_column=Column(Vector(EMBEDDING_DIMENSIONS), nullable=True)
    )


class ToolExecution(SQLModel, table=True):
    """A tool call: claimed (`running`) before it runs, then its outcome, committed with the
    tool's own change — so a retried call returns the outcome instead of running again."""

    __tablename__ = "tool_execution"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    tool_call_id: str = Field(primary_key=True, max_length=100)
    user_id: uuid.UUID = foreign_key("user.id")
    run_id: uuid.UUID | None = foreign_key("agent_run.id", nullable=True, cascade=False)
    tool_name: str = Field(max_length=100)
    status: str = Field(max_length=20)
    result: str = ""
    created_at: datetime = timestamp_field()
    finished_at: datetime | None = optional_timestamp_field()
