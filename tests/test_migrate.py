"""Migrations run once per release, by `python -m dsf_app.migrate` (the Kubernetes Job) or at
start: two migrators at once both finish with the schema at head, and an app told not to migrate
refuses an older schema with the command to run — at start, and in /readyz."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from alembic import command
from dsf_app import db, health
from dsf_app.devstack import stack
from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import REPO_ROOT
from tests.harness.stack import settings_from

HEAD_HINT = "python -m dsf_app.migrate"


def _revisions(url: str) -> list[str]:
    with db.get_engine(url).connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def test_two_migrators_at_once_both_finish_at_head(empty_database: str) -> None:
    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(db.migrate, empty_database) for _ in range(2)]:
            done.result()
    assert db.schema_behind(empty_database) is None
    assert len(_revisions(empty_database)) == 1


def test_the_migration_command_migrates_and_a_second_run_changes_nothing(
    empty_database: str,
) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database, "PYTHONPATH": str(REPO_ROOT)}
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "dsf_app.migrate"],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert "this release's head" in result.stdout
    assert db.schema_behind(empty_database) is None


def test_an_older_schema_is_named_with_the_command_to_run(empty_database: str) -> None:
    assert HEAD_HINT in (db.schema_behind(empty_database) or "")
    command.upgrade(db.alembic_config(empty_database), "head-1")
    behind = db.schema_behind(empty_database)
    assert behind is not None and HEAD_HINT in behind and _revisions(empty_database)[0] in behind


def test_a_newer_releases_schema_keeps_this_release_serving(empty_database: str) -> None:
    """During a rolling upgrade the Job migrates first, and the old replicas must stay ready."""
    db.migrate(empty_database)
    with db.get_engine(empty_database).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_a_newer_release'"))
    assert db.schema_behind(empty_database) is None


def test_an_app_told_not_to_migrate_refuses_an_older_schema(
    empty_database: str, tmp_path: Path
) -> None:
    settings = settings_from(
        DATABASE_URL=empty_database, DSF_HOME=str(tmp_path), DSF_MIGRATE_AT_START="0"
    )
    with pytest.raises(ServiceUnavailable, match=HEAD_HINT):
        stack.start_app(settings)
    assert not stack.process_files(settings, "app").pid_file.exists()
    check = health.check_database(settings)
    assert not check.ok and HEAD_HINT in check.detail
    db.migrate(empty_database)
    assert health.check_database(settings).ok
