"""What of a person is left in each service after their account is deleted: rows in every table
that name them or their worlds, files under their key prefix in S3, agents tagged with their id
on the Letta server."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from letta_client import NotFoundError
from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import SQLModel

from dsf_app.db import session_scope
from dsf_app.letta.connection import connect
from dsf_app.models import RateLimitAttempt, WorldInvitation
from dsf_app.storage import AssetStorage, owner_prefix


def rows_naming(user_id: uuid.UUID, world_ids: Iterable[uuid.UUID], email: str) -> dict[str, int]:
    """For every table with rows that belong to the person or one of `world_ids`, how many: rows
    naming them by id, by email or in a rate limit's key, and rows that hang off those (a
    story's segments) through any foreign key. Every table of the schema is looked at, so a
    table added later is checked too."""
    worlds = list(world_ids)
    naming: dict[str, ColumnElement[bool]] = {}
    for table in SQLModel.metadata.sorted_tables:  # parents before the tables that name them
        conditions = [table.c.id == user_id] if table.name == "user" else []
        if table.name == "world":
            conditions.append(table.c.id.in_(worlds))
        for column in table.columns:
            for key in column.foreign_keys:
                parent = key.column.table
                if parent.name in naming and parent is not table:
                    chosen = select(key.column).where(naming[parent.name])
                    conditions.append(column.in_(chosen))
        if table.name == RateLimitAttempt.__tablename__:
            conditions += [table.c.key.contains(email), table.c.key.contains(str(user_id))]
        if table.name == WorldInvitation.__tablename__:
            conditions.append(table.c.email == email)
        if conditions:
            naming[table.name] = or_(*conditions)
    found: dict[str, int] = {}
    with session_scope() as session:
        for name, condition in naming.items():
            table = SQLModel.metadata.tables[name]
            count = session.execute(
                select(func.count()).select_from(table).where(condition)
            ).scalar_one()
            if count:
                found[name] = count
    return found


def stored_files(storage: AssetStorage, user_id: uuid.UUID) -> list[str]:
    return storage.keys_under(owner_prefix(user_id))


async def letta_agents_tagged(user_id: uuid.UUID) -> list[str]:
    return [agent.id async for agent in connect().agents.list(tags=[str(user_id)])]


async def letta_agent_exists(agent_id: str) -> bool:
    try:
        await connect().agents.retrieve(agent_id)
    except NotFoundError:
        return False
    return True
