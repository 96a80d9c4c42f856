"""Stories and segments: CRUD, branching orders, and who may see or change them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import CollaboratorRole, Story, StorySegment, Visibility
from dsf_app.services import stories
from dsf_app.services.actor import Actor
from tests.factories import (
    make_actor,
    make_segment,
    make_story,
    make_world,
    share,
)


def test_the_owner_creates_reads_updates_and_deletes_a_story(session: Session) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    story = stories.create_story(session, owner, world.id, " Low Tide ", "A diver's return.")
    other = stories.create_story(session, owner, world.id, "High Water")

    assert (story.title, story.author_id) == ("Low Tide", owner.user_id)
    assert stories.get_story(session, owner, story.id) is story
    assert [s.title for s in stories.list_stories(session, owner, world.id)] == [
        "High Water",
        "Low Tide",
    ]

    stories.update_story(session, owner, story.id, title="Ebb", meta={"status": "draft"})
    assert (story.title, story.description, story.meta) == (
        "Ebb",
        "A diver's return.",
        {"status": "draft"},
    )
    assert stories.list_stories(session, owner, world.id)[0].id == story.id

    stories.delete_story(session, owner, other.id)
    assert [s.id for s in stories.list_stories(session, owner, world.id)] == [story.id]


def test_segments_count_words_and_follow_one_another(session: Session) -> None:
    owner = make_actor(session)
    story = make_story(session, owner, make_world(session, owner))
    before = story.updated_at

    first = stories.add_segment(session, owner, story.id, "Dive", "The sea  came\nback.")
    second = stories.add_segment(session, owner, story.id, "Surface", "Air.")

    assert (first.order, first.word_count, first.parent_id) == (0, 4, None)
    assert (second.order, second.word_count) == (1, 1)
    assert story.updated_at > before

    edited = stories.update_segment(
        session, owner, second.id, content="Air, at last.", world_evolution={"rules_applied": [1]}
    )
    assert (edited.title, edited.word_count) == ("Surface", 3)
    assert edited.updated_at > edited.created_at
    assert edited.world_evolution == {"rules_applied": [1]}
    assert stories.get_segment(session, owner, second.id).content == "Air, at last."


def test_a_parent_with_two_children_branches(session: Session) -> None:
    owner = make_actor(session)
    story = make_story(session, owner, make_world(session, owner))
    root = make_segment(session, owner, story, "Root.")
    middle = make_segment(session, owner, story, "Middle.", parent=root)
    left = make_segment(session, owner, story, "Left branch.", parent=middle)
    right = make_segment(session, owner, story, "Right branch.", parent=middle)
    again = make_segment(session, owner, story, "Back at the root, a third way.", parent=root)
    after = make_segment(session, owner, story, "After the last.")

    assert [(s.order, s.parent_id) for s in (left, right)] == [(2, middle.id), (2, middle.id)]
    assert (again.order, after.order) == (1, 3)
    listed = stories.list_segments(session, owner, story.id)
    assert [s.id for s in listed] == [root.id, middle.id, again.id, left.id, right.id, after.id]
    page = stories.list_segments(session, owner, story.id, limit=2, offset=2)
    assert [s.id for s in page] == [again.id, left.id]

    stories.delete_segment(session, owner, middle.id)
    remaining = [s.id for s in stories.list_segments(session, owner, story.id)]
    assert remaining == [root.id, again.id, after.id]


def test_a_parent_must_belong_to_the_same_story(session: Session) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    elsewhere = make_segment(session, owner, make_story(session, owner, world, "Other"))
    story = make_story(session, owner, world)

    with pytest.raises(Invalid, match="belongs to another story"):
        stories.add_segment(session, owner, story.id, "", "Text.", parent_id=elsewhere.id)


def test_bad_stories_and_segments_are_refused(session: Session) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    story = make_story(session, owner, world)
    segment = make_segment(session, owner, story)

    # Values of the wrong type on purpose: the services check what they are given.
    refused: list[Callable[[], Any]] = [
        lambda: stories.create_story(session, owner, world.id, "  "),
        lambda: stories.create_story(session, owner, world.id, "t" * 301),
        lambda: stories.update_story(session, owner, story.id, title=""),
        lambda: stories.update_story(session, owner, story.id, meta=["tags"]),  # pyright: ignore[reportArgumentType]
        lambda: stories.add_segment(session, owner, story.id, "t" * 301, "Text."),
        lambda: stories.add_segment(session, owner, story.id, "", "x" * 200_001),
        lambda: stories.add_segment(session, owner, story.id, "", "Text.", ui_components={}),  # pyright: ignore[reportArgumentType]
        lambda: stories.update_segment(session, owner, segment.id, content=7),  # pyright: ignore[reportArgumentType]
        lambda: stories.list_segments(session, owner, story.id, limit=0),
    ]
    for call in refused:
        with pytest.raises(Invalid):
            call()


def test_a_viewer_reads_stories_but_does_not_write_them(session: Session) -> None:
    owner, viewer = make_actor(session, "Owner"), make_actor(session, "Viewer")
    world = make_world(session, owner)
    share(session, owner, world, viewer, CollaboratorRole.VIEWER)
    story = make_story(session, owner, world)
    segment = make_segment(session, owner, story)

    assert stories.get_story(session, viewer, story.id).id == story.id
    assert [s.id for s in stories.list_segments(session, viewer, story.id)] == [segment.id]
    # Values of the wrong type on purpose: the services check what they are given.
    refused: list[Callable[[], Any]] = [
        lambda: stories.update_story(session, viewer, story.id, title="Mine"),
        lambda: stories.delete_story(session, viewer, story.id),
        lambda: stories.add_segment(session, viewer, story.id, "", "More."),
        lambda: stories.update_segment(session, viewer, segment.id, content="Changed."),
        lambda: stories.delete_segment(session, viewer, segment.id),
    ]
    for call in refused:
        with pytest.raises(Forbidden, match="make you an editor"):
            call()


def test_an_editor_writes_stories(session: Session) -> None:
    owner, editor = make_actor(session, "Owner"), make_actor(session, "Editor")
    world = make_world(session, owner)
    share(session, owner, world, editor, CollaboratorRole.EDITOR)
    story = make_story(session, owner, world)

    segment = make_segment(session, editor, story, "An editor's scene.")
    stories.update_story(session, editor, story.id, description="Edited.")
    stories.delete_segment(session, editor, segment.id)
    stories.delete_story(session, editor, story.id)
    assert stories.list_stories(session, owner, world.id) == []


StoryCall = Callable[[Session, Actor, Story, StorySegment], object]

STORY_CALLS: dict[str, StoryCall] = {
    "get_story": lambda s, a, st, sg: stories.get_story(s, a, st.id),
    "update_story": lambda s, a, st, sg: stories.update_story(s, a, st.id, title="T"),
    "delete_story": lambda s, a, st, sg: stories.delete_story(s, a, st.id),
    "add_segment": lambda s, a, st, sg: stories.add_segment(s, a, st.id, "", "Text."),
    "list_segments": lambda s, a, st, sg: stories.list_segments(s, a, st.id),
    "get_segment": lambda s, a, st, sg: stories.get_segment(s, a, sg.id),
    "update_segment": lambda s, a, st, sg: stories.update_segment(s, a, sg.id, title="T"),
    "delete_segment": lambda s, a, st, sg: stories.delete_segment(s, a, sg.id),
}


@pytest.mark.parametrize("call", STORY_CALLS.values(), ids=STORY_CALLS.keys())
def test_another_persons_stories_and_segments_are_not_found_by_every_function(
    session: Session, call: StoryCall
) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    story = make_story(session, owner, make_world(session, owner))
    segment = make_segment(session, owner, story)

    with pytest.raises(NotFound, match="is visible to you"):
        call(session, stranger, story, segment)


def test_a_strangers_segment_cannot_be_a_parent(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    hidden = make_segment(session, owner, make_story(session, owner, make_world(session, owner)))
    mine = make_story(session, stranger, make_world(session, stranger))

    with pytest.raises(NotFound, match=f"No segment with id {hidden.id}"):
        stories.add_segment(session, stranger, mine.id, "", "Text.", parent_id=hidden.id)


def test_missing_stories_and_segments_are_not_found(session: Session) -> None:
    owner = make_actor(session)
    with pytest.raises(NotFound, match="No story with id"):
        stories.get_story(session, owner, uuid.uuid4())
    with pytest.raises(NotFound, match="No segment with id"):
        stories.get_segment(session, owner, uuid.uuid4())


def test_public_stories_are_readable_not_writable(session: Session) -> None:
    owner, reader = make_actor(session, "Owner"), make_actor(session, "Reader")
    story = make_story(session, owner, make_world(session, owner, visibility=Visibility.PUBLIC))
    segment = make_segment(session, owner, story)

    assert stories.get_segment(session, reader, segment.id).id == segment.id
    with pytest.raises(Forbidden):
        stories.add_segment(session, reader, story.id, "", "Fan fiction.", parent_id=segment.id)
