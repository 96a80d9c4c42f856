"""A world's version history: one snapshot per version (written whenever the version changes),
read back to list the versions and to diff any two of them side by side."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import World, WorldVersion
from dsf_app.services import codex_history, validation
from dsf_app.services.access import require_world
from dsf_app.services.actor import Actor
from dsf_app.world_schema import valid_item_id

# The parts of a world a snapshot keeps, in the order a diff lists them.
SNAPSHOT_FIELDS = ("name", "description", "foundation", "surface", "constraints")


@dataclass(frozen=True)
class VersionInfo:
    version: int
    created_at: datetime


@dataclass(frozen=True)
class DiffRow:
    """One place where two versions differ: its path, the value on each side, and how."""

    path: str
    left: str
    right: str
    change: Literal["added", "removed", "changed"]


def record_version(session: Session, world: World) -> WorldVersion:
    """Store the world as it is now under its current version number (callers: the services
    that create a world or change its version; never a page or a tool)."""
    snapshot = WorldVersion(
        world_id=world.id,
        version=world.version,
        **{name: json.loads(json.dumps(getattr(world, name))) for name in SNAPSHOT_FIELDS},
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def list_versions(
    session: Session, actor: Actor, world_id: uuid.UUID, *, limit: int = 200, offset: int = 0
) -> list[VersionInfo]:
    """The world's stored versions, newest first."""
    validation.page(limit, offset)
    world = require_world(session, actor, world_id)
    rows = session.exec(
        select(WorldVersion.version, WorldVersion.created_at)
        .where(WorldVersion.world_id == world.id)
        .order_by(col(WorldVersion.version).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [VersionInfo(version=version, created_at=at) for version, at in rows]


def get_version(session: Session, actor: Actor, world_id: uuid.UUID, version: int) -> WorldVersion:
    world = require_world(session, actor, world_id)
    snapshot = session.exec(
        select(WorldVersion).where(
            WorldVersion.world_id == world.id, WorldVersion.version == version
        )
    ).first()
    if snapshot is None:
        raise Invalid(
            f"“{world.name}” has no stored version {version}; pick one of the versions listed "
            f"(the current one is {world.version})."
        )
    return snapshot


def diff_versions(
    session: Session, actor: Actor, world_id: uuid.UUID, left: int, right: int
) -> list[DiffRow]:
    """Every path whose value differs between version `left` and version `right`: the world's
    documents, then its Codex entries (`codex/<name>.<field>`)."""
    before = flatten_snapshot(get_version(session, actor, world_id, left))
    after = flatten_snapshot(get_version(session, actor, world_id, right))
    codex = codex_history.diff(session, world_id, left, right)
    rows = []
    for path in [*_ordered_union(before, after), *codex.paths]:
        old = before.get(path, codex.left.get(path))
        new = after.get(path, codex.right.get(path))
        if old == new:
            continue
        change: Literal["added", "removed", "changed"] = (
            "added" if old is None else "removed" if new is None else "changed"
        )
        rows.append(DiffRow(path=path, left=old or "", right=new or "", change=change))
    if codex.more:
        more = f"{codex.more:,} more entries changed; the Codex tab shows them as they are now."
        rows.append(DiffRow(path="codex/…", left="", right=more, change="changed"))
    return rows


def flatten_snapshot(snapshot: WorldVersion) -> dict[str, str]:
    """The snapshot as `path -> text`, with foundation paths written as the changelog writes
    them (`rules.<id>.statement`, `deep_focus_areas.N`), and `surface.…`, `constraints.N`,
    `name`, `description`; an item keeps its path when others are inserted before it."""
    flat: dict[str, str] = {}
    for name in SNAPSHOT_FIELDS:
        prefix = "" if name == "foundation" else name
        _flatten(getattr(snapshot, name), prefix, flat)
    return flat


def _flatten(value: Any, prefix: str, into: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), into)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            key = item["id"] if isinstance(item, dict) and valid_item_id(item.get("id")) else index
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), into)
    elif prefix:
        into[prefix] = _text(value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value in ({}, []):
        return "(empty)"
    return json.dumps(value, ensure_ascii=False)


def _ordered_union(before: dict[str, str], after: dict[str, str]) -> list[str]:
    seen = dict.fromkeys(before)
    seen.update(dict.fromkeys(after))
    return list(seen)
