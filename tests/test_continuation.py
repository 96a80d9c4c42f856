"""Retry goes on with a turn without keeping or showing twice what the turn already streamed,
against the real Letta server: Letta lists the text of a step that asked for approval under
another message id than it streamed it with (the approval request's), so the continuation
knows that text by its step."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import TextDelta, ToolCallStarted, TurnEvent
from dsf_app.db import session_scope
from dsf_app.errors import ServiceUnavailable
from dsf_app.models import AgentKind, ChatMessage
from dsf_app.services.actor import Actor
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall, ToolCalls
from tests.turn_events import Recorder

S3_DOWN = "S3 storage is not reachable at http://127.0.0.1:9 — is ./start.sh running?"


class FailsAtTheTool(Recorder):
    """The turn's events, and our own service failing when the tool is about to run (as S3
    does when an image is stored): the turn ends with an error while Letta's approval stays
    open."""

    async def __call__(self, event: TurnEvent) -> None:
        await super().__call__(event)
        if isinstance(event, ToolCallStarted):
            raise ServiceUnavailable(S3_DOWN)


def _texts(actor: Actor, run_id: uuid.UUID) -> list[tuple[str, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(ChatMessage)
            .where(
                ChatMessage.user_id == actor.user_id,
                ChatMessage.run_id == run_id,
                col(ChatMessage.message_type).in_(["assistant", "reasoning"]),
            )
            .order_by(col(ChatMessage.created_at))
        ).all()
    return [(row.message_type, row.content) for row in rows]


async def test_retry_after_a_failed_tool_keeps_the_text_streamed_before_it_once(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    prompt = f"draft a harbour world {tag}"
    sketch = f"Sketching the harbour first: the piers, the cranes, the tide {tag}."
    create = ToolCall("world_manager", {"operation": "create", "name": f"Harbour {tag}"})
    llm.on_user(prompt, then=[ToolCalls([create], text=sketch), Reply("Drafted.")])

    crashed = FailsAtTheTool()
    failed = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, prompt), crashed
    )
    assert failed.retryable and failed.run_id is not None
    assert failed.error == S3_DOWN
    assert _texts(person, failed.run_id) == [("assistant", sketch)]

    retried = Recorder()
    finished = await orchestrator.resume(person, failed.run_id, retried)

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    # Kept once: the retry found the sketch in its stored row and left it as it was.
    assert _texts(person, failed.run_id) == [("assistant", sketch), ("assistant", "Drafted.")]
    # Shown once: what the retry shows again of the sketch replaces the text on screen (the
    # same message), it is no new message below it.
    streamed = {event.message_id for event in crashed.of(TextDelta)}
    caught_up = [event for event in retried.of(TextDelta) if event.whole]
    assert [event.text for event in caught_up] == [sketch]
    assert {event.message_id for event in caught_up} == streamed
