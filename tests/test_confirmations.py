"""The person confirms what cannot be undone: against the real Letta server and the scripted
model, a destructive call parks the turn with Letta's approval still open, keeps the question in
PostgreSQL, and runs (Approve) or is refused to the agent (Deny, or a new message) when the
person answers; undoable changes run unasked; nobody else can answer."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from dsf_app.agents import confirmations as asking
from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import ConfirmationAsked, ToolCallFinished, TurnEvent
from dsf_app.agents.registry import confirmation, execute
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import AgentKind, Asset, CodexEntry, Decision, Story, StorySegment, World
from dsf_app.services import chat, codex, confirmations, conversations, runs, stories, turns, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.storage import AssetStorage
from tests.factories import make_actor, make_world
from tests.fakes.image_servers import solid_png
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.turn_events import Recorder

FOUNDATION = {
    "core_premise": "The moon was mined hollow.",
    "rules": [{"id": "r-hollow", "statement": "The moon rings like a bell."}],
}


async def _ignore(_: TurnEvent) -> None:
    return None


def _world(actor: Actor, name: str = "Hollow Moon") -> uuid.UUID:
    with session_scope() as session:
        return worlds.create_world(session, actor, name, "A mined moon.", FOUNDATION).id


async def saved_image(actor: Actor, world_id: uuid.UUID, description: str) -> Asset:
    png = base64.b64encode(solid_png(4, 4, (200, 30, 30))).decode()
    ctx = ToolContext(actor, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    saved = await execute(
        ctx,
        "asset_manager",
        {
            "operation": "save",
            "data_url": f"data:image/png;base64,{png}",
            "description": description,
        },
    )
    assert saved.status == "success", saved.result
    with session_scope() as session:
        asset = session.get(Asset, uuid.UUID(json.loads(saved.result)["saved"]["asset_id"]))
        assert asset is not None
        return asset


def _asset(asset_id: uuid.UUID) -> Asset | None:
    with session_scope() as session:
        return session.get(Asset, asset_id)


def _tool_results_sent(llm: ScriptedLLM) -> list[str]:
    return [m["content"] for m in llm.requests[-1]["messages"] if m.get("role") == "tool"]


def _pending(actor: Actor, world_id: uuid.UUID | None) -> list[confirmations.Confirmation]:
    with session_scope() as session:
        current = conversations.current(session, actor, world_id).id
        return confirmations.pending(session, actor, world_id, current)


def _answer(
    actor: Actor, world_id: uuid.UUID | None, asked: uuid.UUID, approve: bool
) -> confirmations.Confirmation:
    with session_scope() as session:
        return confirmations.answer(session, actor, world_id, asked, approve)


async def _ask_to_delete(
    orchestrator: Orchestrator, llm: ScriptedLLM, person: Actor, world_id: uuid.UUID, asset: Asset
) -> tuple[str, Recorder]:
    """A turn in which the World Agent asks to delete the image; it parks for the person."""
    phrase = f"delete the red moon {uuid.uuid4().hex[:6]}"
    llm.on_user(
        phrase,
        then=[
            ToolCall("asset_manager", {"operation": "delete", "asset_id": str(asset.id)}),
            Reply("Done as you said."),
        ],
    )
    requests_before = len(llm.requests)
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, phrase), events
    )

    assert (finished.stop_reason, finished.error, finished.retryable) == (
        turns.AWAITING_CONFIRMATION,
        None,
        False,
    )
    (asked,) = events.of(ConfirmationAsked)
    assert asked.name == "asset_manager"
    assert "Delete the image “Red moon over the bay”" in asked.summary
    assert "cannot be undone" in asked.summary
    assert [e.status for e in events.of(ToolCallFinished)] == [confirmations.WAITING]
    # Nothing was sent back to the model: Letta still waits for the approval.
    assert len(llm.requests) == requests_before + 1
    assert _asset(asset.id) is not None
    return phrase, events


async def test_deny_leaves_the_image_and_tells_the_agent(
    orchestrator: Orchestrator, llm: ScriptedLLM, person: Actor, storage: AssetStorage
) -> None:
    world_id = _world(person)
    asset = await saved_image(person, world_id, "Red moon over the bay")
    _, events = await _ask_to_delete(orchestrator, llm, person, world_id, asset)
    (asked,) = events.of(ConfirmationAsked)

    # The question is stored: a reload shows the card again.
    (waiting,) = _pending(person, world_id)
    assert (waiting.id, waiting.summary) == (asked.confirmation_id, asked.summary)

    answered = _answer(person, world_id, asked.confirmation_id, approve=False)
    resumed = Recorder()
    finished = await orchestrator.resume(person, answered.run_id, resumed)

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    (result,) = _tool_results_sent(llm)
    assert "declined" in result and "nothing was done" in result
    assert [e.status for e in resumed.of(ToolCallFinished)] == ["error"]
    kept = _asset(asset.id)
    assert kept is not None
    assert storage.get(kept.storage_key)[:4] == b"\x89PNG"
    assert _pending(person, world_id) == []
    with pytest.raises(Invalid, match="already answered"):
        _answer(person, world_id, asked.confirmation_id, approve=True)


async def test_approve_deletes_the_image(
    orchestrator: Orchestrator, llm: ScriptedLLM, person: Actor, storage: AssetStorage
) -> None:
    world_id = _world(person)
    asset = await saved_image(person, world_id, "Red moon over the bay")
    _, events = await _ask_to_delete(orchestrator, llm, person, world_id, asset)
    (asked,) = events.of(ConfirmationAsked)

    answered = _answer(person, world_id, asked.confirmation_id, approve=True)
    resumed = Recorder()
    finished = await orchestrator.resume(person, answered.run_id, resumed)

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    (result,) = _tool_results_sent(llm)
    assert "deleted" in result and str(asset.id) in result
    assert [e.status for e in resumed.of(ToolCallFinished)] == ["success"]
    assert _asset(asset.id) is None
    with pytest.raises(NotFound):
        storage.get(asset.storage_key)


async def test_a_delete_asked_in_a_delegated_turn_parks_both_turns(
    orchestrator: Orchestrator, llm: ScriptedLLM, person: Actor, storage: AssetStorage
) -> None:
    world_id = _world(person)
    asset = await saved_image(person, world_id, "Red moon over the bay")
    tag = uuid.uuid4().hex[:6]
    task = f"remove the red moon picture {tag}"
    llm.on_user(
        f"tidy the gallery {tag}",
        then=[ToolCall("delegate_to_experience", {"task": task}), Reply("The gallery is tidy.")],
    )
    llm.on_user(
        task,
        then=[
            ToolCall("asset_manager", {"operation": "delete", "asset_id": str(asset.id)}),
            Reply("Removed the red moon."),
        ],
    )
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"tidy the gallery {tag}"), events
    )

    assert finished.stop_reason == turns.AWAITING_CONFIRMATION
    (asked,) = events.of(ConfirmationAsked)
    waiting = {e.tool_call_id for e in events.of(ToolCallFinished) if e.status == "waiting"}
    assert len(waiting) == 2  # the delete, and the delegation that waits for it
    assert _asset(asset.id) is not None

    answered = _answer(person, world_id, asked.confirmation_id, approve=True)
    assert answered.run_id == finished.run_id  # the person's own turn continues
    resumed = Recorder()
    finished = await orchestrator.resume(person, answered.run_id, resumed)

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert _asset(asset.id) is None
    (delegation,) = [
        e for e in resumed.of(ToolCallFinished) if "experience_agent_answer" in e.result
    ]
    assert "Removed the red moon." in delegation.result


async def test_a_new_message_withdraws_the_question(
    orchestrator: Orchestrator, llm: ScriptedLLM, person: Actor, storage: AssetStorage
) -> None:
    world_id = _world(person)
    asset = await saved_image(person, world_id, "Red moon over the bay")
    await _ask_to_delete(orchestrator, llm, person, world_id, asset)

    phrase = f"never mind {uuid.uuid4().hex[:6]}"
    llm.on_user(phrase, then=[Reply("All right, I will leave it.")])
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, phrase), Recorder()
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert _pending(person, world_id) == []
    refusals = [
        m["content"]
        for request in llm.requests
        for m in request["messages"]
        if m.get("role") == "tool" and "instead of confirming" in m["content"]
    ]
    assert refusals, "the agent was not told the person moved on"
    assert _asset(asset.id) is not None


async def test_undoable_changes_run_unasked_and_whole_sections_are_asked(
    person: Actor,
) -> None:
    world_id = _world(person)
    ctx = ToolContext(person, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)

    def update(path: str, operation: str = "update", value: object = "x") -> str:
        change = {"path": path, "operation": operation, "value": value, "reason": "Simpler."}
        return json.dumps({"operation": "update", "version": 1, "updates": [change]})

    # A rule's statement or the premise: a versioned edit the person can restore.
    assert await confirmation(ctx, "world_manager", update("rules.r-hollow.statement")) is None
    assert await confirmation(ctx, "world_manager", update("core_premise")) is None
    assert (
        await confirmation(ctx, "world_manager", update("rules", "add", {"statement": "s"})) is None
    )
    assert await confirmation(ctx, "asset_manager", json.dumps({"operation": "list"})) is None

    replaced = await confirmation(ctx, "world_manager", update("rules", value=[]))
    assert replaced is not None and "replace the whole rules section" in replaced
    assert "“Hollow Moon”" in replaced and "Simpler." in replaced
    removed = await confirmation(ctx, "world_manager", update("foundation.history", "remove"))
    assert removed is not None and "remove the whole history section" in removed
    saved = json.dumps(
        {"operation": "save", "version": 1, "reason": "Start over.", "foundation": FOUNDATION}
    )
    whole = await confirmation(ctx, "world_manager", saved)
    assert whole is not None and "replace the whole foundation" in whole


async def test_a_call_refused_anyway_is_not_asked(person: Actor) -> None:
    world_id = _world(person)
    ctx = ToolContext(person, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    missing = json.dumps({"operation": "delete", "asset_id": str(uuid.uuid4())})
    malformed = json.dumps({"operation": "delete"})

    assert await confirmation(ctx, "asset_manager", missing) is None
    assert await confirmation(ctx, "asset_manager", malformed) is None


@dataclass(frozen=True)
class Doomed:
    """A world's story (two segments) and Codex entry, each of which a call may delete."""

    world_id: uuid.UUID
    story_id: uuid.UUID
    segment_id: uuid.UUID
    entry_id: uuid.UUID


def _doomed(actor: Actor) -> Doomed:
    with session_scope() as session:
        world_id = worlds.create_world(session, actor, "Hollow Moon", "A mined moon.").id
        story = stories.create_story(session, actor, world_id, "The Bell Moon")
        opening = stories.add_segment(session, actor, story.id, "The first ring", "It rang.")
        stories.add_segment(session, actor, story.id, "", "And rang again.", parent_id=opening.id)
        entry = codex.create_entry(
            session, actor, world_id, EntryFields(name="Bellwright"), author="person"
        )
        return Doomed(world_id, story.id, opening.id, entry.id)


def _left(doomed: Doomed) -> tuple[bool, int, bool]:
    """Whether the story is there, how many segments it has, whether the entry is there."""
    with session_scope() as session:
        story = session.get(Story, doomed.story_id)
        count = len(
            session.exec(select(StorySegment).where(StorySegment.story_id == doomed.story_id)).all()
        )
        return story is not None, count, session.get(CodexEntry, doomed.entry_id) is not None


DELETES: dict[str, tuple[str, Callable[[Doomed], dict[str, Any]], str, tuple[bool, int, bool]]] = {
    "a story": (
        "story_manager",
        lambda d: {"operation": "delete", "story_id": str(d.story_id)},
        "Delete the story “The Bell Moon” with all 2 of its segments.",
        (False, 0, True),
    ),
    "a segment": (
        "story_manager",
        lambda d: {"operation": "delete_segment", "segment_id": str(d.segment_id)},
        "Delete the segment “The first ring” (what continues from it moves up",
        (True, 1, True),
    ),
    "a segment and its branch": (
        "story_manager",
        lambda d: {
            "operation": "delete_segment",
            "segment_id": str(d.segment_id),
            "with_branch": True,
        },
        "Delete the segment “The first ring” and every segment that continues from it.",
        (True, 0, True),
    ),
    "a Codex entry": (
        "codex",
        lambda d: {"operation": "delete", "entry_id": str(d.entry_id), "reason": "Unused."},
        "Delete the Codex entry “Bellwright” (concept) and its links for good.",
        (True, 2, False),
    ),
}


@pytest.mark.parametrize("what", sorted(DELETES))
async def test_deletes_wait_for_approval_then_run(person: Actor, what: str) -> None:
    tool, arguments, sentence, after = DELETES[what]
    doomed = _doomed(person)
    with session_scope() as session:
        run_id = runs.start_run(session, person, AgentKind.WORLD, doomed.world_id).id
    events = Recorder()
    ctx = ToolContext(person, doomed.world_id, None, f"call-{uuid.uuid4().hex}", events)
    call = json.dumps(arguments(doomed))

    with pytest.raises(asking.AwaitingConfirmation):
        await asking.execute(ctx, run_id, tool, call)
    (asked,) = events.of(ConfirmationAsked)
    assert sentence in asked.summary
    assert _left(doomed) == (True, 2, True)

    _answer(person, doomed.world_id, asked.confirmation_id, approve=True)
    outcome = await asking.execute(ctx, run_id, tool, call)
    assert outcome.status == "success", outcome.result
    assert _left(doomed) == after


def _question(session: Session, actor: Actor, world: World) -> confirmations.Confirmation:
    run = runs.start_run(session, actor, AgentKind.WORLD, world.id, "agent-x")
    return confirmations.ask(
        session, actor, run.id, f"call-{uuid.uuid4().hex}", "asset_manager", "Delete “x”."
    )


def test_only_the_person_asked_can_answer_on_that_world(session: Session) -> None:
    owner, intruder = make_actor(session, "Owner"), make_actor(session, "Intruder")
    world = make_world(session, owner)
    elsewhere = make_world(session, owner, "Elsewhere")
    asked = _question(session, owner, world)

    with pytest.raises(NotFound, match="No confirmation"):
        confirmations.answer(session, intruder, world.id, asked.id, True)
    with pytest.raises(NotFound, match="No confirmation"):
        confirmations.answer(session, owner, elsewhere.id, asked.id, True)
    with pytest.raises(NotFound, match="No confirmation"):
        confirmations.answer(session, owner, None, asked.id, True)
    assert confirmations.decision(session, owner, asked.tool_call_id) == Decision.PENDING
    assert confirmations.decision(session, intruder, asked.tool_call_id) is None

    answered = confirmations.answer(session, owner, world.id, asked.id, False)
    assert answered.decision == Decision.DENIED


def test_a_question_of_an_earlier_conversation_cannot_be_answered(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    asked = _question(session, owner, world)
    chat.append_message(session, owner, world.id, "user", "Delete it.")
    conversations.start_new(session, owner, world.id)

    with pytest.raises(Invalid, match="earlier conversation"):
        confirmations.answer(session, owner, world.id, asked.id, True)
    assert confirmations.decision(session, owner, asked.tool_call_id) == Decision.PENDING


def test_asking_twice_keeps_one_question(session: Session) -> None:
    owner = make_actor(session, "Owner")
    world = make_world(session, owner)
    run = runs.start_run(session, owner, AgentKind.WORLD, world.id, "agent-x")
    first = confirmations.ask(session, owner, run.id, "call-twice", "asset_manager", "Delete.")
    again = confirmations.ask(session, owner, run.id, "call-twice", "asset_manager", "Delete.")
    assert first.id == again.id
    assert confirmations.withdraw(session, owner, run.id) == frozenset({"call-twice"})
    assert confirmations.decision(session, owner, "call-twice") == Decision.DENIED
