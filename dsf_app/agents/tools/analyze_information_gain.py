"""analyze_information_gain: what a segment or a draft adds to the world, with its measured novelty."""

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
    return await run_evaluator(ctx, EvaluationKind.INFORMATION_GAIN, args)


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
