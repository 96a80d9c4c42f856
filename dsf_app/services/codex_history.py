"""The Codex's part of a world's version history.

Every change of an active entry that makes a new version of the world stores the entry as it
then is (`CodexEntryVersion`; a removal stores only that it went) — one entry's size per
change, where copying the whole Codex into every world snapshot would cost its whole size per
change. A diff of two versions reads, for each entry changed between them, its latest stored
state at or before each side, flattened into the same `path -> text` rows as the world's
documents (`codex/<name>.summary`, …)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from dsf_app.models import (
    CodexEntry,
    CodexEntryVersion,
    CodexLink,
    CodexProgression,
    CodexStatus,
    Story,
    StorySegment,
)

# At most this many changed entries go into one diff (an import changes thousands at once).
DIFF_ENTRIES = 200
# An entry's fields in the order a diff lists them.
FIELDS = ("name", "kind", "aliases", "summary", "body", "tags", "image", "links", "progressions")

Link = tuple[uuid.UUID, str, str]  # (target id, target name, relation)


def entry_state(
    entry: CodexEntry, links: Iterable[Link], progressions: Iterable[str] = ()
) -> dict[str, Any]:
    """What the history keeps of an entry: its lore and how it changes in the stories
    (`codex_progressions`), not its retrieval flags or embedding."""
    return state_of(
        {
            "name": entry.name,
            "kind": entry.kind,
            "aliases": entry.aliases,
            "summary": entry.summary,
            "body": entry.body,
            "tags": entry.tags,
            "image_asset_id": entry.image_asset_id,
        },
        links,
        progressions,
    )


def state_of(
    values: Mapping[str, Any], links: Iterable[Link], progressions: Iterable[str] = ()
) -> dict[str, Any]:
    """`entry_state` of an entry's column values (a row about to be inserted in bulk)."""
    image = values.get("image_asset_id")
    return {
        "name": values["name"],
        "kind": str(values.get("kind", "")),
        "aliases": [str(a) for a in values.get("aliases", [])],
        "summary": values.get("summary", ""),
        "body": values.get("body", ""),
        "tags": [str(t) for t in values.get("tags", [])],
        "image": str(image) if image else None,
        "links": [
            {"to": str(to), "name": name, "relation": relation}
            for to, name, relation in sorted(links, key=lambda link: (link[1], link[2]))
        ],
        "progressions": list(progressions),
    }


def _links_from(session: Session, entry_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Link]]:
    found: dict[uuid.UUID, list[Link]] = {}
    if entry_ids:
        for source, target, name, relation in session.exec(
            select(CodexLink.from_id, CodexLink.to_id, CodexEntry.name, CodexLink.relation)
            .join(CodexEntry, col(CodexEntry.id) == CodexLink.to_id)
            .where(col(CodexLink.from_id).in_(entry_ids))
        ).all():
            found.setdefault(source, []).append((target, name, relation))
    return found


def _progressions_of(session: Session, entry_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each entry's progressions in words, by story and part."""
    found: dict[uuid.UUID, list[str]] = {}
    if entry_ids:
        for entry_id, story, order, title, field, mode, value in session.execute(
            sa_select(
                col(CodexProgression.entry_id),
                col(Story.title),
                col(StorySegment.order),
                col(StorySegment.title),
                col(CodexProgression.field),
                col(CodexProgression.mode),
                col(CodexProgression.value),
            )
            .join(StorySegment, col(StorySegment.id) == CodexProgression.segment_id)
            .join(Story, col(Story.id) == StorySegment.story_id)
            .where(col(CodexProgression.entry_id).in_(entry_ids))
            .order_by(col(Story.title), col(StorySegment.order), col(CodexProgression.created_at))
        ).all():
            part = " · ".join(t for t in (story, f"part {order + 1}", title) if t)
            found.setdefault(entry_id, []).append(f"from {part}: {field} ({mode}) {value}")
    return found


def record(session: Session, entries: list[CodexEntry], version: int) -> None:
    """Store the active ones of `entries` (one world's) as they are at `version`."""
    active = [entry for entry in entries if entry.status == CodexStatus.ACTIVE]
    ids = [entry.id for entry in active]
    links, progressions = _links_from(session, ids), _progressions_of(session, ids)
    record_states(
        session,
        version,
        [
            (
                entry.world_id,
                entry.id,
                entry_state(entry, links.get(entry.id, []), progressions.get(entry.id, [])),
            )
            for entry in active
        ],
    )


def record_states(
    session: Session,
    version: int,
    states: list[tuple[uuid.UUID, uuid.UUID, dict[str, Any] | None]],
) -> None:
    """Store (world id, entry id, state or None when removed) at `version`, in one statement."""
    if states:
        session.execute(
            insert(CodexEntryVersion),
            [
                {"world_id": world, "entry_id": entry, "version": version, "state": state}
                for world, entry, state in states
            ],
        )


def record_new(
    session: Session, rows: list[dict[str, Any]], links: list[dict[str, Any]], version: int
) -> None:
    """The first state of entries inserted in bulk (`rows` of their columns, `links` between
    them), at `version`; only the active ones, as `record` would."""
    names = {row["id"]: row["name"] for row in rows}
    outgoing: dict[uuid.UUID, list[Link]] = {}
    for link in links:
        target = (link["to_id"], names[link["to_id"]], link["relation"])
        outgoing.setdefault(link["from_id"], []).append(target)
    record_states(
        session,
        version,
        [
            (row["world_id"], row["id"], state_of(row, outgoing.get(row["id"], [])))
            for row in rows
            if row["status"] == CodexStatus.ACTIVE
        ],
    )


def linking_to(session: Session, entry_id: uuid.UUID) -> list[CodexEntry]:
    """The entries with a link to this one (whose state changes when it goes)."""
    sources = select(CodexLink.from_id).where(CodexLink.to_id == entry_id)
    return list(session.exec(select(CodexEntry).where(col(CodexEntry.id).in_(sources))).all())


# ---- diffs -----------------------------------------------------------------------------------


def _states_at(
    session: Session, world_id: uuid.UUID, entry_ids: list[uuid.UUID], version: int
) -> dict[uuid.UUID, Mapping[str, Any] | None]:
    """Each entry's latest stored state at or before `version` (absent: it did not exist)."""
    rows = session.exec(
        select(CodexEntryVersion.entry_id, CodexEntryVersion.state)
        .where(
            CodexEntryVersion.world_id == world_id,
            col(CodexEntryVersion.entry_id).in_(entry_ids),
            CodexEntryVersion.version <= version,
        )
        .distinct(col(CodexEntryVersion.entry_id))
        .order_by(col(CodexEntryVersion.entry_id), col(CodexEntryVersion.version).desc())
    ).all()
    return dict(rows)


def _flat(label: str, state: Mapping[str, Any] | None) -> dict[str, str]:
    if not state:
        return {}
    flat: dict[str, str] = {}
    for name in FIELDS:
        value = state.get(name)
        if name == "links":
            text = "; ".join(
                (f"{link.get('relation')} → " if link.get("relation") else "→ ")
                + str(link.get("name", ""))
                for link in value or []
            )
        elif isinstance(value, list):
            text = ("; " if name == "progressions" else ", ").join(str(item) for item in value)
        else:
            text = "" if value is None else str(value)
        if text:
            flat[f"codex/{label}.{name}"] = text
    return flat


@dataclass(frozen=True)
class CodexDiff:
    paths: list[str]  # in the order a diff lists them: by entry name, then FIELDS
    left: dict[str, str]
    right: dict[str, str]
    more: int  # entries changed beyond DIFF_ENTRIES, left out


def diff(session: Session, world_id: uuid.UUID, left: int, right: int) -> CodexDiff:
    """The entries changed between versions `left` and `right`, flattened as each side had
    them. An entry keeps one label on both sides, its name in the newer version (or its last
    name, when it was removed), so a rename reads as a changed name. The caller checked
    access."""
    low, high = sorted((left, right))
    changed = (
        select(CodexEntryVersion.entry_id)
        .where(
            CodexEntryVersion.world_id == world_id,
            CodexEntryVersion.version > low,
            CodexEntryVersion.version <= high,
        )
        .distinct()
    )
    total = session.exec(select(func.count()).select_from(changed.subquery())).one()
    ids = list(session.exec(changed.order_by(col(CodexEntryVersion.entry_id)).limit(DIFF_ENTRIES)))
    if not ids:
        return CodexDiff([], {}, {}, 0)
    before, after = (_states_at(session, world_id, ids, side) for side in (left, right))
    newer, older = (after, before) if right >= left else (before, after)
    labels = {
        entry_id: str(((newer.get(entry_id) or older.get(entry_id)) or {}).get("name", entry_id))
        for entry_id in ids
    }
    paths: list[str] = []
    flat_left: dict[str, str] = {}
    flat_right: dict[str, str] = {}
    for entry_id in sorted(ids, key=lambda i: (labels[i].casefold(), str(i))):
        old, new = (
            _flat(labels[entry_id], before.get(entry_id)),
            _flat(labels[entry_id], after.get(entry_id)),
        )
        paths += [f"codex/{labels[entry_id]}.{name}" for name in FIELDS]
        flat_left.update(old)
        flat_right.update(new)
    return CodexDiff(paths, flat_left, flat_right, total - len(ids))
