"""Retrieval of lore for a World Agent turn: which Codex entries and foundation items to put in
front of the agent, and why.

Candidates come from names and aliases found in the person's message, the recent chat and the
current story's latest segment; from the entries (and foundation rules and technology) nearest
in meaning to the message; and from the pinned entries. Excluded entries never come. They are
ranked (pinned, then where the name was found, then similarity), deduplicated (one item with
all its reasons) and cut to the lore budget; the result is the `lore` block's text and the list
shown in the chat's "Lore used" row and stored with the run.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dsf_app import embeddings
from dsf_app.db import cosine_distance, session_scope
from dsf_app.models import ChatMessage, CodexEntry, CodexStatus, Story, StorySegment, World
from dsf_app.services import chat, codex_embeddings, codex_progressions, mentions
from dsf_app.services.access import require_run, require_world
from dsf_app.services.actor import Actor
from dsf_app.settings import get_settings

log = logging.getLogger(__name__)

RECENT_MESSAGES = 8
SIMILAR_ENTRIES = 6
SIMILAR_FOUNDATION = 3
# Entries named in one place (the message, the chat, the segment) that can come, most named first.
PER_PLACE = 20
ITEM_CHARS = 1500
# Entries left without an embedding (just written) that a turn embeds before it searches.
EMBED_PER_TURN = 16
PINNED_SCORE = 100.0
# Where a name was found, and how much that says about the turn (a similarity is 0..1).
PLACES = (("your message", 3.0), ("the recent chat", 2.0), ("the latest segment", 1.5))
BLOCK_HEADER = (
    "Lore for this turn, chosen by Deep Sci-Fi from the world's Codex and foundation for what "
    "the person wrote, the recent chat and the latest segment (why, in brackets). The whole "
    "foundation is in `project`; search the Codex for more with the codex tool."
)
NO_LORE = "No Codex entry matched this turn. Search the world's lore with the codex tool."
# The message type of a run's "Lore used" chat row.
LORE_ROW = "lore"


@dataclass(frozen=True)
class LoreItem:
    """One entry or foundation item put in front of the agent, and why."""

    key: str  # the entry's id, or "rule:<n>" / "technology:<n>" for the foundation's items
    name: str
    kind: str
    reasons: tuple[str, ...]
    world_id: str
    entry_id: str = ""  # empty for foundation items

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "reasons": list(self.reasons),
            "world_id": self.world_id,
            "entry_id": self.entry_id,
        }


@dataclass(frozen=True)
class LoreSelection:
    items: tuple[LoreItem, ...]
    block: str


@dataclass
class _Candidate:
    key: str
    name: str
    kind: str
    text: str
    entry_id: str = ""
    best: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def because(self, reason: str, score: float) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
            self.best = max(self.best, score)

    @property
    def score(self) -> float:
        """The best reason's score; each further reason adds a little."""
        return self.best + 0.01 * (len(self.reasons) - 1)


def items_from_json(value: Any) -> list[LoreItem]:
    """The items stored with a run or a chat row (unknown shapes are skipped)."""
    items = []
    for raw in value if isinstance(value, list) else []:
        if isinstance(raw, dict) and raw.get("name"):
            items.append(
                LoreItem(
                    key=str(raw.get("key", "")),
                    name=str(raw["name"]),
                    kind=str(raw.get("kind", "")),
                    reasons=tuple(str(r) for r in raw.get("reasons", [])),
                    world_id=str(raw.get("world_id", "")),
                    entry_id=str(raw.get("entry_id", "")),
                )
            )
    return items


def prepare(
    actor: Actor, world_id: uuid.UUID, story_id: uuid.UUID | None, message: str
) -> LoreSelection:
    """The lore for a turn about `world_id` that starts with `message`. Embeds text (tens of
    milliseconds): call from a worker thread. A failing embedding model leaves out the
    matches by meaning, never the turn."""
    try:
        codex_embeddings.embed_missing(actor, world_id, limit=EMBED_PER_TURN)
        vector: list[float] | None = embeddings.embed([message])[0]
    except Exception:
        log.exception("Lore by meaning is unavailable for this turn")
        vector = None
    with session_scope() as session:
        world = require_world(session, actor, world_id)
        segment = _latest_segment(session, world, story_id)
        texts = [message, _recent_chat(session, actor, world.id, message), segment[2]]
        matcher = mentions.world_matcher(session, world.id)
        names = [
            _names_in(matcher.matcher, texts[0]),
            _names_in(matcher.matcher, texts[1]),
            _segment_names(matcher, segment),
        ]
        found = _from_entries(session, world, matcher, names, vector, segment[0])
        found += _from_foundation(world, texts, vector)
    return _select(found, str(world_id))


def _recent_chat(session: Session, actor: Actor, world_id: uuid.UUID, message: str) -> str:
    """The person's last messages and the agent's answers about this world, before `message`."""
    rows = session.exec(
        select(ChatMessage.content)
        .where(
            ChatMessage.user_id == actor.user_id,
            ChatMessage.world_id == world_id,
            col(ChatMessage.message_type).in_(["user", "assistant"]),
        )
        .order_by(col(ChatMessage.created_at).desc())
        .limit(RECENT_MESSAGES + 1)
    ).all()
    texts = list(rows)
    if texts and texts[0] == message:
        texts = texts[1:]
    return "\n".join(reversed(texts[:RECENT_MESSAGES]))


Segment = tuple[uuid.UUID | None, datetime | None, str]  # id, when it last changed, its text


def _latest_segment(session: Session, world: World, story_id: uuid.UUID | None) -> Segment:
    """The newest segment of the story being read, else of the world's latest story."""
    if story_id is not None:  # a story of the world, which the caller may read
        story = session.get(Story, story_id)
        chosen = story.id if story is not None and story.world_id == world.id else None
    else:
        chosen = session.exec(
            select(Story.id)
            .where(Story.world_id == world.id)
            .order_by(col(Story.updated_at).desc())
        ).first()
    row = (
        session.exec(
            select(StorySegment.id, StorySegment.updated_at, StorySegment.content)
            .where(StorySegment.story_id == chosen)
            .order_by(col(StorySegment.order).desc(), col(StorySegment.created_at).desc())
        ).first()
        if chosen is not None
        else None
    )
    return (row[0], row[1], row[2] or "") if row else (None, None, "")


Names = dict[str, tuple[str, int]]  # target -> (the name or alias found first, how often)


def _names_in(matcher: mentions.Matcher, text: str) -> Names:
    found: Names = {}
    for mention in matcher.find(text):
        for target in mention.targets:
            trigger, count = found.get(target, (mention.trigger, 0))
            found[target] = (trigger, count + 1)
    return found


class _SegmentNames:
    """The names found in a segment, kept per process until the segment or the Codex changes:
    a long segment is scanned once, not on every turn."""

    LIMIT = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: OrderedDict[tuple[Any, ...], Names] = OrderedDict()

    def get(self, matcher: mentions.WorldMatcher, segment: Segment) -> Names:
        if segment[0] is None:
            return {}
        key = (segment[0], segment[1], matcher.stamp)
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
                return self._found[key]
        found = _names_in(matcher.matcher, segment[2])
        with self._lock:
            self._found[key] = found
            while len(self._found) > self.LIMIT:
                self._found.popitem(last=False)
        return found


_segment_names = _SegmentNames().get


def _from_entries(
    session: Session,
    world: World,
    matcher: mentions.WorldMatcher,
    names: list[Names],
    vector: list[float] | None,
    part: uuid.UUID | None,  # the part the turn continues: entries are as of it, on its branch
) -> list[_Candidate]:
    reasons: dict[str, list[tuple[str, float]]] = {}

    def note(entry_id: str, reason: str, score: float) -> None:
        reasons.setdefault(entry_id, []).append((reason, score))

    for found, (where, score) in zip(names, PLACES, strict=True):
        # The most mentioned first; a long segment may name hundreds of entries.
        for target, (trigger, count) in sorted(found.items(), key=lambda f: -f[1][1])[:PER_PLACE]:
            what = "name" if matcher.names.get(target) == trigger else "alias"
            note(target, f"matched {what} “{trigger}” in {where}", score + 0.001 * count)
    usable = (
        col(CodexEntry.world_id) == world.id,
        col(CodexEntry.status) == CodexStatus.ACTIVE,
        col(CodexEntry.excluded).is_(False),
    )
    for entry_id in session.exec(select(CodexEntry.id).where(*usable, CodexEntry.pinned)).all():
        note(str(entry_id), "pinned", PINNED_SCORE)
    if vector is not None:
        distance = cosine_distance(col(CodexEntry.embedding), vector)
        least = get_settings().lore_min_similarity
        for entry_id, how_far in session.exec(
            select(CodexEntry.id, distance)
            .where(*usable, col(CodexEntry.embedding).is_not(None), distance <= 1 - least)
            .order_by(distance)
            .limit(SIMILAR_ENTRIES)
        ).all():
            similarity = 1 - float(how_far)
            note(str(entry_id), f"similar in meaning {similarity:.2f}", similarity)
    if not reasons:
        return []
    candidates: list[_Candidate] = []
    rows = session.execute(
        sa_select(
            col(CodexEntry.id),
            col(CodexEntry.name),
            col(CodexEntry.kind),
            col(CodexEntry.aliases),
            col(CodexEntry.summary),
            col(CodexEntry.body),
        ).where(*usable, col(CodexEntry.id).in_([uuid.UUID(key) for key in reasons]))
    ).all()
    then = codex_progressions.rows_as_of(session, part, rows)
    for row in rows:
        key = str(row[0])
        candidate = _Candidate(key, row[1], str(row[2]), _entry_text(*then[row[0]]), key)
        for reason, score in reasons[key]:
            candidate.because(reason, score)
        candidates.append(candidate)
    return candidates


def _entry_text(name: str, kind: str, aliases: list[Any], summary: str, body: str) -> str:
    also = ", ".join(str(a) for a in aliases)
    head = f"{name} — {kind}" + (f" (also: {also})" if also else "")
    return "\n".join(part for part in (head, summary, body[:ITEM_CHARS]) if part)


@dataclass(frozen=True)
class FoundationItem:
    """A rule or technology system of the world's foundation, read as a read-only entry."""

    key: str  # "rule:<n>" or "technology:<n>"
    name: str
    kind: str  # "rule" | "technology"
    summary: str
    text: str  # what the lore block shows


def foundation_items(world: World) -> list[FoundationItem]:
    foundation = world.foundation if isinstance(world.foundation, dict) else {}
    items: list[FoundationItem] = []
    for index, rule in enumerate(_dicts(foundation.get("rules"))):
        statement = str(rule.get("statement", "")).strip()
        if statement:
            scope = " · ".join(str(rule.get(k)) for k in ("scope", "certainty") if rule.get(k))
            items.append(
                FoundationItem(
                    f"rule:{index}", _short(statement), "rule", scope, f"Rule: {statement}"
                )
            )
    for index, system in enumerate(_dicts(foundation.get("technology"))):
        name = str(system.get("name", "")).strip()
        if name:
            how = str(system.get("how_it_works", "")).strip()
            limits = "; ".join(str(x) for x in system.get("limits") or [] if x)
            text = f"Technology: {name} — {how}" + (f"\nLimits: {limits}" if limits else "")
            items.append(FoundationItem(f"technology:{index}", name, "technology", how, text))
    return items


def _from_foundation(
    world: World, places: list[str], vector: list[float] | None
) -> list[_Candidate]:
    """The foundation's rules and technology systems, by name (technology) and by meaning."""
    items = [
        _Candidate(item.key, item.name, item.kind, item.text) for item in foundation_items(world)
    ]
    if not items:
        return []
    by_key = {item.key: item for item in items}
    names = mentions.Matcher(
        mentions.Trigger(item.name, item.key) for item in items if item.kind == "technology"
    )
    for text, (where, score) in zip(places, PLACES, strict=True):
        for mention in names.find(text):
            for target in mention.targets:
                by_key[target].because(f"matched name “{mention.trigger}” in {where}", score)
    if vector is not None:
        similarities = np.array(_vectors([item.text for item in items])) @ np.array(vector)
        least = get_settings().lore_min_similarity
        for index in np.argsort(-similarities)[:SIMILAR_FOUNDATION]:
            if similarities[index] >= least:
                items[index].because(
                    f"similar in meaning {similarities[index]:.2f}", float(similarities[index])
                )
    return [item for item in items if item.reasons]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class _VectorCache:
    """Embeddings of foundation items, by text, kept per process (they change rarely)."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vectors: dict[str, list[float]] = {}

    def get(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, embeddings.embed(missing), strict=True))
            with self._lock:
                if len(self._vectors) + len(missing) > self.LIMIT:
                    self._vectors.clear()
                self._vectors.update((t, known[t]) for t in missing)
        return [known[t] for t in texts]


_vectors = _VectorCache().get


def _select(found: list[_Candidate], world_id: str) -> LoreSelection:
    """Best first, cut to the budget (pinned entries always come)."""
    budget = get_settings().lore_budget_chars
    ranked = sorted(found, key=lambda c: (-c.score, c.name.casefold()))
    chosen: list[tuple[_Candidate, str]] = []
    used = 0
    for candidate in ranked:
        text = _short(candidate.text, ITEM_CHARS)
        section = f"## {text.splitlines()[0]} [{'; '.join(candidate.reasons)}]"
        section += "".join(f"\n{line}" for line in text.splitlines()[1:])
        if used + len(section) > budget and "pinned" not in candidate.reasons:
            continue
        chosen.append((candidate, section))
        used += len(section)
    block = "\n\n".join([BLOCK_HEADER, *(s for _, s in chosen)]) if chosen else NO_LORE
    items = tuple(
        LoreItem(c.key, c.name, c.kind, tuple(c.reasons), world_id, c.entry_id) for c, _ in chosen
    )
    return LoreSelection(items, block)


def record(actor: Actor, run_id: uuid.UUID, selection: LoreSelection) -> str:
    """Store the selection on the run and, when it has items, as the run's one "Lore used" chat
    row (replaced when the turn's message is sent again: a Retry before Letta kept it); returns
    that row's message id ("" when there is none)."""
    items = [item.as_json() for item in selection.items]
    with session_scope() as session:
        run = require_run(session, actor, run_id)
        run.lore = items
        session.add(run)
        row = session.exec(
            select(ChatMessage).where(
                ChatMessage.run_id == run.id, ChatMessage.message_type == LORE_ROW
            )
        ).first()
        if not items:
            if row is not None:
                session.delete(row)
            return ""
        content = json.dumps(items, ensure_ascii=False)
        if row is None:
            row = chat.append_message(
                session,
                actor,
                run.world_id,
                "system",
                content,
                LORE_ROW,
                story_id=run.story_id,
                run_id=run.id,
            )
        else:
            row.content = content
            session.add(row)
        return str(row.id)
