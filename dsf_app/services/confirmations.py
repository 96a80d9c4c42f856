"""Tool calls that cannot be undone wait for the person: each is kept here, in words, with the
person's answer — so the card survives a reload, any worker can continue the turn, and only the
person it was asked of (on the world it was asked about) can answer it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentRun, Decision, ToolConfirmation
from dsf_app.models.columns import utcnow
from dsf_app.services import chat, conversations
from dsf_app.services.access import not_visible, require_run
from dsf_app.services.actor import Actor

SUMMARY_CHARS = 2000
WAITING = "waiting"


@dataclass(frozen=True)
class Confirmation:
    """A destructive call as the person is asked about it."""

    id: uuid.UUID
    tool_call_id: str
    tool_name: str
    summary: str
    run_id: uuid.UUID
    decision: Decision


def _view(row: ToolConfirmation) -> Confirmation:
    return Confirmation(
        row.id, row.tool_call_id, row.tool_name, row.summary, row.run_id, Decision(row.decision)
    )


def _own(session: Session, actor: Actor, tool_call_id: str) -> ToolConfirmation | None:
    return session.exec(
        select(ToolConfirmation).where(
            ToolConfirmation.tool_call_id == tool_call_id,
            ToolConfirmation.user_id == actor.user_id,
        )
    ).first()


def ask(
    session: Session,
    actor: Actor,
    run_id: uuid.UUID,
    tool_call_id: str,
    tool_name: str,
    summary: str,
) -> Confirmation:
    """Keep the question for the tool call (once, however often the turn asks) on the turn
    `run_id`, which the person's answer continues."""
    run = require_run(session, actor, run_id)
    session.execute(
        insert(ToolConfirmation)
        .values(
            id=uuid.uuid4(),
            tool_call_id=tool_call_id,
            user_id=actor.user_id,
            world_id=run.world_id,
            run_id=run.id,
            tool_name=tool_name[:100],
            summary=summary[:SUMMARY_CHARS],
            decision=Decision.PENDING,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["tool_call_id"])
    )
    row = _own(session, actor, tool_call_id)
    if row is None:
        raise NotFound(f"No tool call {tool_call_id} is visible to you.")
    return _view(row)


def wait_for_person(session: Session, actor: Actor, tool_call_id: str) -> None:
    """The tool call's chat row shows that it waits for the person's answer."""
    chat.record_tool_outcome(session, actor, tool_call_id, WAITING, "")


def decision(session: Session, actor: Actor, tool_call_id: str) -> Decision | None:
    """The person's answer to the call's question so far; None when it was never asked."""
    row = _own(session, actor, tool_call_id)
    return None if row is None else row.decision


def answer(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    confirmation_id: uuid.UUID,
    approve: bool,
) -> Confirmation:
    """The person approves or denies; only the person asked, on the page of the world it was
    asked about, only once, and only while its conversation is the current one (an earlier
    conversation's turn is not continued)."""
    row = session.exec(
        select(ToolConfirmation)
        .where(
            ToolConfirmation.id == confirmation_id,
            ToolConfirmation.user_id == actor.user_id,
            col(ToolConfirmation.world_id).is_not_distinct_from(world_id),
        )
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound(not_visible("confirmation", confirmation_id))
    if row.decision != Decision.PENDING:
        raise Invalid(f"You already answered this ({row.decision}).")
    run = session.get_one(AgentRun, row.run_id)
    if run.conversation_id != conversations.current(session, actor, world_id).id:
        raise Invalid(
            "This question belongs to an earlier conversation, so nothing was done; ask the "
            "agent again here if you still want it."
        )
    row.decision = Decision.APPROVED if approve else Decision.DENIED
    row.decided_at = utcnow()
    session.add(row)
    return _view(row)


def pending(
    session: Session, actor: Actor, world_id: uuid.UUID | None, conversation_id: uuid.UUID
) -> list[Confirmation]:
    """The questions still open in a conversation, oldest first."""
    rows = session.exec(
        select(ToolConfirmation)
        .join(AgentRun, col(AgentRun.id) == col(ToolConfirmation.run_id))
        .where(
            ToolConfirmation.user_id == actor.user_id,
            col(ToolConfirmation.world_id).is_not_distinct_from(world_id),
            ToolConfirmation.decision == Decision.PENDING,
            AgentRun.conversation_id == conversation_id,
        )
        .order_by(col(ToolConfirmation.created_at), col(ToolConfirmation.id))
    ).all()
    return [_view(row) for row in rows]


def withdraw(session: Session, actor: Actor, run_id: uuid.UUID) -> frozenset[str]:
    """The person moved on (wrote a new message) without answering: the turn's open questions
    are denied; the tool call ids they were about."""
    rows = session.exec(
        select(ToolConfirmation)
        .where(
            ToolConfirmation.user_id == actor.user_id,
            ToolConfirmation.run_id == run_id,
            ToolConfirmation.decision == Decision.PENDING,
        )
        .with_for_update()
    ).all()
    for row in rows:
        row.decision, row.decided_at = Decision.DENIED, utcnow()
        session.add(row)
    return frozenset(row.tool_call_id for row in rows)
