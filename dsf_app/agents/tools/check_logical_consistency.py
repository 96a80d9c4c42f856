"""check_logical_consistency: check a segment or a draft against the world's rules."""

from __future__ import annotations

from typing import Any

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_evaluations import evaluate_segment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import AgentKind, EvaluationKind


async def run(ctx: ToolContext, args: SegmentTarget) -> dict[str, Any]:
    return await evaluate_segment(ctx, EvaluationKind.CONSISTENCY, args)


register(
    Tool(
        name="check_logical_consistency",
        description=(
            "Check a story segment (saved, or a draft before you save it) against the world's rules: for each rule it applies, strains or violates, the rule id, the passage and why. Advice for the writer; it never blocks writing."
        ),
        args=SegmentTarget,
        run=run,
        kinds=frozenset({AgentKind.WORLD}),
    )
)
