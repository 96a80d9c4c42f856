"""Hand edits of a world's foundation, section by section: a form's values checked against the
foundation's models (dsf_app/world_schema.py), turned into path updates and applied through
`update_world` with author "person" — so a person's edit lands in the changelog like an agent's.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal, TypeGuard, get_args

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from dsf_app.errors import Invalid
from dsf_app.models import World
from dsf_app.services.access import Permission, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import WorldUpdate, update_world
from dsf_app.world_schema import HistoryEvent, Rule, TechnologySystem

ItemSection = Literal["rules", "technology", "timeline"]
TextSection = Literal["core_premise", "geography", "culture"]
LinesSection = Literal["constraints", "deep_focus_areas", "open_questions", "contradictions"]

# Where each section lives in the world (paths as update_world reads them).
PATHS: dict[str, str] = {
    "rules": "rules",
    "technology": "technology",
    "timeline": "history.timeline",
    "core_premise": "core_premise",
    "geography": "geography",
    "culture": "culture",
    "constraints": "constraints",
    "deep_focus_areas": "deep_focus_areas",
    "open_questions": "working_notes.open_questions",
    "contradictions": "working_notes.contradictions",
}
ITEM_MODELS: dict[str, type[BaseModel]] = {
    "rules": Rule,
    "technology": TechnologySystem,
    "timeline": HistoryEvent,
}
ITEM_NAMES = {"rules": "rule", "technology": "technology system", "timeline": "history event"}
MAX_TEXT = 20_000


def save_text(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    section: TextSection,
    text: str,
    *,
    reason: str,
    expected_version: int,
) -> World:
    """Replace a prose section (premise, geography, culture)."""
    reason = _reason(reason)
    value = _clean(text, what=section.replace("_", " "))
    world = _editable(session, actor, world_id, expected_version)
    return _apply(session, actor, world, [_set(world, PATHS[section], value, reason)])


def save_lines(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    section: LinesSection,
    lines: list[str],
    *,
    reason: str,
    expected_version: int,
) -> World:
    """Replace a list of statements (constraints, focus areas, open questions, contradictions);
    blank lines are dropped."""
    reason = _reason(reason)
    value = [_clean(line, what="line") for line in lines if line.strip()]
    world = _editable(session, actor, world_id, expected_version)
    return _apply(session, actor, world, [_set(world, PATHS[section], value, reason)])


def save_item(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    section: ItemSection,
    index: int | None,
    values: dict[str, Any],
    *,
    reason: str,
    expected_version: int,
) -> World:
    """Add (index None) or replace one rule, technology system or history event. Keys the form
    does not know (a rule's id, an agent's extra notes) are kept."""
    reason = _reason(reason)
    world = _editable(session, actor, world_id, expected_version)
    items = _items(world, section)
    existing = items[_index(items, index, section)] if index is not None else {}
    item = _validated(section, {**(existing if isinstance(existing, dict) else {}), **values})
    if section == "rules" and not item.get("id"):
        item["id"] = f"r-{uuid.uuid4().hex[:6]}"
    path = PATHS[section]
    if index is not None:
        update = WorldUpdate(path=f"{path}.{index}", operation="update", value=item, reason=reason)
    elif _exists(world, path):
        update = WorldUpdate(path=path, operation="add", value=item, reason=reason)
    else:
        update = _set(world, path, [item], reason)
    return _apply(session, actor, world, [update])


def remove_item(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    section: ItemSection,
    index: int,
    *,
    reason: str,
    expected_version: int,
) -> World:
    reason = _reason(reason)
    world = _editable(session, actor, world_id, expected_version)
    _index(_items(world, section), index, section)
    update = WorldUpdate(path=f"{PATHS[section]}.{index}", operation="remove", reason=reason)
    return _apply(session, actor, world, [update])


def item_from_form(section: ItemSection, form: Mapping[str, Any]) -> dict[str, Any]:
    """An item editor's form as the item's fields: text trimmed, list fields one entry a line
    (blank lines dropped). Only the fields of `section`'s model are read."""

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    def lines(name: str) -> list[str]:
        return [line.strip() for line in str(form.get(name, "")).splitlines() if line.strip()]

    if section == "rules":
        return {
            "statement": text("statement"),
            "scope": text("scope"),
            "certainty": text("certainty"),
            "implications": lines("implications"),
            "exceptions": lines("exceptions"),
        }
    if section == "technology":
        return {
            "name": text("name"),
            "how_it_works": text("how_it_works"),
            "limits": lines("limits"),
            "speculation": text("speculation"),
        }
    return {"event": text("event"), "when": text("when"), "significance": text("significance")}


def save_form(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    section: str,
    index: int | None,
    form: Mapping[str, Any],
    *,
    expected_version: int,
) -> World:
    """A section editor's form saved as one change of the world: a prose section's `text`, a
    list section's `lines`, or an item's fields (a new item when `index` is None); the form's
    `reason` goes in the changelog."""
    reason = str(form.get("reason", ""))
    if _is_text(section):
        text = str(form.get("text", ""))
        return save_text(
            session,
            actor,
            world_id,
            section,
            text,
            reason=reason,
            expected_version=expected_version,
        )
    if _is_lines(section):
        lines = str(form.get("lines", "")).splitlines()
        return save_lines(
            session,
            actor,
            world_id,
            section,
            lines,
            reason=reason,
            expected_version=expected_version,
        )
    if _is_items(section):
        values = item_from_form(section, form)
        return save_item(
            session,
            actor,
            world_id,
            section,
            index,
            values,
            reason=reason,
            expected_version=expected_version,
        )
    raise Invalid(f"A world has no section “{section}” to edit.")


def remove_with_form(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    section: str,
    index: int,
    form: Mapping[str, Any],
    *,
    expected_version: int,
) -> World:
    """The item an editor shows removed, with the form's `reason` for the changelog."""
    if not _is_items(section):
        raise Invalid(f"The {section.replace('_', ' ')} has no items to remove one by one.")
    reason = str(form.get("reason", ""))
    return remove_item(
        session, actor, world_id, section, index, reason=reason, expected_version=expected_version
    )


def _is_text(section: str) -> TypeGuard[TextSection]:
    return section in get_args(TextSection)


def _is_lines(section: str) -> TypeGuard[LinesSection]:
    return section in get_args(LinesSection)


def _is_items(section: str) -> TypeGuard[ItemSection]:
    return section in get_args(ItemSection)


def _editable(session: Session, actor: Actor, world_id: uuid.UUID, expected_version: int) -> World:
    world = require_world(session, actor, world_id, Permission.WRITE)
    if world.version != expected_version:
        raise Invalid(
            f"“{world.name}” changed while you were editing (it is now version {world.version}, "
            f"you started from version {expected_version}); nothing was saved — the page now "
            "shows the latest version, so make your edit again there."
        )
    return world


def _apply(session: Session, actor: Actor, world: World, updates: list[WorldUpdate]) -> World:
    return update_world(session, actor, world.id, updates, author="person")


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise Invalid("Say why you are making this change: the reason goes in the changelog.")
    if len(cleaned) > 1000:
        raise Invalid(f"The reason is {len(cleaned)} characters long; keep it under 1,000.")
    return cleaned


def _clean(text: str, *, what: str) -> str:
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_TEXT:
        raise Invalid(f"The {what} is {len(cleaned)} characters long; shorten it to {MAX_TEXT}.")
    return cleaned


def _lookup(world: World, path: str) -> tuple[bool, Any]:
    """(found, value) of a dotted path in the world's documents."""
    parts = path.split(".")
    current: Any = world.constraints if parts[0] == "constraints" else world.foundation
    for key in parts[1:] if parts[0] == "constraints" else parts:
        if not isinstance(current, dict) or key not in current:
            return False, None
        current = current[key]
    return True, current


def _exists(world: World, path: str) -> bool:
    return _lookup(world, path)[0]


def _set(world: World, path: str, value: Any, reason: str) -> WorldUpdate:
    """An update that sets `path` to `value`; when a parent object is missing (a foundation
    without `history` yet), the update sets that parent instead, holding the rest of the path."""
    parts = path.split(".")
    for depth in range(1, len(parts)):
        prefix = ".".join(parts[:depth])
        found, parent = _lookup(world, prefix)
        if found and isinstance(parent, dict):
            continue
        nested: Any = value
        for key in reversed(parts[depth:]):
            nested = {key: nested}
        return WorldUpdate(path=prefix, operation="update", value=nested, reason=reason)
    return WorldUpdate(path=path, operation="update", value=value, reason=reason)


def _items(world: World, section: ItemSection) -> list[Any]:
    found, items = _lookup(world, PATHS[section])
    return items if found and isinstance(items, list) else []


def _index(items: list[Any], index: int | None, section: str) -> int:
    if index is None or not 0 <= index < len(items):
        raise Invalid(
            f"There is no {ITEM_NAMES[section]} number {0 if index is None else index + 1} any "
            "more; the page now shows the latest version of the world."
        )
    return index


def _validated(section: ItemSection, values: dict[str, Any]) -> dict[str, Any]:
    try:
        model = ITEM_MODELS[section].model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'value'}: {error['msg']}"
            for error in exc.errors()
        )
        raise Invalid(f"This {ITEM_NAMES[section]} is not valid — {problems}.") from None
    item = model.model_dump(mode="json")
    for key in ("statement", "name", "event"):
        if key in item and not str(item[key]).strip():
            raise Invalid(f"The {ITEM_NAMES[section]} needs a {key}; it cannot be empty.")
    return item
