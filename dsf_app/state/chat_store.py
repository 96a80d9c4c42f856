"""The chat panel's blocking work, run in worker threads (never on the event loop), each in
short sessions: who a session token belongs to, the person's message committed with its turn
before anything else happens, and the conversation shown with the list of conversations and
the confirmation cards still waiting in it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dsf_app.auth import sessions
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden
from dsf_app.models import AgentKind
from dsf_app.services import confirmations, conversations, turns
from dsf_app.services.actor import Actor
from dsf_app.state.auth import SIGNED_OUT
from dsf_app.state.chat_rows import ChatItem, card

HISTORY_LIMIT = 200


def actor_for(token: str | None) -> Actor:
    """The signed-in person of a session token (blocking: call it in a worker thread)."""
    if token is None:
        raise Forbidden(SIGNED_OUT)
    with session_scope() as db:
        actor = sessions.resolve(db, token)
    if actor is None:
        raise Forbidden(SIGNED_OUT)
    return actor


def start(
    token: str | None,
    kind: AgentKind,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
    outgoing: Outgoing,
) -> tuple[Actor, turns.TurnRecord]:
    """Who is asking, and their message committed with its turn (in a worker thread)."""
    actor = actor_for(token)
    return actor, turns.start(
        actor,
        kind,
        world_id,
        story_id,
        outgoing.text,
        replaces_run_id=outgoing.replaces,
        message_kind=outgoing.kind,
    )


@dataclass(frozen=True)
class ConversationOption:
    """A conversation in the panel's list of conversations."""

    id: str
    label: str  # when it started, and its first message (the person's own words)
    current: bool


@dataclass(frozen=True)
class Outgoing:
    """A message to send: typed, the last one sent again (regenerate), or the last one edited."""

    text: str
    replaces: uuid.UUID | None = None
    kind: turns.MessageKind = "user"


def option(summary: conversations.ConversationSummary) -> ConversationOption:
    started = summary.started_at.strftime("%Y-%m-%d %H:%M")
    title = summary.title or "(nothing said yet)"
    return ConversationOption(str(summary.id), f"{started} · {title}", summary.current)


def stored(
    token: str | None, world_id: uuid.UUID | None, conversation_id: uuid.UUID | None
) -> tuple[turns.Conversation, list[ConversationOption], list[ChatItem]]:
    """The conversation shown, the list of conversations, and the cards still waiting for the
    person's answer in it."""
    actor = actor_for(token)
    shown = turns.conversation(
        actor, world_id, limit=HISTORY_LIMIT, conversation_id=conversation_id
    )
    with session_scope() as session:
        listed = conversations.list_conversations(session, actor, world_id)
        asked = confirmations.pending(session, actor, world_id, shown.conversation_id)
    cards = [card(c.id, c.tool_name, c.summary) for c in asked] if shown.current else []
    return shown, [option(summary) for summary in listed], cards
