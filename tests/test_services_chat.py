"""Chat messages: only ever the actor's own, per conversation, the last few oldest first."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentKind, Visibility
from dsf_app.services import chat, runs
from tests.factories import make_actor, make_story, make_world


def test_the_last_messages_of_a_conversation_oldest_first(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    for index in range(5):
        chat.append_message(session, person, world.id, "user", f"world message {index}")
    chat.append_message(session, person, None, "user", "to the user agent")

    recent = chat.list_messages(session, person, world.id, limit=3)
    assert [m.content for m in recent] == [f"world message {i}" for i in (2, 3, 4)]
    assert [m.content for m in chat.list_messages(session, person, None)] == ["to the user agent"]


def test_tool_calls_are_stored_with_their_run_and_story(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    story = make_story(session, person, world)
    run = runs.start_run(session, person, AgentKind.WORLD, world.id, "agent-1")

    message = chat.append_message(
        session,
        person,
        world.id,
        "assistant",
        "",
        "tool_call",
        story_id=story.id,
        run_id=run.id,
        tool_call_id="call-1",
        tool_name="world_manager",
        tool_args={"updates": [{"path": "rules.0.statement"}]},
        tool_result="ok",
        tool_status="success",
    )

    assert (message.run_id, message.story_id, message.tool_name) == (
        run.id,
        story.id,
        "world_manager",
    )
    assert message.tool_args == {"updates": [{"path": "rules.0.statement"}]}


def test_people_in_one_public_world_see_only_their_own_messages(session: Session) -> None:
    owner, reader = make_actor(session, "Owner"), make_actor(session, "Reader")
    world = make_world(session, owner, visibility=Visibility.PUBLIC)
    chat.append_message(session, owner, world.id, "user", "owner's question")
    chat.append_message(session, reader, world.id, "user", "reader's question")
    chat.append_message(session, owner, None, "user", "owner's private note")

    assert [m.content for m in chat.list_messages(session, reader, world.id)] == [
        "reader's question"
    ]
    assert chat.list_messages(session, reader, None) == []


def test_another_persons_world_story_and_run_are_not_found(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner)
    story = make_story(session, owner, world)
    run = runs.start_run(session, owner, AgentKind.USER, None, "agent-1")
    public = make_world(session, owner, "Public", visibility=Visibility.PUBLIC)

    with pytest.raises(NotFound):
        chat.append_message(session, stranger, world.id, "user", "hi")
    with pytest.raises(NotFound):
        chat.list_messages(session, stranger, world.id)
    with pytest.raises(NotFound):
        chat.append_message(session, stranger, None, "user", "hi", story_id=story.id)
    with pytest.raises(NotFound, match=f"No agent run with id {run.id}"):
        chat.append_message(session, stranger, public.id, "user", "hi", run_id=run.id)


@pytest.mark.parametrize(
    ("role", "message_type", "links", "message"),
    [
        ("", "user", {}, "message role cannot be empty"),
        ("user", "t" * 31, {}, "shorten it to at most 30"),
        ("tool", "tool_return", {"tool_args": ["x"]}, "must be an object"),
        ("tool", "tool_return", {"tool_status": "s" * 21}, "shorten it to at most 20"),
    ],
)
def test_bad_messages_are_refused(
    session: Session, role: str, message_type: str, links: dict[str, object], message: str
) -> None:
    person = make_actor(session)
    with pytest.raises(Invalid, match=message):
        chat.append_message(session, person, None, role, "content", message_type, **links)  # pyright: ignore[reportArgumentType]  (bad on purpose)


def test_a_story_must_be_from_the_conversations_world(session: Session) -> None:
    person = make_actor(session)
    story = make_story(session, person, make_world(session, person))
    other = make_world(session, person, "Other")
    with pytest.raises(Invalid, match="not part of the world"):
        chat.append_message(session, person, other.id, "user", "hi", story_id=story.id)
    with pytest.raises(NotFound):
        chat.list_messages(session, person, uuid.uuid4())
