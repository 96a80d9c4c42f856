"""The canvas behind the screen: surfaces created, updated and removed by component id, the
interaction queue (limits, expiry, peek, filters), suggestions, person isolation, and the three
canvas tools run through the tool registry as an agent would call them."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dsf_app.agents import registry
from dsf_app.agents import tools as _tools  # noqa: F401  (registers the tools)
from dsf_app.agents.canvas_args import parse_canvas_args
from dsf_app.agents.context import ToolContext
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentKind, CanvasSurface, Suggestion, SuggestionStatus, Visibility
from dsf_app.models.columns import utcnow
from dsf_app.services import canvas, interactions, suggestions
from dsf_app.services.actor import Actor
from tests.factories import make_actor, make_world


def spec(raw: dict[str, Any]) -> Any:
    return parse_canvas_args({"target": "canvas-root", "spec": raw}).spec


def text(content: str, id: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "Text", "props": {"content": content}}
    return {**node, "id": id} if id else node


SCENE = {
    "type": "Stack",
    "id": "scene",
    "children": [
        {"type": "Hero", "id": "hero", "props": {"title": "The Long Dark"}},
        {
            "type": "Card",
            "id": "mara",
            "props": {"title": "Mara", "clickable": True},
            "children": [text("A diver.", "mara-bio")],
        },
        {
            "type": "Dialog",
            "id": "log",
            "props": {"trigger": {"type": "Button", "id": "log-open", "props": {"label": "Log"}}},
            "children": [text("Day 1", "day-1")],
        },
    ],
}


def ids(surface: CanvasSurface | None) -> list[str]:
    return [] if surface is None else [i for i, _ in canvas.component_ids(surface)]


# --- Surfaces ---------------------------------------------------------------------------------


def test_create_replaces_the_target_and_keeps_the_mode(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    first = canvas.show(session, person, world.id, "canvas-root", "overlay", spec(SCENE))
    assert ids(first) == ["scene", "hero", "mara", "mara-bio", "log", "log-open", "day-1"]
    assert first.mode == "overlay"

    again = canvas.show(session, person, world.id, "canvas-root", "inline", spec(text("Hi", "hi")))
    assert again.id == first.id
    assert (again.mode, ids(again)) == ("inline", ["hi"])
    assert [s.target for s in canvas.list_surfaces(session, person, world.id)] == ["canvas-root"]


def test_targets_are_listed_canvas_root_first(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    for target in ("world-gallery", "aa-custom", "story-reader", "canvas-root"):
        canvas.show(session, person, world.id, target, "inline", spec(text(target)))
    assert [s.target for s in canvas.list_surfaces(session, person, world.id)] == [
        "canvas-root",
        "story-reader",
        "world-gallery",
        "aa-custom",
    ]


def test_update_replaces_a_component_anywhere_in_the_tree(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    canvas.show(session, person, world.id, "canvas-root", "inline", spec(SCENE))

    nested = canvas.update(
        session, person, world.id, "canvas-root", spec(text("A pilot now.", "mara-bio")), "mara-bio"
    )
    node = canvas.find_component(nested, "mara-bio")
    assert node is not None and node["props"]["content"] == "A pilot now."

    trigger = canvas.update(
        session,
        person,
        world.id,
        "canvas-root",
        spec({"type": "Badge", "id": "log-badge", "props": {"label": "Open the log"}}),
        "log-open",
    )
    assert ids(trigger) == ["scene", "hero", "mara", "mara-bio", "log", "log-badge", "day-1"]
    assert trigger.mode == "inline"

    moved = canvas.update(
        session, person, world.id, "canvas-root", spec(text("t", "hero")), "hero", mode="fullscreen"
    )
    assert moved.mode == "fullscreen"
    hero = canvas.find_component(moved, "hero")
    assert hero is not None and hero["type"] == "Text"


def test_update_without_an_id_replaces_the_whole_target(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    canvas.show(session, person, world.id, "canvas-root", "overlay", spec(SCENE))
    whole = canvas.update(session, person, world.id, "canvas-root", spec(text("New", "new")))
    assert (ids(whole), whole.mode) == (["new"], "overlay")


def test_update_refuses_an_unknown_id_and_names_the_ones_there(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    with pytest.raises(NotFound, match="shows nothing yet"):
        canvas.update(session, person, world.id, "canvas-root", spec(text("x")), "ghost")
    canvas.show(session, person, world.id, "canvas-root", "inline", spec(SCENE))
    with pytest.raises(NotFound, match=r"No component with id 'ghost'.*scene, hero, mara"):
        canvas.update(session, person, world.id, "canvas-root", spec(text("x")), "ghost")


def test_update_refuses_an_id_already_used_elsewhere_and_changes_nothing(
    session: Session,
) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    canvas.show(session, person, world.id, "canvas-root", "inline", spec(SCENE))
    with pytest.raises(Invalid, match="id 'hero' is used by more than one component"):
        canvas.update(session, person, world.id, "canvas-root", spec(text("x", "hero")), "day-1")
    surface = canvas.get_surface(session, person, world.id, "canvas-root")
    assert ids(surface) == ["scene", "hero", "mara", "mara-bio", "log", "log-open", "day-1"]


def test_update_refuses_a_tree_nested_too_deep_as_a_whole(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    deep: dict[str, Any] = text("bottom", "bottom")
    for level in range(11):
        deep = {"type": "Stack", "id": f"s{level}", "children": [deep]}
    canvas.show(session, person, world.id, "canvas-root", "inline", spec(deep))
    eleven: dict[str, Any] = text("x")
    for _ in range(10):
        eleven = {"type": "Stack", "children": [eleven]}
    with pytest.raises(Invalid, match="nest more than 12 levels"):
        canvas.update(session, person, world.id, "canvas-root", spec(eleven), "bottom")


def test_remove_by_id_and_clear(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    canvas.show(session, person, world.id, "canvas-root", "inline", spec(SCENE))

    left = canvas.remove(session, person, world.id, "canvas-root", "mara")
    assert ids(left) == ["scene", "hero", "log", "log-open", "day-1"]
    left = canvas.remove(session, person, world.id, "canvas-root", "log-open")
    assert ids(left) == ["scene", "hero", "log", "day-1"]
    with pytest.raises(NotFound):
        canvas.remove(session, person, world.id, "canvas-root", "mara")

    assert canvas.remove(session, person, world.id, "canvas-root", "scene") is None
    assert canvas.list_surfaces(session, person, world.id) == []

    canvas.show(session, person, world.id, "canvas-root", "inline", spec(SCENE))
    assert canvas.remove(session, person, world.id, "canvas-root") is None
    assert canvas.get_surface(session, person, world.id, "canvas-root") is None
    assert canvas.remove(session, person, world.id, "canvas-root") is None  # clearing twice is fine


def test_surfaces_belong_to_one_person_and_one_world(session: Session) -> None:
    owner = make_actor(session, "Ada")
    other = make_actor(session, "Grace")
    world = make_world(session, owner)
    second = make_world(session, owner, "Red Sands")
    canvas.show(session, owner, world.id, "canvas-root", "inline", spec(SCENE))
    canvas.show(session, owner, None, "canvas-root", "inline", spec(text("no world")))

    assert canvas.list_surfaces(session, other, world.id) == []
    assert canvas.list_surfaces(session, owner, second.id) == []
    assert ids(canvas.list_surfaces(session, owner, None)[0]) != ids(
        canvas.list_surfaces(session, owner, world.id)[0]
    )
    with pytest.raises(NotFound):
        canvas.update(session, other, world.id, "canvas-root", spec(text("x")), "hero")
    with pytest.raises(NotFound, match="No world"):
        canvas.show(session, other, world.id, "canvas-root", "inline", spec(text("mine now")))


def test_for_browser_fills_every_prop_and_skips_broken_roots(session: Session) -> None:
    shown = canvas.for_browser([canvas.dump(spec(SCENE)), {"type": "Script", "props": {}}])
    assert len(shown) == 1
    hero = shown[0]["children"][0]
    assert hero["props"]["subtitle"] is None and hero["props"]["title"] == "The Long Dark"


def test_snapshot_for_segment_keeps_the_inline_surfaces(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    canvas.show(session, person, world.id, "story-reader", "inline", spec(text("scene", "s1")))
    canvas.show(session, person, world.id, "canvas-root", "inline", spec(SCENE))
    canvas.show(session, person, world.id, "world-gallery", "overlay", spec(text("popup")))
    snapshot = canvas.snapshot_for_segment(session, person, world.id)
    assert [root["id"] for root in snapshot] == ["scene", "s1"]
    snapshot[0]["id"] = "changed"
    surface = canvas.get_surface(session, person, world.id, "canvas-root")
    assert surface is not None and surface.spec[0]["id"] == "scene"


# --- Interactions -----------------------------------------------------------------------------


def click(
    session: Session,
    person: Actor,
    world_id: uuid.UUID | None,
    component_id: str,
    kind: str = "click",
    target: str = "canvas-root",
    **when: Any,
) -> None:
    interactions.record(session, person, world_id, target, component_id, kind, {}, **when)


def test_take_returns_oldest_first_and_clears_unless_peeking(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    for name in ("a", "b", "c"):
        click(session, person, world.id, name)

    peeked = interactions.take(session, person, world.id, peek=True)
    assert [i["componentId"] for i in peeked] == ["a", "b", "c"]
    assert set(peeked[0]) == {"id", "timestamp", "componentId", "interactionType", "target", "data"}
    assert interactions.take(session, person, world.id, peek=True) == peeked

    taken = interactions.take(session, person, world.id)
    assert taken == peeked
    assert interactions.take(session, person, world.id) == []


def test_filters_take_only_what_matches(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    click(session, person, world.id, "hatch")
    click(session, person, world.id, "choices", "action")
    click(session, person, world.id, "hatch", "open")
    click(session, person, world.id, "gallery-pic", target="world-gallery")

    by_id = interactions.take(session, person, world.id, component_id="hatch")
    assert [(i["componentId"], i["interactionType"]) for i in by_id] == [
        ("hatch", "click"),
        ("hatch", "open"),
    ]
    by_type = interactions.take(session, person, world.id, interaction_type="action", peek=True)
    assert [i["componentId"] for i in by_type] == ["choices"]
    by_target = interactions.take(session, person, world.id, target="world-gallery")
    assert [i["componentId"] for i in by_target] == ["gallery-pic"]
    assert [i["componentId"] for i in interactions.take(session, person, world.id)] == ["choices"]


def test_at_most_a_hundred_per_person_are_kept_across_worlds_and_targets(
    session: Session,
) -> None:
    person = make_actor(session)
    world, other = make_world(session, person), make_world(session, person, "Red Sands")
    start = utcnow() - timedelta(seconds=250)
    for n in range(105):
        click(session, person, world.id, f"c{n}", now=start + timedelta(seconds=n))
    for n in range(60):
        at = start + timedelta(seconds=105 + n)
        click(session, person, other.id, f"r{n}", target="story-reader", now=at)
    click(session, person, None, "nowhere")

    kept = interactions.take(session, person, world.id, target="canvas-root")
    assert [i["componentId"] for i in kept] == [f"c{n}" for n in range(66, 105)]
    others = interactions.take(session, person, other.id)
    assert [i["componentId"] for i in others] == [f"r{n}" for n in range(60)]
    assert [i["componentId"] for i in interactions.take(session, person, None)] == ["nowhere"]


def test_clicks_at_once_cannot_pass_the_cap(engine: Engine) -> None:
    """Thirty transactions clicking at once, each committing: the lock per person lines them
    up, so the queue never holds more than a hundred."""
    with Session(engine) as session:
        person = make_actor(session)
        world_id = make_world(session, person).id
        session.commit()
    start = threading.Barrier(30)

    def clicks(n: int) -> None:
        with Session(engine) as session:
            start.wait()
            for k in range(5):
                click(session, person, world_id, f"t{n}-{k}", target=f"t{n}")
            session.commit()

    with ThreadPoolExecutor(30) as pool:
        list(pool.map(clicks, range(30)))
    with Session(engine) as session:
        assert len(interactions.take(session, person, world_id, peek=True)) == 100


def test_interactions_need_a_world_the_person_can_read(session: Session) -> None:
    owner, stranger = make_actor(session, "Owner"), make_actor(session, "Stranger")
    world = make_world(session, owner)
    for world_id in (world.id, uuid.uuid4()):
        with pytest.raises(NotFound, match=f"No world with id {world_id} is visible to you"):
            click(session, stranger, world_id, "peek")
    assert interactions.take(session, owner, world.id) == []


def test_interactions_expire_after_five_minutes(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    now = utcnow()
    click(session, person, world.id, "stale", now=now - timedelta(minutes=5, seconds=1))
    click(session, person, world.id, "fresh", now=now - timedelta(minutes=4, seconds=50))
    assert [i["componentId"] for i in interactions.take(session, person, world.id, peek=True)] == [
        "fresh"
    ]
    later = now + timedelta(seconds=15)
    assert interactions.take(session, person, world.id, now=later) == []


def test_queues_are_per_person_and_world(session: Session) -> None:
    ada = make_actor(session, "Ada")
    grace = make_actor(session, "Grace")
    world = make_world(session, ada, visibility=Visibility.PUBLIC)  # Grace may read it too
    other_world = make_world(session, ada, "Red Sands")
    click(session, ada, world.id, "mine")
    click(session, ada, other_world.id, "other-world")
    click(session, grace, world.id, "hers")

    assert [i["componentId"] for i in interactions.take(session, grace, world.id)] == ["hers"]
    assert [i["componentId"] for i in interactions.take(session, ada, world.id)] == ["mine"]
    assert [i["componentId"] for i in interactions.take(session, ada, other_world.id)] == [
        "other-world"
    ]


@pytest.mark.parametrize(
    ("target", "component_id", "kind", "data", "message"),
    [
        ("Canvas Root", "a", "click", {}, "canvas target"),
        ("canvas-root", "<script>", "click", {}, "id of the component"),
        ("canvas-root", "a", "onClick()", {}, "interaction type"),
        ("canvas-root", "a", "click", {"x": "y" * 20_001}, "at most 20000"),
    ],
)
def test_malformed_interactions_from_the_browser_are_refused(
    session: Session, target: str, component_id: str, kind: str, data: dict, message: str
) -> None:
    person = make_actor(session)
    with pytest.raises(Invalid, match=message):
        interactions.record(session, person, None, target, component_id, kind, data)


# --- Suggestions ------------------------------------------------------------------------------


def test_suggestions_are_offered_accepted_and_dismissed(session: Session) -> None:
    person = make_actor(session)
    world = make_world(session, person)
    low = suggestions.offer(session, person, world.id, "Map", "Draw the coast.", "map", "low")
    high = suggestions.offer(
        session, person, world.id, "Ring", "Visit the ring.", "ring", "high", "Go", {"deck": 3}
    )
    assert [s.id for s in suggestions.list_open(session, person, world.id)] == [high.id, low.id]

    accepted = suggestions.accept(session, person, high.id)
    assert accepted.status == SuggestionStatus.ACCEPTED
    assert suggestions.acceptance_message(accepted) == (
        'I accept your suggestion “Ring” (action_id: ring) with action_data {"deck": 3}.'
    )
    with pytest.raises(Invalid, match="already accepted"):
        suggestions.dismiss(session, person, high.id)
    suggestions.dismiss(session, person, low.id)
    assert suggestions.list_open(session, person, world.id) == []


def test_the_same_action_replaces_an_open_suggestion(session: Session) -> None:
    person = make_actor(session)
    first = suggestions.offer(session, person, None, "Old", "Old text.", "next")
    second = suggestions.offer(session, person, None, "New", "New text.", "next")
    assert first.id == second.id
    assert [s.title for s in suggestions.list_open(session, person, None)] == ["New"]


def test_only_the_newest_twenty_stay_open(session: Session) -> None:
    person = make_actor(session)
    for n in range(22):
        suggestions.offer(session, person, None, f"S{n}", "d", f"a{n}")
    open_ = session.exec(
        select(Suggestion).where(
            Suggestion.user_id == person.user_id, Suggestion.status == SuggestionStatus.OPEN
        )
    ).all()
    assert len(open_) == suggestions.MAX_OPEN


def test_suggestions_belong_to_one_person(session: Session) -> None:
    ada = make_actor(session, "Ada")
    grace = make_actor(session, "Grace")
    offered = suggestions.offer(session, ada, None, "Map", "Draw the coast.", "map")
    assert suggestions.list_open(session, grace, None) == []
    with pytest.raises(NotFound):
        suggestions.accept(session, grace, offered.id)


# --- The tools, as an agent calls them --------------------------------------------------------


async def _no_events(_event: Any) -> None:
    return None


def call(person: Actor, world_id: uuid.UUID | None, name: str, args: Any) -> registry.ToolOutcome:
    ctx = ToolContext(
        actor=person,
        world_id=world_id,
        story_id=None,
        tool_call_id=f"call-{uuid.uuid4().hex}",
        emit=_no_events,
    )
    outcome = asyncio.run(registry.execute(ctx, name, json.dumps(args)))
    if outcome.status == "success":
        assert ctx.changed <= {"canvas", "suggestions"}
    return outcome


@pytest.fixture
def person_and_world(dsf_in_process: Any) -> tuple[Actor, uuid.UUID]:
    with session_scope() as session:
        person = make_actor(session)
        world = make_world(session, person)
        return person, world.id


def test_the_canvas_tools_are_given_to_world_and_experience_agents() -> None:
    for name in ("canvas_ui", "get_canvas_interactions", "send_suggestion"):
        assert registry.TOOLS[name].kinds == {AgentKind.WORLD, AgentKind.EXPERIENCE}


def test_canvas_ui_tool_shows_updates_and_removes(
    person_and_world: tuple[Actor, uuid.UUID],
) -> None:
    person, world_id = person_and_world
    shown = call(person, world_id, "canvas_ui", {"target": "canvas-root", "spec": SCENE})
    assert shown.status == "success"
    result = json.loads(shown.result)
    assert result["components"]["mara"] == "Card" and result["mode"] == "inline"

    updated = call(
        person,
        world_id,
        "canvas_ui",
        {
            "target": "canvas-root",
            "action": "update",
            "component_id": "hero",
            "spec": text("T", "hero"),
        },
    )
    assert json.loads(updated.result)["components"]["hero"] == "Text"
    removed = call(person, world_id, "canvas_ui", {"target": "canvas-root", "action": "remove"})
    assert json.loads(removed.result)["cleared"] is True

    missing = call(
        person,
        world_id,
        "canvas_ui",
        {"target": "canvas-root", "action": "remove", "component_id": "hero"},
    )
    assert missing.status == "error"
    assert "canvas_ui failed: The target 'canvas-root' shows nothing yet" in missing.result


def test_an_invalid_spec_comes_back_as_an_error_and_nothing_is_stored(
    person_and_world: tuple[Actor, uuid.UUID],
) -> None:
    person, world_id = person_and_world
    bad = dict(
        SCENE,
        children=[*SCENE["children"], {"type": "Image", "props": {"src": "javascript:alert(1)"}}],
    )
    outcome = call(person, world_id, "canvas_ui", {"target": "canvas-root", "spec": bad})
    assert outcome.status == "error"
    assert outcome.result.startswith("Invalid arguments for canvas_ui: spec.children[3].props.src:")
    with session_scope() as session:
        assert canvas.list_surfaces(session, person, world_id) == []


def test_get_canvas_interactions_tool_reads_and_clears(
    person_and_world: tuple[Actor, uuid.UUID],
) -> None:
    person, world_id = person_and_world
    with session_scope() as session:
        interactions.record(session, person, world_id, "canvas-root", "mara", "click", {})
        interactions.record(session, person, world_id, "canvas-root", "log", "open", {})
    peeked = json.loads(
        call(
            person, world_id, "get_canvas_interactions", {"peek": True, "interactionType": "open"}
        ).result
    )
    assert [i["componentId"] for i in peeked["interactions"]] == ["log"]
    taken = json.loads(call(person, world_id, "get_canvas_interactions", {}).result)
    assert [i["componentId"] for i in taken["interactions"]] == ["mara", "log"]
    empty = json.loads(call(person, world_id, "get_canvas_interactions", {}).result)
    assert empty["count"] == 0 and "not clicked" in empty["note"]


def test_send_suggestion_tool_offers_a_card(person_and_world: tuple[Actor, uuid.UUID]) -> None:
    person, world_id = person_and_world
    outcome = call(
        person,
        world_id,
        "send_suggestion",
        {"title": "Visit the ring", "description": "See it.", "action_id": "visit-ring"},
    )
    assert outcome.status == "success"
    with session_scope() as session:
        assert [s.action_id for s in suggestions.list_open(session, person, world_id)] == [
            "visit-ring"
        ]
