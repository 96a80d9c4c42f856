"""list_worlds: the person's worlds, newest first, to find one by name."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_summaries import world_summary
from dsf_app.models import AgentKind
from dsf_app.services import worlds


class ListWorldsArgs(BaseModel):
    search: str | None = Field(default=None, max_length=200, description="Part of a world's name.")
    limit: int = Field(default=20, ge=1, le=100)


async def run(ctx: ToolContext, args: ListWorldsArgs) -> dict[str, Any]:
    def listed(session: Session) -> dict[str, Any]:
        found = worlds.list_worlds(session, ctx.actor, search=args.search, limit=args.limit)
        return {
            "worlds": [
                {**world_summary(listing.world), "stories": listing.story_count}
                for listing in found
            ]
        }

    return await ctx.read(listed)


register(
    Tool(
        name="list_worlds",
        description="List the person's worlds (newest first), optionally filtered by name.",
        args=ListWorldsArgs,
        run=run,
        kinds=frozenset({AgentKind.USER}),
    )
)
