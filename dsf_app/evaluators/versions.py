"""compare_versions: what changed between two versions of a world (the diff and the rules it
touches, computed by code), which segments rely on a changed rule (found by code), and a
plain-language summary with what the change means for those segments (judged by the model)."""

from __future__ import annotations

import asyncio
import uuid

from dsf_app.db import session_scope
from dsf_app.evaluators.judge import judge
from dsf_app.evaluators.judgments import (
    AffectedSegment,
    ChangedRule,
    VersionComparisonResult,
    VersionJudgment,
)
from dsf_app.evaluators.verdict import Verdict, keep
from dsf_app.models import Evaluation, EvaluationKind, EvaluationSource, Meter
from dsf_app.services import evaluations, quotas
from dsf_app.services.actor import Actor
from dsf_app.services.evaluations import VersionContext, changed_rule_ids

MAX_DIFF_ROWS = 80
MAX_VALUE_CHARS = 300

SYSTEM = """\
You explain to a writer what changed between two versions of their science-fiction world. Say
it plainly in a few sentences: which rules and facts changed and what follows from it. Then,
for each listed segment that relies on a changed rule, say in one sentence what the change
means for it (use the segment ids exactly as listed; leave out none and add none)."""


def _prompt(context: VersionContext) -> str:
    rows = "\n".join(
        f"- {row.path} ({row.change}): {row.left[:MAX_VALUE_CHARS] or '—'} → "
        f"{row.right[:MAX_VALUE_CHARS] or '—'}"
        for row in context.diff[:MAX_DIFF_ROWS]
    )
    more = len(context.diff) - MAX_DIFF_ROWS
    segments = "\n".join(
        f"- {r.segment_id} “{r.title}” in “{r.story}” relies on {', '.join(r.rule_ids)}"
        for r in context.relying
    )
    return (
        f"World: {context.world_name}, version {context.from_version} → {context.to_version}\n"
        f"Changes:\n{rows or '(none)'}"
        + (f"\n…and {more} more" if more > 0 else "")
        + f"\n\nSegments that rely on a changed rule:\n{segments or '(none)'}"
    )


def _check(context: VersionContext):
    listed = {str(r.segment_id) for r in context.relying}

    def check(answer: VersionJudgment) -> None:
        unknown = [i.segment_id for i in answer.implications if i.segment_id not in listed]
        if unknown:
            raise ValueError(
                f"these segment ids were not listed: {', '.join(unknown)}; use only "
                f"{', '.join(sorted(listed)) or 'none (leave implications empty)'}"
            )

    return check


def comparison_result(context: VersionContext, answer: VersionJudgment) -> VersionComparisonResult:
    before = {rule.id: rule.statement for rule in context.rules_before}
    after = {rule.id: rule.statement for rule in context.rules_after}
    notes = {i.segment_id: i.implication for i in answer.implications}
    return VersionComparisonResult(
        summary=answer.summary,
        changes=len(context.diff),
        changed_paths=[row.path for row in context.diff[:MAX_DIFF_ROWS]],
        changed_rules=[
            ChangedRule(
                rule_id=rule_id, before=before.get(rule_id, ""), after=after.get(rule_id, "")
            )
            for rule_id in changed_rule_ids(context.diff, context.rules_before, context.rules_after)
        ],
        affected_segments=[
            AffectedSegment(
                segment_id=str(r.segment_id),
                story=r.story,
                title=r.title,
                rule_ids=r.rule_ids,
                implication=notes.get(str(r.segment_id), ""),
            )
            for r in context.relying
        ],
    )


async def judge_versions(actor: Actor, context: VersionContext) -> Verdict:
    """Summarise a version change and its implications, as one of the person's evaluations
    today; no session is open here."""
    async with quotas.spending(actor, Meter.EVALUATIONS):
        judged = await judge(SYSTEM, _prompt(context), VersionJudgment, _check(context))
    return Verdict(
        EvaluationKind.VERSION_COMPARISON,
        context.world_id,
        f"v{context.from_version} → v{context.to_version}",
        comparison_result(context, judged.answer),
        None,
        judged.model,
        from_version=context.from_version,
        to_version=context.to_version,
    )


async def compare_versions(
    actor: Actor,
    world_id: uuid.UUID,
    from_version: int,
    to_version: int,
    *,
    source: EvaluationSource = EvaluationSource.PERSON,
) -> Evaluation:
    """Compare two versions and keep the result, each read and write in a short transaction
    of its own in a worker thread."""
    context = await asyncio.to_thread(_read, actor, world_id, from_version, to_version)
    verdict = await judge_versions(actor, context)
    return await asyncio.to_thread(keep, verdict, actor, source)


def _read(actor: Actor, world_id: uuid.UUID, from_version: int, to_version: int) -> VersionContext:
    with session_scope() as session:
        return evaluations.version_context(session, actor, world_id, from_version, to_version)
