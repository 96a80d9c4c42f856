"""What the evaluator tools share: read as the acting person, ask the judge with no session
open (an outside call), and keep the evaluation in the transaction that records the call's
outcome — so a retried call never keeps a second evaluation. The agent gets the stored result;
the evaluation also shows in the reader's margin or the world's version history."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.topics import Topic
from dsf_app.evaluators import Verdict, judge_segment, read_segment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import EvaluationKind, EvaluationSource


async def keep(ctx: ToolContext, verdict: Verdict) -> dict[str, Any]:
    """Keep the verdict with the call's outcome; what the agent is answered."""

    def record(session: Session) -> dict[str, Any]:
        evaluation = verdict.record(session, ctx.actor, EvaluationSource.AGENT)
        return {
            "evaluation_id": str(evaluation.id),
            "target": evaluation.target,
            "score": evaluation.score,
            **evaluation.result,
        }

    answer = await ctx.write(record)
    ctx.note_change(Topic.EVALUATIONS)
    return answer


async def evaluate_segment(
    ctx: ToolContext, kind: EvaluationKind, args: SegmentTarget
) -> dict[str, Any]:
    """One of the three segment evaluators on a saved segment, or a draft of the current story."""
    target = args
    if args.draft is not None and args.story_id is None and ctx.story_id is not None:
        target = args.model_copy(update={"story_id": ctx.story_id})
    context = await ctx.read(lambda session: read_segment(session, ctx.actor, target, ctx.world_id))
    return await keep(ctx, await judge_segment(ctx.actor, kind, context))
