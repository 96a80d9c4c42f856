"""Lore that follows the story: an entry's progressions, and the entry as of a story part.

A progression says that from one part on, a field of the entry is added to or replaced ("from
The Dock Strike on, Ife has a scar"). A story is a tree of parts (`reader.outline`), so "from
that part on" means on the branches that continue from it: the entry as of part X is the entry
row with every progression whose part is X or one of X's ancestors applied, root first (several
on one part in the order they were made). A progression on a sibling branch, on a later part or
in another story does not apply, so two branches can disagree.

Adding or removing a progression is a change of the world's lore like an edit of the entry: it
bumps the world's version, goes into the changelog and into the entry's history
(`codex_history` keeps its progressions with its state). Only the world's writers make them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import (
    CodexEntry,
    CodexProgression,
    CodexStatus,
    ProgressionField,
    ProgressionMode,
    Story,
    StorySegment,
)
from dsf_app.services import codex, codex_history, reader, validation
from dsf_app.services.access import (
    Permission,
    not_visible,
    require_entry,
    require_segment,
    require_story,
    require_world,
)
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import record_changes

MAX_PER_ENTRY = 200
MAX_ALIASES = 50
# The longest value of each field, as the entry's own fields allow.
MAX_LENGTH = {
    ProgressionField.SUMMARY: 2000,
    ProgressionField.BODY: 50_000,
    ProgressionField.ALIASES: 200 * MAX_ALIASES,
}
FIELD_NAMES = {
    ProgressionField.SUMMARY: "summary",
    ProgressionField.BODY: "description",
    ProgressionField.ALIASES: "aliases",
}


@dataclass(frozen=True)
class EntryLore:
    """What the lore says of an entry: the fields a progression can change, and its name."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    summary: str
    body: str


@dataclass(frozen=True)
class Change:
    field: ProgressionField
    mode: ProgressionMode
    value: str

    @classmethod
    def of(cls, progression: CodexProgression) -> Change:
        """A stored progression's change (its columns read back as plain text)."""
        field, mode = ProgressionField(progression.field), ProgressionMode(progression.mode)
        return cls(field, mode, progression.value)


def aliases_in(value: str) -> list[str]:
    """The aliases of a progression's value: one a line (commas also separate them)."""
    return [name for line in value.splitlines() for name in line.split(",") if name.strip()]


def apply(lore: EntryLore, changes: Iterable[Change]) -> EntryLore:
    """`lore` with `changes` applied in order: text added as a new paragraph or replaced,
    aliases added (each once, whatever its case) or replaced."""
    for change in changes:
        if change.field == ProgressionField.ALIASES:
            given = aliases_in(change.value)
            kept = list(lore.aliases) if change.mode == ProgressionMode.ADD else []
            names = codex.clean_names([*kept, *given], max_length=200, without=lore.name)
            lore = replace(lore, aliases=tuple(names))
            continue
        before = getattr(lore, change.field.value)
        after = change.value
        if change.mode == ProgressionMode.ADD and before:
            after = f"{before}\n\n{change.value}"
        lore = replace(lore, **{change.field.value: after})
    return lore


def lore_of(entry: CodexEntry) -> EntryLore:
    aliases = tuple(str(a) for a in entry.aliases)
    return EntryLore(entry.name, str(entry.kind), aliases, entry.summary, entry.body)


# ---- resolving -------------------------------------------------------------------------------


def _path(tree: reader.Outline, segment_id: uuid.UUID) -> list[uuid.UUID]:
    """The part and every part before it on its branch, the opening first (as the reader walks
    the story: a part saved without a parent continues the newest one an order before it)."""
    path: list[uuid.UUID] = []
    at: uuid.UUID | None = segment_id
    while at is not None and at in tree.nodes:
        path.append(at)
        at = tree.nodes[at].parent_id
    return path[::-1]


def _progressions(
    session: Session, entry_ids: Iterable[uuid.UUID], segment_ids: Iterable[uuid.UUID]
) -> list[CodexProgression]:
    """The entries' progressions on those parts, in the order they were made."""
    entries, segments = list(entry_ids), list(segment_ids)
    if not entries or not segments:
        return []
    return list(
        session.exec(
            select(CodexProgression)
            .where(
                col(CodexProgression.entry_id).in_(entries),
                col(CodexProgression.segment_id).in_(segments),
            )
            .order_by(col(CodexProgression.created_at), col(CodexProgression.id))
        ).all()
    )


def _resolve(
    entries: Mapping[uuid.UUID, EntryLore],
    path: list[uuid.UUID],
    progressions: list[CodexProgression],
) -> dict[uuid.UUID, EntryLore]:
    """`entries` with the progressions made on `path` applied, root first (a stable sort keeps
    the made order of those on one part)."""
    place = {segment: n for n, segment in enumerate(path)}
    along = sorted(
        (p for p in progressions if p.segment_id in place), key=lambda p: place[p.segment_id]
    )
    return {
        key: apply(lore, (Change.of(p) for p in along if p.entry_id == key))
        for key, lore in entries.items()
    }


def as_of(
    session: Session, segment_id: uuid.UUID | None, entries: Mapping[uuid.UUID, EntryLore]
) -> dict[uuid.UUID, EntryLore]:
    """`entries` (by id, as their rows say) as of the part `segment_id`, on its branch; as
    they are when there is no part. Three queries whatever the number of entries. The caller
    checked the person may read the world the entries and the part belong to."""
    if segment_id is None or not entries:
        return dict(entries)
    story_id = session.exec(
        select(StorySegment.story_id).where(StorySegment.id == segment_id)
    ).first()
    if story_id is None:
        return dict(entries)
    path = _path(reader.outline(session, story_id), segment_id)
    return _resolve(entries, path, _progressions(session, entries, path))


EntryFields = tuple[str, str, list[str], str, str]  # name, kind, aliases, summary, body


def rows_as_of(
    session: Session, segment_id: uuid.UUID | None, rows: Iterable[Sequence[Any]]
) -> dict[uuid.UUID, EntryFields]:
    """`as_of` for rows of (id, name, kind, aliases, summary, body), as lore retrieval reads
    them: each entry's fields after its id, as of the part."""
    then = as_of(
        session,
        segment_id,
        {
            row[0]: EntryLore(row[1], str(row[2]), tuple(map(str, row[3])), row[4], row[5])
            for row in rows
        },
    )
    return {key: (e.name, e.kind, list(e.aliases), e.summary, e.body) for key, e in then.items()}


def mentioned_as_of(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    mentioned: Mapping[uuid.UUID, Iterable[uuid.UUID]],
) -> dict[uuid.UUID, dict[uuid.UUID, EntryLore]]:
    """For parts of a story (by id), the active entries each mentions, as of that part: what
    the reader's mention cards show. Four queries for a page of parts."""
    story = require_story(session, actor, story_id)
    wanted = {entry for entries in mentioned.values() for entry in entries}
    if not wanted:
        return {}
    base = {
        entry.id: lore_of(entry)
        for entry in session.exec(
            select(CodexEntry).where(
                col(CodexEntry.id).in_(wanted),
                CodexEntry.world_id == story.world_id,
                CodexEntry.status == CodexStatus.ACTIVE,
            )
        ).all()
    }
    tree = reader.outline(session, story.id)
    paths = {segment: _path(tree, segment) for segment in mentioned}
    rows = _progressions(session, base, {at for path in paths.values() for at in path})
    return {
        segment: _resolve(
            {entry: base[entry] for entry in entries if entry in base}, paths[segment], rows
        )
        for segment, entries in mentioned.items()
    }


# ---- reading and writing ---------------------------------------------------------------------

PART_CHOICES = 500


@dataclass(frozen=True)
class ProgressionView:
    """A progression as the entry's page lists it, with the part it starts from."""

    id: uuid.UUID
    story_id: uuid.UUID
    story_title: str
    segment_id: uuid.UUID
    part: int  # the part's place on its branch, 1 for an opening
    part_title: str
    in_world_date: str
    field: ProgressionField
    mode: ProgressionMode
    value: str
    created_at: datetime


@dataclass(frozen=True)
class PartChoice:
    segment_id: uuid.UUID
    label: str  # "Low Tide · part 8 · The Dock Strike"


def list_progressions(session: Session, actor: Actor, entry_id: uuid.UUID) -> list[ProgressionView]:
    """The entry's progressions by story, then by part, then in the order they were made."""
    entry, _ = require_entry(session, actor, entry_id)
    rows = session.exec(
        select(CodexProgression, StorySegment, Story)
        .join(StorySegment, col(StorySegment.id) == CodexProgression.segment_id)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(CodexProgression.entry_id == entry.id)
        .order_by(
            col(Story.title),
            col(Story.id),
            col(StorySegment.order),
            col(CodexProgression.created_at),
        )
    ).all()
    return [
        ProgressionView(
            id=progression.id,
            story_id=story.id,
            story_title=story.title,
            segment_id=segment.id,
            part=segment.order + 1,
            part_title=segment.title,
            in_world_date=segment.in_world_date,
            field=progression.field,
            mode=progression.mode,
            value=progression.value,
            created_at=progression.created_at,
        )
        for progression, segment, story in rows
    ]


def of_entries(session: Session, entry_ids: list[uuid.UUID]) -> list[CodexProgression]:
    """The entries' progressions (for a world's export), by entry, in the order they were
    made. The caller checked the person may read the entries."""
    if not entry_ids:
        return []
    return list(
        session.exec(
            select(CodexProgression)
            .where(col(CodexProgression.entry_id).in_(entry_ids))
            .order_by(
                col(CodexProgression.entry_id),
                col(CodexProgression.created_at),
                col(CodexProgression.id),
            )
        ).all()
    )


def part_choices(session: Session, actor: Actor, world_id: uuid.UUID) -> list[PartChoice]:
    """The parts a progression can start from: the world's stories' parts, by story and place
    (at most PART_CHOICES)."""
    world = require_world(session, actor, world_id)
    rows = session.exec(
        select(StorySegment.id, StorySegment.order, StorySegment.title, Story.title)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(Story.world_id == world.id)
        .order_by(
            col(Story.title), col(Story.id), col(StorySegment.order), col(StorySegment.created_at)
        )
        .limit(PART_CHOICES)
    ).all()
    return [
        PartChoice(segment, " · ".join(t for t in (story, f"part {order + 1}", title) if t))
        for segment, order, title, story in rows
    ]


def _checked_value(field: ProgressionField, mode: ProgressionMode, value: str) -> str:
    what = f"new {FIELD_NAMES[field]}"
    text = validation.text(
        value, what=what, max_length=MAX_LENGTH[field], required=mode == ProgressionMode.ADD
    )
    if field != ProgressionField.ALIASES:
        return text
    try:
        names = codex.clean_names(aliases_in(text), max_length=200)
    except ValueError as exc:
        raise Invalid(f"An alias is too long: {exc}.") from None
    if len(names) > MAX_ALIASES:
        raise Invalid(f"Give at most {MAX_ALIASES} aliases, one a line; this has {len(names)}.")
    return "\n".join(names)


def describe(part: str, field: ProgressionField, mode: ProgressionMode, value: str) -> str:
    """A progression in words: "from part 8 “The Dock Strike” of “Low Tide” on, the summary
    gains: …" (its changelog line and its line in the entry's history)."""
    what = FIELD_NAMES[field]
    if field == ProgressionField.ALIASES:
        names = ", ".join(aliases_in(value)) or "none"
        how = f"the aliases {'gain' if mode == ProgressionMode.ADD else 'become'}: {names}"
    else:
        how = f"the {what} {'gains' if mode == ProgressionMode.ADD else 'reads'}: {value}"
    return f"from {part} on, {how}"


def part_label(segment: StorySegment, story: Story) -> str:
    titled = f" “{segment.title}”" if segment.title else ""
    return f"part {segment.order + 1}{titled} of “{story.title}”"


def add_progression(
    session: Session,
    actor: Actor,
    entry_id: uuid.UUID,
    segment_id: uuid.UUID,
    field: str,
    mode: str,
    value: str,
    *,
    author: codex.Author = "person",
) -> CodexProgression:
    """From the part `segment_id` on (on the branches continuing from it), the entry's `field`
    (summary, body or aliases) has `value` added, or reads `value` instead. A new version of
    the world; only its writers may."""
    chosen_field = validation.choice(field, ProgressionField, what="field a progression changes")
    chosen_mode = validation.choice(mode, ProgressionMode, what="kind of progression")
    text = _checked_value(chosen_field, chosen_mode, value)
    entry, world = require_entry(session, actor, entry_id, Permission.WRITE)
    if entry.status != CodexStatus.ACTIVE:
        raise Invalid(
            f"“{entry.name}” is a suggestion; accept it into the Codex before saying how it "
            "changes in the story."
        )
    segment = require_segment(session, actor, segment_id)
    story = session.get_one(Story, segment.story_id)
    if story.world_id != world.id:
        raise Invalid(
            f"That part belongs to a story of another world; pick a part of a story of "
            f"“{world.name}”."
        )
    made = session.exec(select(func.count()).where(CodexProgression.entry_id == entry.id)).one()
    if made >= MAX_PER_ENTRY:
        raise Invalid(
            f"“{entry.name}” already has {MAX_PER_ENTRY} progressions, the most an entry may "
            "have; remove one it no longer needs first."
        )
    progression = CodexProgression(
        world_id=world.id,
        entry_id=entry.id,
        segment_id=segment.id,
        field=chosen_field,
        mode=chosen_mode,
        value=text,
        created_by=actor.user_id,
    )
    session.add(progression)
    session.flush()
    said = describe(part_label(segment, story), chosen_field, chosen_mode, text)
    _new_version(session, actor, entry, author, f"“{entry.name}”: {said}.")
    return progression


def delete_progression(
    session: Session, actor: Actor, progression_id: uuid.UUID, *, author: codex.Author = "person"
) -> None:
    """Remove a progression (a new version of the world; only its writers may)."""
    progression = session.get(CodexProgression, progression_id)
    if progression is None:
        raise NotFound(not_visible("progression", progression_id))
    entry, _ = require_entry(session, actor, progression.entry_id, Permission.WRITE)
    segment = session.get_one(StorySegment, progression.segment_id)
    said = describe(
        part_label(segment, session.get_one(Story, segment.story_id)),
        progression.field,
        progression.mode,
        progression.value,
    )
    session.delete(progression)
    session.flush()
    _new_version(session, actor, entry, author, f"“{entry.name}” no longer changes so: {said}.")


def _new_version(
    session: Session, actor: Actor, entry: CodexEntry, author: codex.Author, reason: str
) -> None:
    """The entry's change as a new version of its (locked) world, in the changelog and in the
    entry's history."""
    world = codex.locked_world(session, actor, entry.world_id)
    codex.touch(entry, actor)
    entry.version = record_changes(
        session, world, [codex.changelog_line(entry, author, "update", reason)]
    )
    session.add(entry)
    session.flush()
    codex_history.record(session, [entry], entry.version)
