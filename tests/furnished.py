"""A world with one of everything an agent's tools can name by id, and a snapshot of what a
world holds, to show that a refused tool call changed nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from dsf_app.models import Asset, CodexEntry, CodexLink, Evaluation, Story, StorySegment, World
from dsf_app.services import assets, codex, stories
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields


@dataclass(frozen=True)
class Furnished:
    world_id: uuid.UUID
    story_id: uuid.UUID
    segment_id: uuid.UUID
    asset_id: uuid.UUID
    entry_id: uuid.UUID
    other_entry_id: uuid.UUID


def furnish(session: Session, owner: Actor, world_id: uuid.UUID, label: str) -> Furnished:
    """A story with a segment, an image and two Codex entries in the world, each named `label`…"""
    story = stories.create_story(session, owner, world_id, f"{label} story")
    segment = stories.add_segment(session, owner, story.id, f"{label} scene", f"{label} text")
    asset = assets.record_asset(
        session,
        owner,
        world_id,
        f"users/{owner.user_id}/{uuid.uuid4().hex}.png",
        "image/png",
        68,
        description=f"{label} portrait",
    )
    entry = codex.create_entry(
        session,
        owner,
        world_id,
        EntryFields(name=f"{label} keeper", summary=f"{label} lore"),
        author="person",
    )
    other = codex.create_entry(
        session, owner, world_id, EntryFields(name=f"{label} vault"), author="person"
    )
    return Furnished(world_id, story.id, segment.id, asset.id, entry.id, other.id)


def world_state(session: Session, world_id: uuid.UUID) -> tuple[Any, ...]:
    """Everything in a world that an agent's tools could change."""
    world = session.get(World, world_id)
    assert world is not None

    def count(model: type[CodexLink] | type[Evaluation]) -> int:
        return session.exec(
            select(func.count()).select_from(model).where(col(model.world_id) == world_id)
        ).one()

    segments = session.exec(
        select(func.count())
        .select_from(StorySegment)
        .join(Story, col(Story.id) == StorySegment.story_id)
        .where(Story.world_id == world_id)
    ).one()
    entries = session.exec(select(CodexEntry).where(CodexEntry.world_id == world_id)).all()
    return (
        world.version,
        dict(world.foundation),
        sorted(session.exec(select(Story.title).where(Story.world_id == world_id)).all()),
        segments,
        sorted(str(a) for a in session.exec(select(Asset.id).where(Asset.world_id == world_id))),
        sorted((e.name, e.summary, e.version, e.status, str(e.image_asset_id)) for e in entries),
        count(CodexLink),
        count(Evaluation),
    )
