"""Worlds: CRUD by the owner, what collaborators and strangers may do, listing and deletion."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.models import (
    AgentKind,
    AgentRun,
    Asset,
    ChatMessage,
    CollaboratorRole,
    Story,
    StorySegment,
    Visibility,
    WorldCollaborator,
    WorldState,
)
from dsf_app.services import assets, chat, invitations, runs, stories, users, worlds
from dsf_app.services.actor import Actor
from tests.factories import (
    counted_statements,
    make_actor,
    make_segment,
    make_story,
    make_world,
    share,
    unique,
)


def test_the_owner_creates_reads_updates_and_deletes_a_world(session: Session) -> None:
    owner = make_actor(session)
    world = worlds.create_world(
        session, owner, "  Tidewater ", "Drowned coasts.", foundation={"core_premise": "Seas rose."}
    )
    assert (world.name, world.version, world.visibility) == ("Tidewater", 1, Visibility.PRIVATE)
    assert worlds.get_world(session, owner, world.id) is world

    before = world.updated_at
    updated = worlds.update_world_fields(
        session, owner, world.id, description="Drowned coasts, 2140.", state="draft"
    )
    assert updated.description == "Drowned coasts, 2140."
    assert updated.state == WorldState.DRAFT
    assert updated.version == 2
    assert updated.updated_at > before
    assert updated.foundation == {"core_premise": "Seas rose."}

    assert worlds.delete_world(session, owner, world.id) == []
    with pytest.raises(NotFound):
        worlds.get_world(session, owner, world.id)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Name at least one field"),
        ({"owner_id": uuid.uuid4()}, "no editable field owner_id"),
        ({"visibility": "public"}, "no editable field visibility"),
        ({"name": "   "}, "world name cannot be empty"),
        ({"name": "x" * 201}, "shorten it to at most 200"),
        ({"state": "finished"}, "use one of: sketch, draft, detailed"),
        ({"foundation": ["rules"]}, "must be an object"),
        ({"constraints": "no magic"}, "must be a list"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    session: Session, fields: dict[str, Any], message: str
) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    with pytest.raises(Invalid, match=message):
        worlds.update_world_fields(session, owner, world.id, **fields)
    assert world.version == 1


def test_bad_new_worlds_are_refused(session: Session) -> None:
    owner = make_actor(session)
    with pytest.raises(Invalid, match="world name cannot be empty"):
        worlds.create_world(session, owner, "")
    with pytest.raises(Invalid, match="world description is 20001 characters"):
        worlds.create_world(session, owner, "Long", "d" * 20_001)
    world = make_world(session, owner)
    with pytest.raises(Invalid, match="use one of: private, shared, public"):
        worlds.set_visibility(session, owner, world.id, "everyone")


def test_list_worlds_newest_first_with_story_counts_in_one_query(session: Session) -> None:
    owner, other = make_actor(session, "Owner"), make_actor(session, "Other")
    first = make_world(session, owner, "First")
    second = make_world(session, owner, "Second")
    shared = make_world(session, other, "Shared with me")
    share(session, other, shared, owner, CollaboratorRole.VIEWER)
    make_world(session, other, "Someone else's public", visibility=Visibility.PUBLIC)
    for title in ("One", "Two"):
        make_story(session, owner, first, title)
    make_story(session, owner, second)
    worlds.update_world_fields(session, owner, first.id, description="Touched last.")

    with counted_statements(session) as statements:
        listing = worlds.list_worlds(session, owner)

    assert len(statements) == 1
    assert [(entry.world.name, entry.story_count) for entry in listing] == [
        ("First", 2),
        ("Shared with me", 0),
        ("Second", 1),
    ]


def test_list_worlds_searches_name_and_description_and_pages(session: Session) -> None:
    owner = make_actor(session)
    for index in range(5):
        make_world(session, owner, f"Reef {index}")
    make_world(session, owner, "Dunes", description="A reef of sand, 100% dry.")
    make_world(session, owner, "Ice")

    names = [entry.world.name for entry in worlds.list_worlds(session, owner, search="REEF")]
    assert names == ["Dunes", "Reef 4", "Reef 3", "Reef 2", "Reef 1", "Reef 0"]

    pages = [
        [e.world.name for e in worlds.list_worlds(session, owner, search="reef", limit=4, offset=o)]
        for o in (0, 4, 8)
    ]
    assert pages == [["Dunes", "Reef 4", "Reef 3", "Reef 2"], ["Reef 1", "Reef 0"], []]

    def found(term: str) -> list[str]:
        return [e.world.name for e in worlds.list_worlds(session, owner, search=term)]

    assert found("100%") == ["Dunes"]
    assert found("0%") == ["Dunes"]
    assert found("_") == []
    assert len(found("  ")) == 7


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (201, 0), (10, -1)])
def test_bad_pages_are_refused(session: Session, limit: int, offset: int) -> None:
    with pytest.raises(Invalid):
        worlds.list_worlds(session, make_actor(session), limit=limit, offset=offset)


def test_public_worlds_are_other_peoples_and_not_already_mine(session: Session) -> None:
    me, other = make_actor(session, "Me"), make_actor(session, "Other")
    token = unique("atlantis")
    make_world(session, me, f"My public {token}", visibility=Visibility.PUBLIC)
    make_world(session, other, f"Their private {token}")
    make_world(session, other, f"Their shared {token}", visibility=Visibility.SHARED)
    theirs = make_world(session, other, f"Their public {token}", visibility=Visibility.PUBLIC)
    joined = make_world(session, other, f"Joined public {token}", visibility=Visibility.PUBLIC)
    share(session, other, joined, me, CollaboratorRole.EDITOR)
    make_story(session, other, theirs)

    listing = worlds.list_public_worlds(session, me, search=token)

    assert [(e.world.id, e.story_count) for e in listing] == [(theirs.id, 1)]


def test_a_public_world_is_readable_but_not_writable_by_others(session: Session) -> None:
    owner, reader = make_actor(session, "Owner"), make_actor(session, "Reader")
    world = make_world(session, owner, visibility=Visibility.PUBLIC)
    story = make_story(session, owner, world)

    assert worlds.get_world(session, reader, world.id).id == world.id
    assert [s.id for s in stories.list_stories(session, reader, world.id)] == [story.id]
    with pytest.raises(Forbidden):
        worlds.update_world_fields(session, reader, world.id, name="Mine now")
    with pytest.raises(Forbidden):
        stories.create_story(session, reader, world.id, "Uninvited")
    with pytest.raises(Forbidden):
        worlds.delete_world(session, reader, world.id)
    with pytest.raises(Forbidden):
        worlds.set_visibility(session, reader, world.id, Visibility.PRIVATE)
    with pytest.raises(Forbidden, match="Only the people working on"):
        worlds.list_collaborators(session, reader, world.id)


def test_a_viewer_reads_but_does_not_write(session: Session) -> None:
    owner, viewer = make_actor(session, "Owner"), make_actor(session, "Viewer")
    world = make_world(session, owner)
    share(session, owner, world, viewer, CollaboratorRole.VIEWER)

    assert worlds.get_world(session, viewer, world.id).id == world.id
    assert [e.world.id for e in worlds.list_worlds(session, viewer)] == [world.id]
    assert [c.user_id for c in worlds.list_collaborators(session, viewer, world.id)] == [
        viewer.user_id
    ]
    with pytest.raises(Forbidden):
        worlds.update_world_fields(session, viewer, world.id, description="Edited")
    with pytest.raises(Forbidden):
        stories.create_story(session, viewer, world.id, "Mine")


def test_an_editor_writes_but_does_not_manage(session: Session) -> None:
    owner, editor = make_actor(session, "Owner"), make_actor(session, "Editor")
    stranger = make_actor(session, "Stranger")
    world = make_world(session, owner)
    share(session, owner, world, editor, CollaboratorRole.EDITOR)

    assert worlds.update_world_fields(session, editor, world.id, name="Renamed").version == 2
    assert stories.create_story(session, editor, world.id, "Editor's tale").author_id == (
        editor.user_id
    )
    stranger_email = users.get_user(session, stranger.user_id).email
    refused: list[Callable[[], object]] = [
        lambda: worlds.delete_world(session, editor, world.id),
        lambda: worlds.set_visibility(session, editor, world.id, Visibility.PUBLIC),
        lambda: worlds.add_collaborator(session, editor, world.id, stranger_email, "viewer"),
        lambda: worlds.remove_collaborator(session, editor, world.id, owner.user_id),
    ]
    for call in refused:
        with pytest.raises(Forbidden):
            call()


def test_the_owner_manages_collaborators(session: Session) -> None:
    owner, ada, bo = (make_actor(session, name) for name in ("Owner", "Ada", "Bo"))
    world = make_world(session, owner)
    ada_user = users.get_user(session, ada.user_id)

    worlds.add_collaborator(session, owner, world.id, ada_user.email.upper(), "viewer")
    invitations.accept(session, ada_user)
    changed = worlds.add_collaborator(session, owner, world.id, ada_user.email, "editor")
    assert not changed.invited and changed.role == CollaboratorRole.EDITOR
    share(session, owner, world, bo, CollaboratorRole.VIEWER)
    assert [(c.user_id, c.role) for c in worlds.list_collaborators(session, owner, world.id)] == [
        (ada.user_id, CollaboratorRole.EDITOR),
        (bo.user_id, CollaboratorRole.VIEWER),
    ]

    worlds.remove_collaborator(session, owner, world.id, ada.user_id)
    worlds.remove_collaborator(session, bo, world.id, bo.user_id)  # leaving on one's own
    assert worlds.list_collaborators(session, owner, world.id) == []
    with pytest.raises(NotFound):
        worlds.get_world(session, bo, world.id)
    with pytest.raises(NotFound, match="not a collaborator"):
        worlds.remove_collaborator(session, owner, world.id, ada.user_id)


def test_bad_collaborators_are_refused(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    owner_email = users.get_user(session, owner.user_id).email

    with pytest.raises(Invalid, match="use one of: owner, editor, viewer"):
        worlds.add_collaborator(session, owner, world.id, owner_email, "admin")
    with pytest.raises(Invalid, match="owns “Tidewater” already"):
        worlds.add_collaborator(session, owner, world.id, owner_email.upper(), "editor")
    with pytest.raises(Invalid, match="not an email address"):
        worlds.add_collaborator(session, owner, world.id, "not an email", "editor")


WorldCall = Callable[[Session, Actor, uuid.UUID], object]

WORLD_CALLS: dict[str, WorldCall] = {
    "get_world": lambda s, a, w: worlds.get_world(s, a, w),
    "update_world_fields": lambda s, a, w: worlds.update_world_fields(s, a, w, name="Taken"),
    "delete_world": lambda s, a, w: worlds.delete_world(s, a, w),
    "set_visibility": lambda s, a, w: worlds.set_visibility(s, a, w, Visibility.PUBLIC),
    "add_collaborator": lambda s, a, w: worlds.add_collaborator(s, a, w, "x@example.test"),
    "remove_collaborator": lambda s, a, w: worlds.remove_collaborator(s, a, w, a.user_id),
    "list_collaborators": lambda s, a, w: worlds.list_collaborators(s, a, w),
    "create_story": lambda s, a, w: stories.create_story(s, a, w, "Intruder"),
    "list_stories": lambda s, a, w: stories.list_stories(s, a, w),
    "list_assets": lambda s, a, w: assets.list_assets(s, a, w),
    "record_asset": lambda s, a, w: assets.record_asset(s, a, w, unique("k"), "image/png", 1),
    "append_message": lambda s, a, w: chat.append_message(s, a, w, "user", "hello"),
    "list_messages": lambda s, a, w: chat.list_messages(s, a, w),
    "start_run": lambda s, a, w: runs.start_run(s, a, AgentKind.WORLD, w, "agent-1"),
}


@pytest.mark.parametrize("call", WORLD_CALLS.values(), ids=WORLD_CALLS.keys())
def test_another_persons_private_world_is_not_found_by_every_function(
    session: Session, call: WorldCall
) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner, visibility=Visibility.SHARED)

    with pytest.raises(NotFound, match=f"No world with id {world.id} is visible to you"):
        call(session, stranger, world.id)
    assert worlds.list_worlds(session, stranger) == []


def test_deleting_a_world_removes_everything_in_it(session: Session) -> None:
    owner, viewer = make_actor(session, "Owner"), make_actor(session, "Viewer")
    world = make_world(session, owner)
    share(session, owner, world, viewer, CollaboratorRole.VIEWER)
    story = make_story(session, owner, world)
    first = make_segment(session, owner, story)
    make_segment(session, owner, story, parent=first)
    assets.record_asset(
        session, owner, world.id, "worlds/a.png", "image/png", 10, story_id=story.id
    )
    assets.record_asset(session, owner, world.id, "worlds/b.png", "image/png", 20)
    chat.append_message(session, owner, world.id, "user", "Hello, world agent.")
    run = runs.start_run(session, owner, AgentKind.WORLD, world.id, "agent-7")

    keys = worlds.delete_world(session, owner, world.id)

    assert sorted(keys) == ["worlds/a.png", "worlds/b.png"]
    remaining = {
        table.__name__: session.exec(
            select(func.count()).select_from(table).where(table.world_id == world.id)
        ).one()
        for table in (Story, Asset, WorldCollaborator, ChatMessage, AgentRun)
    }
    assert remaining == dict.fromkeys(remaining, 0)
    segments = (
        select(func.count()).select_from(StorySegment).where(StorySegment.story_id == story.id)
    )
    assert session.exec(segments).one() == 0
    session.refresh(run)
    assert run.world_id is None  # the person's run history outlives the world
