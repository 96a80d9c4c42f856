"""canvas_ui: show, change or remove UI that the agent composes on the person's canvas."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.topics import Topic
from dsf_app.canvas.tool_args import CanvasUIArgs
from dsf_app.models import AgentKind
from dsf_app.services import canvas

MAX_LISTED_IDS = 60


def _shown(surface: Any, args: CanvasUIArgs) -> dict[str, Any]:
    if surface is None:
        return {"target": args.target, "action": args.action, "cleared": True}
    ids = canvas.component_ids(surface)
    listed = {component_id: kind for component_id, kind in ids[:MAX_LISTED_IDS]}
    result: dict[str, Any] = {
        "target": surface.target,
        "action": args.action,
        "mode": str(surface.mode),
        "components": listed,
    }
    if len(ids) > MAX_LISTED_IDS:
        result["more_components"] = len(ids) - MAX_LISTED_IDS
    return result


async def run(ctx: ToolContext, session: Session, args: CanvasUIArgs) -> dict[str, Any]:
    """The registry has already validated the spec (CanvasUIArgs, with the image-URL policy
    that admits our /assets/ URLs), so an invalid spec never gets here and nothing half-built
    is stored; the service refuses changes that would break the surface as a whole."""
    if args.action == "create":
        assert args.spec is not None  # CanvasUIArgs requires it for create
        surface = canvas.show(session, ctx.actor, ctx.world_id, args.target, args.mode, args.spec)
    elif args.action == "update":
        assert args.spec is not None
        mode = args.mode if "mode" in args.model_fields_set else None
        surface = canvas.update(
            session, ctx.actor, ctx.world_id, args.target, args.spec, args.component_id, mode
        )
    else:
        surface = canvas.remove(session, ctx.actor, ctx.world_id, args.target, args.component_id)
    ctx.note_change(Topic.CANVAS)
    return _shown(surface, args)


register(
    Tool(
        name="canvas_ui",
        description=(
            "Compose UI on the reader's canvas: scenes, heroes, timelines, cards of characters, "
            "galleries, choices. Build a spec of components {type, id?, props, children?}; give "
            "ids to components you will update, remove or want to hear clicks from. The result "
            "lists the ids of what is shown. Clicks come back through get_canvas_interactions; "
            "an ActionBar choice also arrives as the reader's next message."
        ),
        args=CanvasUIArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD, AgentKind.EXPERIENCE}),
    )
)
