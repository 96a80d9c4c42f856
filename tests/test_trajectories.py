"""A World Agent turn on the real Letta server, with the scripted model delegating to the
Experience Agent and calling a tool that fails: its trajectory (steps in order, tokens, timings,
the delegation nested under its call) and its JSONL export, parsed back. A turn continued with
Retry keeps each step once and is counted once; steps that cannot be kept never fail a turn."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from dsf_app import workers
from dsf_app.agents import (
    fine_tuning,
    tools,  # noqa: F401  (registers the tools)
)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.events import TurnEvent
from dsf_app.db import session_scope
from dsf_app.errors import NotFound
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind, AgentRun, LatencyDay, RunDay, RunStep, StepKind, ToolDay
from dsf_app.models.columns import utcnow
from dsf_app.models.rollups import ALL_WORLDS
from dsf_app.services import trajectories, turns, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.trajectories import StepRecord
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.fakes.llm_server import Hangup, Reply, ScriptedLLM, ToolCall


def _person(name: str) -> Actor:
    with session_scope() as session:
        return Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", name).id)


async def _ignore(event: TurnEvent) -> None:
    return None


# (the person, their World Agent run, the turn's tag, the story id the failed call named)
Delegated = tuple[Actor, uuid.UUID, str, str]


@pytest.fixture(scope="module")
async def delegated_turn(dsf_in_process: Settings, letta_url: str, llm: ScriptedLLM) -> Delegated:
    """(person, world run id): one turn that delegates and then fails a tool call."""
    person = _person("Tess")
    with session_scope() as session:
        world = worlds.create_world(session, person, "Glasshouse", "Orbital greenhouses")
    tag, task = uuid.uuid4().hex[:8], f"paint the greenhouse {uuid.uuid4().hex[:8]}"
    missing_story = str(uuid.uuid4())
    llm.on_user(task, then=[ToolCall("asset_manager", {"operation": "list"}), Reply("Painted.")])
    llm.on_user(
        tag,
        then=[
            ToolCall("delegate_to_experience", {"task": task}),
            ToolCall("story_manager", {"operation": "load", "story_id": missing_story}),
            Reply("Done, though the story was missing."),
        ],
    )
    async with connect(dsf_in_process) as letta:
        finished = await Orchestrator(letta).run_turn(
            TurnRequest(person, AgentKind.WORLD, world.id, None, f"make a scene {tag}"), _ignore
        )
    assert finished.error is None, finished.error
    with session_scope() as session:
        run = session.exec(
            select(AgentRun).where(
                AgentRun.user_id == person.user_id, AgentRun.agent_kind == AgentKind.WORLD
            )
        ).one()
    return person, run.id, tag, missing_story


def test_the_trajectory_lists_every_step_with_the_delegation_nested(
    delegated_turn: Delegated,
) -> None:
    person, run_id, tag, _ = delegated_turn
    with session_scope() as session:
        found = trajectories.trajectory(session, person, run_id)
    shape = [(s.depth, s.kind, s.name, s.status) for s in found.steps]
    assert shape == [
        (0, "model", "", "requires_approval"),
        (0, "tool", "delegate_to_experience", "success"),
        (1, "model", "", "requires_approval"),
        (1, "tool", "asset_manager", "success"),
        (1, "model", "", "end_turn"),
        (1, "message", "", ""),
        (0, "model", "", "requires_approval"),
        (0, "tool", "story_manager", "error"),
        (0, "model", "", "end_turn"),
        (0, "message", "", ""),
    ]
    models = [s for s in found.steps if s.kind == "model"]
    assert all(s.prompt_tokens > 0 and s.completion_tokens > 0 for s in models)
    assert all(s.letta_step_id.startswith("step-") for s in models)
    assert models[0].detail["input"] == f"make a scene {tag}"
    failed = next(s for s in found.steps if s.name == "story_manager")
    assert "No story with id" in failed.detail["result"]
    assert json.loads(failed.detail["arguments"])["operation"] == "load"
    # On one time axis, in order: each step starts no earlier than the one before it.
    offsets = [s.offset_ms for s in found.steps if s.depth == 0]
    assert offsets == sorted(offsets)
    delegate = next(s for s in found.steps if s.name == "delegate_to_experience")
    nested = [s for s in found.steps if s.depth == 1]
    assert all(delegate.offset_ms <= s.offset_ms for s in nested)
    assert all(
        s.offset_ms + s.duration_ms <= delegate.offset_ms + delegate.duration_ms + 50
        for s in nested
    )
    assert found.span_ms >= max(s.offset_ms + s.duration_ms for s in found.steps)


def test_the_run_exports_as_a_fine_tuning_example(delegated_turn: Delegated) -> None:
    person, run_id, tag, missing_story = delegated_turn
    (line,) = fine_tuning.export_run(person, run_id).splitlines()
    example = json.loads(line)
    messages = example["messages"]
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]
    assert "World Agent" in messages[0]["content"]
    assert messages[1]["content"] == f"make a scene {tag}"
    (delegate,) = messages[2]["tool_calls"]
    assert delegate["type"] == "function"
    assert delegate["function"]["name"] == "delegate_to_experience"
    assert json.loads(delegate["function"]["arguments"])["task"].startswith("paint")
    assert messages[3]["tool_call_id"] == delegate["id"]
    assert "Painted." in messages[3]["content"]
    (load,) = messages[4]["tool_calls"]
    assert json.loads(load["function"]["arguments"]) == {
        "operation": "load",
        "story_id": missing_story,
    }
    assert "No story with id" in messages[5]["content"]
    assert messages[6] == {"role": "assistant", "content": "Done, though the story was missing."}
    names = {tool["function"]["name"] for tool in example["tools"]}
    assert {"story_manager", "delegate_to_experience", "check_logical_consistency"} <= names


def test_the_export_of_all_runs_has_one_line_per_run(delegated_turn: Delegated) -> None:
    person = delegated_turn[0]
    now = datetime.now(UTC)
    lines = list(fine_tuning.export_runs(person, now - timedelta(days=1), now + timedelta(days=1)))
    kinds = sorted(json.loads(line)["messages"][0]["content"].split()[3] for line in lines)
    assert kinds == ["Experience", "World"]


def test_another_person_cannot_read_or_export_the_run(delegated_turn: Delegated) -> None:
    run_id = delegated_turn[1]
    intruder = _person("Ivan")
    with session_scope() as session, pytest.raises(NotFound):
        trajectories.trajectory(session, intruder, run_id)
    with pytest.raises(NotFound):
        fine_tuning.export_run(intruder, run_id)
    now = datetime.now(UTC)
    assert list(fine_tuning.export_runs(intruder, now - timedelta(days=1), now)) == []


def _steps_of(person: Actor, run_id: uuid.UUID) -> list[tuple[str, str, str]]:
    with session_scope() as session:
        found = trajectories.trajectory(session, person, run_id)
    return [(s.kind, s.name, s.status) for s in found.steps]


async def test_a_retried_turn_keeps_each_step_once_and_counts_once(
    orchestrator: Orchestrator, llm: ScriptedLLM
) -> None:
    person = _person("Rhea")
    tag = uuid.uuid4().hex[:8]
    llm.on_user(tag, then=[ToolCall("list_worlds", {}), Hangup()])
    failed = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"list my worlds {tag}"), _ignore
    )
    assert failed.retryable and failed.run_id is not None
    run_id = failed.run_id
    # Kept as the turn went: the request, the tool it asked for, the request that failed.
    before = _steps_of(person, run_id)
    assert before[:2] == [("model", "", "requires_approval"), ("tool", "list_worlds", "success")]
    assert before[2][0] == "model" and len(before) == 3

    llm.reset()
    llm.on_user(tag, then=[ToolCall("list_worlds", {}), Reply("You have no worlds yet.")])
    retried = await orchestrator.resume(person, run_id, _ignore)

    assert (retried.stop_reason, retried.error) == ("end_turn", None)
    after = _steps_of(person, run_id)
    assert after[:3] == before
    assert [step for step in after if step[0] == "tool"] == [("tool", "list_worlds", "success")]
    assert after[-2:] == [("model", "", "end_turn"), ("message", "", "")]
    with session_scope() as session:
        run = session.get_one(AgentRun, run_id)
        counted = session.exec(
            select(RunDay.tokens).where(
                RunDay.user_id == person.user_id, RunDay.world_key == ALL_WORLDS
            )
        ).all()
        (seconds,) = session.exec(
            select(LatencyDay.seconds).where(
                LatencyDay.user_id == person.user_id, LatencyDay.world_key == ALL_WORLDS
            )
        ).all()
        tools_counted = session.exec(
            select(ToolDay.calls).where(
                ToolDay.user_id == person.user_id, ToolDay.world_key == ALL_WORLDS
            )
        ).all()
    assert counted == [run.usage["total_tokens"]] and run.usage["total_tokens"] > 0
    assert run.ended_at is not None
    assert seconds == [pytest.approx((run.ended_at - run.started_at).total_seconds())]
    assert tools_counted == [1]


async def test_steps_that_cannot_be_kept_never_fail_the_turn(
    orchestrator: Orchestrator, llm: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = _person("Faye")
    tag = uuid.uuid4().hex[:8]
    llm.on_user(tag, then=[ToolCall("list_worlds", {}), Reply("Nothing here.")])

    def broken(*args: object) -> None:
        raise ValueError("the steps table is gone")

    monkeypatch.setattr(trajectories, "record_steps", broken)
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"anything? {tag}"), _ignore
    )
    monkeypatch.undo()

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert finished.run_id is not None
    with session_scope() as session:
        run = session.get_one(AgentRun, finished.run_id)
        assert run.tool_calls[0]["name"] == "list_worlds"
        assert run.ended_at is not None
    assert turns.reply_text(person, finished.run_id) == "Nothing here."
    assert _steps_of(person, finished.run_id) == []


def test_a_tool_call_answered_again_from_its_outcome_is_kept_once(
    dsf_in_process: Settings,
) -> None:
    person = _person("Otto")
    record = turns.start(person, AgentKind.USER, None, None, "list them")
    call = f"call_{uuid.uuid4().hex}"
    tool = StepRecord(
        StepKind.TOOL, utcnow(), name="list_worlds", tool_call_id=call, status="success"
    )
    try:
        turns.save_progress(person, record.run_id, turns.Progress(), [], [tool])
        # A continued turn answers the approval Letta still waits for from the stored outcome.
        again = replace(tool, started=utcnow())
        model = StepRecord(StepKind.MODEL, utcnow() + timedelta(milliseconds=5), status="end_turn")
        turns.save_progress(person, record.run_id, turns.Progress(), [], [again, model])
    finally:
        workers.released(record.run_id)
    assert _steps_of(person, record.run_id) == [
        ("tool", "list_worlds", "success"),
        ("model", "", "end_turn"),
    ]
    with session_scope() as session:
        positions = session.exec(
            select(RunStep.position).where(RunStep.run_id == record.run_id)
        ).all()
    assert sorted(positions) == [0, 1]
