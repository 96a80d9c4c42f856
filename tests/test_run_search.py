"""Agent runs searched by meaning: the offline embedder (the real model), the embedding written
when a run finishes (and a run kept when it cannot be), and a search that finds the person's own
runs nearest in meaning and nobody else's."""

from __future__ import annotations

import logging
import math
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from dsf_app import embeddings
from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.db import session_scope
from dsf_app.embeddings import encoder
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.letta.connection import connect
from dsf_app.models import AgentKind, AgentRun
from dsf_app.models.agents import EMBEDDING_DIMENSIONS
from dsf_app.services import runs
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings
from tests.factories import make_actor
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

TURNS = {
    "desalination": (
        "Draft a world whose coastal cities live on desalination plants.",
        "Done: Brinewater. Cheap membranes made fresh water plentiful, and the brine the "
        "plants pour back has left dead zones along every coast.",
    ),
    "fusion": (
        "How did the fusion reactors on the Moon change politics?",
        "Helium-3 mining gave the lunar colonies leverage over Earth's energy markets.",
    ),
    "poem": (
        "Write a short poem about autumn leaves for the opening scene.",
        "The leaves fell red and gold over the quiet station.",
    ),
    "property": (
        "Add a rule that artificial intelligences cannot own property.",
        "Added: AIs may not hold property; their earnings go to a public trust.",
    ),
}


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _finished(
    session: Session, actor: Actor, prompt: str, reply: str, tools_used: tuple[str, ...] = ()
) -> AgentRun:
    run = runs.start_run(session, actor, AgentKind.USER, None, "agent-test")
    calls = [{"name": name, "status": "success", "duration_ms": 5} for name in tools_used]
    return runs.finish_run(
        session, actor, run.id, "end_turn", tool_calls=calls, prompt=prompt, reply=reply
    )


def test_the_embedder_gives_stable_unit_vectors_that_follow_meaning() -> None:
    first, again, paraphrase, unrelated = embeddings.embed(
        [
            "Desalination plants and the brine they discharge.",
            "Desalination plants and the brine they discharge.",
            "Turning sea water into drinking water leaves salty waste behind.",
            "A jazz quartet played late into the night in Paris.",
        ]
    )
    assert len(first) == EMBEDDING_DIMENSIONS
    assert first == again
    assert embeddings.embed(["Desalination plants and the brine they discharge."])[0] == (
        pytest.approx(first, abs=1e-5)
    )
    for vector in (first, paraphrase, unrelated):
        assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0, abs=1e-5)
    assert _cosine(first, paraphrase) > _cosine(first, unrelated) + 0.2
    assert embeddings.embed([]) == []


def test_the_model_loads_once_however_many_threads_ask_first() -> None:
    model = encoder._Model()
    with ThreadPoolExecutor(max_workers=4) as pool:
        loaded = list(pool.map(lambda _: model.get(), range(8)))
    assert all(pair is loaded[0] for pair in loaded)

    texts = [f"Tidal farm number {i} feeds the drowned city." for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda text: embeddings.embed([text])[0], texts))
    for alone, batched in zip(together, embeddings.embed(texts), strict=True):
        assert alone == pytest.approx(batched, abs=1e-5)


def test_finishing_a_run_stores_its_text_and_embedding(session: Session) -> None:
    person = make_actor(session)
    prompt, reply = TURNS["desalination"]
    run = _finished(session, person, prompt, reply, ("world_manager", "world_manager", "canvas_ui"))

    assert run.summary == f"{prompt}\nTools: world_manager, canvas_ui\n{reply}"
    assert run.embedding is not None and len(run.embedding) == EMBEDDING_DIMENSIONS
    stored = session.exec(select(AgentRun.embedding).where(AgentRun.id == run.id)).one()
    assert stored is not None
    assert list(stored) == pytest.approx(embeddings.embed([run.summary])[0], abs=1e-5)


def test_a_run_whose_embedding_fails_is_still_recorded(
    session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    person = make_actor(session)

    def broken(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("the ONNX session is gone")

    monkeypatch.setattr(embeddings, "embed", broken)
    with caplog.at_level(logging.ERROR, logger="dsf_app.services.runs"):
        run = _finished(session, person, "Name the moons of the ice giant.", "Three moons.")

    recorded = runs.get_run(session, person, run.id)
    assert (recorded.stop_reason, recorded.embedding) == ("end_turn", None)
    assert recorded.ended_at is not None
    assert recorded.summary.startswith("Name the moons")
    assert f"Could not embed agent run {run.id}" in caplog.text
    monkeypatch.undo()
    assert runs.search_runs(session, person, "moons", max_distance=2.0) == []  # left out


def test_a_run_with_no_text_has_no_embedding(session: Session) -> None:
    person = make_actor(session)
    run = runs.start_run(session, person, AgentKind.USER, None, "agent-test")
    finished = runs.finish_run(session, person, run.id, "error", error="Letta was down.")
    assert (finished.summary, finished.embedding) == ("", None)


def test_search_finds_the_run_that_means_the_same_first(session: Session) -> None:
    person = make_actor(session)
    seeded = {name: _finished(session, person, *turn).id for name, turn in TURNS.items()}
    runs.start_run(session, person, AgentKind.USER, None, "unfinished")  # no embedding yet

    for query, expected in [
        ("salt water purification", "desalination"),
        ("energy from nuclear fusion", "fusion"),
        ("robots and ownership laws", "property"),
        ("autumn poetry", "poem"),
    ]:
        found = runs.search_runs(session, person, query)
        assert found, query
        assert found[0].id == seeded[expected], (query, [r.summary[:40] for r in found])
        assert all(run.embedding is not None for run in found)

    assert len(runs.search_runs(session, person, "salt water purification", limit=1)) == 1
    assert runs.search_runs(session, person, "tax accounting software") == []


def test_search_never_returns_another_persons_runs(session: Session) -> None:
    me, other = make_actor(session, "Me"), make_actor(session, "Other")
    theirs = _finished(session, other, *TURNS["desalination"])
    mine = _finished(session, me, *TURNS["fusion"])

    found = runs.search_runs(session, me, "salt water purification", max_distance=2.0)
    assert [run.id for run in found] == [mine.id]  # every run of mine, however far
    assert theirs.id in [run.id for run in runs.search_runs(session, other, "desalination")]


def test_search_refuses_an_empty_query_and_reports_a_broken_model(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_actor(session)
    with pytest.raises(Invalid, match="Type what you are looking for"):
        runs.search_runs(session, person, "   ")
    with pytest.raises(Invalid):
        runs.search_runs(session, person, "x" * 201)
    with pytest.raises(Invalid):
        runs.search_runs(session, person, "brine", limit=0)

    def broken(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("no model")

    monkeypatch.setattr(embeddings, "embed", broken)
    with pytest.raises(ServiceUnavailable, match="Searching runs by meaning is unavailable"):
        runs.search_runs(session, person, "brine")


async def test_a_turn_is_embedded_when_it_ends(
    dsf_in_process: Settings, letta_url: str, llm: ScriptedLLM
) -> None:
    """Through the orchestrator: the run keeps the prompt, the tools and the reply, embedded."""
    with session_scope() as session:
        person = Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Ada").id)
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        tag,
        then=[
            ToolCall("list_worlds", {"search": "Brine"}),
            Reply(
                "Your world Brinewater turns the sea into drinking water; the brine kills reefs."
            ),
        ],
    )

    async def ignore(event: object) -> None:
        pass

    async with connect(dsf_in_process) as letta:
        finished = await Orchestrator(letta).run_turn(
            TurnRequest(person, AgentKind.USER, None, None, f"remind me about desalination {tag}"),
            ignore,
        )
    assert finished.stop_reason == "end_turn"

    with session_scope() as session:
        (run,) = session.exec(select(AgentRun).where(AgentRun.user_id == person.user_id)).all()
        assert run.summary.startswith(f"remind me about desalination {tag}\nTools: list_worlds\n")
        assert "the brine kills reefs" in run.summary
        assert run.embedding is not None and len(run.embedding) == EMBEDDING_DIMENSIONS
        assert [r.id for r in runs.search_runs(session, person, "salt water purification")] == [
            run.id
        ]
