"""The Analytics page in Chromium over a seeded set of runs, tool calls and evaluations: each
chart is drawn, and its figures (read from the daily rollups, rebuilt after the seed) match a
query over the runs themselves, written here independently of the app's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from dsf_app.db import get_engine, session_scope
from dsf_app.models import AgentKind, AgentRun, Evaluation, EvaluationKind, RunStep, StepKind
from dsf_app.services import rollups, worlds
from dsf_app.services.actor import Actor
from tests.accounts import Account
from tests.e2e_helpers import actor_of

pytestmark = pytest.mark.usefixtures("dsf_in_process")

DAY = datetime(2026, 10, 1, 9, tzinfo=UTC)
# (days after DAY, agent kind, seconds, total tokens, in the chosen world?, tools (name, status))
RUNS = [
    (0, "world", 2.0, 1200, True, [("story_manager", "success"), ("world_manager", "success")]),
    (0, "world", 6.0, 800, True, [("story_manager", "error")]),
    (0, "experience", 1.0, 300, True, [("image_generator", "success")]),
    (1, "world", 3.5, 1000, True, [("story_manager", "success"), ("story_manager", "error")]),
    (2, "user", 0.5, 150, False, [("list_worlds", "success")]),
    (2, "world", 4.0, 900, True, []),
    (3, "world", 9.0, 5000, True, [("story_manager", "success")]),  # after the range
    (-1, "world", 9.0, 5000, True, []),  # before the range
    (1, "world", 7.0, 700, False, [("world_manager", "error")]),  # the other world
]
SCORES = [
    (0, "quality", 70.0),
    (0, "quality", 90.0),
    (2, "consistency", 50.0),
    (4, "quality", 10.0),
]


def seed(actor: Actor) -> tuple[uuid.UUID, uuid.UUID]:
    with session_scope() as session:
        chosen = worlds.create_world(session, actor, f"Charted {uuid.uuid4().hex[:6]}")
        other = worlds.create_world(session, actor, f"Elsewhere {uuid.uuid4().hex[:6]}")
        for days, kind, seconds, tokens, in_chosen, tools in RUNS:
            started = DAY + timedelta(days=days, minutes=len(tools))
            world_id = chosen.id if in_chosen else other.id
            run = AgentRun(
                user_id=actor.user_id,
                world_id=world_id,
                agent_kind=AgentKind(kind),
                letta_agent_id="agent-seeded",
                started_at=started,
                ended_at=started + timedelta(seconds=seconds),
                stop_reason="end_turn",
                usage={"total_tokens": tokens},
            )
            session.add(run)
            session.flush()
            for position, (name, status) in enumerate(tools):
                session.add(
                    RunStep(
                        run_id=run.id,
                        user_id=actor.user_id,
                        world_id=world_id,
                        position=position,
                        kind=StepKind.TOOL,
                        name=name,
                        status=status,
                        started_at=started + timedelta(seconds=position / 10),
                        duration_ms=100,
                    )
                )
        for days, kind, score in SCORES:
            session.add(
                Evaluation(
                    user_id=actor.user_id,
                    world_id=chosen.id,
                    kind=EvaluationKind(kind),
                    target="Part 1",
                    score=score,
                    model="m",
                    created_at=DAY + timedelta(days=days),
                )
            )
        session.flush()
        # Written as rows, not through the services that keep the rollups: count them now.
        rollups.rebuild(session, actor)
    return chosen.id, other.id


def expected(actor: Actor, world_id: uuid.UUID) -> dict[str, list[list[str]]]:
    """The same figures by hand-written SQL: whole UTC days 2026-10-01 to 2026-10-03."""
    params = {
        "user": actor.user_id,
        "world": world_id,
        "since": DAY.replace(hour=0),
        "until": DAY.replace(hour=0) + timedelta(days=3),
    }
    runs = (
        "FROM agent_run WHERE user_id = :user AND world_id = :world "
        "AND started_at >= :since AND started_at < :until"
    )
    day = "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    queries = {
        "turns": f"SELECT {day} d, count(*) {runs} GROUP BY d ORDER BY d",
        "latency": (
            f"SELECT {day} d, "
            "round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at))::numeric, 2), "
            "round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at))::numeric, 2) "
            f"{runs} GROUP BY d ORDER BY d"
        ),
        "tokens": (
            f"SELECT {day} d, "
            + ", ".join(
                f"coalesce(sum((usage->>'total_tokens')::int) FILTER (WHERE agent_kind = '{k}'), 0)"
                for k in ("user", "world", "experience")
            )
            + f" {runs} GROUP BY d ORDER BY d"
        ),
        "tools": (
            "SELECT name, count(*), count(*) FILTER (WHERE status = 'error'), "
            "round(100.0 * count(*) FILTER (WHERE status = 'error') / count(*), 1) "
            "FROM run_step WHERE user_id = :user AND world_id = :world AND kind = 'tool' "
            "AND started_at >= :since AND started_at < :until "
            "GROUP BY name ORDER BY count(*) DESC, name"
        ),
        "scores": (
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') d, "
            + ", ".join(
                f"round(avg(score) FILTER (WHERE kind = '{k}')::numeric, 1)"
                for k in ("consistency", "quality", "information_gain")
            )
            + " FROM evaluation WHERE user_id = :user AND world_id = :world "
            "AND created_at >= :since AND created_at < :until GROUP BY d ORDER BY d"
        ),
    }
    with get_engine().connect() as connection:
        return {
            name: [[_cell(v) for v in row] for row in connection.execute(text(sql), params)]
            for name, sql in queries.items()
        }


def _cell(value: str | float | Decimal | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    number = float(value)
    return str(int(number)) if number == int(number) else str(number)


def test_the_charts_show_the_seeded_figures(
    signed_in_page: Page, app_url: str, account: Account
) -> None:
    page, actor = signed_in_page, actor_of(account)
    chosen, _ = seed(actor)
    want = expected(actor, chosen)
    assert [row[1] for row in want["turns"]] == ["3", "1", "1"]  # the seed is what we think

    page.goto(f"{app_url}/analytics")
    page.locator("#analytics-world").select_option(str(chosen))
    page.locator("#analytics-since").fill("2026-10-01")
    page.locator("#analytics-until").fill("2026-10-03")
    page.get_by_role("button", name="Show").click()

    for chart, rows in want.items():
        cells = page.locator(f"#chart-{chart} table.dsf-figures tbody tr")
        expect(cells).to_have_count(len(rows))
        shown = [[td.text_content() or "" for td in row.locator("td").all()] for row in cells.all()]
        assert shown == rows, (chart, shown, rows)
    expect(page.locator("#stat-turns")).to_have_text("5")
    expect(page.locator("#stat-tokens")).to_have_text(str(1200 + 800 + 300 + 1000 + 900))
    expect(page.locator("#stat-tool-calls")).to_have_text("6")
    expect(page.locator("#stat-error-rate")).to_have_text("33.3%")

    # Drawn: one bar per day, labelled with its count; one bar per tool; lines for the rest.
    expect(page.locator("#chart-turns .recharts-bar-rectangle")).to_have_count(3)
    expect(page.locator("#chart-turns .recharts-label-list text")).to_have_text(["3", "1", "1"])
    expect(page.locator("#chart-tools .recharts-bar-rectangle")).to_have_count(3)
    expect(page.locator("#chart-latency .recharts-line")).to_have_count(2)
    expect(page.locator("#chart-scores .recharts-line")).to_have_count(3)
    expect(page.locator("#chart-tokens .recharts-bar-rectangle")).not_to_have_count(0)

    # All worlds: the other world's turn counts too (and its failed world_manager call).
    page.locator("#analytics-world").select_option("")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#stat-turns")).to_have_text("7")
    expect(page.locator("#stat-tool-calls")).to_have_text("8")
