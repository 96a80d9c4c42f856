"""The database engine, sessions, and migrations: run under an advisory lock, so that any number
of starting processes (replicas, a migration Job beside `./start.sh`) migrate one at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import ColumnElement, Engine, Float, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from alembic import command
from dsf_app.errors import ServiceUnavailable
from dsf_app.settings import REPO_ROOT, get_settings


def cosine_distance(column: Any, vector: list[float]) -> ColumnElement[float]:
    """pgvector's cosine distance (0 for the same direction, 2 for opposite ones) between a
    vector column and `vector`, as an SQL expression."""
    return column.op("<=>", return_type=Float)(vector)


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    return create_engine(url or get_settings().database_url, pool_pre_ping=True, pool_size=10)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Bulk-load `rows` (values in `columns` order; JSON columns as JSON text) into `table`
    with PostgreSQL's COPY, inside the session's transaction: for tens of thousands of rows,
    several times faster than INSERT statements."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = session.connection().connection.driver_connection
    if driver is None:  # only a connection already closed has no driver connection
        raise RuntimeError("The database connection closed before the copy.")
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def alembic_config(url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# The key of the PostgreSQL advisory lock a migration holds (any constant no other program uses).
MIGRATION_LOCK_KEY = 0x05C1F1_0DB


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision`, failing with a sentence if the database is unreachable.
    The advisory lock makes a second migrator wait, then find nothing left to do."""
    url = url or get_settings().database_url
    check_reachable(url)
    with get_engine(url).connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            command.upgrade(alembic_config(url), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})


@lru_cache
def _release_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(this release's head revisions, every revision it knows), read from alembic/ once."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://"))
    return frozenset(script.get_heads()), frozenset(rev.revision for rev in script.walk_revisions())


def schema_behind(url: str) -> str | None:
    """Why the database's schema is older than this release needs, or None when it is at this
    release's head — or at a revision this release does not know, which a newer release's
    migration made: during a rolling upgrade the old replicas keep serving."""
    heads, known = _release_revisions()
    with get_engine(url).connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads or not current <= known:
        return None
    at = ", ".join(sorted(current)) or "no revision (an empty database)"
    return (
        f"The database schema is at {at}, and this release needs {', '.join(sorted(heads))} — "
        "run `python -m dsf_app.migrate` (the release's migration Job) first."
    )


def require_migrated(url: str) -> None:
    """Refuse, with the command to run, to serve from a schema older than this release's."""
    check_reachable(url)
    if behind := schema_behind(url):
        raise ServiceUnavailable(behind)


def check_reachable(url: str) -> None:
    try:
        with get_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise ServiceUnavailable(
            f"PostgreSQL is not reachable at {_redacted(url)} — check DATABASE_URL "
            "or run ./start.sh to start the local database."
        ) from exc


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
