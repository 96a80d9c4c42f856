"""An evaluation judged and measured, ready to keep: the evaluators produce one with no session
open (the judge is an outside call), and the caller keeps it in its own short transaction —
a tool in the one that also records its call's outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel
from sqlmodel import Session

from dsf_app.db import session_scope
from dsf_app.models import Evaluation, EvaluationKind, EvaluationSource
from dsf_app.services import evaluations
from dsf_app.services.actor import Actor


@dataclass(frozen=True)
class Verdict:
    kind: EvaluationKind
    world_id: uuid.UUID
    target: str
    result: BaseModel
    score: float | None
    model: str
    story_id: uuid.UUID | None = None
    segment_id: uuid.UUID | None = None
    from_version: int | None = None
    to_version: int | None = None

    def record(self, session: Session, actor: Actor, source: EvaluationSource) -> Evaluation:
        return evaluations.record(
            session,
            actor,
            self.kind,
            world_id=self.world_id,
            story_id=self.story_id,
            segment_id=self.segment_id,
            from_version=self.from_version,
            to_version=self.to_version,
            target=self.target,
            result=self.result.model_dump(mode="json"),
            model=self.model,
            score=self.score,
            source=source,
        )


def keep(verdict: Verdict, actor: Actor, source: EvaluationSource) -> Evaluation:
    """Keep a verdict in a transaction of its own (blocks: call it in a worker thread)."""
    with session_scope() as session:
        return verdict.record(session, actor, source)
