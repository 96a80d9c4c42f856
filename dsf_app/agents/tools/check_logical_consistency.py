"""check_logical_consistency: check a segment or a draft against the world's rules."""

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
    return await run_evaluator(ctx, EvaluationKind.CONSISTENCY, args)


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
