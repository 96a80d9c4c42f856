"""A turn's record in PostgreSQL, each write its own short transaction: the person's message and
the run (committed before anything is sent to an agent), the agent's text as it streams, how the
turn ended — and, for the chat, which turn is unfinished, closing runs whose worker is gone so no
run stays open for ever. A turn belongs to a conversation; it may replace the last turn (a
regenerated reply, an edited message), which stays stored beside it. Each tool call's record is
`tool_calls.py`; taking over a turn to continue it, `turn_continuation.py`.

Every function takes the acting person first; anyone else's run is NotFound.
These functions block on the database: async callers run them in a worker thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session, col, select

from dsf_app import workers
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import (
    AgentKind,
    AgentRun,
    ChatConversation,
    ChatMessage,
    Meter,
)
from dsf_app.models.columns import utcnow
from dsf_app.services import (
    chat,
    conversations,
    quotas,
    runs,
    tool_calls,
    trajectories,
    validation,
)
from dsf_app.services.access import not_visible, require_run, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.chat import StreamedText
from dsf_app.services.trajectories import StepRecord

log = logging.getLogger(__name__)

# How a turn that did not finish ended; only these may be continued with Retry.
RETRYABLE = frozenset({"error", "interrupted"})
# How a turn parks while a tool call waits for the person's Approve or Deny; their answer
# continues it (services/confirmations.py).
AWAITING_CONFIRMATION = "awaiting_confirmation"
CUT_OFF = (
    "This turn was cut off: the server process running it stopped. What it did so far is kept; "
    "press Retry to continue it."
)
# How a sentence about the turn that is not the agent's is stored in the chat.
NOTICE = "notice"
# How the person's message of a turn is stored: sent, sent again for another reply, or edited.
MessageKind = Literal["user", "regenerate", "edit"]


@dataclass(frozen=True)
class Progress:
    """What a turn has done so far, kept on its run."""

    steps: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    letta_run_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TurnRecord:
    """A stored turn, as a driver needs it to run or continue it."""

    run_id: uuid.UUID
    kind: AgentKind
    world_id: uuid.UUID | None
    story_id: uuid.UUID | None
    prompt: str
    letta_agent_id: str
    parent_tool_call_id: str | None
    stop_reason: str | None
    running: bool
    progress: Progress
    # None only for a run whose conversation went with its world (it is never continued).
    conversation_id: uuid.UUID | None
    # The turn this one is an alternative to, dropped from the agent's context before sending.
    replaces_run_id: uuid.UUID | None = None
    # The first turn of a new conversation: the agent's context is cleared before sending.
    fresh_context: bool = False


@dataclass(frozen=True)
class Conversation:
    """The chat as stored: a conversation's last messages, which of them an Experience Agent
    turn wrote, the turn Retry continues (the last one, when it did not finish) and the last
    ended turn, which may be regenerated or edited (only in the current conversation)."""

    messages: list[ChatMessage]
    nested: frozenset[uuid.UUID]
    retry_run: uuid.UUID | None
    conversation_id: uuid.UUID
    current: bool
    last_run: uuid.UUID | None = None
    last_prompt: str = ""


def turn_record(session: Session, run: AgentRun) -> TurnRecord:
    """The run as a driver needs it."""
    conversation = (
        session.get(ChatConversation, run.conversation_id) if run.conversation_id else None
    )
    return TurnRecord(
        run_id=run.id,
        kind=AgentKind(run.agent_kind),
        world_id=run.world_id,
        story_id=run.story_id,
        prompt=run.prompt,
        letta_agent_id=run.letta_agent_id,
        parent_tool_call_id=run.parent_tool_call_id,
        stop_reason=run.stop_reason,
        running=run.ended_at is None,
        progress=Progress(
            run.steps, dict(run.usage), list(run.tool_calls), list(run.letta_run_ids)
        ),
        conversation_id=run.conversation_id,
        replaces_run_id=run.replaces_run_id,
        fresh_context=conversation is not None and conversation.fresh_context,
    )


def locked_run(session: Session, actor: Actor, run_id: uuid.UUID) -> AgentRun:
    run = session.exec(
        select(AgentRun)
        .where(AgentRun.id == run_id, AgentRun.user_id == actor.user_id)
        .with_for_update()
    ).first()
    if run is None:
        raise NotFound(not_visible("agent run", run_id))
    return run


def worker_gone(run: AgentRun) -> bool:
    """Whether the run is open but the worker that drove it is gone."""
    return run.ended_at is None and workers.owner_gone(run.id, run.worker, run.heartbeat_at)


# --- A turn's life ---------------------------------------------------------------------------


def start(
    actor: Actor,
    kind: AgentKind,
    world_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
    prompt: str,
    *,
    parent_tool_call_id: str | None = None,
    replaces_run_id: uuid.UUID | None = None,
    message_kind: MessageKind = "user",
) -> TurnRecord:
    """Commit the person's message (not for an Experience Agent turn, whose task comes from a
    tool call) and a run driven by this process — before anything is sent to an agent. A
    regenerated or edited turn replaces `replaces_run_id`, the conversation's last turn."""
    with session_scope() as session:
        run = runs.start_run(
            session,
            actor,
            kind,
            world_id,
            story_id=story_id,
            prompt=prompt,
            parent_tool_call_id=parent_tool_call_id,
            worker=workers.WORKER_ID,
            replaces_run_id=replaces_run_id,
        )
        if replaces_run_id is not None and replaces_run_id != _last_turn_id(session, run):
            raise Invalid(
                "Only the last turn of the conversation can be regenerated or edited; "
                "send a new message instead."
            )
        if parent_tool_call_id is None:
            # A turn of the person's own: today's budget of turns pays for it, and some model
            # steps must be left (a nested turn draws on its parent's).
            quotas.reserve(session, actor, Meter.TURNS)
            quotas.require_left(session, actor, Meter.STEPS)
            chat.append_message(
                session,
                actor,
                world_id,
                "user",
                prompt,
                message_kind,
                story_id=story_id,
                run_id=run.id,
            )
        workers.driving(run.id)
        return turn_record(session, run)


def _last_turn_id(session: Session, run: AgentRun) -> uuid.UUID | None:
    """The conversation's last ended top-level turn before `run`."""
    return session.exec(
        select(AgentRun.id)
        .where(
            AgentRun.conversation_id == run.conversation_id,
            AgentRun.id != run.id,
            col(AgentRun.parent_tool_call_id).is_(None),
            col(AgentRun.ended_at).is_not(None),
        )
        .order_by(col(AgentRun.started_at).desc(), col(AgentRun.id).desc())
    ).first()


def context_cleared(actor: Actor, conversation_id: uuid.UUID) -> None:
    """The first turn of a new conversation has cleared the agent's context on Letta."""
    with session_scope() as session:
        conversations.context_cleared(session, actor, conversation_id)


def set_agent(actor: Actor, run_id: uuid.UUID, letta_agent_id: str) -> None:
    with session_scope() as session:
        run = require_run(session, actor, run_id)
        run.letta_agent_id = validation.text(
            letta_agent_id, what="Letta agent id", max_length=100, required=True
        )
        session.add(run)


def notice(actor: Actor, run_id: uuid.UUID, sentence: str) -> uuid.UUID:
    """A sentence the chat shows in the turn that is not the agent's (its model went away);
    the id of its row."""
    with session_scope() as session:
        run = require_run(session, actor, run_id)
        row = chat.append_message(
            session,
            actor,
            run.world_id,
            "system",
            sentence,
            NOTICE,
            story_id=run.story_id,
            run_id=run.id,
        )
        return row.id


def save_progress(
    actor: Actor,
    run_id: uuid.UUID,
    progress: Progress,
    texts: list[StreamedText],
    steps: Sequence[StepRecord] = (),
) -> None:
    """A running turn's heartbeat, with its tallies, the text streamed and the steps finished
    since the last one."""
    with session_scope() as session:
        run = require_run(session, actor, run_id)
        run.worker, run.heartbeat_at = workers.WORKER_ID, utcnow()
        run.steps = validation.count(progress.steps, what="step count")
        run.usage = validation.json_object(progress.usage, what="token usage")
        run.tool_calls = validation.json_list(progress.tool_calls, what="tool calls")
        run.letta_run_ids = validation.json_list(progress.letta_run_ids, what="Letta run ids")
        session.add(run)
        session.flush()
        chat.save_streamed(session, run, texts)
        _save_steps(session, actor, run, steps)


def _save_steps(session: Session, actor: Actor, run: AgentRun, steps: Sequence[StepRecord]) -> None:
    """Steps that cannot be kept are logged and left out (in a savepoint): the trajectory
    never fails its turn."""
    if not steps:
        return
    try:
        with session.begin_nested():
            trajectories.record_steps(session, actor, run.id, steps)
    except Exception:  # the database itself failing fails the commit after this, as it should
        log.exception("could not keep %d steps of run %s", len(steps), run.id)


def finish(
    actor: Actor,
    run_id: uuid.UUID,
    stop_reason: str,
    error: str | None,
    progress: Progress,
    *,
    error_in_chat: bool,
) -> None:
    """Close the run: its tallies, its error (also as a chat row when the person should see
    it there), its streamed text done or interrupted, and its unfinished tool claims released."""
    with session_scope() as session:
        run = locked_run(session, actor, run_id)
        _close(session, actor, run, stop_reason, error, progress, error_in_chat=error_in_chat)


def _close(
    session: Session,
    actor: Actor,
    run: AgentRun,
    stop_reason: str,
    error: str | None,
    progress: Progress,
    *,
    error_in_chat: bool,
) -> None:
    if error and error_in_chat:
        chat.append_message(
            session,
            actor,
            run.world_id,
            "system",
            error,
            "error",
            story_id=run.story_id,
            run_id=run.id,
        )
    chat.end_rows(session, run.id, finished=stop_reason == "end_turn")
    tool_calls.release_claims(session, run.id)
    runs.finish_run(
        session,
        actor,
        run.id,
        stop_reason,
        progress.steps,
        progress.tool_calls,
        progress.usage,
        error,
        progress.letta_run_ids,
        prompt=run.prompt,
        reply=chat.reply_of(session, run.id),
    )


def reply_text(actor: Actor, run_id: uuid.UUID) -> str:
    with session_scope() as session:
        require_run(session, actor, run_id)
        return chat.reply_of(session, run_id)


# --- The chat's view -------------------------------------------------------------------------


def conversation(
    actor: Actor,
    world_id: uuid.UUID | None,
    *,
    limit: int,
    conversation_id: uuid.UUID | None = None,
) -> Conversation:
    """The last `limit` messages of a conversation about `world_id` (None: the User Agent; the
    current conversation unless `conversation_id` names an earlier one), after closing the
    runs whose worker is gone, and the turns Retry, Regenerate and Edit would act on."""
    with session_scope() as session:
        if world_id is not None:
            require_world(session, actor, world_id)
        _close_orphans(session, actor, world_id)
        now = conversations.current(session, actor, world_id)
        shown = (
            now
            if conversation_id is None
            else conversations.require(session, actor, conversation_id, world_id)
        )
        messages = chat.list_messages(
            session, actor, world_id, limit=limit, conversation_id=shown.id
        )
        run_ids = {message.run_id for message in messages if message.run_id is not None}
        nested_runs = set(
            session.exec(
                select(AgentRun.id).where(
                    col(AgentRun.id).in_(run_ids), col(AgentRun.parent_tool_call_id).is_not(None)
                )
            ).all()
        )
        last = session.exec(
            select(AgentRun)
            .where(
                AgentRun.user_id == actor.user_id,
                AgentRun.conversation_id == now.id,
                col(AgentRun.parent_tool_call_id).is_(None),
            )
            .order_by(col(AgentRun.started_at).desc(), col(AgentRun.id).desc())
        ).first()
        ended = last if last is not None and last.ended_at is not None else None
        current = shown.id == now.id
        return Conversation(
            messages=messages,
            nested=frozenset(m.id for m in messages if m.run_id in nested_runs),
            retry_run=ended.id
            if current and ended is not None and ended.stop_reason in RETRYABLE
            else None,
            conversation_id=shown.id,
            current=current,
            last_run=ended.id if current and ended is not None else None,
            last_prompt=ended.prompt if current and ended is not None else "",
        )


def _conversation_runs(actor: Actor, world_id: uuid.UUID | None) -> list[Any]:
    return [
        col(AgentRun.user_id) == actor.user_id,
        col(AgentRun.world_id).is_not_distinct_from(world_id),
    ]


def _close_orphans(session: Session, actor: Actor, world_id: uuid.UUID | None) -> None:
    """Close the conversation's open runs whose worker is gone, as interrupted."""
    open_runs = session.exec(
        select(AgentRun)
        .where(*_conversation_runs(actor, world_id), col(AgentRun.ended_at).is_(None))
        .with_for_update(skip_locked=True)
    ).all()
    for run in open_runs:
        if not worker_gone(run):
            continue
        log.info("closing run %s: its worker %s is gone", run.id, run.worker)
        top_level = run.parent_tool_call_id is None
        _close(
            session,
            actor,
            run,
            "interrupted",
            CUT_OFF,
            Progress(run.steps, run.usage, run.tool_calls, run.letta_run_ids),
            error_in_chat=top_level,
        )
