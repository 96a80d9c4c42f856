"""world_manager: create, load, update (dotted paths, with reasons) and save a world.

Update and save carry the version the agent read and are refused when the world has moved on
since, so an agent never overwrites a change it has not seen."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from dsf_app.agents import tool_scope
from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_summaries import world_summary
from dsf_app.agents.topics import Topic
from dsf_app.models import AgentKind, WorldState
from dsf_app.services import world_changes, world_updates, worlds
from dsf_app.services.access import Permission, require_world
from dsf_app.services.world_updates import WorldUpdate
from dsf_app.world_schema import WorldFoundation, WorldSurface

# How many of the newest changes `load` shows the agent.
RECENT_CHANGES = 5


class WorldManagerArgs(BaseModel):
    operation: Literal["create", "load", "update", "save"] = Field(
        description=(
            "create: a new world draft (name, description, foundation). load: read a world. "
            "update: change parts of a world by path, each with a reason. save: replace the "
            "foundation and/or surface whole (with a reason; keep each item's id)."
        )
    )
    world_id: uuid.UUID | None = Field(
        default=None, description="The world to load/update/save; defaults to the current world."
    )
    name: str | None = Field(default=None, max_length=200, description="For create.")
    description: str | None = Field(
        default=None, max_length=5000, description="One or two sentences, for create."
    )
    foundation: WorldFoundation | None = Field(
        default=None, description="For create or save: premise, rules, technology, history…"
    )
    surface: WorldSurface | None = Field(default=None, description="For create or save.")
    state: Literal["sketch", "draft", "detailed"] | None = Field(
        default=None, description="How developed the world is."
    )
    updates: list[WorldUpdate] | None = Field(
        default=None, max_length=50, description="For update: the changes, applied together."
    )
    reason: str | None = Field(default=None, max_length=1000, description="For save: why.")
    version: int | None = Field(
        default=None,
        ge=1,
        description=(
            "For update and save: the world's version you read (in your project memory or "
            "from load). If the world changed since, nothing changes and you are told to "
            "load it again."
        ),
    )

    @model_validator(mode="after")
    def _needs(self) -> WorldManagerArgs:
        missing = {
            "create": [] if self.name else ["name"],
            "update": ([] if self.updates else ["updates"]) + ([] if self.version else ["version"]),
            "save": ([] if self.reason else ["reason"])
            + ([] if self.foundation or self.surface else ["foundation or surface"])
            + ([] if self.version else ["version"]),
            "load": [],
        }[self.operation]
        if missing:
            raise ValueError(f"{self.operation} needs {', '.join(missing)}")
        return self


# The foundation's sections that hold more than one text (lists, groups): replacing or
# removing one whole drops everything in it, so the person confirms it first.
WHOLE_SECTIONS = frozenset(
    name for name, field in WorldFoundation.model_fields.items() if field.annotation is not str
)


def _whole_section(update: WorldUpdate) -> str | None:
    """The section an update replaces or removes whole ("foundation" for all of it)."""
    path = update.path.strip(".").removeprefix("foundation.")
    if update.operation == "add" or path not in WHOLE_SECTIONS | {"foundation"}:
        return None
    return path


async def confirm(ctx: ToolContext, args: WorldManagerArgs) -> str | None:
    """Replacing a whole foundation section (or the whole foundation) is confirmed first,
    with what goes and why."""
    if args.operation == "save" and args.foundation is not None:
        drops = ["replace the whole foundation (premise, rules, technology, history…)"]
        reasons = [args.reason or ""]
    elif args.operation == "update":
        whole = [(u, s) for u in args.updates or [] if (s := _whole_section(u)) is not None]
        drops = [
            f"{'replace' if u.operation == 'update' else 'remove'} the whole {s} section"
            for u, s in whole
        ]
        reasons = [u.reason for u, _ in whole]
    else:
        return None
    if not drops:
        return None
    world_id = tool_scope.world_id(ctx, args.world_id)
    world = await ctx.read(
        lambda session: require_world(session, ctx.actor, world_id, Permission.WRITE)
    )
    why = " ".join(dict.fromkeys(reason for reason in reasons if reason))
    return (
        f"In “{world.name}”: {'; '.join(drops)}. Everything in it now is dropped (the world's "
        f"History keeps the version before). The agent's reason: {why or 'none given'}"
    )


def _dump(model: BaseModel | None) -> dict[str, Any] | None:
    return model.model_dump(mode="json", exclude_none=True) if model else None


async def run(ctx: ToolContext, args: WorldManagerArgs) -> dict[str, Any]:
    if args.operation == "create":
        await tool_scope.new_world(ctx)

        def create(session: Session) -> dict[str, Any]:
            world = worlds.create_world(
                session,
                ctx.actor,
                args.name or "",
                args.description or "",
                foundation=_dump(args.foundation),
                surface=_dump(args.surface),
                state=args.state or WorldState.SKETCH,
            )
            return {"created": world_summary(world, full=True)}

        created = await ctx.write(create)
        ctx.note_change(Topic.WORLDS)
        return created
    world_id = tool_scope.world_id(ctx, args.world_id)
    if args.operation == "load":

        def load(session: Session) -> dict[str, Any]:
            world = worlds.get_world(session, ctx.actor, world_id)
            recent = world_changes.page(session, ctx.actor, world_id, limit=RECENT_CHANGES)
            return world_summary(world, full=True, recent_changes=recent.changes)

        return await ctx.read(load)
    if args.operation == "save":
        updates = [
            WorldUpdate(path=name, operation="update", value=value, reason=args.reason or "")
            for name, value in (
                ("foundation", _dump(args.foundation)),
                ("surface", _dump(args.surface)),
            )
            if value is not None
        ]
    else:
        updates = args.updates or []

    def update(session: Session) -> dict[str, Any]:
        world = world_updates.update_world(
            session, ctx.actor, world_id, updates, author="agent", expected_version=args.version
        )
        return {"updated": world_summary(world), "changes": len(updates)}

    updated = await ctx.write(update)
    ctx.note_change(Topic.WORLDS)
    return updated


register(
    Tool(
        name="world_manager",
        description=(
            "Create, read and change science-fiction worlds. Keep worlds consistent: every "
            "change carries a reason, and a change in one domain should carry through to others."
        ),
        args=WorldManagerArgs,
        run=run,
        kinds=frozenset({AgentKind.USER, AgentKind.WORLD}),
        confirm=confirm,
    )
)
