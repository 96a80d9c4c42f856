"""Links between the entries of one world's Codex ("lives in", "rival of"), read both ways.
Making or removing a link changes the entry it goes out from: the world's version is bumped and
the change goes into its changelog, as for any edit of an active entry (`codex`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from dsf_app.errors import Invalid, NotFound
from dsf_app.models import CodexEntry, CodexLink, CodexStatus
from dsf_app.services import codex_history, validation
from dsf_app.services.access import Permission, require_entry
from dsf_app.services.actor import Actor
from dsf_app.services.codex import Author, changelog_line, locked_world, touch
from dsf_app.services.world_updates import record_changes


@dataclass(frozen=True)
class LinkView:
    id: uuid.UUID
    other_id: uuid.UUID
    other_name: str
    relation: str
    outgoing: bool  # from this entry to the other


def links_of(session: Session, actor: Actor, entry_id: uuid.UUID) -> list[LinkView]:
    """The entry's links both ways, to entries the actor may see."""
    entry, world = require_entry(session, actor, entry_id)
    rows = session.exec(
        select(CodexLink, CodexEntry)
        .join(
            CodexEntry,
            or_(
                (col(CodexLink.from_id) == entry.id) & (col(CodexEntry.id) == CodexLink.to_id),
                (col(CodexLink.to_id) == entry.id) & (col(CodexEntry.id) == CodexLink.from_id),
            ),
        )
        .where(CodexLink.world_id == world.id, CodexEntry.status == CodexStatus.ACTIVE)
        .order_by(col(CodexLink.created_at))
    ).all()
    return [
        LinkView(link.id, other.id, other.name, link.relation, link.from_id == entry.id)
        for link, other in rows
    ]


def add_link(
    session: Session,
    actor: Actor,
    from_id: uuid.UUID,
    to_id: uuid.UUID,
    relation: str,
    *,
    author: Author,
) -> CodexLink:
    """Link one entry to another of the same world (again: the link already made)."""
    label = validation.text(relation, what="link relation", max_length=100)
    source, world = require_entry(session, actor, from_id, Permission.WRITE)
    target, _ = require_entry(session, actor, to_id)
    if target.world_id != world.id:
        raise Invalid(f"Entry {to_id} belongs to another world; link entries of “{world.name}”.")
    if target.id == source.id:
        raise Invalid("An entry cannot link to itself.")
    existing = session.exec(
        select(CodexLink).where(
            CodexLink.from_id == source.id,
            CodexLink.to_id == target.id,
            CodexLink.relation == label,
        )
    ).first()
    if existing is not None:
        return existing
    world = locked_world(session, actor, world.id)
    link = CodexLink(world_id=world.id, from_id=source.id, to_id=target.id, relation=label)
    session.add(link)
    touch(source, actor)
    source.version = record_changes(
        session,
        world,
        [
            {
                **changelog_line(source, author, "update", ""),
                "value": {"link": target.name, "relation": label},
                "reason": f"Linked “{source.name}” to “{target.name}”"
                + (f" ({label})." if label else "."),
            }
        ],
    )
    session.add(source)
    session.flush()
    codex_history.record(session, [source], source.version)
    return link


def remove_link(session: Session, actor: Actor, link_id: uuid.UUID, *, author: Author) -> None:
    link = session.get(CodexLink, link_id)
    if link is None:
        raise NotFound(f"No link with id {link_id} is visible to you.")
    source, world = require_entry(session, actor, link.from_id, Permission.WRITE)
    target = session.get(CodexEntry, link.to_id)
    world = locked_world(session, actor, world.id)
    session.delete(link)
    touch(source, actor)
    source.version = record_changes(
        session,
        world,
        [
            {
                **changelog_line(source, author, "update", ""),
                "value": {"unlinked": target.name if target else "", "relation": link.relation},
                "reason": f"Unlinked “{source.name}” from “{target.name if target else '?'}”.",
            }
        ],
    )
    session.add(source)
    session.flush()
    codex_history.record(session, [source], source.version)
