"""The Codex entry editor's form, as a person saves it: its fields read into an entry's (aliases
one a line, tags separated by commas, an image or none), then a new active entry or a change of
one (refused when stale), which accepts a suggestion when the person says so."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from dsf_app.errors import NotFound
from dsf_app.models import CodexEntry, CodexKind, CodexStatus
from dsf_app.services import validation
from dsf_app.services.access import Permission, not_visible, require_entry
from dsf_app.services.actor import Actor
from dsf_app.services.codex import (
    EntryChanges,
    EntryFields,
    create_entry,
    set_status,
    update_entry,
)

NO_IMAGE = "none"  # the image choice that means "no image"


def fields_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The entry editor's form as entry fields: aliases one a line, tags separated by commas."""

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    image = text("image")
    return {
        "name": text("name"),
        "kind": text("kind") or CodexKind.CONCEPT.value,
        "aliases": [line for line in text("aliases").splitlines() if line.strip()],
        "summary": text("summary"),
        "body": text("body"),
        "tags": [tag for tag in text("tags").split(",") if tag.strip()],
        "image_asset_id": None if image in ("", NO_IMAGE) else image,
    }


def save_form(
    session: Session,
    actor: Actor,
    world_id: uuid.UUID,
    entry_id: uuid.UUID | None,
    form: Mapping[str, Any],
    *,
    expected_version: int,
    accept: bool,
) -> CodexEntry:
    """The editor's form saved by a person: a new active entry (`entry_id` None), or a change
    of the entry (refused when stale), which also accepts it when it was a suggestion and
    `accept` says so. The form's `reason` goes in the changelog."""
    values = fields_from_form(form)
    reason = str(form.get("reason", "")).strip()[:1000]
    if entry_id is None:
        fields = validation.model(EntryFields, values)
        return create_entry(session, actor, world_id, fields, author="person", reason=reason)
    entry, world = require_entry(session, actor, entry_id, Permission.WRITE)
    if world.id != world_id:
        raise NotFound(not_visible("codex entry", entry_id))
    entry = update_entry(
        session,
        actor,
        entry.id,
        validation.model(EntryChanges, values),
        author="person",
        expected_version=expected_version,
        reason=reason,
    )
    if accept:
        entry = set_status(session, actor, entry.id, CodexStatus.ACTIVE, author="person")
    return entry
