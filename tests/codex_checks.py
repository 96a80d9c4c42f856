"""What lorebook and card tests compare: a world's Codex by name, and what an import keeps of
an entry."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from dsf_app.models import CodexEntry
from dsf_app.services import codex
from dsf_app.services.actor import Actor


def entries_by_name(session: Session, actor: Actor, world_id: uuid.UUID) -> dict[str, CodexEntry]:
    return {e.name: e for e in codex.list_entries(session, actor, world_id)}


def kept(entry: CodexEntry) -> tuple[Any, ...]:
    """What an import must keep of an entry."""
    return (
        entry.name,
        entry.kind,
        entry.aliases,
        entry.summary,
        entry.body,
        entry.tags,
        entry.pinned,
        entry.excluded,
        entry.activation,
        entry.extra,
    )
