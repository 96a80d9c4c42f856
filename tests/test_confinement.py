"""Agents stay where their turn is: every tool, given an id from another world at each place
its arguments take one, is refused with a sentence the model can act on, and nothing changes —
neither in the other world (which the person could change by hand) nor in the turn's own.

The places come from the tools' pydantic argument models, so a new tool, or a new id field, is
covered here as soon as it exists, or this test names what it needs."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from dsf_app.agents import (
    tool_scope,
    tools,  # noqa: F401  (registers the tools)
)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import TOOLS, Tool, execute
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, Asset, CollaboratorRole, Visibility
from dsf_app.services import assets, canvas, users, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.owning_world import Thing
from dsf_app.settings import Settings
from tests.factories import make_actor, make_world, share
from tests.furnished import Furnished, furnish, world_state

Path = tuple[str, ...]


def _leaves(annotation: Any) -> list[Any]:
    """The types a field's annotation is made of (inside Optional, list, Annotated, unions)."""
    args = get_args(annotation)
    return [leaf for arg in args for leaf in _leaves(arg)] if args else [annotation]


def id_paths(model: type[BaseModel], known: dict[type[BaseModel], list[Path]]) -> list[Path]:
    """Where `model` takes ids (UUID fields), nested models included; `known` caches each
    model's paths and cuts recursion (the canvas spec is recursive, and has none)."""
    if model in known:
        return known[model]
    known[model] = []
    paths: list[Path] = []
    for name, field in model.model_fields.items():
        for leaf in _leaves(field.annotation):
            if leaf is uuid.UUID:
                paths.append((name,))
            elif isinstance(leaf, type) and issubclass(leaf, BaseModel):
                paths += [(name, *rest) for rest in id_paths(leaf, known)]
    known[model] = sorted(set(paths))
    return known[model]


def _cases(kinds: set[AgentKind]) -> list[tuple[str, Path]]:
    known: dict[type[BaseModel], list[Path]] = {}
    return [
        (name, path)
        for name, tool in sorted(TOOLS.items())
        if tool.kinds & kinds
        for path in id_paths(tool.args, known)
    ]


# Agents whose turns are about a world: the World Agent and the Experience Agent it delegates to.
IN_A_WORLD = _cases({AgentKind.WORLD, AgentKind.EXPERIENCE})
# Agents whose turns are about no world: the User Agent and the Experience Agent it delegates to.
ANYWHERE = _cases({AgentKind.USER, AgentKind.EXPERIENCE})

UPDATE = {"path": "core_premise", "operation": "update", "value": "Changed.", "reason": "Asked."}
PNG = "data:image/png;base64,iVBORw0KGgo="


def base_calls(home: Furnished) -> dict[str, list[dict[str, Any]]]:
    """Valid calls of each tool that take ids, naming things of `home` (the turn's world, or
    the person's own); each case below puts a foreign id into one place of each of them."""
    return {
        "world_manager": [
            {"operation": "load"},
            {"operation": "update", "version": 1, "updates": [UPDATE]},
            {"operation": "save", "foundation": {}, "reason": "Asked.", "version": 1},
        ],
        "story_manager": [
            {"operation": "list"},
            {"operation": "create", "title": "A new story"},
            {"operation": "load", "story_id": str(home.story_id)},
            {"operation": "save_segment", "segment": {"content": "More."}},
            {
                "operation": "branch",
                "parent_id": str(home.segment_id),
                "segment": {"content": "Otherwise."},
            },
            {"operation": "delete", "story_id": str(home.story_id)},
            {"operation": "delete_segment", "segment_id": str(home.segment_id)},
        ],
        "asset_manager": [
            {"operation": "load", "asset_id": str(home.asset_id)},
            {"operation": "delete", "asset_id": str(home.asset_id)},
            {"operation": "list"},
            {"operation": "save", "data_url": PNG},
            {"operation": "save", "source_asset_id": str(home.asset_id)},
        ],
        "image_generator": [
            {"prompt": "A lighthouse."},
            {"prompt": "The keeper again.", "reference_asset_ids": [str(home.asset_id)]},
        ],
        "codex": [
            {"operation": "search", "query": "keeper"},
            {"operation": "get", "entry_id": str(home.entry_id)},
            {"operation": "create", "entry": {"name": "Newcomer"}},
            {
                "operation": "update",
                "entry_id": str(home.entry_id),
                "changes": {"summary": "Changed."},
                "expected_version": 2,
            },
            {
                "operation": "link",
                "entry_id": str(home.entry_id),
                "to_entry_id": str(home.other_entry_id),
            },
            {"operation": "delete", "entry_id": str(home.entry_id)},
        ],
        "compare_versions": [{"from_version": 1, "to_version": 2}],
        **{
            evaluator: [
                {"segment_id": str(home.segment_id)},
                {"draft": "A draft.", "story_id": str(home.story_id)},
            ]
            for evaluator in (
                "check_logical_consistency",
                "assess_output_quality",
                "analyze_information_gain",
            )
        },
    }


def foreign_id(path: Path, foreign: Furnished) -> uuid.UUID:
    thing = tool_scope.REFERENCES[path[-1]]
    return {
        Thing.WORLD: foreign.world_id,
        Thing.STORY: foreign.story_id,
        Thing.SEGMENT: foreign.segment_id,
        Thing.ASSET: foreign.asset_id,
        Thing.SOURCE_IMAGE: foreign.asset_id,
        Thing.ENTRY: foreign.entry_id,
    }[thing]


def with_id(call: dict[str, Any], path: Path, value: uuid.UUID) -> dict[str, Any]:
    changed = copy.deepcopy(call)
    place = changed
    for name in path[:-1]:
        place = place.setdefault(name, {})
    place[path[-1]] = [str(value)] if isinstance(place.get(path[-1]), list) else str(value)
    return changed


def forged_calls(
    tool: Tool[Any], path: Path, home: Furnished, foreign: Furnished
) -> list[dict[str, Any]]:
    """Each base call of the tool with the foreign id at `path`, where the tool accepts it."""
    calls = []
    for call in base_calls(home).get(tool.name, []):
        forged = with_id(call, path, foreign_id(path, foreign))
        try:
            tool.args.model_validate(forged)
        except ValidationError:
            continue
        calls.append(forged)
    assert calls, f"give {tool.name} a call in base_calls that can take {'.'.join(path)}"
    return calls


@dataclass(frozen=True)
class Scene:
    person: Actor
    home: Furnished
    home_name: str
    elsewhere: Furnished  # another world the person owns, so could change by hand
    public: Furnished  # someone else's public world, which the person may only read


def _verified(session: Session, actor: Actor) -> Actor:
    """Only a person whose email is verified may publish a world or take up an invitation."""
    users.get_user(session, actor.user_id).email_verified = True
    session.flush()
    return actor


@pytest.fixture
def scene(dsf_in_process: Settings) -> Scene:
    tag = uuid.uuid4().hex[:8]
    with session_scope() as session:
        person = _verified(session, make_actor(session, "Reader"))
        author = _verified(session, make_actor(session, "Author"))
        home = make_world(session, person, f"Harbor {tag}")
        elsewhere = make_world(session, person, f"Elsewhere {tag}")
        public = make_world(session, author, f"Open Skies {tag}", Visibility.PUBLIC)
        return Scene(
            person,
            furnish(session, person, home.id, f"Harbor {tag}"),
            home.name,
            furnish(session, person, elsewhere.id, f"Elsewhere {tag}"),
            furnish(session, author, public.id, f"Open Skies {tag}"),
        )


def _states(*places: Furnished) -> list[tuple[Any, ...]]:
    with session_scope() as session:
        return [world_state(session, place.world_id) for place in places]


async def _ignore(event: TurnEvent) -> None:
    return None


def _context(person: Actor, home: Furnished | None) -> ToolContext:
    world_id, story_id = (home.world_id, home.story_id) if home else (None, None)
    return ToolContext(person, world_id, story_id, f"call_{uuid.uuid4().hex}", _ignore)


def test_every_id_a_tool_takes_is_one_the_scope_knows() -> None:
    unknown = {path[-1] for _, path in IN_A_WORLD + ANYWHERE} - set(tool_scope.REFERENCES)
    assert not unknown, f"say in tool_scope.REFERENCES what {sorted(unknown)} name"


@pytest.mark.parametrize(
    ("tool", "path"), IN_A_WORLD, ids=lambda v: ".".join(v) if isinstance(v, tuple) else v
)
async def test_a_world_agent_is_refused_another_worlds_ids(
    tool: str, path: Path, scene: Scene
) -> None:
    before = _states(scene.home, scene.elsewhere)
    for call in forged_calls(TOOLS[tool], path, scene.home, scene.elsewhere):
        outcome = await execute(_context(scene.person, scene.home), tool, call)
        assert outcome.status == "error", call
        assert f"this agent works only in “{scene.home_name}”" in outcome.result, call
    assert _states(scene.home, scene.elsewhere) == before


@pytest.mark.parametrize(
    ("tool", "path"), ANYWHERE, ids=lambda v: ".".join(v) if isinstance(v, tuple) else v
)
async def test_the_user_agent_is_refused_public_worlds_the_person_only_reads(
    tool: str, path: Path, scene: Scene
) -> None:
    before = _states(scene.home, scene.public)
    for call in forged_calls(TOOLS[tool], path, scene.home, scene.public):
        outcome = await execute(_context(scene.person, None), tool, call)
        assert outcome.status == "error", call
        assert "this agent works only with your own worlds and those shared" in outcome.result
    assert _states(scene.home, scene.public) == before


def _image_scene(asset_id: uuid.UUID) -> dict[str, Any]:
    return {
        "action": "create",
        "target": "canvas-root",
        "spec": {"type": "Image", "id": "portrait", "props": {"src": f"/assets/{asset_id}"}},
    }


async def test_a_canvas_shows_only_the_worlds_own_images(
    scene: Scene, dsf_in_process: Settings
) -> None:
    """An image URL names an asset as surely as an asset_id does."""
    elsewhere = f"{dsf_in_process.public_origin}/assets/{scene.elsewhere.asset_id}"
    absolute = _image_scene(scene.elsewhere.asset_id)
    absolute["spec"]["props"]["src"] = elsewhere
    for forged in (_image_scene(scene.elsewhere.asset_id), absolute):
        outcome = await execute(_context(scene.person, scene.home), "canvas_ui", forged)
        assert outcome.status == "error"
        assert f"this agent works only in “{scene.home_name}”" in outcome.result
    shown = _image_scene(scene.home.asset_id)
    outcome = await execute(_context(scene.person, scene.home), "canvas_ui", shown)
    assert outcome.status == "success", outcome.result
    with session_scope() as session:
        (surface,) = canvas.list_surfaces(session, scene.person, scene.home.world_id)
    assert surface.spec[0]["props"]["src"] == f"/assets/{scene.home.asset_id}"


async def test_agents_still_act_on_their_own_worlds(scene: Scene) -> None:
    """The refusals above are about the other world, not about ids as such."""
    in_home = _context(scene.person, scene.home)
    link = {
        "operation": "link",
        "entry_id": str(scene.home.entry_id),
        "to_entry_id": str(scene.home.other_entry_id),
        "relation": "guards",
    }
    assert (await execute(in_home, "codex", link)).status == "success"
    load = {"operation": "load", "asset_id": str(scene.home.asset_id)}
    assert (await execute(_context(scene.person, scene.home), "asset_manager", load)).status == (
        "success"
    )
    # The User Agent may change a world the person edits without owning it.
    with session_scope() as session:
        owner = make_actor(session, "Owner")
        shared = make_world(session, owner, "Shared shore")
        share(session, owner, shared, scene.person, CollaboratorRole.EDITOR)
    update = {"operation": "update", "world_id": str(shared.id), "version": 1, "updates": [UPDATE]}
    outcome = await execute(_context(scene.person, None), "world_manager", update)
    assert outcome.status == "success", outcome.result
    with session_scope() as session:
        assert worlds.get_world(session, scene.person, shared.id).foundation["core_premise"] == (
            "Changed."
        )
    # It reads a world shared with the person to view; the services refuse it a change there.
    with session_scope() as session:
        viewed = make_world(session, owner, "Viewed shore")
        share(session, owner, viewed, scene.person, CollaboratorRole.VIEWER)
    load = {"operation": "load", "world_id": str(viewed.id)}
    outcome = await execute(_context(scene.person, None), "world_manager", load)
    assert outcome.status == "success", outcome.result
    update["world_id"] = str(viewed.id)
    outcome = await execute(_context(scene.person, None), "world_manager", update)
    assert outcome.status == "error"
    assert "You can read this world but not change it" in outcome.result


async def test_a_world_agent_drafts_no_new_world(scene: Scene) -> None:
    create = {"operation": "create", "name": "Spawned", "description": "Out of nowhere."}
    outcome = await execute(_context(scene.person, scene.home), "world_manager", create)
    assert outcome.status == "error"
    assert f"this agent works only in “{scene.home_name}” and drafts no other world" in (
        outcome.result
    )
    with session_scope() as session:
        names = [listing.world.name for listing in worlds.list_worlds(session, scene.person)]
    assert "Spawned" not in names


async def test_a_world_agent_cannot_touch_the_persons_own_images(scene: Scene) -> None:
    """Images a person keeps outside any world are not the world's either."""
    with session_scope() as session:
        own = assets.record_asset(
            session,
            scene.person,
            None,
            f"users/{scene.person.user_id}/{uuid.uuid4().hex}.png",
            "image/png",
            68,
        )
    delete = {"operation": "delete", "asset_id": str(own.id)}
    outcome = await execute(_context(scene.person, scene.home), "asset_manager", delete)
    assert outcome.status == "error"
    assert f"this agent works only in “{scene.home_name}”" in outcome.result
    with session_scope() as session:
        assert session.get(Asset, own.id) is not None
