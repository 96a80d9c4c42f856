"""assess_output_quality: score a segment or a draft on a fixed four-part rubric."""

from __future__ import annotations

from typing import Any

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_evaluations import evaluate_segment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import AgentKind, EvaluationKind


async def run(ctx: ToolContext, args: SegmentTarget) -> dict[str, Any]:
    return await evaluate_segment(ctx, EvaluationKind.QUALITY, args)


register(
    Tool(
        name="assess_output_quality",
        description=(
            "Score a story segment (saved or draft) on a fixed rubric — coherence, grounding in the world's rules, prose, advancement of the story — 1 to 5 each with a one-line reason."
        ),
        args=SegmentTarget,
        run=run,
        kinds=frozenset({AgentKind.WORLD}),
    )
)
