"""Exports: a story as Markdown or EPUB (the path a reader follows through its branches), and a
world as JSON (foundation, stories with every segment, Codex entries and links, asset list),
the document that `world_import` reads back as a new, private copy owned by the importer."""

from __future__ import annotations

import html
import io
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from ebooklib import epub
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from dsf_app.models import Asset, CodexEntry, CodexLink, Story, StorySegment, User, World
from dsf_app.services import world_changes
from dsf_app.services.access import require_story, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.export_text import html_safe_json, markdown_line, markdown_text, xml_text
from dsf_app.services.reader import outline

FORMAT = "deep-sci-fi/world"


class SegmentExport(BaseModel):
    id: str = Field(description="The segment's id in the exported world (links parents).")
    parent_id: str | None = None
    order: int = 0
    title: str = ""
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
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Fields an imported lorebook had that DSF keeps aside."
    )


class CodexLinkExport(BaseModel):
    from_id: str
    to_id: str
    relation: str = ""


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
        default_factory=list, description="Every Codex entry: active, suggested and rejected."
    )
    codex_links: list[CodexLinkExport] = Field(default_factory=list)
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


# story_markdown and story_epub: (session, actor, story id, branch choices) -> (file name, data).
StoryFile = Callable[
    [Session, Actor, uuid.UUID, Mapping[uuid.UUID | None, uuid.UUID] | None],
    tuple[str, str | bytes],
]


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


def story_epub(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    choices: Mapping[uuid.UUID | None, uuid.UUID] | None = None,
) -> tuple[str, bytes]:
    """(file name, EPUB 3 bytes): one chapter per segment along the reader's path."""
    story, world, segments = _story_path(session, actor, story_id, choices)
    author = session.get(User, story.author_id)
    book = epub.EpubBook()
    book.set_identifier(f"urn:uuid:{story.id}")
    book.set_title(xml_text(story.title))
    book.set_language("en")
    book.add_author(xml_text(author.name or author.email) if author else "Deep Sci-Fi")
    description = story.description or f"A story of {world.name}."
    book.add_metadata("DC", "description", xml_text(description))
    chapters = []
    for number, segment in enumerate(segments, start=1):
        title = xml_text(_chapter_title(segment, number))
        chapter = epub.EpubHtml(title=title, file_name=f"part-{number:04d}.xhtml", lang="en")
        content = xml_text(segment.content)
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
        body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs)
        chapter.content = f"<h2>{html.escape(title)}</h2>{body}"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    buffer = io.BytesIO()
    epub.write_epub(buffer, book)
    return f"{slug(story.title)}.epub", buffer.getvalue()


# ---- worlds --------------------------------------------------------------------------------


def export_world(session: Session, actor: Actor, world_id: uuid.UUID) -> WorldExport:
    """The world with every story and segment (all branches) and its asset list."""
    world = require_world(session, actor, world_id)
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
                    content=segment.content,
                    world_evolution=segment.world_evolution,
                    ui_components=segment.ui_components,
                )
            )
    assets = session.exec(
        select(Asset).where(Asset.world_id == world.id).order_by(col(Asset.created_at))
    ).all()
    entries, links = _codex(session, world.id)
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
    session: Session, world_id: uuid.UUID
) -> tuple[list[CodexEntryExport], list[CodexLinkExport]]:
    """The world's Codex entries (without embeddings, which an import computes again; without
    images, whose bytes an export does not carry) and links. The caller checked access."""
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
            extra=entry.extra,
        )
        for entry in session.exec(
            select(CodexEntry)
            .where(CodexEntry.world_id == world_id)
            .order_by(col(CodexEntry.kind), col(CodexEntry.name), col(CodexEntry.id))
        )
    ]
    links = [
        CodexLinkExport(from_id=str(link.from_id), to_id=str(link.to_id), relation=link.relation)
        for link in session.exec(
            select(CodexLink)
            .where(CodexLink.world_id == world_id)
            .order_by(col(CodexLink.created_at), col(CodexLink.id))
        )
    ]
    return entries, links


def world_json(session: Session, actor: Actor, world_id: uuid.UUID) -> tuple[str, str]:
    """(file name, JSON text) of the exported world."""
    exported = export_world(session, actor, world_id)
    text = html_safe_json(exported.model_dump_json(indent=2))
    return f"{slug(exported.world.name)}.world.json", text
