"""compare_versions: a plain-language summary of what changed between two versions of the
world and which segments rely on a changed rule."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tools import scope
from dsf_app.agents.topics import Topic
from dsf_app.evaluators import compare_versions
from dsf_app.evaluators.targets import VersionsTarget
from dsf_app.models import AgentKind, EvaluationSource


async def run(ctx: ToolContext, session: Session, args: VersionsTarget) -> dict[str, Any]:
    # The evaluator reads and writes in its own short sessions around the model call.
    evaluation = await compare_versions(
        ctx.actor,
        scope.world_id(ctx, args.world_id),
        args.from_version,
        args.to_version,
        source=EvaluationSource.AGENT,
    )
    ctx.note_change(Topic.EVALUATIONS)
    return {"evaluation_id": str(evaluation.id), "target": evaluation.target, **evaluation.result}


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
