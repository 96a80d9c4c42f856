"""Path-based changes to a world (`rules.<id>.statement`), each with a reason in the changelog.

Agents and people change worlds the same way: a list of updates applied together, which bumps
the version once and appends one changelog entry per update, so every change can be read back.
Objects in lists are addressed by their stable id (world_schema.with_item_ids), plain values
by position; a change made from a version that is no longer current is refused.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from dsf_app.errors import Invalid
from dsf_app.models import World
from dsf_app.models.columns import utcnow
from dsf_app.services import world_changes
from dsf_app.services.access import Permission, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.versions import SNAPSHOT_FIELDS, get_version, record_version
from dsf_app.world_schema import with_item_ids

# Paths start in the foundation unless they name one of these documents first.
DOCUMENTS = ("foundation", "surface", "constraints")


class WorldUpdate(BaseModel):
    path: str = Field(
        min_length=1,
        max_length=200,
        description=(
            "Dotted path into the world, e.g. 'rules.<rule id>.statement', "
            "'technology.<system id>', 'core_premise', 'surface.opening_scene' or "
            "'deep_focus_areas.2'. Paths start in the foundation unless they begin with "
            "'surface.' or 'constraints'. Objects in lists (rules, technology systems, history "
            "events) are addressed by their id, lists of plain text by position (0, 1, …)."
        ),
    )
    operation: Literal["add", "update", "remove"] = Field(
        description=(
            "add: append to a list (path of the list) or insert before an item (path of the "
            "item), or set a new key; update: replace (a replaced item keeps its id); "
            "remove: delete."
        )
    )
    value: Any = Field(default=None, description="The new value (not needed for remove).")
    reason: str = Field(
        min_length=1, max_length=1000, description="Why the world changes; kept in the changelog."
    )


def _split(path: str) -> tuple[str, list[str]]:
    parts = path.strip(".").split(".")
    if parts[0] in DOCUMENTS:
        return parts[0], parts[1:]
    return "foundation", parts


def _step(container: Any, key: str, path: str) -> Any:
    if isinstance(container, list):
        return container[_position(container, key, path, allow_end=False)]
    if isinstance(container, dict):
        if key not in container:
            raise Invalid(f"'{path}' does not exist: there is no '{key}' there.")
        return container[key]
    raise Invalid(f"'{path}' goes inside a value that is neither an object nor a list.")


def _position(items: list[Any], key: str, path: str, *, allow_end: bool) -> int:
    """Where `key` points in a list: the item with that id, or — in a list of plain values —
    that index. Objects are never addressed by position, which shifts under other edits."""
    for position, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == key:
            return position
    ids = [str(item.get("id")) for item in items if isinstance(item, dict)]
    if ids:
        raise Invalid(
            f"'{path}': there is no item with id '{key}' in that list (its ids: "
            f"{', '.join(ids)}). Address items by id; load the world to see them."
        )
    return _index(items, key, path, allow_end=allow_end)


def _index(items: list[Any], key: str, path: str, *, allow_end: bool) -> int:
    if not key.lstrip("-").isdigit():
        raise Invalid(f"'{path}': '{key}' must be a list index (0, 1, …).")
    index = int(key)
    limit = len(items) + (1 if allow_end else 0)
    if not -len(items) <= index < limit:
        raise Invalid(f"'{path}': index {index} is out of range (the list has {len(items)} items).")
    return index


def apply_update(document: Any, keys: list[str], update: WorldUpdate) -> Any:
    """The document with one update applied (the input is not modified)."""
    document = copy.deepcopy(document)
    if not keys:
        if update.operation == "remove":
            raise Invalid(f"'{update.path}' names a whole document; remove its parts instead.")
        if update.operation == "add" and isinstance(document, list):
            return [*document, update.value]
        return update.value
    parent = document
    for key in keys[:-1]:
        parent = _step(parent, key, update.path)
    last = keys[-1]
    if isinstance(parent, list):
        _apply_to_list(parent, last, update)
    elif isinstance(parent, dict):
        _apply_to_dict(parent, last, update)
    else:
        raise Invalid(f"'{update.path}' goes inside a value that is neither an object nor a list.")
    return document


def _apply_to_list(items: list[Any], key: str, update: WorldUpdate) -> None:
    if update.operation == "add":
        items.insert(_position(items, key, update.path, allow_end=True), update.value)
    elif update.operation == "update":
        position = _position(items, key, update.path, allow_end=False)
        items[position] = _keeping_id(items[position], update.value)
    else:
        del items[_position(items, key, update.path, allow_end=False)]


def _keeping_id(old: Any, new: Any) -> Any:
    """A replaced item keeps its id unless the new value names one."""
    if isinstance(old, dict) and isinstance(new, dict) and not new.get("id") and old.get("id"):
        return {**new, "id": old["id"]}
    return new


def _apply_to_dict(mapping: dict[str, Any], key: str, update: WorldUpdate) -> None:
    if update.operation == "remove":
        if key not in mapping:
            raise Invalid(f"'{update.path}' does not exist, so it cannot be removed.")
        del mapping[key]
    elif update.operation == "add" and isinstance(mapping.get(key), list):
        mapping[key].append(update.value)
    else:
        mapping[key] = update.value


def update_world(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    updates: list[WorldUpdate],
    *,
    author: str,
    expected_version: int | None = None,
) -> World:
    """Apply every update or none; bump the version once; log each reason. With
    `expected_version` (the version the author read), refuse if the world moved on since."""
    if not updates:
        raise Invalid("Give at least one update (path, operation, value, reason).")
    world = require_world(session, actor, world_id, Permission.WRITE)
    if expected_version is not None and world.version != expected_version:
        raise Invalid(
            f"“{world.name}” is at version {world.version} now, not version {expected_version} "
            "that you read: it changed since. Nothing was changed — load the world again and "
            f"make your change on version {world.version}."
        )
    documents: dict[str, Any] = {name: getattr(world, name) for name in DOCUMENTS}
    for update in updates:
        name, keys = _split(update.path)
        documents[name] = apply_update(documents[name], keys, update)
    documents = {name: with_item_ids(value) for name, value in documents.items()}
    if not isinstance(documents["constraints"], list):
        raise Invalid("'constraints' must stay a list of statements.")
    for name in ("foundation", "surface"):
        if not isinstance(documents[name], dict):
            raise Invalid(f"'{name}' must stay an object.")
    for name, value in documents.items():
        setattr(world, name, value)
    record_changes(
        session,
        world,
        [{"author": author, **update.model_dump(mode="json")} for update in updates],
    )
    return world


def record_changes(session: Session, world: World, changes: list[dict[str, Any]]) -> int:
    """Bump the world's version once for `changes` (each a `world_changes.ChangeLine`: author,
    path, operation, value, reason), add them to its changelog and snapshot the new version;
    returns the version."""
    version = world.version + 1
    at = utcnow()
    world.version = version
    world.updated_at = at
    session.add(world)
    session.flush()
    world_changes.append(session, world.id, version, at, changes)
    record_version(session, world)
    return version


def restore_version(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    version: int,
    *,
    reason: str,
    author: str,
    expected_version: int,
) -> World:
    """A new version equal to stored version `version` (its name, description, foundation,
    surface and constraints), with "restored from" and the reason in the changelog. Nothing is
    lost: every version stays in the history, so a restore can itself be undone."""
    why = checked_reason(reason)
    world = world_at_version(session, actor, world_id, expected_version)
    if version == world.version:
        raise Invalid(
            f"Version {version} is the current version of “{world.name}”; pick an earlier one "
            "to restore."
        )
    snapshot = get_version(session, actor, world.id, version)
    for name in SNAPSHOT_FIELDS:
        setattr(world, name, copy.deepcopy(getattr(snapshot, name)))
    change = {
        "author": author,
        "path": "",
        "operation": "restore",
        "value": None,
        "reason": why,
        "restored_from": version,
    }
    record_changes(session, world, [change])
    return world


def world_at_version(
    session: Session, actor: Actor, world_id: uuid.UUID, expected_version: int
) -> World:
    """The world the actor may change, if it is still at the version they were looking at; a
    change made meanwhile (by an agent or a collaborator) is not silently overwritten."""
    world = require_world(session, actor, world_id, Permission.WRITE)
    if world.version != expected_version:
        raise Invalid(
            f"“{world.name}” changed while you were editing (it is now version {world.version}, "
            f"you started from version {expected_version}); nothing was saved — the page now "
            "shows the latest version, so make your edit again there."
        )
    return world


def checked_reason(reason: str) -> str:
    """A person's reason for a change, for the changelog: required, at most 1,000 characters."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise Invalid("Say why you are making this change: the reason goes in the changelog.")
    if len(cleaned) > 1000:
        raise Invalid(f"The reason is {len(cleaned)} characters long; keep it under 1,000.")
    return cleaned
