"""Exports: a story as Markdown or EPUB (the path a reader follows through its branches), and a
world as JSON (foundation, stories with every segment, Codex entries and links, asset list),
the document that `world_import` reads back as a new, private copy owned by the importer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from dsf_app import epub
from dsf_app.errors import Invalid
from dsf_app.models import (
    Asset,
    CodexEntry,
    CodexLink,
    CodexStatus,
    Story,
    StorySegment,
    User,
    World,
)
from dsf_app.services import (
    asset_files,
    codex_progressions,
    covers,
    in_world_dates,
    world_changes,
)
from dsf_app.services.access import Permission, require_story, require_world, world_with_level
from dsf_app.services.actor import Actor
from dsf_app.services.export_text import html_safe_json, markdown_line, markdown_text
from dsf_app.services.reader import outline
from dsf_app.storage import AssetStorage

FORMAT = "deep-sci-fi/world"


class SegmentExport(BaseModel):
    id: str = Field(description="The segment's id in the exported world (links parents).")
    parent_id: str | None = None
    order: int = 0
    title: str = ""
    in_world_date: str = Field(default="", max_length=in_world_dates.MAX_LENGTH)
    content: str = ""
    world_evolution: dict[str, Any] = Field(default_factory=dict)
    ui_components: list[Any] = Field(default_factory=list)


class StoryExport(BaseModel):
    title: str
    description: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)
    world_contributions: list[Any] = Field(default_factory=list)
    segments: list[SegmentExport] = Field(default_factory=list)


class AssetExport(BaseModel):
    storage_key: str
    type: str
    category: str
    content_type: str
    size_bytes: int = 0
    description: str = ""
    generated: bool = False
    prompt: str | None = None


class CodexEntryExport(BaseModel):
    id: str = Field(description="The entry's id in the exported world (links name it).")
    kind: str = "concept"
    name: str
    aliases: list[str] = Field(default_factory=list)
    summary: str = ""
    body: str = ""
    tags: list[str] = Field(default_factory=list)
    status: str = "active"
    pinned: bool = False
    excluded: bool = False
    activation: dict[str, Any] = Field(
        default_factory=dict,
        description="When it is put in front of the World Agent (`ActivationRules`; checked "
        "entry by entry on import, so one bad entry is skipped, not the file).",
    )
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Fields an imported lorebook had that DSF keeps aside."
    )


class CodexLinkExport(BaseModel):
    from_id: str
    to_id: str
    relation: str = ""


class CodexProgressionExport(BaseModel):
    """How an entry changes from a story part on (`codex_progressions`)."""

    entry_id: str = Field(description="The entry's id in the exported world.")
    segment_id: str = Field(description="The part it changes from: a segment's id in the export.")
    field: str
    mode: str
    value: str


class WorldData(BaseModel):
    name: str
    description: str = ""
    state: str = "sketch"
    version: int = 1
    foundation: dict[str, Any] = Field(default_factory=dict)
    surface: dict[str, Any] = Field(default_factory=dict)
    constraints: list[Any] = Field(default_factory=list)
    changelog: list[Any] = Field(default_factory=list)


class WorldExport(BaseModel):
    """The JSON document of an exported world (and what an import accepts)."""

    format: Literal["deep-sci-fi/world"] = FORMAT
    format_version: Literal[1] = 1
    exported_at: datetime
    world: WorldData
    stories: list[StoryExport] = Field(default_factory=list)
    codex: list[CodexEntryExport] = Field(
        default_factory=list,
        description="The Codex entries: every one (active, suggested, rejected) for the world's "
        "writers, the active ones for a reader.",
    )
    codex_links: list[CodexLinkExport] = Field(default_factory=list)
    codex_progressions: list[CodexProgressionExport] = Field(default_factory=list)
    assets: list[AssetExport] = Field(
        default_factory=list, description="The world's files, listed (their bytes stay in S3)."
    )


def slug(text: str) -> str:
    """A file-name-safe version of a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "untitled"


# ---- stories -------------------------------------------------------------------------------


def _story_path(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    choices: Mapping[uuid.UUID | None, uuid.UUID] | None,
) -> tuple[Story, World, list[StorySegment]]:
    story = require_story(session, actor, story_id)
    world = require_world(session, actor, story.world_id)
    path = outline(session, story.id).path(choices or {})
    if not path:
        return story, world, []
    rows = {
        s.id: s for s in session.exec(select(StorySegment).where(col(StorySegment.id).in_(path)))
    }
    return story, world, [rows[seg] for seg in path]


def _chapter_title(segment: StorySegment, number: int) -> str:
    return segment.title.strip() or f"Part {number}"


def story_markdown(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    choices: Mapping[uuid.UUID | None, uuid.UUID] | None = None,
) -> tuple[str, str]:
    """(file name, Markdown) of the story along the reader's path."""
    story, world, segments = _story_path(session, actor, story_id, choices)
    words = sum(s.word_count for s in segments)
    # What authors and agents wrote is plain text in the reader, so it is escaped to stay that.
    parts = [
        f"# {markdown_line(story.title)}",
        f"*A story of {markdown_line(world.name)} — {len(segments)} parts, {words:,} words.*",
    ]
    if story.description:
        parts.append(markdown_text(story.description.strip()))
    for number, segment in enumerate(segments, start=1):
        parts.append(f"## {markdown_line(_chapter_title(segment, number))}")
        parts.append(markdown_text(segment.content.strip()))
    return f"{slug(story.title)}.md", "\n\n".join(parts) + "\n"


class StoryBook(BaseModel):
    """A story's EPUB before its cover's bytes are fetched: read in one short transaction
    (`story_book`), so that S3 is asked with no session open (`story_epub`)."""

    file_name: str
    book: epub.Book
    cover_key: str | None = Field(default=None, description="The world's cover image in S3.")
    cover_description: str = ""


def story_book(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    choices: Mapping[uuid.UUID | None, uuid.UUID] | None = None,
) -> StoryBook:
    """The story along the reader's path as a book, one chapter per part, and where its world's
    cover (its newest image) is stored. Its language is "en": a world's foundation declares
    none."""
    story, world, segments = _story_path(session, actor, story_id, choices)
    if not segments:
        raise Invalid(f"“{story.title}” has no parts yet; write one before exporting it as EPUB.")
    author = session.get(User, story.author_id)
    cover = covers.covers(session, actor, [world.id]).get(world.id)
    cover_asset = session.get(Asset, cover.asset_id) if cover else None
    book = epub.Book(
        identifier=story.id,
        title=" ".join(story.title.split()) or "Untitled",
        language="en",
        creator=(author.name or author.email) if author else "Deep Sci-Fi",
        description=story.description or f"A story of {world.name}.",
        modified=datetime.now(UTC),
        chapters=[
            epub.Chapter(title=_chapter_title(segment, number), text=segment.content)
            for number, segment in enumerate(segments, start=1)
        ],
    )
    return StoryBook(
        file_name=f"{slug(story.title)}.epub",
        book=book,
        cover_key=cover_asset.storage_key if cover_asset else None,
        cover_description=cover.description if cover else "",
    )


def story_epub(story: StoryBook, storage: AssetStorage) -> tuple[str, bytes]:
    """(file name, EPUB 3 bytes) of `story`, with the world's cover image when its bytes are an
    image every EPUB reader shows (PNG, JPEG or GIF; a WebP cover is left out). Asks S3: call it
    with no session open."""
    book = story.book
    if story.cover_key:
        data = storage.get(story.cover_key)
        media_type = asset_files.image_type_of(data)
        if media_type in epub.COVER_TYPES:
            cover = epub.Cover.model_validate(
                {"data": data, "media_type": media_type, "description": story.cover_description}
            )
            book = book.model_copy(update={"cover": cover})
    return story.file_name, epub.write(book)


# ---- worlds --------------------------------------------------------------------------------


def export_world(session: Session, actor: Actor, world_id: uuid.UUID) -> WorldExport:
    """The world with every story and segment (all branches) and its asset list; the Codex as
    the actor may see it (suggested and rejected entries only for those who may write it)."""
    world, level = world_with_level(session, actor, world_id)
    story_rows = session.exec(
        select(Story).where(Story.world_id == world.id).order_by(col(Story.created_at))
    ).all()
    segments_by_story: dict[uuid.UUID, list[SegmentExport]] = {}
    if story_rows:
        for segment in session.exec(
            select(StorySegment)
            .where(col(StorySegment.story_id).in_([s.id for s in story_rows]))
            .order_by(col(StorySegment.order), col(StorySegment.created_at), col(StorySegment.id))
        ):
            segments_by_story.setdefault(segment.story_id, []).append(
                SegmentExport(
                    id=str(segment.id),
                    parent_id=str(segment.parent_id) if segment.parent_id else None,
                    order=segment.order,
                    title=segment.title,
                    in_world_date=segment.in_world_date,
                    content=segment.content,
                    world_evolution=segment.world_evolution,
                    ui_components=segment.ui_components,
                )
            )
    assets = session.exec(
        select(Asset).where(Asset.world_id == world.id).order_by(col(Asset.created_at))
    ).all()
    entries, links = _codex(session, world.id, everything=level >= Permission.WRITE)
    return WorldExport(
        exported_at=datetime.now(UTC),
        world=WorldData(
            name=world.name,
            description=world.description,
            state=world.state,
            version=world.version,
            foundation=world.foundation,
            surface=world.surface,
            constraints=world.constraints,
            changelog=world_changes.entries(session, world.id),
        ),
        stories=[
            StoryExport(
                title=story.title,
                description=story.description,
                meta=story.meta,
                world_contributions=story.world_contributions,
                segments=segments_by_story.get(story.id, []),
            )
            for story in story_rows
        ],
        codex=entries,
        codex_links=links,
        codex_progressions=[
            CodexProgressionExport(
                entry_id=str(p.entry_id),
                segment_id=str(p.segment_id),
                field=p.field,
                mode=p.mode,
                value=p.value,
            )
            for p in codex_progressions.of_entries(session, [uuid.UUID(e.id) for e in entries])
        ],
        assets=[
            AssetExport(
                storage_key=asset.storage_key,
                type=asset.type,
                category=asset.category,
                content_type=asset.content_type,
                size_bytes=asset.size_bytes,
                description=asset.description,
                generated=asset.generated,
                prompt=asset.prompt,
            )
            for asset in assets
        ],
    )


def _codex(
    session: Session, world_id: uuid.UUID, *, everything: bool
) -> tuple[list[CodexEntryExport], list[CodexLinkExport]]:
    """The world's Codex entries (without embeddings, which an import computes again; without
    images, whose bytes an export does not carry) and the links between them: only the active
    ones unless `everything`. The caller checked access."""
    shown = [] if everything else [CodexEntry.status == CodexStatus.ACTIVE]
    entries = [
        CodexEntryExport(
            id=str(entry.id),
            kind=str(entry.kind),
            name=entry.name,
            aliases=[str(a) for a in entry.aliases],
            summary=entry.summary,
            body=entry.body,
            tags=[str(t) for t in entry.tags],
            status=str(entry.status),
            pinned=entry.pinned,
            excluded=entry.excluded,
            activation=entry.activation.model_dump(mode="json", exclude_defaults=True),
            extra=entry.extra,
        )
        for entry in session.exec(
            select(CodexEntry)
            .where(CodexEntry.world_id == world_id, *shown)
            .order_by(col(CodexEntry.kind), col(CodexEntry.name), col(CodexEntry.id))
        )
    ]
    exported = {entry.id for entry in entries}
    links = [
        CodexLinkExport(from_id=str(link.from_id), to_id=str(link.to_id), relation=link.relation)
        for link in session.exec(
            select(CodexLink)
            .where(CodexLink.world_id == world_id)
            .order_by(col(CodexLink.created_at), col(CodexLink.id))
        )
        if str(link.from_id) in exported and str(link.to_id) in exported
    ]
    return entries, links


def world_json(session: Session, actor: Actor, world_id: uuid.UUID) -> tuple[str, str]:
    """(file name, JSON text) of the exported world."""
    exported = export_world(session, actor, world_id)
    text = html_safe_json(exported.model_dump_json(indent=2))
    return f"{slug(exported.world.name)}.world.json", text
