"""Builders for service tests: a session rolled back after each test, and new people and worlds
with unique names so tests never depend on one another."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from dsf_app.models import Asset, CollaboratorRole, Story, StorySegment, Visibility, World
from dsf_app.services import asset_files, invitations, stories, users, world_changes, worlds
from dsf_app.services.actor import Actor
from dsf_app.storage import AssetStorage, asset_key

PNG = base64.b64decode(  # one pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session whose every write (flushed by the services) is undone when the block ends."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@contextmanager
def counted_statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session's connection runs inside the block."""
    statements: list[str] = []
    connection = session.connection()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_actor(session: Session, name: str = "Ada") -> Actor:
    """A person whose email address is verified (as after following the link)."""
    user = users.create_user(session, f"{unique(name.lower())}@example.test", name)
    user.email_verified = True
    session.add(user)
    session.flush()
    return Actor.of(user)


def make_world(
    session: Session,
    owner: Actor,
    name: str = "Tidewater",
    visibility: Visibility = Visibility.PRIVATE,
    **fields: Any,
) -> World:
    world = worlds.create_world(session, owner, name, **fields)
    if visibility is not Visibility.PRIVATE:
        worlds.set_visibility(session, owner, world.id, visibility)
    return world


def last_change(session: Session, actor: Actor, world: World) -> world_changes.Change:
    """The newest line of the world's changelog."""
    return world_changes.page(session, actor, world.id, limit=1).changes[0]


def share(
    session: Session, owner: Actor, world: World, person: Actor, role: CollaboratorRole
) -> None:
    """Invite the person, and have them take the invitation up (as their next page does)."""
    user = users.get_user(session, person.user_id)
    worlds.add_collaborator(session, owner, world.id, user.email, role)
    invitations.accept(session, user)


def make_story(session: Session, author: Actor, world: World, title: str = "Low Tide") -> Story:
    return stories.create_story(session, author, world.id, title)


def make_segment(
    session: Session,
    author: Actor,
    story: Story,
    content: str = "The sea came back.",
    parent: StorySegment | None = None,
) -> StorySegment:
    parent_id = None if parent is None else parent.id
    return stories.add_segment(session, author, story.id, "", content, parent_id=parent_id)


def make_image(
    session: Session,
    owner: Actor,
    storage: AssetStorage,
    world: World,
    data: bytes,
    description: str = "",
) -> Asset:
    """An image of the world: its bytes in S3 and its row, as an upload makes them."""
    content_type = asset_files.checked_image(data)
    key = asset_key(owner.user_id, world.id, asset_files.filename_for(description, content_type))
    storage.put(key, data, content_type)
    stored = asset_files.StoredBytes(key, content_type, len(data))
    return asset_files.record_image(
        session, owner, stored, world_id=world.id, description=description
    )
