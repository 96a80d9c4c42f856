"""Suggestions an agent offers a person beside the chat: shown until accepted or dismissed;
accepting one sends its action back to the agent as the person's next message."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import Suggestion, SuggestionPriority, SuggestionStatus
from dsf_app.services.access import require_world
from dsf_app.services.actor import Actor

MAX_OPEN = 20
_PRIORITY_RANK = case(
    (col(Suggestion.priority) == SuggestionPriority.HIGH.value, 0),
    (col(Suggestion.priority) == SuggestionPriority.MEDIUM.value, 1),
    else_=2,
)


def _open(actor: Actor, world_id: uuid.UUID | None) -> list[Any]:
    return [
        col(Suggestion.user_id) == actor.user_id,
        col(Suggestion.world_id).is_not_distinct_from(world_id),
        col(Suggestion.status) == SuggestionStatus.OPEN.value,
    ]


def offer(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    title: str,
    description: str,
    action_id: str,
    priority: SuggestionPriority | str = SuggestionPriority.MEDIUM,
    action_label: str | None = None,
    action_data: dict[str, Any] | None = None,
) -> Suggestion:
    """Show a suggestion; an open one with the same action id is replaced, and beyond MAX_OPEN
    the oldest open ones are dismissed."""
    if world_id is not None:
        require_world(session, actor, world_id)
    same = session.exec(
        select(Suggestion).where(*_open(actor, world_id), Suggestion.action_id == action_id)
    ).first()
    suggestion = same or Suggestion(
        user_id=actor.user_id,
        world_id=world_id,
        action_id=action_id,
        title=title,
        description=description,
    )
    suggestion.title = title
    suggestion.description = description
    suggestion.priority = SuggestionPriority(priority)
    suggestion.action_label = action_label
    suggestion.action_data = action_data
    session.add(suggestion)
    session.flush()
    stale = session.exec(
        select(Suggestion)
        .where(*_open(actor, world_id))
        .order_by(col(Suggestion.created_at).desc())
        .offset(MAX_OPEN)
    ).all()
    for old in stale:
        old.status = SuggestionStatus.DISMISSED
        session.add(old)
    session.flush()
    return suggestion


def list_open(
    session: Session, actor: Actor, world_id: uuid.UUID | None, limit: int = 5
) -> list[Suggestion]:
    """The open suggestions to show, most important and newest first."""
    return list(
        session.exec(
            select(Suggestion)
            .where(*_open(actor, world_id))
            .order_by(_PRIORITY_RANK, col(Suggestion.created_at).desc())
            .limit(limit)
        ).all()
    )


def _settle(
    session: Session, actor: Actor, suggestion_id: uuid.UUID, status: SuggestionStatus
) -> Suggestion:
    suggestion = session.exec(
        select(Suggestion)
        .where(Suggestion.id == suggestion_id, Suggestion.user_id == actor.user_id)
        .with_for_update()
    ).first()
    if suggestion is None:
        raise NotFound(f"No suggestion with id {suggestion_id} is visible to you.")
    if suggestion.status != SuggestionStatus.OPEN:
        raise Invalid(f"That suggestion was already {SuggestionStatus(suggestion.status).value}.")
    suggestion.status = status
    session.add(suggestion)
    session.flush()
    return suggestion


def accept(session: Session, actor: Actor, suggestion_id: uuid.UUID) -> Suggestion:
    return _settle(session, actor, suggestion_id, SuggestionStatus.ACCEPTED)


def dismiss(session: Session, actor: Actor, suggestion_id: uuid.UUID) -> Suggestion:
    return _settle(session, actor, suggestion_id, SuggestionStatus.DISMISSED)


def acceptance_message(suggestion: Suggestion) -> str:
    """The message that tells the agent which suggestion the person accepted."""
    message = f"I accept your suggestion “{suggestion.title}” (action_id: {suggestion.action_id})"
    if suggestion.action_data:
        message += f" with action_data {json.dumps(suggestion.action_data, ensure_ascii=False)}"
    return message + "."
