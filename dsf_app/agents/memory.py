"""The memory blocks DSF fills from its own data: the person (`human`), the world a World Agent
keeps (`project`), and the Experience Agent's `context` and `asset_library` for the world it
works in. Read as the acting person; AgentDirectory writes a block only when its value changed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable

from sqlmodel import Session

from dsf_app.agents.definitions import BLOCK_LIMIT, MEMORY_LABELS
from dsf_app.models import AgentKind, World
from dsf_app.services import assets, users, worlds
from dsf_app.services.actor import Actor

ASSETS_SHOWN = 40
NO_WORLD = "No world is open: you are working for the person's User Agent."


def world_block_value(world: World) -> str:
    return json.dumps(
        {
            "world_id": str(world.id),
            "name": world.name,
            "description": world.description,
            "version": world.version,
            "foundation": world.foundation,
            "surface": world.surface,
            "constraints": world.constraints,
        },
        indent=1,
    )


def _project(session: Session, actor: Actor, world: World | None) -> str:
    return world_block_value(world) if world else NO_WORLD


def _human(session: Session, actor: Actor, world: World | None) -> str:
    user = users.get_user(session, actor.user_id)
    preferences = json.dumps(user.preferences) if user.preferences else "none stated yet"
    return f"Name: {user.name or 'unknown'}\nPreferences: {preferences}"


def _context(session: Session, actor: Actor, world: World | None) -> str:
    if world is None:
        return NO_WORLD
    foundation = world.foundation if isinstance(world.foundation, dict) else {}
    return json.dumps(
        {
            "world_id": str(world.id),
            "name": world.name,
            "description": world.description,
            "core_premise": foundation.get("core_premise", ""),
            "surface": world.surface,
        },
        indent=1,
    )


def _asset_library(session: Session, actor: Actor, world: World | None) -> str:
    if world is None:
        return NO_WORLD
    found = assets.list_assets(session, actor, world.id, limit=ASSETS_SHOWN)
    if not found:
        return f"No assets in “{world.name}” yet."
    return "\n".join(
        f"{asset.id} [{asset.category}] {asset.description or asset.prompt or 'no description'}"
        for asset in found
    )


def _lore(session: Session, actor: Actor, world: World | None) -> str:
    return "Nothing chosen yet: the lore for each turn is written here before it starts."


FILLERS: dict[str, Callable[[Session, Actor, World | None], str]] = {
    "human": _human,
    "project": _project,
    "context": _context,
    "asset_library": _asset_library,
    "lore": _lore,
}


def values(
    session: Session, actor: Actor, kind: AgentKind, world_id: uuid.UUID | None
) -> dict[str, str]:
    """Each data-filled block of this kind of agent, as it should read now."""
    world = worlds.get_world(session, actor, world_id) if world_id is not None else None
    return {
        block.label: FILLERS[block.label](session, actor, world)[:BLOCK_LIMIT]
        for block in MEMORY_LABELS[kind]
    }


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]
