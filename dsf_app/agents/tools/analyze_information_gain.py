"""analyze_information_gain: what a segment or a draft adds to the world, with its measured novelty."""

from __future__ import annotations

from typing import Any

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tool_evaluations import evaluate_segment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import AgentKind, EvaluationKind


async def run(ctx: ToolContext, args: SegmentTarget) -> dict[str, Any]:
    return await evaluate_segment(ctx, EvaluationKind.INFORMATION_GAIN, args)


register(
    Tool(
        name="analyze_information_gain",
        description=(
            "List what a story segment (saved or draft) adds to the world — new elements, rules challenged, questions opened — with a novelty figure (0 to 100) measured against the world's existing lore."
        ),
        args=SegmentTarget,
        run=run,
        kinds=frozenset({AgentKind.WORLD}),
    )
)
