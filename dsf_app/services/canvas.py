"""A person's canvas: which validated specs each target of a world's canvas shows, and how
agents create, update and remove them by component id.

Surfaces belong to one person (every query is scoped by the actor); a world named must be one
the person can read. Specs arrive validated (`dsf_app.canvas.canvas_spec.CanvasSpec`) and are
stored as JSON; a change that would leave a surface invalid (too deep, too big, an id used twice)
is refused before anything is written, and so is an input outside a Form.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from dsf_app.canvas.canvas_spec import MAX_NODES, CanvasSpec, check_forms, iter_nodes
from dsf_app.canvas.specs import Spec
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import CanvasMode, CanvasSurface
from dsf_app.models.columns import utcnow
from dsf_app.services.access import require_world
from dsf_app.services.actor import Actor

# Surfaces shown first, in this order; any other target follows alphabetically.
TARGET_ORDER = ("canvas-root", "story-reader", "world-gallery")
_SPEC = TypeAdapter(CanvasSpec)
JSONNode = dict[str, Any]


def dump(spec: Spec) -> JSONNode:
    """A validated spec as the JSON stored for it (unset props left out)."""
    return spec.model_dump(mode="json", exclude_none=True)


def for_browser(roots: list[JSONNode]) -> list[JSONNode]:
    """Stored roots with every prop present (null when unset), as the renderer reads them.

    Roots that no longer validate (a stored spec from an older schema) are left out rather
    than shown half-understood.
    """
    shown = []
    for root in roots:
        try:
            shown.append(_SPEC.validate_python(root).model_dump(mode="json"))
        except ValidationError:
            continue
    return shown


def _check_world(session: Session, actor: Actor, world_id: uuid.UUID | None) -> None:
    if world_id is not None:
        require_world(session, actor, world_id)


def _sort_key(surface: CanvasSurface) -> tuple[int, str]:
    order = TARGET_ORDER.index(surface.target) if surface.target in TARGET_ORDER else 99
    return order, surface.target


def list_surfaces(
    session: Session, actor: Actor, world_id: uuid.UUID | None
) -> list[CanvasSurface]:
    """The person's surfaces for a world (or for no world), canvas-root first."""
    found = session.exec(
        select(CanvasSurface).where(
            CanvasSurface.user_id == actor.user_id,
            col(CanvasSurface.world_id).is_not_distinct_from(world_id),
        )
    ).all()
    return sorted(found, key=_sort_key)


def get_surface(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    *,
    for_update: bool = False,
) -> CanvasSurface | None:
    query = select(CanvasSurface).where(
        CanvasSurface.user_id == actor.user_id,
        col(CanvasSurface.world_id).is_not_distinct_from(world_id),
        CanvasSurface.target == target,
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def show(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    mode: CanvasMode | str,
    spec: Spec,
) -> CanvasSurface:
    """Show `spec` on `target`, replacing whatever the target showed (action 'create')."""
    _check_world(session, actor, world_id)
    check_forms([spec])
    mode = CanvasMode(mode)
    values = {"mode": mode.value, "spec": [dump(spec)], "updated_at": utcnow()}
    surface_id = session.execute(
        insert(CanvasSurface)
        .values(id=uuid.uuid4(), user_id=actor.user_id, world_id=world_id, target=target, **values)
        .on_conflict_do_update(constraint="uq_canvas_surface_user_world_target", set_=values)
        .returning(col(CanvasSurface.id))
    ).scalar_one()
    return session.exec(
        select(CanvasSurface)
        .where(CanvasSurface.id == surface_id)
        .execution_options(populate_existing=True)
    ).one()


def _missing(target: str, component_id: str | None, surface: CanvasSurface | None) -> NotFound:
    if surface is None or not surface.spec:
        return NotFound(f"The target '{target}' shows nothing yet; use action 'create' first.")
    ids = [node.get("id") for _, _, node in _slots(surface.spec)]
    listed = ", ".join(str(i) for i in ids[:30]) + (" …" if len(ids) > 30 else "")
    return NotFound(
        f"No component with id '{component_id}' on '{target}'; its components are: {listed}."
    )


def update(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    spec: Spec,
    component_id: str | None = None,
    mode: CanvasMode | str | None = None,
) -> CanvasSurface:
    """Replace the component `component_id` (anywhere in the target's tree) with `spec`, or the
    whole target when no id is given; `mode`, when given, changes how the target is shown."""
    _check_world(session, actor, world_id)
    if component_id is None:
        surface = show(
            session,
            actor,
            world_id,
            target,
            mode or _current_mode(session, actor, world_id, target),
            spec,
        )
        return surface
    surface = get_surface(session, actor, world_id, target, for_update=True)
    roots = copy.deepcopy(surface.spec) if surface else []
    slot = _find_slot(roots, component_id)
    if surface is None or slot is None:
        raise _missing(target, component_id, surface)
    holder, key, _ = slot
    holder[key] = dump(spec)
    surface.spec = _checked(roots)
    if mode is not None:
        surface.mode = CanvasMode(mode)
    surface.updated_at = utcnow()
    session.add(surface)
    session.flush()
    return surface


def _current_mode(
    session: Session, actor: Actor, world_id: uuid.UUID | None, target: str
) -> CanvasMode:
    surface = get_surface(session, actor, world_id, target)
    return surface.mode if surface else CanvasMode.INLINE


def remove(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    component_id: str | None = None,
) -> CanvasSurface | None:
    """Remove one component (with everything inside it), or clear the target without an id.

    Returns the surface left, or None when the target is now empty (and deleted)."""
    _check_world(session, actor, world_id)
    surface = get_surface(session, actor, world_id, target, for_update=True)
    if component_id is None:
        if surface is not None:
            session.delete(surface)
            session.flush()
        return None
    roots = copy.deepcopy(surface.spec) if surface else []
    slot = _find_slot(roots, component_id)
    if surface is None or slot is None:
        raise _missing(target, component_id, surface)
    holder, key, _ = slot
    if isinstance(holder, list):
        del holder[key]  # type: ignore[arg-type]
    else:
        holder.pop(key)  # a Dialog's trigger
    if not roots:
        session.delete(surface)
        session.flush()
        return None
    surface.spec = roots
    surface.updated_at = utcnow()
    session.add(surface)
    session.flush()
    return surface


def clear(session: Session, actor: Actor, world_id: uuid.UUID | None, target: str) -> bool:
    """The person closes a surface; True if there was one."""
    surface = get_surface(session, actor, world_id, target, for_update=True)
    if surface is None:
        return False
    session.delete(surface)
    session.flush()
    return True


def find_component(surface: CanvasSurface | None, component_id: str) -> JSONNode | None:
    """The stored component with this id on the surface, or None."""
    if surface is None:
        return None
    slot = _find_slot(surface.spec, component_id)
    return slot[2] if slot else None


def component_ids(surface: CanvasSurface) -> list[tuple[str, str]]:
    """(id, type) of every component of the surface, in render order."""
    return [(str(node.get("id")), str(node.get("type"))) for _, _, node in _slots(surface.spec)]


def snapshot_for_segment(
    session: Session, actor: Actor, world_id: uuid.UUID | None
) -> list[JSONNode]:
    """The root components the person's inline surfaces of this world show now — what a story
    segment keeps in `ui_components` so the reader can show the same scene later."""
    return [
        copy.deepcopy(root)
        for surface in list_surfaces(session, actor, world_id)
        if surface.mode == CanvasMode.INLINE
        for root in surface.spec
    ]


# --- The tree, as stored JSON -----------------------------------------------------------------


def _slots(roots: list[JSONNode]) -> Iterator[tuple[Any, Any, JSONNode]]:
    """(holder, key, node) for every component, depth first in render order; `holder[key]` is
    the node (a list and index for children, a props dict and "trigger" for a Dialog's trigger)."""
    pending: list[tuple[Any, Any]] = [(roots, index) for index in reversed(range(len(roots)))]
    while pending:
        holder, key = pending.pop()
        node = holder[key]
        if not isinstance(node, dict):
            continue
        yield holder, key, node
        children = node.get("children")
        nested: list[tuple[Any, Any]] = []
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("trigger"), dict):
            nested.append((props, "trigger"))
        if isinstance(children, list):
            nested.extend((children, index) for index in range(len(children)))
        pending.extend(reversed(nested))


def _find_slot(roots: list[JSONNode], component_id: str) -> tuple[Any, Any, JSONNode] | None:
    return next((slot for slot in _slots(roots) if slot[2].get("id") == component_id), None)


def _checked(roots: list[JSONNode]) -> list[JSONNode]:
    """Roots revalidated as a whole: within the limits, and no id used twice on the surface."""
    seen: set[str] = set()
    total = 0
    specs: list[Spec] = []
    for root in roots:
        try:
            spec = _SPEC.validate_python(root)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise Invalid(f"after this change the canvas would be invalid: {first['msg']}") from exc
        for node in iter_nodes(spec):
            total += 1
            if node.id in seen:
                raise Invalid(
                    f"id '{node.id}' is already used by another component on this target; "
                    "choose a different id"
                )
            seen.add(str(node.id))
        specs.append(spec)
    if total > MAX_NODES:
        raise Invalid(
            f"after this change the target would hold {total} components; at most {MAX_NODES} "
            "are allowed"
        )
    check_forms(specs)
    return [dump(spec) for spec in specs]
