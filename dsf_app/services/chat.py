"""The actor's own conversation messages, with the User Agent (no world) or a world's agent:
the person's messages, the agent's text as it streams, and one row per tool call — each in
the conversation of its run (or the current one)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import AgentRun, ChatMessage
from dsf_app.models.columns import utcnow
from dsf_app.services import conversations, validation
from dsf_app.services.access import require_run, require_story, require_world
from dsf_app.services.actor import Actor


def append_message(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    role: str,
    content: str,
    message_type: str = "user",
    *,
    story_id: uuid.UUID | None = None,
    run_id: uuid.UUID | None = None,
    tool_call_id: str | None = None,
    tool_name: str | None = None,
    tool_args: dict[str, Any] | None = None,
    tool_result: str | None = None,
    tool_status: str | None = None,
) -> ChatMessage:
    """Store one message of the actor's conversation about `world_id` (None: the User Agent):
    the run's conversation, or the current one."""
    run = _check_links(session, actor, world_id, story_id, run_id)
    message = ChatMessage(
        user_id=actor.user_id,
        world_id=world_id,
        conversation_id=run.conversation_id
        if run is not None and run.conversation_id is not None
        else conversations.current(session, actor, world_id).id,
        story_id=story_id,
        run_id=run_id,
        role=validation.text(role, what="message role", max_length=20, required=True),
        content=validation.text(content, what="message content", strip=False),
        message_type=validation.text(
            message_type, what="message type", max_length=30, required=True
        ),
        tool_call_id=_optional(tool_call_id, "tool call id"),
        tool_name=_optional(tool_name, "tool name"),
        tool_args=None
        if tool_args is None
        else validation.json_object(tool_args, what="tool args"),
        tool_result=tool_result,
        tool_status=_optional(tool_status, "tool status", max_length=20),
    )
    session.add(message)
    session.flush()
    return message


def _check_links(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
    run_id: uuid.UUID | None,
) -> AgentRun | None:
    if world_id is not None:
        require_world(session, actor, world_id)
    if story_id is not None and require_story(session, actor, story_id).world_id != world_id:
        raise Invalid(f"Story {story_id} is not part of the world this conversation is about.")
    if run_id is None:
        return None
    run = require_run(session, actor, run_id)
    if run.world_id != world_id:
        raise Invalid(f"Run {run_id} is not part of the conversation about this world.")
    return run


def _optional(value: str | None, what: str, max_length: int = 100) -> str | None:
    return None if value is None else validation.text(value, what=what, max_length=max_length)


def list_messages(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    *,
    limit: int = 50,
    conversation_id: uuid.UUID | None = None,
) -> list[ChatMessage]:
    """The actor's last `limit` messages of a conversation about `world_id` (None: the User
    Agent; the current conversation unless `conversation_id` names another), oldest first."""
    validation.page(limit, 0)
    conversation = (
        conversations.current(session, actor, world_id)
        if conversation_id is None
        else conversations.require(session, actor, conversation_id, world_id)
    )
    newest = session.exec(
        select(ChatMessage)
        .where(
            ChatMessage.user_id == actor.user_id,
            ChatMessage.conversation_id == conversation.id,
        )
        .order_by(col(ChatMessage.created_at).desc(), col(ChatMessage.id).desc())
        .limit(limit)
    ).all()
    return list(reversed(newest))


def has_tool_call(session: Session, actor: Actor, tool_call_id: str) -> bool:
    return _tool_message(session, actor, tool_call_id) is not None


StreamStatus = Literal["streaming", "done", "interrupted"]


@dataclass(frozen=True)
class StreamedText:
    """An agent message as far as it has streamed: one Letta message, kept as one row."""

    letta_message_id: str
    kind: Literal["assistant", "reasoning"]
    text: str
    status: StreamStatus = "streaming"


def save_streamed(session: Session, run: AgentRun, texts: list[StreamedText]) -> None:
    """Insert or extend the rows of `run`'s streamed messages (the caller checked the run is
    the actor's own): one row per Letta message, updated in place however often it is saved."""
    for piece in texts:
        row = {
            "id": uuid.uuid4(),
            "user_id": run.user_id,
            "world_id": run.world_id,
            "conversation_id": run.conversation_id,
            "story_id": run.story_id,
            "run_id": run.id,
            "role": "assistant",
            "content": piece.text,
            "message_type": piece.kind,
            "letta_message_id": validation.text(
                piece.letta_message_id, what="Letta message id", max_length=100, required=True
            ),
            "stream_status": piece.status,
            "created_at": utcnow(),
        }
        session.execute(
            insert(ChatMessage)
            .values(**row)
            .on_conflict_do_update(
                index_elements=["run_id", "letta_message_id"],
                set_={"content": piece.text, "stream_status": piece.status},
            )
        )


def end_rows(session: Session, run_id: uuid.UUID, *, finished: bool) -> None:
    """When a run stops: its text still streaming is done, or interrupted when the turn did not
    finish; so is a tool call still shown as running."""
    session.execute(
        update(ChatMessage)
        .where(col(ChatMessage.run_id) == run_id, col(ChatMessage.stream_status) == "streaming")
        .values(stream_status="done" if finished else "interrupted")
    )
    session.execute(
        update(ChatMessage)
        .where(col(ChatMessage.run_id) == run_id, col(ChatMessage.tool_status) == "running")
        .values(tool_status="interrupted")
    )


def reply_of(session: Session, run_id: uuid.UUID) -> str:
    """What the agent said to the person in the run, in order."""
    return "\n".join(
        session.exec(
            select(ChatMessage.content)
            .where(ChatMessage.run_id == run_id, ChatMessage.message_type == "assistant")
            .order_by(col(ChatMessage.created_at), col(ChatMessage.id))
        ).all()
    )


def _tool_message(session: Session, actor: Actor, tool_call_id: str) -> ChatMessage | None:
    return session.exec(
        select(ChatMessage).where(
            ChatMessage.user_id == actor.user_id, ChatMessage.tool_call_id == tool_call_id
        )
    ).first()


def record_tool_outcome(
    session: Session, actor: Actor, tool_call_id: str, status: str, result: str
) -> ChatMessage | None:
    """Fill in the status and result of the actor's tool-call message, if it has one (a call
    run outside a conversation, e.g. by a test, has none)."""
    message = _tool_message(session, actor, tool_call_id)
    if message is None:
        return None
    message.tool_status = _optional(status, "tool status", max_length=20)
    message.tool_result = result
    session.add(message)
    session.flush()
    return message
