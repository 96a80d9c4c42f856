"""Time from a `canvas_ui` tool call executing on our server to its component being on screen
in Chromium, while the agent's turn is still running (median and p95 of 50 calls), against the
same scene rendered directly: stored through the canvas service and the world page opened.

    python -m bench.canvas_latency [--runs 50]

Starts a throwaway stack (PostgreSQL, S3, Letta, the app as it ships) and a scripted model with
the test harness, signs a person up, opens a world with its World Agent, and sends 50 messages;
each is answered with a canvas_ui call showing a ~20-component scene under a fresh id. The tool's
execution time is the surface's `updated_at` (set inside the tool); the time on screen is taken
in the page by a MutationObserver at the next animation frame after the component appears.
Both clocks are this machine's. Between the calls (alternated), the baseline stores the same
scene under a fresh id with no turn and times the world page's load, from navigation until the
component is on screen: what the scene costs to show without the turn delivering it.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import uuid
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright

from bench.throwaway import app_on_scripted_model, signed_in_tab, signed_up_person
from dsf_app.canvas.tool_args import CanvasUIArgs
from dsf_app.db import session_scope
from dsf_app.services import canvas, worlds
from dsf_app.services.actor import Actor
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

WATCH = """() => {
  window.__seen = {};
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('#canvas [data-canvas-id]')) {
      const id = el.dataset.canvasId;
      if (!(id in window.__seen)) {
        window.__seen[id] = null;
        requestAnimationFrame(() => { window.__seen[id] = performance.timeOrigin + performance.now(); });
      }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def scene(root_id: str) -> dict[str, Any]:
    """A typical scene: hero, timeline, three character cards, stats and a choice."""
    return {
        "type": "Stack",
        "id": root_id,
        "children": [
            {"type": "Hero", "props": {"title": "The Long Tide", "badge": "Chapter 3"}},
            {
                "type": "Timeline",
                "props": {
                    "events": [
                        {"year": 2031 + n, "title": f"Event {n}", "status": "completed"}
                        for n in range(5)
                    ]
                },
            },
            {
                "type": "Grid",
                "props": {"columns": 3},
                "children": [
                    {
                        "type": "Card",
                        "props": {"title": name, "subtitle": "Crew", "clickable": True},
                        "children": [{"type": "Text", "props": {"content": f"{name} dives."}}],
                    }
                    for name in ("Mara", "Oren", "Tess")
                ],
            },
            {"type": "Stats", "props": {"items": [{"value": "42%", "label": "Sea rise"}]}},
            {
                "type": "ActionBar",
                "props": {
                    "actions": [
                        {"id": "hatch", "label": "Open the hatch"},
                        {"id": "wait", "label": "Wait", "variant": "branch"},
                    ]
                },
            },
        ],
    }


def tool_ran_at(actor: Actor, world_id: uuid.UUID) -> float:
    """When the last canvas_ui call ran: the surface's updated_at, in epoch milliseconds."""
    with session_scope() as session:
        surface = canvas.get_surface(session, actor, world_id, "canvas-root")
        assert surface is not None
        return surface.updated_at.timestamp() * 1000


def one_call(page: Page, llm: ScriptedLLM, actor: Actor, world_id: uuid.UUID, n: int) -> float:
    root_id = f"bench-{n}-{uuid.uuid4().hex[:6]}"
    llm.on_user(
        f"bench {root_id}",
        then=[
            ToolCall("canvas_ui", {"target": "canvas-root", "spec": scene(root_id)}),
            Reply("ok"),
        ],
    )
    page.locator("#chat-input").fill(f"bench {root_id}")
    page.locator("#chat-input").press("Enter")
    page.wait_for_function(f"() => window.__seen && window.__seen['{root_id}'] > 0")
    seen = page.evaluate(f"window.__seen['{root_id}']")
    expect(page.locator("#chat-cancel")).to_have_count(0)
    return seen - tool_ran_at(actor, world_id)


def direct_render(page: Page, app_url: str, actor: Actor, world_id: uuid.UUID, n: int) -> float:
    """The same scene stored through the service (no turn) and the world page opened: ms from
    navigation until the component is on screen."""
    root_id = f"direct-{n}-{uuid.uuid4().hex[:6]}"
    args = CanvasUIArgs.model_validate({"target": "canvas-root", "spec": scene(root_id)})
    assert args.spec is not None
    with session_scope() as session:
        canvas.show(session, actor, world_id, args.target, args.mode, args.spec)
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto(f"{app_url}/worlds/{world_id}")
    page.locator(f'#canvas [data-canvas-id="{root_id}"]').wait_for()
    elapsed = (time.perf_counter() - started) * 1000
    expect(page.locator("#chat-input")).to_be_enabled()
    page.evaluate(WATCH)  # for the next call through a turn, in the new document
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warm-up", type=int, default=2, help="untimed calls and loads first")
    args = parser.parse_args()

    with (
        ScriptedLLM() as llm,
        app_on_scripted_model(llm) as settings,
    ):
        latencies, direct = measure(settings.public_url, llm, args.runs, args.warm_up)
    report(latencies, direct)


def measure(
    app_url: str, llm: ScriptedLLM, runs: int, warm_up: int
) -> tuple[list[float], list[float]]:
    """Through the turn, and directly: `runs` of each, alternated, after warm-ups."""
    token, actor = signed_up_person(app_url)
    with session_scope() as session:
        world_id = worlds.create_world(session, actor, "Bench World", "Tides.").id
    with sync_playwright() as playwright:
        page = signed_in_tab(playwright, app_url, token)
        page.goto(f"{app_url}/worlds/{world_id}")
        expect(page.locator("#chat-input")).to_be_visible()
        page.evaluate(WATCH)
        for n in range(warm_up):
            one_call(page, llm, actor, world_id, -1 - n)
            direct_render(page, app_url, actor, world_id, -1 - n)
        latencies: list[float] = []
        direct: list[float] = []
        for n in range(runs):
            latencies.append(one_call(page, llm, actor, world_id, n))
            direct.append(direct_render(page, app_url, actor, world_id, n))
    return latencies, direct


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms "
        f"(min {ordered[0]:.0f}, max {ordered[-1]:.0f})"
    )


def report(latencies: list[float], direct: list[float]) -> None:
    print(
        f"canvas_ui executed -> component on screen in Chromium, {len(latencies)} calls: "
        f"{figures(latencies)}"
    )
    print(
        f"  baseline, the same scene stored directly -> world page opened -> on screen, "
        f"{len(direct)} loads: {figures(direct)}"
    )


if __name__ == "__main__":
    main()
