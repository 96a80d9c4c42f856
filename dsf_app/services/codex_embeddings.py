"""The embeddings of Codex entries, which search by meaning and the World Agent's lore
retrieval compare: what an entry's embedding reads (name, kind, aliases, summary, body), and
filling in the ones that are missing. A write that changes that text empties the embedding
(`codex.update_entry`); `embed_missing` computes it again outside any long session."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from dsf_app import embeddings
from dsf_app.db import session_scope
from dsf_app.models import CodexEntry, CodexStatus, World
from dsf_app.services.access import readable_worlds_clause
from dsf_app.services.actor import Actor

EMBED_BATCH = 16
# What an entry's embedding reads: more than the model's 256 tokens would be cut anyway.
EMBED_CHARS = 1200


def embedding_text(entry: CodexEntry) -> str:
    """What an entry's embedding is computed from."""
    aliases = ", ".join(str(a) for a in entry.aliases)
    head = f"{entry.name} ({entry.kind})" + (f", also called {aliases}" if aliases else "")
    return "\n".join(part for part in (head, entry.summary, entry.body) if part)[:EMBED_CHARS]


def embed_missing(actor: Actor, world_id: uuid.UUID | None, *, limit: int | None = None) -> int:
    """Compute the embeddings that active entries lack — of one world, or (None) of every world,
    that the actor may read — at most `limit`, a batch at a time, each batch in its own short
    session; returns how many were stored. Slow (about 10 ms an entry): call from a worker
    thread. An entry edited meanwhile keeps its empty embedding for the next call."""
    done = 0
    while limit is None or done < limit:
        batch = EMBED_BATCH if limit is None else min(EMBED_BATCH, limit - done)
        with session_scope() as session:
            query = (
                select(CodexEntry)
                .join(World, col(World.id) == CodexEntry.world_id)
                .where(
                    readable_worlds_clause(actor),
                    CodexEntry.status == CodexStatus.ACTIVE,
                    col(CodexEntry.embedding).is_(None),
                )
            )
            if world_id is not None:
                query = query.where(CodexEntry.world_id == world_id)
            pending = [
                (row.id, row.updated_at, embedding_text(row))
                for row in session.exec(query.limit(batch)).all()
            ]
        if not pending:
            break
        vectors = embeddings.embed([text for _, _, text in pending])
        with session_scope() as session:
            for (entry_id, seen_at, _), vector in zip(pending, vectors, strict=True):
                entry = session.get(CodexEntry, entry_id)
                if entry is not None and entry.updated_at == seen_at:
                    entry.embedding = vector
                    session.add(entry)
        done += len(pending)
        if len(pending) < batch:
            break
    return done
