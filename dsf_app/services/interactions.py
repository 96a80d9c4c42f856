"""What a person clicked on the canvas and the values they sent with a Form, queued for the
agent (docs/ARCHITECTURE.md, "The canvas"): only for a world the person can read; at most 100
kept per person across all their worlds and targets (the oldest dropped, under a lock per person
so parallel clicks cannot pass the cap), each for 5 minutes; reading them returns and — unless
peeking — removes them. Kept in PostgreSQL so every backend worker shares one queue.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from dsf_app.canvas import form_values
from dsf_app.canvas.fields import ID_PATTERN
from dsf_app.errors import Invalid
from dsf_app.models import CanvasInteraction
from dsf_app.models.columns import utcnow
from dsf_app.services import canvas
from dsf_app.services.access import require_world
from dsf_app.services.actor import Actor
from dsf_app.services.locks import lock_key

MAX_QUEUED = 100
LIFETIME = timedelta(minutes=5)
# Room for a Form's values (a TextInput takes up to 2,000 characters).
MAX_DATA_CHARS = 20_000
TARGET_PATTERN = re.compile(r"^[a-z0-9-]{1,40}$")
TYPE_PATTERN = re.compile(r"^[a-z][a-z-]{0,39}$")


def as_dict(interaction: CanvasInteraction) -> dict[str, Any]:
    """The shape the agent reads: {id, timestamp, componentId, interactionType, target, data}."""
    return {
        "id": str(interaction.id),
        "timestamp": interaction.created_at.isoformat(),
        "componentId": interaction.component_id,
        "interactionType": interaction.interaction_type,
        "target": interaction.target,
        "data": interaction.data,
    }


def _checked(target: str, component_id: str, interaction_type: str, data: Any) -> dict[str, Any]:
    """The browser sends these; refuse anything that isn't shaped like a canvas interaction."""
    if not TARGET_PATTERN.fullmatch(target or ""):
        raise Invalid("An interaction needs a canvas target such as 'canvas-root'.")
    if not re.fullmatch(ID_PATTERN, component_id or ""):
        raise Invalid("An interaction needs the id of the component it happened on.")
    if not TYPE_PATTERN.fullmatch(interaction_type or ""):
        raise Invalid("An interaction type is a short lower-case word such as 'click'.")
    data = data if isinstance(data, dict) else {}
    if len(json.dumps(data, default=str)) > MAX_DATA_CHARS:
        raise Invalid(f"Interaction data may be at most {MAX_DATA_CHARS} characters of JSON.")
    return data


def record(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    component_id: str,
    interaction_type: str,
    data: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> CanvasInteraction:
    """Queue one interaction, dropping the person's expired ones and all but their newest
    MAX_QUEUED; NotFound when the world is not one they can read."""
    data = _checked(target, component_id, interaction_type, data)
    if world_id is not None:
        require_world(session, actor, world_id)
    now = now or utcnow()
    lock_key(session, f"canvas-interactions:{actor.user_id}")
    interaction = CanvasInteraction(
        user_id=actor.user_id,
        world_id=world_id,
        target=target,
        component_id=component_id,
        interaction_type=interaction_type,
        data=data,
        created_at=now,
    )
    session.add(interaction)
    session.flush()
    _prune(session, actor, now)
    return interaction


def record_on_surface(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    component_id: str,
    interaction_type: str,
    data: Any,
) -> dict[str, Any]:
    """Queue an interaction the browser reported on one of the person's surfaces, described
    from the stored spec (`described`); returns the data queued with it."""
    node = canvas.find_component(canvas.get_surface(session, actor, world_id, target), component_id)
    described = describe(node, interaction_type, data if isinstance(data, dict) else {})
    record(session, actor, world_id, target, component_id, interaction_type, described)
    return described


def submit_form(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    target: str,
    component_id: str,
    data: Any,
) -> str | None:
    """Queue the values the reader sent with a Form, each checked against the stored Form (a
    forged value is refused and nothing is queued); returns the reader's message that continues
    the story when the Form says so, else None."""
    node = canvas.find_component(canvas.get_surface(session, actor, world_id, target), component_id)
    described = describe(node, "submit", data if isinstance(data, dict) else {})
    record(session, actor, world_id, target, component_id, "submit", described)
    form = form_values.stored_form(node)
    return form_values.sentence(form, described["values"]) if form.props.continueStory else None


def describe(
    node: dict[str, Any] | None, interaction_type: str, data: dict[str, Any]
) -> dict[str, Any]:
    """What the agent reads about a click on `node` (the stored component, if any): the browser's
    word is only trusted for which action or part was clicked, and labels come from the spec —
    an action the stored spec does not hold is refused, whatever label the browser sends; a
    Form's values are checked against the stored Form (`form_values.checked`)."""
    described: dict[str, Any] = {}
    if node is not None:
        described["componentType"] = node.get("type")
    for key in ("part", "index"):
        if key in data and isinstance(data[key], str | int):
            described[key] = str(data[key])[:64]
    if interaction_type == "submit":
        form = form_values.stored_form(node)
        return {"componentType": "Form", "values": form_values.checked(form, data.get("values"))}
    if interaction_type != "action":
        return described
    action_id = data.get("actionId")
    actions = ((node or {}).get("props") or {}).get("actions") or []
    chosen = next((a for a in actions if isinstance(a, dict) and a.get("id") == action_id), None)
    if chosen is None:
        raise Invalid(
            "That choice is no longer on the canvas (the agent has changed the scene); "
            "pick one of the choices shown now."
        )
    described["actionId"] = chosen["id"]
    described["label"] = str(chosen["label"])
    return described


def dismiss_surface(
    session: Session, actor: Actor, world_id: uuid.UUID | None, target: str
) -> None:
    """The person closed a surface: it is cleared, and the agent hears that it was closed."""
    surface = canvas.get_surface(session, actor, world_id, target)
    if surface is not None and surface.spec:
        root_id = str(surface.spec[0].get("id") or "surface")
        record(session, actor, world_id, target, root_id, "dismiss")
    canvas.clear(session, actor, world_id, target)


def _queue(actor: Actor, world_id: uuid.UUID | None) -> list[Any]:
    return [
        col(CanvasInteraction.user_id) == actor.user_id,
        col(CanvasInteraction.world_id).is_not_distinct_from(world_id),
    ]


def _prune(session: Session, actor: Actor, now: datetime) -> None:
    mine = col(CanvasInteraction.user_id) == actor.user_id
    session.execute(
        delete(CanvasInteraction).where(mine, col(CanvasInteraction.created_at) <= now - LIFETIME)
    )
    beyond = (
        select(CanvasInteraction.id)
        .where(mine)
        .order_by(col(CanvasInteraction.created_at).desc(), col(CanvasInteraction.id).desc())
        .offset(MAX_QUEUED)
    )
    session.execute(delete(CanvasInteraction).where(col(CanvasInteraction.id).in_(beyond)))


def take(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID | None,
    *,
    peek: bool = False,
    component_id: str | None = None,
    interaction_type: str | None = None,
    target: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The person's unexpired interactions for this world, oldest first, optionally only those
    of one component, type or target; unless `peek`, the ones returned leave the queue."""
    now = now or utcnow()
    query = select(CanvasInteraction).where(
        *_queue(actor, world_id), col(CanvasInteraction.created_at) > now - LIFETIME
    )
    if component_id is not None:
        query = query.where(CanvasInteraction.component_id == component_id)
    if interaction_type is not None:
        query = query.where(CanvasInteraction.interaction_type == interaction_type)
    if target is not None:
        query = query.where(CanvasInteraction.target == target)
    query = query.order_by(col(CanvasInteraction.created_at), col(CanvasInteraction.id))
    if not peek:
        # Two readers at once (two workers, a retried call) never both get the same click.
        query = query.with_for_update(skip_locked=True)
    found = list(session.exec(query).all())
    taken = [as_dict(interaction) for interaction in found]
    if not peek and found:
        session.execute(
            delete(CanvasInteraction).where(
                col(CanvasInteraction.id).in_([interaction.id for interaction in found])
            )
        )
    return taken
