"""delegate_to_experience: hand image and canvas work to the person's Experience Agent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.errors import ServiceUnavailable
from dsf_app.models import AgentKind


class DelegateArgs(BaseModel):
    task: str = Field(
        min_length=1,
        max_length=8000,
        description="What to make: an image, a scene on the canvas, a gallery… with the details it needs.",
    )


async def run(ctx: ToolContext, args: DelegateArgs) -> dict[str, Any]:
    if ctx.delegate is None:
        raise ServiceUnavailable("The Experience Agent cannot be reached from here.")
    return {"experience_agent_answer": await ctx.delegate(ctx, args.task)}


register(
    Tool(
        name="delegate_to_experience",
        description=(
            "Ask the Experience Agent to make images, manage assets or compose UI on the canvas. "
            "Its answer comes back as this tool's result."
        ),
        args=DelegateArgs,
        run=run,
        kinds=frozenset({AgentKind.USER, AgentKind.WORLD}),
    )
)
