"""What the agent reads about a canvas click: the stored spec decides the component type and
an action's label; the browser is only trusted for which action or part was clicked."""

from __future__ import annotations

from dsf_app.services.interactions import describe

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


def test_an_unknown_action_is_named_by_its_id_and_cut_short() -> None:
    described = describe(ACTION_BAR, "action", {"actionId": "x" * 100, "label": "y" * 500})
    assert described["actionId"] == "x" * 64
    assert described["label"] == "y" * 300


def test_a_click_keeps_only_the_part_and_index() -> None:
    node = {"type": "Hero", "id": "h", "props": {}}
    sent = {"part": "badge", "index": 3, "script": "alert(1)"}
    assert describe(node, "click", sent) == {"componentType": "Hero", "part": "badge", "index": "3"}


def test_a_click_on_a_component_no_longer_shown_has_no_type() -> None:
    assert describe(None, "click", {}) == {}
