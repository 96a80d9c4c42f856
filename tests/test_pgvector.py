"""Past agent runs can be searched by meaning: pgvector nearest-neighbour through SQLModel."""

from __future__ import annotations

import math
import uuid

from sqlalchemy import Engine, Float
from sqlmodel import Session, col, select

from dsf_app.models import AgentKind, AgentRun, User
from dsf_app.models.agents import EMBEDDING_DIMENSIONS


def _unit(*hot: int) -> list[float]:
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for index in hot:
        vector[index] = 1.0
    norm = math.sqrt(len(hot))
    return [value / norm for value in vector]


def test_nearest_runs_by_cosine_distance(engine: Engine) -> None:
    with Session(engine) as session:
        user = User(email=f"{uuid.uuid4().hex}@example.test", name="Vera")
        session.add(user)
        session.flush()
        for summary, hot in (("oceans", (0,)), ("fusion", (1,)), ("ocean farms", (0, 2))):
            session.add(
                AgentRun(
                    user_id=user.id,
                    agent_kind=AgentKind.USER,
                    summary=summary,
                    embedding=_unit(*hot),
                )
            )
        session.commit()

        nearest = session.exec(
            select(AgentRun.summary)
            .where(AgentRun.user_id == user.id)
            .order_by(col(AgentRun.embedding).op("<=>", return_type=Float)(_unit(0)))  # cosine
            .limit(2)
        ).all()
    assert nearest == ["oceans", "ocean farms"]
