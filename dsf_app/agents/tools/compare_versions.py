"""compare_versions: a plain-language summary of what changed between two versions of the
world and which segments rely on a changed rule."""

from __future__ import annotations

from typing import Any

from dsf_app.agents import tool_scope
from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_evaluations import keep
from dsf_app.evaluators import judge_versions
from dsf_app.evaluators.targets import VersionsTarget
from dsf_app.models import AgentKind
from dsf_app.services import evaluations


async def run(ctx: ToolContext, args: VersionsTarget) -> dict[str, Any]:
    world_id = tool_scope.world_id(ctx, args.world_id)
    context = await ctx.read(
        lambda session: evaluations.version_context(
            session, ctx.actor, world_id, args.from_version, args.to_version
        )
    )
    return await keep(ctx, await judge_versions(ctx.actor, context))


register(
    Tool(
        name="compare_versions",
        description=(
            "Compare two versions of the world: what changed, in plain language, and which "
            "story segments rely on a changed rule and what the change means for them."
        ),
        args=VersionsTarget,
        run=run,
        kinds=frozenset({AgentKind.WORLD}),
    )
)
