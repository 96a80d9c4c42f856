"""Daily rollups of a person's runs and tool calls, for the Analytics page: a year of charts
reads a few hundred of these rows instead of every run and step. They are kept up to date in
the same transaction that starts or finishes a run or saves its steps (`services/rollups.py`),
and can be rebuilt from the runs and steps.

Each day is counted twice: once per world (`world_key` = the world, or NO_WORLD), for the
world filter, and once across every world (`world_key` = ALL_WORLDS), so the usual view —
all worlds — reads one row a day. The primary keys start with the person and the world key,
so either reading is one short index range."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Column, Date, ForeignKey, String
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, UUID
from sqlmodel import Field, SQLModel

from dsf_app.models.agents import AgentKind
from dsf_app.models.columns import foreign_key

NO_WORLD = uuid.UUID(int=0)  # runs about no world
ALL_WORLDS = uuid.UUID(int=1)  # every run of the person, whatever its world


def _owner() -> Any:
    # The primary key starts with it, so it needs no index of its own.
    return Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
        )
    )


def _world_key() -> Any:
    """The world as a plain value, so the key stays unique when the world is deleted; the
    row's `world_id` follows the runs' own link (set null with the world) for the filter."""
    return Field(primary_key=True)


def _world() -> Any:
    return foreign_key("world.id", nullable=True, cascade=False)


class RunDay(SQLModel, table=True):
    """A person's runs of one agent kind that started on one UTC day: how many, their tokens."""

    __tablename__ = "run_day"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    user_id: uuid.UUID = _owner()
    world_key: uuid.UUID = _world_key()
    day: date = Field(sa_type=Date, primary_key=True)
    agent_kind: AgentKind = Field(sa_type=String(20), primary_key=True)
    world_id: uuid.UUID | None = _world()
    turns: int = 0
    tokens: int = Field(default=0, sa_type=BigInteger)


class LatencyDay(SQLModel, table=True):
    """How long each of a person's runs that started on one UTC day took, in seconds, kept
    sorted: a percentile is read by position, exactly, without sorting at read time."""

    __tablename__ = "latency_day"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    user_id: uuid.UUID = _owner()
    world_key: uuid.UUID = _world_key()
    day: date = Field(sa_type=Date, primary_key=True)
    world_id: uuid.UUID | None = _world()
    seconds: list[float] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(DOUBLE_PRECISION), nullable=False, server_default="{}"),
    )


class ToolDay(SQLModel, table=True):
    """A person's calls of one tool on one UTC day."""

    __tablename__ = "tool_day"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    user_id: uuid.UUID = _owner()
    world_key: uuid.UUID = _world_key()
    day: date = Field(sa_type=Date, primary_key=True)
    name: str = Field(max_length=100, primary_key=True)
    world_id: uuid.UUID | None = _world()
    calls: int = 0
    errors: int = 0


class RunWorld(SQLModel, table=True):
    """The worlds a person has taken turns about. The all-worlds rows count every world; a
    world in this list that the person may no longer read is taken back out of them."""

    __tablename__ = "run_world"  # pyright: ignore[reportAssignmentType]  (SQLModel types it as a declared_attr)

    user_id: uuid.UUID = _owner()
    world_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("world.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,  # deleting a world finds its rows
        )
    )
