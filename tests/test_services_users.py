"""People: one account per email address in any letter case, and their preferences."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from dsf_app.errors import Invalid, NotFound
from dsf_app.services import users
from tests.factories import make_actor, unique


def test_create_and_find_a_person_by_email_in_any_case(session: Session) -> None:
    local = unique("Vera")
    user = users.create_user(session, f"  {local}@Example.TEST ", " Vera ", "hash")

    assert user.email == f"{local.lower()}@example.test"
    assert user.name == "Vera"
    assert users.get_user(session, user.id) is user
    assert users.get_by_email(session, f"{local.upper()}@EXAMPLE.test") is user
    assert users.get_by_email(session, f"{unique('nobody')}@example.test") is None


def test_one_email_is_one_account(session: Session) -> None:
    local = unique("dup")
    users.create_user(session, f"{local}@example.test", "First")
    with pytest.raises(Invalid, match="already exists; sign in instead"):
        users.create_user(session, f"{local.upper()}@EXAMPLE.TEST", "Second")


@pytest.mark.parametrize("email", ["", "   ", "no-at-sign", "two@@example.test", "a@b", "a b@c.de"])
def test_bad_email_addresses_are_refused(session: Session, email: str) -> None:
    with pytest.raises(Invalid):
        users.create_user(session, email, "Someone")


def test_over_long_inputs_are_refused(session: Session) -> None:
    with pytest.raises(Invalid, match="shorten it to at most 320"):
        users.create_user(session, "a" * 320 + "@example.test", "Long")
    with pytest.raises(Invalid, match="name is 201 characters long"):
        users.create_user(session, f"{unique('n')}@example.test", "n" * 201)


def test_an_unknown_person_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        users.get_user(session, uuid.uuid4())


def test_preferences_merge_and_none_removes_a_key(session: Session) -> None:
    actor = make_actor(session)
    users.update_preferences(session, actor, {"theme": "dark", "model": "small"})
    merged = users.update_preferences(session, actor, {"model": None, "density": "compact"})

    assert merged == {"theme": "dark", "density": "compact"}
    session.expire_all()
    assert users.get_user(session, actor.user_id).preferences == merged


@pytest.mark.parametrize("patch", [["theme"], {"when": object()}])
def test_preferences_must_be_a_json_object(session: Session, patch: object) -> None:
    with pytest.raises(Invalid):
        users.update_preferences(session, make_actor(session), patch)  # pyright: ignore[reportArgumentType]  (bad on purpose)
