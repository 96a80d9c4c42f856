"""A world's Codex as the activation engine reads it (`lore_keys.KeyIndex` of its usable
entries: active, not excluded), built once per process and rebuilt when an entry changes; and
the conversation turn a run writes, which counts timers and seeds draws."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from dsf_app.models import AgentRun, CodexEntry, CodexStatus
from dsf_app.services.lore_keys import Entry, KeyIndex

# Worlds whose index each process keeps (least recently used dropped first).
CACHED_WORLDS = 16
# Of an entry's text, what recursion scans and what the budget counts.
RECURSION_CHARS = 4000
ITEM_CHARS = 1500
# Room in the budget for an item's heading and reasons.
HEADING_CHARS = 120

Stamp = tuple[int, datetime | None]


def usable(world_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    """The entries a turn may be given: active and not excluded."""
    return (
        col(CodexEntry.world_id) == world_id,
        col(CodexEntry.status) == CodexStatus.ACTIVE,
        col(CodexEntry.excluded).is_(False),
    )


def _stamp(session: Session, world_id: uuid.UUID) -> Stamp:
    """Changes whenever an active entry is added, changed (pinned, excluded too) or removed."""
    count, newest = session.exec(
        select(func.count(col(CodexEntry.id)), func.max(CodexEntry.updated_at)).where(
            col(CodexEntry.world_id) == world_id, col(CodexEntry.status) == CodexStatus.ACTIVE
        )
    ).one()
    return int(count), newest


def _build(session: Session, world_id: uuid.UUID) -> KeyIndex:
    entries = []
    for entry_id, name, aliases, summary, body, pinned, rules in session.execute(
        sa_select(
            col(CodexEntry.id),
            col(CodexEntry.name),
            col(CodexEntry.aliases),
            col(CodexEntry.summary),
            col(CodexEntry.body),
            col(CodexEntry.pinned),
            col(CodexEntry.activation),
        )
        .where(*usable(world_id))
        .order_by(col(CodexEntry.name), col(CodexEntry.id))
    ).all():
        keys = [name] if rules.name_is_key else []
        keys += [alias for alias in aliases if isinstance(alias, str)]
        text = "\n".join(part for part in (summary, body) if part)
        entries.append(
            Entry(
                id=str(entry_id),
                name=name,
                keys=tuple(keys),
                text=text[:RECURSION_CHARS],
                size=len(name) + min(len(text), ITEM_CHARS) + HEADING_CHARS,
                rules=rules,
                pinned=pinned,
            )
        )
    return KeyIndex(entries)


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: OrderedDict[uuid.UUID, tuple[Stamp, KeyIndex]] = OrderedDict()

    def get(self, session: Session, world_id: uuid.UUID) -> KeyIndex:
        stamp = _stamp(session, world_id)
        with self._lock:
            cached = self._built.get(world_id)
            if cached is not None and cached[0] == stamp:
                self._built.move_to_end(world_id)
                return cached[1]
        built = _build(session, world_id)
        with self._lock:
            self._built[world_id] = (stamp, built)
            self._built.move_to_end(world_id)
            while len(self._built) > CACHED_WORLDS:
                self._built.popitem(last=False)
        return built


_cache = _Cache()


def world_index(session: Session, world_id: uuid.UUID) -> KeyIndex:
    """The index of a world's usable entries; the caller has checked the person may read it."""
    return _cache.get(session, world_id)


def turn_number(session: Session, run: AgentRun) -> int:
    """Which turn of its conversation `run` writes (1 for the first): the turns started before
    it that no later turn replaced, and itself — so a regenerated reply or an edited message
    writes the same turn again as the one it replaces."""
    rows = session.exec(
        select(AgentRun.id, AgentRun.replaces_run_id).where(
            AgentRun.conversation_id == run.conversation_id,
            col(AgentRun.parent_tool_call_id).is_(None),
            AgentRun.agent_kind == run.agent_kind,
            col(AgentRun.started_at) <= run.started_at,
        )
    ).all()
    replaced = {replaces for _, replaces in rows if replaces is not None}
    return max(1, sum(1 for run_id, _ in rows if run_id not in replaced))
