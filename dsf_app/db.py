"""The database engine, sessions, and migrations run at start."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from alembic.config import Config
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


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision`, failing with a sentence if the database is unreachable."""
    url = url or get_settings().database_url
    check_reachable(url)
    command.upgrade(alembic_config(url), revision)


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
