"""A world's sources, kept together across S3 and PostgreSQL: the uploaded file's bytes in S3
under the world owner's prefix, its passages (text, page, embedding) in `source_passage`.

Adding one reads the file in a heavy process (`source_text.read`), embeds its passages a batch
at a time on the heavy threads, stores the bytes and only then records the rows, in one short
transaction; bytes whose rows could not be recorded are deleted again. No session is open while
S3 or the embedding model works. Editors add and delete sources; whoever may read the world may
read them (`source_search` finds their passages for a turn)."""

from __future__ import annotations

import asyncio
import posixpath
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlmodel import Session, col, select

from dsf_app import embeddings, pools
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import Source, SourcePassage
from dsf_app.services import asset_files, source_text, validation
from dsf_app.services.access import (
    Permission,
    WorldAccess,
    not_visible,
    require_access,
    require_world,
)
from dsf_app.services.actor import Actor
from dsf_app.settings import get_settings
from dsf_app.storage import asset_key

EMBED_BATCH = 32
# Passages the reader page holds at once (about 300 KB of text).
READER_WINDOW = 300


@dataclass(frozen=True)
class SourceView:
    id: str
    world_id: str
    title: str
    filename: str
    format: str
    size: int
    chars: int
    pages: int  # 0 when the format has no pages
    passages: int
    added: str  # the date it was added, YYYY-MM-DD


@dataclass(frozen=True)
class PassageView:
    number: int
    page: int  # 0 when the format has no pages
    text: str


@dataclass(frozen=True)
class SourceText:
    """A window of a source's passages for the reader, from passage `start` on."""

    source: SourceView
    world_name: str
    start: int
    passages: list[PassageView]


@dataclass(frozen=True)
class Progress:
    """One step of adding a source, for the person: what is happening, how far (0..1), and at
    the end the source as stored."""

    step: str
    fraction: float
    source: SourceView | None = None


def _view(row: Source) -> SourceView:
    return SourceView(
        str(row.id),
        str(row.world_id),
        row.title,
        row.filename,
        str(row.format),
        row.size,
        row.chars,
        row.pages or 0,
        row.passages,
        row.created_at.date().isoformat(),
    )


def list_sources(session: Session, actor: Actor, world_id: uuid.UUID) -> list[SourceView]:
    """The world's sources, newest first."""
    require_access(session, actor, world_id)
    rows = session.exec(
        select(Source)
        .where(Source.world_id == world_id)
        .order_by(col(Source.created_at).desc(), col(Source.title))
    ).all()
    return [_view(row) for row in rows]


def _source(
    session: Session,
    actor: Actor,
    source_id: uuid.UUID,
    need: Permission = Permission.READ,
    *,
    world_id: uuid.UUID | None = None,
) -> tuple[Source, WorldAccess]:
    """The source and its world's access; NotFound also when it is not in `world_id`."""
    row = session.get(Source, source_id)
    if row is None or world_id not in (None, row.world_id):
        raise NotFound(not_visible("source", source_id))
    access = require_access(session, actor, row.world_id, need, thing="source", thing_id=source_id)
    return row, access


def source_text_window(
    session: Session,
    actor: Actor,
    source_id: uuid.UUID,
    start: int = 0,
    *,
    world_id: uuid.UUID | None = None,
) -> SourceText:
    """Passages `start` to `start + READER_WINDOW` of a source the actor may read (of the
    world `world_id`, when given: the one the reader's URL names)."""
    row, access = _source(session, actor, source_id, world_id=world_id)
    start = max(0, min(start, max(0, row.passages - 1)))
    found = session.exec(
        select(SourcePassage.number, SourcePassage.page, SourcePassage.text)
        .where(
            SourcePassage.source_id == row.id,
            col(SourcePassage.number) >= start,
            col(SourcePassage.number) < start + READER_WINDOW,
        )
        .order_by(col(SourcePassage.number))
    ).all()
    return SourceText(
        _view(row),
        access.name,
        start,
        [PassageView(number, page or 0, text) for number, page, text in found],
    )


def window_start(number: int) -> int:
    """The first passage of the reader's window that holds passage `number`."""
    return max(0, number) // READER_WINDOW * READER_WINDOW


def require_writable(session: Session, actor: Actor, world_id: uuid.UUID) -> uuid.UUID:
    """Refuse, before any of an upload is read, a person who may not add sources to the world;
    returns the world's owner, under whose prefix the bytes are stored."""
    return require_world(session, actor, world_id, Permission.WRITE).owner_id


def _title(filename: str) -> str:
    stem = posixpath.splitext(posixpath.basename(filename.replace("\\", "/")))[0]
    return re.sub(r"\s+", " ", stem.replace("_", " ")).strip()[:200] or "Untitled source"


def _stored_name(filename: str) -> str:
    stem, extension = posixpath.splitext(filename.lower())
    return (re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:40] or "source") + extension


def too_large(max_bytes: int) -> Invalid:
    return Invalid(f"The file is larger than {max_bytes:,} bytes; split it into smaller sources.")


async def add_source(
    actor: Actor, world_id: uuid.UUID, filename: str, data: bytes
) -> AsyncIterator[Progress]:
    """Read, embed, store and record an uploaded source, telling how far it got; the last step
    carries the stored source. Refusals are Invalid with the reason (size, format, no text)."""
    settings = get_settings()
    filename = validation.text(filename, what="file name", max_length=255, required=True)
    if len(data) > settings.source_max_bytes:
        raise too_large(settings.source_max_bytes)
    owner = await pools.in_event_thread(_writable, actor, world_id)
    yield Progress(f"Reading the text of “{filename}”…", 0.05)
    reading = await pools.in_heavy_process(
        source_text.read, filename, data, settings.source_max_chars
    )
    vectors: list[list[float]] = []
    total = len(reading.passages)
    for first in range(0, total, EMBED_BATCH):
        batch = [p.text for p in reading.passages[first : first + EMBED_BATCH]]
        vectors += await pools.in_heavy_thread(embeddings.embed, batch)
        yield Progress(
            f"Reading passage {len(vectors):,} of {total:,} for meaning…",
            0.1 + 0.8 * len(vectors) / total,
        )
    yield Progress(f"Storing “{filename}”…", 0.95)
    storage = asset_files.asset_storage()
    key = asset_key(owner, world_id, _stored_name(filename))
    content_type = source_text.CONTENT_TYPES[reading.format]
    await asyncio.to_thread(storage.put, key, data, content_type)
    try:
        view = await pools.in_event_thread(
            _record, actor, world_id, filename, len(data), key, reading, vectors
        )
    except BaseException:
        await asset_files.forget(storage, key)
        raise
    yield Progress(f"Added “{view.title}”: {counted(view.passages)}.", 1.0, view)


def counted(passages: int) -> str:
    return f"{passages:,} passage" + ("" if passages == 1 else "s")


def _writable(actor: Actor, world_id: uuid.UUID) -> uuid.UUID:
    with session_scope() as session:
        return require_writable(session, actor, world_id)


def _record(
    actor: Actor,
    world_id: uuid.UUID,
    filename: str,
    size: int,
    key: str,
    reading: source_text.Reading,
    vectors: list[list[float]],
) -> SourceView:
    with session_scope() as session:
        require_world(session, actor, world_id, Permission.WRITE)
        row = Source(
            world_id=world_id,
            title=_title(filename),
            filename=filename,
            format=reading.format,
            content_type=source_text.CONTENT_TYPES[reading.format],
            size=size,
            chars=reading.chars,
            pages=reading.page_count,
            passages=len(reading.passages),
            storage_key=key,
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        session.add_all(
            SourcePassage(
                source_id=row.id,
                world_id=world_id,
                number=passage.number,
                page=passage.page,
                text=passage.text,
                embedding=vector,
            )
            for passage, vector in zip(reading.passages, vectors, strict=True)
        )
        session.flush()
        return _view(row)


def storage_keys(session: Session, actor: Actor, world_id: uuid.UUID) -> list[str]:
    """Where the bytes of the world's sources are (for deleting the world)."""
    require_access(session, actor, world_id)
    return list(session.exec(select(Source.storage_key).where(Source.world_id == world_id)).all())


def _deletable(actor: Actor, source_id: uuid.UUID) -> tuple[str, str]:
    with session_scope() as session:
        row, _ = _source(session, actor, source_id, Permission.WRITE)
        return row.title, row.storage_key


def _delete_rows(actor: Actor, source_id: uuid.UUID) -> None:
    with session_scope() as session:
        session.delete(_source(session, actor, source_id, Permission.WRITE)[0])


async def delete_source(actor: Actor, source_id: uuid.UUID) -> str:
    """Delete a source (an editor of its world): its bytes in S3, then its row and passages.
    If S3 fails the rows stay, so nothing points at missing bytes; deleting again finishes it
    (S3 deletes a missing key without complaint). Returns its title."""
    title, key = await pools.in_event_thread(_deletable, actor, source_id)
    await asyncio.to_thread(asset_files.asset_storage().delete, key)
    await pools.in_event_thread(_delete_rows, actor, source_id)
    return title
