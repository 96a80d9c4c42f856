"""Finding a world's Codex entries: by a name or an alias that contains the words looked for,
then by meaning, nearest first (cosine distance between the entries' embeddings and the
query's). Entries without an embedding yet are found by name only; `codex_embeddings` fills
them in."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from dsf_app import embeddings
from dsf_app.db import cosine_distance
from dsf_app.errors import ServiceUnavailable
from dsf_app.models import CodexEntry, CodexStatus
from dsf_app.services import validation
from dsf_app.services.access import require_world
from dsf_app.services.actor import Actor

log = logging.getLogger(__name__)

# all-MiniLM-L6-v2: related texts sit above about 0.35 cosine similarity (see runs.MAX_DISTANCE).
MAX_DISTANCE = 0.7


@dataclass(frozen=True)
class EntryHit:
    entry: CodexEntry
    reason: str  # "name", "alias" or "meaning"
    similarity: float | None = None


def search(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    query: str,
    vector: list[float],
    *,
    limit: int = 20,
) -> list[EntryHit]:
    """Active entries whose name or an alias contains `query`, then those nearest in meaning
    to it (`vector` is its embedding, from `query_vector`)."""
    term = validation.search_term(query)
    if term is None:
        return []
    world = require_world(session, actor, world_id)
    pattern = validation.like_pattern(term)
    active = (CodexEntry.world_id == world.id, CodexEntry.status == CodexStatus.ACTIVE)
    named = session.exec(
        select(CodexEntry)
        .where(
            *active,
            or_(
                col(CodexEntry.name).ilike(pattern),
                cast(CodexEntry.aliases, String).ilike(pattern),
            ),
        )
        .order_by(func.length(CodexEntry.name), col(CodexEntry.name))
        .limit(limit)
    ).all()
    hits = [
        EntryHit(entry, "name" if term.casefold() in entry.name.casefold() else "alias")
        for entry in named
    ]
    distance = cosine_distance(col(CodexEntry.embedding), vector)
    seen = {hit.entry.id for hit in hits}
    for entry, how_far in session.exec(
        select(CodexEntry, distance)
        .where(*active, col(CodexEntry.embedding).is_not(None), distance <= MAX_DISTANCE)
        .order_by(distance)
        .limit(limit)
    ).all():
        if entry.id not in seen:
            hits.append(EntryHit(entry, "meaning", round(1 - float(how_far), 2)))
    return hits[:limit]


def query_vector(text: str) -> list[float]:
    """The embedding of a search text (milliseconds of CPU: call from a worker thread)."""
    try:
        return embeddings.embed([text.strip()[: validation.MAX_SEARCH]])[0]
    except Exception as exc:
        log.exception("Could not embed a Codex search")
        raise ServiceUnavailable(
            f"Searching the Codex by meaning is unavailable: the embedding model failed ({exc})."
        ) from exc
