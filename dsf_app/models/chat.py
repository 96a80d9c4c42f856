"""Every message of every conversation, stored by us (not only on Letta) so nothing is lost;
a person has any number of conversations with each agent, the newest one current."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import foreign_key, id_field, timestamp_field
from dsf_app.models.lore_rules import LoreTimers, TimersColumn


class ChatConversation(SQLModel, table=True):
    """One conversation of a person with the User Agent (no world) or a world's agent. The
    agent keeps its memory across conversations; a new one starts without the old messages
    in the agent's context (`fresh_context` until its first turn has cleared them on Letta)."""

    __tablename__ = "chat_conversation"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        Index("ix_chat_conversation_user_world", "user_id", "world_id", "started_at"),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    fresh_context: bool = False
    started_at: datetime = timestamp_field()
    # The lore entries kept (sticky) or held back (cooldown) for the next turns.
    lore_timers: LoreTimers = Field(
        default_factory=LoreTimers, sa_column=Column(TimersColumn, nullable=False)
    )


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_message"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (
        Index("ix_chat_user_world_created", "user_id", "world_id", "created_at"),
        # One row per tool call and per streamed Letta message, however often a turn resumes.
        Index("ix_chat_user_tool_call", "user_id", "tool_call_id", unique=True),
        Index("ix_chat_run_letta_message", "run_id", "letta_message_id", unique=True),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
    conversation_id: uuid.UUID = foreign_key("chat_conversation.id")
    story_id: uuid.UUID | None = foreign_key("story.id", nullable=True, cascade=False)
    run_id: uuid.UUID | None = foreign_key("agent_run.id", nullable=True, cascade=False)
    role: str = Field(max_length=20)
    content: str = ""
    message_type: str = Field(default="user", max_length=30)
    tool_call_id: str | None = Field(default=None, max_length=100)
    tool_name: str | None = Field(default=None, max_length=100)
    tool_args: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    tool_result: str | None = None
    tool_status: str | None = Field(default=None, max_length=20)
    # Streamed agent text: the Letta message it is, and streaming | done | interrupted.
    letta_message_id: str | None = Field(default=None, max_length=100)
    stream_status: str | None = Field(default=None, max_length=20)
    created_at: datetime = timestamp_field()
