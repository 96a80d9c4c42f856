"""The three segment evaluators: consistency with the world's rules, quality on a fixed rubric,
and information gain. Each reads what it needs in a short session (in a worker thread), asks
the judge with no session open, measures what code can measure, and stores the result."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from dsf_app.db import session_scope
from dsf_app.evaluators import novelty
from dsf_app.evaluators.judge import Judgment, judge
from dsf_app.evaluators.judgments import (
    QUALITY_CRITERIA,
    CheckedFinding,
    ConsistencyJudgment,
    ConsistencyResult,
    Element,
    InformationGainJudgment,
    InformationGainResult,
    QualityJudgment,
    QualityResult,
)
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.evaluators.verdict import Verdict, keep
from dsf_app.models import Evaluation, EvaluationKind, EvaluationSource, Meter
from dsf_app.services import evaluations, quotas
from dsf_app.services.actor import Actor
from dsf_app.services.evaluations import SegmentContext

# What a prompt carries of a long segment.
MAX_PROMPT_CHARS = 12_000
SPACES = re.compile(r"\s+")
QUOTES = "\"'\u201c\u201d\u2018\u2019"

CONSISTENCY = """\
You check a science-fiction story segment against its world's explicit rules. For each rule
the segment applies, strains or violates, give the rule's id exactly as listed, the verdict,
the passage that shows it copied exactly from the segment, and one short sentence why. Leave
out rules the segment does not touch. Your check advises the writer; it never blocks them."""

QUALITY = """\
You assess a science-fiction story segment on four criteria, each scored 1 to 5 with a
one-line reason: coherence (it holds together and follows on), grounding (it is grounded in
the world's rules), prose (clear, vivid, economical), advancement (it moves the story on)."""

INFORMATION_GAIN = """\
You list what a science-fiction story segment adds to its world: new elements (places, people,
technologies, customs, facts not in the world yet), rules it challenges (by id, exactly as
listed, with how), and questions about the world it opens. Be specific and brief."""


def _world_part(context: SegmentContext) -> str:
    rules = "\n".join(f"- {rule.id}: {rule.statement}" for rule in context.rules) or "(none yet)"
    return f"World: {context.world_name}\nPremise: {context.premise}\nRules:\n{rules}"


def _prompt(context: SegmentContext) -> str:
    story = f"Story: {context.story_title}\n" if context.story_title else ""
    return (
        f"{_world_part(context)}\n\n{story}Segment ({context.target}):\n"
        f"{context.text[:MAX_PROMPT_CHARS]}"
    )


def _flat(text: str) -> str:
    return SPACES.sub(" ", text).strip().lower().strip(QUOTES)


def _rule_check(context: SegmentContext, ids: Callable[[Any], list[str]]) -> Callable[[Any], None]:
    known = {rule.id for rule in context.rules}

    def check(answer: Any) -> None:
        unknown = [rule_id for rule_id in ids(answer) if rule_id not in known]
        if unknown:
            raise ValueError(
                f"no rule has the id {', '.join(unknown)}; use only these ids: "
                f"{', '.join(sorted(known)) or '(the world has no rules)'}"
            )

    return check


def _consistency_check(context: SegmentContext) -> Callable[[ConsistencyJudgment], None]:
    rules = _rule_check(context, lambda answer: [f.rule_id for f in answer.findings])
    text = _flat(context.text)

    def check(answer: ConsistencyJudgment) -> None:
        rules(answer)
        missing = [
            f.quote for f in answer.findings if not f.quote.strip() or _flat(f.quote) not in text
        ]
        if missing:
            raise ValueError(
                f"these quotes are not in the segment: {'; '.join(missing)[:500]}; copy the "
                "passages exactly"
            )

    return check


def consistency_result(
    context: SegmentContext, answer: ConsistencyJudgment
) -> tuple[ConsistencyResult, float]:
    statements = {rule.id: rule.statement for rule in context.rules}
    findings = [
        CheckedFinding(**finding.model_dump(), statement=statements[finding.rule_id])
        for finding in answer.findings
    ]
    counts = {verdict: 0 for verdict in ("applies", "strains", "violates")}
    for finding in findings:
        counts[finding.verdict] += 1
    total = sum(counts.values())
    # 100 when nothing strains or breaks a rule; a violation costs a full point, a strain half.
    score = (
        100.0 if not total else 100 * (1 - (counts["violates"] + 0.5 * counts["strains"]) / total)
    )
    return ConsistencyResult(findings=findings, summary=answer.summary, counts=counts), score


def quality_result(answer: QualityJudgment) -> tuple[QualityResult, float]:
    average = sum(getattr(answer, name).score for name in QUALITY_CRITERIA) / len(QUALITY_CRITERIA)
    return QualityResult(**answer.model_dump(), average=round(average, 2)), average / 5 * 100


def information_gain_result(
    context: SegmentContext, answer: InformationGainJudgment
) -> tuple[InformationGainResult, float]:
    """Measured, not judged: the novelty of the segment and of each new element named."""
    overall, measured = novelty.text_novelty(context.text, context.lore)
    per_element, _ = novelty.novelty(answer.new_elements, context.lore)
    result = InformationGainResult(
        new_elements=[
            Element(text=t, novelty=n)
            for t, n in zip(answer.new_elements, per_element, strict=True)
        ],
        rules_challenged=answer.rules_challenged,
        questions_opened=answer.questions_opened,
        novelty=overall,
        lore_passages=measured,
    )
    return result, overall


async def judge_segment(actor: Actor, kind: EvaluationKind, context: SegmentContext) -> Verdict:
    """Judge a segment (or draft) with one of the three segment evaluators and measure what
    code can, as one of the person's evaluations today; no session is open here."""
    scored: tuple[BaseModel, float]
    judged: Judgment[Any]
    async with quotas.spending(actor, Meter.EVALUATIONS):
        if kind == EvaluationKind.CONSISTENCY:
            judged = await judge(
                CONSISTENCY, _prompt(context), ConsistencyJudgment, _consistency_check(context)
            )
            scored = consistency_result(context, judged.answer)
        elif kind == EvaluationKind.QUALITY:
            judged = await judge(QUALITY, _prompt(context), QualityJudgment)
            scored = quality_result(judged.answer)
        elif kind == EvaluationKind.INFORMATION_GAIN:
            judged = await judge(
                INFORMATION_GAIN,
                _prompt(context),
                InformationGainJudgment,
                _rule_check(context, lambda answer: [c.rule_id for c in answer.rules_challenged]),
            )
            scored = await asyncio.to_thread(information_gain_result, context, judged.answer)
        else:
            raise ValueError(f"{kind} is not a segment evaluator")
    result, score = scored
    return Verdict(
        kind,
        context.world_id,
        context.target,
        result,
        score,
        judged.model,
        story_id=context.story_id,
        segment_id=context.segment_id,
    )


def read_segment(
    session: Session, actor: Actor, target: SegmentTarget, world_id: uuid.UUID | None
) -> SegmentContext:
    """What judging `target` needs, read as the actor (the conversation's world for a draft)."""
    return evaluations.segment_context(
        session,
        actor,
        segment_id=target.segment_id,
        draft=target.draft,
        story_id=target.story_id,
        world_id=world_id,
    )


async def evaluate_segment(
    actor: Actor,
    kind: EvaluationKind,
    target: SegmentTarget,
    *,
    world_id: uuid.UUID | None = None,
    source: EvaluationSource = EvaluationSource.PERSON,
) -> Evaluation:
    """Judge a segment (or draft) and keep the result, each read and write in a short
    transaction of its own in a worker thread."""
    context = await asyncio.to_thread(_read, actor, target, world_id)
    verdict = await judge_segment(actor, kind, context)
    return await asyncio.to_thread(keep, verdict, actor, source)


def _read(actor: Actor, target: SegmentTarget, world_id: uuid.UUID | None) -> SegmentContext:
    with session_scope() as session:
        return read_segment(session, actor, target, world_id)
