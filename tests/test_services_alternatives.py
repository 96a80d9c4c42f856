"""Another version of a part of a story: what the World Agent is asked for, where its branch goes
(an alternative opening for the first part), and the alternative the reader switches to."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from dsf_app.agents.tools.story_manager import StoryManagerArgs
from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import CollaboratorRole
from dsf_app.services import alternatives, reader, stories
from tests.factories import make_actor, make_segment, make_story, make_world, share


def test_another_version_branches_from_the_same_parent_and_leaves_the_rest_in_place(
    session: Session,
) -> None:
    owner = make_actor(session)
    story = make_story(session, owner, make_world(session, owner))
    # Saved as an agent's save_segment saves them: without parents, each after the last.
    opening = make_segment(session, owner, story, "The tide came in.")
    harbour = make_segment(session, owner, story, "Boats crowded the harbour.")
    storm = make_segment(session, owner, story, "Wind tore the sieves.")

    asked = alternatives.ask(session, owner, story.id, harbour.id)
    assert asked.parent_id == opening.id
    assert f"parent_id {opening.id}" in asked.message
    assert f"story_id {story.id}" in asked.message
    assert alternatives.arrived(session, owner, story.id, opening.id, asked.asked_at) is None

    other = stories.add_segment(session, owner, story.id, "", "The harbour was empty.", opening.id)
    # The storm still follows the harbour, not the newer segment at the harbour's order.
    tree = reader.outline(session, story.id)
    assert tree.nodes[storm.id].parent_id == harbour.id
    assert tree.children[opening.id] == [harbour.id, other.id]

    arrival = alternatives.arrived(session, owner, story.id, opening.id, asked.asked_at)
    assert arrival is not None
    assert arrival.segment_id == other.id
    assert tree.path(arrival.choices) == [opening.id, other.id]


def test_another_version_of_the_first_part_is_an_alternative_opening(session: Session) -> None:
    owner = make_actor(session)
    story = make_story(session, owner, make_world(session, owner))
    opening = make_segment(session, owner, story, "The tide came in.")
    harbour = make_segment(session, owner, story, "Boats crowded the harbour.")

    asked = alternatives.ask(session, owner, story.id, opening.id)
    assert asked.parent_id is None
    assert "opening true" in asked.message

    other = stories.add_segment(session, owner, story.id, "", "The tide never came.", opening=True)
    assert (other.order, other.parent_id) == (0, None)
    tree = reader.outline(session, story.id)
    assert tree.children[None] == [opening.id, other.id]
    assert tree.nodes[harbour.id].parent_id == opening.id
    arrival = alternatives.arrived(session, owner, story.id, None, asked.asked_at)
    assert arrival is not None
    assert arrival.segment_id == other.id
    assert tree.path(arrival.choices) == [other.id]

    with pytest.raises(Invalid, match="continues no segment"):
        stories.add_segment(session, owner, story.id, "", "Both.", opening.id, opening=True)


def test_only_a_writer_asks_and_only_for_a_part_of_the_story_shown(session: Session) -> None:
    owner, viewer, stranger = (make_actor(session, name) for name in ("Owner", "Viewer", "Other"))
    world = make_world(session, owner)
    share(session, owner, world, viewer, CollaboratorRole.VIEWER)
    story, elsewhere = make_story(session, owner, world), make_story(session, owner, world)
    segment = make_segment(session, owner, story)

    with pytest.raises(Forbidden, match="make you an editor"):
        alternatives.ask(session, viewer, story.id, segment.id)
    with pytest.raises(NotFound):
        alternatives.ask(session, stranger, story.id, segment.id)
    with pytest.raises(NotFound):
        alternatives.ask(session, owner, elsewhere.id, segment.id)
    with pytest.raises(NotFound):
        alternatives.arrived(session, stranger, story.id, None, segment.created_at)


def test_the_agent_asks_for_an_opening_or_a_parent_but_not_both() -> None:
    segment = {"content": "The tide never came."}
    accepted = {"operation": "branch", "opening": True, "segment": segment}
    assert StoryManagerArgs.model_validate(accepted).opening
    refused = [
        {"operation": "branch", "segment": segment},
        {
            "operation": "branch",
            "opening": True,
            "parent_id": str(uuid.uuid4()),
            "segment": segment,
        },
        {"operation": "save_segment", "opening": True, "segment": segment},
    ]
    for arguments in refused:
        with pytest.raises(ValidationError):
            StoryManagerArgs.model_validate(arguments)
