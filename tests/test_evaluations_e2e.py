"""Evaluations, trajectories and the export in Chromium, with the scripted model playing both
the agents and the judgments: each evaluator from its button and from the World Agent's own
tool call, a malformed judgment shown as an error, scores kept over time, a run's timeline with
a delegation and a failed tool, and its JSONL download parsed back."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.services import stories, world_updates, worlds
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import WorldUpdate
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall, ToolCalls

pytestmark = pytest.mark.usefixtures("dsf_in_process")

FOUNDATION = {
    "core_premise": "The oceans rose and cities float on kelp rafts.",
    "rules": [
        {"id": "r-tides", "statement": "Every raft city must anchor at low tide."},
        {"id": "r-kelp", "statement": "Kelp is the only building material."},
    ],
}
MODEL = "openai-proxy/dsf-fake-model"
# A first turn creates the person's agents on the real Letta server (the Experience Agent too,
# when it delegates): slower than a page update on a busy machine.
TURN_TIMEOUT = 90_000


@dataclass(frozen=True)
class Scene:
    world: uuid.UUID
    story: uuid.UUID
    opening: uuid.UUID
    second: uuid.UUID
    tag: str  # in the opening's text
    bad_tag: str  # in the second part's text
    name: str  # the world's

    @property
    def story_url(self) -> str:
        return f"/worlds/{self.world}/stories/{self.story}"


def seed(actor: Actor) -> Scene:
    tag, bad_tag = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    with session_scope() as session:
        name = f"Kelpwater {uuid.uuid4().hex[:8]}"
        world = worlds.create_world(session, actor, name, "Rafts", FOUNDATION)
        story = stories.create_story(session, actor, world.id, "Low Tide")
        opening = stories.add_segment(
            session,
            actor,
            story.id,
            "The Anchor",
            f"At low tide the city dropped its anchors of braided kelp ({tag}). Mira watched "
            "the steel crane lift a second raft.",
            world_evolution={"rules_applied": ["r-tides"]},
        )
        second = stories.add_segment(
            session, actor, story.id, "The Drift", f"The raft drifted ({bad_tag}).", opening.id
        )
    return Scene(world.id, story.id, opening.id, second.id, tag, bad_tag, name)


def consistency(tag: str) -> dict:
    return {
        "findings": [
            {
                "rule_id": "r-tides",
                "verdict": "applies",
                "quote": f"braided kelp ({tag})",
                "reason": "It anchors at low tide.",
            },
            {
                "rule_id": "r-kelp",
                "verdict": "violates",
                "quote": "the steel crane lift a second raft",
                "reason": "Steel is not kelp.",
            },
        ],
        "summary": "Faithful but for the steel raft.",
    }


def quality(*scores: int) -> dict:
    names = ("coherence", "grounding", "prose", "advancement")
    return {
        name: {"score": s, "reason": f"{name} is {s}"}
        for name, s in zip(names, scores, strict=True)
    }


GAIN = {
    "new_elements": ["a steel crane"],
    "rules_challenged": [{"rule_id": "r-kelp", "how": "A raft of steel."}],
    "questions_opened": ["Who forges steel at sea?"],
}


def script_judgments(llm: ScriptedLLM, tag: str) -> None:
    llm.on_judgment(tag, [consistency(tag)], schema="ConsistencyJudgment")
    llm.on_judgment(tag, [quality(4, 2, 5, 3)], schema="QualityJudgment")
    llm.on_judgment(tag, [GAIN], schema="InformationGainJudgment")


def _send(page: Page, text: str) -> None:
    expect(page.locator("#chat-cancel")).to_have_count(0)  # a busy panel ignores a send
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def test_the_checks_from_the_margin_are_kept_and_shown_over_time(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, actor = signed_in_page, actor_of(account)
    scene = seed(actor)
    script_judgments(llm, scene.tag)
    llm.on_judgment(scene.bad_tag, ['{"findings": [', "still not JSON"])
    page.goto(app_url + scene.story_url)
    opening = page.get_by_role("region", name="Evaluations of part 1")
    second = page.get_by_role("region", name="Evaluations of part 2")

    page.get_by_role("button", name="Check against the world: part 1").click()
    check = opening.locator(".dsf-evaluation[data-kind='consistency']")
    expect(check).to_contain_text("violates r-kelp")
    expect(check).to_contain_text("“the steel crane lift a second raft” — Steel is not kelp.")
    expect(check).to_contain_text("applies r-tides")
    expect(check.locator(".dsf-evaluation-score")).to_have_text("50 / 100")
    expect(check).to_contain_text(f"by you · {MODEL}")

    page.get_by_role("button", name="Assess part 1").click()
    assessed = opening.locator(".dsf-evaluation[data-kind='quality']")
    expect(assessed.locator(".dsf-evaluation-score")).to_have_text("70 / 100")
    expect(assessed).to_contain_text("grounding 2/5")
    expect(assessed).to_contain_text("Average 3.5 of 5")

    page.get_by_role("button", name="What's new in part 1").click()
    gain = opening.locator(".dsf-evaluation[data-kind='information_gain']")
    expect(gain).to_contain_text("a steel crane")
    expect(gain).to_contain_text("challenges r-kelp")
    expect(gain).to_contain_text(re.compile(r"Novelty \d+ / 100 against \d+ passages of lore"))

    # A judgment malformed twice: an error in that part's margin, and nothing kept.
    page.get_by_role("button", name="Check against the world: part 2").click()
    expect(second.locator(".dsf-evaluation-error")).to_contain_text("invalid twice")
    expect(second.locator(".dsf-evaluation")).to_have_count(0)

    # The part is rewritten and assessed again: both scores stay, newest first.
    retag = uuid.uuid4().hex[:10]
    with session_scope() as session:
        stories.update_segment(
            session, actor, scene.opening, title="The Anchor", content=f"Calm seas ({retag})."
        )
    llm.on_judgment(retag, [quality(5, 5, 5, 5)], schema="QualityJudgment")
    page.reload()
    expect(opening.locator(".dsf-evaluation")).to_have_count(3)
    page.get_by_role("button", name="Assess part 1").click()
    scores = opening.locator(".dsf-evaluation[data-kind='quality'] .dsf-evaluation-score")
    expect(scores).to_have_text(["100 / 100", "70 / 100"])


def test_the_world_agent_runs_the_four_evaluators_itself(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, actor = signed_in_page, actor_of(account)
    scene = seed(actor)
    script_judgments(llm, scene.tag)
    ask, compare = uuid.uuid4().hex[:8], uuid.uuid4().hex[:8]
    segment = {"segment_id": str(scene.opening)}
    llm.on_user(
        ask,
        then=[
            ToolCalls(
                [
                    ToolCall("check_logical_consistency", segment),
                    ToolCall("assess_output_quality", segment),
                    ToolCall("analyze_information_gain", segment),
                ]
            ),
            Reply("I checked the opening three ways."),
        ],
    )
    page.goto(app_url + scene.story_url)
    _send(page, f"how does the opening hold up? {ask}")
    expect(page.locator(".chat-assistant").last).to_contain_text(
        "I checked the opening", timeout=TURN_TIMEOUT
    )
    expect(page.locator("#chat-cancel")).to_have_count(0)
    opening = page.get_by_role("region", name="Evaluations of part 1")
    for kind in ("consistency", "quality", "information_gain"):
        card = opening.locator(f".dsf-evaluation[data-kind='{kind}']")
        expect(card).to_contain_text(f"by World Agent · {MODEL}")

    with session_scope() as session:
        world_updates.update_world(
            session,
            actor,
            scene.world,
            [
                WorldUpdate(
                    path="rules.r-tides.statement",
                    operation="update",
                    value="Raft cities anchor only in storms.",
                    reason="Tides stopped mattering.",
                )
            ],
            author="person",
        )
    llm.on_judgment(
        f"{scene.name}, version 1",
        [
            {
                "summary": "Anchoring now follows storms instead of tides.",
                "implications": [
                    {
                        "segment_id": str(scene.opening),
                        "implication": "Its low-tide anchoring is outdated.",
                    }
                ],
            }
        ],
        schema="VersionJudgment",
    )
    llm.on_user(
        compare,
        then=[
            ToolCall("compare_versions", {"from_version": 1, "to_version": 2}),
            Reply("Version 2 moves anchoring to storms."),
        ],
    )
    page.goto(f"{app_url}/worlds/{scene.world}")
    page.get_by_role("tab", name="History").click()
    _send(page, f"what changed in version 2? {compare}")
    expect(page.locator(".chat-assistant").last).to_contain_text(
        "moves anchoring to storms", timeout=TURN_TIMEOUT
    )
    summaries = page.locator("#version-summaries .dsf-evaluation")
    expect(summaries).to_have_count(1)
    expect(summaries.first).to_contain_text("by World Agent")
    expect(summaries.first).to_contain_text("v1 → v2")
    expect(summaries.first).to_contain_text("Anchoring now follows storms instead of tides.")
    expect(summaries.first).to_contain_text("rule r-tides")
    expect(summaries.first).to_contain_text("Low Tide · The Anchor")
    expect(summaries.first).to_contain_text("Its low-tide anchoring is outdated.")

    # The same from the button under the diff of the two versions the page picked.
    page.get_by_role("button", name="Explain the change").click()
    expect(summaries).to_have_count(2)
    expect(summaries.first).to_contain_text("by you")


def test_a_runs_trajectory_shows_the_delegation_and_the_failed_tool(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, actor = signed_in_page, actor_of(account)
    scene = seed(actor)
    tag, task = uuid.uuid4().hex[:8], f"paint the raft {uuid.uuid4().hex[:8]}"
    llm.on_user(task, then=[ToolCall("asset_manager", {"operation": "list"}), Reply("Painted.")])
    llm.on_user(
        tag,
        then=[
            ToolCall("delegate_to_experience", {"task": task}),
            ToolCall("story_manager", {"operation": "load", "story_id": str(uuid.uuid4())}),
            Reply("Done; one story was missing."),
        ],
    )
    page.goto(f"{app_url}/worlds/{scene.world}")
    _send(page, f"paint and load {tag}")
    expect(page.locator(".chat-assistant").last).to_contain_text(
        "one story was missing", timeout=TURN_TIMEOUT
    )
    expect(page.locator("#chat-cancel")).to_have_count(0)  # the turn is recorded

    page.goto(f"{app_url}/runs")
    row = page.locator(".run-row", has_text=tag)
    row.locator("summary").click()
    row.get_by_role("link", name="Open its trajectory").click()
    steps = page.locator("#trajectory .dsf-step")
    expect(steps).to_have_count(10)
    expect(page.locator("#trajectory .dsf-step[data-depth='1']")).to_have_count(4)
    kinds = [s.get_attribute("data-kind") for s in steps.all()]
    assert kinds == [
        "model",
        "tool",
        "model",
        "tool",
        "model",
        "message",
        "model",
        "tool",
        "model",
        "message",
    ]
    failed = steps.nth(7)
    expect(failed).to_contain_text("story_manager")
    expect(failed.locator(".dsf-step-status")).to_have_text("error")
    failed.locator("summary").click()
    expect(failed.locator(".dsf-step-detail")).to_contain_text("No story with id")
    model = steps.nth(0)
    model.locator("summary").click()
    expect(model).to_contain_text(re.compile(r"\d+ tokens in · \d+ out"))
    # To scale: the delegation's bar spans the bars of the turn it started.
    boxes = [s.locator(".dsf-step-bar").bounding_box() for s in steps.all()]
    widths = [box["width"] if box else 0.0 for box in boxes]
    assert widths[1] >= max(widths[2:6]) and all(w >= 1 for w in widths)

    with page.expect_download() as download:
        page.get_by_role("button", name="Export JSONL").click()
    (line,) = download.value.path().read_text().splitlines()
    example = json.loads(line)
    roles = [m["role"] for m in example["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert example["messages"][1]["content"] == f"paint and load {tag}"
    assert example["messages"][2]["tool_calls"][0]["function"]["name"] == "delegate_to_experience"
    assert (
        json.loads(example["messages"][4]["tool_calls"][0]["function"]["arguments"])["operation"]
        == "load"
    )
    assert "No story with id" in example["messages"][5]["content"]
