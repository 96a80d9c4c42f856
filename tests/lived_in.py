"""An account as it looks after months of use, seeded through the services for the page-wide
checks (tests/test_accessibility_e2e.py): a long story with branches and mentions of the lore,
a SillyTavern lorebook imported through the product's import path (pinned, excluded and
suggested entries, links), a canvas of every component type beside the world, World Agent
runs with many recorded steps and a delegation to the Experience Agent, a collaborator and an
invitation, images, conversations, and someone else's public world."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlmodel import Session

from dsf_app.canvas.specs import Spec
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, CodexStatus, CollaboratorRole, StepKind, Visibility
from dsf_app.services import (
    asset_files,
    canvas,
    chat,
    codex,
    codex_embeddings,
    codex_links,
    lorebook,
    runs,
    stories,
    trajectories,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.services.trajectories import StepRecord
from dsf_app.storage import AssetStorage
from tests.factories import make_actor, make_world, share
from tests.source_files import stored_source
from tests.test_canvas_e2e import every_type
from tests.test_security_headers_e2e import PNG
from tests.test_story_reader_e2e import seed_branching_story

LOREBOOK = Path(__file__).parent / "fixtures" / "lorebooks" / "tidewater_world_info.json"
# Parts after the branching opening of "The Brine Wars": the reader shows 4 + LONG_PARTS.
LONG_PARTS = 16
DELEGATION_CALL = "call-delegate-harbour-scene"
HARBOUR_RECORDS = "\n\n".join(
    f"Entry {n}: the tide rose {n} hands over the kelp line; the turbines ran." for n in range(60)
)


@dataclass(frozen=True)
class LivedIn:
    world: uuid.UUID
    story: uuid.UUID  # "The Brine Wars": 4 parts on its first branch, then LONG_PARTS more
    scene_story: uuid.UUID  # one part holding a scene of every canvas type
    entry: uuid.UUID  # an imported entry with links, mentioned in the story
    run: uuid.UUID  # a World Agent turn with many steps and a delegation
    overlay_world: uuid.UUID  # a second world, whose page opens with the agent's overlay
    source: uuid.UUID  # a document the World Agent cites, in `world`
    parts: int  # parts the reader shows on the story's first branch


def seed(actor: Actor, storage: AssetStorage) -> LivedIn:
    world_key, story_key = seed_branching_story(actor)
    world_id, story_id = uuid.UUID(world_key), uuid.UUID(story_key)
    lorebook.import_file(actor, world_id, LOREBOOK.read_bytes(), "person")
    codex_embeddings.embed_missing(actor, world_id)
    with session_scope() as session:
        _lengthen(session, actor, story_id)
        entry = _lore(session, actor, world_id)
        scene_story = _scene_story(session, actor, world_id)
        # The Experience Agent's canvas beside the world, drawn with every component type, and
        # over the page of another world.
        scene = TypeAdapter(Spec).validate_python(every_type(uuid.uuid4().hex[:6]))
        canvas.show(session, actor, world_id, "canvas-root", "inline", scene)
        overlay_world = worlds.create_world(session, actor, "Driftglass").id
        canvas.show(session, actor, overlay_world, "story-reader", "overlay", scene)
        _conversations(session, actor, world_id)
        _company(session, actor, world_id)
        run = _turn_with_delegation(session, actor, world_id)
        source = stored_source(session, world_id, "Harbour Records", HARBOUR_RECORDS)
    _store_image(actor, storage, world_id, "Boats crowding the harbour at dawn")
    _store_image(actor, storage, None, "A lighthouse keeper by lamplight")
    return LivedIn(
        world_id, story_id, scene_story, entry, run, overlay_world, source, 4 + LONG_PARTS
    )


def _lengthen(session: Session, actor: Actor, story_id: uuid.UUID) -> None:
    """Parts after the storm's aftermath, each a few paragraphs naming the lore."""
    for number in range(1, LONG_PARTS + 1):
        stories.add_segment(
            session,
            actor,
            story_id,
            f"Low water, day {number}",
            "\n\n".join(
                [
                    f"On day {number} Mira Okonkwo walked the sea wall of Port Saline "
                    "before the sirens, counting the kelp turbines that still turned.",
                    "The Fusion Consortium's barges lay at anchor beyond the breakwater, lights "
                    "dimmed, waiting for a tide that would let them in without a fight.",
                    "Nobody in the market spoke of the Brine Riots any more; the old men only "
                    "looked at the water and priced salt by the colour of the sky.",
                ]
            ),
        )


def _lore(session: Session, actor: Actor, world_id: uuid.UUID) -> uuid.UUID:
    """Links between imported entries and a suggestion waiting for the person; the entry
    returned is Mira Okonkwo."""
    found = {entry.name: entry for entry in codex.list_entries(session, actor, world_id)}
    mira, port = found["Mira Okonkwo"], found["Port Saline"]
    codex_links.add_link(session, actor, mira.id, port.id, "works in", author="person")
    codex_links.add_link(
        session, actor, mira.id, found["Fusion Consortium"].id, "distrusts", author="person"
    )
    codex.create_entry(
        session,
        actor,
        world_id,
        EntryFields(name="Sieve barge", summary="A barge that filters brine from the harbour."),
        author="agent",
        status=CodexStatus.SUGGESTED,
    )
    return mira.id


def _scene_story(session: Session, actor: Actor, world_id: uuid.UUID) -> uuid.UUID:
    scenes = stories.create_story(session, actor, world_id, "Scenes", "Every canvas part.")
    stories.add_segment(
        session,
        actor,
        scenes.id,
        "The log",
        "The keeper opened the log.",
        ui_components=[every_type(uuid.uuid4().hex[:6])],
    )
    return scenes.id


def _conversations(session: Session, actor: Actor, world_id: uuid.UUID) -> None:
    """A conversation with tool calls, with the World Agent and with the User Agent."""
    for where in (world_id, None):
        chat.append_message(session, actor, where, "user", "Show me the harbour.")
        chat.append_message(
            session,
            actor,
            where,
            "assistant",
            "",
            "tool_call",
            tool_call_id=f"call-{uuid.uuid4().hex}",
            tool_name="world_manager",
            tool_args={"operation": "get"},
            tool_result='{"name": "Saltwater"}',
            tool_status="success",
        )
        chat.append_message(
            session, actor, where, "assistant", "The **harbour** is crowded at dawn.", "assistant"
        )


def _company(session: Session, actor: Actor, world_id: uuid.UUID) -> None:
    """A collaborator and an open invitation on the world; someone else's public world."""
    grace = make_actor(session, "Grace")
    make_world(session, grace, "Far Shore", Visibility.PUBLIC)
    world = worlds.get_world(session, actor, world_id)
    share(session, actor, world, make_actor(session, "Lin"), CollaboratorRole.EDITOR)
    worlds.add_collaborator(
        session, actor, world_id, f"{uuid.uuid4().hex[:8]}@example.org", "viewer"
    )


def _turn_with_delegation(session: Session, actor: Actor, world_id: uuid.UUID) -> uuid.UUID:
    """A finished World Agent turn whose steps the step recorder's service keeps — rounds of
    model requests, reasoning, text and tool calls (one failed), lore retrieved, and a
    `delegate_to_experience` call with the Experience Agent's turn nested under it."""
    prompt = "Paint the harbour at dawn and write the next part."
    world_run = runs.start_run(
        session, actor, AgentKind.WORLD, world_id, "agent-world", prompt=prompt
    )
    clock = _Clock(world_run.started_at)
    steps = [
        clock.step(
            StepKind.RETRIEVAL,
            120,
            "lore",
            detail={
                "items": [
                    {"name": "Mira Okonkwo", "why": ["named"]},
                    {"name": "Port Saline", "why": ["pinned"]},
                ]
            },
        )
    ]
    for round_ in range(6):
        steps += [
            clock.step(
                StepKind.MODEL,
                1800,
                "request",
                status="requires_approval",
                prompt_tokens=2400 + 150 * round_,
                completion_tokens=180,
                detail={"messages": [{"role": "user", "content": prompt}], "first_chunk_ms": 420},
            ),
            clock.step(
                StepKind.REASONING,
                300,
                detail={"text": f"Round {round_}: the harbour needs the turbines and the barges."},
            ),
            clock.step(
                StepKind.TOOL,
                250,
                "codex",
                tool_call_id=f"call-codex-{round_}",
                status="error" if round_ == 3 else "success",
                detail={
                    "arguments": json.dumps(
                        {"operation": "search", "query": "harbour turbines " * 6}
                    ),
                    "result": "https://assets.example.org/" + "very-long-unbroken-identifier-" * 8,
                },
            ),
        ]
    steps.append(
        clock.step(
            StepKind.TOOL,
            6000,
            "delegate_to_experience",
            tool_call_id=DELEGATION_CALL,
            status="success",
            detail={
                "arguments": json.dumps({"request": "A wide image of the harbour at dawn."}),
                "result": "Done.",
            },
        )
    )
    nested_start = clock.at
    steps.append(
        clock.step(StepKind.MESSAGE, 900, detail={"text": "The harbour woke before the sun. " * 12})
    )
    trajectories.record_steps(session, actor, world_run.id, steps)

    nested = runs.start_run(
        session,
        actor,
        AgentKind.EXPERIENCE,
        world_id,
        "agent-experience",
        parent_tool_call_id=DELEGATION_CALL,
    )
    inner = _Clock(nested_start, step_ms=0)
    trajectories.record_steps(
        session,
        actor,
        nested.id,
        [
            inner.step(
                StepKind.MODEL, 1200, "request", status="requires_approval", prompt_tokens=900
            ),
            inner.step(
                StepKind.TOOL,
                3000,
                "image_generator",
                tool_call_id="call-image-harbour",
                status="success",
                detail={"arguments": json.dumps({"prompt": "harbour at dawn, sieve barges"})},
            ),
            inner.step(StepKind.MODEL, 600, "request", status="end_turn", completion_tokens=40),
        ],
    )
    runs.finish_run(session, actor, nested.id, "end_turn", steps=3, prompt="A wide image.")
    runs.finish_run(
        session,
        actor,
        world_run.id,
        "end_turn",
        steps=len(steps),
        tool_calls=[{"name": "codex", "args": "{}", "status": "success"}],
        usage={"prompt_tokens": 18000, "completion_tokens": 1100},
        prompt=prompt,
        reply="The harbour woke before the sun.",
    )
    return world_run.id


class _Clock:
    """Start times for steps one after another from `start`."""

    def __init__(self, start: datetime, step_ms: int = 40) -> None:
        self.at = start
        self.gap = timedelta(milliseconds=step_ms)

    def step(
        self,
        kind: StepKind,
        duration_ms: int,
        name: str = "",
        *,
        status: str = "",
        tool_call_id: str | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        detail: dict[str, Any] | None = None,
    ) -> StepRecord:
        record = StepRecord(
            kind,
            self.at,
            name,
            tool_call_id=tool_call_id,
            status=status,
            duration_ms=duration_ms,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            detail=detail or {},
        )
        self.at += timedelta(milliseconds=duration_ms) + self.gap
        return record


def _store_image(
    actor: Actor, storage: AssetStorage, world_id: uuid.UUID | None, text: str
) -> None:
    put = asset_files.put_image(actor, storage, PNG, "image/png", world_id=world_id, name=text)
    # In a thread of its own: Playwright's sync API keeps an event loop on this one.
    with ThreadPoolExecutor(1) as pool:
        stored = pool.submit(asyncio.run, put).result()
    with session_scope() as session:
        asset_files.record_image(session, actor, stored, world_id=world_id, description=text)
