"""Everything a person has in the database, in every table, to show that what someone else did
changed none of it: built from the tables' own definitions (SQLModel.metadata), so a new table
is covered the day it is added."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, cast, literal_column, or_
from sqlmodel import Session, SQLModel, select


def rows_of(session: Session, user_id: uuid.UUID, email: str) -> dict[str, list[str]]:
    """Every row of the person's, by table, as text: their own row, and every row that points
    at one of theirs by a foreign key, followed through the tables in dependency order (their
    worlds, and so the stories, entries and runs in them, whoever made those). A table that
    points at nothing gives the rows that name their email."""
    theirs: dict[str, list[Any]] = {}
    found: dict[str, list[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        where = _pointing_at(table, theirs)
        if table.name == "user":
            where = table.c.id == user_id
        elif where is None:
            where = literal_column(f'"{table.name}"::text').contains(email)
        text = cast(literal_column(f'"{table.name}"'), Text)
        keyed = "id" in table.c
        rows = session.execute(
            select(text, table.c.id if keyed else text).select_from(table).where(where)
        ).all()
        found[table.name] = sorted(row[0] for row in rows)
        if keyed:
            theirs[table.name] = [row[1] for row in rows]
    return found


def _pointing_at(table: Table, theirs: dict[str, list[Any]]) -> ColumnElement[bool] | None:
    """Rows of `table` with a foreign key to one of `theirs`; None if it has no foreign key."""
    links = [(column, key.column.table.name) for column in table.c for key in column.foreign_keys]
    if not links:
        return None
    return or_(*(column.in_(theirs.get(target, [])) for column, target in links))
