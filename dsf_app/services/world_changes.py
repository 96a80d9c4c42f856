"""A world's changelog, one row per change: written after the world's last change (an INSERT
each, never rewriting the ones before) and read back newest first, a page at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from dsf_app.models import WorldChange
from dsf_app.services import validation
from dsf_app.services.access import require_access
from dsf_app.services.actor import Actor

PAGE = 30


class ChangeLine(BaseModel):
    """What the service making a change says about it."""

    model_config = ConfigDict(extra="forbid")

    author: str
    path: str
    operation: str
    value: Any = None
    reason: str
    restored_from: int | None = None


class Change(ChangeLine):
    """A stored change: its place in the world's history, the version it made, and when."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    seq: int
    version: int
    at: datetime

    def entry(self) -> dict[str, Any]:
        """The change as a line of an exported world's `changelog`."""
        line = {
            "version": self.version,
            "at": self.at.astimezone(UTC).isoformat(),
            **self.model_dump(mode="json", include=set(ChangeLine.model_fields)),
        }
        if self.restored_from is None:
            del line["restored_from"]
        return line


class ChangePage(BaseModel):
    changes: list[Change]  # newest first
    more: bool  # whether older changes come after these


def append(
    session: Session,
    world_id: uuid.UUID,
    version: int,
    at: datetime,
    changes: list[dict[str, Any]],
) -> None:
    """Store `changes` (made together, as `version`) after the world's last change. Only the
    service that changes the world calls this, with the world's row already written."""
    last = session.exec(
        select(func.coalesce(func.max(WorldChange.seq), 0)).where(WorldChange.world_id == world_id)
    ).one()
    rows = [
        {
            **ChangeLine.model_validate(change).model_dump(),
            "world_id": world_id,
            "seq": last + number,
            "version": version,
            "at": at,
        }
        for number, change in enumerate(changes, start=1)
    ]
    session.execute(insert(WorldChange), rows)


def page(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    *,
    limit: int = PAGE,
    before: int | None = None,
) -> ChangePage:
    """The world's newest `limit` changes, or those just older than change `before` (its seq):
    one index range whatever the length of the history."""
    validation.page(limit, 0)
    require_access(session, actor, world_id)
    query = select(WorldChange).where(WorldChange.world_id == world_id)
    if before is not None:
        query = query.where(col(WorldChange.seq) < before)
    rows = session.exec(query.order_by(col(WorldChange.seq).desc()).limit(limit + 1)).all()
    return ChangePage(
        changes=[Change.model_validate(row) for row in rows[:limit]], more=len(rows) > limit
    )


def entries(session: Session, world_id: uuid.UUID) -> list[dict[str, Any]]:
    """The world's whole history, oldest first, as an export's `changelog` holds it. The
    caller checked the person may read the world."""
    rows = session.exec(
        select(WorldChange).where(WorldChange.world_id == world_id).order_by(col(WorldChange.seq))
    ).all()
    return [Change.model_validate(row).entry() for row in rows]
