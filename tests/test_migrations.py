"""The schema comes only from Alembic: it applies to an empty database, matches the models,
and every migration can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import dsf_app.models  # noqa: F401  (registers the tables)
from alembic import command
from dsf_app import db

EXPECTED_TABLES = {
    "user",
    "oauth_account",
    "world",
    "world_collaborator",
    "story",
    "story_segment",
    "asset",
    "asset_reference",
    "chat_conversation",
    "chat_message",
    "agent_record",
    "agent_run",
    "user_session",
    "rate_limit_attempt",
    "world_invitation",
    "tool_execution",
    "world_version",
    "run_step",
    "evaluation",
    "run_day",
    "latency_day",
    "tool_day",
    "run_world",
    "canvas_surface",
    "canvas_interaction",
    "suggestion",
    "codex_entry",
    "codex_link",
    "codex_entry_version",
    "codex_progression",
    "search_vector",
    "email_token",
    "tool_confirmation",
    "usage_day",
    "quota_override",
    "world_change",
    "source",
    "source_passage",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_build_the_whole_schema_on_an_empty_database(empty_database: str) -> None:
    assert _tables(empty_database) == set()
    db.migrate(empty_database)
    assert _tables(empty_database) == EXPECTED_TABLES


def test_models_and_migrations_agree(empty_database: str) -> None:
    db.migrate(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; run alembic revision --autogenerate: {diff}"


def test_migrations_are_reversible(empty_database: str) -> None:
    config = db.alembic_config(empty_database)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert _tables(empty_database) == set()
    command.upgrade(config, "head")
    assert _tables(empty_database) == EXPECTED_TABLES
