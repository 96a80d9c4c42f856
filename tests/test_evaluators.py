"""The four evaluators against the scripted model speaking OpenAI's structured-output protocol:
judged parts validated (and retried once), measured parts computed by code, results kept with
their model and time — and nothing stored when the judgment stays invalid."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from sqlmodel import select

from dsf_app.agents import tools  # noqa: F401  (registers the tools)
from dsf_app.agents.context import ToolContext
from dsf_app.agents.events import TurnEvent
from dsf_app.agents.registry import execute
from dsf_app.db import session_scope
from dsf_app.errors import ServiceUnavailable
from dsf_app.evaluators import compare_versions, evaluate_segment
from dsf_app.evaluators.judge import judge_model, response_format
from dsf_app.evaluators.judgments import ConsistencyJudgment
from dsf_app.evaluators.targets import SegmentTarget
from dsf_app.models import Evaluation, EvaluationKind, EvaluationSource
from dsf_app.services import evaluations, stories, world_updates, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.services.world_updates import WorldUpdate
from dsf_app.settings import Settings
from tests.fakes.llm_server import ScriptedLLM

FOUNDATION = {
    "core_premise": "The oceans rose and cities float on kelp rafts.",
    "rules": [
        {"id": "r-tides", "statement": "Every raft city must anchor at low tide."},
        {"id": "r-kelp", "statement": "Kelp is the only building material."},
    ],
}


# (world, story, segment, a tag unique to the test's prompts)
Scene = tuple[uuid.UUID, uuid.UUID, uuid.UUID, str]


@pytest.fixture
def person(dsf_in_process: Settings) -> Actor:
    with session_scope() as session:
        return Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Eva").id)


@pytest.fixture
def scene(person: Actor) -> Scene:
    """(world, story, segment, tag): a segment whose text carries a tag the judge rules match."""
    tag = uuid.uuid4().hex[:10]
    with session_scope() as session:
        world = worlds.create_world(
            session, person, f"Kelpwater {tag}", "Floating cities", FOUNDATION
        )
        story = stories.create_story(session, person, world.id, "Low Tide")
        segment = stories.add_segment(
            session,
            person,
            story.id,
            "The Anchor",
            f"At low tide the city dropped its anchors of braided kelp. Mira ({tag}) watched "
            "the steel crane lift a second raft, which no one had ever built from steel.",
            world_evolution={"rules_applied": ["r-tides"], "rules_challenged": ["r-kelp"]},
        )
    return world.id, story.id, segment.id, tag


def _stored(person: Actor) -> list[Evaluation]:
    with session_scope() as session:
        return list(session.exec(select(Evaluation).where(Evaluation.user_id == person.user_id)))


CONSISTENT = {
    "findings": [
        {
            "rule_id": "r-tides",
            "verdict": "applies",
            "quote": "At low tide the city dropped its anchors",
            "reason": "It anchors at low tide.",
        },
        {
            "rule_id": "r-kelp",
            "verdict": "violates",
            "quote": "the steel crane lift a second raft",
            "reason": "A steel raft breaks the kelp-only rule.",
        },
    ],
    "summary": "Mostly faithful; the steel raft breaks a rule.",
}


async def test_consistency_names_rules_by_id_and_quotes_the_segment(
    person: Actor, scene: Scene, llm: ScriptedLLM
) -> None:
    world_id, story_id, segment_id, tag = scene
    llm.on_judgment(tag, [CONSISTENT])
    evaluation = await evaluate_segment(
        person, EvaluationKind.CONSISTENCY, SegmentTarget(segment_id=segment_id)
    )
    assert (evaluation.world_id, evaluation.story_id, evaluation.segment_id) == (
        world_id,
        story_id,
        segment_id,
    )
    assert evaluation.model == "openai-proxy/dsf-fake-model" and evaluation.target == "The Anchor"
    findings = evaluation.result["findings"]
    assert [(f["rule_id"], f["verdict"]) for f in findings] == [
        ("r-tides", "applies"),
        ("r-kelp", "violates"),
    ]
    assert findings[1]["statement"] == "Kelp is the only building material."
    assert evaluation.result["counts"] == {"applies": 1, "strains": 0, "violates": 1}
    assert evaluation.score == 50.0
    sent = next(r for r in llm.requests if tag in json.dumps(r["messages"]))
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert "r-kelp: Kelp is the only building material." in sent["messages"][1]["content"]


async def test_an_invalid_judgment_is_retried_once_with_what_was_wrong(
    person: Actor, scene: Scene, llm: ScriptedLLM
) -> None:
    _, _, segment_id, tag = scene
    wrong = {**CONSISTENT, "findings": [{**CONSISTENT["findings"][0], "rule_id": "r-moon"}]}
    llm.on_judgment(tag, [wrong, CONSISTENT])
    evaluation = await evaluate_segment(
        person, EvaluationKind.CONSISTENCY, SegmentTarget(segment_id=segment_id)
    )
    assert len(evaluation.result["findings"]) == 2
    retry = next(r for r in reversed(llm.requests) if tag in json.dumps(r["messages"]))
    assert "no rule has the id r-moon" in retry["messages"][-1]["content"]
    assert len(_stored(person)) == 1


@pytest.mark.parametrize(
    "answers",
    [
        ['{"findings": [', "not json at all"],
        [
            {
                **CONSISTENT,
                "findings": [{**CONSISTENT["findings"][0], "quote": "words never written"}],
            },
        ]
        * 2,
    ],
    ids=["malformed JSON", "a quote not in the segment"],
)
async def test_a_judgment_invalid_twice_is_an_error_and_nothing_is_stored(
    person: Actor, scene: Scene, llm: ScriptedLLM, answers: list
) -> None:
    _, _, segment_id, tag = scene
    llm.on_judgment(tag, answers)
    with pytest.raises(ServiceUnavailable, match="invalid twice"):
        await evaluate_segment(
            person, EvaluationKind.CONSISTENCY, SegmentTarget(segment_id=segment_id)
        )
    assert _stored(person) == []


async def test_quality_scores_the_fixed_rubric(
    person: Actor, scene: Scene, llm: ScriptedLLM
) -> None:
    _, _, segment_id, tag = scene
    scores = {"coherence": 4, "grounding": 2, "prose": 5, "advancement": 3}
    llm.on_judgment(
        tag, [{name: {"score": s, "reason": f"{name} reason"} for name, s in scores.items()}]
    )
    evaluation = await evaluate_segment(
        person, EvaluationKind.QUALITY, SegmentTarget(segment_id=segment_id)
    )
    assert evaluation.result["average"] == 3.5
    assert evaluation.score == 70.0
    assert evaluation.result["grounding"] == {"score": 2, "reason": "grounding reason"}


async def test_information_gain_measures_novelty_against_the_lore(
    person: Actor, scene: Scene, llm: ScriptedLLM
) -> None:
    _, story_id, _, tag = scene
    answer = {
        "new_elements": ["a steel crane", "Every raft city must anchor at low tide."],
        "rules_challenged": [{"rule_id": "r-kelp", "how": "Steel rafts."}],
        "questions_opened": ["Where does the steel come from?"],
    }
    llm.on_judgment(tag, [answer, answer])
    repeated = await evaluate_segment(
        person,
        EvaluationKind.INFORMATION_GAIN,
        SegmentTarget(draft=f"({tag}) Every raft city must anchor at low tide.", story_id=story_id),
    )
    fresh = await evaluate_segment(
        person,
        EvaluationKind.INFORMATION_GAIN,
        SegmentTarget(
            draft=f"({tag}) A violin concerto echoed through the desert observatory at noon.",
            story_id=story_id,
        ),
    )
    assert repeated.segment_id is None and repeated.target == "a draft"
    assert repeated.result["lore_passages"] >= 3
    assert fresh.score is not None and repeated.score is not None
    assert fresh.score > repeated.score + 20, (fresh.score, repeated.score)
    elements = {e["text"]: e["novelty"] for e in repeated.result["new_elements"]}
    assert elements["Every raft city must anchor at low tide."] < 5
    assert elements["a steel crane"] > elements["Every raft city must anchor at low tide."]


async def test_compare_versions_finds_the_segments_that_rely_on_a_changed_rule(
    person: Actor, scene: Scene, llm: ScriptedLLM
) -> None:
    world_id, _, segment_id, tag = scene
    with session_scope() as session:
        world_updates.update_world(
            session,
            person,
            world_id,
            [
                WorldUpdate(
                    path="rules.r-tides.statement",
                    operation="update",
                    value="Raft cities anchor only in storms.",
                    reason="Tides no longer matter.",
                )
            ],
            author="person",
        )
    llm.on_judgment(
        f"Kelpwater {tag}, version 1",
        [
            {
                "summary": "Anchoring moved.",
                "implications": [{"segment_id": "nope", "implication": "x"}],
            },
            {
                "summary": "Anchoring now follows storms, not tides.",
                "implications": [
                    {
                        "segment_id": str(segment_id),
                        "implication": "Its low-tide anchoring is now wrong.",
                    }
                ],
            },
        ],
    )
    evaluation = await compare_versions(person, world_id, 1, 2, source=EvaluationSource.AGENT)
    result = evaluation.result
    assert evaluation.target == "v1 → v2" and evaluation.score is None
    assert result["summary"] == "Anchoring now follows storms, not tides."
    assert result["changed_rules"] == [
        {
            "rule_id": "r-tides",
            "before": "Every raft city must anchor at low tide.",
            "after": "Raft cities anchor only in storms.",
        }
    ]
    (affected,) = result["affected_segments"]
    assert affected["segment_id"] == str(segment_id) and affected["rule_ids"] == ["r-tides"]
    assert affected["implication"] == "Its low-tide anchoring is now wrong."


async def _ignore(event: TurnEvent) -> None:
    return None


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("check_logical_consistency", lambda s: {"segment_id": str(s[2])}),
        ("compare_versions", lambda s: {"from_version": 1, "to_version": 2}),
    ],
)
async def test_the_agent_calls_the_evaluators_as_tools(
    person: Actor, scene: Scene, llm: ScriptedLLM, tool: str, arguments: Callable
) -> None:
    world_id, story_id, _, tag = scene
    with session_scope() as session:
        world_updates.update_world(
            session,
            person,
            world_id,
            [WorldUpdate(path="description", operation="update", value="Rafts", reason="r")],
            author="person",
        )
    llm.on_judgment(
        f"Kelpwater {tag}, version 1", [{"summary": "Only the description.", "implications": []}]
    )
    llm.on_judgment(tag, [CONSISTENT])
    ctx = ToolContext(person, world_id, story_id, f"call_{uuid.uuid4().hex}", _ignore)
    outcome = await execute(ctx, tool, arguments(scene))
    assert outcome.status == "success", outcome.result
    assert "evaluations" in ctx.changed
    (stored,) = _stored(person)
    assert stored.source == "agent"
    assert json.loads(outcome.result)["evaluation_id"] == str(stored.id)


def test_providers_map_to_their_openai_compatible_endpoints(dsf_in_process: Settings) -> None:
    settings = dsf_in_process.model_copy(update={"agent_model": ""})
    gemini = judge_model(settings, "google_ai/gemini-2.5-flash")
    assert gemini.base_url.startswith("https://generativelanguage.googleapis.com/")
    assert gemini.model == "gemini-2.5-flash"
    assert judge_model(settings, "openai-proxy/local").base_url == settings.openai_base_url
    with pytest.raises(ServiceUnavailable, match="ANTHROPIC_API_KEY"):
        judge_model(settings, "anthropic/claude-sonnet-4")
    with pytest.raises(ServiceUnavailable, match="support handles"):
        judge_model(settings, "ollama/llama3")


def test_the_answer_schema_is_as_strict_as_openai_requires() -> None:
    """OpenAI's structured outputs refuse a strict schema unless every object forbids other keys
    and requires all of its own (what `chat.completions.parse` sends, built with public API)."""
    sent = response_format(ConsistencyJudgment)
    assert sent["type"] == "json_schema"
    assert (sent["json_schema"]["name"], sent["json_schema"].get("strict")) == (
        "ConsistencyJudgment",
        True,
    )
    objects = [node for node in _nodes(sent["json_schema"].get("schema")) if "properties" in node]
    assert len(objects) == 2  # the judgment and each finding
    for node in objects:
        assert node["additionalProperties"] is False
        assert set(node["required"]) == set(node["properties"])


def _nodes(value: object) -> Iterator[dict[str, Any]]:
    """Every JSON object inside a schema, itself included."""
    if isinstance(value, dict):
        node = cast("dict[str, Any]", value)
        yield node
        for child in node.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in cast("list[object]", value):
            yield from _nodes(child)


def test_a_person_sees_only_their_own_evaluations(person: Actor, scene: Scene) -> None:
    _, story_id, segment_id, _ = scene
    with session_scope() as session:
        evaluations.record(
            session,
            person,
            EvaluationKind.QUALITY,
            world_id=scene[0],
            story_id=story_id,
            segment_id=segment_id,
            target="x",
            result={},
            model="m",
            score=50,
            source=EvaluationSource.PERSON,
        )
        assert len(evaluations.for_story(session, person, story_id)) == 1
