"""List items of a world carry stable ids: a change names the item it means, so it still edits
the right rule after others were inserted before it; and a change made from a version that is
no longer current is refused."""

from __future__ import annotations

from typing import Literal

import pytest
from sqlmodel import Session

from dsf_app.errors import Invalid
from dsf_app.services import foundation_edits, worlds
from dsf_app.services.world_updates import WorldUpdate, update_world
from dsf_app.world_schema import with_item_ids
from tests.factories import last_change, make_actor, make_world

FOUNDATION = {
    "core_premise": "The tides stopped.",
    "rules": [
        {"statement": "Kelp feeds the grid."},
        {"id": "r-salt", "statement": "Salt is money."},
    ],
    "technology": [{"name": "Brine batteries"}],
    "history": {"timeline": [{"event": "The Still Year", "when": "2040"}]},
    "deep_focus_areas": ["energy", "trade"],
}


def _update(
    path: str, value: object, operation: Literal["add", "update", "remove"] = "update"
) -> WorldUpdate:
    return WorldUpdate(path=path, operation=operation, value=value, reason="test")


def test_every_list_item_gets_an_id_when_written_and_keeps_it(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    rules = world.foundation["rules"]
    assert rules[1]["id"] == "r-salt"
    assert rules[0]["id"].startswith("r-") and rules[0]["id"] != "r-salt"
    assert world.foundation["technology"][0]["id"]
    assert world.foundation["history"]["timeline"][0]["id"]
    assert world.foundation["deep_focus_areas"] == ["energy", "trade"]

    kelp = rules[0]["id"]
    update_world(
        session,
        ada,
        world.id,
        [_update(f"rules.{kelp}.statement", "Kelp and sun.")],
        author="agent",
    )
    again = worlds.get_world(session, ada, world.id)
    assert [r["id"] for r in again.foundation["rules"]] == [kelp, "r-salt"]


def test_an_update_by_id_edits_the_right_rule_after_one_was_inserted_before_it(
    session: Session,
) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    salt_position_when_read = 1
    # Someone else inserts a rule before "r-salt" (add at an item's path inserts before it).
    update_world(
        session,
        ada,
        world.id,
        [_update("rules.r-salt", {"statement": "Storms are scheduled."}, "add")],
        author="person",
    )
    world = update_world(
        session,
        ada,
        world.id,
        [_update("rules.r-salt.statement", "Salt was money.")],
        author="agent",
    )
    statements = [rule["statement"] for rule in world.foundation["rules"]]
    assert statements == ["Kelp feeds the grid.", "Storms are scheduled.", "Salt was money."]
    assert (
        world.foundation["rules"][salt_position_when_read]["statement"] == "Storms are scheduled."
    )
    assert last_change(session, ada, world).path == "rules.r-salt.statement"


def test_objects_are_not_addressed_by_position_but_plain_lists_are(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    with pytest.raises(Invalid, match=r"no item with id '0'.*r-salt"):
        update_world(session, ada, world.id, [_update("rules.0.statement", "x")], author="agent")
    world = update_world(
        session, ada, world.id, [_update("deep_focus_areas.1", "ocean trade")], author="agent"
    )
    assert world.foundation["deep_focus_areas"] == ["energy", "ocean trade"]


def test_a_replaced_item_keeps_its_id(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    world = update_world(
        session,
        ada,
        world.id,
        [_update("rules.r-salt", {"statement": "Salt is history."})],
        author="agent",
    )
    assert world.foundation["rules"][1] == {"statement": "Salt is history.", "id": "r-salt"}


def test_a_change_from_an_old_version_is_refused(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    update_world(
        session, ada, world.id, [_update("core_premise", "The tides slowed.")], author="person"
    )
    with pytest.raises(
        Invalid, match=r"version 2 now, not version 1 that you read.*load the world"
    ):
        update_world(
            session,
            ada,
            world.id,
            [_update("core_premise", "Stale.")],
            author="agent",
            expected_version=1,
        )
    world = update_world(
        session,
        ada,
        world.id,
        [_update("core_premise", "Fresh.")],
        author="agent",
        expected_version=2,
    )
    assert (world.version, world.foundation["core_premise"]) == (3, "Fresh.")


def test_hand_edits_by_position_are_written_by_id(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation=FOUNDATION)
    world = foundation_edits.save_item(
        session,
        ada,
        world.id,
        "rules",
        1,
        {"statement": "Salt is scarce."},
        reason="Drought",
        expected_version=world.version,
    )
    assert last_change(session, ada, world).path == "rules.r-salt"
    assert world.foundation["rules"][1]["id"] == "r-salt"
    world = foundation_edits.remove_item(
        session, ada, world.id, "rules", 1, reason="Gone", expected_version=world.version
    )
    assert last_change(session, ada, world).path == "rules.r-salt"
    assert [rule["statement"] for rule in world.foundation["rules"]] == ["Kelp feeds the grid."]


def test_bad_and_repeated_ids_are_replaced() -> None:
    document = {
        "rules": [
            {"id": "r-a", "statement": "one"},
            {"id": "r-a", "statement": "two"},
            {"id": "3", "statement": "three"},
            {"id": "has.dot", "statement": "four"},
        ]
    }
    ids = [rule["id"] for rule in with_item_ids(document)["rules"]]
    assert ids[0] == "r-a" and len(set(ids)) == 4
    assert not any(i.isdigit() or "." in i for i in ids)
    assert document["rules"][1]["id"] == "r-a", "the input is not modified"
