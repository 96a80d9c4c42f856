"""Importing a world exported as JSON (`exports.WorldExport`) as a new, private world owned by
the importer: the upload read no further than the size limit, the document parsed by pydantic
under count limits (it stops at the first segment or Codex entry over the limit instead of
building the rest), the segment tree checked in one pass, the Codex entries checked as the
editor checks them and their links given the new ids, and the rows written in one transaction
(the stories and Codex with bulk inserts, the segments with one COPY).

The limits bound what one import may cost the server (memory, time, and the reader's work on
the result); they are constants, not settings, because they describe the file format DSF
accepts, not an operator's machine. `bench/world_import.py` times an import at the limit.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from pydantic import Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from dsf_app.db import copy_rows, session_scope
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.models import CodexEntry, CodexLink, CodexStatus, Meter, Story
from dsf_app.models.lore_rules import ActivationRules
from dsf_app.pools import Progress, ReportProgress, unreported
from dsf_app.services import (
    codex_history,
    lorebook_entries,
    quotas,
    stories,
    uploads,
    validation,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.services.exports import (
    CodexEntryExport,
    CodexLinkExport,
    SegmentExport,
    StoryExport,
    WorldExport,
)

MB = 1024 * 1024
# A long novel is about 1 MB of JSON; twenty leave room for branches and scene specs.
MAX_BYTES = 20 * MB
MAX_STORIES = 1_000
# The import's own cost: 50,000 short segments (6 MB) import in about 5 s on a busy two-core
# machine, twice that many in about 12 s (bench/world_import.py); a long novel has a few hundred.
MAX_SEGMENTS = 50_000
# The reader loads a story's whole tree (without text) on every page it shows.
MAX_STORY_SEGMENTS = 20_000
# One path from an opening to an ending: the reader and the exports walk it segment by segment.
MAX_DEPTH = 10_000
# As many as one lorebook import may bring (services/lorebook.py), and links to join them.
MAX_CODEX_ENTRIES = lorebook_entries.MAX_ENTRIES
MAX_CODEX_LINKS = 50_000
SKIPPED_NAMES = 10
LIMIT = "import_limit"
SEGMENT_COLUMNS = (
    "id",
    "story_id",
    "parent_id",
    "order",
    "title",
    "in_world_date",
    "content",
    "word_count",
    "world_evolution",
    "ui_components",
    "created_at",
    "updated_at",
)
NOT_AN_EXPORT = (
    "This file is not a Deep Sci-Fi world export (a .world.json file from “Export JSON”): "
    "at {where}: {problem}."
)


def too_large() -> Invalid:
    return Invalid(
        f"This file is larger than {MAX_BYTES // MB} MB, the most a world import may be; "
        "export the world again with fewer stories, or split it, and import that."
    )


async def read_upload(chunks: AsyncIterator[uploads.Chunk]) -> bytes | None:
    """The bytes of the uploaded world file, read no further than MAX_BYTES."""
    return await uploads.read_upload(chunks, MAX_BYTES, too_large)


def _over(info: ValidationInfo, what: str, limit: int) -> bool:
    """Count one more `what` in this parse; True once the count passes `limit`."""
    if info.context is None:
        return False
    info.context[what] = info.context.get(what, 0) + 1
    return info.context[what] > limit


def _limit(message: str) -> PydanticCustomError:
    """A parse error that `parse` reports as it is: the sentence naming the limit passed."""
    return PydanticCustomError(LIMIT, "{message}", {"message": message})


class ImportedSegment(SegmentExport):
    @model_validator(mode="after")
    def _count(self, info: ValidationInfo) -> Self:
        if _over(info, "segments", MAX_SEGMENTS):
            raise _limit(
                f"This file has more than {MAX_SEGMENTS:,} story segments, the most one world "
                "import may hold; export fewer stories and import them separately.",
            )
        return self


class ImportedStory(StoryExport):
    # fail_fast: the first error (a limit passed) ends the parse instead of validating the rest.
    segments: list[ImportedSegment] = Field(default_factory=list, fail_fast=True)  # pyright: ignore[reportIncompatibleVariableOverride]

    @model_validator(mode="after")
    def _count(self, info: ValidationInfo) -> Self:
        if len(self.segments) > MAX_STORY_SEGMENTS:
            raise _limit(
                f"The story “{self.title[:100]}” has {len(self.segments):,} segments; a story "
                f"may have at most {MAX_STORY_SEGMENTS:,}. Split it into several stories.",
            )
        if _over(info, "stories", MAX_STORIES):
            raise _limit(
                f"This file has more than {MAX_STORIES:,} stories, the most one world import "
                "may hold; export fewer stories and import them separately.",
            )
        return self


class ImportedCodexEntry(CodexEntryExport):
    @model_validator(mode="after")
    def _count(self, info: ValidationInfo) -> Self:
        if _over(info, "codex entries", MAX_CODEX_ENTRIES):
            raise _limit(
                f"This file has more than {MAX_CODEX_ENTRIES:,} Codex entries, the most one "
                "world import may hold; export the Codex as a lorebook and import it in parts.",
            )
        return self


class ImportedCodexLink(CodexLinkExport):
    @model_validator(mode="after")
    def _count(self, info: ValidationInfo) -> Self:
        if _over(info, "codex links", MAX_CODEX_LINKS):
            raise _limit(
                f"This file has more than {MAX_CODEX_LINKS:,} links between Codex entries, the "
                "most one world import may hold.",
            )
        return self


class ImportedWorld(WorldExport):
    """The export document, parsed with the import's limits."""

    stories: list[ImportedStory] = Field(default_factory=list, fail_fast=True)  # pyright: ignore[reportIncompatibleVariableOverride]
    codex: list[ImportedCodexEntry] = Field(default_factory=list, fail_fast=True)  # pyright: ignore[reportIncompatibleVariableOverride]
    codex_links: list[ImportedCodexLink] = Field(default_factory=list, fail_fast=True)  # pyright: ignore[reportIncompatibleVariableOverride]


def parse(data: bytes) -> ImportedWorld:
    """The export document in `data`; Invalid saying what is wrong (or which limit it passes)
    when it is not one DSF can import."""
    if len(data) > MAX_BYTES:
        raise too_large()
    try:
        return ImportedWorld.model_validate_json(data, context={})
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == LIMIT:
            raise Invalid(first["msg"]) from None
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise Invalid(NOT_AN_EXPORT.format(where=where, problem=first["msg"])) from None


@dataclass(frozen=True)
class Imported:
    world_id: uuid.UUID
    name: str
    stories: int
    segments: int
    entries: int
    skipped: list[str]  # Codex entries left out, each named with the field that was wrong

    def sentence(self) -> str:
        said = f"Imported “{self.name}” as your own private copy."
        if not self.skipped:
            return said
        shown = ", ".join(self.skipped[:SKIPPED_NAMES])
        more = len(self.skipped) - SKIPPED_NAMES
        return f"{said} {len(self.skipped)} Codex entries skipped: {shown}" + (
            f" and {more} more." if more > 0 else "."
        )


def import_file(actor: Actor, data: bytes, progress: ReportProgress = unreported) -> Imported:
    """Parse `data`, then write it as the actor's new world in one short session: the whole
    import, as a heavy process runs it (`pools.in_heavy_process`), telling `progress` its stages."""
    progress(Progress("Reading the world"))
    document = parse(data)
    parts, entries = sum(len(s.segments) for s in document.stories), len(document.codex)
    stories = f"{len(document.stories):,} stories ({parts:,} parts)"
    progress(Progress(f"Read {stories} and {entries:,} Codex entries; writing your copy"))
    try:
        with session_scope() as session:
            return import_world(session, actor, document)
    except OperationalError as exc:
        raise ServiceUnavailable(
            "The database did not answer, so the world was not imported; try again in a moment."
        ) from exc


def import_world(session: Session, actor: Actor, document: ImportedWorld) -> Imported:
    """A new private world owned by the actor, copying the document's world, stories, segments
    and Codex. Assets are listed in an export without their bytes, so the copy has none (and
    its entries no images). It counts as one of the person's imports today, in the same
    transaction, so a refused or failed import costs nothing."""
    quotas.reserve(session, actor, Meter.IMPORTS)
    source = document.world
    world = worlds.create_world(
        session,
        actor,
        source.name,
        source.description,
        foundation=source.foundation,
        surface=source.surface,
        state=source.state,
        constraints=source.constraints,
    )
    story_rows: list[dict[str, Any]] = []
    segment_rows: list[tuple[Any, ...]] = []
    now = datetime.now(UTC)
    for story in document.stories:
        row = _story_row(story, world.id, actor, now)
        story_rows.append(row)
        segment_rows += _segment_rows(story, row["id"], now)
    if story_rows:
        session.execute(insert(Story), story_rows)
    session.flush()
    copy_rows(session, "story_segment", SEGMENT_COLUMNS, segment_rows)
    entries, skipped = _codex(session, actor, world.id, world.version, document)
    return Imported(world.id, world.name, len(story_rows), len(segment_rows), entries, skipped)


def _codex(
    session: Session, actor: Actor, world_id: uuid.UUID, version: int, document: ImportedWorld
) -> tuple[int, list[str]]:
    """The document's Codex under new ids, part of the new world's first version; returns how
    many entries it holds and the entries skipped (a field of the wrong type), whose links go
    with them."""
    entry_rows: list[dict[str, Any]] = []
    new_ids: dict[str, uuid.UUID] = {}
    names: set[str] = set()
    skipped: dict[str, str] = {}
    for entry in document.codex:
        if entry.id in new_ids or entry.id in skipped:
            raise Invalid(f"In the Codex, two entries share the id {entry.id}.")
        try:
            row = _entry_row(entry, world_id, actor, version)
        except Invalid as exc:
            skipped[entry.id] = f"“{' '.join(entry.name.split())[:60]}” ({exc})"
            continue
        if row["status"] != CodexStatus.REJECTED:
            if row["name"].casefold() in names:
                raise Invalid(f"In the Codex, two entries are named “{row['name']}”.")
            names.add(row["name"].casefold())
        new_ids[entry.id] = row["id"]
        entry_rows.append(row)
    link_rows: dict[tuple[uuid.UUID, uuid.UUID, str], dict[str, Any]] = {}
    for link in document.codex_links:
        if link.from_id in skipped or link.to_id in skipped:
            continue
        ends = (new_ids.get(link.from_id), new_ids.get(link.to_id))
        if ends[0] is None or ends[1] is None:
            missing = link.from_id if ends[0] is None else link.to_id
            raise Invalid(f"In the Codex, a link names the entry {missing}, which is not there.")
        if ends[0] == ends[1]:
            raise Invalid(f"In the Codex, the entry {link.from_id} links to itself.")
        relation = validation.text(link.relation, what="link relation", max_length=100)
        link_rows[(ends[0], ends[1], relation)] = {
            "world_id": world_id,
            "from_id": ends[0],
            "to_id": ends[1],
            "relation": relation,
        }
    if entry_rows:
        session.execute(insert(CodexEntry), entry_rows)
    if link_rows:
        session.execute(insert(CodexLink), list(link_rows.values()))
    codex_history.record_new(session, entry_rows, list(link_rows.values()), version)
    return len(entry_rows), list(skipped.values())


def _entry_row(
    entry: CodexEntryExport, world_id: uuid.UUID, actor: Actor, version: int
) -> dict[str, Any]:
    """One entry's columns, its fields checked as the entry editor checks them and its rules
    and kept lorebook fields as a lorebook import checks them; Invalid naming what is wrong."""
    problems = lorebook_entries.extra_problems(entry.extra)
    try:
        activation = ActivationRules.model_validate(entry.activation)
    except ValidationError as exc:
        raise Invalid("; ".join([*problems, *lorebook_entries.problems(exc)])) from None
    if problems:
        raise Invalid("; ".join(problems))
    try:
        fields = EntryFields.model_validate(
            {
                "name": entry.name,
                "kind": entry.kind,
                "aliases": entry.aliases,
                "summary": entry.summary,
                "body": entry.body,
                "tags": entry.tags,
            }
        ).applied()
    except (ValidationError, Invalid) as exc:
        problem = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise Invalid(problem) from None
    status = validation.choice(entry.status, CodexStatus, what="Codex entry status")
    return {
        "id": uuid.uuid4(),
        "world_id": world_id,
        "kind": fields["kind"].value,
        "name": fields["name"],
        "aliases": fields.get("aliases", []),
        "summary": fields.get("summary", ""),
        "body": fields.get("body", ""),
        "tags": fields.get("tags", []),
        "status": status.value,
        "pinned": entry.pinned,
        "excluded": entry.excluded and not entry.pinned,
        "activation": activation,
        "extra": entry.extra,
        "version": version,
        "created_by": actor.user_id,
        "updated_by": actor.user_id,
    }


def _story_row(
    story: StoryExport, world_id: uuid.UUID, actor: Actor, now: datetime
) -> dict[str, Any]:
    fields = validation.fields(
        {"title": story.title, "description": story.description, "meta": story.meta},
        stories.STORY_CHECKS,
        thing="story",
    )
    return {
        "id": uuid.uuid4(),
        "world_id": world_id,
        "author_id": actor.user_id,
        "world_contributions": validation.json_list(
            story.world_contributions, what="world contributions"
        ),
        "created_at": now,
        "updated_at": now,
        **fields,
    }


def _segment_rows(story: StoryExport, story_id: uuid.UUID, now: datetime) -> list[tuple[Any, ...]]:
    """The story's segments as rows under new ids, parents before children (breadth first),
    built from one parent → children map. Branches keep their order (by `order`, then by their
    place in the file) as their creation times."""
    known: set[str] = set()
    for segment in story.segments:
        if segment.id in known:
            raise Invalid(f"In the story “{story.title}”, two segments share the id {segment.id}.")
        known.add(segment.id)
    children: dict[str | None, list[SegmentExport]] = {}
    for segment in sorted(story.segments, key=lambda s: s.order):
        if segment.parent_id is not None and segment.parent_id not in known:
            raise Invalid(
                f"In the story “{story.title}”, segment {segment.id} continues from "
                f"{segment.parent_id}, which is not in the export."
            )
        children.setdefault(segment.parent_id, []).append(segment)

    rows: list[tuple[Any, ...]] = []
    new_ids: dict[str, uuid.UUID] = {}
    waiting = deque((segment, 1) for segment in children.get(None, []))
    while waiting:
        segment, depth = waiting.popleft()
        if depth > MAX_DEPTH:
            raise Invalid(
                f"The story “{story.title}” goes {MAX_DEPTH:,} segments deep and further; a "
                f"path from an opening to an ending may have at most {MAX_DEPTH:,} segments."
            )
        new_ids[segment.id] = uuid.uuid4()
        at = now + timedelta(microseconds=len(rows))
        rows.append(_segment_row(story, segment, story_id, new_ids, at))
        waiting.extend((child, depth + 1) for child in children.get(segment.id, []))
    if len(rows) < len(story.segments):
        stuck = next(s for s in story.segments if s.id not in new_ids)
        raise Invalid(
            f"In the story “{story.title}”, segment {stuck.id} is in a loop of segments that "
            "continue from one another, so no opening leads to it."
        )
    return rows


def _segment_row(
    story: StoryExport,
    segment: SegmentExport,
    story_id: uuid.UUID,
    new_ids: dict[str, uuid.UUID],
    at: datetime,
) -> tuple[Any, ...]:
    """One row in SEGMENT_COLUMNS order."""
    try:
        title = stories.SEGMENT_CHECKS["title"](segment.title)
        content = stories.SEGMENT_CHECKS["content"](segment.content)
    except Invalid as exc:
        raise Invalid(f"In the story “{story.title}”, segment {segment.id}: {exc}") from None
    return (
        new_ids[segment.id],
        story_id,
        None if segment.parent_id is None else new_ids[segment.parent_id],
        max(segment.order, 0),
        title,
        segment.in_world_date,  # its length checked as the document is read
        content,
        len(content.split()),
        _json(segment.world_evolution),
        _json(segment.ui_components),
        at,
        at,
    )


def _json(value: dict[str, Any] | list[Any]) -> str:
    """JSON text for a JSON column (parsed from JSON by pydantic, so it goes back as it came);
    the common empty case without the encoder, which costs a second per 100,000 segments."""
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value)
