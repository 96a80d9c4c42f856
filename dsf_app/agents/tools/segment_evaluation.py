"""What the three segment evaluator tools share: run one evaluator on a saved segment or a
draft as the acting person, and answer the agent with the stored result."""

from __future__ import annotations

from typing import Any

from dsf_app.agents.context import ToolContext
from dsf_app.agents.topics import Topic
from dsf_app.evaluators import evaluate_segment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import EvaluationKind, EvaluationSource


async def run_evaluator(
    ctx: ToolContext, kind: EvaluationKind, args: SegmentTarget
) -> dict[str, Any]:
    """The result the agent gets back; the evaluation also shows in the reader's margin."""
    target = args
    if args.draft is not None and args.story_id is None and ctx.story_id is not None:
        target = args.model_copy(update={"story_id": ctx.story_id})
    evaluation = await evaluate_segment(
        ctx.actor, kind, target, world_id=ctx.world_id, source=EvaluationSource.AGENT
    )
    ctx.note_change(Topic.EVALUATIONS)
    return {
        "evaluation_id": str(evaluation.id),
        "target": evaluation.target,
        "score": evaluation.score,
        **evaluation.result,
    }
