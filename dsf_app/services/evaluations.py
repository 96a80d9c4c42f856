"""Evaluations in the database: what an evaluator needs to read (a segment or a draft with its
world's rules and lore; two versions with the segments that rely on their rules), storing a
validated result, and reading a person's evaluations back.

Evaluating changes nothing in a world, so reading the world is enough to evaluate it; each
evaluation belongs to the person who asked (or whose agent asked), and they see it only while
they may still read its world.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid
from dsf_app.models import (
    Evaluation,
    EvaluationKind,
    EvaluationSource,
    Story,
    StorySegment,
    World,
)
from dsf_app.services import validation, versions
from dsf_app.services.access import (
    readable_worlds_clause,
    require_segment,
    require_story,
    require_world,
)
from dsf_app.services.actor import Actor
from dsf_app.world_schema import as_strings

# Earlier segments of the world that an information-gain check compares against, newest first.
LORE_SEGMENTS = 60
HISTORY_PER_SEGMENT = 200


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str


@dataclass(frozen=True)
class SegmentContext:
    """A segment (or draft) to judge and the world it is judged against."""

    world_id: uuid.UUID
    world_name: str
    premise: str
    rules: list[Rule]
    story_id: uuid.UUID | None
    story_title: str
    segment_id: uuid.UUID | None
    target: str  # "Part title" or "a draft"
    text: str
    lore: list[str]  # what the world already holds: its foundation and earlier segments


@dataclass(frozen=True)
class Reliance:
    segment_id: uuid.UUID
    story: str
    title: str
    rule_ids: list[str]


@dataclass(frozen=True)
class VersionContext:
    world_id: uuid.UUID
    world_name: str
    from_version: int
    to_version: int
    diff: list[versions.DiffRow]
    rules_before: list[Rule]
    rules_after: list[Rule]
    relying: list[Reliance]


def world_rules(foundation: dict[str, Any]) -> list[Rule]:
    """The foundation's rules with their ids; a rule without one is called rule-<n> (1-based)."""
    rules = foundation.get("rules") if isinstance(foundation, dict) else None
    found = []
    for index, rule in enumerate(rules if isinstance(rules, list) else [], start=1):
        if isinstance(rule, dict) and str(rule.get("statement", "")).strip():
            found.append(Rule(str(rule.get("id") or f"rule-{index}"), str(rule["statement"])))
    return found


def foundation_texts(foundation: dict[str, Any]) -> list[str]:
    """Every piece of prose in a foundation (premise, rules, technology, history…)."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value.split()) >= 3:
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(foundation)
    return texts


def segment_context(
    session: Session,
    actor: Actor,
    *,
    segment_id: uuid.UUID | None = None,
    draft: str | None = None,
    story_id: uuid.UUID | None = None,
    world_id: uuid.UUID | None = None,
) -> SegmentContext:
    """A saved segment, or a draft in a story (or world), with what it is judged against."""
    segment: StorySegment | None = None
    if segment_id is not None:
        segment = require_segment(session, actor, segment_id)
        story_id = segment.story_id
    story = require_story(session, actor, story_id) if story_id is not None else None
    world_id = story.world_id if story is not None else world_id
    if world_id is None:
        raise Invalid("Name the story the draft belongs to (story_id), or open its world.")
    world = require_world(session, actor, world_id)
    if segment is not None:
        text = segment.content
        target = segment.title or f"Part {segment.order + 1}"
    else:
        text = validation.text(draft or "", what="draft", max_length=100_000, required=True)
        target = "a draft"
    return SegmentContext(
        world_id=world.id,
        world_name=world.name,
        premise=str(world.foundation.get("core_premise", "")),
        rules=world_rules(world.foundation),
        story_id=story.id if story else None,
        story_title=story.title if story else "",
        segment_id=segment.id if segment else None,
        target=target[:300],
        text=text,
        lore=foundation_texts(world.foundation) + _earlier_segments(session, world.id, segment),
    )


def _earlier_segments(
    session: Session, world_id: uuid.UUID, segment: StorySegment | None
) -> list[str]:
    """The world's segments written before this one (all of them, for a draft)."""
    query = (
        select(StorySegment.content)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(Story.world_id == world_id)
        .order_by(col(StorySegment.created_at).desc())
        .limit(LORE_SEGMENTS)
    )
    if segment is not None:
        query = query.where(
            StorySegment.id != segment.id, StorySegment.created_at <= segment.created_at
        )
    return [text for text in session.exec(query).all() if text.strip()]


def version_context(
    session: Session, actor: Actor, world_id: uuid.UUID, from_version: int, to_version: int
) -> VersionContext:
    """The diff of two versions, their rules, and the segments that rely on a changed rule
    (naming it in their world-evolution notes)."""
    world = require_world(session, actor, world_id)
    before = versions.get_version(session, actor, world_id, from_version)
    after = versions.get_version(session, actor, world_id, to_version)
    diff = versions.diff_versions(session, actor, world_id, from_version, to_version)
    rules_before, rules_after = world_rules(before.foundation), world_rules(after.foundation)
    changed = changed_rule_ids(diff, rules_before, rules_after)
    statements = {rule.id: rule.statement for rule in rules_before if rule.id in changed}
    return VersionContext(
        world_id=world.id,
        world_name=world.name,
        from_version=from_version,
        to_version=to_version,
        diff=diff,
        rules_before=rules_before,
        rules_after=rules_after,
        relying=_relying(session, world.id, changed, statements),
    )


def changed_rule_ids(
    diff: list[versions.DiffRow], before: list[Rule], after: list[Rule]
) -> list[str]:
    """Ids of the rules a diff touches (paths `rules.<id>.…`, or `rules.<n>.…` for a rule
    stored before rules had ids), as either version names them."""
    known = {rule.id for rule in (*before, *after)}
    ids: dict[str, None] = {}
    for row in diff:
        parts = row.path.split(".")
        if len(parts) < 2 or parts[0] != "rules":
            continue
        if parts[1] in known:
            ids[parts[1]] = None
        elif parts[1].isdigit():
            index = int(parts[1])
            for rules in (before, after):
                if index < len(rules):
                    ids[rules[index].id] = None
    return list(ids)


def _relying(
    session: Session, world_id: uuid.UUID, rule_ids: list[str], statements: dict[str, str]
) -> list[Reliance]:
    if not rule_ids:
        return []
    rows = session.exec(
        select(StorySegment, Story.title)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(Story.world_id == world_id)
        .order_by(col(Story.title), col(StorySegment.order))
    ).all()
    found = []
    for segment, story_title in rows:
        notes = segment.world_evolution if isinstance(segment.world_evolution, dict) else {}
        named = " ".join(
            as_strings(notes.get("rules_applied")) + as_strings(notes.get("rules_challenged"))
        ).lower()
        hits = [
            rule_id
            for rule_id in rule_ids
            if rule_id.lower() in named
            or (statements.get(rule_id) and statements[rule_id].lower() in named)
        ]
        if hits:
            found.append(
                Reliance(
                    segment.id, story_title, segment.title or f"Part {segment.order + 1}", hits
                )
            )
    return found


def record(
    session: Session,
    actor: Actor,
    kind: EvaluationKind,
    *,
    world_id: uuid.UUID,
    target: str,
    result: dict[str, Any],
    model: str,
    score: float | None,
    source: EvaluationSource,
    story_id: uuid.UUID | None = None,
    segment_id: uuid.UUID | None = None,
    from_version: int | None = None,
    to_version: int | None = None,
) -> Evaluation:
    """Keep a validated evaluation; the world is checked again (access may have changed while
    the model was thinking)."""
    require_world(session, actor, world_id)
    evaluation = Evaluation(
        user_id=actor.user_id,
        world_id=world_id,
        story_id=story_id,
        segment_id=segment_id,
        from_version=from_version,
        to_version=to_version,
        kind=kind,
        source=source,
        target=target[:300],
        score=None if score is None else round(score, 1),
        result=result,
        model=model[:200],
    )
    session.add(evaluation)
    session.flush()
    return evaluation


def _visible(actor: Actor) -> Any:
    """The actor's own evaluations, of worlds they may still read."""
    readable = select(World.id).where(readable_worlds_clause(actor))
    return and_(col(Evaluation.user_id) == actor.user_id, col(Evaluation.world_id).in_(readable))


def for_story(session: Session, actor: Actor, story_id: uuid.UUID) -> list[Evaluation]:
    """The actor's evaluations of a story's segments (newest first, a bounded history each)."""
    story = require_story(session, actor, story_id)
    rows = session.exec(
        select(Evaluation)
        .where(_visible(actor), Evaluation.story_id == story.id)
        .order_by(col(Evaluation.created_at).desc())
        .limit(HISTORY_PER_SEGMENT * 10)
    ).all()
    return list(rows)


def for_versions(
    session: Session, actor: Actor, world_id: uuid.UUID, limit: int = 20
) -> list[Evaluation]:
    """The actor's comparisons of this world's versions, newest first."""
    world = require_world(session, actor, world_id)
    return list(
        session.exec(
            select(Evaluation)
            .where(
                _visible(actor),
                Evaluation.world_id == world.id,
                Evaluation.kind == EvaluationKind.VERSION_COMPARISON,
            )
            .order_by(col(Evaluation.created_at).desc())
            .limit(limit)
        ).all()
    )
