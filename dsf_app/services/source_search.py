"""The passages of a world's sources nearest in meaning to a turn's message, added to the lore
the turn is given: within their own character budget (DSF_SOURCE_BUDGET), each under a heading
that is the Markdown link citing it — the source reader at that passage,
`/worlds/<world>/sources/<source>#p-<number>` — and each listed in "Lore used" with its
similarity. The search uses the passages' HNSW index (cosine distance)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, col

from dsf_app import embeddings
from dsf_app.db import cosine_distance, session_scope
from dsf_app.models import Source, SourcePassage
from dsf_app.services.access import require_access
from dsf_app.services.actor import Actor
from dsf_app.services.lore import LoreItem, LoreSelection
from dsf_app.settings import get_settings

log = logging.getLogger(__name__)

# Candidates read from the index; the budget usually keeps fewer.
NEAREST = 8
# How far the HNSW search looks at once (pgvector's default is 40); with pgvector 0.8's
# iterative scan it looks further while other worlds' passages crowd out this world's.
EF_SEARCH = 100
SOURCE_KIND = "source"
BLOCK_HEADER = (
    "Passages from the world's sources nearest this turn. When you use one, cite it as the "
    "Markdown link in its heading, e.g. [“Title”, p. 3](/worlds/…/sources/…#p-12)."
)


@dataclass(frozen=True)
class Passage:
    source_id: uuid.UUID
    title: str
    number: int
    page: int | None
    text: str
    similarity: float

    def href(self, world_id: uuid.UUID) -> str:
        return passage_href(world_id, self.source_id, self.number)

    @property
    def label(self) -> str:
        where = f", p. {self.page}" if self.page else f", passage {self.number + 1}"
        return f"“{self.title}”{where}"


def passage_href(world_id: uuid.UUID | str, source_id: uuid.UUID | str, number: int) -> str:
    """The reader page at a passage: what a citation links to."""
    return f"/worlds/{world_id}/sources/{source_id}#p-{number}"


def item_href(item: LoreItem) -> str | None:
    """Where a "Lore used" item that is a passage leads (None for any other item)."""
    source, _, number = item.key.removeprefix(f"{SOURCE_KIND}:").partition("#p-")
    if item.kind != SOURCE_KIND or not number.isdigit():
        return None
    try:
        return passage_href(uuid.UUID(item.world_id), uuid.UUID(source), int(number))
    except ValueError:
        return None


def nearest(
    session: Session, actor: Actor, world_id: uuid.UUID, vector: list[float], limit: int = NEAREST
) -> list[Passage]:
    """The world's passages nearest `vector`, at least DSF_LORE_MIN_SIMILARITY close."""
    require_access(session, actor, world_id)
    session.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
    session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
    distance = cosine_distance(col(SourcePassage.embedding), vector)
    least = get_settings().lore_min_similarity
    rows = session.execute(
        sa_select(
            col(SourcePassage.source_id),
            col(Source.title),
            col(SourcePassage.number),
            col(SourcePassage.page),
            col(SourcePassage.text),
            distance,
        )
        .join(Source, col(Source.id) == SourcePassage.source_id)
        .where(col(SourcePassage.world_id) == world_id, distance <= 1 - least)
        .order_by(distance)
        .limit(limit)
    ).all()
    return [
        Passage(source_id, title, number, page, body, 1 - float(how_far))
        for source_id, title, number, page, body, how_far in rows
    ]


def with_passages(
    actor: Actor, world_id: uuid.UUID, message: str, selection: LoreSelection
) -> LoreSelection:
    """The turn's lore with the nearest passages added, cut to the source budget. Embeds the
    message (tens of milliseconds): call from a worker thread. A failing embedding model or
    search leaves the lore as it was, never stops the turn."""
    budget = get_settings().source_budget_chars
    if budget <= 0:
        return selection
    try:
        vector = embeddings.embed([message])[0]
        with session_scope() as session:
            found = nearest(session, actor, world_id, vector)
    except Exception:
        log.exception("Source passages are unavailable for this turn")
        return selection
    return add_to(selection, world_id, found, budget)


def add_to(
    selection: LoreSelection, world_id: uuid.UUID, found: list[Passage], budget: int
) -> LoreSelection:
    """`selection` with the passages that fit in `budget` characters, nearest first."""
    sections: list[str] = []
    items: list[LoreItem] = []
    used = 0
    for passage in found:
        reason = f"similar in meaning {passage.similarity:.2f}"
        section = f"## [{passage.label}]({passage.href(world_id)}) [{reason}]\n{passage.text}"
        if used + len(section) > budget:
            continue
        sections.append(section)
        used += len(section)
        items.append(
            LoreItem(
                key=f"{SOURCE_KIND}:{passage.source_id}#p-{passage.number}",
                name=passage.label,
                kind=SOURCE_KIND,
                reasons=(reason,),
                world_id=str(world_id),
            )
        )
    if not sections:
        return selection
    block = "\n\n".join([selection.block, BLOCK_HEADER, *sections])
    return LoreSelection((*selection.items, *items), block)
