"""The client-side tool loop against the real Letta server, with the scripted model playing
whole conversations: tools run in our server as the acting person, errors go back to the
model, and every turn is stored and recorded."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlmodel import col, select

from dsf_app import workers
from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TextDelta, ToolCallFinished, ToolCallStarted, TurnEvent
from dsf_app.agents.registry import execute
from dsf_app.db import session_scope
from dsf_app.models import AgentKind, AgentRun, ChatMessage, World
from dsf_app.models.columns import utcnow
from dsf_app.services import stories, turns, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.factories import last_change
from tests.fakes.gate import Gate
from tests.fakes.llm_server import Hangup, Reply, ScriptedLLM, ToolCall
from tests.turn_events import Recorder

FOUNDATION = {
    "core_premise": "Fusion power failed; the oceans are farmed for energy and food.",
    "rules": [
        {
            "id": "r-kelp",
            "statement": "Tidal kelp farms supply most electricity.",
            "certainty": "established",
        }
    ],
}


def _conversation(actor: Actor, world_id: uuid.UUID | None) -> list[ChatMessage]:
    with session_scope() as session:
        return list(
            session.exec(
                select(ChatMessage)
                .where(ChatMessage.user_id == actor.user_id, ChatMessage.world_id == world_id)
                .order_by(col(ChatMessage.created_at))
            )
        )


def _tool_results_sent(llm: ScriptedLLM) -> list[str]:
    return [m["content"] for m in llm.requests[-1]["messages"] if m.get("role") == "tool"]


async def test_user_agent_drafts_a_world(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    phrase = f"oceans are farmed {uuid.uuid4().hex[:6]}"
    llm.on_user(
        phrase,
        then=[
            ToolCall(
                "world_manager",
                {
                    "operation": "create",
                    "name": "Tidewright",
                    "description": "Kelp and tides.",
                    "foundation": FOUNDATION,
                },
            ),
            Reply("I drafted Tidewright for you."),
        ],
    )
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(
            person,
            AgentKind.USER,
            None,
            None,
            f"make me a world where fusion failed and the {phrase}",
        ),
        events,
    )

    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert "worlds" in finished.changed
    with session_scope() as session:
        (listing,) = worlds.list_worlds(session, person)
    assert listing.world.name == "Tidewright"
    assert listing.world.foundation["rules"][0]["statement"].startswith("Tidal kelp")
    assert "".join(e.text for e in events.of(TextDelta)) == "I drafted Tidewright for you."
    assert [e.name for e in events.of(ToolCallStarted)] == ["world_manager"]
    assert events.of(ToolCallFinished)[0].status == "success"

    kinds = [(m.role, m.message_type, m.tool_status) for m in _conversation(person, None)]
    assert kinds == [
        ("user", "user", None),
        ("tool", "tool_call", "success"),
        ("assistant", "assistant", None),
    ]
    with session_scope() as session:
        run = session.exec(select(AgentRun).where(AgentRun.user_id == person.user_id)).one()
    assert run.stop_reason == "end_turn" and run.ended_at is not None
    assert [call["name"] for call in run.tool_calls] == ["world_manager"]
    assert run.letta_run_ids


async def test_malformed_arguments_go_back_to_the_model(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    phrase = f"broken json {uuid.uuid4().hex[:6]}"
    llm.on_user(
        phrase,
        then=[
            ToolCall("world_manager", '{"operation": "create", "name": '),
            Reply("Sorry, that failed."),
        ],
    )
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, phrase), events
    )

    assert finished.stop_reason == "end_turn"
    (result,) = _tool_results_sent(llm)[-1:]
    assert "Invalid arguments for world_manager" in result
    assert events.of(ToolCallFinished)[0].status == "error"
    with session_scope() as session:
        assert worlds.list_worlds(session, person) == []
    statuses = [m.tool_status for m in _conversation(person, None) if m.message_type == "tool_call"]
    assert statuses == ["error"]


async def test_forged_world_id_is_refused(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    with session_scope() as session:
        victim = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Victim").id)
        theirs = worlds.create_world(session, victim, "Private Deep", "Not yours.").id
        mine = worlds.create_world(session, person, "Mine", "Yours.").id
    phrase = f"rename the other world {uuid.uuid4().hex[:6]}"
    llm.on_user(
        phrase,
        then=[
            ToolCall(
                "world_manager",
                {
                    "operation": "update",
                    "world_id": str(theirs),
                    "version": 1,
                    "updates": [
                        {
                            "path": "core_premise",
                            "operation": "update",
                            "value": "Pwned",
                            "reason": "x",
                        }
                    ],
                },
            ),
            Reply("I could not."),
        ],
    )
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, mine, None, phrase), Recorder()
    )

    assert finished.stop_reason == "end_turn"
    (result,) = _tool_results_sent(llm)[-1:]
    assert f"No world with id {theirs}" in result
    assert "Private Deep" not in result
    with session_scope() as session:
        untouched = session.get(World, theirs)
        assert untouched is not None and untouched.version == 1 and untouched.foundation == {}


async def test_world_agent_writes_a_story_and_changes_a_rule(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    with session_scope() as session:
        world_id = worlds.create_world(session, person, "Tidewright", foundation=FOUNDATION).id
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"start a story {tag}",
        then=[
            ToolCall("story_manager", {"operation": "create", "title": "Low Tide"}),
            Reply("Story begun."),
        ],
    )
    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"start a story {tag}"), Recorder()
    )
    with session_scope() as session:
        (story,) = stories.list_stories(session, person, world_id)

    llm.on_user(
        f"first segment {tag}",
        then=[
            ToolCall(
                "story_manager",
                {
                    "operation": "save_segment",
                    "segment": {
                        "title": "Kelpfall",
                        "content": "The farms went dark at noon.",
                        "world_evolution": {
                            "rules_applied": ["Tidal kelp farms supply most electricity."]
                        },
                    },
                },
            ),
            Reply("Segment saved."),
        ],
    )
    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, story.id, f"first segment {tag}"), Recorder()
    )
    llm.on_user(
        f"change the rule {tag}",
        then=[
            ToolCall(
                "world_manager",
                {
                    "operation": "update",
                    "version": 1,
                    "updates": [
                        {
                            "path": "rules.r-kelp.statement",
                            "operation": "update",
                            "value": "Tidal kelp farms supply half the electricity.",
                            "reason": "Solar came back after the storms.",
                        }
                    ],
                },
            ),
            Reply("Rule changed."),
        ],
    )
    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"change the rule {tag}"), Recorder()
    )

    with session_scope() as session:
        (segment,) = stories.list_segments(session, person, story.id)
        world = worlds.get_world(session, person, world_id)
        change = last_change(session, person, world)
    assert (segment.title, segment.word_count) == ("Kelpfall", 6)
    assert segment.world_evolution["rules_applied"] == ["Tidal kelp farms supply most electricity."]
    assert world.version == 2
    assert (
        world.foundation["rules"][0]["statement"] == "Tidal kelp farms supply half the electricity."
    )
    assert change.reason == "Solar came back after the storms."
    project = await orchestrator.letta.agents.blocks.retrieve(
        "project", agent_id=await orchestrator.directory.agent_id(person, AgentKind.WORLD, world_id)
    )
    assert "supply half the electricity" in project.value


async def test_delegation_to_the_experience_agent(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    with session_scope() as session:
        world_id = worlds.create_world(session, person, "Tidewright").id
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"picture of the farms {tag}",
        then=[
            ToolCall("delegate_to_experience", {"task": f"paint kelp farms at dusk {tag}"}),
            Reply("Here it is."),
        ],
    )
    llm.on_user(f"paint kelp farms at dusk {tag}", then=[Reply("Painted: kelp-dusk.png")])
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"picture of the farms {tag}"), events
    )

    assert finished.stop_reason == "end_turn"
    (delegation,) = [e for e in events.of(ToolCallStarted) if e.name == "delegate_to_experience"]
    nested = [e for e in events.of(TextDelta) if e.parent_call_id == delegation.tool_call_id]
    assert "".join(e.text for e in nested) == "Painted: kelp-dusk.png"
    (done,) = [e for e in events.of(ToolCallFinished) if e.tool_call_id == delegation.tool_call_id]
    assert json.loads(done.result) == {"experience_agent_answer": "Painted: kelp-dusk.png"}
    with session_scope() as session:
        kinds = session.exec(
            select(AgentRun.agent_kind).where(AgentRun.user_id == person.user_id)
        ).all()
    assert sorted(kinds) == ["experience", "world"]


async def test_a_retried_tool_call_runs_once(dsf_in_process: Settings, person: Actor) -> None:
    async def ignore(event: TurnEvent) -> None:
        return None

    ctx = ToolContext(person, None, None, f"call_{uuid.uuid4().hex}", ignore)
    args = {"operation": "create", "name": "Once"}
    first = await execute(ctx, "world_manager", args)
    second = await execute(ctx, "world_manager", args)
    assert first.status == second.status == "success"
    assert first.result == second.result
    with session_scope() as session:
        assert [listing.world.name for listing in worlds.list_worlds(session, person)] == ["Once"]


class Crash(BaseException):
    """Stands in for our server dying between Letta's approval request and the tool running:
    like the end of a process, no turn code handles it, and the run is left open."""


async def test_a_pending_approval_survives_a_crash(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"crash while creating {tag}",
        then=[
            ToolCall("world_manager", {"operation": "create", "name": f"Survivor {tag}"}),
            Reply("Created."),
        ],
    )

    async def crash_on_tool(event: TurnEvent) -> None:
        if isinstance(event, ToolCallStarted):
            raise Crash

    with pytest.raises(Crash):
        await orchestrator.run_turn(
            TurnRequest(person, AgentKind.USER, None, None, f"crash while creating {tag}"),
            crash_on_tool,
        )
    with session_scope() as session:
        assert worlds.list_worlds(session, person) == []

    llm.on_user(f"after the restart {tag}", then=[Reply("Still here.")])
    events = Recorder()
    finished = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"after the restart {tag}"), events
    )

    # The next message first finishes the turn the crash left waiting, then is answered.
    assert (finished.stop_reason, finished.error) == ("end_turn", None)
    assert "".join(e.text for e in events.of(TextDelta)) == "Created.Still here."
    with session_scope() as session:
        assert [w.world.name for w in worlds.list_worlds(session, person)] == [f"Survivor {tag}"]
        stops = session.exec(
            select(AgentRun.stop_reason)
            .where(AgentRun.user_id == person.user_id)
            .order_by(col(AgentRun.started_at))
        ).all()
    assert stops == ["end_turn", "end_turn"]
    kinds = [(m.message_type, m.tool_status) for m in _conversation(person, None)]
    assert kinds.count(("tool_call", "success")) == 1


def _limited(settings: Settings, **limits: object) -> Settings:
    return settings.model_copy(update=limits)


async def test_a_model_server_that_hangs_up_is_named_and_the_turn_can_be_retried(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(f"ask the dead model {tag}", then=[Hangup()])
    events = Recorder()
    failed = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"ask the dead model {tag}"), events
    )

    assert failed.retryable and failed.run_id is not None
    assert failed.error is not None
    assert failed.error.startswith(f"The model server at {llm.base_url} did not answer (")
    assert "Your message is saved" in failed.error
    assert turns.conversation(person, None, limit=50).retry_run == failed.run_id

    llm.reset()
    llm.on_user(f"ask the dead model {tag}", then=[Reply("Back again.")])
    retried = await orchestrator.resume(person, failed.run_id, events)

    assert (retried.stop_reason, retried.error, retried.run_id) == ("end_turn", None, failed.run_id)
    assert turns.conversation(person, None, limit=50).retry_run is None
    messages = [(m.message_type, m.content) for m in _conversation(person, None)]
    assert messages[0] == ("user", f"ask the dead model {tag}")
    assert [content for kind, content in messages if kind == "user"] == [messages[0][1]]
    assert messages[-1] == ("assistant", "Back again.")


async def test_retry_is_offered_for_the_last_unfinished_turn_only(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(f"first {tag}", then=[Hangup()])
    llm.on_user(f"second {tag}", then=[Reply("Fine.")])
    failed = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"first {tag}"), Recorder()
    )
    assert turns.conversation(person, None, limit=50).retry_run == failed.run_id

    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"second {tag}"), Recorder()
    )
    assert turns.conversation(person, None, limit=50).retry_run is None


async def test_a_turn_past_its_wall_time_stops_keeping_its_words(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    tag, gate = uuid.uuid4().hex[:6], Gate()
    llm.on_user(f"ramble {tag}", then=[Reply("Once upon a time there was a tide.", hold=gate)])
    llm.on_user(f"hello {tag}", then=[Reply("Hello.")])
    # The agent exists before the timed turn, so the limit only meets the held reply.
    await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"hello {tag}"), Recorder()
    )
    hasty = Orchestrator(orchestrator.letta, settings=_limited(dsf_in_process, turn_max_seconds=5))
    try:
        finished = await hasty.run_turn(
            TurnRequest(person, AgentKind.USER, None, None, f"ramble {tag}"), Recorder()
        )
    finally:
        gate.open()

    assert finished.stop_reason == "max_time" and not finished.retryable
    assert finished.error is not None and "DSF_TURN_MAX_SECONDS" in finished.error
    reply = [m for m in _conversation(person, None) if m.message_type == "assistant"][-1]
    assert reply.content.startswith("Once") and reply.stream_status == "interrupted"
    assert finished.interrupted == {reply.letta_message_id}


async def test_a_reply_past_its_length_stops_and_the_agent_answers_the_next_message(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(f"loop {tag}", then=[Reply("again " * 200)])
    llm.on_user(f"stop looping {tag}", then=[Reply("Sorry, I stop.")])
    terse = Orchestrator(
        orchestrator.letta, settings=_limited(dsf_in_process, turn_max_reply_chars=60)
    )
    stopped = await terse.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"loop {tag}"), Recorder()
    )
    assert stopped.stop_reason == "max_reply"
    assert stopped.error is not None and "DSF_TURN_MAX_REPLY_CHARS" in stopped.error

    events = Recorder()
    after = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"stop looping {tag}"), events
    )
    assert (after.stop_reason, after.error) == ("end_turn", None)
    assert "".join(e.text for e in events.of(TextDelta)).endswith("Sorry, I stop.")


async def test_a_turn_past_its_model_steps_stops_and_its_calls_are_refused_next_turn(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"list forever {tag}",
        then=[ToolCall("list_worlds", {}), ToolCall("list_worlds", {}), Reply("Listed.")],
    )
    llm.on_user(f"then stop {tag}", then=[Reply("Stopped.")])
    brief = Orchestrator(orchestrator.letta, settings=_limited(dsf_in_process, turn_max_steps=1))
    stopped = await brief.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"list forever {tag}"), Recorder()
    )
    assert stopped.stop_reason == "max_steps"
    assert stopped.error is not None and "DSF_TURN_MAX_STEPS" in stopped.error

    after = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"then stop {tag}"), Recorder()
    )
    assert (after.stop_reason, after.error) == ("end_turn", None)
    refused = [r for r in _tool_results_sent(llm) if "before the tool ran" in r]
    assert refused, _tool_results_sent(llm)


async def test_a_run_whose_worker_is_gone_is_closed_on_the_next_load(
    dsf_in_process: Settings, person: Actor
) -> None:
    stale = turns.start(person, AgentKind.USER, None, None, "silent elsewhere")
    ours = turns.start(person, AgentKind.USER, None, None, "cut off here")
    workers.released(ours.run_id)  # this process no longer drives it, as after a crash
    elsewhere = turns.start(person, AgentKind.USER, None, None, "alive elsewhere")
    with session_scope() as session:
        for record, beat in ((elsewhere, utcnow()), (stale, utcnow() - timedelta(minutes=5))):
            run = session.get(AgentRun, record.run_id)
            assert run is not None
            run.worker, run.heartbeat_at = "another-host:123:456", beat
            session.add(run)

    conversation = turns.conversation(person, None, limit=50)

    with session_scope() as session:
        closed = {
            run.prompt: run.stop_reason
            for run in session.exec(select(AgentRun).where(AgentRun.user_id == person.user_id))
        }
    assert closed == {
        "cut off here": "interrupted",
        "alive elsewhere": None,
        "silent elsewhere": "interrupted",
    }
    assert conversation.retry_run is None  # the newest turn still runs elsewhere
    errors = [m.content for m in conversation.messages if m.message_type == "error"]
    assert errors == [turns.CUT_OFF, turns.CUT_OFF]


async def test_a_reasoning_models_thoughts_and_answer_stay_apart(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    """Letta gives a step's reasoning and its answer one message id; the reply must not land
    inside the collapsed Reasoning row, live or stored."""
    tag = uuid.uuid4().hex[:6]
    llm.on_user(tag, then=[Reply(f"The tide is high {tag}.", reasoning=f"Think of tides {tag}.")])
    events = Recorder()
    await orchestrator.run_turn(TurnRequest(person, AgentKind.USER, None, None, tag), events)

    said = {
        kind: "".join(e.text for e in events.of(TextDelta) if e.kind == kind)
        for kind in ("reasoning", "assistant")
    }
    assert said == {"reasoning": f"Think of tides {tag}.", "assistant": f"The tide is high {tag}."}
    stored = {m.message_type: m.content for m in _conversation(person, None) if m.role != "user"}
    assert stored == said
