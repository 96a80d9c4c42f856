"""Random values of every JSON type in every lorebook field and in every field of a world
import's Codex entries: each import either goes in (entries with a bad field skipped and named)
or is refused with a sentence, and afterwards the world's story page, its lore for a turn and a
whole turn with the scripted model still work. Bounded to a few dozen examples (well under
30 s once the stack runs)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.agents.events import LoreUsed
from dsf_app.agents.turn import TurnRequest
from dsf_app.db import session_scope
from dsf_app.errors import Invalid
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind
from dsf_app.models.lore_rules import ActivationRules
from dsf_app.services import (
    lore,
    lorebook,
    lorebook_entries,
    lorebook_format,
    stories,
    world_import,
)
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.state import story as story_page
from tests.factories import make_actor, make_segment, make_story, make_world
from tests.fakes.llm_server import Reply, ScriptedLLM
from tests.turn_events import Recorder

SETTINGS = settings(
    max_examples=15,  # a person's imports a day are 20 (DSF_QUOTA_IMPORTS)
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
# Every World Info field and every field of a card's entry, and a few the format does not know.
FIELDS = sorted(
    lorebook_entries.WORLD_INFO_FIELDS
    | set(lorebook_entries.CARD_FIELDS)
    | lorebook_entries.CARD_OTHER_FIELDS
    | {"folder", "mood"}
)
ENTRY = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8).map(
    lambda fields: {"key": ["Mira"], "comment": "Mira", "content": "Mira mends turbines."} | fields
)
CODEX_FIELDS = ["kind", "name", "aliases", "summary", "body", "tags", "status", "pinned"]
CODEX_ENTRY = st.fixed_dictionaries(
    {},
    optional={
        **{name: JSON for name in CODEX_FIELDS},
        "activation": st.dictionaries(st.sampled_from(sorted(ActivationRules.model_fields)), JSON),
        "extra": st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6),
    },
)


def _reads(actor: Actor, world_id: uuid.UUID, story_id: uuid.UUID) -> None:
    """The story page loads and the lore for a turn about Mira is chosen."""
    with session_scope() as session:
        story_page._read(session, actor, story_id, world_id=None, choices={}, page=1, show=None)
    lore.prepare(actor, world_id, story_id, "Where is Mira tonight?")


def _new_world(name: str) -> tuple[Actor, uuid.UUID, uuid.UUID]:
    with session_scope() as session:
        actor = make_actor(session)
        world = make_world(session, actor, name)
        story = make_story(session, actor, world)
        make_segment(session, actor, story, "Mira walked the Dock at low tide.")
        return actor, world.id, story.id


async def test_random_lorebook_fields_leave_the_world_working(
    dsf_in_process: Settings, letta_url: str, llm: ScriptedLLM
) -> None:
    actor, world_id, story_id = _new_world("Fuzzed")

    @SETTINGS
    @given(entries=st.lists(ENTRY | JSON, min_size=1, max_size=4), as_card=st.booleans())
    def imports(entries: list[Any], as_card: bool) -> None:
        if as_card:
            document: dict[str, Any] = {"spec": "chara_card_v3", "data": {"name": "Ife"}}
            document["data"]["character_book"] = {"entries": entries}
        else:
            document = {"entries": {str(uid): entry for uid, entry in enumerate(entries)}}
        try:
            book = lorebook_format.parse(json.dumps(document))
        except Invalid:
            return
        with session_scope() as session:
            report = lorebook.import_lorebook(session, actor, world_id, book, author="person")
        assert report.created + len(report.duplicates) + len(report.skipped) >= len(entries)
        _reads(actor, world_id, story_id)

    imports()
    message = f"Where is Mira tonight {uuid.uuid4().hex[:6]}"
    llm.on_user(message, then=[Reply("At the turbines.")])
    recorder = Recorder()
    async with connect(dsf_in_process) as letta:
        outcome = await Orchestrator(letta).run_turn(
            TurnRequest(actor, AgentKind.WORLD, world_id, story_id, message), recorder
        )
    assert (outcome.stop_reason, outcome.error) == ("end_turn", None)
    [used] = recorder.of(LoreUsed)
    assert "Mira" in {item.name for item in used.items}


def test_random_codex_fields_in_a_world_import_leave_the_copy_working(
    dsf_in_process: Settings,
) -> None:
    @SETTINGS
    @given(entries=st.lists(CODEX_ENTRY, min_size=1, max_size=3))
    def imports(entries: list[dict[str, Any]]) -> None:
        with session_scope() as session:
            actor = make_actor(session)
        codex = [
            {"id": f"e{n}", "name": f"Mira {n}"} | e | {"id": f"e{n}"}
            for n, e in enumerate(entries)
        ]
        document = {
            "format": "deep-sci-fi/world",
            "format_version": 1,
            "exported_at": datetime.now(UTC).isoformat(),
            "world": {"name": "Copied"},
            "stories": [
                {"title": "Tide", "segments": [{"id": "s", "content": "Mira walked the Dock."}]}
            ],
            "codex": codex,
        }
        try:
            parsed = world_import.parse(json.dumps(document).encode())
            with session_scope() as session:
                imported = world_import.import_world(session, actor, parsed)
        except Invalid:
            return
        assert imported.entries + len(imported.skipped) == len(entries)
        with session_scope() as session:
            [story] = stories.list_stories(session, actor, imported.world_id)
        _reads(actor, imported.world_id, story.id)

    imports()
