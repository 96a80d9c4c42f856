"""Lore that follows the story: an entry as of a story part is the entry with the progressions
made on that part and the parts before it on its branch, and no others; progressions are a
writer's versioned edits of the world."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.agents.turn import TurnRequest
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, Invalid, NotFound
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind, CodexKind, CollaboratorRole, StorySegment, World
from dsf_app.services import (
    codex,
    codex_progressions,
    exports,
    stories,
    versions,
    world_import,
)
from dsf_app.services.actor import Actor
from dsf_app.services.codex import EntryFields
from dsf_app.services.codex_progressions import EntryLore
from dsf_app.settings import Settings, get_settings
from tests.factories import last_change, make_actor, make_story, make_world, share
from tests.fakes.llm_server import Reply, ScriptedLLM, message_text
from tests.turn_events import Recorder

SCAR = "A scar runs from her left ear to her jaw, from the strike."
GONE = "She left Port Saline on the last ferry."


@dataclass(frozen=True)
class Tale:
    """A story of eight parts with a branch after part 4 (parts 5b and 6b), and Ife."""

    owner: Actor
    world: World
    ife: uuid.UUID
    main: list[StorySegment]  # parts 1-8
    branch: list[StorySegment]  # parts 5b, 6b


@pytest.fixture
def tale(session: Session) -> Tale:
    owner = make_actor(session)
    world = make_world(session, owner)
    story = make_story(session, owner, world)
    main: list[StorySegment] = []
    for n in range(1, 9):
        title = "The Dock Strike" if n == 5 else f"Part {n}"
        parent = main[-1].id if main else None
        main.append(
            stories.add_segment(session, owner, story.id, title, f"Ife, {n}.", parent_id=parent)
        )
    branch = [stories.add_segment(session, owner, story.id, "Exile", "Ife.", main[3].id)]
    branch.append(stories.add_segment(session, owner, story.id, "", "Ife?", branch[0].id))
    ife = codex.create_entry(
        session,
        owner,
        world.id,
        EntryFields(name="Ife", kind=CodexKind.CHARACTER, aliases=["Ife O."], summary="A docker."),
        author="person",
    )
    return Tale(owner, world, ife.id, main, branch)


def _as_of(session: Session, tale: Tale, part: StorySegment | None) -> EntryLore:
    entry = codex.get_entry(session, tale.owner, tale.ife)
    base = {entry.id: codex_progressions.lore_of(entry)}
    return codex_progressions.as_of(session, None if part is None else part.id, base)[entry.id]


def _progress(
    session: Session, tale: Tale, part: StorySegment, field: str, mode: str, value: str
) -> uuid.UUID:
    made = codex_progressions.add_progression(
        session, tale.owner, tale.ife, part.id, field, mode, value
    )
    return made.id


def test_part_two_and_part_eight_differ(session: Session, tale: Tale) -> None:
    _progress(session, tale, tale.main[4], "summary", "add", SCAR)
    _progress(session, tale, tale.main[6], "aliases", "add", "Scarred Ife\nife o.")

    assert _as_of(session, tale, tale.main[1]).summary == "A docker."
    assert _as_of(session, tale, tale.main[3]).summary == "A docker."  # the part before
    at_five = _as_of(session, tale, tale.main[4])
    assert at_five.summary == f"A docker.\n\n{SCAR}"
    assert at_five.aliases == ("Ife O.",)
    at_eight = _as_of(session, tale, tale.main[7])
    assert at_eight.summary == f"A docker.\n\n{SCAR}"
    assert at_eight.aliases == ("Ife O.", "Scarred Ife")  # each alias once, whatever its case
    assert _as_of(session, tale, None).summary == "A docker."  # no part: the entry as it is
    assert codex.get_entry(session, tale.owner, tale.ife).summary == "A docker."


def test_two_branches_disagree(session: Session, tale: Tale) -> None:
    _progress(session, tale, tale.main[4], "summary", "add", SCAR)
    _progress(session, tale, tale.branch[0], "summary", "replace", GONE)
    _progress(session, tale, tale.main[0], "body", "add", "Born on the quay.")

    on_main, on_branch = _as_of(session, tale, tale.main[7]), _as_of(session, tale, tale.branch[1])
    assert on_main.summary == f"A docker.\n\n{SCAR}"
    assert on_branch.summary == GONE  # the sibling branch's scar is not applied
    assert on_main.body == on_branch.body == "Born on the quay."  # before the fork: both


def test_progressions_apply_in_story_order_not_the_order_made(session: Session, tale: Tale) -> None:
    _progress(session, tale, tale.main[5], "summary", "add", "Now she leads the union.")
    _progress(session, tale, tale.main[2], "summary", "replace", "A crane driver.")

    assert _as_of(session, tale, tale.main[7]).summary == (
        "A crane driver.\n\nNow she leads the union."
    )


def test_the_readers_parts_each_show_their_own_state(session: Session, tale: Tale) -> None:
    _progress(session, tale, tale.main[4], "summary", "add", SCAR)
    story_id = tale.main[0].story_id
    cards = codex_progressions.mentioned_as_of(
        session,
        tale.owner,
        story_id,
        {tale.main[1].id: [tale.ife], tale.main[7].id: [tale.ife], tale.branch[1].id: [tale.ife]},
    )
    assert cards[tale.main[1].id][tale.ife].summary == "A docker."
    assert cards[tale.main[7].id][tale.ife].summary == f"A docker.\n\n{SCAR}"
    assert cards[tale.branch[1].id][tale.ife].summary == "A docker."


def test_a_progression_is_a_versioned_change_listed_on_the_entry(
    session: Session, tale: Tale
) -> None:
    before = tale.world.version
    made = _progress(session, tale, tale.main[4], "summary", "add", SCAR)

    assert tale.world.version == before + 1
    line = last_change(session, tale.owner, tale.world)
    assert line.path == "codex/Ife"
    assert "from part 5 “The Dock Strike” of “Low Tide” on, the summary gains" in line.reason
    [shown] = codex_progressions.list_progressions(session, tale.owner, tale.ife)
    assert (shown.part, shown.part_title, shown.field, shown.value) == (
        5,
        "The Dock Strike",
        "summary",
        SCAR,
    )
    diff = versions.diff_versions(session, tale.owner, tale.world.id, before, before + 1)
    [row] = [r for r in diff if r.path == "codex/Ife.progressions"]
    assert row.left == "" and SCAR in row.right

    codex_progressions.delete_progression(session, tale.owner, made)
    assert tale.world.version == before + 2
    assert codex_progressions.list_progressions(session, tale.owner, tale.ife) == []
    assert _as_of(session, tale, tale.main[7]).summary == "A docker."


def test_deleting_the_part_takes_its_progressions(session: Session, tale: Tale) -> None:
    _progress(session, tale, tale.main[4], "summary", "add", SCAR)
    stories.delete_segment(session, tale.owner, tale.main[4].id, with_branch=False)
    session.expire_all()
    assert codex_progressions.list_progressions(session, tale.owner, tale.ife) == []
    assert _as_of(session, tale, tale.main[7]).summary == "A docker."


def test_only_the_worlds_writers_make_progressions(session: Session, tale: Tale) -> None:
    reader, stranger, editor = (make_actor(session, n) for n in ("Rui", "Sam", "Eve"))
    share(session, tale.owner, tale.world, reader, CollaboratorRole.VIEWER)
    share(session, tale.owner, tale.world, editor, CollaboratorRole.EDITOR)
    part = tale.main[4].id

    with pytest.raises(Forbidden):
        codex_progressions.add_progression(session, reader, tale.ife, part, "body", "add", "x")
    with pytest.raises(NotFound):
        codex_progressions.add_progression(session, stranger, tale.ife, part, "body", "add", "x")
    made = codex_progressions.add_progression(
        session, editor, tale.ife, part, "body", "add", "Her father was a diver."
    )
    assert [p.id for p in codex_progressions.list_progressions(session, reader, tale.ife)] == [
        made.id
    ]
    with pytest.raises(Forbidden):
        codex_progressions.delete_progression(session, reader, made.id)
    with pytest.raises(NotFound):
        codex_progressions.list_progressions(session, stranger, tale.ife)


def test_a_progression_names_a_part_of_the_entrys_world_and_a_known_field(
    session: Session, tale: Tale
) -> None:
    elsewhere = make_world(session, tale.owner, "Elsewhere")
    other = stories.add_segment(
        session, tale.owner, make_story(session, tale.owner, elsewhere).id, "", "Far away."
    )
    with pytest.raises(Invalid, match="a story of another world"):
        codex_progressions.add_progression(
            session, tale.owner, tale.ife, other.id, "body", "add", "x"
        )
    with pytest.raises(Invalid, match="not a known field a progression changes"):
        codex_progressions.add_progression(
            session, tale.owner, tale.ife, tale.main[0].id, "name", "add", "x"
        )
    with pytest.raises(Invalid, match="cannot be empty"):
        codex_progressions.add_progression(
            session, tale.owner, tale.ife, tale.main[0].id, "summary", "add", "  "
        )


# ---- the lore a turn is sent -------------------------------------------------------------------


def _system_prompt_for(llm: ScriptedLLM, message: str) -> str:
    """The system message (the agent's memory blocks, `lore` among them) of the request that
    carried `message`."""
    [request] = [r for r in llm.requests if any(message in message_text(m) for m in r["messages"])]
    return message_text(request["messages"][0])


async def test_the_lore_block_follows_the_part_the_turn_continues(
    dsf_in_process: Settings, letta_url: str, llm: ScriptedLLM
) -> None:
    with session_scope() as session:
        owner = make_actor(session)
        world_id = make_world(session, owner).id
        story_id = stories.create_story(session, owner, world_id, "Low Tide").id
        first = stories.add_segment(session, owner, story_id, "", "Ife walked the quay.")
        second = stories.add_segment(session, owner, story_id, "", "Ife, 2.", first.id)
        ife = EntryFields(name="Ife", kind=CodexKind.CHARACTER, summary="A docker.")
        ife_id = codex.create_entry(session, owner, world_id, ife, author="person").id
    after = {}
    async with connect(get_settings()) as letta:
        orchestrator = Orchestrator(letta)
        for written in (2, 8):
            message = f"What does Ife look like now {uuid.uuid4().hex[:6]}"
            llm.on_user(message, then=[Reply("Like herself.")])
            finished = await orchestrator.run_turn(
                TurnRequest(owner, AgentKind.WORLD, world_id, story_id, message), Recorder()
            )
            assert finished.error is None
            after[written] = _system_prompt_for(llm, message)
            if written == 2:  # then parts 3 to 8 are written, and Ife is scarred in part 5
                with session_scope() as session:
                    parent = second.id
                    for n in range(3, 9):
                        parent = stories.add_segment(
                            session, owner, story_id, "", f"Ife, {n}.", parent
                        ).id
                        if n == 5:
                            codex_progressions.add_progression(
                                session, owner, ife_id, parent, "summary", "add", SCAR
                            )

    assert "## Ife — character [matched name “Ife” in your message" in after[2]
    assert "A docker." in after[2] and SCAR not in after[2]
    assert f"A docker.\n{SCAR}" in after[8].replace("\n\n", "\n")


# ---- a world's export ----------------------------------------------------------------------------


def test_a_worlds_export_carries_progressions_and_dates(session: Session, tale: Tale) -> None:
    _progress(session, tale, tale.main[4], "summary", "add", SCAR)
    stories.update_segment(session, tale.owner, tale.main[4].id, in_world_date="14 March 2187")

    document = exports.export_world(session, tale.owner, tale.world.id)
    [progression] = document.codex_progressions
    assert (progression.entry_id, progression.segment_id) == (str(tale.ife), str(tale.main[4].id))
    assert (progression.field, progression.mode, progression.value) == ("summary", "add", SCAR)
    segments = {s.id: s for story in document.stories for s in story.segments}
    assert segments[str(tale.main[4].id)].in_world_date == "14 March 2187"

    copy = world_import.import_world(
        session, tale.owner, world_import.parse(document.model_dump_json().encode())
    )
    dated = stories.dated_parts(session, tale.owner, copy.world_id)
    assert [(p.label, p.date) for p in dated] == [
        ("Low Tide · part 5 · The Dock Strike", "14 March 2187")
    ]
