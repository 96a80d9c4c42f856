"""The actor's conversations with an agent (the User Agent when `world_id` is None, else the
world's agent): the current one (the newest), a new one, and the earlier ones to read back.
The agent keeps its memory across them; a new conversation is marked to start without the old
messages in the agent's context, which its first turn clears on Letta."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from dsf_app.errors import NotFound
from dsf_app.models import ChatConversation, ChatMessage
from dsf_app.services.access import not_visible, require_world
from dsf_app.services.actor import Actor

TITLE_CHARS = 80


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation as the list of conversations shows it."""

    id: uuid.UUID
    started_at: datetime
    title: str  # the person's first message, cut short ("" while there is none)
    messages: int
    current: bool


def _newest(session: Session, actor: Actor, world_id: uuid.UUID | None) -> ChatConversation | None:
    return session.exec(
        select(ChatConversation)
        .where(
            ChatConversation.user_id == actor.user_id,
            col(ChatConversation.world_id).is_not_distinct_from(world_id),
        )
        .order_by(col(ChatConversation.started_at).desc(), col(ChatConversation.id).desc())
    ).first()


def current(session: Session, actor: Actor, world_id: uuid.UUID | None) -> ChatConversation:
    """The actor's current conversation about `world_id`, begun on first use."""
    if world_id is not None:
        require_world(session, actor, world_id)
    found = _newest(session, actor, world_id)
    if found is None:
        found = ChatConversation(user_id=actor.user_id, world_id=world_id)
        session.add(found)
        session.flush()
    return found


def start_new(session: Session, actor: Actor, world_id: uuid.UUID | None) -> uuid.UUID:
    """Begin a new conversation (the current one, if nothing has been said in it yet)."""
    now = current(session, actor, world_id)
    if _count(session, now.id) == 0:
        return now.id
    fresh = ChatConversation(user_id=actor.user_id, world_id=world_id, fresh_context=True)
    session.add(fresh)
    session.flush()
    return fresh.id


def require(
    session: Session, actor: Actor, conversation_id: uuid.UUID, world_id: uuid.UUID | None
) -> ChatConversation:
    """The actor's own conversation about `world_id`; anyone else's is NotFound."""
    found = session.get(ChatConversation, conversation_id)
    if found is None or found.user_id != actor.user_id or found.world_id != world_id:
        raise NotFound(not_visible("conversation", conversation_id))
    return found


def context_cleared(session: Session, actor: Actor, conversation_id: uuid.UUID) -> None:
    """The agent's context no longer holds earlier conversations' messages."""
    found = session.get(ChatConversation, conversation_id)
    if found is None or found.user_id != actor.user_id:
        raise NotFound(not_visible("conversation", conversation_id))
    found.fresh_context = False
    session.add(found)


def _count(session: Session, conversation_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count()).where(ChatMessage.conversation_id == conversation_id)
    ).one()


def list_conversations(
    session: Session, actor: Actor, world_id: uuid.UUID | None
) -> list[ConversationSummary]:
    """The actor's conversations about `world_id`, newest first, each with its first message."""
    now = current(session, actor, world_id)
    rows = session.exec(
        select(ChatConversation)
        .where(
            ChatConversation.user_id == actor.user_id,
            col(ChatConversation.world_id).is_not_distinct_from(world_id),
        )
        .order_by(col(ChatConversation.started_at).desc(), col(ChatConversation.id).desc())
    ).all()
    ids = [row.id for row in rows]
    counts = dict(
        session.exec(
            select(ChatMessage.conversation_id, func.count())
            .where(col(ChatMessage.conversation_id).in_(ids))
            .group_by(col(ChatMessage.conversation_id))
        ).all()
    )
    firsts = dict(
        session.exec(
            select(ChatMessage.conversation_id, ChatMessage.content)
            .where(col(ChatMessage.conversation_id).in_(ids), ChatMessage.role == "user")
            .distinct(col(ChatMessage.conversation_id))
            .order_by(col(ChatMessage.conversation_id), col(ChatMessage.created_at))
        ).all()
    )
    return [
        ConversationSummary(
            id=row.id,
            started_at=row.started_at,
            title=" ".join(firsts.get(row.id, "").split())[:TITLE_CHARS],
            messages=counts.get(row.id, 0),
            current=row.id == now.id,
        )
        for row in rows
    ]
