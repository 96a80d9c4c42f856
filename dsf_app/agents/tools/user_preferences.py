"""user_preferences: read and remember the person's preferences (tone, genres, formats)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.models import AgentKind
from dsf_app.services import users


class UserPreferencesArgs(BaseModel):
    operation: Literal["get", "set"] = "get"
    preferences: dict[str, Any] | None = Field(
        default=None,
        description="For set: keys to store (e.g. {'tone': 'hopeful'}); a null value forgets a key.",
    )


async def run(ctx: ToolContext, args: UserPreferencesArgs) -> dict[str, Any]:
    if args.operation == "get":
        return await ctx.read(
            lambda session: {"preferences": users.get_user(session, ctx.actor.user_id).preferences}
        )
    return await ctx.write(
        lambda session: {
            "preferences": users.update_preferences(session, ctx.actor, args.preferences or {})
        }
    )


register(
    Tool(
        name="user_preferences",
        description="Read or update what the person prefers (tone, themes, formats).",
        args=UserPreferencesArgs,
        run=run,
        kinds=frozenset({AgentKind.USER}),
    )
)
