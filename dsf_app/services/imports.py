"""One import at a time per person, on every worker: a world import and a lorebook import each
hold the person's import slot, a PostgreSQL advisory lock, from before the upload is read until
the import is written, and a second import while one runs is refused with a sentence. The lock
belongs to a connection of its own, so it ends with the import, or with the connection if the
worker dies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import OperationalError

from dsf_app import pools
from dsf_app.db import get_engine, session_scope
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.models import Meter
from dsf_app.services import quotas
from dsf_app.services.actor import Actor

BUSY = (
    "You are already importing a file; wait until that import finishes (its message appears "
    "here), then import the next one."
)
DATABASE_DOWN = "The database did not answer, so nothing was imported; try again in a moment."


def _key(actor: Actor) -> str:
    return f"dsf:import:{actor.user_id}"


def _take(actor: Actor) -> Connection:
    """A connection holding the actor's import slot; Invalid when another import holds it."""
    try:
        connection = get_engine().connect()
    except OperationalError as exc:
        raise ServiceUnavailable(DATABASE_DOWN) from exc
    try:
        lock = func.pg_try_advisory_lock(func.hashtextextended(_key(actor), 0))
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        taken = autocommit.execute(select(lock)).scalar_one()
    except OperationalError as exc:
        connection.close()
        raise ServiceUnavailable(DATABASE_DOWN) from exc
    if not taken:
        connection.close()
        raise Invalid(BUSY)
    return connection


def _give_back(connection: Connection, actor: Actor) -> None:
    try:
        unlock = func.pg_advisory_unlock(func.hashtextextended(_key(actor), 0))
        connection.execute(select(unlock))
    except OperationalError:
        connection.invalidate()  # closing the server's side of it ends the lock
    finally:
        connection.close()


def _imports_left(actor: Actor) -> None:
    """Forbidden, naming the limit, when the person's imports of the day are spent (each import
    is counted when it is written: `world_import.import_world`, `lorebook.import_lorebook`)."""
    with session_scope() as session:
        quotas.require_left(session, actor, Meter.IMPORTS)


@asynccontextmanager
async def one_at_a_time(actor: Actor) -> AsyncIterator[None]:
    """Hold the actor's import slot for the block; Invalid(BUSY) at once if it is taken, and
    Forbidden before a byte is read when no import of the day is left."""
    await pools.in_event_thread(_imports_left, actor)
    connection = await pools.in_event_thread(_take, actor)
    try:
        yield
    finally:
        await pools.in_event_thread(_give_back, connection, actor)
