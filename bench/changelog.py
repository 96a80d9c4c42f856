"""A world with 5,000 changes against one with 5: its page loads and its access checks take the
same time, since the history is rows read a page at a time and checks read no history.

    python -m bench.changelog [--runs 200] [--changes 5000]

Starts a throwaway PostgreSQL (the test harness), makes both worlds through the service a hand
edit or an agent uses (`world_updates.update_world`: one change, one version each), then times,
each in its own short session as a page event runs it, p50 and p95 of --runs:
- the world page's load (`world_overview.overview`, what its load event runs: the world, its
  versions, the newest page of changes, stories, collaborators), and of it the list of versions
  for the Compare menu (the newest 200: a world with 5,000 changes lists 200, one with 5 six);
- an access check (`access.require_access`) and a story's (`access.require_story`);
- the History tab's "Show older changes" from the oldest change on the first page;
- a database round trip (SELECT 1), to show how busy the machine was.
It prints each world (and one with 50 changes, a full first page of the History tab) and the
ratio 5,000 / 5; about 1 is the target.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable

from sqlalchemy import text as sql
from sqlmodel import Session

from bench.codex import percentile, timed
from bench.throwaway import bench_person, database_only
from dsf_app.db import session_scope
from dsf_app.services import (
    access,
    stories,
    versions,
    world_changes,
    world_overview,
    world_updates,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import WorldUpdate

# 5 and 5,000 (--changes) as the issue asks; 50 fills the History tab's first page, after which
# nothing a page load reads grows with the history.
SMALL_SIZES = (5, 50)
BATCH = 250  # changes per transaction while seeding


def seed(actor: Actor, changes: int) -> tuple[uuid.UUID, uuid.UUID]:
    """A world with `changes` changes, one version each, and a story in it; each change sets
    the premise, so both worlds' documents are the same size and only their histories differ."""
    with session_scope() as session:
        world = worlds.create_world(session, actor, f"{changes:,} changes")
        story = stories.create_story(session, actor, world.id, "Low Tide")
        world_id, story_id = world.id, story.id
    for start in range(0, changes, BATCH):
        with session_scope() as session:
            for n in range(start, min(changes, start + BATCH)):
                update = WorldUpdate(
                    path="core_premise",
                    operation="update",
                    value=f"Premise {n}: the tide turns every {n + 2} hours.",
                    reason=f"Change {n}: the sea keeps its own counsel.",
                )
                world_updates.update_world(session, actor, world_id, [update], author="agent")
    return world_id, story_id


def milliseconds(runs: int, calls: list[Callable[[], object]]) -> list[tuple[float, float]]:
    """(p50, p95) wall-clock milliseconds of `runs` calls of each, after an untimed warm-up
    call: they take turns, so a busier moment of the machine weighs on all alike."""
    for call in calls:
        call()
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for call, taken in zip(calls, times, strict=True):
            taken.append(timed(call))
    return [(percentile(taken, 0.5), percentile(taken, 0.95)) for taken in times]


def in_session(work: Callable[..., object], *args: object, **kwargs: object) -> Callable[[], None]:
    def once() -> None:
        with session_scope() as session:
            work(session, *args, **kwargs)

    return once


def round_trip(session: Session) -> None:
    """The cheapest query there is: how busy the machine is, beside the others."""
    session.execute(sql("SELECT 1"))


def run(runs: int, changes: int) -> None:
    sizes = (*SMALL_SIZES, changes)
    actor = bench_person()
    seeded = {size: seed(actor, size) for size in sizes}
    with session_scope() as session:
        oldest_shown = {
            size: world_changes.page(session, actor, world_id).changes[-1].seq
            for size, (world_id, _) in seeded.items()
        }
    measures: dict[str, Callable[[int], Callable[[], None]]] = {
        "database round trip (SELECT 1)": lambda size: in_session(round_trip),
        "world page load (overview)": lambda size: in_session(
            world_overview.overview, actor, seeded[size][0]
        ),
        "  of which: versions (Compare menu)": lambda size: in_session(
            versions.list_versions, actor, seeded[size][0]
        ),
        "access check (require_access)": lambda size: in_session(
            access.require_access, actor, seeded[size][0], access.Permission.WRITE
        ),
        "story access check (require_story)": lambda size: in_session(
            access.require_story, actor, seeded[size][1]
        ),
        "show older changes (a page)": lambda size: in_session(
            world_changes.page, actor, seeded[size][0], before=oldest_shown[size]
        ),
    }
    print(f"{runs} runs each; milliseconds, p50 / p95 (ratio: p50 of {changes:,} / {sizes[0]:,})")
    print(f"{'':38}" + "".join(f"{f'{size:,} changes':>18}" for size in sizes) + f"{'ratio':>8}")
    for name, make in measures.items():
        times = milliseconds(runs, [make(size) for size in sizes])
        cells = "".join(f"{f'{p50:.2f} / {p95:.2f}':>18}" for p50, p95 in times)
        print(f"{name:38}{cells}{times[-1][0] / times[0][0]:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--changes", type=int, default=5_000, help="changes of the long history")
    args = parser.parse_args()
    with database_only():
        run(args.runs, args.changes)


if __name__ == "__main__":
    main()
