"""The Analytics page's queries over 100,000 runs of one person: p95 per chart (target ≤ 200 ms).

    python -m bench.analytics [--runs 100000] [--repeat 20]

Starts a throwaway PostgreSQL with the test harness, applies DSF's migrations, seeds (in SQL)
one person's runs over a year across 20 worlds with 3 model requests and 3 tool calls each,
plus 10,000 scored evaluations, builds the daily rollups from them (`rollups.rebuild`, timed),
then times each chart's service call for the default window (30 days, all worlds), a whole
year, and one world. The baseline, from the same run, is a plain count of the same runs in the
same window (what any chart read straight from the runs would at least cost).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.throwaway import bench_person, database_only
from dsf_app import db
from dsf_app.db import session_scope
from dsf_app.services import analytics, rollups, worlds
from dsf_app.services.actor import Actor

WORLDS = 20
EVALUATIONS = 10_000
TOOLS = "ARRAY['story_manager','world_manager','image_generator','canvas_ui','asset_manager','list_worlds']"

SEED_RUNS = """
INSERT INTO agent_run (id, user_id, world_id, agent_kind, letta_agent_id, letta_run_ids,
    started_at, ended_at, stop_reason, steps, tool_calls, usage, summary, prompt, lore)
SELECT gen_random_uuid(), :user, (:worlds)[1 + i % :world_count],
    (ARRAY['user','world','experience'])[1 + i % 3], 'agent-bench', '[]',
    :now - i * (interval '1 second' * :spacing),
    :now - i * (interval '1 second' * :spacing) + (1 + i % 17) * interval '1 second',
    'end_turn', 3, '[]', jsonb_build_object('total_tokens', 500 + i % 1000), '',
    'Message ' || i, '[]'
FROM generate_series(1, :runs) AS i
"""
SEED_STEPS = f"""
INSERT INTO run_step (id, run_id, user_id, world_id, position, kind, name, status, started_at,
    duration_ms, prompt_tokens, completion_tokens, detail)
SELECT gen_random_uuid(), r.id, r.user_id, r.world_id, s,
    CASE WHEN s % 2 = 0 THEN 'model' ELSE 'tool' END,
    CASE WHEN s % 2 = 0 THEN '' ELSE ({TOOLS})[1 + abs(hashtext(r.id::text || s)) % 6] END,
    CASE WHEN s % 2 = 0 THEN 'end_turn' WHEN abs(hashtext(r.id::text)) % 10 = 0 THEN 'error'
         ELSE 'success' END,
    r.started_at + s * interval '200 milliseconds', 150, 0, 0, '{{}}'
FROM agent_run r, generate_series(0, 5) AS s
WHERE r.user_id = :user
"""
SEED_EVALUATIONS = """
INSERT INTO evaluation (id, user_id, world_id, kind, source, target, score, result, model,
    created_at)
SELECT gen_random_uuid(), :user, (:worlds)[1 + i % :world_count],
    (ARRAY['consistency','quality','information_gain'])[1 + i % 3], 'person', 'Part 1',
    i % 101, '{}', 'bench', :now - i * interval '1 hour'
FROM generate_series(1, :count) AS i
"""


def seed(actor: Actor, runs: int) -> list[uuid.UUID]:
    with session_scope() as session:
        world_ids = [worlds.create_world(session, actor, f"World {n}").id for n in range(WORLDS)]
    params = {
        "user": actor.user_id,
        "worlds": world_ids,
        "world_count": WORLDS,
        "now": datetime.now(UTC),
        "spacing": 365 * 86400 / runs,
        "runs": runs,
        "count": EVALUATIONS,
    }
    with db.get_engine().begin() as connection:
        connection.execute(text(SEED_RUNS), params)
        connection.execute(text(SEED_STEPS), params)
        connection.execute(text(SEED_EVALUATIONS), params)
    # What autovacuum does on a live database: statistics, and the visibility map that lets
    # the covering indexes answer without reading the table.
    with db.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE agent_run, run_step, evaluation"))
    return world_ids


def rebuild(actor: Actor) -> None:
    with session_scope() as session:
        rollups.rebuild(session, actor)
    with db.get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE run_day, latency_day, tool_day, run_world"))


def timings(repeat: int, once: Callable[[], object]) -> list[float]:
    found = []
    for _ in range(repeat):
        start = time.perf_counter()
        once()
        found.append((time.perf_counter() - start) * 1000)
    return found


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with database_only():
        actor = bench_person()
        started = time.perf_counter()
        world_ids = seed(actor, args.runs)
        print(
            f"seeded {args.runs:,} runs, {args.runs * 6:,} steps and {EVALUATIONS:,} "
            f"evaluations in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        rebuild(actor)
        print(f"built the daily rollups in {time.perf_counter() - started:.1f} s")
        today = datetime.now(UTC).date()
        windows = {
            "30 days, all worlds": analytics.Window(today - timedelta(days=29), today),
            "365 days, all worlds": analytics.Window(today - timedelta(days=364), today),
            "365 days, one world": analytics.Window(
                today - timedelta(days=364), today, world_ids[0]
            ),
        }
        charts = {
            "turns per day": analytics.turns_per_day,
            "latency p50/p95": analytics.latency_per_day,
            "tokens by agent": analytics.tokens_per_day,
            "tools and errors": analytics.tool_calls,
            "evaluation scores": analytics.scores_per_day,
        }
        worst = 0.0
        with session_scope() as session:
            for label, window in windows.items():
                baseline = timings(
                    args.repeat,
                    lambda w=window: session.execute(
                        text(
                            "SELECT count(*) FROM agent_run WHERE user_id = :u "
                            "AND started_at >= :s AND started_at < :e"
                        ),
                        {"u": actor.user_id, "s": w.since, "e": w.until},
                    ).scalar(),
                )
                print(f"\n{label} (baseline: plain count of the runs, p95 {p95(baseline):.1f} ms)")
                for name, query in charts.items():
                    found = timings(args.repeat, lambda q=query, w=window: q(session, actor, w))
                    worst = max(worst, p95(found))
                    print(
                        f"  {name:<18} p95 {p95(found):7.1f} ms  median "
                        f"{statistics.median(found):7.1f} ms"
                    )
        verdict = "within" if worst <= 200 else "over"
        print(f"\nslowest chart p95 {worst:.1f} ms: {verdict} the 200 ms target")


if __name__ == "__main__":
    main()
