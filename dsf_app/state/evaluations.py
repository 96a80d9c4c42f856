"""The evaluations a reader sees: in the story reader's margin, each segment's checks (newest
first, so scores can be followed over time) with buttons to run them; on the world page, the
summaries of version comparisons. Evaluators call the model, so they run as background events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from dsf_app.db import session_scope
from dsf_app.errors import DSFError
from dsf_app.evaluators import compare_versions, evaluate_segment
from dsf_app.evaluators.judgments import QUALITY_CRITERIA
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import Evaluation, EvaluationKind
from dsf_app.services import evaluations, validation
from dsf_app.state.auth import ActsForPerson, current_actor
from dsf_app.state.feedback import when
from dsf_app.state.refresh import on_change
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
VERDICT_TONES = {"applies": "grass", "strains": "amber", "violates": "red"}


@dataclass(frozen=True)
class NoteLine:
    tone: str  # a Radix color
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
                VERDICT_TONES.get(f["verdict"], "gray"),
                f"{f['verdict']} {f['rule_id']}",
                f"“{f['quote']}” — {f['reason']}",
            )
            for f in result.get("findings", [])
        ]
    if evaluation.kind == EvaluationKind.QUALITY:
        return f"Average {result.get('average', 0)} of 5", [
            NoteLine("cyan", f"{name} {result[name]['score']}/5", result[name]["reason"])
            for name in QUALITY_CRITERIA
            if name in result
        ]
    if evaluation.kind == EvaluationKind.INFORMATION_GAIN:
        return (
            f"Novelty {result.get('novelty', 0):.0f} / 100 against "
            f"{result.get('lore_passages', 0)} passages of lore",
            [
                NoteLine("cyan", f"new · novelty {e['novelty']:.0f}", e["text"])
                for e in result.get("new_elements", [])
            ]
            + [
                NoteLine("amber", f"challenges {c['rule_id']}", c["how"])
                for c in result.get("rules_challenged", [])
            ]
            + [NoteLine("violet", "question", q) for q in result.get("questions_opened", [])],
        )
    return result.get("summary", ""), [
        NoteLine("amber", f"rule {r['rule_id']}", f"{r['before'] or '—'} → {r['after'] or '—'}")
        for r in result.get("changed_rules", [])
    ] + [
        NoteLine(
            "violet",
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


class StoryEvaluationsState(ActsForPerson, rx.State):
    """The person's evaluations of the story in the URL, by segment, newest first."""

    items: list[EvaluationView] = []
    running: list[str] = []  # "<segment id>:<kind>" being evaluated now
    errors: list[EvaluationError] = []

    @rx.event
    def load(self) -> None:
        self.errors, self.running = [], []
        self._fetch()

    @rx.event
    def reload(self) -> None:
        self._fetch()

    def _fetch(self) -> None:
        story_id = route_ids(self.router.url.path)[1]
        actor = current_actor(self)
        if story_id is None or actor is None:
            self.items = []
            return
        try:
            with session_scope() as session:
                found = evaluations.for_story(session, actor, story_id)
        except DSFError:
            found = []
        self.items = [evaluation_view(e) for e in found]

    @rx.event(background=True)
    async def evaluate(self, segment_id: str, kind: str):
        """Run one evaluator on a segment; its result (or why it failed) shows in the margin."""
        key = f"{segment_id}:{kind}"
        async with self:
            if key in self.running:
                return
            try:
                actor = self.actor()
                target = SegmentTarget(segment_id=validation.identifier(segment_id, what="segment"))
                chosen = SEGMENT_KINDS[kind]
            except (DSFError, KeyError, ValueError):
                return
            self.running = [*self.running, key]
            self.errors = [e for e in self.errors if f"{e.segment_id}:{e.kind}" != key]
        error = await _attempt(lambda: evaluate_segment(actor, chosen, target))
        async with self:
            self.running = [k for k in self.running if k != key]
            if error:
                self.errors = [*self.errors, EvaluationError(segment_id, kind, error)]
            self._fetch()


class VersionComparisonState(ActsForPerson, rx.State):
    """Plain-language summaries of the differences between two versions of the world."""

    items: list[EvaluationView] = []
    running: bool = False
    error: str = ""

    @rx.event
    def load(self) -> None:
        self.error, self.running = "", False
        self._fetch()

    @rx.event
    def reload(self) -> None:
        self._fetch()

    def _world(self) -> uuid.UUID | None:
        return route_ids(self.router.url.path)[0]

    def _fetch(self) -> None:
        world_id, actor = self._world(), current_actor(self)
        if world_id is None or actor is None:
            self.items = []
            return
        try:
            with session_scope() as session:
                found = evaluations.for_versions(session, actor, world_id)
        except DSFError:
            found = []
        self.items = [evaluation_view(e) for e in found]

    @rx.event(background=True)
    async def explain(self, from_version: str, to_version: str):
        """What changed between the two versions picked in the diff, and what it implies."""
        async with self:
            if self.running:
                return
            try:
                actor, world_id = self.actor(), self._world()
                versions = (int(from_version), int(to_version))
            except (DSFError, ValueError):
                return
            if world_id is None:
                return
            self.running, self.error = True, ""
        error = await _attempt(lambda: compare_versions(actor, world_id, *versions))
        async with self:
            self.running, self.error = False, error
            self._fetch()


async def _attempt(evaluate: Callable[[], Any]) -> str:
    """Run an evaluator; its product error as a sentence ("" when it worked)."""
    try:
        await evaluate()
    except DSFError as exc:
        return str(exc)
    return ""


on_change("evaluations", StoryEvaluationsState.reload)
on_change("evaluations", VersionComparisonState.reload)
