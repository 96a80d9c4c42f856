"""get_canvas_interactions: what the reader clicked on the canvas, and the Forms they sent, since
the agent last looked."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from dsf_app.agents.canvas_args import canvas_error
from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.canvas.tool_args import GetCanvasInteractionsArgs
from dsf_app.models import AgentKind
from dsf_app.services import interactions


async def run(ctx: ToolContext, args: GetCanvasInteractionsArgs) -> dict[str, Any]:
    def take(session: Session) -> dict[str, Any]:
        found = interactions.take(
            session,
            ctx.actor,
            ctx.world_id,
            peek=args.peek,
            component_id=args.componentId,
            interaction_type=args.interactionType,
        )
        result: dict[str, Any] = {"interactions": found, "count": len(found), "peek": args.peek}
        if not found:
            result["note"] = (
                "The reader has not clicked anything on the canvas (in the last 5 minutes)."
            )
        return result

    # Taking the clicks clears them: a change, committed with the call's outcome.
    return await ctx.write(take)


register(
    Tool(
        name="get_canvas_interactions",
        description=(
            "Read the reader's clicks on the canvas (buttons, cards, badges, the hero, ActionBar "
            "choices, dialogs opened or closed) and the Forms they sent (interactionType "
            "'submit', data.values: each field's id and value, checked against the Form), oldest "
            "first, each as {id, timestamp, componentId, interactionType, target, data}. They "
            "are kept for 5 minutes and cleared once read unless peek is true."
        ),
        args=GetCanvasInteractionsArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD, AgentKind.EXPERIENCE}),
        wording=canvas_error,
    )
)
