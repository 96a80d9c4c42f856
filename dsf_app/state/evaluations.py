"""The evaluations a reader sees: in the story reader's margin, each segment's checks (newest
first, so scores can be followed over time) with buttons to run them; on the world page, the
summaries of version comparisons. Evaluators call the model, so they run as background events,
and an evaluator's failure shows beside what it was evaluating rather than as a toast."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app.agents.topics import Topic
from dsf_app.errors import DSFError, Forbidden, Invalid, NotFound
from dsf_app.evaluators import compare_versions, evaluate_segment
from dsf_app.evaluators.judgments import QUALITY_CRITERIA
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import Evaluation, EvaluationKind
from dsf_app.services import evaluations, validation
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import shows_problems, when
from dsf_app.state.refresh import reloads_on
from dsf_app.state.routes import route_ids

SEGMENT_KINDS = {
    "consistency": EvaluationKind.CONSISTENCY,
    "quality": EvaluationKind.QUALITY,
    "information_gain": EvaluationKind.INFORMATION_GAIN,
}
TITLES = {
    EvaluationKind.CONSISTENCY: "Check against the world",
    EvaluationKind.QUALITY: "Assessment",
    EvaluationKind.INFORMATION_GAIN: "What's new",
    EvaluationKind.VERSION_COMPARISON: "What changed",
}


@dataclass(frozen=True)
class NoteLine:
    mark: str  # what the line is (a verdict, "new", "challenges", "question", "rule", "segment")
    head: str
    text: str


@dataclass(frozen=True)
class EvaluationView:
    id: str
    segment_id: str
    kind: str
    title: str
    target: str
    score: str  # "70 / 100", or "" for a comparison
    when: str
    by: str  # "you" or "World Agent", and the model
    summary: str
    lines: list[NoteLine]


@dataclass(frozen=True)
class EvaluationError:
    segment_id: str
    kind: str
    message: str


def _lines(evaluation: Evaluation) -> tuple[str, list[NoteLine]]:
    """The result as a summary and lines to read, for each kind of evaluator."""
    result: dict[str, Any] = evaluation.result
    if evaluation.kind == EvaluationKind.CONSISTENCY:
        return result.get("summary", ""), [
            NoteLine(
                f["verdict"],
                f"{f['verdict']} {f['rule_id']}",
                f"“{f['quote']}” — {f['reason']}",
            )
            for f in result.get("findings", [])
        ]
    if evaluation.kind == EvaluationKind.QUALITY:
        return f"Average {result.get('average', 0)} of 5", [
            NoteLine("score", f"{name} {result[name]['score']}/5", result[name]["reason"])
            for name in QUALITY_CRITERIA
            if name in result
        ]
    if evaluation.kind == EvaluationKind.INFORMATION_GAIN:
        return (
            f"Novelty {result.get('novelty', 0):.0f} / 100 against "
            f"{result.get('lore_passages', 0)} passages of lore",
            [
                NoteLine("new", f"new · novelty {e['novelty']:.0f}", e["text"])
                for e in result.get("new_elements", [])
            ]
            + [
                NoteLine("challenges", f"challenges {c['rule_id']}", c["how"])
                for c in result.get("rules_challenged", [])
            ]
            + [NoteLine("question", "question", q) for q in result.get("questions_opened", [])],
        )
    return result.get("summary", ""), [
        NoteLine("rule", f"rule {r['rule_id']}", f"{r['before'] or '—'} → {r['after'] or '—'}")
        for r in result.get("changed_rules", [])
    ] + [
        NoteLine(
            "segment",
            f"{s['story']} · {s['title']}",
            s["implication"] or f"relies on {', '.join(s['rule_ids'])}",
        )
        for s in result.get("affected_segments", [])
    ]


def evaluation_view(evaluation: Evaluation) -> EvaluationView:
    summary, lines = _lines(evaluation)
    by = "World Agent" if evaluation.source == "agent" else "you"
    return EvaluationView(
        id=str(evaluation.id),
        segment_id=str(evaluation.segment_id or ""),
        kind=evaluation.kind,
        title=TITLES[EvaluationKind(evaluation.kind)],
        target=evaluation.target,
        score="" if evaluation.score is None else f"{evaluation.score:.0f} / 100",
        when=when(evaluation.created_at),
        by=f"by {by} · {evaluation.model}",
        summary=summary,
        lines=lines,
    )


def _story_views(session: Session, actor: Actor, story_id: uuid.UUID) -> list[EvaluationView]:
    return [evaluation_view(e) for e in evaluations.for_story(session, actor, story_id)]


def _version_views(session: Session, actor: Actor, world_id: uuid.UUID) -> list[EvaluationView]:
    return [evaluation_view(e) for e in evaluations.for_versions(session, actor, world_id)]


async def _failure(evaluate: Awaitable[Any]) -> str:
    """Run an evaluator; its product error as a sentence ("" when it worked)."""
    try:
        await evaluate
    except DSFError as exc:
        return str(exc)
    return ""


class _FollowsThePage(ActsForPerson):
    """The evaluations of what the page's URL names. When the person may not see it, the page
    itself says so; these stay empty rather than tell them twice."""

    async def _views(
        self,
        views: Callable[[Session, Actor, uuid.UUID], list[EvaluationView]],
        named: uuid.UUID | None,
    ) -> list[EvaluationView]:
        if named is None:
            return []
        try:
            return await self.act(views, named)
        except (NotFound, Forbidden):
            return []


@reloads_on(Topic.EVALUATIONS)
class StoryEvaluationsState(_FollowsThePage, rx.State):
    """The person's evaluations of the story in the URL, by segment, newest first."""

    items: rx.Field[list[EvaluationView]] = rx.field(default_factory=list)
    running: rx.Field[list[str]] = rx.field(default_factory=list)  # "<segment id>:<kind>"
    errors: rx.Field[list[EvaluationError]] = rx.field(default_factory=list)

    @rx.event
    @shows_problems
    async def load(self) -> None:
        self.errors, self.running = [], []
        self.items = await self._story()

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        self.items = await self._story()

    async def _story(self) -> list[EvaluationView]:
        return await self._views(_story_views, route_ids(self.router.url.path)[1])

    @rx.event(background=True)
    @shows_problems
    async def evaluate(self, segment_id: str, kind: str):
        """Run one evaluator on a segment; its result (or why it failed) shows in the margin.
        The model is asked with no database session open (`evaluators/`)."""
        chosen = SEGMENT_KINDS.get(kind)
        if chosen is None:
            raise Invalid("Pick one of the evaluators beside the segment.")
        target = SegmentTarget(segment_id=validation.identifier(segment_id, what="segment"))
        actor = await self.person()
        key = f"{segment_id}:{kind}"
        async with self:
            if key in self.running:
                return
            self.running = [*self.running, key]
            self.errors = [e for e in self.errors if f"{e.segment_id}:{e.kind}" != key]
        error = ""
        try:
            error = await _failure(evaluate_segment(actor, chosen, target))
        finally:
            async with self:
                self.running = [k for k in self.running if k != key]
                if error:
                    self.errors = [*self.errors, EvaluationError(segment_id, kind, error)]
        found = await self._story()
        async with self:
            self.items = found


@reloads_on(Topic.EVALUATIONS)
class VersionComparisonState(_FollowsThePage, rx.State):
    """Plain-language summaries of the differences between two versions of the world."""

    items: rx.Field[list[EvaluationView]] = rx.field(default_factory=list)
    running: rx.Field[bool] = rx.field(False)
    error: rx.Field[str] = rx.field("")

    @rx.event
    @shows_problems
    async def load(self) -> None:
        self.error, self.running = "", False
        self.items = await self._comparisons()

    @rx.event
    @shows_problems
    async def reload(self) -> None:
        self.items = await self._comparisons()

    async def _comparisons(self) -> list[EvaluationView]:
        return await self._views(_version_views, route_ids(self.router.url.path)[0])

    @rx.event(background=True)
    @shows_problems
    async def explain(self, from_version: str, to_version: str):
        """What changed between the two versions picked in the diff, and what it implies."""
        world_id = route_ids(self.router.url.path)[0]
        if world_id is None:
            raise NotFound("Open a world to compare its versions.")
        try:
            versions = (int(from_version), int(to_version))
        except ValueError as exc:
            raise Invalid("Pick two versions of the world to compare.") from exc
        actor = await self.person()
        async with self:
            if self.running:
                return
            self.running, self.error = True, ""
        error = ""
        try:
            error = await _failure(compare_versions(actor, world_id, *versions))
        finally:
            async with self:
                self.running, self.error = False, error
        found = await self._comparisons()
        async with self:
            self.items = found
