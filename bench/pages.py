"""Time to render the worlds page and the story reader in Chromium, with a person who has
1,000 worlds and a 500-segment story (median of 10 loads each), against the same pages with one
world and a one-segment story (the same-run baseline).

    python -m bench.pages [--runs 10] [--worlds 1000] [--segments 500] [--screenshots DIR]

Starts a throwaway stack (PostgreSQL, S3, Letta, the app as it ships) with the test harness,
seeds through the services, then opens each page in Debian's Chromium, signed in, and times
from navigation to the content being on screen; the loads of the full page and of its baseline
alternate. Also times the service calls behind each page.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from bench.throwaway import signed_in_tab, signed_up_person, throwaway_stack
from dsf_app.db import session_scope
from dsf_app.devstack import stack
from dsf_app.services import reader, stories, worlds
from dsf_app.services.actor import Actor

WORLDS = 1_000
SEGMENTS = 500
CARDS_SHOWN = 24
PARAGRAPH = (
    "The desalination barges rode the swell at dawn, their graphene sieves humming as the "
    "brine sluiced back into a sea that had learned to taste of salt again. "
)


def seed(actor: Actor, world_count: int, segment_count: int) -> tuple[str, str]:
    """`world_count` worlds and, in the newest, a story of `segment_count` segments (about 150
    words a segment)."""
    with session_scope() as session:
        made = [
            worlds.create_world(
                session,
                actor,
                f"World {n:04d}",
                foundation={"core_premise": f"Premise number {n}: cheap fusion arrived early."},
            )
            for n in range(world_count)
        ]
        world = made[-1]
        story = stories.create_story(session, actor, world.id, "The Long Tide")
        for n in range(segment_count):
            stories.add_segment(
                session,
                actor,
                story.id,
                f"Part {n + 1}",
                PARAGRAPH * 5,
                world_evolution={"elements_introduced": [f"Element {n}"]},
            )
        return str(world.id), str(story.id)


def median_ms(runs: int, once: Callable[[], object]) -> tuple[float, list[float]]:
    times = [timed_ms(once) for _ in range(runs)]
    return statistics.median(times), times


def timed_ms(once: Callable[[], object]) -> float:
    start = time.perf_counter()
    once()
    return (time.perf_counter() - start) * 1000


def alternated_ms(
    runs: int, full: Callable[[], object], baseline: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """`runs` loads of each, alternated (full, baseline, full, …) after one warm-up of each."""
    full()
    baseline()
    pairs = [(timed_ms(full), timed_ms(baseline)) for _ in range(runs)]
    return [a for a, _ in pairs], [b for _, b in pairs]


def figures(times: list[float]) -> str:
    return f"median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f})"


def render(page: Page, url: str, selector: str, count: int) -> Callable[[], None]:
    def once() -> None:
        page.goto("about:blank")
        page.goto(url)
        try:
            page.wait_for_function(
                "([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, count]
            )
        except Exception:
            page.screenshot(path="/tmp/bench-failure.png")
            print(page.inner_text("body")[:2000])
            raise

    return once


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--worlds", type=int, default=WORLDS, help="the person's worlds")
    parser.add_argument("--segments", type=int, default=SEGMENTS, help="segments of the story")
    parser.add_argument("--screenshots", type=Path, help="save screenshots of the pages here")
    args = parser.parse_args()
    cards = min(CARDS_SHOWN, args.worlds)
    segments_shown = min(reader.PAGE_SIZE, args.segments)

    with throwaway_stack(
        stack.start_postgres, stack.start_s3, stack.start_letta, stack.start_app
    ) as settings:
        app_url = settings.public_url
        token, actor = signed_up_person(app_url)
        started = time.perf_counter()
        world_id, story_id = seed(actor, args.worlds, args.segments)
        small_token, small_actor = signed_up_person(app_url)
        small_world_id, small_story_id = seed(small_actor, 1, 1)
        print(
            f"seeded {args.worlds} worlds and a {args.segments}-segment story in "
            f"{time.perf_counter() - started:.1f} s"
        )

        with session_scope() as session:
            list_ms, _ = median_ms(args.runs, lambda: worlds.list_worlds(session, actor, limit=25))
            read_ms, _ = median_ms(
                args.runs, lambda: reader.read(session, actor, uuid.UUID(story_id))
            )

        with sync_playwright() as playwright:
            page = signed_in_tab(playwright, app_url, token)
            small = signed_in_tab(playwright, app_url, small_token)
            for tab in (page, small):
                tab.on(
                    "response",
                    lambda r: print("HTTP", r.status, r.url) if r.status >= 400 else None,
                )
            worlds_url = f"{app_url}/worlds"
            story_url = f"{app_url}/worlds/{world_id}/stories/{story_id}"
            small_story_url = f"{app_url}/worlds/{small_world_id}/stories/{small_story_id}"
            worlds_all, worlds_baseline = alternated_ms(
                args.runs,
                render(page, worlds_url, ".dsf-world-card", cards),
                render(small, worlds_url, ".dsf-world-card", 1),
            )
            story_all, story_baseline = alternated_ms(
                args.runs,
                render(page, story_url, ".dsf-segment", segments_shown),
                render(small, small_story_url, ".dsf-segment", 1),
            )
            if args.screenshots:
                shoot(page, args.screenshots, worlds_url, story_url, world_id)

    print(f"{args.runs} loads of each, alternated with their baseline:")
    print(f"worlds page ({args.worlds} worlds, {cards} cards shown): {figures(worlds_all)}")
    print(f"  baseline, worlds page (1 world, 1 card): {figures(worlds_baseline)}")
    print(
        f"story reader ({args.segments} segments, {reader.PAGE_SIZE} a page): {figures(story_all)}"
    )
    print(f"  baseline, story reader (1 segment): {figures(story_baseline)}")
    print(f"service calls: list_worlds {list_ms:.1f} ms, reader.read {read_ms:.1f} ms (median)")


def shoot(page: Page, folder: Path, worlds_url: str, story_url: str, world_id: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    world_url = worlds_url + "/" + world_id
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for name, url, selector in (
            ("worlds", worlds_url, ".dsf-world-card"),
            ("world", world_url, "#premise"),
            ("story", story_url, ".dsf-segment"),
        ):
            page.goto(url)
            page.wait_for_selector(selector)
            page.screenshot(path=str(folder / f"{name}-{width}.png"))


if __name__ == "__main__":
    main()
