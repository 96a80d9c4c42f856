"""assess_output_quality: score a segment or a draft on a fixed four-part rubric."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tools.segment_evaluation import run_evaluator
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import AgentKind, EvaluationKind


async def run(ctx: ToolContext, session: Session, args: SegmentTarget) -> dict[str, Any]:
    # The evaluator reads and writes in its own short sessions around the model call.
    return await run_evaluator(ctx, EvaluationKind.QUALITY, args)


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
