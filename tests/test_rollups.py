"""The daily rollups behind the Analytics page count what the runs and steps hold: kept up to
date as runs start and finish and steps are saved, equal to a rebuild from scratch, equal to
the migration's backfill, and still right after a world is deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session, select

from alembic import command
from dsf_app import db
from dsf_app.models import (
    AgentKind,
    CollaboratorRole,
    LatencyDay,
    RunDay,
    RunWorld,
    StepKind,
    ToolDay,
)
from dsf_app.models.rollups import ALL_WORLDS
from dsf_app.services import analytics, rollups, runs, trajectories, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.trajectories import StepRecord
from tests.factories import make_actor, make_world, share

BEFORE_ROLLUPS = "fe31ec720912"


def _turn(
    session: Session,
    actor: Actor,
    kind: AgentKind,
    world_id: Any,
    tools: list[tuple[str, str]],
    *,
    finish: bool = True,
) -> None:
    """A run as the turn records it: started, its steps saved, finished with its tokens."""
    run = runs.start_run(session, actor, kind, world_id, "agent-rollup")
    started = datetime.now(UTC)
    steps = [StepRecord(StepKind.MODEL, started, status="end_turn")] + [
        StepRecord(StepKind.TOOL, started + timedelta(milliseconds=n + 1), name=name, status=status)
        for n, (name, status) in enumerate(tools)
    ]
    if finish:
        runs.finish_run(
            session, actor, run.id, "end_turn", usage={"total_tokens": 100 * len(steps)}
        )
        trajectories.record_steps(session, actor, run.id, steps)


Kept = dict[str, list[tuple[Any, ...]]]


def _kept(session: Session, actor: Actor) -> Kept:
    """The actor's rollups, as comparable rows."""

    def rows(model: Any, *fields: str) -> list[tuple[Any, ...]]:
        found = session.exec(select(model).where(model.user_id == actor.user_id)).all()
        return sorted(tuple(str(getattr(row, f)) for f in fields) for row in found)

    return {
        "runs": rows(RunDay, "world_key", "world_id", "day", "agent_kind", "turns", "tokens"),
        "latency": rows(LatencyDay, "world_key", "world_id", "day", "seconds"),
        "tools": rows(ToolDay, "world_key", "world_id", "day", "name", "calls", "errors"),
        "worlds": rows(RunWorld, "world_id"),
    }


def _figures(session: Session, actor: Actor, world_id: Any = None) -> list[Any]:
    today = datetime.now(UTC).date()
    window = analytics.Window(today - timedelta(days=1), today, world_id)
    return [
        chart(session, actor, window)
        for chart in (
            analytics.turns_per_day,
            analytics.latency_per_day,
            analytics.tokens_per_day,
            analytics.tool_calls,
        )
    ]


def test_the_kept_rollups_equal_a_rebuild_and_the_runs(session: Session) -> None:
    person, other = make_actor(session, "Rolly"), make_actor(session, "Other")
    reef, dunes = make_world(session, person, "Reef"), make_world(session, person, "Dunes")
    _turn(session, person, AgentKind.WORLD, reef.id, [("story_manager", "success")])
    _turn(session, person, AgentKind.WORLD, reef.id, [("story_manager", "error")])
    _turn(session, person, AgentKind.EXPERIENCE, reef.id, [("image_generator", "success")])
    _turn(session, person, AgentKind.WORLD, dunes.id, [("world_manager", "success")])
    _turn(session, person, AgentKind.USER, None, [("list_worlds", "success")])
    _turn(session, person, AgentKind.USER, None, [], finish=False)  # still running
    _turn(session, other, AgentKind.USER, None, [("list_worlds", "error")])

    kept = _kept(session, person)
    turns, latency, tokens, tools = _figures(session, person)
    today = datetime.now(UTC).date().isoformat()
    assert turns == [(today, 6)]
    assert [row[0] for row in latency] == [today]
    assert tokens == [(today, "experience", 200), (today, "user", 200), (today, "world", 600)]
    assert tools == [
        ("story_manager", 2, 1),
        ("image_generator", 1, 0),
        ("list_worlds", 1, 0),
        ("world_manager", 1, 0),
    ]
    assert _figures(session, person, reef.id)[0] == [(today, 3)]

    rollups.rebuild(session, person)
    assert _kept(session, person) == kept
    assert _figures(session, person) == [turns, latency, tokens, tools]


def test_a_deleted_worlds_turns_still_count_as_the_runs_do(session: Session) -> None:
    """Deleting a world unlinks its runs (they stay the person's); the rollups follow."""
    person = make_actor(session, "Keeper")
    reef = make_world(session, person, "Reef")
    _turn(session, person, AgentKind.USER, None, [("list_worlds", "success")])
    _turn(session, person, AgentKind.USER, reef.id, [("list_worlds", "error")])
    worlds.delete_world(session, person, reef.id)
    session.expire_all()

    turns, _, _, tools = _figures(session, person)
    assert [n for _, n in turns] == [2]
    assert tools == [("list_worlds", 2, 1)]
    rollups.rebuild(session, person)
    assert _figures(session, person)[0] == turns


def test_turns_about_a_world_the_person_may_no_longer_read_leave_the_charts(
    session: Session,
) -> None:
    owner, person = make_actor(session, "Owner"), make_actor(session, "Guest")
    shared = make_world(session, owner, "Shared")
    share(session, owner, shared, person, CollaboratorRole.EDITOR)
    own = make_world(session, person, "Own")
    for name in ("story_manager", "world_manager", "story_manager"):
        _turn(session, person, AgentKind.WORLD, own.id, [(name, "success")])
    before = _figures(session, person)
    _turn(session, person, AgentKind.WORLD, shared.id, [("world_manager", "error")])
    _turn(session, person, AgentKind.EXPERIENCE, shared.id, [("image_generator", "success")])
    assert [n for _, n in _figures(session, person)[0]] == [5]

    worlds.remove_collaborator(session, owner, shared.id, person.user_id)
    # Read the other way (each world's rows, less the lost one's), and the same as before.
    assert _figures(session, person) == before
    assert _figures(session, person, shared.id) == [[], [], [], []]


def test_the_migration_counts_the_runs_recorded_before_it(empty_database: str) -> None:
    db.migrate(empty_database)
    engine = create_engine(empty_database)
    with Session(engine, expire_on_commit=False) as session:
        person = make_actor(session, "Early")
        reef = make_world(session, person, "Reef")
        _turn(session, person, AgentKind.WORLD, reef.id, [("story_manager", "success")])
        _turn(session, person, AgentKind.WORLD, reef.id, [])
        _turn(session, person, AgentKind.USER, None, [], finish=False)
        session.commit()
        kept = _kept(session, person)
    config = db.alembic_config(empty_database)
    command.downgrade(config, BEFORE_ROLLUPS)
    command.upgrade(config, "head")
    with Session(engine) as session:
        backfilled = _kept(session, person)
    engine.dispose()
    assert backfilled == {**kept, "tools": []}  # no steps were recorded before the migration
    assert sum(int(row[4]) for row in backfilled["runs"] if row[0] == str(ALL_WORLDS)) == 3
