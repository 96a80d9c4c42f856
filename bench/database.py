"""The throwaway PostgreSQL that the database benchmarks run on, and their one person."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from dsf_app import db
from dsf_app.db import session_scope
from dsf_app.devstack import stack
from dsf_app.services import users
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from tests.harness.stack import make_home, remove_home, running, settings_for


@contextmanager
def database_only() -> Iterator[Settings]:
    """A migrated PostgreSQL of its own that DSF's code in this process uses; its files go
    afterwards, or stay (and are named) when the benchmark failed."""
    home = make_home()
    settings = settings_for(home)
    os.environ.update(settings.as_env())
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        with running(settings, stack.start_postgres):
            db.migrate(settings.database_url)
            yield settings
    except BaseException:
        print(f"logs kept in {home}/logs")
        raise
    else:
        remove_home(home)


def bench_person() -> Actor:
    with session_scope() as session:
        return Actor.of(users.create_user(session, "bench@example.test", "Bench"))
