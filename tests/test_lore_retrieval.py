"""What a World Agent turn is shown of the Codex, and why: names and aliases in the message, the
recent chat and the latest segment; entries near in meaning; pinned always, excluded never;
cut to the budget. Also the codex tool as the agent calls it, and the search by meaning across
everything a person may read (and nothing they may not)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import LoreUsed, TurnEvent
from dsf_app.agents.registry import execute
from dsf_app.agents.turn import TurnRequest
from dsf_app.db import session_scope
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind, ChatMessage, CodexEntry, CodexKind, World
from dsf_app.services import chat, codex, lore, runs, search, stories, turns, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.settings import Settings, get_settings
from tests.factories import make_actor
from tests.fakes.llm_server import Hangup, Reply, ScriptedLLM
from tests.turn_events import Recorder

FOUNDATION = {
    "core_premise": "Fusion failed; the oceans are farmed for power.",
    "rules": [{"statement": "Salt water corrodes every machine within a decade."}],
    "technology": [
        {"name": "Brine Battery", "how_it_works": "Stores tidal power in salt gradients."}
    ],
}
ENTRIES = [
    EntryFields(
        name="Mira Okonkwo",
        kind=CodexKind.CHARACTER,
        aliases=["Mira"],
        summary="Chief engineer of Port Saline's turbines.",
    ),
    EntryFields(
        name="Kelp Turbines",
        kind=CodexKind.ARTIFACT,
        summary="Living generators that turn ocean tides into electricity for the coast.",
    ),
    EntryFields(name="The Lantern Guild", kind=CodexKind.FACTION, summary="Keepers of lamps."),
    EntryFields(name="Old Teo", kind=CodexKind.CHARACTER, summary="A retired diver."),
    EntryFields(name="Saltmarsh", kind=CodexKind.PLACE, summary="Flooded fields."),
]


@dataclass(frozen=True)
class Lorebook:
    actor: Actor
    world_id: uuid.UUID
    ids: dict[str, uuid.UUID]


def _new_person(name: str) -> Actor:
    with session_scope() as session:
        return make_actor(session, name)


@pytest.fixture
def world(dsf_in_process: Settings) -> Lorebook:
    actor = _new_person("Ada")
    with session_scope() as session:
        made = worlds.create_world(session, actor, "Tidewater", foundation=FOUNDATION)
        ids = {
            fields.name: codex.create_entry(session, actor, made.id, fields, author="person").id
            for fields in ENTRIES
        }
    return Lorebook(actor, made.id, ids)


def _why(selection: lore.LoreSelection) -> dict[str, tuple[str, ...]]:
    return {item.name: item.reasons for item in selection.items}


def test_names_in_the_message_chat_and_segment_and_meaning(world: Lorebook) -> None:
    with session_scope() as session:
        chat.append_message(session, world.actor, world.world_id, "user", "Tell me about Old Teo.")
        story = stories.create_story(session, world.actor, world.world_id, "Low Tide")
        stories.add_segment(session, world.actor, story.id, "", "The Lantern Guild lit the quay.")
    selection = lore.prepare(
        world.actor, world.world_id, None, "How does mira keep the power running from the sea?"
    )
    why = _why(selection)
    assert why["Mira Okonkwo"][0] == "matched alias “Mira” in your message"
    assert why["Old Teo"] == ("matched name “Old Teo” in the recent chat",)
    assert why["The Lantern Guild"] == ("matched name “The Lantern Guild” in the latest segment",)
    [meaning] = why["Kelp Turbines"]  # never named: found by meaning
    assert meaning.startswith("similar in meaning 0.")
    assert "Saltmarsh" not in why
    names = [item.name for item in selection.items]
    assert names.index("Mira Okonkwo") < names.index("Old Teo") < names.index("Kelp Turbines")
    assert "## Mira Okonkwo — character (also: Mira) [matched alias “Mira”" in selection.block
    assert "Chief engineer of Port Saline's turbines." in selection.block


def test_pinned_always_excluded_never(world: Lorebook) -> None:
    with session_scope() as session:
        codex.set_flags(session, world.actor, world.ids["Saltmarsh"], pinned=True)
        codex.set_flags(session, world.actor, world.ids["Mira Okonkwo"], excluded=True)
    why = _why(lore.prepare(world.actor, world.world_id, None, "Where is Mira now?"))
    assert why["Saltmarsh"] == ("pinned",)
    assert "Mira Okonkwo" not in why


def test_the_foundation_by_name_and_meaning(world: Lorebook) -> None:
    why = _why(lore.prepare(world.actor, world.world_id, None, "Is the brine battery safe?"))
    assert why["Brine Battery"][0] == "matched name “Brine Battery” in your message"
    why = _why(lore.prepare(world.actor, world.world_id, None, "Does seawater rust the machines?"))
    statement = FOUNDATION["rules"][0]["statement"]
    assert why[statement][0].startswith("similar in meaning")


def test_what_does_not_fit_the_budget_is_left_out(
    world: Lorebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope() as session:
        codex.update_entry(
            session,
            world.actor,
            world.ids["Old Teo"],
            codex.EntryChanges(body="He dove the drowned city for forty years. " * 30),
            author="person",
            expected_version=None,
        )
    monkeypatch.setenv("DSF_LORE_BUDGET", "500")
    get_settings.cache_clear()
    try:
        selection = lore.prepare(
            world.actor, world.world_id, None, "Mira, Old Teo, Saltmarsh and the Lantern Guild"
        )
    finally:
        get_settings.cache_clear()
    assert [item.name for item in selection.used] == ["Mira Okonkwo"]
    # Old Teo's 1,500 characters do not fit in 500, and as in SillyTavern, once the budget is
    # spent nothing more comes (the entries are in order: by name, when nothing else decides).
    # "Lore used" says so.
    assert {item.name: item.left_out for item in selection.items if item.left_out} == {
        name: "left out: over the lore budget"
        for name in ("Old Teo", "Saltmarsh", "The Lantern Guild")
    }
    assert len(selection.block) <= 500 + len(lore.BLOCK_HEADER) + 2


def test_the_selection_is_kept_with_the_run_and_in_the_chat_once(world: Lorebook) -> None:
    record = turns.start(world.actor, AgentKind.WORLD, world.world_id, None, "Mira?")
    selection = lore.prepare(world.actor, world.world_id, None, "Mira?")
    row_id = lore.record(world.actor, record.run_id, selection)
    # The message sent again (Retry before Letta kept it): the same row, chosen afresh.
    again = lore.prepare(world.actor, world.world_id, None, "Mira and the Lantern Guild?")
    assert lore.record(world.actor, record.run_id, again) == row_id

    def lore_rows() -> list[ChatMessage]:
        with session_scope() as session:
            return [
                m
                for m in chat.list_messages(session, world.actor, world.world_id)
                if m.message_type == lore.LORE_ROW
            ]

    with session_scope() as session:
        stored = runs.get_run(session, world.actor, record.run_id)
    [row] = lore_rows()
    assert str(row.id) == row_id and {i["name"] for i in stored.lore} >= {"Mira Okonkwo"}
    assert lore.items_from_json(json.loads(row.content)) == list(again.items)
    assert "The Lantern Guild" in {item.name for item in again.items}
    # Nothing chosen the next time: no row.
    assert lore.record(world.actor, record.run_id, lore.LoreSelection((), lore.NO_LORE)) == ""
    assert lore_rows() == []


def test_another_persons_world_is_not_retrieved(world: Lorebook) -> None:
    from dsf_app.errors import NotFound

    with pytest.raises(NotFound):
        lore.prepare(_new_person("Eve"), world.world_id, None, "Mira?")


# ---- the turn -------------------------------------------------------------------------------


def _lore_rows(actor: Actor, run_id: uuid.UUID) -> list[ChatMessage]:
    with session_scope() as session:
        return list(
            session.exec(
                select(ChatMessage).where(
                    ChatMessage.user_id == actor.user_id,
                    ChatMessage.run_id == run_id,
                    ChatMessage.message_type == lore.LORE_ROW,
                )
            )
        )


async def test_a_turn_brings_its_lore_first_and_retry_keeps_it(
    world: Lorebook, letta_url: str, llm: ScriptedLLM
) -> None:
    message = f"Where is Mira tonight {uuid.uuid4().hex[:6]}"
    llm.on_user(message, then=[Hangup()])
    first = Recorder()
    async with connect(get_settings()) as letta:
        orchestrator = Orchestrator(letta)
        failed = await orchestrator.run_turn(
            TurnRequest(world.actor, AgentKind.WORLD, world.world_id, None, message), first
        )
        assert failed.retryable and failed.run_id is not None
        with session_scope() as session:
            run = runs.get_run(session, world.actor, failed.run_id)
        [used] = first.of(LoreUsed)
        assert "Mira Okonkwo" in {item.name for item in used.items}
        assert first.events.index(used) == 0  # before anything the agent said
        assert run.lore[0]["name"] == "Mira Okonkwo"
        block = await letta.agents.blocks.retrieve("lore", agent_id=run.letta_agent_id)
        assert "## Mira Okonkwo — character" in block.value
        assert run.letta_run_ids  # Letta kept the message: Retry continues the turn

        llm.reset()
        llm.on_user(message, then=[Reply("At the turbines.")])
        again = Recorder()
        retried = await orchestrator.resume(world.actor, failed.run_id, again)

    assert (retried.stop_reason, retried.error) == ("end_turn", None)
    assert again.of(LoreUsed) == []
    [row] = _lore_rows(world.actor, failed.run_id)
    assert str(row.id) == used.message_id


# ---- the codex tool --------------------------------------------------------------------------


async def _ignore(event: TurnEvent) -> None:
    return None


async def _call(actor: Actor, world_id: uuid.UUID, args: dict) -> tuple[str, dict]:
    ctx = ToolContext(actor, world_id, None, f"call_{uuid.uuid4().hex}", _ignore)
    outcome = await execute(ctx, "codex", args)
    return outcome.status, (
        json.loads(outcome.result) if outcome.status == "success" else {"error": outcome.result}
    )


async def test_the_agent_reads_and_grows_the_codex(world: Lorebook) -> None:
    status, found = await _call(
        world.actor, world.world_id, {"operation": "search", "query": "tidal electricity"}
    )
    assert status == "success" and found["entries"][0]["name"] == "Kelp Turbines"
    assert found["entries"][0]["matched_by"] == "meaning"
    status, made = await _call(
        world.actor,
        world.world_id,
        {
            "operation": "create",
            "entry": {"name": "Harbour Bell", "kind": "artifact", "aliases": ["the bell"]},
            "reason": "The story needs it.",
        },
    )
    bell = made["created"]
    assert status == "success" and bell["version"] == 7  # five entries, then this one
    update = {
        "operation": "update",
        "entry_id": bell["entry_id"],
        "changes": {"summary": "Rings at high tide."},
        "expected_version": bell["version"],
    }
    status, updated = await _call(world.actor, world.world_id, update)
    assert status == "success" and updated["updated"]["summary"] == "Rings at high tide."
    status, stale = await _call(world.actor, world.world_id, update)
    assert status == "error" and "changed since you read it" in stale["error"]
    status, _ = await _call(
        world.actor,
        world.world_id,
        {
            "operation": "link",
            "entry_id": bell["entry_id"],
            "to_entry_id": str(world.ids["Saltmarsh"]),
            "relation": "heard in",
        },
    )
    status, got = await _call(world.actor, world.world_id, {"operation": "get", "name": "the bell"})
    assert status == "error"  # get by name takes the name, not an alias
    status, got = await _call(
        world.actor, world.world_id, {"operation": "get", "name": "harbour bell"}
    )
    assert got["links"] == [
        {
            "entry_id": str(world.ids["Saltmarsh"]),
            "name": "Saltmarsh",
            "relation": "heard in",
            "direction": "to",
        }
    ]
    status, suggested = await _call(
        world.actor,
        world.world_id,
        {
            "operation": "suggest",
            "suggestions": [
                {"name": "Captain Rhee", "kind": "character", "summary": "Ferries kelp."},
                {"name": "Saltmarsh", "kind": "place"},
            ],
        },
    )
    assert [s["name"] for s in suggested["suggested"]] == ["Captain Rhee"]
    assert suggested["suggested"][0]["status"] == "suggested"
    assert suggested["skipped"][0]["name"] == "Saltmarsh"


async def test_a_retried_call_does_not_create_twice(world: Lorebook) -> None:
    ctx = ToolContext(world.actor, world.world_id, None, f"call_{uuid.uuid4().hex}", _ignore)
    args = {"operation": "create", "entry": {"name": "Once"}}
    first = await execute(ctx, "codex", args)
    second = await execute(ctx, "codex", args)
    assert first.status == second.status == "success" and first.result == second.result
    with session_scope() as session:
        count = session.query(CodexEntry).filter_by(world_id=world.world_id, name="Once").count()
    assert count == 1


# ---- search by meaning -----------------------------------------------------------------------


@pytest.fixture
def three_people(world: Lorebook) -> Iterator[tuple[Actor, uuid.UUID, uuid.UUID]]:
    """Ada's private Tidewater; Bea's public world; Cal's private one — and Cal searching."""
    bea, cal = _new_person("Bea"), _new_person("Cal")
    with session_scope() as session:
        public = worlds.create_world(
            session, bea, "Glasshouse Moon", "Greenhouses on the Moon grow all of Earth's wheat."
        )
        worlds.set_visibility(session, bea, public.id, "public")
        story = stories.create_story(session, bea, public.id, "Harvest")
        stories.add_segment(session, bea, story.id, "", "The wheat ripened under lunar lamps.")
        own = worlds.create_world(session, cal, "Cal's Reef", "Coral cities under warm seas.")
    yield cal, public.id, own.id


def test_search_finds_own_and_public_never_anothers_private(
    world: Lorebook, three_people: tuple[Actor, uuid.UUID, uuid.UUID]
) -> None:
    cal, public_id, own_id = three_people
    found = search.search_everything(cal, "farming grain on the moon")
    assert found.worlds[0].href == f"/worlds/{public_id}"
    assert found.segments[0].context == "Harvest · Glasshouse Moon"
    coral = search.search_everything(cal, "coral towns beneath the ocean")
    assert coral.worlds[0].href == f"/worlds/{own_id}"
    tides = search.search_everything(cal, "electricity from ocean tides")
    every = [hit.href for group in (tides.worlds, tides.entries, tides.segments) for hit in group]
    assert not any(str(world.world_id) in href for href in every)  # Ada's private Tidewater
    mine = search.search_everything(world.actor, "electricity from ocean tides")
    assert mine.entries[0].title == "Kelp Turbines"
    assert mine.entries[0].href == f"/worlds/{world.world_id}/codex/{world.ids['Kelp Turbines']}"


def test_the_index_catches_up_with_changes(
    world: Lorebook, three_people: tuple[Actor, uuid.UUID, uuid.UUID]
) -> None:
    cal, _, own_id = three_people
    search.search_everything(cal, "anything")
    assert search.refresh(cal) == 0  # nothing stale
    with session_scope() as session:
        worlds.update_world_fields(
            session, cal, own_id, description="Volcanic islands that mine sulphur."
        )
    assert search.refresh(cal) == 1
    found = search.search_everything(cal, "sulfur mining volcanoes")
    assert found.worlds[0].href == f"/worlds/{own_id}"
    with session_scope() as session:
        assert session.get(World, world.world_id) is not None
