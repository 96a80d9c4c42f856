"""Search by meaning across everything a person may read — worlds, Codex entries and story
segments — nearest first, in three groups, each hit linking to its page.

Entries carry their own embeddings. Worlds and segments are embedded into `search_vector` when
a search finds them missing or older than the world or segment (at most REFRESH_LIMIT per
search, newest first), so writing costs nothing and the index catches up as people search.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from dsf_app import embeddings
from dsf_app.db import cosine_distance, session_scope
from dsf_app.errors import Invalid
from dsf_app.models import (
    CodexEntry,
    CodexStatus,
    SearchVector,
    Story,
    StorySegment,
    World,
)
from dsf_app.models.columns import utcnow
from dsf_app.services import codex_embeddings, codex_search, validation
from dsf_app.services.access import readable_worlds_clause
from dsf_app.services.actor import Actor

GROUP_LIMIT = 8
REFRESH_LIMIT = 256
EMBED_BATCH = 16
EMBED_CHARS = 2000
SNIPPET_CHARS = 220
# all-MiniLM-L6-v2: unrelated texts fall below about 0.2 similarity, related ones above 0.35.
MAX_DISTANCE = 0.72


@dataclass(frozen=True)
class Hit:
    title: str
    context: str  # the world (and story) it belongs to, or what it is
    snippet: str
    href: str
    similarity: float


@dataclass(frozen=True)
class Results:
    worlds: list[Hit]
    entries: list[Hit]
    segments: list[Hit]


def search_everything(actor: Actor, query: str) -> Results:
    """What the actor may read nearest in meaning to `query`. Embeds text (the query, and
    whatever the index lacks): call from a worker thread."""
    term = validation.search_term(query)
    if term is None:
        raise Invalid("Type what you are looking for, e.g. “a city that floods twice a day”.")
    refresh(actor)
    codex_embeddings.embed_missing(actor, None, limit=REFRESH_LIMIT)
    vector = codex_search.query_vector(term)
    with session_scope() as session:
        return Results(
            worlds=_worlds(session, actor, vector),
            entries=_entries(session, actor, vector),
            segments=_segments(session, actor, vector),
        )


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1].rstrip() + "…"


def _worlds(session: Session, actor: Actor, vector: list[float]) -> list[Hit]:
    distance = cosine_distance(col(SearchVector.embedding), vector)
    rows = session.exec(
        select(World, distance)
        .join(SearchVector, col(SearchVector.world_id) == World.id)
        .where(
            col(SearchVector.segment_id).is_(None),
            readable_worlds_clause(actor),
            distance <= MAX_DISTANCE,
        )
        .order_by(distance)
        .limit(GROUP_LIMIT)
    ).all()
    return [
        Hit(
            world.name,
            str(world.visibility),
            _snippet(world.description or str(world.foundation.get("core_premise", ""))),
            f"/worlds/{world.id}",
            round(1 - float(how_far), 2),
        )
        for world, how_far in rows
    ]


def _entries(session: Session, actor: Actor, vector: list[float]) -> list[Hit]:
    distance = cosine_distance(col(CodexEntry.embedding), vector)
    rows = session.exec(
        select(CodexEntry, World.name, distance)
        .join(World, col(World.id) == CodexEntry.world_id)
        .where(
            CodexEntry.status == CodexStatus.ACTIVE,
            col(CodexEntry.embedding).is_not(None),
            readable_worlds_clause(actor),
            distance <= MAX_DISTANCE,
        )
        .order_by(distance)
        .limit(GROUP_LIMIT)
    ).all()
    return [
        Hit(
            entry.name,
            f"{entry.kind} · {world_name}",
            _snippet(entry.summary or entry.body),
            f"/worlds/{entry.world_id}/codex/{entry.id}",
            round(1 - float(how_far), 2),
        )
        for entry, world_name, how_far in rows
    ]


def _segments(session: Session, actor: Actor, vector: list[float]) -> list[Hit]:
    distance = cosine_distance(col(SearchVector.embedding), vector)
    rows = session.execute(
        sa_select(
            col(StorySegment.title),
            func.left(col(StorySegment.content), SNIPPET_CHARS * 2),
            col(Story.id),
            col(Story.title),
            col(World.id),
            col(World.name),
            distance,
        )
        .join(StorySegment, col(StorySegment.id) == SearchVector.segment_id)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .join(World, col(World.id) == Story.world_id)
        .where(readable_worlds_clause(actor), distance <= MAX_DISTANCE)
        .order_by(distance)
        .limit(GROUP_LIMIT)
    ).all()
    return [
        Hit(
            segment_title or story_title,
            f"{story_title} · {world_name}",
            _snippet(content or ""),
            f"/worlds/{world_id}/stories/{story_id}",
            round(1 - float(how_far), 2),
        )
        for segment_title, content, story_id, story_title, world_id, world_name, how_far in rows
    ]


# ---- the index -------------------------------------------------------------------------------


def refresh(actor: Actor, limit: int = REFRESH_LIMIT) -> int:
    """Embed the worlds and segments the actor may read whose vector is missing or older than
    them (newest first, at most `limit`); returns how many were embedded."""
    at = utcnow()
    with session_scope() as session:
        pending = _stale_worlds(session, actor, limit)
        pending += _stale_segments(session, actor, limit - len(pending))
    for start in range(0, len(pending), EMBED_BATCH):
        batch = pending[start : start + EMBED_BATCH]
        vectors = embeddings.embed([text for _, _, text in batch])
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "world_id": world_id,
                "segment_id": segment_id,
                "embedded_at": at,
                "embedding": vector,
            }
            for (world_id, segment_id, _), vector in zip(batch, vectors, strict=True)
        ]
        statement = insert(SearchVector).values(rows)
        with session_scope() as session:
            session.execute(
                statement.on_conflict_do_update(
                    constraint="uq_search_vector_world_segment",
                    set_={
                        "embedding": statement.excluded.embedding,
                        "embedded_at": statement.excluded.embedded_at,
                    },
                )
            )
    return len(pending)


Pending = list[tuple[uuid.UUID, uuid.UUID | None, str]]


def _stale_worlds(session: Session, actor: Actor, limit: int) -> Pending:
    rows = session.exec(
        select(World)
        .outerjoin(
            SearchVector,
            (col(SearchVector.world_id) == World.id) & col(SearchVector.segment_id).is_(None),
        )
        .where(
            readable_worlds_clause(actor),
            or_(
                col(SearchVector.id).is_(None),
                col(SearchVector.embedded_at) < World.updated_at,
            ),
        )
        .order_by(col(World.updated_at).desc())
        .limit(max(limit, 0))
    ).all()
    return [(world.id, None, _world_text(world)) for world in rows]


def _world_text(world: World) -> str:
    premise = world.foundation.get("core_premise", "") if isinstance(world.foundation, dict) else ""
    return "\n".join(p for p in (world.name, world.description, str(premise)) if p)[:EMBED_CHARS]


def _stale_segments(session: Session, actor: Actor, limit: int) -> Pending:
    if limit <= 0:
        return []
    rows = session.execute(
        sa_select(
            col(StorySegment.id),
            col(Story.world_id),
            col(Story.title),
            col(StorySegment.title),
            func.left(col(StorySegment.content), EMBED_CHARS),
        )
        .join(Story, col(Story.id) == StorySegment.story_id)
        .join(World, col(World.id) == Story.world_id)
        .outerjoin(SearchVector, col(SearchVector.segment_id) == StorySegment.id)
        .where(
            readable_worlds_clause(actor),
            or_(
                col(SearchVector.id).is_(None),
                col(SearchVector.embedded_at) < StorySegment.updated_at,
            ),
        )
        .order_by(col(StorySegment.updated_at).desc())
        .limit(limit)
    ).all()
    return [
        (world_id, segment_id, "\n".join(p for p in (story, title, content) if p)[:EMBED_CHARS])
        for segment_id, world_id, story, title, content in rows
    ]
