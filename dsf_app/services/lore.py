"""Retrieval of lore for a World Agent turn: which Codex entries and foundation items to put in
front of the agent, and why.

Codex entries come by SillyTavern's World Info rules (`lore_activation`, over the world's
`lore_index`): keys in the person's message, the recent chat, the current story's latest
segment and activated entries' text, each entry's secondary keys, probability, timers,
inclusion groups, order and the character budget; pinned entries always come, excluded ones
never. Meaning adds to keys, never replaces them: the entries (and foundation rules and
technology) nearest in meaning to the message fill what budget is left, unless a rule holds
them back. Each entry's text is as of the story part the turn continues (`codex_progressions`).
The result is the `lore` block's text and the list shown in the chat's "Lore used" row and
stored with the run: what came, with every reason, and what a rule brought but was left out,
and why. Sticky and cooldown timers are kept with the run's conversation, and the turn's draws
are seeded by it, so a regenerated turn is given the same lore.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dsf_app import embeddings
from dsf_app.db import cosine_distance, session_scope
from dsf_app.models import ChatConversation, ChatMessage, CodexEntry, Story, StorySegment, World
from dsf_app.models.lore_rules import LoreTimers
from dsf_app.services import (
    chat,
    codex_embeddings,
    codex_progressions,
    lore_activation,
    lore_index,
)
from dsf_app.services.access import require_run, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.lore_foundation import Candidate, from_foundation, short

# The foundation's items, which the Codex pages list beside the entries.
from dsf_app.services.lore_foundation import FoundationItem as FoundationItem
from dsf_app.services.lore_foundation import foundation_items as foundation_items
from dsf_app.services.lore_keys import Entry
from dsf_app.settings import get_settings

log = logging.getLogger(__name__)

RECENT_MESSAGES = 8
SIMILAR_ENTRIES = 6
ITEM_CHARS = lore_index.ITEM_CHARS
# Entries left without an embedding (just written) that a turn embeds before it searches.
EMBED_PER_TURN = 16
# Entries left out that "Lore used" lists (a long segment may name hundreds).
LEFT_OUT_SHOWN = 20
# The score of entries the rules brought: above any other, in the rules' order.
BY_RULE = 1e6
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
    """One entry or foundation item put in front of the agent, and why; or, with `left_out`,
    one a rule brought that did not come, and why not."""

    key: str  # the entry's id, or "rule:<n>" / "technology:<n>" for the foundation's items
    name: str
    kind: str
    reasons: tuple[str, ...]
    world_id: str
    entry_id: str = ""  # empty for foundation items
    left_out: str = ""  # "left out: over the lore budget", "left out: cooldown, 2 turns left"…

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "reasons": list(self.reasons),
            "world_id": self.world_id,
            "entry_id": self.entry_id,
            "left_out": self.left_out,
        }


@dataclass(frozen=True)
class LoreSelection:
    items: tuple[LoreItem, ...]  # those given to the agent, then those left out
    block: str

    @property
    def used(self) -> tuple[LoreItem, ...]:
        """The items given to the agent."""
        return tuple(item for item in self.items if not item.left_out)


def items_from_json(value: Any) -> list[LoreItem]:
    """The items stored with a run or a chat row (unknown shapes are skipped)."""
    items = []
    for raw in value if isinstance(value, list) else []:
        if isinstance(raw, dict) and raw.get("name"):
            reasons = raw.get("reasons")
            items.append(
                LoreItem(
                    key=str(raw.get("key", "")),
                    name=str(raw["name"]),
                    kind=str(raw.get("kind", "")),
                    reasons=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
                    world_id=str(raw.get("world_id", "")),
                    entry_id=str(raw.get("entry_id", "")),
                    left_out=str(raw.get("left_out") or ""),
                )
            )
    return items


def prepare(
    actor: Actor,
    world_id: uuid.UUID,
    story_id: uuid.UUID | None,
    message: str,
    run_id: uuid.UUID | None = None,
) -> LoreSelection:
    """The lore for a turn about `world_id` that starts with `message`; with `run_id`, as the
    turn of that run's conversation (its timers and draws), whose timers it then advances.
    Embeds text (tens of milliseconds): call from a worker thread. A failing embedding model
    leaves out the matches by meaning, never the turn."""
    try:
        codex_embeddings.embed_missing(actor, world_id, limit=EMBED_PER_TURN)
        vector: list[float] | None = embeddings.embed([message])[0]
    except Exception:
        log.exception("Lore by meaning is unavailable for this turn")
        vector = None
    with session_scope() as session:
        world = require_world(session, actor, world_id)
        segment = _latest_segment(session, world, story_id)
        recent = _recent_chat(session, actor, world.id, message)
        conversation, turn = _conversation(session, actor, run_id)
        outcome = lore_activation.activate(
            lore_index.world_index(session, world.id),
            lore_activation.Scan(
                messages=[message, *recent],
                segment=segment[2],
                turn=turn,
                seed=str(conversation.id if conversation else world.id),
                timers=conversation.lore_timers if conversation else LoreTimers(),
                budget=get_settings().lore_budget_chars,
            ),
        )
        if conversation is not None:
            conversation.lore_timers = outcome.timers
            session.add(conversation)
        found = _from_entries(session, world, outcome, vector, segment[0])
        found += from_foundation(world, [message, "\n".join(reversed(recent)), segment[2]], vector)
    left_out = [
        LoreItem(e.id, e.name, "", (), str(world_id), e.id, why)
        for e, why in outcome.left_out[:LEFT_OUT_SHOWN]
    ]
    return _select(found, left_out, str(world_id))


def _conversation(
    session: Session, actor: Actor, run_id: uuid.UUID | None
) -> tuple[ChatConversation | None, int]:
    """The conversation a run belongs to (locked: its timers change) and the turn it writes."""
    if run_id is None:
        return None, 1
    run = require_run(session, actor, run_id)
    if run.conversation_id is None:
        return None, 1
    conversation = session.get(ChatConversation, run.conversation_id, with_for_update=True)
    return conversation, lore_index.turn_number(session, run)


def _recent_chat(session: Session, actor: Actor, world_id: uuid.UUID, message: str) -> list[str]:
    """The person's last messages and the agent's answers about this world before `message`,
    newest first."""
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
    return texts[:RECENT_MESSAGES]


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


def _from_entries(
    session: Session,
    world: World,
    outcome: lore_activation.Outcome,
    vector: list[float] | None,
    part: uuid.UUID | None,  # the part the turn continues: entries are as of it, on its branch
) -> list[Candidate]:
    """The entries the rules brought, in their order, then those nearest in meaning that no
    rule brought, left out or holds back."""
    came: dict[str, tuple[Entry, list[str]]] = {e.id: (e, list(why)) for e, why in outcome.chosen}
    skip = {*came, *outcome.held, *(e.id for e, _ in outcome.left_out)}
    similar: dict[str, float] = {}
    if vector is not None:
        distance = cosine_distance(col(CodexEntry.embedding), vector)
        least = get_settings().lore_min_similarity
        for entry_id, how_far in session.exec(
            select(CodexEntry.id, distance)
            .where(
                *lore_index.usable(world.id),
                col(CodexEntry.embedding).is_not(None),
                distance <= 1 - least,
            )
            .order_by(distance)
            .limit(SIMILAR_ENTRIES + len(skip))
        ).all():
            key, similarity = str(entry_id), 1 - float(how_far)
            if key in came:
                came[key][1].append(f"similar in meaning {similarity:.2f}")
            elif key not in skip and len(similar) < SIMILAR_ENTRIES:
                similar[key] = similarity
    if not came and not similar:
        return []
    rows = session.execute(
        sa_select(
            col(CodexEntry.id),
            col(CodexEntry.name),
            col(CodexEntry.kind),
            col(CodexEntry.aliases),
            col(CodexEntry.summary),
            col(CodexEntry.body),
        ).where(col(CodexEntry.id).in_([uuid.UUID(key) for key in [*came, *similar]]))
    ).all()
    then = codex_progressions.rows_as_of(session, part, rows)
    kinds = {str(row[0]): str(row[2]) for row in rows}
    texts = {str(key): _entry_text(*fields) for key, fields in then.items()}
    candidates = []
    for rank, (key, (entry, why)) in enumerate(came.items()):
        if key in texts:
            free = entry.pinned or entry.rules.ignore_budget
            candidates.append(
                Candidate(key, entry.name, kinds[key], texts[key], key, BY_RULE - rank, why, free)
            )
    for key, similarity in similar.items():
        if key in texts:
            candidate = Candidate(key, then[uuid.UUID(key)][0], kinds[key], texts[key], key)
            candidate.because(f"similar in meaning {similarity:.2f}", similarity)
            candidates.append(candidate)
    return candidates


def _entry_text(name: str, kind: str, aliases: list[Any], summary: str, body: str) -> str:
    also = ", ".join(str(a) for a in aliases)
    head = f"{name} — {kind}" + (f" (also: {also})" if also else "")
    return "\n".join(part for part in (head, summary, body[:ITEM_CHARS]) if part)


def _select(found: list[Candidate], left_out: list[LoreItem], world_id: str) -> LoreSelection:
    """The rules' entries in their order, then the rest best first, cut to the budget (pinned
    entries and those that ignore the budget always come); then those left out."""
    budget = get_settings().lore_budget_chars
    ranked = sorted(found, key=lambda c: (-c.score, c.name.casefold()))
    chosen: list[tuple[Candidate, str]] = []
    used = 0
    for candidate in ranked:
        text = short(candidate.text, ITEM_CHARS)
        section = f"## {text.splitlines()[0]} [{'; '.join(candidate.reasons)}]"
        section += "".join(f"\n{line}" for line in text.splitlines()[1:])
        if used + len(section) > budget and not candidate.free:
            if candidate.best > BY_RULE / 2:  # a rule brought it: say it did not fit
                left_out.insert(0, _item(candidate, world_id, lore_activation.BUDGET_LEFT_OUT))
            continue
        chosen.append((candidate, section))
        used += len(section)
    block = "\n\n".join([BLOCK_HEADER, *(s for _, s in chosen)]) if chosen else NO_LORE
    items = tuple(_item(c, world_id) for c, _ in chosen)
    return LoreSelection((*items, *left_out[:LEFT_OUT_SHOWN]), block)


def _item(candidate: Candidate, world_id: str, left_out: str = "") -> LoreItem:
    return LoreItem(
        candidate.key,
        candidate.name,
        candidate.kind,
        () if left_out else tuple(candidate.reasons),
        world_id,
        candidate.entry_id,
        left_out,
    )


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
