"""Every DSF tool, called by a second person with the first person's ids (as a confused or
manipulated model would), is refused with the sentence that the thing is not visible to them —
and nothing leaks, and nothing of the first person's changes in any table. The first person's
Codex entries are embedded, and the same reads by the first person find what the second's
could not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import TOOLS, execute
from dsf_app.db import session_scope
from dsf_app.models import User, World
from dsf_app.services import codex_embeddings, worlds
from dsf_app.services.access import not_visible
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.furnished import Furnished, furnish
from tests.person_rows import rows_of

SECRET = "Hidden Abyss"


# What each id of a furnished world names, in the sentence that refuses it.
THINGS = {
    "world_id": "world",
    "story_id": "story",
    "segment_id": "segment",
    "asset_id": "asset",
    "entry_id": "codex entry",
    "other_entry_id": "codex entry",
}


@pytest.fixture
def victim(dsf_in_process: Settings) -> Furnished:
    with session_scope() as session:
        actor = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Victim").id)
        world = worlds.create_world(session, actor, SECRET, f"{SECRET} description")
        furnished = furnish(session, actor, world.id, SECRET)
    # Embedded as a search embeds them, so a search that leaked could find them.
    codex_embeddings.embed_missing(actor, world.id)
    return furnished


@pytest.fixture
def intruder(dsf_in_process: Settings) -> Actor:
    with session_scope() as session:
        actor = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Intruder").id)
        worlds.create_world(session, actor, "Intruder's own world")
        return actor


def _update(path: str) -> dict[str, Any]:
    return {"path": path, "operation": "update", "value": "pwned", "reason": "x"}


FORGED_CALLS: dict[str, Callable[[Furnished], dict[str, Any]]] = {
    "world_manager load": lambda v: {"operation": "load", "world_id": str(v.world_id)},
    "world_manager update": lambda v: {
        "operation": "update",
        "world_id": str(v.world_id),
        "version": 1,
        "updates": [_update("core_premise")],
    },
    "world_manager save": lambda v: {
        "operation": "save",
        "world_id": str(v.world_id),
        "foundation": {"core_premise": "pwned"},
        "reason": "x",
        "version": 1,
    },
    "story_manager create": lambda v: {
        "operation": "create",
        "world_id": str(v.world_id),
        "title": "Mine now",
    },
    "story_manager list": lambda v: {"operation": "list", "world_id": str(v.world_id)},
    "story_manager load": lambda v: {"operation": "load", "story_id": str(v.story_id)},
    "story_manager save_segment": lambda v: {
        "operation": "save_segment",
        "story_id": str(v.story_id),
        "segment": {"content": "pwned"},
    },
    "image_generator into their world": lambda v: {"prompt": "a spy", "world_id": str(v.world_id)},
    "image_generator into their story": lambda v: {"prompt": "a spy", "story_id": str(v.story_id)},
    "image_generator into their segment": lambda v: {
        "prompt": "a spy",
        "segment_id": str(v.segment_id),
    },
    "image_generator from their image": lambda v: {
        "prompt": "a spy",
        "reference_asset_ids": [str(v.asset_id)],
    },
    "image_generator editing their image": lambda v: {
        "prompt": "a spy",
        "edit_asset_id": str(v.asset_id),
    },
    "asset_manager load": lambda v: {"operation": "load", "asset_id": str(v.asset_id)},
    "asset_manager delete": lambda v: {"operation": "delete", "asset_id": str(v.asset_id)},
    "asset_manager list": lambda v: {"operation": "list", "world_id": str(v.world_id)},
    "asset_manager copy": lambda v: {"operation": "save", "source_asset_id": str(v.asset_id)},
    "asset_manager save into their world": lambda v: {
        "operation": "save",
        "world_id": str(v.world_id),
        "data_url": "data:image/png;base64,iVBORw0KGgo=",
    },
    "codex search": lambda v: {
        "operation": "search",
        "world_id": str(v.world_id),
        "query": "keeper",
    },
    "codex get": lambda v: {
        "operation": "get",
        "world_id": str(v.world_id),
        "entry_id": str(v.entry_id),
    },
    "codex get by name": lambda v: {
        "operation": "get",
        "world_id": str(v.world_id),
        "name": f"{SECRET} keeper",
    },
    "codex create": lambda v: {
        "operation": "create",
        "world_id": str(v.world_id),
        "entry": {"name": "pwned"},
    },
    "codex update": lambda v: {
        "operation": "update",
        "world_id": str(v.world_id),
        "entry_id": str(v.entry_id),
        "changes": {"summary": "pwned"},
        "expected_version": 2,
    },
    "codex link": lambda v: {
        "operation": "link",
        "world_id": str(v.world_id),
        "entry_id": str(v.entry_id),
        "to_entry_id": str(v.other_entry_id),
    },
    "codex suggest": lambda v: {
        "operation": "suggest",
        "world_id": str(v.world_id),
        "suggestions": [{"name": "pwned"}],
    },
    "check_logical_consistency of their segment": lambda v: {"segment_id": str(v.segment_id)},
    "check_logical_consistency of a draft in their story": lambda v: {
        "draft": "A draft.",
        "story_id": str(v.story_id),
    },
    "assess_output_quality of their segment": lambda v: {"segment_id": str(v.segment_id)},
    "analyze_information_gain of their segment": lambda v: {"segment_id": str(v.segment_id)},
    "compare_versions of their world": lambda v: {
        "world_id": str(v.world_id),
        "from_version": 1,
        "to_version": 2,
    },
    "story_manager branch": lambda v: {
        "operation": "branch",
        "story_id": str(v.story_id),
        "parent_id": str(v.segment_id),
        "segment": {"content": "pwned"},
    },
    "story_manager branch an opening": lambda v: {
        "operation": "branch",
        "story_id": str(v.story_id),
        "opening": True,
        "segment": {"content": "pwned"},
    },
}


def _state(victim: Furnished) -> dict[str, list[str]]:
    """Every row of the victim's, in every table."""
    with session_scope() as session:
        return rows_of(session, _owner(session, victim).id, _owner(session, victim).email)


def _owner(session: Any, victim: Furnished) -> User:
    world = session.get(World, victim.world_id)
    owner = session.get(User, world.owner_id) if world else None
    assert owner is not None
    return owner


def _refused(result: str, victim: Furnished) -> bool:
    """The result says one of the victim's things is not visible (the same sentence whether
    it is missing or hidden)."""
    return any(
        not_visible(thing, getattr(victim, name)) in result for name, thing in THINGS.items()
    )


async def _ignore(event: TurnEvent) -> None:
    return None


@pytest.mark.parametrize("call", sorted(FORGED_CALLS))
async def test_forged_ids_are_refused_without_a_leak(
    call: str, victim: Furnished, intruder: Actor
) -> None:
    before = _state(victim)
    ctx = ToolContext(intruder, None, None, f"call_{uuid.uuid4().hex}", _ignore)
    outcome = await execute(ctx, call.split()[0], FORGED_CALLS[call](victim))
    assert outcome.status == "error"
    assert _refused(outcome.result, victim), outcome.result
    assert SECRET not in outcome.result
    assert _state(victim) == before


async def test_forged_context_ids_are_refused(victim: Furnished, intruder: Actor) -> None:
    """Even when the conversation itself names someone else's world (a forged page id)."""
    ctx = ToolContext(
        intruder, victim.world_id, victim.story_id, f"call_{uuid.uuid4().hex}", _ignore
    )
    outcome = await execute(ctx, "world_manager", {"operation": "load"})
    assert outcome.status == "error" and SECRET not in outcome.result
    assert _refused(outcome.result, victim), outcome.result


# The reads among the forged calls: made by the victim, each shows what the intruder's did not.
READS = [
    "world_manager load",
    "story_manager list",
    "story_manager load",
    "asset_manager load",
    "asset_manager list",
    "codex search",
    "codex get",
    "codex get by name",
]


@pytest.mark.parametrize("call", READS)
async def test_the_victims_own_reads_find_what_the_forged_ones_could_not(
    call: str, victim: Furnished
) -> None:
    with session_scope() as session:
        owner = Actor(_owner(session, victim).id)
    ctx = ToolContext(owner, None, None, f"call_{uuid.uuid4().hex}", _ignore)
    outcome = await execute(ctx, call.split()[0], FORGED_CALLS[call](victim))
    assert outcome.status == "success", outcome.result
    assert SECRET in outcome.result


async def test_listing_tools_show_only_the_persons_own(victim: Furnished, intruder: Actor) -> None:
    ctx = ToolContext(intruder, None, None, f"call_{uuid.uuid4().hex}", _ignore)
    outcome = await execute(ctx, "list_worlds", {})
    assert outcome.status == "success"
    assert "Intruder's own world" in outcome.result
    assert SECRET not in outcome.result


async def test_anothers_entries_are_refused_from_ones_own_world(
    victim: Furnished, intruder: Actor
) -> None:
    """The conversation is about the intruder's own world; the ids are the victim's entries."""
    with session_scope() as session:
        own = session.query(World).filter_by(owner_id=intruder.user_id).one().id
    before = _state(victim)
    for args in (
        {"operation": "get", "entry_id": str(victim.entry_id)},
        {
            "operation": "update",
            "entry_id": str(victim.entry_id),
            "changes": {"summary": "pwned"},
            "expected_version": 2,
        },
        {
            "operation": "link",
            "entry_id": str(victim.entry_id),
            "to_entry_id": str(victim.other_entry_id),
        },
    ):
        ctx = ToolContext(intruder, own, None, f"call_{uuid.uuid4().hex}", _ignore)
        outcome = await execute(ctx, "codex", args)
        assert outcome.status == "error" and SECRET not in outcome.result
        assert _refused(outcome.result, victim), outcome.result
    assert _state(victim) == before


def test_every_tool_that_takes_ids_is_covered() -> None:
    id_tools = {
        name
        for name, tool in TOOLS.items()
        if any("UUID" in str(field.annotation) for field in tool.args.model_fields.values())
    }
    covered = {call.split()[0] for call in FORGED_CALLS}
    assert id_tools <= covered | EXTRA_COVERAGE, f"add forged-id cases for {id_tools - covered}"


# Tools whose forged-id cases live beside their own tests.
EXTRA_COVERAGE: set[str] = set()
