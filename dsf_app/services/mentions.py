"""Mentions of Codex entries in text: every name and alias of a world's entries found in one pass
over the text (an Aho-Corasick automaton), on word boundaries, longest match first.

Case rules: names match whatever their case ("mira" finds Mira), except aliases written in
capitals (acronyms such as "AI" or "ORB", which must match as written) and entries whose
activation rules say they are case-sensitive. An entry's rules are read through their pydantic
model, never cast in SQL: one odd stored value must not fail every page of its world. A world's automaton is built once per process and rebuilt when
its active entries change. Mentions are computed, not stored: backlinks ask the database which
segments contain a name, then confirm each on word boundaries.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ahocorasick
from sqlalchemy import ColumnElement, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dsf_app.models import CodexEntry, CodexLink, CodexStatus, Story, StorySegment
from dsf_app.models.lore_rules import ActivationRules
from dsf_app.services.access import require_entry, require_world
from dsf_app.services.actor import Actor
from dsf_app.services.validation import like_pattern

# Worlds whose automaton each process keeps (least recently used dropped first).
CACHED_WORLDS = 64


@dataclass(frozen=True)
class Trigger:
    """A text that points at a target (an entry id, or a foundation item's key)."""

    text: str
    target: str
    case_sensitive: bool = False


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str  # as written in the text searched
    trigger: str  # the name or alias it matched
    targets: tuple[str, ...]  # everything that name or alias points at


@dataclass(frozen=True)
class Piece:
    """A run of text, with the entry it mentions ("" for plain text)."""

    text: str
    target: str = ""


def _acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _lowered(text: str) -> str:
    """`text` in lower case with every index kept (a few letters lower to two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class Matcher:
    """Finds the triggers in a text in one pass, whatever their number."""

    def __init__(self, triggers: Iterable[Trigger]) -> None:
        found: dict[str, list[Trigger]] = {}
        for trigger in triggers:
            text = trigger.text.strip()
            if not text:
                continue
            sensitive = trigger.case_sensitive or _acronym(text)
            found.setdefault(_lowered(text), []).append(Trigger(text, trigger.target, sensitive))
        self._automaton = ahocorasick.Automaton()
        for key, candidates in found.items():
            self._automaton.add_word(key, (len(key), tuple(candidates)))
        self.size = len(found)
        if self.size:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Mention]:
        """Mentions on word boundaries, not overlapping, leftmost first and longest at each place.

        The automaton's own leftmost-longest pass does nearly all the work; only where its
        longest match is not a whole word (or not in the right case) are the shorter matches
        inside it looked at ("New" in "New Yorkers" when "New York" is a name too)."""
        if not self.size or not text:
            return []
        lowered = _lowered(text)
        mentions: list[Mention] = []
        for last, (length, candidates) in self._automaton.iter_long(lowered):
            start, end = last - length + 1, last + 1
            found = self._mention(text, start, end, candidates)
            mentions += [found] if found else self._inside(text, lowered, start, end)
        return mentions

    def _mention(
        self, text: str, start: int, end: int, candidates: tuple[Trigger, ...]
    ) -> Mention | None:
        written = text[start:end]
        if not self._bounded(text, start, end, written):
            return None
        fitting = [c for c in candidates if not c.case_sensitive or c.text == written]
        if not fitting:
            return None
        targets = tuple(dict.fromkeys(c.target for c in fitting))
        return Mention(start, end, written, fitting[0].text, targets)

    def _inside(self, text: str, lowered: str, start: int, end: int) -> list[Mention]:
        """The shorter mentions within text[start:end], leftmost and longest first."""
        found = [
            mention
            for last, (length, candidates) in self._automaton.iter(lowered, start, end)
            if (mention := self._mention(text, last - length + 1, last + 1, candidates))
        ]
        found.sort(key=lambda m: (m.start, m.start - m.end))
        kept: list[Mention] = []
        for mention in found:
            if not kept or mention.start >= kept[-1].end:
                kept.append(mention)
        return kept

    @staticmethod
    def _bounded(text: str, start: int, end: int, written: str) -> bool:
        """No letter or digit glued to either end (when the trigger itself ends in one)."""
        if _is_word(written[0]) and start > 0 and _is_word(text[start - 1]):
            return False
        return not (_is_word(written[-1]) and end < len(text) and _is_word(text[end]))

    def pieces(self, text: str) -> list[Piece]:
        """`text` cut into plain runs and mentions (each pointing at its first target)."""
        pieces: list[Piece] = []
        at = 0
        for mention in self.find(text):
            if mention.start > at:
                pieces.append(Piece(text[at : mention.start]))
            pieces.append(Piece(mention.text, mention.targets[0]))
            at = mention.end
        if at < len(text) or not pieces:
            pieces.append(Piece(text[at:]))
        return pieces


def entry_triggers(
    entry_id: uuid.UUID, name: str, aliases: Iterable[Any], rules: ActivationRules
) -> list[Trigger]:
    """An entry's name (unless its rules say it is only a label) and aliases."""
    sensitive = rules.case_sensitive is True
    names = [name] if rules.name_is_key else []
    names += [alias for alias in aliases if isinstance(alias, str)]
    return [Trigger(text, str(entry_id), sensitive) for text in names]


Stamp = tuple[int, datetime | None]  # active entries: how many, and the newest change


@dataclass(frozen=True)
class WorldMatcher:
    matcher: Matcher
    names: dict[str, str]  # entry id -> name
    stamp: Stamp


class _Cache:
    """Per world: the matcher and the state of its active entries it was built from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: OrderedDict[uuid.UUID, WorldMatcher] = OrderedDict()

    def get(self, session: Session, world_id: uuid.UUID) -> WorldMatcher:
        stamp = _stamp(session, world_id)
        with self._lock:
            cached = self._built.get(world_id)
            if cached is not None and cached.stamp == stamp:
                self._built.move_to_end(world_id)
                return cached
        built = _build(session, world_id, stamp)
        with self._lock:
            self._built[world_id] = built
            self._built.move_to_end(world_id)
            while len(self._built) > CACHED_WORLDS:
                self._built.popitem(last=False)
        return built


def _active(world_id: uuid.UUID) -> ColumnElement[bool]:
    return (col(CodexEntry.world_id) == world_id) & (
        col(CodexEntry.status) == CodexStatus.ACTIVE.value
    )


def _stamp(session: Session, world_id: uuid.UUID) -> Stamp:
    """Changes whenever an active entry is added, changed or removed."""
    count, newest = session.exec(
        select(func.count(col(CodexEntry.id)), func.max(CodexEntry.updated_at)).where(
            _active(world_id)
        )
    ).one()
    return int(count), newest


def _build(session: Session, world_id: uuid.UUID, stamp: Stamp) -> WorldMatcher:
    # The rules as their column reads them (a value that does not validate is left out), never
    # cast in SQL, where one odd value (`"case_sensitive": 2`) would fail the query and every
    # page of the world with it.
    rows = session.exec(
        select(CodexEntry.id, CodexEntry.name, CodexEntry.aliases, col(CodexEntry.activation))
        .where(_active(world_id))
        .order_by(col(CodexEntry.name), col(CodexEntry.id))
    ).all()
    triggers = [t for row in rows for t in entry_triggers(row[0], row[1], row[2], row[3])]
    return WorldMatcher(Matcher(triggers), {str(row[0]): row[1] for row in rows}, stamp)


_cache = _Cache()


def world_matcher(session: Session, world_id: uuid.UUID) -> WorldMatcher:
    """The matcher for a world's active entries. The caller has checked the person may read
    the world."""
    return _cache.get(session, world_id)


def link_texts(
    session: Session, actor: Actor, world_id: uuid.UUID, texts: list[str]
) -> list[list[Piece]]:
    """Each text cut into plain runs and mentions of the world's entries (one pass each). On a
    cold cache this loads the world's names and builds the automaton (hundreds of milliseconds
    for thousands of entries): call it from a worker thread."""
    world = require_world(session, actor, world_id)
    matcher = world_matcher(session, world.id).matcher
    return [matcher.pieces(text) for text in texts]


# ---- backlinks -------------------------------------------------------------------------------

SNIPPET_SIDE = 90
BACKLINKS_SCANNED = 300


@dataclass(frozen=True)
class SegmentMention:
    story_id: uuid.UUID
    story_title: str
    segment_id: uuid.UUID
    segment_title: str
    snippet: str


@dataclass(frozen=True)
class EntryMention:
    entry_id: uuid.UUID
    name: str
    kind: str
    how: str  # "mentions it" or "links to it (<relation>)"


@dataclass(frozen=True)
class Backlinks:
    segments: list[SegmentMention]
    entries: list[EntryMention]


def _snippet(text: str, mention: Mention) -> str:
    start = max(0, mention.start - SNIPPET_SIDE)
    end = min(len(text), mention.end + SNIPPET_SIDE)
    flat = " ".join(text[start:end].split())
    return ("…" if start else "") + flat + ("…" if end < len(text) else "")


def backlinks(session: Session, actor: Actor, entry_id: uuid.UUID) -> Backlinks:
    """Where the entry appears: the world's segments and other entries that mention its name or
    an alias (found by the database, confirmed on word boundaries), and entries linking to it."""
    entry, world = require_entry(session, actor, entry_id)
    triggers = entry_triggers(entry.id, entry.name, entry.aliases, entry.activation)
    matcher = Matcher(triggers)
    patterns = [like_pattern(t.text) for t in triggers if t.text.strip()]
    segments: list[SegmentMention] = []
    entries: dict[uuid.UUID, EntryMention] = {}
    if patterns:
        for seg_id, seg_title, content, story_id, story_title in session.execute(
            sa_select(
                col(StorySegment.id),
                col(StorySegment.title),
                col(StorySegment.content),
                col(Story.id),
                col(Story.title),
            )
            .join(Story, col(Story.id) == StorySegment.story_id)
            .where(
                col(Story.world_id) == world.id,
                or_(*(col(StorySegment.content).ilike(p) for p in patterns)),
            )
            .order_by(col(Story.title), col(StorySegment.order), col(StorySegment.created_at))
            .limit(BACKLINKS_SCANNED)
        ).all():
            found = matcher.find(content)
            if found:
                segments.append(
                    SegmentMention(
                        story_id, story_title, seg_id, seg_title, _snippet(content, found[0])
                    )
                )
        for other in session.exec(
            select(CodexEntry)
            .where(
                _active(world.id),
                col(CodexEntry.id) != entry.id,
                or_(
                    *(col(CodexEntry.summary).ilike(p) for p in patterns),
                    *(col(CodexEntry.body).ilike(p) for p in patterns),
                ),
            )
            .order_by(col(CodexEntry.name))
            .limit(BACKLINKS_SCANNED)
        ).all():
            if matcher.find(f"{other.summary}\n{other.body}"):
                entries[other.id] = EntryMention(
                    other.id, other.name, str(other.kind), "mentions it"
                )
    for other, relation in session.exec(
        select(CodexEntry, CodexLink.relation)
        .join(CodexLink, col(CodexLink.from_id) == CodexEntry.id)
        .where(CodexLink.to_id == entry.id, _active(world.id))
        .order_by(col(CodexEntry.name))
    ).all():
        how = f"links to it ({relation})" if relation else "links to it"
        entries[other.id] = EntryMention(other.id, other.name, str(other.kind), how)
    return Backlinks(segments, sorted(entries.values(), key=lambda e: e.name.casefold()))
