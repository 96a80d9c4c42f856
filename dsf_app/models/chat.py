"""Every message of every conversation, stored by us (not only on Letta) so nothing is lost."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from dsf_app.models.columns import foreign_key, id_field, timestamp_field


class ChatMessage(SQLModel, table=True):
    __tablename__ = "chat_message"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)
    __table_args__ = (Index("ix_chat_user_world_created", "user_id", "world_id", "created_at"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = foreign_key("user.id")
    world_id: uuid.UUID | None = foreign_key("world.id", nullable=True)
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
    created_at: datetime = timestamp_field()
