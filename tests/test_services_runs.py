"""Agent runs: strictly the actor's own, newest first, finished once."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentKind, Visibility
from dsf_app.services import runs
from tests.factories import make_actor, make_story, make_world


def test_a_run_starts_finishes_and_reads_back(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    run = runs.start_run(session, person, "world", world.id, "agent-abc")

    assert (run.agent_kind, run.world_id, run.ended_at) == (AgentKind.WORLD, world.id, None)
    finished = runs.finish_run(
        session,
        person,
        run.id,
        "end_turn",
        steps=3,
        tool_calls=[{"name": "world_manager", "status": "success", "duration_ms": 12}],
        usage={"prompt_tokens": 100, "completion_tokens": 20},
    )
    assert finished.ended_at is not None and finished.ended_at >= finished.started_at
    assert (finished.stop_reason, finished.steps, finished.error) == ("end_turn", 3, None)
    assert runs.get_run(session, person, run.id).usage["prompt_tokens"] == 100

    with pytest.raises(Invalid, match="already finished"):
        runs.finish_run(session, person, run.id, "error", error="again")


def test_runs_list_newest_first_and_page(session: Session) -> None:
    person, other = make_actor(session, "Me"), make_actor(session, "Other")
    started = [runs.start_run(session, person, AgentKind.USER, None, f"a-{i}") for i in range(5)]
    runs.start_run(session, other, AgentKind.USER, None, "theirs")

    newest_first = [r.id for r in reversed(started)]
    assert [r.id for r in runs.list_runs(session, person)] == newest_first
    assert [r.id for r in runs.list_runs(session, person, limit=2, offset=2)] == newest_first[2:4]


def test_runs_about_a_public_world_are_allowed_for_readers(session: Session) -> None:
    owner, reader = make_actor(session, "Owner"), make_actor(session, "Reader")
    world = make_world(session, owner, visibility=Visibility.PUBLIC)
    assert runs.start_run(session, reader, AgentKind.WORLD, world.id, "agent").user_id == (
        reader.user_id
    )
    assert runs.list_runs(session, owner) == []


def test_another_persons_runs_are_not_found_by_every_function(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner)
    run = runs.start_run(session, owner, AgentKind.WORLD, world.id, "agent")

    with pytest.raises(NotFound, match=f"No agent run with id {run.id} is visible to you"):
        runs.get_run(session, stranger, run.id)
    with pytest.raises(NotFound):
        runs.finish_run(session, stranger, run.id, "end_turn")
    with pytest.raises(NotFound):
        runs.start_run(session, stranger, AgentKind.WORLD, world.id, "agent")
    assert runs.list_runs(session, stranger) == []
    with pytest.raises(NotFound):
        runs.get_run(session, owner, uuid.uuid4())


def test_bad_runs_are_refused(session: Session) -> None:
    person = make_actor(session)
    with pytest.raises(Invalid, match="use one of: user, world, experience"):
        runs.start_run(session, person, "robot", None, "agent")
    with pytest.raises(Invalid, match="Letta agent id is 101 characters"):
        runs.start_run(session, person, AgentKind.USER, None, "a" * 101)
    other_world = make_world(session, person, "Elsewhere")
    story = make_story(session, person, make_world(session, person))
    with pytest.raises(Invalid, match="not part of the world this turn is about"):
        runs.start_run(session, person, AgentKind.WORLD, other_world.id, story_id=story.id)
    run = runs.start_run(session, person, AgentKind.USER, None, "agent")
    with pytest.raises(Invalid, match="step count cannot be negative"):
        runs.finish_run(session, person, run.id, "end_turn", steps=-1)
    with pytest.raises(Invalid, match="stop reason is 41 characters"):
        runs.finish_run(session, person, run.id, "s" * 41)
    with pytest.raises(Invalid):
        runs.list_runs(session, person, limit=500)
