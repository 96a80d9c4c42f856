"""A turn's record: the message and run committed together, text kept per Letta message, tool
calls claimed once, outcomes committed with the change they describe, and only the person's
own — each function in its own short transaction."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import col, select

from dsf_app import workers
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentKind, AgentRun, ChatMessage, ToolExecution, World
from dsf_app.services import tool_calls, turn_continuation, turns, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.chat import StreamedText
from dsf_app.services.users import create_user


def _rows(person: Actor) -> list[ChatMessage]:
    with session_scope() as session:
        return list(
            session.exec(
                select(ChatMessage)
                .where(ChatMessage.user_id == person.user_id)
                .order_by(col(ChatMessage.created_at))
            )
        )


def test_the_message_and_its_run_are_committed_together(person: Actor) -> None:
    record = turns.start(person, AgentKind.USER, None, None, "Draft me a drowned city.")
    try:
        assert (record.prompt, record.running, record.letta_agent_id) == (
            "Draft me a drowned city.",
            True,
            "",
        )
        (message,) = _rows(person)
        assert (message.content, message.run_id) == ("Draft me a drowned city.", record.run_id)
        with session_scope() as session:
            run = session.get(AgentRun, record.run_id)
            assert run is not None and run.worker == workers.WORKER_ID
    finally:
        workers.released(record.run_id)


def test_a_turn_about_a_world_the_person_cannot_see_is_not_started(person: Actor) -> None:
    with session_scope() as session:
        other = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Bo").id)
        theirs = worlds.create_world(session, other, "Private").id
    with pytest.raises(NotFound):
        turns.start(person, AgentKind.WORLD, theirs, None, "hello")
    assert _rows(person) == []


def test_streamed_text_is_one_row_per_message_updated_in_place(person: Actor) -> None:
    record = turns.start(person, AgentKind.USER, None, None, "Tell me.")
    try:
        progress = turns.Progress(steps=1, letta_run_ids=["run-1"])
        turns.save_progress(
            person, record.run_id, progress, [StreamedText("message-1", "assistant", "The tide")]
        )
        turns.save_progress(
            person,
            record.run_id,
            progress,
            [StreamedText("message-1", "assistant", "The tide came in.", "done")],
        )
        replies = [row for row in _rows(person) if row.message_type == "assistant"]
        assert [(r.content, r.stream_status) for r in replies] == [("The tide came in.", "done")]
        with session_scope() as session:
            run = session.get(AgentRun, record.run_id)
            assert run is not None and run.letta_run_ids == ["run-1"]
    finally:
        workers.released(record.run_id)


def test_a_tool_call_is_claimed_once_and_its_outcome_kept(person: Actor) -> None:
    record = turns.start(person, AgentKind.USER, None, None, "Make a world.")
    call = f"call_{uuid.uuid4().hex}"
    try:
        tool_calls.record_tool_call(
            person, record.run_id, call, "world_manager", '{"operation": 1}'
        )
        tool_calls.record_tool_call(
            person, record.run_id, call, "world_manager", '{"operation": 1}'
        )
        assert (
            tool_calls.claim_tool_call(person, record.run_id, call, "world_manager")
            == tool_calls.Claim()
        )
        assert tool_calls.claim_tool_call(person, record.run_id, call, "world_manager").busy

        with session_scope() as session:
            session.add(World(name="Made", owner_id=person.user_id))
            tool_calls.save_tool_outcome(session, person, call, "world_manager", "success", "made")
        claim = tool_calls.claim_tool_call(person, record.run_id, call, "world_manager")
        assert claim.outcome == ("success", "made")
        (row,) = [row for row in _rows(person) if row.tool_call_id == call]
        assert (row.tool_status, row.tool_result) == ("success", "made")

        with session_scope() as session:
            other = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Eve").id)
        with pytest.raises(NotFound):
            tool_calls.claim_tool_call(other, None, call, "world_manager")
    finally:
        workers.released(record.run_id)


def test_an_outcome_rolled_back_with_its_change_leaves_the_call_to_run_again(
    person: Actor,
) -> None:
    record = turns.start(person, AgentKind.USER, None, None, "Make a world.")
    call = f"call_{uuid.uuid4().hex}"
    try:
        tool_calls.claim_tool_call(person, record.run_id, call, "world_manager")
        with pytest.raises(RuntimeError), session_scope() as session:
            tool_calls.save_tool_outcome(session, person, call, "world_manager", "success", "made")
            raise RuntimeError("the change failed after the outcome was written")
        turns.finish(
            person, record.run_id, "error", "It failed.", turns.Progress(), error_in_chat=True
        )
        with session_scope() as session:
            assert session.get(ToolExecution, call) is None  # released: it may run again
        assert turns.conversation(person, None, limit=10).retry_run == record.run_id

        reopened = turn_continuation.reopen(person, record.run_id)
        assert reopened.running and reopened.run_id == record.run_id
        with pytest.raises(Invalid, match="still running"):
            turn_continuation.reopen(person, record.run_id)
    finally:
        workers.released(record.run_id)


def test_a_finished_turn_is_not_reopened(person: Actor) -> None:
    record = turns.start(person, AgentKind.USER, None, None, "Hi.")
    workers.released(record.run_id)
    turns.finish(person, record.run_id, "end_turn", None, turns.Progress(), error_in_chat=True)
    with pytest.raises(Invalid, match="already ended"):
        turn_continuation.reopen(person, record.run_id)
    assert turns.conversation(person, None, limit=10).retry_run is None
