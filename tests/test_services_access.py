"""The access rules: who may read, write and manage a world, the same in Python and in SQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from dsf_app.errors import Forbidden, NotFound
from dsf_app.models import CollaboratorRole, Visibility, World
from dsf_app.services.access import (
    Permission,
    readable_worlds_clause,
    require_world,
)
from tests.factories import make_actor, make_world, share

PRIVATE, SHARED, PUBLIC = Visibility.PRIVATE, Visibility.SHARED, Visibility.PUBLIC

CASES = [
    ("the owner", PRIVATE, Permission.MANAGE),
    ("the owner", PUBLIC, Permission.MANAGE),
    (CollaboratorRole.OWNER, PRIVATE, Permission.WRITE),
    (CollaboratorRole.EDITOR, PRIVATE, Permission.WRITE),
    (CollaboratorRole.EDITOR, PUBLIC, Permission.WRITE),
    (CollaboratorRole.VIEWER, PRIVATE, Permission.READ),
    (CollaboratorRole.VIEWER, SHARED, Permission.READ),
    (CollaboratorRole.VIEWER, PUBLIC, Permission.READ),
    ("stranger", PRIVATE, Permission.NONE),
    ("stranger", SHARED, Permission.NONE),
    ("stranger", PUBLIC, Permission.READ),
]


@pytest.mark.parametrize(("relation", "visibility", "granted"), CASES)
def test_each_relation_gets_its_level_in_python_and_in_sql(
    session: Session, relation: str, visibility: Visibility, granted: Permission
) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner, visibility=visibility)
    person = owner if relation == "the owner" else make_actor(session, "Other")
    if isinstance(relation, CollaboratorRole):
        share(session, owner, world, person, relation)

    for need in (Permission.READ, Permission.WRITE, Permission.MANAGE):
        if granted >= need:
            assert require_world(session, person, world.id, need).id == world.id
        else:
            expected = Forbidden if granted >= Permission.READ else NotFound
            with pytest.raises(expected):
                require_world(session, person, world.id, need)

    def matches(clause: ColumnElement[bool]) -> bool:
        query = select(World.id).where(col(World.id) == world.id, clause)
        return session.exec(query).first() is not None

    assert matches(readable_worlds_clause(person)) == (granted >= Permission.READ)


def test_a_private_world_reads_exactly_like_a_missing_one(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner)
    missing = uuid.uuid4()

    with pytest.raises(NotFound) as hidden:
        require_world(session, stranger, world.id)
    with pytest.raises(NotFound) as absent:
        require_world(session, stranger, missing)

    assert str(hidden.value) == f"No world with id {world.id} is visible to you."
    assert str(absent.value) == f"No world with id {missing} is visible to you."


def test_refusals_say_what_to_do(session: Session) -> None:
    owner, viewer = make_actor(session, "Owner"), make_actor(session, "Viewer")
    world = make_world(session, owner, name="Brinefall")
    share(session, owner, world, viewer, CollaboratorRole.VIEWER)

    with pytest.raises(Forbidden, match="ask the owner of the world “Brinefall” to make you an"):
        require_world(session, viewer, world.id, Permission.WRITE)
    with pytest.raises(Forbidden, match="Only the owner of the world “Brinefall”"):
        require_world(session, viewer, world.id, Permission.MANAGE)
