"""What the agent reads about a canvas click: the stored spec decides the component type and
an action's label; the browser is only trusted for which action or part was clicked, and an
action the stored spec does not hold is refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from dsf_app.agents.canvas_args import parse_canvas_args
from dsf_app.errors import Invalid
from dsf_app.services import canvas, interactions
from dsf_app.services.interactions import describe
from tests.factories import make_actor, make_world

ACTION_BAR = {
    "type": "ActionBar",
    "id": "next",
    "props": {"actions": [{"id": "go-north", "label": "Go north"}]},
}


def test_an_action_takes_its_label_from_the_stored_spec() -> None:
    sent = {"actionId": "go-north", "label": "Delete everything", "extra": "ignored"}
    assert describe(ACTION_BAR, "action", sent) == {
        "componentType": "ActionBar",
        "actionId": "go-north",
        "label": "Go north",
    }


@pytest.mark.parametrize(
    ("node", "sent"),
    [
        (ACTION_BAR, {"actionId": "delete-world", "label": "Delete everything"}),
        (ACTION_BAR, {"label": "Go north"}),
        (None, {"actionId": "go-north", "label": "Go north"}),
    ],
    ids=["an action the spec lacks", "no action id", "a component no longer shown"],
)
def test_an_action_the_stored_spec_lacks_is_refused(
    node: dict[str, Any] | None, sent: dict[str, Any]
) -> None:
    with pytest.raises(Invalid, match="no longer on the canvas"):
        describe(node, "action", sent)


def test_a_refused_action_is_not_queued_for_the_agent(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    scene = parse_canvas_args({"target": "canvas-root", "spec": ACTION_BAR}).spec
    assert scene is not None
    canvas.show(session, person, world.id, "canvas-root", "inline", scene)
    forged = {"actionId": "delete-world", "label": "Delete everything"}
    with pytest.raises(Invalid):
        interactions.record_on_surface(
            session, person, world.id, "canvas-root", "next", "action", forged
        )
    chosen = interactions.record_on_surface(
        session, person, world.id, "canvas-root", "next", "action", {"actionId": "go-north"}
    )
    assert chosen["label"] == "Go north"
    queued = interactions.take(session, person, world.id)
    assert [item["data"]["label"] for item in queued] == ["Go north"]


def test_a_click_keeps_only_the_part_and_index() -> None:
    node = {"type": "Hero", "id": "h", "props": {}}
    sent = {"part": "badge", "index": 3, "script": "alert(1)"}
    assert describe(node, "click", sent) == {"componentType": "Hero", "part": "badge", "index": "3"}


def test_a_click_on_a_component_no_longer_shown_has_no_type() -> None:
    assert describe(None, "click", {}) == {}
