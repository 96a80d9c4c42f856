"""A world's changelog as rows: each change one row, added without rewriting the ones before,
read newest first a page at a time (the History tab's "Show older changes"), carried by the
export and migrated from (and back to) the array the world row used to hold; access checks read
neither the history nor the world's documents."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session

from alembic import command
from dsf_app import db
from dsf_app.agents.tool_summaries import world_summary
from dsf_app.db import session_scope
from dsf_app.errors import Invalid, NotFound
from dsf_app.models import World
from dsf_app.services import exports, world_changes, world_updates, worlds
from dsf_app.services.access import (
    Permission,
    require_access,
    require_segment,
    require_story,
    require_world,
)
from dsf_app.services.actor import Actor
from dsf_app.services.world_updates import WorldUpdate
from dsf_app.settings import Settings
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.factories import (
    counted_statements,
    make_actor,
    make_segment,
    make_story,
    make_world,
)

BEFORE = "19b0d9e7c4a5"
REVISION = "19c1a2b3d4e5"


def _premise(session: Session, actor: Actor, world: World, n: int) -> World:
    """Change number `n`: a new premise, with a reason naming the number."""
    update = WorldUpdate(
        path="core_premise", operation="update", value=f"Premise {n}", reason=f"Change {n}."
    )
    return world_updates.update_world(session, actor, world.id, [update], author="person")


def test_changes_are_rows_read_newest_first_a_page_at_a_time(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    for n in range(1, 8):
        _premise(session, ada, world, n)

    first = world_changes.page(session, ada, world.id, limit=3)
    older = world_changes.page(session, ada, world.id, limit=3, before=first.changes[-1].seq)
    oldest = world_changes.page(session, ada, world.id, limit=3, before=older.changes[-1].seq)

    assert [c.reason for c in first.changes] == ["Change 7.", "Change 6.", "Change 5."]
    assert [c.reason for c in older.changes] == ["Change 4.", "Change 3.", "Change 2."]
    assert [c.reason for c in oldest.changes] == ["Change 1."]
    assert (first.more, older.more, oldest.more) == (True, True, False)
    assert [c.version for c in first.changes] == [8, 7, 6]
    assert (first.changes[0].author, first.changes[0].path) == ("person", "core_premise")
    assert first.changes[0].value == "Premise 7"

    # Updates made together are one version, and each keeps its own line.
    world_updates.update_world(
        session,
        ada,
        world.id,
        [
            WorldUpdate(path="geography", operation="add", value="Flooded.", reason="Water."),
            WorldUpdate(path="culture", operation="add", value="Tidal.", reason="Rhythm."),
        ],
        author="agent",
    )
    newest = world_changes.page(session, ada, world.id, limit=2).changes
    assert [(c.version, c.path, c.reason) for c in newest] == [
        (9, "culture", "Rhythm."),
        (9, "geography", "Water."),
    ]


def test_the_history_is_read_as_the_world_is(session: Session) -> None:
    ada, stranger = make_actor(session), make_actor(session, "Stranger")
    world = make_world(session, ada)
    _premise(session, ada, world, 1)
    with pytest.raises(NotFound, match="is visible to you"):
        world_changes.page(session, stranger, world.id)
    with pytest.raises(Invalid, match="Ask for between 1 and"):
        world_changes.page(session, ada, world.id, limit=0)


def test_a_change_adds_its_row_and_leaves_the_ones_before_alone(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    for n in range(1, 4):
        _premise(session, ada, world, n)
    before = world_changes.page(session, ada, world.id).changes

    with counted_statements(session) as statements:
        _premise(session, ada, world, 4)

    on_changes = [s.split()[0] for s in statements if "world_change" in s]
    assert "INSERT" in on_changes and not {"UPDATE", "DELETE"} & set(on_changes)
    assert world_changes.page(session, ada, world.id).changes[1:] == before


def test_access_checks_read_neither_the_documents_nor_the_history(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada, foundation={"core_premise": "Salt " * 1000})
    story = make_story(session, ada, world)
    segment = make_segment(session, ada, story)
    session.expunge_all()  # nothing read before is reused
    checks: list[Callable[[], object]] = [
        lambda: require_access(session, ada, world.id, Permission.MANAGE),
        lambda: require_story(session, ada, story.id, Permission.WRITE),
        lambda: require_segment(session, ada, segment.id),
    ]
    for check in checks:
        with counted_statements(session) as statements:
            check()
        assert statements, "the check ran no query"
        read = " ".join(statements)
        for column in ("foundation", "surface", "constraints", "world_change"):
            assert column not in read, f"an access check read {column}: {read}"

    # The helper that hands the world back loads its row only after the check.
    session.expunge_all()
    with counted_statements(session) as statements:
        require_world(session, ada, world.id)
    check, load = statements
    assert "world_collaborator" in check and "foundation" not in check
    assert "foundation" in load and "world_collaborator" not in load


def test_the_export_carries_the_whole_history_oldest_first(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    _premise(session, ada, world, 1)
    _premise(session, ada, world, 2)
    world_updates.restore_version(
        session, ada, world.id, 1, reason="Back to the start.", author="person", expected_version=3
    )

    changelog = exports.export_world(session, ada, world.id).world.changelog

    assert [(e["version"], e["operation"], e["reason"]) for e in changelog] == [
        (2, "update", "Change 1."),
        (3, "update", "Change 2."),
        (4, "restore", "Back to the start."),
    ]
    assert changelog[2]["restored_from"] == 1 and "restored_from" not in changelog[0]
    assert changelog[0]["value"] == "Premise 1" and changelog[0]["at"].endswith("+00:00")


def test_the_agent_sees_the_newest_changes_in_the_order_they_happened(session: Session) -> None:
    ada = make_actor(session)
    world = make_world(session, ada)
    for n in range(1, 4):
        _premise(session, ada, world, n)
    recent = world_changes.page(session, ada, world.id, limit=2).changes

    summary = world_summary(world, full=True, recent_changes=recent)

    assert [c["reason"] for c in summary["recent_changes"]] == ["Change 2.", "Change 3."]


# ---- the migration ---------------------------------------------------------------------------

CHANGELOG: list[dict[str, Any]] = [
    {
        "version": 2,
        "at": "2026-11-30T12:00:00.123456+00:00",
        "author": "person",
        "path": "rules.r-salt.statement",
        "operation": "update",
        "value": "Salt was money.",
        "reason": "Trade.",
    },
    {
        "version": 3,
        "at": "2026-11-30T12:05:00+00:00",
        "author": "agent",
        "path": "codex/Mira",
        "operation": "add",
        "value": {"id": "e-1", "name": "Mira", "aliases": []},
        "reason": "She appears in chapter one.",
    },
    {
        "version": 4,
        "at": "2026-11-30T12:10:00+00:00",
        "author": "person",
        "path": "",
        "operation": "restore",
        "value": None,
        "reason": "Back.",
        "restored_from": 2,
    },
]


def _insert_world(conn: Any, owner: uuid.UUID, changelog: list[dict[str, Any]]) -> uuid.UUID:
    world_id = uuid.uuid4()
    conn.execute(
        text(
            "INSERT INTO world (id, owner_id, name, description, visibility, foundation, "
            "surface, constraints, changelog, state, version, created_at, updated_at) VALUES "
            "(:id, :owner, 'Tidewater', '', 'private', '{}', '{}', '[]', CAST(:log AS jsonb), "
            "'sketch', 4, now(), now())"
        ),
        {"id": world_id, "owner": owner, "log": json.dumps(changelog)},
    )
    return world_id


def test_the_migration_turns_each_array_into_rows_and_back(empty_database: str) -> None:
    config = db.alembic_config(empty_database)
    command.upgrade(config, BEFORE)
    engine = create_engine(empty_database)
    try:
        with engine.begin() as conn:
            owner = uuid.uuid4()
            conn.execute(
                text(
                    'INSERT INTO "user" (id, email, name, email_verified, preferences, '
                    "created_at) VALUES (:id, 'ada@example.test', 'Ada', true, '{}', now())"
                ),
                {"id": owner},
            )
            with_history = _insert_world(conn, owner, CHANGELOG)
            without = _insert_world(conn, owner, [])

        command.upgrade(config, REVISION)
        assert "changelog" not in {c["name"] for c in inspect(engine).get_columns("world")}
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT world_id, seq, version, author, path, operation, value, reason, "
                    "restored_from, at FROM world_change ORDER BY seq"
                )
            ).all()
        assert {row.world_id for row in rows} == {with_history}
        assert [
            (r.seq, r.version, r.author, r.path, r.operation, r.value, r.reason, r.restored_from)
            for r in rows
        ] == [
            (1, 2, "person", "rules.r-salt.statement", "update", "Salt was money.", "Trade.", None),
            (2, 3, "agent", "codex/Mira", "add", CHANGELOG[1]["value"], CHANGELOG[1]["reason"], None),
            (3, 4, "person", "", "restore", None, "Back.", 2),
        ]  # fmt: skip
        assert rows[0].at.isoformat().startswith("2026-11-30T12:00:00.123456")

        command.downgrade(config, BEFORE)
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT id, changelog FROM world")).tuples().all())
        assert back == {with_history: CHANGELOG, without: []}
        assert "world_change" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


# ---- the History tab -------------------------------------------------------------------------


def test_the_history_tab_shows_the_newest_changes_then_older_ones_on_request(
    signed_in_page: Page, app_url: str, account: Account, dsf_in_process: Settings
) -> None:
    actor = actor_of(account)
    count = world_changes.PAGE + 5
    with session_scope() as session:
        world = worlds.create_world(session, actor, "Long Memory")
        for n in range(1, count + 1):
            _premise(session, actor, world, n)
    page = signed_in_page
    page.goto(f"{app_url}/worlds/{world.id}")
    page.get_by_role("tab", name="History").click()

    entries = page.locator(".dsf-change")
    older = page.get_by_role("button", name="Show older changes")
    expect(entries).to_have_count(world_changes.PAGE)
    expect(entries.first).to_contain_text(f"Change {count}.")
    expect(entries.first).to_contain_text(f"v{count + 1}")
    expect(entries.last).to_contain_text("Change 6.")
    older.click()
    expect(entries).to_have_count(count)
    expect(entries.last).to_contain_text("Change 1.")
    expect(entries.last).to_contain_text("v2")
    expect(entries.last).to_contain_text("update core_premise")
    expect(older).to_have_count(0)
