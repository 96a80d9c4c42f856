"""Where an agent may act, decided in one place for every tool call.

A turn about a world (the World Agent's, and the Experience Agent's it delegates to) acts only
in that world: every id the model names in a call — a world, story, segment, asset or Codex
entry, at any depth of the arguments, and the asset behind an image URL in a canvas spec — must
belong to it (an image a new one is drawn from may also be the person's own, outside any
world), and it drafts no new world (`new_world`). A turn about no world (the User
Agent's, and its Experience Agent's) acts only on the person's own worlds and those shared with
them, never on a public world they merely read; the services let it change only those the
person owns or edits. So text in a world the person reads (a public world's premise, its Codex)
cannot steer their agent into another world they can change. `confine` runs on every call's
validated arguments before the tool does (`registry.execute`); the tools then take a named id,
or the conversation's, through `world_id` and `story_id`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlmodel import Session

from dsf_app import image_sources
from dsf_app.agents.context import ToolContext
from dsf_app.errors import Forbidden, Invalid
from dsf_app.services.access import Permission, require_access
from dsf_app.services.owning_world import Thing, is_member, owning_world

# What each id field of a tool's arguments names. A UUID in a field not listed here fails the
# call (and tests/test_confinement.py fails for the tool), so no id goes unchecked.
REFERENCES: dict[str, Thing] = {
    "world_id": Thing.WORLD,
    "story_id": Thing.STORY,
    "segment_id": Thing.SEGMENT,
    "parent_id": Thing.SEGMENT,
    "asset_id": Thing.ASSET,
    "source_asset_id": Thing.ASSET,
    "image_asset_id": Thing.ASSET,
    "edit_asset_id": Thing.SOURCE_IMAGE,
    "reference_asset_ids": Thing.SOURCE_IMAGE,
    "entry_id": Thing.ENTRY,
    "to_entry_id": Thing.ENTRY,
}


def world_id(ctx: ToolContext, named: uuid.UUID | None) -> uuid.UUID:
    """The named world (already confined) or the conversation's."""
    chosen = named or ctx.world_id
    if chosen is None:
        raise Invalid("name the world: pass world_id (list_worlds shows the ids).")
    return chosen


def story_id(ctx: ToolContext, named: uuid.UUID | None) -> uuid.UUID:
    chosen = named or ctx.story_id
    if chosen is None:
        raise Invalid("name the story: pass story_id (story_manager list shows the ids).")
    return chosen


def named_ids(args: BaseModel) -> Iterator[tuple[Thing, uuid.UUID]]:
    """Every id in a call's arguments, nested models and lists included, with what it names;
    an image URL of a stored asset counts as that asset's id."""
    for name, value in args:
        yield from _named(name, value)


def _named(name: str, value: Any) -> Iterator[tuple[Thing, uuid.UUID]]:
    if isinstance(value, uuid.UUID):
        if name not in REFERENCES:
            raise LookupError(f"tool_scope.REFERENCES does not say what the field {name} names")
        yield REFERENCES[name], value
    elif isinstance(value, BaseModel):
        yield from named_ids(value)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _named(name, item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _named(name, item)
    elif isinstance(value, str) and (shown := _shown_asset(value)) is not None:
        yield Thing.ASSET, shown


def _shown_asset(value: str) -> uuid.UUID | None:
    """The asset an image URL shows (/assets/<id>, also under the app's address): a canvas
    spec names assets this way."""
    if not value.startswith(("/", "http://", "https://")):
        return None
    try:
        path = urlsplit(value).path
    except ValueError:
        return None
    return uuid.UUID(path.removeprefix("/assets/")) if image_sources.is_asset_path(path) else None


async def confine(ctx: ToolContext, args: BaseModel) -> None:
    """Refuse the call if it names anything outside where this turn's agent may act."""
    named = list(dict.fromkeys(named_ids(args)))
    if named:
        await ctx.read(lambda session: _check(session, ctx, named))


def _check(session: Session, ctx: ToolContext, named: list[tuple[Thing, uuid.UUID]]) -> None:
    home = require_access(session, ctx.actor, ctx.world_id) if ctx.world_id else None
    for thing, thing_id in named:
        world = owning_world(session, ctx.actor, thing, thing_id)
        if thing is Thing.SOURCE_IMAGE and world is None:
            continue  # the person's own image, only read (services/asset_references checks it)
        if home is not None and (world is None or world.id != home.id):
            raise Forbidden(
                f"this agent works only in “{home.name}”, and {thing} {thing_id} is not part "
                f"of it. Use only ids from “{home.name}” (leave world_id out to mean it); "
                "another world is changed by the person on its own page."
            )
        if (
            home is None
            and world is not None
            and world.level < Permission.WRITE
            and not is_member(session, ctx.actor, world.id)
        ):
            raise Forbidden(
                f"this agent works only with your own worlds and those shared with you "
                f"(list_worlds shows them), and {thing} {thing_id} is in a public world you "
                "only read; that world's own agent, on its page, can answer about it."
            )


async def new_world(ctx: ToolContext) -> None:
    """Refuse a new world in a turn about a world: drafting worlds is the User Agent's work."""
    world_id = ctx.world_id
    if world_id is None:
        return
    home = await ctx.read(lambda session: require_access(session, ctx.actor, world_id))
    raise Forbidden(
        f"this agent works only in “{home.name}” and drafts no other world; the person drafts "
        "a new world with their User Agent on the home page."
    )
