"""Daily budgets per person: what is counted (turns, model steps, images, evaluations, imports),
that a spent budget refuses with a sentence naming the limit and when it starts again while
nothing is stored half-way, that a failed call gives its reservation back, that parallel calls
never pass a limit, and that a nested turn draws on its parent turn's model steps."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, func, select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.approval_loop import Orchestrator, TurnRequest
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import execute
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, ServiceUnavailable
from dsf_app.evaluators import evaluate_segment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import (
    AgentKind,
    AgentRun,
    Asset,
    ChatMessage,
    CodexEntry,
    Evaluation,
    EvaluationKind,
    Meter,
    Visibility,
    World,
)
from dsf_app.services import imports, lorebook, lorebook_format, quotas, turns, users, world_import
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import AssetStorage
from tests.factories import make_actor, make_segment, make_story, make_world
from tests.fakes.image_servers import FakeOpenAIImages
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.test_lorebook import FIXTURES
from tests.turn_events import Recorder
from tests.world_documents import document

RESETS = "it starts again at midnight UTC (in "


async def _ignore(_: TurnEvent) -> None:
    return None


def _limit(person: Actor, meter: Meter, limit: int | None) -> None:
    with session_scope() as session:
        quotas.set_limit(session, person, meter, limit)


def _used(person: Actor, meter: Meter) -> int:
    with session_scope() as session:
        return next(row.used for row in quotas.usage(session, person) if row.meter == meter)


# --- The service ------------------------------------------------------------------------------


def test_a_spent_budget_names_its_limit_and_when_it_starts_again(session: Session) -> None:
    ada = make_actor(session)
    quotas.set_limit(session, ada, Meter.IMAGES, 2)
    evening = datetime(2026, 12, 7, 21, 30, tzinfo=UTC)
    quotas.reserve(session, ada, Meter.IMAGES, 2, now=evening)
    with pytest.raises(Forbidden) as refused:
        quotas.reserve(session, ada, Meter.IMAGES, now=evening)
    assert str(refused.value) == (
        "You have reached your daily limit of 2 images; it starts again at midnight UTC "
        "(in 2 h 30 min)."
    )
    # The next UTC day is a new budget; the evening's count stays with its own day.
    quotas.reserve(session, ada, Meter.IMAGES, now=datetime(2026, 12, 8, 0, 1, tzinfo=UTC))


def test_what_a_failed_call_did_not_spend_goes_back_to_its_own_day(session: Session) -> None:
    ada = make_actor(session)
    quotas.set_limit(session, ada, Meter.STEPS, 10)
    held = quotas.reserve_up_to(session, ada, Meter.STEPS, 40)
    assert held.amount == 10
    with pytest.raises(Forbidden):
        quotas.reserve_up_to(session, ada, Meter.STEPS, 1)
    quotas.release(session, ada, held, 7)
    assert next(u.used for u in quotas.usage(session, ada) if u.meter == Meter.STEPS) == 3
    assert quotas.reserve_up_to(session, ada, Meter.STEPS, 40).amount == 7


def test_parallel_reservations_never_pass_the_limit(dsf_in_process: Settings) -> None:
    with session_scope() as session:
        ada = make_actor(session)
        quotas.set_limit(session, ada, Meter.EVALUATIONS, 5)

    def one() -> bool:
        try:
            quotas.reserve_now(ada, Meter.EVALUATIONS)
        except Forbidden:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        granted = list(pool.map(lambda _: one(), range(24)))
    assert granted.count(True) == 5
    assert _used(ada, Meter.EVALUATIONS) == 5


def test_the_account_page_numbers_follow_the_settings_and_own_limits(session: Session) -> None:
    ada = make_actor(session)
    quotas.set_limit(session, ada, Meter.IMPORTS, 3)
    quotas.reserve(session, ada, Meter.IMPORTS)
    shown = {row.meter: (row.used, row.limit, row.own_limit) for row in quotas.usage(session, ada)}
    assert shown[Meter.IMPORTS] == (1, 3, True)
    assert shown[Meter.TURNS] == (0, quotas.default_limit(Meter.TURNS), False)
    quotas.set_limit(session, ada, Meter.IMPORTS, None)
    assert quotas.daily_limit(session, ada, Meter.IMPORTS) == quotas.default_limit(Meter.IMPORTS)


# --- Images -----------------------------------------------------------------------------------


def _stored_keys(storage: AssetStorage, owner: Actor) -> list[str]:
    listing = storage.client.list_objects_v2(
        Bucket=storage.bucket, Prefix=f"users/{owner.user_id}/"
    )
    return [item["Key"] for item in listing.get("Contents", [])]


async def _image(person: Actor, world_id: uuid.UUID, prompt: str) -> tuple[str, str]:
    ctx = ToolContext(person, world_id, None, f"call-{uuid.uuid4().hex}", _ignore)
    outcome = await execute(
        ctx, "image_generator", json.dumps({"prompt": prompt, "provider": "openai"})
    )
    return outcome.status, outcome.result


async def test_the_image_past_the_daily_limit_is_refused_and_nothing_is_stored(
    dsf_in_process: Settings, storage: AssetStorage, openai_images: FakeOpenAIImages
) -> None:
    with session_scope() as session:
        ada = make_actor(session)
        world_id = make_world(session, ada).id
    _limit(ada, Meter.IMAGES, 2)
    tag = uuid.uuid4().hex[:8]
    for n in range(2):
        assert (await _image(ada, world_id, f"kelp {n} {tag}"))[0] == "success"

    status, result = await _image(ada, world_id, f"kelp 2 {tag}")

    assert status == "error"
    assert "You have reached your daily limit of 2 images; " + RESETS in result
    assert [p for p in openai_images.prompts() if tag in p] == [f"kelp 0 {tag}", f"kelp 1 {tag}"]
    with session_scope() as session:
        kept = session.exec(select(func.count(col(Asset.id))).where(Asset.world_id == world_id))
        assert kept.one() == 2
    assert len(_stored_keys(storage, ada)) == 2
    assert _used(ada, Meter.IMAGES) == 2


async def test_an_image_the_provider_fails_costs_nothing(
    dsf_in_process: Settings, storage: AssetStorage, openai_images: FakeOpenAIImages
) -> None:
    with session_scope() as session:
        ada = make_actor(session)
        world_id = make_world(session, ada).id
    openai_images.fail_next("refused")
    try:
        status, _ = await _image(ada, world_id, "a refused prompt")
    finally:
        while openai_images.take_failure() is not None:
            pass
    assert status == "error"
    assert _used(ada, Meter.IMAGES) == 0


# --- Turns and model steps --------------------------------------------------------------------


def test_a_message_past_the_daily_turns_is_refused_and_not_stored(
    dsf_in_process: Settings,
) -> None:
    with session_scope() as session:
        ada = make_actor(session)
    _limit(ada, Meter.TURNS, 1)
    turns.start(ada, AgentKind.USER, None, None, "the first")
    with pytest.raises(Forbidden, match="daily limit of 1 message to agents"):
        turns.start(ada, AgentKind.USER, None, None, "the second")
    with session_scope() as session:
        said = session.exec(select(ChatMessage.content).where(ChatMessage.user_id == ada.user_id))
        assert said.all() == ["the first"]


async def test_a_turn_stops_when_the_days_model_steps_run_out(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM
) -> None:
    _limit(person, Meter.STEPS, 1)
    tag = uuid.uuid4().hex[:6]
    llm.on_user(f"list twice {tag}", then=[ToolCall("list_worlds", {}), Reply("Listed.")])
    stopped = await orchestrator.run_turn(
        TurnRequest(person, AgentKind.USER, None, None, f"list twice {tag}"), Recorder()
    )
    assert stopped.stop_reason == "quota"
    assert stopped.error is not None
    assert stopped.error.startswith("You have reached your daily limit of 1 model step; " + RESETS)
    assert _used(person, Meter.STEPS) == 1
    # With no step left, the next message is not even stored: it stays with the person.
    with pytest.raises(Forbidden, match="daily limit of 1 model step"):
        await orchestrator.start(TurnRequest(person, AgentKind.USER, None, None, "again"))


async def test_nested_turns_draw_on_the_parent_turns_steps(
    orchestrator: Orchestrator, person: Actor, llm: ScriptedLLM, dsf_in_process: Settings
) -> None:
    with session_scope() as session:
        world_id = make_world(session, person).id
    tag = uuid.uuid4().hex[:6]
    llm.on_user(
        f"show me the farms {tag}",
        then=[ToolCall("delegate_to_experience", {"task": f"list the farms {tag}"}), Reply("Ok.")],
    )
    listing = ToolCall("asset_manager", {"operation": "list"})
    llm.on_user(f"list the farms {tag}", then=[listing, listing, listing, Reply("Listed.")])
    brief = Orchestrator(
        orchestrator.letta, settings=dsf_in_process.model_copy(update={"turn_max_steps": 3})
    )
    await brief.run_turn(
        TurnRequest(person, AgentKind.WORLD, world_id, None, f"show me the farms {tag}"),
        Recorder(),
    )
    with session_scope() as session:
        runs = {
            AgentKind(run.agent_kind): run
            for run in session.exec(select(AgentRun).where(AgentRun.user_id == person.user_id))
        }
    nested = runs[AgentKind.EXPERIENCE]
    assert nested.stop_reason == "max_steps"
    # The delegation's step and the nested turn's together stay within the turn's three.
    assert runs[AgentKind.WORLD].steps + nested.steps <= 3
    assert _used(person, Meter.STEPS) == runs[AgentKind.WORLD].steps + nested.steps


# --- Evaluations and imports ------------------------------------------------------------------


def _public_segment(tag: str) -> uuid.UUID:
    """Someone else's segment in a public world, its text carrying `tag`."""
    with session_scope() as session:
        author = make_actor(session, "Ola")
        users.get_user(session, author.user_id).email_verified = True  # may publish
        world = make_world(session, author, "Open Tides", Visibility.PUBLIC)
        story = make_story(session, author, world)
        return make_segment(session, author, story, f"The sea came back ({tag}).").id


async def test_a_readers_evaluations_of_a_public_segment_count_against_the_reader(
    dsf_in_process: Settings, llm: ScriptedLLM
) -> None:
    segment_id = _public_segment(uuid.uuid4().hex)
    with session_scope() as session:
        reader = make_actor(session, "Ren")
    _limit(reader, Meter.EVALUATIONS, 0)
    with pytest.raises(Forbidden, match="daily limit of 0 evaluations"):
        await evaluate_segment(reader, EvaluationKind.QUALITY, SegmentTarget(segment_id=segment_id))
    with session_scope() as session:
        kept = session.exec(select(Evaluation).where(Evaluation.user_id == reader.user_id))
        assert kept.all() == []


async def test_an_evaluation_the_model_fails_costs_nothing(
    dsf_in_process: Settings, llm: ScriptedLLM
) -> None:
    tag = uuid.uuid4().hex
    segment_id = _public_segment(tag)
    with session_scope() as session:
        reader = make_actor(session, "Ren")
    llm.on_judgment(tag, ["not a judgment", "still not one"])
    with pytest.raises(ServiceUnavailable, match="invalid twice"):
        await evaluate_segment(reader, EvaluationKind.QUALITY, SegmentTarget(segment_id=segment_id))
    assert _used(reader, Meter.EVALUATIONS) == 0


def test_imports_past_the_daily_limit_are_refused_and_write_nothing(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    quotas.set_limit(session, ada, Meter.IMPORTS, 1)
    book = lorebook_format.parse((FIXTURES / "tidewater_world_info.json").read_text())
    lorebook.import_lorebook(session, ada, world.id, book, author="person")

    def kept() -> tuple[int, int]:
        owned = select(func.count(col(World.id))).where(World.owner_id == ada.user_id)
        entries = select(func.count(col(CodexEntry.id))).where(CodexEntry.world_id == world.id)
        return session.exec(owned).one(), session.exec(entries).one()

    before = kept()
    with pytest.raises(Forbidden, match="daily limit of 1 import"):
        world_import.import_world(session, ada, world_import.parse(document()))
    with pytest.raises(Forbidden, match="daily limit of 1 import"):
        lorebook.import_lorebook(session, ada, world.id, book, author="person")
    assert kept() == before == (1, 5)


async def test_an_import_is_refused_before_its_upload_is_read_when_none_is_left(
    dsf_in_process: Settings,
) -> None:
    with session_scope() as session:
        ada = make_actor(session)
    _limit(ada, Meter.IMPORTS, 0)
    with pytest.raises(Forbidden, match="daily limit of 0 imports"):
        async with imports.one_at_a_time(ada):
            pytest.fail("the upload would be read")
