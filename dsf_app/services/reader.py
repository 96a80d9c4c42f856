"""Reading a story: its segment tree, one path through it (root to leaf), the forks along that
path, and the segments of one page of the path — in a fixed, small number of queries whatever the
story's length.

A segment continues from its `parent_id`. A segment saved without one (an agent's
"save_segment" after the last one) continues from the newest segment one order before it;
segments at order 0 without a parent are alternative openings.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dsf_app.errors import NotFound
from dsf_app.models import Story, StorySegment, World
from dsf_app.services import validation
from dsf_app.services.access import (
    Permission,
    not_visible,
    require_story,
    require_world,
    world_with_level,
)
from dsf_app.services.actor import Actor

PAGE_SIZE = 40
PREVIEW_CHARS = 70


@dataclass(frozen=True)
class Node:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    order: int
    title: str
    word_count: int
    preview: str
    created_at: datetime


@dataclass(frozen=True)
class Option:
    """One continuation at a fork."""

    segment_id: uuid.UUID
    label: str
    chosen: bool
    length: int  # segments down this branch, following its first continuations


@dataclass(frozen=True)
class Fork:
    """A place on the path where the story continues in more than one way."""

    after_position: int  # 1-based position on the path of the segment before the fork; 0: opening
    after_title: str
    options: list[Option]


@dataclass
class Outline:
    """The story's segments without their text, as a tree."""

    nodes: dict[uuid.UUID, Node]
    children: dict[uuid.UUID | None, list[uuid.UUID]] = field(default_factory=dict)

    def path(self, choices: Mapping[uuid.UUID | None, uuid.UUID]) -> list[uuid.UUID]:
        """Root to leaf, taking the chosen continuation at each fork (else the first)."""
        path: list[uuid.UUID] = []
        at: uuid.UUID | None = None
        while next_ids := self.children.get(at):
            chosen = choices.get(at)
            at = chosen if chosen is not None and chosen in next_ids else next_ids[0]
            path.append(at)
        return path

    def forks(self, path: list[uuid.UUID]) -> list[Fork]:
        forks = []
        for position, parent in enumerate([None, *path[:-1]]):
            options = self.children.get(parent, [])
            if len(options) < 2:
                continue
            taken = path[position]
            forks.append(
                Fork(
                    after_position=position,
                    after_title=self.label(parent) if parent else "the opening",
                    options=[
                        Option(
                            segment_id=option,
                            label=self.label(option),
                            chosen=option == taken,
                            length=self._depth(option),
                        )
                        for option in options
                    ],
                )
            )
        return forks

    def _depth(self, start: uuid.UUID) -> int:
        depth, at = 1, start
        while next_ids := self.children.get(at):
            at = next_ids[0]
            depth += 1
        return depth

    def label(self, segment_id: uuid.UUID) -> str:
        node = self.nodes[segment_id]
        if node.title:
            return node.title
        words = node.preview.split()
        return " ".join(words[:8]) + ("…" if len(words) > 8 else "")

    def leaf_path_through(self, segment_id: uuid.UUID) -> dict[uuid.UUID | None, uuid.UUID]:
        """The choices that put `segment_id` on the path; NotFound if it is not in this story."""
        if segment_id not in self.nodes:
            raise NotFound(not_visible("segment", segment_id))
        choices: dict[uuid.UUID | None, uuid.UUID] = {}
        at: uuid.UUID | None = segment_id
        while at is not None:
            parent = self.nodes[at].parent_id
            choices[parent] = at
            at = parent
        return choices


@dataclass(frozen=True)
class ReaderPage:
    story: Story
    world: World
    can_edit: bool
    path_length: int
    path_words: int
    page: int
    pages: int
    first_position: int  # 1-based position on the path of the first segment of this page
    segments: list[StorySegment]
    forks: list[Fork]
    fork_children: set[uuid.UUID]  # segments on this page that start a branch


def outline(session: Session, story_id: uuid.UUID) -> Outline:
    """The tree of a story the caller has already checked access to (one query)."""
    rows = session.execute(
        sa_select(
            col(StorySegment.id),
            col(StorySegment.parent_id),
            col(StorySegment.order),
            col(StorySegment.title),
            col(StorySegment.word_count),
            func.left(col(StorySegment.content), PREVIEW_CHARS),
            col(StorySegment.created_at),
        )
        .where(col(StorySegment.story_id) == story_id)
        .order_by(col(StorySegment.order), col(StorySegment.created_at), col(StorySegment.id))
    ).all()
    nodes: dict[uuid.UUID, Node] = {}
    newest_at_order: dict[int, uuid.UUID] = {}
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for seg_id, parent_id, order, title, words, preview, created in rows:
        if parent_id is None and order > 0:
            parent_id = newest_at_order.get(order - 1)
        node = Node(seg_id, parent_id, order, title, words, preview or "", created)
        nodes[seg_id] = node
        newest_at_order[order] = seg_id
        children.setdefault(parent_id, []).append(seg_id)
    # A parent named but not in this story (cannot happen through the services) reads as a root.
    for parent in [p for p in children if p is not None and p not in nodes]:
        children.setdefault(None, []).extend(children.pop(parent))
    return Outline(nodes=nodes, children=children)


def read(
    session: Session,
    actor: Actor,
    story_id: uuid.UUID,
    *,
    choices: Mapping[uuid.UUID | None, uuid.UUID] | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    show: uuid.UUID | None = None,
    world_id: uuid.UUID | None = None,
) -> ReaderPage:
    """One page of the path the reader follows through the story. With `show`, the path goes
    through that segment and the page is the one holding it. With `world_id` (the world in the
    page's URL), a story of another world is NotFound."""
    validation.page(page_size, 0)
    story = require_story(session, actor, story_id)
    if world_id is not None and story.world_id != world_id:
        raise NotFound(not_visible("story", story_id))
    world, level = world_with_level(
        session, actor, story.world_id, thing="story", thing_id=story_id
    )
    tree = outline(session, story.id)
    chosen = dict(choices or {})
    if show is not None and show in tree.nodes:
        chosen.update(tree.leaf_path_through(show))
    path = tree.path(chosen)
    pages = max(1, math.ceil(len(path) / page_size))
    if show is not None and show in path:
        page = path.index(show) // page_size + 1
    page = min(max(page, 1), pages)
    start = (page - 1) * page_size
    ids = path[start : start + page_size]
    rows = (
        {s.id: s for s in session.exec(select(StorySegment).where(col(StorySegment.id).in_(ids)))}
        if ids
        else {}
    )
    starts_branch = {
        seg for seg in ids if len(tree.children.get(tree.nodes[seg].parent_id, [])) > 1
    }
    return ReaderPage(
        story=story,
        world=world,
        can_edit=level >= Permission.WRITE,
        path_length=len(path),
        path_words=sum(tree.nodes[seg].word_count for seg in path),
        page=page,
        pages=pages,
        first_position=start + 1,
        segments=[rows[seg] for seg in ids if seg in rows],
        forks=tree.forks(path),
        fork_children=starts_branch,
    )


def choices_through(
    session: Session, actor: Actor, story_id: uuid.UUID, segment_id: uuid.UUID
) -> dict[uuid.UUID | None, uuid.UUID]:
    """The branch choices that put `segment_id` on the reader's path through the story."""
    story = require_story(session, actor, story_id)
    return outline(session, story.id).leaf_path_through(segment_id)


@dataclass(frozen=True)
class StoryCard:
    id: uuid.UUID
    title: str
    description: str
    segments: int
    words: int
    updated_at: datetime


def story_cards(
    session: Session, actor: Actor, world_id: uuid.UUID, *, limit: int = 50, offset: int = 0
) -> list[StoryCard]:
    """The world's stories with their segment and word counts, newest change first (one query)."""
    validation.page(limit, offset)
    world = require_world(session, actor, world_id)
    counts = (
        select(
            StorySegment.story_id,
            func.count(col(StorySegment.id)).label("segments"),
            func.coalesce(func.sum(StorySegment.word_count), 0).label("words"),
        )
        .where(col(StorySegment.story_id).in_(select(Story.id).where(Story.world_id == world.id)))
        .group_by(col(StorySegment.story_id))
        .subquery()
    )
    rows = session.exec(
        select(Story, counts.c.segments, counts.c.words)
        .join(counts, counts.c.story_id == Story.id, isouter=True)
        .where(Story.world_id == world.id)
        .order_by(col(Story.updated_at).desc(), col(Story.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        StoryCard(
            id=story.id,
            title=story.title,
            description=story.description,
            segments=segments or 0,
            words=int(words or 0),
            updated_at=story.updated_at,
        )
        for story, segments, words in rows
    ]
